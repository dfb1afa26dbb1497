"""The ``storehouse`` command: the product's command line (``platform_assets.cli``) with the built-in sandbox
registered, so ``storehouse demo`` runs the demo tenants' ``sandbox://`` shops in process and checks the
result against the sandbox's ground truth."""

import sys

from demo.wiring import install
from platform_assets import cli


def main(argv: list[str] | None = None) -> int:
    install()
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
