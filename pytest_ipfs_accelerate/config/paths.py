"""Paths that settings name: the results DB, files under pytest's rootdir."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest


#: ``--ipfs-accel-db off`` (or ``IPFS_ACCEL_DB=off``) switches capture off, whatever an
#: ini option or a config file names.
OFF = "off"


def db_path_for(config: pytest.Config, settings: Any) -> Path | None:
    """The DB path by precedence: option > env > ini > config file; None means off."""
    value = config.getoption("ipfs_accel_db")
    if value:
        return None if value == OFF else Path(value).expanduser()
    env = os.environ.get("IPFS_ACCEL_DB") or os.environ.get("IPFS_ACCEL_DB_PATH")
    if env:
        return None if env == OFF else Path(env).expanduser()
    ini = config.getini("ipfs_accel_db")
    if ini:
        return under_root(config, str(ini))
    from_file = settings.get("db.path")
    return under_root(config, from_file) if from_file else None


def under_root(config: pytest.Config, value: str) -> Path:
    """``value`` as a path, relative ones taken from pytest's rootdir."""
    p = Path(value).expanduser()
    return p if p.is_absolute() else config.rootpath / p
