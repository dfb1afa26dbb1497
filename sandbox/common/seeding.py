"""Deterministic randomness: every stream depends only on a seed and labels, through SHA-256 (never
Python's ``hash()``), so runs are identical across processes and machines."""

from __future__ import annotations

import hashlib
import math
import random


def rng_for(seed: int, *labels: object) -> random.Random:
    """A random generator that depends only on the seed and the labels."""
    key = "|".join([str(seed), *[str(label) for label in labels]]).encode()
    return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))


def hex_token(seed: int, *labels: object, length: int = 32) -> str:
    """A deterministic hex string (cart and order tokens, order keys, nonces in tests)."""
    key = "|".join([str(seed), *[str(label) for label in labels]]).encode()
    return hashlib.sha256(key).hexdigest()[:length]


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count (Knuth for small means, a rounded normal for large ones)."""
    if mean <= 0:
        return 0
    if mean > 60:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit = math.exp(-mean)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
