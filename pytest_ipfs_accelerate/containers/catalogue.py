"""The image marketplace: local engine images plus a TOML catalogue, with filters.

Catalogue format (one ``[[image]]`` table per image)::

    [[image]]
    name = "pytest-ipfs-accel/busybox"     # required
    tags = ["test"]                        # default ["latest"]
    labels = { purpose = "tests" }         # string values
    size = 2_000_000                       # bytes, or a string like "2MB" / "1.5 GiB"
    hardware = ["cpu"]                     # what it runs on (any one suffices): cpu, cuda, rocm
    description = "..."                    # optional

Filters (``K=V``): ``name=<glob>``, ``tag=<tag>``, ``label=<key>`` or ``label=<key>=<value>``,
``hardware=<cpu|cuda|rocm>``, ``runs-on=detected`` (runs on some hardware found here;
``runs-on=cuda`` asks about a machine with CUDA and a CPU),
``source=local|catalogue``.
"""

from __future__ import annotations

import fnmatch
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.containers.backend import CatalogueError, ContainerBackend

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HARDWARE_KINDS = ("cpu", "cuda", "rocm")
#: An engine image declares what it runs on with this label, e.g. ``cpu,cuda``.
HARDWARE_LABEL = "org.pytest-ipfs-accel.hardware"
FILTER_KEYS = ("name", "tag", "label", "hardware", "runs-on", "source")
_KEYS = {"name", "tags", "labels", "size", "hardware", "description"}
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "kib": 2**10, "mib": 2**20,
          "gib": 2**30}


@dataclass(frozen=True)
class ImageEntry:
    """One image of the marketplace, from the engine (``local``) or the catalogue."""

    name: str
    tags: tuple[str, ...]
    labels: dict[str, str] = field(default_factory=dict)
    size: int | None = None
    hardware: tuple[str, ...] = ("cpu",)
    source: str = "catalogue"
    description: str = ""

    def refs(self) -> list[str]:
        return [f"{self.name}:{t}" for t in self.tags] or [self.name]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "tags": list(self.tags), "labels": self.labels,
                "size": self.size, "hardware": list(self.hardware), "source": self.source,
                "description": self.description}


def parse_size(value: object, where: str) -> int:
    """Bytes from an int or a string like ``"2MB"`` or ``"1.5 GiB"``."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str):
        m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*", value)
        if m and m.group(2).lower() in _UNITS:
            return int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    raise CatalogueError(f"{where}: key 'size': {value!r} is not a size; use bytes (an "
                         "integer) or a string like \"2MB\" or \"1.5GiB\"")


def load_catalogue(path: str | Path) -> list[ImageEntry]:
    """Read a catalogue file; CatalogueError names the file, line and key that is wrong."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(f"cannot read image catalogue {path}: {exc.strerror}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: not valid TOML: {exc}") from exc
    unknown = set(data) - {"image"}
    if unknown:
        raise CatalogueError(f"{path}: unknown top-level key(s) {sorted(unknown)}; "
                             "the catalogue holds [[image]] tables only")
    images = data.get("image", [])
    if not isinstance(images, list):
        raise CatalogueError(f"{path}: 'image' must be an array of tables: write [[image]]")
    lines = _table_lines(text)
    return [_entry(raw, f"{path}:{lines[i] if i < len(lines) else '?'}: image #{i + 1}")
            for i, raw in enumerate(images)]


def _table_lines(text: str) -> list[int]:
    """Line numbers of each ``[[image]]`` header, in order."""
    return [n for n, line in enumerate(text.splitlines(), 1)
            if re.match(r"\s*\[\[\s*image\s*\]\]", line)]


