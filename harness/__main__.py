"""``python -m harness [SUITE...] [--db PATH] [--list] [--quick]``: ``ipfs-accel bench``."""

import sys

from pytest_ipfs_accelerate.cli import main

sys.exit(main(["bench", *sys.argv[1:]]))
