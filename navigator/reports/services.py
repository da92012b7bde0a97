"""Report use cases: each builds one page's aggregate view model from plain filter values.

All are read-only except the export_* functions, which also audit who downloaded what.
They raise ValidationError for an unknown need, community, level or area, and NotFound
for an area that does not exist. Nothing returned identifies a person.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from navigator import audit
from navigator.directory.vocab import NEED_CATEGORIES
from navigator.errors import NotFound, ValidationError
from navigator.extensions import db
from navigator.reports import gapscore, queries
from navigator.reports.communities import Community, get_community
from navigator.reports.periods import Period, Quarter, recent_quarters

NEED_NAMES = dict(NEED_CATEGORIES)
PROBLEM = "There is a problem with the filters"
SORTERS = {
    "name": lambda r: (0, r.name.lower()),
    "score": lambda r: (0, r.gap.score if r.gap else 0.0),
    "provision": lambda r: (0, r.provision_rate or 0.0),
    "services": lambda r: (0, r.services_in_area),
    "demand": lambda r: (r.demand is None, r.demand or 0),
    "unmet": lambda r: (r.unmet is None, r.unmet or 0),
    "referrals": lambda r: (r.referrals is None, r.referrals or 0),
    "waiting": lambda r: (r.waiting_days is None, r.waiting_days or 0.0),
    "residents": lambda r: (r.residents is None, r.residents or 0),
}


@dataclass
class GapMapView:
    need: str
    need_name: str
    community: Community | None
    level: str
    period: Period
    layer: queries.GapLayer | None
    shapes: dict[str, dict] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    formula: list[str] = field(default_factory=lambda: list(gapscore.FORMULA_STEPS))


def _check(need: str | None, community_key: str | None, level: str) -> Community | None:
    errors: dict[str, list[str]] = {}
    if need is not None and need not in NEED_NAMES:
        errors["need"] = ["Choose a need category from the list"]
    if level not in queries.LEVELS:
        errors["level"] = ["Choose local authority, probation delivery unit or region"]
    community = None
    try:
        community = get_community(community_key)
    except KeyError:
        errors["community"] = ["Choose a community from the list"]
    if errors:
        raise ValidationError(PROBLEM, errors)
    return community


def _sorted(rows: list[queries.GapRow], sort: str, direction: str) -> list[queries.GapRow]:
    key = SORTERS.get(sort, SORTERS["score"])
    by_name = sorted(rows, key=lambda r: r.name.lower())
    # Hidden values sort together after the shown ones, whatever the direction, so the
    # order cannot hint at a hidden count.
    shown = [r for r in by_name if not key(r)[0]]
    hidden = [r for r in by_name if key(r)[0]]
    return sorted(shown, key=key, reverse=(direction == "desc")) + hidden


def build_gap_map(need: str, community_key: str | None, level: str, period: Period, threshold: int,
                  sort: str = "score", direction: str = "desc") -> GapMapView:
    """The gap layer for one need (and community) at a level and period, with map shapes."""
    community = _check(need, community_key, level)
    geo = queries.load_geography()
    view = GapMapView(need, NEED_NAMES[need], community, level, period, None,
                      status=queries.geography_status())
    if not geo.las:
        return view
    layer = queries.compute_gap_layers(geo, [need], community, level, period, threshold)[need]
    layer.rows = _sorted(layer.rows, sort, direction)
    view.layer = layer
    view.shapes = queries.list_area_shapes(level)
    return view


def build_gap_matrix(community_key: str | None, level: str, period: Period,
                     threshold: int) -> dict[str, queries.GapLayer]:
    """Gap layers for every need category at once (the benchmark, the printable report)."""
    community = _check(None, community_key, level)
    geo = queries.load_geography()
    needs = [code for code, _ in NEED_CATEGORIES]
    return queries.compute_gap_layers(geo, needs, community, level, period, threshold)


@dataclass
class AreaView:
    area: queries.Area
    level: str
    need: str
    need_name: str
    community: Community | None
    period: Period
    row: queries.GapRow
    rank: int
    area_count: int
    services: list[dict]
    services_total: int
    by_need: list[tuple[str, str, queries.GapRow]]
    formula: list[str] = field(default_factory=lambda: list(gapscore.FORMULA_STEPS))


def build_area_detail(level: str, code: str, need: str, community_key: str | None, period: Period,
                      threshold: int) -> AreaView:
    """One area: its row of the gap map, the services counted, and its evidence for every need.

    Evidence for other needs comes from those needs' own gap layers, so every hidden count
    stays hidden exactly as it is on the map. Raises NotFound for an unknown area.
    """
    community = _check(need, community_key, level)
    geo = queries.load_geography()
    area = next((a for a in geo.areas(level) if a.code == code), None)
    if area is None:
        raise NotFound("There is no such area")
    needs = [c for c, _ in NEED_CATEGORIES]
    layers = queries.compute_gap_layers(geo, needs, community, level, period, threshold)
    row = next(r for r in layers[need].rows if r.code == code)
    ordered = sorted(layers[need].rows, key=lambda r: -(r.gap.score if r.gap else 0))
    rank = next(i for i, r in enumerate(ordered, start=1) if r.code == code)
    services, total = queries.list_services_for_area(geo, area, need, community, period.end)
    by_need = [(n, NEED_NAMES[n], next(r for r in layers[n].rows if r.code == code)) for n in needs]
    return AreaView(area, level, need, NEED_NAMES[need], community, period, row, rank, len(ordered),
                    services, total, by_need)


def list_area_choices(level: str | None = None) -> list[tuple[str, str]]:
    """("level:code", label) for every area, for the equity and trends filters."""
    geo = queries.load_geography()
    out = [("", "England and Wales (all areas)")]
    names = {"region": "Region", "pdu": "PDU", "la": "Local authority"}
    for lvl in (("region", "pdu", "la") if level is None else (level,)):
        out += [(f"{lvl}:{a.code}", f"{names[lvl]}: {a.name}") for a in geo.areas(lvl)]
    return out


@dataclass
class EquityView:
    report: queries.EquityReport
    dimension_label: str
    period: Period
    area_label: str
    need_name: str | None
    measures: list = field(default_factory=lambda: list(queries.EQUITY_MEASURES))
    service_kinds: list = field(default_factory=lambda: list(queries.SERVICE_KINDS))
    area_choices: list[tuple[str, str]] = field(default_factory=list)


def _parse_area(geo: queries.Geography, value: str | None) -> tuple[set[str] | None, str]:
    if not value:
        return None, "England and Wales"
    level, _, code = value.partition(":")
    if level not in queries.LEVELS:
        raise ValidationError(PROBLEM, {"area": ["Choose an area from the list"]})
    area = next((a for a in geo.areas(level) if a.code == code), None)
    if area is None:
        raise ValidationError(PROBLEM, {"area": ["Choose an area from the list"]})
    return set(area.la_codes), area.name


def build_equity(dimension: str, detailed: bool, need: str | None, area: str | None, period: Period,
                 threshold: int) -> EquityView:
    """Referral equity by ethnic group, religion or gender against the baseline group."""
    if dimension not in queries.DIMENSIONS:
        raise ValidationError(PROBLEM, {"dimension": ["Choose what to compare by"]})
    if need and need not in NEED_NAMES:
        raise ValidationError(PROBLEM, {"need": ["Choose a need category"]})
    geo = queries.load_geography()
    la_codes, area_label = _parse_area(geo, area)
    report = queries.compute_equity(geo, dimension, detailed, period, need or None, la_codes, threshold)
    return EquityView(report, queries.DIMENSIONS[dimension][0], period, area_label,
                      NEED_NAMES.get(need) if need else None, area_choices=list_area_choices())


@dataclass
class TrendsView:
    need: str
    need_name: str
    community: Community | None
    level: str
    area_code: str | None
    area_label: str
    rows: list[queries.TrendRow]
    totals: dict
    area_choices: list[tuple[str, str]]


def build_trends(need: str, community_key: str | None, level: str, area: str | None, last: Quarter,
                 count: int, threshold: int) -> TrendsView:
    """The gap measures by quarter, for one area or the whole selection."""
    community = _check(need, community_key, level)
    if count not in (4, 8, 12):
        raise ValidationError(PROBLEM, {"quarters": ["Choose 4, 8 or 12"]})
    geo = queries.load_geography()
    area_code, area_label = None, "All areas"
    if area:
        found = next((a for a in geo.areas(level) if a.code == area), None)
        if found is None:
            raise ValidationError(PROBLEM,
                                  {"area": ["Choose an area from the list"]})
        area_code, area_label = found.code, found.name
    rows, totals = queries.compute_trends(geo, need, community, level, recent_quarters(last, count),
                                          area_code, threshold)
    choices = [("", "All areas")] + [(a.code, a.name) for a in geo.areas(level)]
    return TrendsView(need, NEED_NAMES[need], community, level, area_code, area_label, rows, totals, choices)




def export_gap_map(fmt: str, actor_id: int, need: str, community_key: str | None, level: str,
                   period: Period, threshold: int, generated_on: str) -> tuple[str, str, str]:
    """(filename, mimetype, body) of the gap layer as CSV or GeoJSON; audits the download."""
    from navigator.reports import export

    if fmt not in ("csv", "geojson"):
        raise NotFound("No such export format")
    view = build_gap_map(need, community_key, level, period, threshold, sort="name", direction="asc")
    if view.layer is None:
        raise ValidationError("Load the report geography first", {"source": ["No geography loaded"]})
    filters = {"need": need, "community": community_key or "", "level": level, "period": str(period.first)
               + ".." + str(period.last)}
    name = f"gap-map-{need}-{level}-{period.first}-{period.last}"
    if fmt == "csv":
        body, mimetype = export.gap_csv(view.layer), "text/csv; charset=utf-8"
    else:
        metadata = {**filters, "generated_on": generated_on, "suppression_threshold": threshold,
                    "method": view.formula, "need_name": view.need_name}
        body = export.gap_geojson(view.layer, queries.list_area_geometries(level), metadata)
        mimetype = "application/geo+json"
    audit.record(db.session, actor_id, "report.export", "report", f"gap-map.{fmt}", **filters)
    db.session.commit()
    return f"{name}.{fmt}", mimetype, body


def export_equity(actor_id: int, dimension: str, detailed: bool, need: str | None, area: str | None,
                  period: Period, threshold: int) -> tuple[str, str, str]:
    """(filename, mimetype, body) of the equity table as CSV; audits the download."""
    from navigator.reports import export

    view = build_equity(dimension, detailed, need, area, period, threshold)
    audit.record(db.session, actor_id, "report.export", "report", "equity.csv", dimension=dimension,
                 need=need or "", area=area or "", period=f"{period.first}..{period.last}")
    db.session.commit()
    return (f"equity-{dimension}-{period.first}-{period.last}.csv", "text/csv; charset=utf-8",
            export.equity_csv(view))
