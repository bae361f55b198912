"""TOML configuration: defaults, sources and precedence, validation, save.

Python API::

    from pytest_ipfs_accelerate.config import Settings
    s = Settings.load("ipfs_accelerate.toml")   # load
    s.get("db.flush_rows")                      # get
    s.set("db.flush_rows", 500)                 # set (validated)
    s.validate(); s.save()                      # validate, save (round-trips)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_ipfs_accelerate.config.schema import ENDPOINT_FIELDS, SCHEMA, Field
from pytest_ipfs_accelerate.config.settings import (
    CONFIG_FILENAME,
    ENV_ALIASES,
    Settings,
    env_name,
    redact_secrets,
)
from pytest_ipfs_accelerate.errors import ConfigError

if TYPE_CHECKING:
    import pytest

__all__ = [
    "CONFIG_FILENAME",
    "ENDPOINT_FIELDS",
    "ENV_ALIASES",
    "SCHEMA",
    "ConfigError",
    "Field",
    "Settings",
    "env_name",
    "load",
    "redact_secrets",
    "resolve",
    "settings_for",
]


def load(path: str | None = None, **kwargs: Any) -> Settings:
    """Shorthand for :meth:`Settings.load`."""
    return Settings.load(path, **kwargs)


def settings_for(config: pytest.Config) -> Settings:
    """The session's settings (cached on ``config.stash``); a bad config is a usage error."""
    import pytest

    cached = config.stash.get(_SETTINGS_KEY, None)
    if cached is not None:
        return cached
    try:
        settings = Settings.load(config.getoption("ipfs_accel_config", default=None),
                                 rootdir=config.rootpath)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[_SETTINGS_KEY] = settings
    return settings


def resolve(config: pytest.Config, *, option: str, key: str, env: str | None = None,
            default: Any = None) -> Any:
    """One setting with precedence: command-line option > env var > config file > default.

    ``option`` is the option's ``dest``; ``env`` an extra env var name to honour (the
    generic ``IPFS_ACCEL_SECTION_KEY`` and the short aliases are always honoured);
    ``default`` replaces a value that is None everywhere. This is the one resolver that
    every package's plugin uses.
    """
    import os

    import pytest

    from pytest_ipfs_accelerate.config.settings import _field
    from pytest_ipfs_accelerate.config.validate import check_value

    value = config.getoption(option, default=None)
    if value is not None:  # checked like the file's values: no nan, no -5, no NUL
        try:
            return check_value(_field(key), value, "command line",
                               "--" + option.replace("_", "-"))
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
    if env and env in os.environ:
        from pytest_ipfs_accelerate.config.settings import parse_env_value

        try:
            field = _field(key)
            return check_value(field, parse_env_value(field, os.environ[env], env),
                               f"env {env}", key)
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
    value = settings_for(config).get(key)
    return default if value is None else value


def _make_key() -> Any:
    import pytest

    return pytest.StashKey[Settings]()


_SETTINGS_KEY = _make_key()
