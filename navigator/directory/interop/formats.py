"""Reading directory feeds into one shape: a list of nested service dicts (HSDS 3.0-like).

Understood: ORUK 3.0 / HSDS 3.0 JSON (a paged list envelope, a bare list or one service),
legacy ORUK v1 payloads (list or paged, with `pc_targetAudience`, `service_taxonomys`,
`physical_addresses`, `regular_schedules`), and the HSDS 3.0 CSV datapackage (a zip or a
folder of CSV files, `datapackage.json` optional). Anything else raises FeedError with a
message a navigator can act on.
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MAX_FEED_BYTES = 100 * 1024 * 1024
MAX_PAGES = 2000
V1_MARKERS = ("pc_metadata", "pc_targetAudience", "deliverable_type", "attending_type",
              "service_taxonomys", "regular_schedules", "attending_access")


class FeedError(ValueError):
    """The payload is not something we can read (wrong format, broken JSON, too big)."""


def _csv_rows(text: str) -> list[dict]:
    csv.field_size_limit(10 * 1024 * 1024)
    reader = csv.DictReader(io.StringIO(text))
    return [{(k or "").strip(): v for k, v in row.items() if k} for row in reader]


def detect_and_read(data: bytes, filename: str = "") -> tuple[str, list[dict]]:
    """(format name, service records) from the bytes of an upload or a downloaded feed."""
    if len(data) > MAX_FEED_BYTES:
        raise FeedError("The file is larger than 100 MB")
    if data[:4] == b"PK\x03\x04":
        return "hsds-csv", records_from_tables(_tables_from_zip(data))
    name = filename.lower()
    if name.endswith(".csv"):
        return "hsds-csv", records_from_tables({"services.csv": _csv_rows(_decode(data))})
    try:
        payload = json.loads(_decode(data))
    except ValueError as exc:
        raise FeedError(f"The file is not valid JSON ({exc.__class__.__name__}: {exc})") from exc
    return records_from_json(payload)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def records_from_json(payload) -> tuple[str, list[dict]]:
    if isinstance(payload, dict):
        items = payload.get("contents", payload.get("content"))
        if isinstance(items, list):
            return _flavour(items), items
        if "name" in payload or "id" in payload:
            return _flavour([payload]), [payload]
        raise FeedError("The JSON is neither a list of services, a paged list nor one service")
    if isinstance(payload, list):
        return _flavour(payload), payload
    raise FeedError("The JSON is neither a list of services, a paged list nor one service")


def _flavour(items: list) -> str:
    for item in items[:50]:
        if isinstance(item, dict) and any(marker in item for marker in V1_MARKERS):
            return "oruk-v1"
    return "oruk-v3"


def read_path(path: str | Path) -> tuple[str, list[dict]]:
    """Read a local file (JSON, CSV or zip) or a folder of HSDS CSV files."""
    path = Path(path)
    if path.is_dir():
        tables = {}
        for child in path.iterdir():
            if child.suffix.lower() == ".csv":
                tables[child.name.lower()] = _csv_rows(_decode(child.read_bytes()))
        if "services.csv" not in tables:
            raise FeedError(f"{path} has no services.csv")
        return "hsds-csv", records_from_tables(tables)
    if not path.is_file():
        raise FeedError(f"No such file: {path}")
    if path.stat().st_size > MAX_FEED_BYTES:
        raise FeedError("The file is larger than 100 MB")
    return detect_and_read(path.read_bytes(), path.name)


def fetch_url(url: str, session=None) -> tuple[str, list[dict]]:
    """Download a feed over http(s), following ORUK 3.0 paging (page=2, 3, ...) to the end."""
    import requests

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FeedError("Only http and https addresses can be imported")
    http = session or requests.Session()
    fmt, records, page = None, [], 1
    while True:
        try:
            response = http.get(_with_page(url, page) if page > 1 else url, timeout=60,
                                headers={"Accept": "application/json"})
        except requests.RequestException as exc:
            raise FeedError(f"Could not download the feed: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            raise FeedError(f"The feed answered HTTP {response.status_code}")
        if len(response.content) > MAX_FEED_BYTES:
            raise FeedError("The feed is larger than 100 MB")
        page_fmt, page_records = detect_and_read(response.content, parts.path)
        fmt = fmt or page_fmt
        records.extend(page_records)
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        more = (isinstance(envelope, dict) and envelope.get("last_page") is False
                and page_records and page < MAX_PAGES)
        if not more:
            return fmt, records
        page += 1


def _with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    query.append(("page", str(page)))
    return urlunsplit(parts._replace(query=urlencode(query)))


# --- HSDS CSV datapackage --------------------------------------------------------------

def _tables_from_zip(data: bytes) -> dict[str, list[dict]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise FeedError("The zip file is damaged") from exc
    # Refuse zip bombs before inflating anything.
    if sum(info.file_size for info in archive.infolist()) > 4 * MAX_FEED_BYTES:
        raise FeedError("The zip file expands to more than 400 MB")
    tables = {}
    for info in archive.infolist():
        base = info.filename.rsplit("/", 1)[-1].lower()
        if base.endswith(".csv") and not info.is_dir():
            tables[base] = _csv_rows(_decode(archive.read(info)))
    if "services.csv" not in tables:
        raise FeedError("The zip file has no services.csv (is it an HSDS CSV datapackage?)")
    return tables


def _group(rows: list[dict], key: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        value = (row.get(key) or "").strip()
        if value:
            out[value].append(row)
    return out


def records_from_tables(tables: dict[str, list[dict]]) -> list[dict]:
    """Nest the flat HSDS tables into one dict per service, as the JSON API would give."""
    organisations = {r.get("id", "").strip(): r for r in tables.get("organizations.csv", [])}
    addresses = _group(tables.get("addresses.csv", []), "location_id")
    locations = {}
    for row in tables.get("locations.csv", []):
        location = dict(row)
        location["addresses"] = addresses.get(row.get("id", "").strip(), [])
        locations[row.get("id", "").strip()] = location
    sal_rows = tables.get("service_at_location.csv", tables.get("service_at_locations.csv", []))
    sals = _group(sal_rows, "service_id")
    phones = _group(tables.get("phones.csv", []), "service_id")
    schedules = _group(tables.get("schedules.csv", []), "service_id")
    languages = _group(tables.get("languages.csv", []), "service_id")
    areas = _group(tables.get("service_areas.csv", []), "service_id")
    taxonomies = {r.get("id", "").strip(): r for r in tables.get("taxonomies.csv", [])}
    terms = {}
    for row in tables.get("taxonomy_terms.csv", []):
        term = dict(row)
        taxonomy = taxonomies.get((row.get("taxonomy_id") or "").strip())
        if taxonomy:
            term["taxonomy_detail"] = taxonomy
            term.setdefault("taxonomy", taxonomy.get("name"))
        terms[row.get("id", "").strip()] = term
    attributes = defaultdict(list)
    for row in tables.get("attributes.csv", []):
        entity = (row.get("link_entity") or "service").strip().lower()
        if entity != "service":
            continue
        attribute = dict(row)
        attribute["taxonomy_term"] = terms.get((row.get("taxonomy_term_id") or "").strip(),
                                               {"id": row.get("taxonomy_term_id")})
        attributes[(row.get("link_id") or "").strip()].append(attribute)

    records = []
    for row in tables.get("services.csv", []):
        service_id = (row.get("id") or "").strip()
        record = dict(row)
        org = organisations.get((row.get("organization_id") or "").strip())
        if org is not None:
            record["organization"] = org
        record["service_at_locations"] = [
            {**sal, "location": locations.get((sal.get("location_id") or "").strip())}
            for sal in sals.get(service_id, [])
        ]
        record["phones"] = phones.get(service_id, [])
        record["schedules"] = schedules.get(service_id, [])
        record["languages"] = languages.get(service_id, [])
        record["service_areas"] = areas.get(service_id, [])
        record["attributes"] = attributes.get(service_id, [])
        records.append(record)
    return records
