"""Where an extracted entry may land: the rules of ``tarfile``'s ``data`` filter.

``get`` writes DAGs to disk, from a node (:func:`exporter.export_to_dir`) or from a Kubo
``get`` archive (the RPC client). Both check every entry here first:

- a name part may not be empty, ``.``, ``..``, absolute, or hold NUL or ``\\``;
- the entry's real path (symlinks already on disk followed) must stay inside the target,
  so no entry is ever written through a symlink that leads out of it;
- a symlink's target may not be absolute, and must resolve inside the target;
- only directories, regular files and symlinks are extracted (no devices, FIFOs or hard
  links), and file modes are never taken from the source.

A refusal is an :class:`UnsafePathError` that names the entry and where it would land.
"""

from __future__ import annotations

import os
from pathlib import Path

from pytest_ipfs_accelerate.ipfs.engine.errors import UnsafePathError


def _inside(path: str, root: Path) -> bool:
    return path == str(root) or path.startswith(str(root).rstrip(os.sep) + os.sep)


def checked_part(part: str, entry: str) -> str:
    """One path component of ``entry``, or :class:`UnsafePathError`."""
    if (not part or part in (".", "..") or "/" in part or "\\" in part or "\x00" in part
            or os.path.isabs(part)):
        raise UnsafePathError(f"refusing to extract {entry!r}: {part!r} is not a plain file "
                              "name (no '..', '/', '\\\\', NUL or absolute paths)")
    return part


def destination(root: Path, parts: list[str], entry: str) -> Path:
    """``root/parts...`` once each part is plain and its real path stays under ``root``.

    ``root`` must be resolved (``Path.resolve()``).
    """
    dest = root.joinpath(*(checked_part(p, entry) for p in parts))
    real = os.path.realpath(dest)
    if not _inside(real, root):
        raise UnsafePathError(f"refusing to extract {entry!r}: it would land at {real}, "
                              f"outside {root} (through a symlink)")
    return dest


def check_symlink(root: Path, dest: Path, target: str, entry: str) -> None:
    """Refuse a symlink at ``dest`` to ``target`` that is absolute or leads outside ``root``."""
    if not target or os.path.isabs(target) or "\x00" in target:
        raise UnsafePathError(f"refusing to extract symlink {entry!r} -> {target!r}: an "
                              f"absolute or empty link target would point outside {root}")
    resolved = os.path.realpath(os.path.join(dest.parent, target))
    if not _inside(resolved, root):
        raise UnsafePathError(f"refusing to extract symlink {entry!r} -> {target!r}: it "
                              f"resolves to {resolved}, outside {root}")
