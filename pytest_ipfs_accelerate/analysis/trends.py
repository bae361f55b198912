"""History per benchmark (or metric) x hardware, with change-point (step) detection."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pytest_ipfs_accelerate.analysis.runs import AnalysisError, require_tables
from pytest_ipfs_accelerate.analysis.stats import change_points, segment_medians

DEFAULT_MIN_STEP = 0.10


@dataclass(frozen=True)
class TrendPoint:
    run_id: str
    started_at: datetime | None
    git_commit: str | None
    value: float


@dataclass(frozen=True)
class ChangePoint:
    """A step: ``points[index]`` is the first point of the new level."""

    index: int
    run_id: str
    before: float  # median of the level before
    after: float  # median of the level from here on
    ratio: float  # after / before


@dataclass
class TrendSeries:
    """One benchmark (or metric) on one hardware, oldest point first."""

    name: str
    hardware_fingerprint: str | None
    is_simulated: bool
    points: list[TrendPoint] = field(default_factory=list)
    change_points: list[ChangePoint] = field(default_factory=list)
    nodeid: str | None = None
    metric: str = "time"
    unit: str | None = "s"
    direction: str = "lower"
    device: str | None = None


def trend(con: Any, benchmark: str | None = None, *, hardware: str | None = None,
          min_step: float = DEFAULT_MIN_STEP) -> list[TrendSeries]:
    """Every series (benchmark medians and per-run metric means) with its change points.

    ``benchmark`` selects by exact name or nodeid, else by substring of the nodeid or
    metric name; ``hardware`` by hardware-fingerprint prefix or device label.
    """
    require_tables(con, "benchmark_results", "metrics")
    where, params = "", []
    if benchmark:
        where += " AND (x.name = ? OR x.nodeid = ? OR contains(x.nodeid, ?))"
        params += [benchmark, benchmark, benchmark]
    if hardware:
        where += " AND (starts_with(r.hardware_fingerprint, ?) OR x.device = ?)"
        params += [hardware, hardware]
    rows = con.execute(f"""
        WITH x AS (
            SELECT run_id, nodeid, name, 'time' AS metric, 's' AS unit, 'lower' AS direction,
                   device, is_simulated, median(median_s) AS value
            FROM benchmark_results WHERE status = 'ok' AND median_s IS NOT NULL
            GROUP BY ALL
            UNION ALL
            SELECT run_id, nodeid, name, name, any_value(unit), any_value(direction), device,
                   is_simulated, avg(value)
            FROM metrics GROUP BY run_id, nodeid, name, device, is_simulated
        )
        SELECT x.nodeid, x.name, x.metric, x.unit, x.direction, x.device, x.is_simulated,
               r.hardware_fingerprint, CAST(x.run_id AS VARCHAR), x.value
        FROM x JOIN runs r USING (run_id)
        WHERE TRUE {where}
        ORDER BY x.nodeid, x.name, x.metric, r.hardware_fingerprint, x.device, x.is_simulated,
                 r.started_at""", params).fetchall()
    if not rows:
        what = f" matching '{benchmark}'" if benchmark else ""
        on = f" on hardware '{hardware}'" if hardware else ""
        raise AnalysisError(f"the DB holds no benchmark results or metrics{what}{on}; "
                            "`ipfs-accel query DB \"SELECT DISTINCT name FROM "
                            "benchmark_results\"` lists the names")
    # Run facts once per run (converting a timestamp per point would dominate the time).
    run_facts = {r[0]: (r[1], r[2]) for r in con.execute(
        "SELECT CAST(run_id AS VARCHAR), started_at, git_commit FROM runs").fetchall()}
    series: dict[tuple[Any, ...], TrendSeries] = {}
    for nodeid, name, metric, unit, direction, device, sim, fp, run_id, value in rows:
        key = (nodeid, name, metric, fp, device, bool(sim))
        s = series.get(key)
        if s is None:
            s = series[key] = TrendSeries(name=name, hardware_fingerprint=fp,
                                          is_simulated=bool(sim), nodeid=nodeid, metric=metric,
                                          unit=unit, direction=direction, device=device)
        s.points.append(TrendPoint(run_id, *run_facts[run_id], value))
    for s in series.values():
        values = [p.value for p in s.points]
        cps = change_points(values, min_step=min_step)
        s.change_points = [
            ChangePoint(i, s.points[i].run_id, before, after, after / before)
            for i, (before, after) in zip(cps, segment_medians(values, cps), strict=True)]
    return list(series.values())
