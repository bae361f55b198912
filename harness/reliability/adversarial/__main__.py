"""``python -m harness.reliability.adversarial [-k SUBSTRING]``."""

from __future__ import annotations

import argparse
import sys

from harness.reliability.adversarial import run

parser = argparse.ArgumentParser(prog="python -m harness.reliability.adversarial",
                                 description="Every bad-input case: one PASS/FAIL line each.")
parser.add_argument("-k", default="", metavar="SUBSTRING", help="only cases whose name has it")
sys.exit(run(parser.parse_args().k))
