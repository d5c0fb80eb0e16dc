"""The statistics of the holdout comparison, in plain Python (no SciPy):
a difference of two proportions with Newcombe's hybrid score interval, and a
difference of two means with Welch's t interval. Both are 95% two-sided.

- Wilson score interval for one proportion k/n (Wilson 1927):
  centre (p + z²/2n) / (1 + z²/n), half-width z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n).
- Newcombe's method 10 (Newcombe 1998, "Interval estimation for the
  difference between independent proportions", Stat Med 17:873–890) for
  p1 − p2, from the two Wilson intervals (l1, u1) and (l2, u2):
  lower = d − sqrt((p1 − l1)² + (u2 − p2)²),
  upper = d + sqrt((u1 − p1)² + (p2 − l2)²). It stays inside [−1, 1] and
  behaves with small counts and proportions near 0 or 1, where the Wald
  interval does not.
- Welch's interval for mean1 − mean2 with unequal variances: standard error
  sqrt(s1²/n1 + s2²/n2), degrees of freedom by Welch–Satterthwaite, and the
  t quantile from Student's t distribution (its CDF through the regularised
  incomplete beta function, Numerical Recipes' continued fraction, inverted
  by bisection). Needs at least two values per group.

Each returns None when the interval is not defined (an empty group)."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054  # the standard normal's 97.5th percentile


@dataclass(frozen=True)
class Interval:
    estimate: float
    lower: float
    upper: float

    def __iter__(self):
        return iter((self.estimate, self.lower, self.upper))


def wilson(k: int, n: int, z: float = Z_95) -> Interval | None:
    if n <= 0:
        return None
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half))


def newcombe_difference(k1: int, n1: int, k2: int, n2: int) -> Interval | None:
    """p1 − p2 (group 1 less group 2) with Newcombe's hybrid score interval."""
    first, second = wilson(k1, n1), wilson(k2, n2)
    if first is None or second is None:
        return None
    p1, p2 = first.estimate, second.estimate
    d = p1 - p2
    lower = d - math.sqrt((p1 - first.lower) ** 2 + (second.upper - p2) ** 2)
    upper = d + math.sqrt((first.upper - p1) ** 2 + (p2 - second.lower) ** 2)
    return Interval(d, lower, upper)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def variance(values: Sequence[float]) -> float:
    """The sample variance (n − 1 in the denominator)."""
    m = mean(values)
    return sum((value - m) ** 2 for value in values) / (len(values) - 1)


def welch_difference(first: Sequence[float], second: Sequence[float]) -> Interval | None:
    """mean(first) − mean(second) with Welch's 95% interval."""
    n1, n2 = len(first), len(second)
    if n1 < 2 or n2 < 2:
        return None
    d = mean(first) - mean(second)
    a, b = variance(first) / n1, variance(second) / n2
    se = math.sqrt(a + b)
    if se == 0:
        return Interval(d, d, d)
    df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
    half = t_quantile(0.975, df) * se
    return Interval(d, d - half, d + half)


# -- Student's t ------------------------------------------------------------------


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        m2 = 2 * m
        numerator = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
        d = 1 + numerator * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + numerator / c
        c = c if abs(c) > tiny else tiny
        result *= d * c
        numerator = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
        d = 1 + numerator * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + numerator / c
        c = c if abs(c) > tiny else tiny
        step = d * c
        result *= step
        if abs(step - 1) < 1e-15:
            break
    return result


def regularised_beta(a: float, b: float, x: float) -> float:
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1 - math.exp(log_front) * _beta_fraction(b, a, 1 - x) / b


def t_cdf(t: float, df: float) -> float:
    tail = 0.5 * regularised_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The t value with P(T ≤ t) = p, for 0.5 < p < 1, by bisection."""
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-12:
            break
    return (low + high) / 2
