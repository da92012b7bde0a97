"""Loaders for report geography: boundaries (GeoJSON), census population (CSV), PDUs (CSV).

Each loader takes a path or an http(s) URL, checks every row, writes the good ones in one
transaction (upsert by code, so reloading a newer file is safe) and reports each rejected
row with its reason. A file that cannot be read at all raises ValidationError and writes
nothing.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from navigator.errors import ValidationError
from navigator.extensions import db
from navigator.reports.geometry import Outline
from navigator.reports.models import LocalAuthority, Population, ProbationDeliveryUnit, ProbationRegion

# England unitary/district/metropolitan/London boroughs and Welsh principal areas.
LAD_CODE_RE = re.compile(r"^(E0[6-9]|W06)\d{6}$")
PDU_CODE_RE = re.compile(r"^[A-Z0-9]{3,16}$")
MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024


@dataclass
class LoadReport:
    loaded: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (row or feature number, reason)

    def summary(self, what: str) -> str:
        return f"Loaded {self.loaded} {what}; rejected {len(self.rejected)}."


def read_source(source: str) -> str:
    """Text of a local file or an http(s) URL. Raises ValidationError when unreadable."""
    if source.lower().startswith(("http://", "https://")):
        import requests

        try:
            response = requests.get(source, timeout=60, stream=True)
            response.raise_for_status()
            body = response.raw.read(MAX_DOWNLOAD_BYTES + 1, decode_content=True)
        except requests.RequestException as exc:
            raise ValidationError(f"Could not download {source}: {exc.__class__.__name__}",
                                  {"source": ["The file could not be downloaded"]}) from exc
        if len(body) > MAX_DOWNLOAD_BYTES:
            raise ValidationError("The file is too large", {"source": ["The file is too large"]})
        data = body
    else:
        path = Path(source)
        if not path.is_file():
            raise ValidationError(f"No file at {source}", {"source": ["No such file"]})
        data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError("The file is not UTF-8 text",
                              {"source": ["The file is not UTF-8 text"]}) from exc


def _csv_rows(text: str, required: set[str]) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    headers = {h.strip() for h in (reader.fieldnames or [])}
    missing = required - headers
    if missing:
        raise ValidationError(
            "The file is missing columns: " + ", ".join(sorted(missing)),
            {"source": ["Missing columns: " + ", ".join(sorted(missing))]},
        )
    return [{(k or "").strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]


def _get_or_create_la(code: str, name: str | None) -> LocalAuthority:
    la = db.session.get(LocalAuthority, code)
    if la is None:
        la = LocalAuthority(code=code, name=name or code)
        db.session.add(la)
    elif name:
        la.name = name
    return la


def load_boundaries(source: str) -> LoadReport:
    """Load local authority boundaries from a GeoJSON FeatureCollection.

    Properties used: code (or lad24cd) and name (or lad24nm). Raises ValidationError when
    the file is not a FeatureCollection.
    """
    try:
        data = json.loads(read_source(source))
    except ValueError as exc:
        raise ValidationError("The file is not valid JSON", {"source": ["Not valid JSON"]}) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
        data.get("features"), list
    ):
        raise ValidationError("The file is not a GeoJSON FeatureCollection",
                              {"source": ["Expected a GeoJSON FeatureCollection"]})
    report = LoadReport()
    seen: set[str] = set()
    for number, feature in enumerate(data["features"], start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            report.rejected.append((number, "feature has no properties"))
            continue
        code = str(props.get("code") or props.get("lad24cd") or props.get("LAD24CD") or "").strip()
        name = str(props.get("name") or props.get("lad24nm") or props.get("LAD24NM") or "").strip()
        if not LAD_CODE_RE.match(code):
            report.rejected.append((number, f"{code or 'blank'} is not a local authority code"))
            continue
        if code in seen:
            report.rejected.append((number, f"{code} appears twice"))
            continue
        if not name or len(name) > 120:
            report.rejected.append((number, f"{code} has no usable name"))
            continue
        try:
            outline = Outline(feature.get("geometry"))
        except (ValueError, TypeError, AttributeError) as exc:
            report.rejected.append((number, f"{code}: {exc}"))
            continue
        seen.add(code)
        la = _get_or_create_la(code, name)
        la.boundary = json.dumps(feature["geometry"], separators=(",", ":"))
        la.svg_path = outline.svg_path()
        la.centroid_lon, la.centroid_lat = outline.centroid_lon_lat
        la.min_x, la.min_y, la.max_x, la.max_y = outline.min_x, outline.min_y, outline.max_x, outline.max_y
        report.loaded += 1
    db.session.commit()
    return report


def _number(value: str, kind=float):
    if value == "":
        return None
    number = kind(float(value)) if kind is int else kind(value)
    if number < 0 or number != number:
        raise ValueError("negative or not a number")
    return number


POPULATION_PCT_COLUMNS = {
    "eth_asian_pct": "eth_asian_pct", "eth_black_pct": "eth_black_pct", "eth_mixed_pct": "eth_mixed_pct",
    "eth_white_pct": "eth_white_pct", "eth_other_pct": "eth_other_pct",
    "rel_christian_pct": "rel_christian_pct", "rel_buddhist_pct": "rel_buddhist_pct",
    "rel_hindu_pct": "rel_hindu_pct", "rel_jewish_pct": "rel_jewish_pct",
    "rel_muslim_pct": "rel_muslim_pct", "rel_sikh_pct": "rel_sikh_pct",
    "rel_no_religion_pct": "rel_no_religion_pct", "rel_not_stated_pct": "rel_not_stated_pct",
    "rel_other_pct_derived": "rel_other_pct",
}
POPULATION_EST_COLUMNS = ["eth_asian_est", "eth_black_est", "eth_mixed_est", "eth_white_est", "eth_other_est"]


def load_population(source: str) -> LoadReport:
    """Load census 2021 residents and ethnic group/religion shares per local authority (CSV).

    Needs a code column (lad24cd, lad21cd or area_code) and population_total; percentage
    columns are optional. The local authorities must be loaded first (boundaries or PDUs).
    Rows for areas that are not local authorities (England, Wales totals) are rejected.
    """
    text = read_source(source)
    header = [h.strip() for h in next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])]
    code_col = next((c for c in ("lad24cd", "lad21cd", "area_code", "code") if c in header), "lad24cd")
    rows = _csv_rows(text, {code_col, "population_total"})
    report = LoadReport()
    seen: set[str] = set()
    # Census files exist for several boundary years: only rows matching the loaded
    # authorities are kept, so an older file cannot add areas that no longer exist.
    known = set(db.session.scalars(select(LocalAuthority.code)))
    for number, row in enumerate(rows, start=2):
        code = row.get(code_col, "")
        if not LAD_CODE_RE.match(code):
            report.rejected.append((number, f"{code or 'blank'} is not a local authority code"))
            continue
        if code in seen:
            report.rejected.append((number, f"{code} appears twice"))
            continue
        try:
            residents = _number(row.get("population_total", ""), int)
            if not residents:
                raise ValueError("no residents")
            values = {attr: _number(row.get(col, "")) for col, attr in POPULATION_PCT_COLUMNS.items()}
            if any(v is not None and v > 100 for v in values.values()):
                raise ValueError("a percentage is over 100")
            estimates = {col: _number(row.get(col, ""), int) for col in POPULATION_EST_COLUMNS}
        except ValueError as exc:
            report.rejected.append((number, f"{code}: {exc}"))
            continue
        if code not in known:
            report.rejected.append(
                (number, f"{code} is not a loaded local authority (load boundaries first)"))
            continue
        seen.add(code)
        population = db.session.get(Population, code) or Population(lad_code=code)
        population.residents = residents
        for attr, value in {**values, **estimates}.items():
            setattr(population, attr, value)
        db.session.add(population)
        report.loaded += 1
    db.session.commit()
    return report


def _region(code: str | None, name: str, regions: dict[str, ProbationRegion]) -> ProbationRegion | None:
    code = code if code and PDU_CODE_RE.match(code) else None
    if not code or not name:
        return None
    region = regions.get(code) or db.session.get(ProbationRegion, code)
    if region is None:
        by_name = db.session.query(ProbationRegion).filter_by(name=name).one_or_none()
        if by_name is not None:
            return by_name
        region = ProbationRegion(code=code, name=name)
        db.session.add(region)
    else:
        region.name = name
    regions[code] = region
    return region


def load_pdus(source: str) -> LoadReport:
    """Load probation regions and PDUs, and assign each local authority to them (CSV).

    Accepts the local-authority lookup (lad24cd, probation_region, delius_region_code,
    pdu_2023, pdu_delius_code, pdu_split, note) or the PDU list (pdu_name_cas_2023,
    probation_region, pdu_delius_code). An authority split between PDUs (names and codes
    separated by ";") is assigned to the first and flagged.
    """
    text = read_source(source)
    header = text.split("\n", 1)[0]
    if "lad24cd" in header:
        return _load_lad_pdu_lookup(_csv_rows(
            text, {"lad24cd", "probation_region", "delius_region_code", "pdu_2023", "pdu_delius_code"}))
    return _load_pdu_list(_csv_rows(text, {"pdu_name_cas_2023", "probation_region", "pdu_delius_code"}))


def _pdu(code: str, name: str, region: ProbationRegion | None, pdus: dict) -> ProbationDeliveryUnit:
    pdu = pdus.get(code) or db.session.get(ProbationDeliveryUnit, code)
    if pdu is None:
        pdu = ProbationDeliveryUnit(code=code, name=name)
        db.session.add(pdu)
    pdu.name = name[:160]
    if region is not None:
        pdu.region_code = region.code
    pdus[code] = pdu
    return pdu


def _load_lad_pdu_lookup(rows: list[dict[str, str]]) -> LoadReport:
    report = LoadReport()
    regions: dict[str, ProbationRegion] = {}
    pdus: dict[str, ProbationDeliveryUnit] = {}
    for number, row in enumerate(rows, start=2):
        code = row["lad24cd"]
        if not LAD_CODE_RE.match(code):
            report.rejected.append((number, f"{code or 'blank'} is not a local authority code"))
            continue
        names = [n.strip() for n in row["pdu_2023"].split(";") if n.strip()]
        codes = [c.strip() for c in row["pdu_delius_code"].split(";") if c.strip()]
        region_code = row["delius_region_code"]
        if not names or len(names) != len(codes) or not all(PDU_CODE_RE.match(c) for c in codes):
            report.rejected.append((number, f"{code}: PDU names and codes do not match"))
            continue
        if not PDU_CODE_RE.match(region_code) or not row["probation_region"]:
            report.rejected.append((number, f"{code}: no probation region code"))
            continue
        region = _region(region_code, row["probation_region"], regions)
        for pdu_code, pdu_name in zip(codes, names, strict=True):
            _pdu(pdu_code, pdu_name, region, pdus)
        la = _get_or_create_la(code, row.get("lad24nm") or None)
        db.session.flush()
        la.ons_region = row.get("ons_region") or None
        la.region_code = region.code if region else None
        la.pdu_code = codes[0]
        la.pdu_split = len(codes) > 1 or row.get("pdu_split", "").upper() in {"Y", "YES", "TRUE", "1"}
        la.pdu_note = (row.get("note") or None) and row["note"][:255]
        report.loaded += 1
    db.session.commit()
    return report


def _load_pdu_list(rows: list[dict[str, str]]) -> LoadReport:
    report = LoadReport()
    regions: dict[str, ProbationRegion] = {}
    pdus: dict[str, ProbationDeliveryUnit] = {}
    for number, row in enumerate(rows, start=2):
        code = row["pdu_delius_code"]
        name = row["pdu_name_cas_2023"]
        if not PDU_CODE_RE.match(code) or not name:
            report.rejected.append((number, f"{code or 'blank'} is not a PDU code"))
            continue
        # Delius PDU codes start with their region's code (N52WAL is in N52).
        region = _region(code[:3], row["probation_region"], regions)
        _pdu(code, name, region, pdus)
        report.loaded += 1
    db.session.commit()
    return report
