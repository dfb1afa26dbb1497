"""Host-firewall faults (WooCommerce core has no rate limit; a host or WAF in front of it may answer 429
or 503, sometimes with ``Retry-After``), slow answers and dropped connections, armed per site.

The fault table is the simulators' shared one (``sandbox/common/faults.py``); a WooCommerce ``status``
fault answers with a host's HTML error page and ``Retry-After: retry_after`` when given (``api.py``).
"""

from __future__ import annotations

from sandbox.common.faults import FAULT_KINDS, ConnectionDropped, Fault, FaultInjector

__all__ = ["FAULT_KINDS", "ConnectionDropped", "Fault", "FaultInjector"]
