"""Report exports: CSV (safe to open in a spreadsheet) and GeoJSON of the gap layer.

Both are written from the already-suppressed view models, so an export can never show
more than the page. Hidden counts are "[c]" in CSV and null in GeoJSON (with the field
named in "suppressed"). Pure functions.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from navigator import csvsafe
from navigator.reports.disclosure import SUPPRESSED_LABEL

ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right; Contains Royal Mail data © Royal Mail "
    "copyright and database right; Source: Office for National Statistics licensed under the Open "
    "Government Licence v.3.0"
)


def neutralise(value) -> str:
    """Text for one CSV cell: hidden counts as [c]; would-be formulas prefixed with '."""
    if value is None:
        return SUPPRESSED_LABEL
    return csvsafe.neutralise(f"{value:.2f}" if isinstance(value, float) else value)


def to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    return csvsafe.to_csv(header, rows, cell=neutralise)


GAP_COLUMNS = [
    ("area_code", "code"), ("area_name", "name"), ("residents", "residents"),
    ("community_residents", "community_residents"), ("services_in_area", "services_in_area"),
    ("services_reaching", "services_reaching"), ("provision_weighted", "provision_weighted"),
    ("provision_per_100k", None), ("demand_people", "demand"),
    ("declined_no_capacity", "declined_no_capacity"), ("declined_not_eligible", "declined_not_eligible"),
    ("signposts_without_referral", "signposts_unreferred"), ("zero_result_searches", "zero_result_searches"),
    ("unmet_demand", "unmet"), ("referrals", "referrals"), ("accepted", "accepted"),
    ("average_days_to_acceptance", "waiting_days"), ("gap_score", None), ("gap_band", None),
]
COUNT_FIELDS = {"demand", "declined_no_capacity", "declined_not_eligible", "signposts_unreferred",
                "zero_result_searches", "unmet", "referrals", "accepted"}


def gap_values(row) -> list:
    values = []
    for column, attr in GAP_COLUMNS:
        if column == "provision_per_100k":
            values.append(row.provision_rate)
        elif column == "gap_score":
            values.append(row.gap.score if row.gap else "")
        elif column == "gap_band":
            values.append(row.gap.band_label if row.gap else "")
        elif column == "average_days_to_acceptance":
            values.append(row.waiting_days if row.waiting_days is not None else "")
        elif attr == "community_residents" or attr == "residents":
            value = getattr(row, attr)
            values.append("" if value is None else value)
        else:
            values.append(getattr(row, attr))
    return values


def gap_csv(layer) -> str:
    """Every number the map uses, one row per area, then the totals row."""
    rows = [gap_values(row) for row in layer.rows]
    total = gap_values(layer.totals)
    total[0] = "TOTAL"
    rows.append(total)
    return to_csv([c for c, _ in GAP_COLUMNS], rows)


def gap_geojson(layer, geometries: dict[str, dict], metadata: dict) -> str:
    """A FeatureCollection: each area's boundary with the gap layer's numbers as properties."""
    features = []
    for row in layer.rows:
        geometry = geometries.get(row.code)
        properties = {}
        hidden = []
        for column, value in zip([c for c, _ in GAP_COLUMNS], gap_values(row), strict=True):
            if value is None:
                hidden.append(column)
            properties[column] = None if value == "" else value
        properties["suppressed"] = hidden
        features.append({"type": "Feature", "id": row.code, "geometry": geometry, "properties": properties})
    collection = {
        "type": "FeatureCollection",
        "metadata": {**metadata, "attribution": ATTRIBUTION,
                     "suppressed_means": "fewer than the threshold, or hidden so that such a count "
                                         "cannot be worked out from the totals"},
        "features": features,
    }
    return json.dumps(collection, separators=(",", ":"), ensure_ascii=False)


def equity_csv(view) -> str:
    """One row per group: counts, rates and ratios against the baseline with 95% intervals."""
    header = ["group"] + list_counts(view) + [f"{key}_rate" for key, *_ in view.measures]
    for key, *_ in view.measures:
        header += [f"{key}_ratio", f"{key}_ratio_low", f"{key}_ratio_high", f"{key}_compared"]
    header += [f"referrals_{kind}" for kind, _ in view.service_kinds]
    header += [f"share_{kind}" for kind, _ in view.service_kinds]
    rows = []
    for row in view.report.rows + [view.report.totals]:
        values = [row.label] + [row.counts[c] for c in list_counts(view)]
        values += [_rate(row.rates[key]) for key, *_ in view.measures]
        for key, *_ in view.measures:
            ratio = row.ratios.get(key)
            if row.baseline:
                values += ["baseline", "", "", ""]
            elif ratio is None:
                values += ["", "", "", "not enough data"]
            else:
                values += [round(ratio.ratio, 3), round(ratio.low, 3), round(ratio.high, 3), ratio.direction]
        values += [row.service_counts[kind] for kind, _ in view.service_kinds]
        values += [_rate(row.service_shares[kind]) for kind, _ in view.service_kinds]
        rows.append(values)
    return to_csv(header, rows)


def list_counts(view) -> list[str]:
    from navigator.reports.queries import EQUITY_COUNTS

    return list(EQUITY_COUNTS)


def _rate(value):
    return "" if value is None else round(value, 4)
