"""Issue 15, case 5: the device fills up mid-run (a real tmpfs; root only). The run keeps
the tests' exit code and summary line, stores the rows that fit and counts the rest in one
warning, leaves no ``.wal``, ``.tmp`` or spool file, and the DB opens afterwards."""

from __future__ import annotations

import pytest

from harness.reliability.adversarial import Unavailable
from harness.reliability.adversarial import capture_cases as cases


@pytest.mark.parametrize("case", [cases.case_5_disk_full_on_a_2mib_tmpfs,
                                  cases.case_5_disk_full_stores_the_rows_that_fit],
                         ids=["2MiB-default-flush", "2304KiB-100-row-flushes"])
def test_disk_full_mid_run(case):
    try:
        case()
    except Unavailable as exc:
        pytest.skip(str(exc))
