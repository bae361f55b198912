"""Statistics for the analysis, pure Python: Mann-Whitney U, z-scores, change points.

Kept free of numpy/scipy so the CLI and the plugin need no extra dependency; the
formulas follow the textbook definitions (and scipy's choices where there are any).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MannWhitney:
    """U of the first sample, the two-sided p-value, and the z that gave it."""

    u: float
    p_value: float
    z: float


def rank_sum(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """Rank sum of ``a`` in the pooled sample (ties get their average rank) and the tie
    term sum(t^3 - t) over groups of equal values. Sorting plus bisection: O(n log n)."""
    pooled = sorted([*a, *b])
    r1 = 0.0
    for x in a:
        # equal values hold ranks lo+1 .. hi; their average is (lo + 1 + hi) / 2
        r1 += (bisect_left(pooled, x) + bisect_right(pooled, x) + 1) / 2
    counts = Counter(pooled)
    ties = 0.0
    if len(counts) < len(pooled):
        ties = float(sum(t * t * t - t for t in counts.values() if t > 1))
    return r1, ties


def mann_whitney_u(a: Sequence[float], b: Sequence[float]) -> MannWhitney:
    """Two-sided Mann-Whitney U test, normal approximation with tie and continuity correction.

    Matches ``scipy.stats.mannwhitneyu(a, b, method="asymptotic")``.
    """
    if not a or not b:
        raise ValueError("Mann-Whitney U needs at least one value in each sample")
    r1, ties = rank_sum(a, b)
    return mann_whitney_from_ranks(len(a), len(b), r1, ties)


def mann_whitney_from_ranks(n1: int, n2: int, r1: float, ties: float) -> MannWhitney:
    """The test from the first sample's rank sum ``r1`` and the tie term sum(t^3 - t).

    Split out so the ranking can happen elsewhere (e.g. in SQL).
    """
    u1 = r1 - n1 * (n1 + 1) / 2
    u2 = n1 * n2 - u1
    n = n1 + n2
    mu = n1 * n2 / 2
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))) if n > 1 else 0.0
    if var <= 0:
        return MannWhitney(u1, 1.0, 0.0)
    z = (max(u1, u2) - mu - 0.5) / math.sqrt(var)
    return MannWhitney(u1, min(1.0, math.erfc(z / math.sqrt(2))), z)


def two_sided_p(z: float) -> float:
    """Two-sided p-value of a standard normal z."""
    return math.erfc(abs(z) / math.sqrt(2))


def mean_stdev(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for fewer than two values)."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, 0.0
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))


#: Student's t, two-sided 95 % (the 97.5th percentile), for 1-10 degrees of freedom.
_T975 = (12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281)


def t_quantile_975(df: int) -> float:
    """The 97.5th percentile of Student's t with ``df`` degrees of freedom: exact to 4
    places up to 10, then the Cornish-Fisher expansion (error below 1e-4)."""
    if df < 1:
        raise ValueError("Student's t needs at least one degree of freedom")
    if df <= len(_T975):
        return _T975[df - 1]
    z = 1.959964
    return (z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3))


def median(values: Sequence[float]) -> float:
    s = sorted(values)
    n = len(s)
    mid = n // 2
    return s[mid] if n % 2 else (s[mid - 1] + s[mid]) / 2


def change_points(values: Sequence[float], *, min_step: float = 0.10,
                  min_size: int = 2) -> list[int]:
    """Indices where a new level starts in ``values`` (positive numbers, oldest first).

    Binary segmentation of log(values): split where the squared error drops most, while
    the drop beats a BIC-like penalty scaled by a robust noise estimate; then steps
    smaller than ``min_step`` (relative, between segment medians) are merged away, as
    asv does with its minimum step size. O(n log n) for a few steps.
    """
    n = len(values)
    if n < 2 * min_size or any(v <= 0 or math.isnan(v) for v in values):
        return []
    x = [math.log(v) for v in values]
    diffs = sorted(abs(x[i + 1] - x[i]) for i in range(n - 1))
    sigma = diffs[len(diffs) // 2] / (0.6745 * math.sqrt(2))
    sigma = max(sigma, 0.005)  # floor: 0.5% noise, so exact steps do not split everything
    beta = 4 * sigma * sigma * max(math.log(n), 1.0)
    s1 = [0.0]
    s2 = [0.0]
    for v in x:
        s1.append(s1[-1] + v)
        s2.append(s2[-1] + v * v)

    def cost(i: int, j: int) -> float:
        m = j - i
        d = s1[j] - s1[i]
        return s2[j] - s2[i] - d * d / m

    cps: list[int] = []
    stack = [(0, n)]
    while stack:  # binary segmentation: split where it cuts the squared error most
        lo, hi = stack.pop()
        if hi - lo < 2 * min_size:
            continue
        whole = cost(lo, hi)
        gain, k = max((whole - cost(lo, k) - cost(k, hi), k)
                      for k in range(lo + min_size, hi - min_size + 1))
        if gain > beta:
            cps.append(k)
            stack += [(lo, k), (k, hi)]
    cps.sort()
    return _merge_small_steps(values, cps, min_step)


def _merge_small_steps(values: Sequence[float], cps: list[int], min_step: float) -> list[int]:
    """Drop the smallest step below ``min_step`` until every remaining step is large enough."""
    limit = math.log1p(min_step)
    while cps:
        bounds = [0, *cps, len(values)]
        meds = [median(values[bounds[k]:bounds[k + 1]]) for k in range(len(bounds) - 1)]
        steps = [abs(math.log(meds[k + 1] / meds[k])) for k in range(len(cps))]
        k = min(range(len(steps)), key=steps.__getitem__)
        if steps[k] >= limit:
            break
        del cps[k]
    return cps


def segment_medians(values: Sequence[float], cps: Sequence[int]) -> list[tuple[float, float]]:
    """(median before, median after) for each change point."""
    bounds = [0, *cps, len(values)]
    meds = [median(values[bounds[k]:bounds[k + 1]]) for k in range(len(bounds) - 1)]
    return [(meds[k], meds[k + 1]) for k in range(len(cps))]
