"""etl/stats.py: the product's one percent change, small-count rule and Poisson test, with answers worked by hand."""
from __future__ import annotations

import math

import pytest

from etl import stats


@pytest.mark.parametrize("new,old,expected", [(15, 10, 50.0), (5, 10, -50.0), (10, 10, 0.0), (3, 0, None),
                                              (None, 4, None), (4, None, None), (float("nan"), 4, None)])
def test_percent_change(new, old, expected):
    assert stats.pct_change(new, old) == expected


@pytest.mark.parametrize("old,new,p", [
    (0, 0, 1.0),
    (2, 1, 1.0),  # n = 3: P(k <= 1) = (1 + 3) / 8 = 0.5, doubled
    (1, 4, 12 / 32),  # n = 5: (1 + 5) / 32, doubled
    (0, 5, 2 / 32),
    (0, 6, 2 / 64),
    (6, 0, 2 / 64),  # the test is symmetric
    (10, 10, 1.0),
])
def test_the_poisson_change_test_by_hand(old, new, p):
    assert stats.change_p_value(old, new) == pytest.approx(p)


def test_large_counts_use_a_normal_approximation_close_to_the_exact_test():
    old, new = 10_050, 10_350  # n = 20,400, above EXACT_UP_TO
    assert old + new > stats.EXACT_UP_TO
    n, k = old + new, old
    exact = 2 * sum(math.exp(math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) - n * math.log(2))
                    for i in range(k + 1))
    assert stats.change_p_value(old, new) == pytest.approx(exact, abs=2e-3)


def test_significance_needs_readable_counts_and_a_small_p():
    assert stats.is_significant(0, 6) is False  # p = 0.03, but 0 incidents: too few to read
    assert stats.is_significant(10, 30) is True  # p about 0.002
    assert stats.is_significant(20, 25) is False  # p about 0.55
    assert stats.is_reliable(10, 10) and not stats.is_reliable(9, 50) and not stats.is_reliable(None, 50)


def test_a_change_reads_with_its_sign():
    assert [stats.fmt_change(x) for x in (12.345, -3.0, 0.0, None, float("nan"))] == \
           ["+12.3%", "-3.0%", "+0.0%", "n/a", "n/a"]


def test_one_definition_of_each():
    """The claim checker and the dashboard use these, not copies of their own."""
    from dashboard import figures, metrics, metrics_trends
    from etl import claims

    assert claims.pct_change is stats.pct_change and metrics_trends.is_reliable is stats.is_reliable
    assert figures.fmt_change is stats.fmt_change and metrics.UNRELIABLE_BELOW == stats.UNRELIABLE_BELOW
