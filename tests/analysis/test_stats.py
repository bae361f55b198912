"""Mann-Whitney U against hand-computed values and scipy; change-point detection."""

from __future__ import annotations

import math
import random

import pytest

from pytest_ipfs_accelerate.analysis.stats import change_points, mann_whitney_u, rank_sum


def test_rank_sum_averages_ties_and_counts_the_tie_term() -> None:
    # pooled 1, 2, 3, 3, 3: ranks 1, 2, 4, 4, 4
    r1, ties = rank_sum([3.0, 1.0, 3.0], [2.0, 3.0])
    assert r1 == 4 + 1 + 4
    assert ties == 3**3 - 3
    assert rank_sum([1.0, 2.0], [3.0]) == (3.0, 0.0)


def test_mann_whitney_hand_computed_no_ties() -> None:
    # R1 = 1+2+3 = 6 -> U1 = 0, U2 = 9; mu = 4.5; var = 9/12 * 7 = 5.25
    r = mann_whitney_u([1, 2, 3], [4, 5, 6])
    assert r.u == 0
    z = (9 - 4.5 - 0.5) / math.sqrt(5.25)
    assert r.z == pytest.approx(z)
    assert r.p_value == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert r.p_value == pytest.approx(0.0809, abs=1e-4)


def test_mann_whitney_hand_computed_with_ties() -> None:
    # pooled 1,1,2 | 2,3,3: ranks 1.5,1.5,3.5 | 3.5,5.5,5.5 -> R1 = 6.5, U1 = 0.5
    # tie term = 3 groups of 2 -> 3 * (8 - 2) = 18; var = 9/12 * (7 - 18/30) = 4.8
    r = mann_whitney_u([1, 1, 2], [2, 3, 3])
    assert r.u == 0.5
    z = (8.5 - 4.5 - 0.5) / math.sqrt(4.8)
    assert r.p_value == pytest.approx(math.erfc(z / math.sqrt(2)))


def test_mann_whitney_all_equal_is_not_significant() -> None:
    assert mann_whitney_u([1.0] * 5, [1.0] * 5).p_value == 1.0


@pytest.mark.parametrize("seed", range(6))
def test_mann_whitney_matches_scipy(seed: int) -> None:
    stats = pytest.importorskip("scipy.stats")
    rng = random.Random(seed)
    n1, n2 = rng.randint(5, 60), rng.randint(5, 60)
    shift = rng.choice([0.0, 0.1, 0.5])
    a = [round(rng.gauss(1.0, 0.2), 1) for _ in range(n1)]  # rounding makes ties
    b = [round(rng.gauss(1.0 + shift, 0.2), 1) for _ in range(n2)]
    ours = mann_whitney_u(a, b)
    theirs = stats.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic")
    assert ours.u == pytest.approx(theirs.statistic)
    assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-12)


def test_change_points_find_a_step() -> None:
    rng = random.Random(1)
    values = [1.0 + rng.uniform(-0.02, 0.02) for _ in range(15)]
    values += [1.5 + rng.uniform(-0.02, 0.02) for _ in range(10)]
    assert change_points(values) == [15]


def test_change_points_ignore_noise_and_small_steps() -> None:
    rng = random.Random(2)
    noise = [1.0 + rng.uniform(-0.04, 0.04) for _ in range(30)]
    assert change_points(noise) == []
    small = [1.0] * 10 + [1.05] * 10  # 5% step, below the default 10% minimum
    assert change_points(small) == []
    assert change_points(small, min_step=0.02) == [10]


def test_change_points_two_steps_and_short_series() -> None:
    values = [1.0] * 8 + [2.0] * 8 + [1.2] * 8
    assert change_points(values) == [8, 16]
    assert change_points([1.0, 2.0, 3.0]) == []