def _entry(raw: Mapping[str, Any], where: str) -> ImageEntry:
    unknown = set(raw) - _KEYS
    if unknown:
        raise CatalogueError(f"{where}: unknown key(s) {sorted(unknown)}; "
                             f"allowed: {sorted(_KEYS)}")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise CatalogueError(f"{where}: key 'name' is required and must be a non-empty string")
    tags = raw.get("tags", ["latest"])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        raise CatalogueError(f"{where} ({name}): key 'tags' must be an array of strings")
    labels = raw.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        raise CatalogueError(f"{where} ({name}): key 'labels' must be a table of strings")
    hardware = raw.get("hardware", ["cpu"])
    if isinstance(hardware, str):
        hardware = [hardware]
    if not isinstance(hardware, list) or not hardware or any(
            h not in HARDWARE_KINDS for h in hardware):
        raise CatalogueError(f"{where} ({name}): key 'hardware': {hardware!r} must list some of "
                             f"{', '.join(HARDWARE_KINDS)}")
    size = parse_size(raw["size"], f"{where} ({name})") if "size" in raw else None
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise CatalogueError(f"{where} ({name}): key 'description' must be a string")
    return ImageEntry(name=name, tags=tuple(tags), labels=dict(labels), size=size,
                      hardware=tuple(hardware), source="catalogue", description=description)


def engine_images(backend: ContainerBackend) -> list[ImageEntry]:
    """The engine's images as entries (hardware from the ``org.pytest-ipfs-accel.hardware`` label)."""
    by_name: dict[str, dict[str, Any]] = {}
    for img in backend.images():
        hw = tuple(h.strip() for h in img.labels.get(HARDWARE_LABEL, "cpu").split(",")
                   if h.strip()) or ("cpu",)
        for ref in img.tags:
            name, _, tag = ref.rpartition(":")
            slot = by_name.setdefault(name, {"tags": [], "labels": img.labels,
                                             "size": img.size, "hardware": hw})
            slot["tags"].append(tag)
    return [ImageEntry(name=n, tags=tuple(v["tags"]), labels=dict(v["labels"]), size=v["size"],
                       hardware=v["hardware"], source="local") for n, v in sorted(by_name.items())]


def detected_hardware() -> set[str]:
    """Kinds of hardware here (cpu, cuda, rocm), from ``hardware.detect_hardware()``.

    The CPU is always there; when detection fails, it is the only kind.
    """
    from pytest_ipfs_accelerate.hardware import detect_hardware

    kinds = {"cpu"}
    try:
        devices = detect_hardware().devices
    except Exception:  # a failed detection means CPU only, never an error here
        return kinds
    return kinds | {d.kind for d in devices if d.kind in HARDWARE_KINDS}


def parse_filters(items: Sequence[str]) -> list[tuple[str, str]]:
    """``["name=busy*", "label=a=b"]`` -> ``[("name", "busy*"), ("label", "a=b")]``."""
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        if not sep or key not in FILTER_KEYS:
            raise CatalogueError(f"bad image filter {item!r}: use K=V with K one of "
                                 f"{', '.join(FILTER_KEYS)} (e.g. name='busy*', label=a=b)")
        out.append((key, value))
    return out


def filter_images(entries: Iterable[ImageEntry], filters: Sequence[tuple[str, str]],
                  hardware: set[str] | None = None) -> list[ImageEntry]:
    """Entries passing every filter. ``hardware`` overrides detection for ``runs-on``."""
    out = list(entries)
    for key, value in filters:
        if key == "name":
            out = [e for e in out if fnmatch.fnmatchcase(e.name, value)
                   or any(fnmatch.fnmatchcase(r, value) for r in e.refs())]
        elif key == "tag":
            out = [e for e in out if value in e.tags]
        elif key == "label":
            k, sep, v = value.partition("=")
            out = [e for e in out if k in e.labels and (not sep or e.labels[k] == v)]
        elif key == "hardware":
            out = [e for e in out if value in e.hardware]
        elif key == "runs-on":
            have = ({value} | {"cpu"}) if value != "detected" else (
                hardware if hardware is not None else detected_hardware())
            out = [e for e in out if set(e.hardware) & have]
        elif key == "source":
            out = [e for e in out if e.source == value]
    return out


def marketplace(backend: ContainerBackend | None, catalogue: str | Path | None) -> list[ImageEntry]:
    """Engine images (when a backend is given) followed by the catalogue's entries."""
    entries = engine_images(backend) if backend is not None else []
    if catalogue:
        entries += load_catalogue(catalogue)
    return entries
