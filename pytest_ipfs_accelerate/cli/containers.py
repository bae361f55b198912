"""``ipfs-accel containers ls | images [--filter K=V] | sweep``."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from pytest_ipfs_accelerate.cli.arguments import settings
from pytest_ipfs_accelerate.containers.backend import ContainerBackend, ContainerError
from pytest_ipfs_accelerate.containers.selection import BACKEND_ENV, CATALOGUE_ENV, open_backend


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``containers`` subcommand and its ``ls``, ``images`` and ``sweep``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--backend", choices=("auto", "simulated", "docker"), default=None,
                        help=f"container backend (default: ${BACKEND_ENV}, config "
                             "[containers] backend, else auto: Docker when an engine answers)")
    common.add_argument("--format", choices=("table", "json"), default="table",
                        help="output format (default table)")
    parser = subparsers.add_parser(
        "containers", help="list containers and images; sweep leftovers of dead sessions",
        description="Containers made by pytest-ipfs-accelerate sessions (labelled "
                    "org.pytest-ipfs-accel.*), the image marketplace, and sweeps.")
    sub = parser.add_subparsers(dest="containers_command", metavar="ACTION")
    sub.required = True
    ls = sub.add_parser("ls", parents=[common], help="list our containers, with their owners")
    ls.add_argument("--all", action="store_true", help="also list containers we did not make")
    ls.set_defaults(func=ls_handler)
    images = sub.add_parser("images", parents=[common],
                            help="list engine images plus the catalogue, filtered")
    images.add_argument("--filter", action="append", default=[], metavar="K=V",
                        help="name=GLOB, tag=T, label=K[=V], hardware=cpu|cuda|rocm, "
                             "runs-on=detected|cpu|cuda|rocm, source=local|catalogue "
                             "(repeatable; all must match)")
    images.add_argument("--catalogue", default=None, metavar="TOML",
                        help=f"image catalogue (default: ${CATALOGUE_ENV}, "
                             "config [containers] catalogue)")
    images.add_argument("--no-engine", action="store_true",
                        help="list the catalogue only; do not ask an engine")
    images.set_defaults(func=images_handler)
    sw = sub.add_parser("sweep", parents=[common],
                        help="remove containers, networks and volumes of dead sessions")
    sw.add_argument("--dry-run", action="store_true", help="list what would be removed")
    sw.add_argument("--session", default=None, metavar="ID",
                    help="remove this session's resources whatever its lease says (for an "
                         "owner shown as unknown: another host, container or user)")
    sw.set_defaults(func=sweep_handler)


def _config_value(key: str) -> Any:
    """A value from the project's config file (current directory), or None."""
    try:
        return settings(None).get(key) or None
    except Exception:  # a broken config file must not stop listing or sweeping
        return None


def _backend(args: argparse.Namespace) -> ContainerBackend:
    choice = (args.backend or os.environ.get(BACKEND_ENV)
              or _config_value("containers.backend") or "auto")
    return open_backend(choice)


def _print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def ls_handler(args: argparse.Namespace) -> int:
    """Print our containers (or all, with --all) and whether their owner is alive, dead or
    unknown (its lease cannot be seen from here)."""
    from pytest_ipfs_accelerate.containers.naming import LABEL_PID, LABEL_SESSION, LABEL_WORKER
    from pytest_ipfs_accelerate.containers.sweep import owner_state

    backend = _backend(args)
    try:
        infos = backend.list_containers(None if args.all else {LABEL_SESSION: ""})
    finally:
        backend.close()
    rows = []
    for info in infos:
        ours = LABEL_SESSION in info.labels
        rows.append({
            "id": info.id[:12], "name": info.name, "image": info.image, "status": info.status,
            "session": info.labels.get(LABEL_SESSION, ""), "pid": info.labels.get(LABEL_PID, ""),
            "worker": info.labels.get(LABEL_WORKER, ""),
            "owner": owner_state(info.labels) if ours else "",
            "ports": ",".join(f"{p.host_ip}:{p.host_port}->{p.container_port}"
                              for p in info.ports),
        })
    if args.format == "json":
        print(json.dumps({"backend": backend.name, "containers": rows}, indent=2))
    else:
        print(f"# backend: {backend.describe()}")
        keys = ["id", "name", "image", "status", "session", "pid", "owner", "ports"]
        _print_table([[r[k] for k in keys] for r in rows], [k.upper() for k in keys])
    return 0


def images_handler(args: argparse.Namespace) -> int:
    """Print the marketplace: engine images plus the catalogue, filtered."""
    from pytest_ipfs_accelerate.containers.catalogue import (
        filter_images,
        marketplace,
        parse_filters,
    )

    filters = parse_filters(args.filter)
    catalogue = (args.catalogue or os.environ.get(CATALOGUE_ENV)
                 or _config_value("containers.catalogue"))
    backend = None if args.no_engine else _backend(args)
    try:
        entries = filter_images(marketplace(backend, catalogue), filters)
    finally:
        if backend is not None:
            backend.close()
    if args.format == "json":
        print(json.dumps([e.to_dict() for e in entries], indent=2))
        return 0
    if backend is not None:
        print(f"# backend: {backend.describe()}")
    rows = [[e.name, ",".join(e.tags), "" if e.size is None else _size(e.size),
             ",".join(e.hardware), e.source,
             ",".join(f"{k}={v}" for k, v in sorted(e.labels.items()))] for e in entries]
    _print_table(rows, ["NAME", "TAGS", "SIZE", "HARDWARE", "SOURCE", "LABELS"])
    return 0


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f}{unit}" if unit == "B" else f"{n:.1f}{unit}"
        n /= 1000
    return str(n)  # pragma: no cover


def sweep_handler(args: argparse.Namespace) -> int:
    """Remove resources of dead sessions (or of ``--session``); exit 1 when some could not be
    removed."""
    from pytest_ipfs_accelerate.containers.sweep import sweep

    backend = _backend(args)
    try:
        result = sweep(backend, session=args.session, dry_run=args.dry_run)
    finally:
        backend.close()
    verb = "would remove" if args.dry_run else "removed"
    if args.format == "json":
        print(json.dumps({"backend": backend.name, "dry_run": args.dry_run,
                          "session": args.session, "containers": result.containers,
                          "networks": result.networks, "volumes": result.volumes,
                          "errors": result.errors}, indent=2))
    else:
        print(f"{verb} {len(result.containers)} container(s), {len(result.networks)} "
              f"network(s), {len(result.volumes)} volume(s) of "
              f"{f'session {args.session}' if args.session else 'dead sessions'} "
              f"({backend.describe()})")
        for name in result.containers + result.networks + result.volumes:
            print(f"  {name}")
        for err in result.errors:
            print(f"  error: {err}")
    if result.errors:
        raise ContainerError(f"sweep could not remove {len(result.errors)} resource(s): "
                             + "; ".join(result.errors))
    return 0
