"""``python -m harness.regression_gate [--reps N] [--no-busy]``: the gate's acceptance."""

from __future__ import annotations

import argparse
import sys

from harness.regression_gate import experiment

parser = argparse.ArgumentParser(prog="python -m harness.regression_gate")
parser.add_argument("--reps", type=int, default=10, help="repetitions of each experiment (10)")
parser.add_argument("--no-busy", action="store_true", help="without the busy background process")
args = parser.parse_args()
result = experiment(args.reps, busy=not args.no_busy)
print(f"null: {result['gate_null_clean']}/{args.reps} repetitions flagged nothing; "
      f"effect: {result['gate_effect_exact']}/{args.reps} flagged only the slowed benchmark "
      "(goal: at least 9 of 10 each)")
sys.exit(0 if min(result["gate_null_clean"], result["gate_effect_exact"]) >= 0.9 * args.reps
         else 1)
