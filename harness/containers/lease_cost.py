"""What leases add to a session: taking one, probing an owner, collecting the lease directory,
against the one Docker API call every sweep makes anyway (same run, medians).

Run: ``python -m harness.containers.lease_cost [--leases 100]``. Figures: docs/containers.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pytest_ipfs_accelerate.containers.lease import Lease, collect


def median_s(fn: Callable[[], object], n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leases", type=int, default=100, help="live leases in the directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        made: list[Lease] = []

        def take() -> None:
            made.append(Lease(f"s{len(made)}", directory))
            made[-1].acquire()

        acquire = median_s(take, args.leases)
        ref = made[0].ref
        assert ref is not None
        probe = median_s(ref.state, 2000)
        scan = median_s(lambda: collect(directory), 50)
        for lease in made:
            lease.release()
    print(f"take a lease        {acquire * 1e6:8.1f} us (once per session and worker)")
    print(f"probe an owner      {probe * 1e6:8.1f} us (once per owner per sweep)")
    print(f"collect {args.leases:4d} leases  {scan * 1e3:8.3f} ms (once per sweep)")
    try:
        import docker

        client = docker.DockerClient(timeout=10)
        client.ping()
    except Exception as exc:  # no engine: the lease figures stand alone
        print(f"docker: unavailable ({type(exc).__name__})")
        return
    listing = median_s(lambda: client.api.containers(
        all=True, filters={"label": ["org.pytest-ipfs-accel.session"]}), 50)
    client.close()
    print(f"docker list call    {listing * 1e3:8.3f} ms (every sweep, before leases too)")
    print(f"collect + 1 probe / docker list call = {(scan + probe) / listing:.2f}x")


if __name__ == "__main__":
    main()
