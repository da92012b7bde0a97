"""Load postcode-district centroids (with local authority and probation area) from a CSV.

Accepts the ONS-derived outcode file (outcode, latitude, longitude, town_area, post_town,
lad24cd, lad24nm, probation_region, pdu_2023, pdu_delius_code) and Doogal's postcode
districts file (Postcode, Latitude, Longitude, Town/Area, ...). Rows are upserted by
outcode in one transaction; rows that cannot be used are reported with the reason.
"""
from __future__ import annotations

import csv
import io
import math
import os
import re
import tempfile
from dataclasses import dataclass, field

import requests
from sqlalchemy import select

from navigator.directory.models import PostcodeDistrict
from navigator.errors import ValidationError
from navigator.extensions import db
from navigator.validation import normalise_outcode, normalise_postcode

MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024
DOWNLOAD_TIMEOUT = (5.0, 60.0)

# Great Britain, Northern Ireland, the Isle of Man and the Channel Islands, with a margin.
_LAT_RANGE = (49.0, 61.5)
_LON_RANGE = (-8.8, 2.0)

# Column in PostcodeDistrict -> header spellings accepted (compared lower-case, letters and digits only).
_COLUMNS: dict[str, tuple[str, ...]] = {
    "outcode": ("outcode", "postcodedistrict", "postcode", "district", "pcd"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "long", "lon", "lng"),
    "town": ("townarea", "town", "posttown"),
    "lad_code": ("ladcd", "ladcode"),
    "lad_name": ("ladnm", "ladname", "localauthority"),
    "probation_region": ("probationregion", "region_probation"),
    "pdu_name": ("pdu", "pduname"),
    "pdu_code": ("pdudeliuscode", "pducode"),
}
_LAD_YEAR = re.compile(r"^lad(\d{2})?(cd|nm)$")
_PDU_YEAR = re.compile(r"^pdu(\d{4})?$")
_LIMITS = {"town": 255, "lad_code": 9, "lad_name": 120, "probation_region": 80,
           "pdu_code": 16, "pdu_name": 120}


@dataclass
class RejectedRow:
    line: int
    value: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line} ({self.value or 'blank'}): {self.reason}"


@dataclass
class LoadReport:
    loaded: int = 0
    created: int = 0
    updated: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", (header or "").lower())


def _map_headers(headers: list[str]) -> dict[str, str]:
    """PostcodeDistrict column -> the CSV header holding it (first match wins)."""
    keys = {_key(h): h for h in headers if h}
    mapping: dict[str, str] = {}
    for column, names in _COLUMNS.items():
        for name in names:
            if name in keys:
                mapping[column] = keys[name]
                break
    for k, header in keys.items():
        lad = _LAD_YEAR.match(k)
        if lad and ("lad_code" if lad.group(2) == "cd" else "lad_name") not in mapping:
            mapping["lad_code" if lad.group(2) == "cd" else "lad_name"] = header
        if _PDU_YEAR.match(k) and "pdu_name" not in mapping:
            mapping["pdu_name"] = header
    return mapping


def _fetch(source: str) -> str:
    """Download a URL to a temporary file (streamed, size-capped) and return its path."""
    try:
        with requests.get(source, stream=True, timeout=DOWNLOAD_TIMEOUT) as response:
            response.raise_for_status()
            handle, path = tempfile.mkstemp(suffix=".csv", prefix="navigator-geodata-")
            size = 0
            with os.fdopen(handle, "wb") as out:
                for chunk in response.iter_content(64 * 1024):
                    size += len(chunk)
                    if size > MAX_DOWNLOAD_BYTES:
                        out.close()
                        os.unlink(path)
                        raise ValidationError("The file is too large",
                                              {"source": [f"larger than {MAX_DOWNLOAD_BYTES} bytes"]})
                    out.write(chunk)
    except requests.RequestException as exc:
        raise ValidationError("Could not download the file",
                              {"source": [f"download failed: {type(exc).__name__}: {exc}"]}) from exc
    return path


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _clean_town(text: str) -> str | None:
    text = " ".join(text.split())
    if len(text) > _LIMITS["town"]:
        # Long lists of places: keep whole names up to the column's length.
        text = text[: _LIMITS["town"]].rsplit(",", 1)[0]
    return text or None


