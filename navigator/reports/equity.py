"""Rate ratios against a baseline group with a 95% confidence interval (Katz log method).

For a group with a events out of n and the baseline with b out of m:
ratio = (a/n) / (b/m); the standard error of its logarithm is
sqrt(1/a - 1/n + 1/b - 1/m); the interval is ratio x exp(+/- 1.96 x SE). With no events
in either group the ratio is undefined and reported as such. Pure functions.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class RateRatio:
    ratio: float
    low: float
    high: float

    @property
    def direction(self) -> str:
        """'higher' or 'lower' when the interval excludes 1, else 'similar'."""
        if self.low > 1.0:
            return "higher"
        if self.high < 1.0:
            return "lower"
        return "similar"

    def text(self) -> str:
        return f"{self.ratio:.2f} ({self.low:.2f} to {self.high:.2f})"


def rate_ratio(a: int | None, n: int | None, b: int | None, m: int | None) -> RateRatio | None:
    """Katz log-method risk ratio of a/n against b/m, or None when it cannot be estimated."""
    if None in (a, n, b, m) or not n or not m or not a or not b or a > n or b > m:
        return None
    ratio = (a / n) / (b / m)
    se = math.sqrt(max(0.0, 1 / a - 1 / n + 1 / b - 1 / m))
    return RateRatio(ratio, ratio * math.exp(-Z95 * se), ratio * math.exp(Z95 * se))


# Broad groups used by default: detailed groups are usually too small to publish.
BROAD_ETHNIC_GROUPS: list[tuple[str, str]] = [
    ("white-british", "White British"),
    ("white-other", "White other (Irish, Gypsy or Irish Traveller, Roma, other White)"),
    ("asian", "Asian or Asian British"),
    ("black", "Black, Black British, Caribbean or African"),
    ("mixed", "Mixed or multiple ethnic groups"),
    ("other", "Other ethnic group"),
    ("not-stated", "Not stated"),
]


def broad_ethnic_group(code: str | None) -> str:
    if not code or code == "not-stated":
        return "not-stated"
    if code == "white-british":
        return "white-british"
    for prefix in ("white", "asian", "black", "mixed", "other"):
        if code.startswith(prefix + "-"):
            return "white-other" if prefix == "white" else prefix
    return "other"
