"""Facts about a run: host, versions, git, CI, tox, a CPU/RAM fingerprint. No pytest here."""

from __future__ import annotations

import getpass
import hashlib
import os
import platform
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate import __version__


def git_facts(cwd: str | os.PathLike[str]) -> dict[str, Any]:
    """Commit, branch and dirty flag of the checkout at ``cwd`` (Nones outside git).

    One ``git status --porcelain=v2 --branch`` gives all three (a process, not three).
    """
    none = {"git_commit": None, "git_branch": None, "git_dirty": None}
    try:
        out = subprocess.run(["git", "status", "--porcelain=v2", "--branch",
                              "--untracked-files=no"], cwd=cwd, capture_output=True,
                             text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return none
    if out.returncode != 0:
        return none
    return parse_git_status(out.stdout)


def parse_git_status(text: str) -> dict[str, Any]:
    """The facts in ``git status --porcelain=v2 --branch`` output (no commit yet: Nones)."""
    headers: dict[str, str] = {}
    dirty = False
    for line in text.splitlines():
        if line.startswith("# "):
            key, _, value = line[2:].partition(" ")
            headers[key] = value
        elif line:
            dirty = True
    commit = headers.get("branch.oid")
    if not commit or commit == "(initial)":
        return {"git_commit": None, "git_branch": None, "git_dirty": None}
    branch = headers.get("branch.head")
    return {"git_commit": commit,
            "git_branch": None if branch in (None, "(detached)") else branch,
            "git_dirty": dirty}


def ci_facts(env: Mapping[str, str]) -> dict[str, str | None]:
    """The CI provider and job URL, from the variables each provider sets."""
    def get(name: str) -> str | None:
        return env.get(name) or None

    if get("GITHUB_ACTIONS"):
        url = None
        if get("GITHUB_RUN_ID") and get("GITHUB_REPOSITORY"):
            server = env.get("GITHUB_SERVER_URL", "https://github.com")
            url = f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
        return {"ci_provider": "github-actions", "ci_job_url": url}
    providers = [
        ("GITLAB_CI", "gitlab", "CI_JOB_URL"),
        ("BUILDKITE", "buildkite", "BUILDKITE_BUILD_URL"),
        ("CIRCLECI", "circleci", "CIRCLE_BUILD_URL"),
        ("JENKINS_URL", "jenkins", "BUILD_URL"),
        ("TRAVIS", "travis", "TRAVIS_JOB_WEB_URL"),
        ("TF_BUILD", "azure-pipelines", "BUILD_BUILDURI"),
        ("BITBUCKET_BUILD_NUMBER", "bitbucket", "BITBUCKET_GIT_HTTP_ORIGIN"),
        ("TEAMCITY_VERSION", "teamcity", "BUILD_URL"),
        ("DRONE", "drone", "DRONE_BUILD_LINK"),
    ]
    for flag, name, url_var in providers:
        if get(flag):
            return {"ci_provider": name, "ci_job_url": get(url_var)}
    if (env.get("CI") or "").lower() in {"1", "true", "yes"}:
        return {"ci_provider": "generic", "ci_job_url": None}
    return {"ci_provider": None, "ci_job_url": None}


def cpu_model() -> str:
    """The CPU model name (/proc/cpuinfo on Linux, sysctl on macOS, else platform)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith(("model name", "Hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if sys.platform == "darwin":
        try:
            out = subprocess.run(["sysctl", "-n", "machdep.cpu.brand_string"],
                                 capture_output=True, text=True, timeout=5, check=False)
            if out.stdout.strip():
                return out.stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            pass
    return platform.processor() or platform.machine() or "unknown"


def ram_bytes() -> int | None:
    """Physical memory in bytes, where the OS tells."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None


def platform_string() -> str:
    """``platform.platform()``, without the ``uname -p`` subprocess it starts on Linux for
    a field that is "unknown" there and dropped from the result anyway."""
    if not sys.platform.startswith("linux"):
        return platform.platform()
    u = os.uname()
    libc, version = platform.libc_ver()
    return "-".join(p for p in (u.sysname, u.release, u.machine, "with", libc + version) if p)


def hardware_fingerprint(cpu: str, cores: int | None, ram: int | None,
                         devices: list[str] | None = None) -> str:
    """A short stable id for "the same machine": CPU model, cores, RAM (GiB), devices."""
    ram_gib = round((ram or 0) / 2**30)
    parts = [cpu, str(cores), str(ram_gib), platform.machine(), *sorted(devices or [])]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def run_facts(rootdir: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """All per-run facts except git (:func:`git_facts`, a subprocess: the session asks
    for it on its start-up thread), times, status, args and tags."""
    env = os.environ if env is None else env
    import pytest

    cpu = cpu_model()
    cores = os.cpu_count()
    ram = ram_bytes()
    try:
        user = getpass.getuser()
    except Exception:
        user = None
    return {
        "rootdir": str(rootdir),
        "invocation_dir": os.getcwd(),
        "host": socket.gethostname(),
        "username": user,
        "pid": os.getpid(),
        "python_version": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform": platform_string(),
        "pytest_version": pytest.__version__,
        "plugin_version": __version__,
        **ci_facts(env),
        "tox_env": env.get("TOX_ENV_NAME") or None,
        "cpu_model": cpu,
        "cpu_count": cores,
        "ram_bytes": ram,
        "hardware_fingerprint": hardware_fingerprint(cpu, cores, ram),
    }


def parse_tags(values: list[str] | None) -> dict[str, str]:
    """``key=value`` strings to a dict; raises ValueError naming the bad one."""
    tags: dict[str, str] = {}
    for raw in values or []:
        key, sep, value = raw.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"--ipfs-accel-tag {raw!r}: expected KEY=VALUE, e.g. "
                             "--ipfs-accel-tag branch=main")
        if not key.replace("_", "").replace("-", "").replace(".", "").isalnum():
            raise ValueError(f"--ipfs-accel-tag {raw!r}: the key may hold letters, digits, "
                             "'_', '-' and '.' only")
        tags[key] = value
    return tags
