"""The gap score: where demand is evident and provision is absent, far away or full.

In plain words (the page shows the same text, from FORMULA_STEPS):

1. Provision: every active service for the chosen need (and community) counts for the
   area it is in or names as its area (1), areas inside its stated radius (1 at its door,
   falling to 0.5 at the edge), neighbouring areas within 20 miles (0.5 falling to 0), and
   everywhere if it works nationally or remotely (0.25). A service counts once per area,
   at its best weight. The sum is divided by the area's residents (per 100,000) - the
   residents of the chosen community when the census counts them.
2. Demand: people on the caseload living in the area with that agreed need (and
   community). When nobody in the whole selection is recorded yet, the census count of
   residents in the chosen community is used instead, so the map still shows where that
   community lives.
3. Unmet demand: referrals declined for no capacity or not eligible, signposts that did
   not lead to a referral, and searches from the area that found nothing.
4. Waiting: average days from a referral being sent to being accepted.
5. Demand, unmet demand, waiting and provision are each compared with the highest area in
   the selection (the highest scores 1, none scores 0).
6. Pressure = half demand + 35% unmet demand + 15% waiting.
7. Shortfall = 1 - 0.8 x provision (an area with no services keeps all its pressure; the
   best-provided area keeps a fifth, because services can be full).
8. Gap score = 100 x pressure x shortfall, from 0 (no gap shown) to 100.

Counts hidden by disclosure control enter the score as half the threshold, so the score
cannot reveal them. Pure functions only: no database, no Flask.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

WEIGHT_DEMAND = 0.5
WEIGHT_UNMET = 0.35
WEIGHT_WAITING = 0.15
PROVISION_RELIEF = 0.8

WEIGHT_IN_AREA = 1.0
WEIGHT_RADIUS_EDGE = 0.5
WEIGHT_NEIGHBOUR_MAX = 0.5
NEIGHBOUR_MILES = 20.0
WEIGHT_NATIONAL = 0.25
PER_RESIDENTS = 100_000

BANDS = [  # (lower bound inclusive, label)
    (80.0, "Very high gap (80 to 100)"),
    (60.0, "High gap (60 to 79)"),
    (40.0, "Medium gap (40 to 59)"),
    (20.0, "Low gap (20 to 39)"),
    (0.0, "Very low or no gap (0 to 19)"),
]

FORMULA_STEPS = [
    "Provision: each active service for the chosen need (and community) counts 1 in the area it is "
    "in or names as its area, 1 falling to 0.5 across its stated radius, 0.5 falling to 0 in "
    f"neighbouring areas up to {NEIGHBOUR_MILES:.0f} miles away, and {WEIGHT_NATIONAL} everywhere if "
    "it works nationally or remotely. A service counts once per area, at its best weight; the sum "
    "is given per 100,000 residents (of the chosen community when the census counts it).",
    "Demand: people on the caseload living in the area with that agreed need (and community). If "
    "nobody in the selection is recorded yet, the census count of the chosen community is used.",
    "Unmet demand: referrals declined for no capacity or not eligible, signposts that did not lead "
    "to a referral, and searches from the area that found nothing.",
    "Waiting: average days from a referral being sent to being accepted.",
    "Each of these is compared with the highest area in the selection (highest = 1, none = 0).",
    "Pressure = half demand + 35% unmet demand + 15% waiting.",
    f"Shortfall = 1 - {PROVISION_RELIEF} x provision: no services keeps all the pressure, the "
    "best-provided area keeps a fifth, because services can be full.",
    "Gap score = 100 x pressure x shortfall (0 = no gap shown, 100 = the largest gap).",
    "Counts hidden to protect privacy enter the score as half the suppression threshold.",
]


@dataclass
class AreaMeasures:
    """What the score needs for one area; counts may be None when hidden."""

    code: str
    provision_weighted: float = 0.0  # sum of service weights
    residents: int | None = None  # the population the provision rate is per
    demand: int | None = 0
    census_demand: float | None = None  # fallback demand: residents of the community
    unmet: int | None = 0
    waiting_days: float | None = None


@dataclass
class GapScore:
    code: str
    provision_rate: float | None  # weighted services per 100,000 residents
    demand_n: float
    unmet_n: float
    waiting_n: float
    provision_n: float
    pressure: float
    shortfall: float
    score: float
    demand_source: str  # "caseload" | "census" | "none"

    @property
    def band(self) -> int:
        """0 (lowest) to 4 (highest) for the legend."""
        for index, (lower, _label) in enumerate(BANDS):
            if self.score >= lower:
                return len(BANDS) - 1 - index
        return 0

    @property
    def band_label(self) -> str:
        return BANDS[len(BANDS) - 1 - self.band][1]


def provision_rate(weighted: float, residents: int | None) -> float | None:
    if not residents:
        return None
    return weighted * PER_RESIDENTS / residents


def _scaled(values: dict[str, float]) -> dict[str, float]:
    top = max(values.values(), default=0.0)
    if top <= 0:
        return {k: 0.0 for k in values}
    return {k: v / top for k, v in values.items()}


def stand_in(value: int | float | None, threshold: int) -> float:
    """A hidden count enters the score as half the threshold; a missing one as 0."""
    if value is None:
        return threshold / 2.0
    return float(value)


def score_areas(areas: Iterable[AreaMeasures], threshold: int = 10) -> dict[str, GapScore]:
    """Gap scores for a selection of areas (the comparison is within the selection)."""
    areas = list(areas)
    demand_raw = {a.code: stand_in(a.demand, threshold) for a in areas}
    source = "caseload"
    if not any(demand_raw.values()):
        demand_raw = {a.code: float(a.census_demand or 0.0) for a in areas}
        source = "census" if any(demand_raw.values()) else "none"
    unmet_raw = {a.code: stand_in(a.unmet, threshold) for a in areas}
    waiting_raw = {a.code: float(a.waiting_days or 0.0) for a in areas}
    rates = {a.code: provision_rate(a.provision_weighted, a.residents) for a in areas}
    # An area without a population figure cannot be compared on provision rate; it uses
    # its raw weighted count relative to the others' counts instead.
    provision_raw = {
        code: (rate if rate is not None else 0.0) for code, rate in rates.items()
    }
    demand_n = _scaled(demand_raw)
    unmet_n = _scaled(unmet_raw)
    waiting_n = _scaled(waiting_raw)
    provision_n = _scaled(provision_raw)
    out = {}
    for a in areas:
        pressure = (WEIGHT_DEMAND * demand_n[a.code] + WEIGHT_UNMET * unmet_n[a.code]
                    + WEIGHT_WAITING * waiting_n[a.code])
        shortfall = 1.0 - PROVISION_RELIEF * provision_n[a.code]
        out[a.code] = GapScore(
            code=a.code,
            provision_rate=rates[a.code],
            demand_n=demand_n[a.code],
            unmet_n=unmet_n[a.code],
            waiting_n=waiting_n[a.code],
            provision_n=provision_n[a.code],
            pressure=pressure,
            shortfall=shortfall,
            score=round(100.0 * pressure * shortfall, 1),
            demand_source=source,
        )
    return out


def service_weight_for_radius(distance_miles: float, radius_miles: float) -> float:
    """1 at the service, falling to 0.5 at the edge of its radius, 0 beyond."""
    if radius_miles <= 0 or distance_miles > radius_miles:
        return 0.0
    return WEIGHT_IN_AREA - (WEIGHT_IN_AREA - WEIGHT_RADIUS_EDGE) * distance_miles / radius_miles


def service_weight_for_neighbour(distance_miles: float) -> float:
    """0.5 next door, falling to 0 at NEIGHBOUR_MILES."""
    if distance_miles >= NEIGHBOUR_MILES:
        return 0.0
    return WEIGHT_NEIGHBOUR_MAX * (1.0 - distance_miles / NEIGHBOUR_MILES)