def _parse_row(row: dict, mapping: dict[str, str], line: int) -> tuple[dict | None, RejectedRow | None]:
    raw_outcode = (row.get(mapping["outcode"]) or "").strip()
    outcode = normalise_outcode(raw_outcode)
    if outcode is None or normalise_postcode(raw_outcode) is not None:
        return None, RejectedRow(line, raw_outcode, "not a postcode district")
    lat_text = (row.get(mapping["latitude"]) or "").strip()
    lon_text = (row.get(mapping["longitude"]) or "").strip()
    if not lat_text or not lon_text:
        return None, RejectedRow(line, outcode, "no coordinates")
    latitude, longitude = _number(lat_text), _number(lon_text)
    if latitude is None or longitude is None:
        return None, RejectedRow(line, outcode, "latitude or longitude is not a number")
    if not (_LAT_RANGE[0] <= latitude <= _LAT_RANGE[1] and _LON_RANGE[0] <= longitude <= _LON_RANGE[1]):
        return None, RejectedRow(line, outcode, "coordinates are outside the UK")
    values: dict = {"outcode": outcode, "latitude": latitude, "longitude": longitude}
    for column in ("town", "lad_code", "lad_name", "probation_region", "pdu_name", "pdu_code"):
        if column not in mapping:
            continue  # not in this file: a re-load keeps what an earlier file gave
        text = " ".join((row.get(mapping[column]) or "").split())
        if column == "town":
            values[column] = _clean_town(text)
            continue
        if len(text) > _LIMITS[column]:
            return None, RejectedRow(line, outcode, f"{column} is longer than {_LIMITS[column]} characters")
        values[column] = text or None
    return values, None


def load_postcode_districts(source: str) -> LoadReport:
    """Upsert districts from a CSV path or http(s) URL; one transaction, rejected rows reported.

    Raises ValidationError (nothing written) when the source cannot be read or lacks the
    outcode, latitude and longitude columns.
    """
    downloaded = None
    if re.match(r"^https?://", source, re.IGNORECASE):
        downloaded = path = _fetch(source)
    else:
        path = source
    try:
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                return _load(handle)
        except OSError as exc:
            raise ValidationError("Could not read the file", {"source": [str(exc)]}) from exc
        except UnicodeDecodeError as exc:
            raise ValidationError("The file is not UTF-8 text", {"source": [str(exc)]}) from exc
    finally:
        if downloaded:
            os.unlink(downloaded)


def _load(handle: io.TextIOBase) -> LoadReport:
    reader = csv.DictReader(handle)
    try:
        headers = reader.fieldnames or []
    except csv.Error as exc:
        raise ValidationError("The file is not a CSV file", {"source": [str(exc)]}) from exc
    mapping = _map_headers(list(headers))
    missing = [c for c in ("outcode", "latitude", "longitude") if c not in mapping]
    if missing:
        raise ValidationError(
            "The file lacks required columns",
            {"source": [f"no {', '.join(missing)} column (found: {', '.join(headers) or 'nothing'})"]},
        )
    report = LoadReport()
    rows: dict[str, dict] = {}
    seen_at: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            values, rejected = _parse_row(row, mapping, line)
            if rejected:
                report.rejected.append(rejected)
            elif values["outcode"] in rows:
                report.rejected.append(RejectedRow(
                    line, values["outcode"], f"duplicate of line {seen_at[values['outcode']]}"))
            else:
                rows[values["outcode"]] = values
                seen_at[values["outcode"]] = line
    except csv.Error as exc:
        raise ValidationError("The file is not a valid CSV file",
                              {"source": [f"line {reader.line_num}: {exc}"]}) from exc
    _upsert(rows, report)
    return report


def _upsert(rows: dict[str, dict], report: LoadReport) -> None:
    try:
        existing = {d.outcode: d for d in db.session.scalars(select(PostcodeDistrict))}
        for outcode, values in rows.items():
            district = existing.get(outcode)
            if district is None:
                db.session.add(PostcodeDistrict(**values))
                report.created += 1
            else:
                for column, value in values.items():
                    setattr(district, column, value)
                report.updated += 1
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    report.loaded = report.created + report.updated
