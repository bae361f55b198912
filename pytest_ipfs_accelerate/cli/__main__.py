"""``python -m pytest_ipfs_accelerate.cli``: the ``ipfs-accel`` command."""

import sys

from pytest_ipfs_accelerate.cli import main

sys.exit(main())
