"""Deterministic randomness: every stream depends only on the site seed and a label (never ``hash()``).

The simulators' shared helpers (``sandbox/common/seeding.py``), under the names this package uses.
"""

from __future__ import annotations

from sandbox.common.seeding import hex_token, poisson, rng_for

__all__ = ["hex_token", "poisson", "rng_for"]
