"""Settings: defaults, a TOML file, environment variables and overrides, in that order."""

from __future__ import annotations

import copy
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.config.schema import ENDPOINT_FIELDS, SCHEMA, Field
from pytest_ipfs_accelerate.config.validate import check_value, did_you_mean, validate_data
from pytest_ipfs_accelerate.errors import ConfigError

CONFIG_FILENAME = "ipfs_accelerate.toml"
ENV_PREFIX = "IPFS_ACCEL_"
REDACTED = "***"

#: Short env names kept for convenience (tox sets these); the long form works too.
ENV_ALIASES = {
    "IPFS_ACCEL_DB": "db.path",
    "IPFS_ACCEL_IPFS": "ipfs.backend",
    "IPFS_ACCEL_CONTAINERS": "containers.backend",
    "IPFS_ACCEL_HARDWARE": "hardware.devices",
}


def env_name(key: str) -> str:
    """The environment variable that sets ``section.key``."""
    return ENV_PREFIX + key.replace(".", "_").upper()


class Settings:
    """Validated configuration. Precedence: overrides (CLI) > env > file > defaults.

    ``save()`` writes back only what came from the file or was ``set()``, so a
    load/save round trip keeps the file as the user wrote it (comments aside).
    """

    def __init__(
        self,
        file_data: Mapping[str, Any] | None = None,
        *,
        source: Path | None = None,
        env: Mapping[str, str] | None = None,
        overrides: Mapping[str, Any] | None = None,
        pyproject_table: bool = False,
    ) -> None:
        self.source = source
        self._pyproject_table = pyproject_table
        where = str(source) if source else "config"
        self._file: dict[str, dict[str, Any]] = validate_data(file_data or {}, where)
        self._env = _read_env(os.environ if env is None else env)
        self._overrides: dict[str, Any] = {}
        for key, value in (overrides or {}).items():
            if value is not None:
                self._overrides[key] = check_value(_field(key), value, "command line", key)

    # -- loading -------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        rootdir: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> Settings:
        """Load from ``path``, else ``ipfs_accelerate.toml`` or ``[tool.ipfs_accelerate]``
        in ``pyproject.toml`` under ``rootdir``, else defaults only."""
        if path is not None:
            p = Path(path)
            if not p.is_file():
                raise ConfigError(f"{p}: config file not found; check the path given to "
                                  "--ipfs-accel-config")
            data = read_toml(p)
            if p.name == "pyproject.toml":
                return cls(_tool_table(data, p), source=p, env=env, overrides=overrides,
                           pyproject_table=True)
            return cls(data, source=p, env=env, overrides=overrides)
        root = Path(rootdir) if rootdir is not None else Path.cwd()
        own = root / CONFIG_FILENAME
        if own.is_file():
            return cls(read_toml(own), source=own, env=env, overrides=overrides)
        pyproject = root / "pyproject.toml"
        if pyproject.is_file():
            data = read_toml(pyproject)
            if "tool" in data and "ipfs_accelerate" in data["tool"]:
                return cls(_tool_table(data, pyproject), source=pyproject, env=env,
                           overrides=overrides, pyproject_table=True)
        return cls(None, env=env, overrides=overrides)

    # -- access --------------------------------------------------------------------------
    def get(self, key: str) -> Any:
        """The effective value of ``section.key`` (or ``endpoints.NAME.key``)."""
        field = _field(key)
        if key in self._overrides:
            return self._overrides[key]
        if key in self._env:
            return self._env[key]
        value = _lookup(self._file, key)
        if value is not _MISSING:
            return value
        return copy.deepcopy(field.default)

    def origin(self, key: str) -> str:
        """Where the effective value of ``key`` comes from (for messages and ``show``)."""
        _field(key)
        if key in self._overrides:
            return "command line"
        if key in self._env:
            return f"env {self._env_names.get(key, env_name(key))}"
        if _lookup(self._file, key) is not _MISSING:
            return str(self.source)
        return "default"

    def set(self, key: str, value: Any) -> None:
        """Set ``key`` in the file layer (what ``save()`` writes), after validating it."""
        field = _field(key)
        value = check_value(field, value, "set()", key)
        parts = key.split(".")
        table = self._file.setdefault(parts[0], {})
        if len(parts) == 3:
            table = table.setdefault(parts[1], {})
        table[parts[-1]] = value

    def validate(self) -> None:
        """Re-check every layer; raises :class:`ConfigError` on the first problem."""
        validate_data(self._file, str(self.source or "config"))
        for key, value in self._overrides.items():
            check_value(_field(key), value, "command line", key)

    def endpoint(self, name: str | None = None) -> dict[str, Any]:
        """The endpoint table ``name`` (default: ``[endpoints] default``) with defaults filled."""
        name = name or self.get("endpoints.default")
        tables = {k: v for k, v in self._file.get("endpoints", {}).items() if isinstance(v, dict)}
        if not name:
            if not tables:
                return {k: f.default for k, f in ENDPOINT_FIELDS.items()}
            raise ConfigError(f"{self.source}: [endpoints] has tables {sorted(tables)} but no "
                              "'default'; set endpoints.default or name one")
        if name not in tables:
            raise ConfigError(f"{self.source or 'config'}: no endpoint named '{name}': "
                              f"{did_you_mean(name, tables)}")
        out = {k: f.default for k, f in ENDPOINT_FIELDS.items()}
        out.update(tables[name])
        for k in ENDPOINT_FIELDS:
            ek = f"endpoints.{name}.{k}"
            if ek in self._env:
                out[k] = self._env[ek]
        return out

    def as_dict(self, *, redact: bool = True, effective: bool = True) -> dict[str, Any]:
        """All settings as nested dicts; secrets (api keys) replaced by ``***``."""
        out: dict[str, Any] = {}
        if effective:
            for section, fields in SCHEMA.items():
                out[section] = {key: self.get(f"{section}.{key}") for key in fields}
        for name, table in self._file.get("endpoints", {}).items():
            if isinstance(table, dict):
                out.setdefault("endpoints", {})[name] = dict(table)
        if not effective:
            out = copy.deepcopy(self._file)
        return redact_secrets(out) if redact else out

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write the file layer as TOML (tomli-w); returns the path written."""
        import tomli_w

        target = Path(path) if path is not None else self.source
        if target is None:
            target = Path.cwd() / CONFIG_FILENAME
        if target.name == "pyproject.toml":
            raise ConfigError(f"{target}: save() does not rewrite pyproject.toml; save to "
                              f"{CONFIG_FILENAME} instead")
        try:
            target.write_text(tomli_w.dumps(self._file), encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{target}: cannot write config: {exc.strerror}; choose a "
                              "writable path") from None
        return target

    @property
    def _env_names(self) -> dict[str, str]:
        names = {env_name(k): k for k in self._env}
        names.update({alias: key for alias, key in ENV_ALIASES.items() if key in self._env})
        return {v: k for k, v in names.items()}


# -- module helpers -----------------------------------------------------------------------
_MISSING = object()


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a syntax error names the file, line and column.

    tomllib is imported here, not at the top: most runs have no config file to read."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise ConfigError(f"{path}: arrays or tables nested too deep to read; no setting "
                          "nests more than one level") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save the config file "
                          "as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from None


def redact_secrets(data: Any) -> Any:
    """A copy of ``data`` with every non-empty ``api_key`` replaced by ``***``."""
    if isinstance(data, Mapping):
        return {k: (REDACTED if k == "api_key" and v else redact_secrets(v))
                for k, v in data.items()}
    if isinstance(data, list):
        return [redact_secrets(v) for v in data]
    return data


def _tool_table(data: Mapping[str, Any], path: Path) -> dict[str, Any]:
    table = data.get("tool", {}).get("ipfs_accelerate", {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: [tool.ipfs_accelerate] must be a table")
    return dict(table)


def _field(key: str) -> Field:
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "endpoints":
        if parts[2] not in ENDPOINT_FIELDS:
            raise ConfigError(f"unknown key '{key}': {did_you_mean(parts[2], ENDPOINT_FIELDS)}")
        return ENDPOINT_FIELDS[parts[2]]
    if len(parts) != 2:
        raise ConfigError(f"config key '{key}' must look like 'section.key'")
    section, name = parts
    if section not in SCHEMA:
        raise ConfigError(f"unknown section '{section}': {did_you_mean(section, SCHEMA)}")
    if name not in SCHEMA[section]:
        raise ConfigError(f"unknown key '{key}': {did_you_mean(name, SCHEMA[section])}")
    return SCHEMA[section][name]


def _lookup(data: Mapping[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def parse_env_value(field: Field, raw: str, name: str) -> Any:
    """Convert an environment string to the field's type; errors name the variable."""
    types = field.type if isinstance(field.type, tuple) else (field.type,)
    text = raw.strip()
    try:
        if bool in types:
            low = text.lower()
            if low in {"1", "true", "yes", "on"}:
                return True
            if low in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError
        if int in types:
            return int(text)
        if float in types:
            return float(text)
    except ValueError:
        raise ConfigError(f"env {name}: expected {field.type_name}, found {raw!r}") from None
    return raw


def _read_env(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    candidates: dict[str, str] = {}
    for section, fields in SCHEMA.items():
        for key in fields:
            candidates[env_name(f"{section}.{key}")] = f"{section}.{key}"
    candidates.update(ENV_ALIASES)
    for name, key in candidates.items():
        if name in env:
            field = _field(key)
            value = parse_env_value(field, env[name], name)
            out[key] = check_value(field, value, f"env {name}", key)
    return out
