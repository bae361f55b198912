"""``python -m harness [SUITE...] [--db PATH] [--list] [--quick]``: ``ipfs-accel bench``."""

import sys

from harness.runner import main

sys.exit(main())
