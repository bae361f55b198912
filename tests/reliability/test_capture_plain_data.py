"""Issue 15, case 1: what goes from an xdist worker to the controller is plain data, so no
parameter, extra or operation value can stop execnet (the scenario is
``harness/reliability/adversarial/capture_cases.py``, which the adversarial suite runs too).

Found on marshmallow 3.26.1's own suite (``pytest -n 2 --ipfs-accel-db``): a ``NamedTuple``
parameter made a worker fail with ``DumpError``, 213 of 1,238 tests were lost, exit code 3.
"""

from __future__ import annotations

import pytest

from harness.reliability.adversarial import capture_cases as cases

pytest.importorskip("xdist")


def test_xdist_workers_send_only_plain_data():
    cases.case_1_xdist_workers_send_only_plain_data()
