"""The TOML config API: load, get, set, save, validate; precedence; redaction."""

from __future__ import annotations

import pytest

from pytest_ipfs_accelerate.config import ConfigError, Settings, env_name

CONFIG = """
[general]
debug = true

[db]
flush_rows = 250

[endpoints]
default = "local"

[endpoints.local]
host = "127.0.0.1"
port = 5001
api_key = "s3cret"

[endpoints.remote]
host = "ipfs.example"
"""


@pytest.fixture
def cfg_file(tmp_path):
    path = tmp_path / "ipfs_accelerate.toml"
    path.write_text(CONFIG)
    return path


def test_defaults_without_any_file(tmp_path):
    s = Settings.load(rootdir=tmp_path, env={})
    assert s.get("db.flush_rows") == 5000
    assert s.origin("db.flush_rows") == "default"
    assert s.source is None


def test_file_then_env_then_overrides(cfg_file, tmp_path):
    s = Settings.load(rootdir=tmp_path, env={})
    assert s.get("db.flush_rows") == 250 and s.origin("db.flush_rows") == str(cfg_file)
    s = Settings.load(rootdir=tmp_path, env={env_name("db.flush_rows"): "77"})
    assert s.get("db.flush_rows") == 77 and s.origin("db.flush_rows").startswith("env ")
    s = Settings.load(rootdir=tmp_path, env={env_name("db.flush_rows"): "77"},
                      overrides={"db.flush_rows": 5})
    assert s.get("db.flush_rows") == 5 and s.origin("db.flush_rows") == "command line"


def test_short_env_aliases(tmp_path):
    s = Settings.load(rootdir=tmp_path, env={"IPFS_ACCEL_HARDWARE": "cpu,cuda",
                                             "IPFS_ACCEL_DB": "x.duckdb"})
    assert s.get("hardware.devices") == "cpu,cuda"
    assert s.get("db.path") == "x.duckdb"


def test_pyproject_tool_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.ipfs_accelerate.db]\nslowest = 3\n")
    s = Settings.load(rootdir=tmp_path, env={})
    assert s.get("db.slowest") == 3


def test_own_file_wins_over_pyproject(tmp_path, cfg_file):
    (tmp_path / "pyproject.toml").write_text("[tool.ipfs_accelerate.db]\nflush_rows = 3\n")
    assert Settings.load(rootdir=tmp_path, env={}).get("db.flush_rows") == 250


def test_endpoints(cfg_file, tmp_path):
    s = Settings.load(rootdir=tmp_path, env={})
    assert s.endpoint()["port"] == 5001
    remote = s.endpoint("remote")
    assert remote == {"host": "ipfs.example", "port": 5001, "gateway": "", "api_key": ""}
    with pytest.raises(ConfigError, match=r"no endpoint named 'remot'.*did you mean 'remote'"):
        s.endpoint("remot")


def test_api_key_is_redacted(cfg_file, tmp_path):
    s = Settings.load(rootdir=tmp_path, env={})
    shown = s.as_dict()
    assert shown["endpoints"]["local"]["api_key"] == "***"
    assert "s3cret" not in repr(shown)
    assert s.endpoint()["api_key"] == "s3cret"  # the real value is still usable


def test_secret_not_echoed_in_type_errors(tmp_path):
    (tmp_path / "ipfs_accelerate.toml").write_text("[endpoints.x]\napi_key = 12345\n")
    with pytest.raises(ConfigError) as err:
        Settings.load(rootdir=tmp_path, env={})
    assert "12345" not in str(err.value) and "endpoints.x.api_key" in str(err.value)


def test_set_validates_and_save_round_trips(cfg_file, tmp_path):
    s = Settings.load(rootdir=tmp_path, env={})
    s.set("db.slowest", 4)
    s.set("endpoints.remote.port", 8080)
    with pytest.raises(ConfigError, match="expected integer, found string 'x'"):
        s.set("db.slowest", "x")
    with pytest.raises(ConfigError, match="did you mean 'slowest'"):
        s.set("db.slowset", 1)
    out = s.save(tmp_path / "saved.toml")
    again = Settings.load(out, env={})
    assert again.get("db.slowest") == 4
    assert again.endpoint("remote")["port"] == 8080
    assert again.get("general.debug") is True
    assert again.as_dict(effective=False, redact=False) == s.as_dict(effective=False,
                                                                      redact=False)


@pytest.mark.parametrize("text, message", [
    ("[db]\nflush_rows = 1.5\n", "key 'db.flush_rows': expected integer, found number 1.5"),
    ("[dbb]\n", "unknown section [dbb]: did you mean 'db'?"),
    ("[general]\nlog_level = 'LOUD'\n", "'LOUD' is not one of"),
    ("db = 3\n", "'db' must be a table"),
    ("[db]\ncapture_output = true\n", "expected string, found boolean True"),
    ("[general\n", "invalid TOML"),
])
def test_validation_messages(tmp_path, text, message):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        Settings.load(path, env={})
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_bad_env_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="env IPFS_ACCEL_DB_FLUSH_ROWS: expected integer"):
        Settings.load(rootdir=tmp_path, env={"IPFS_ACCEL_DB_FLUSH_ROWS": "lots"})


def test_missing_explicit_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        Settings.load(tmp_path / "nope.toml", env={})


def test_config_reference_doc_is_up_to_date():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "tools/gen_config_doc.py", "--check"], cwd=root,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
