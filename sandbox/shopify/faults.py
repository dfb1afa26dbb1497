"""Fault injection: make the next matching requests fail, stall or drop, to test a client's resilience.

The fault table is the simulators' shared one (``sandbox/common/faults.py``); a Shopify ``status`` fault
answers with Shopify's JSON error body (``api.py``).
"""

from __future__ import annotations

from sandbox.common.faults import FAULT_KINDS, ConnectionDropped, Fault, FaultInjector

__all__ = ["FAULT_KINDS", "ConnectionDropped", "Fault", "FaultInjector"]
