"""Small statistics every part of the product uses: percent change, the small-count rule, a Poisson test
of a change between two counts, and how a change reads. Plain Python: no Dash, no pandas, so the claim
checker, the pages, the exporter and notebooks share one definition.

The test (docs/figures.md, "Is a change real?"): two counts of incidents over periods of the same length
are Poisson with rates r1 and r2. Given their sum n, the later count is Binomial(n, 1/2) when the rates
are equal, so the two-sided p-value is the chance of a split at least as uneven as the one seen. A change
is significant when p < SIGNIFICANCE_LEVEL, and readable at all only when both counts reach
UNRELIABLE_BELOW (below that a percent change swings on a single incident).
"""
from __future__ import annotations

import math

UNRELIABLE_BELOW = 10  # incidents: fewer and a percent change is not worth much
SIGNIFICANCE_LEVEL = 0.05
EXACT_UP_TO = 20_000  # larger sums use the normal approximation (error far below the level's precision)


def pct_change(new: float, old: float) -> float | None:
    """(new - old) / old in percent; None when there is nothing to compare with (old is 0 or missing)."""
    if old is None or new is None or not old or old != old or new != new:
        return None
    return (new - old) / old * 100.0


def is_reliable(old: float | None, new: float | None) -> bool:
    """A percent change is worth reading only when both counts reach UNRELIABLE_BELOW."""
    return bool(old is not None and new is not None and old >= UNRELIABLE_BELOW and new >= UNRELIABLE_BELOW)


def _log_binom_half(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) - n * math.log(2)


def _lower_tail_half(n: int, k: int) -> float:
    """P(X <= k) for X ~ Binomial(n, 1/2) and k <= n/2: the terms from P(X = k) down, each from the one above by
    P(X = i - 1) = P(X = i) * i / (n - i + 1), stopping once they no longer change the sum. Below the middle the
    terms only shrink, so this takes a few hundred steps where summing every term from 0 took k (a ranking of
    10 million incidents spent 300 ms per redraw here)."""
    term = math.exp(_log_binom_half(n, k))
    if term == 0.0:  # the largest term underflows: so does the whole tail
        return 0.0
    total, i = term, k
    while i > 0:
        term *= i / (n - i + 1)
        i -= 1
        total += term
        if term < total * 1e-17:
            break
    return total


def change_p_value(old: float, new: float) -> float:
    """Two-sided p-value of 'the rate did not change' for counts `old` and `new` over equal periods.

    Exact conditional binomial test for sums up to EXACT_UP_TO, normal approximation with continuity
    correction above. Counts that are not whole numbers are rounded; a sum of 0 gives 1.0.
    """
    a, b = int(round(old or 0)), int(round(new or 0))
    n = a + b
    if n == 0:
        return 1.0
    k = min(a, b)  # the tail of the smaller count, doubled (the null is symmetric)
    if n <= EXACT_UP_TO:
        return min(1.0, 2 * _lower_tail_half(n, k))
    z = (abs(b - a) - 1) / math.sqrt(n)
    return min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2)))


def is_significant(old: float, new: float, level: float = SIGNIFICANCE_LEVEL) -> bool:
    """Both counts readable (UNRELIABLE_BELOW) and the change unlikely under an unchanged rate."""
    return is_reliable(old, new) and change_p_value(old, new) < level


def fmt_change(pct: float | None) -> str:
    """+12.5%, -3.0%, or 'n/a' when there is no change to show."""
    if pct is None or (isinstance(pct, float) and math.isnan(pct)):
        return "n/a"
    return f"{pct:+.1f}%"
