"""The code location of the demo (``workspace.yaml``, ``make ui``): the product's ``Definitions`` with the
built-in sandbox registered, so the demo tenants' ``sandbox://`` shops answer in runs started from the UI,
the schedule and the sensors. A deployment with only real shops can load ``platform_assets.definitions``
itself."""

from demo.wiring import install
from platform_assets.definitions import defs

install()

__all__ = ["defs"]
