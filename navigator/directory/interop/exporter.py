"""Export of the directory (or a search of it) as ORUK 3.0 JSON or an HSDS 3.0 CSV datapackage.

Both carry exactly what the open API publishes: listed services only, no confidential
location, no personal data. Our importer reads both back (see the round-trip test).
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime

from navigator import audit
from navigator.directory.interop import hsds
from navigator.directory.interop import queries as q
from navigator.extensions import db

# Columns per HSDS 3.0 table, in the order of the standard's CSV examples.
TABLES: dict[str, list[str]] = {
    "organizations.csv": ["id", "name", "alternate_name", "description", "email", "website",
                          "legal_status"],
    "organization_identifiers.csv": ["id", "organization_id", "identifier_scheme", "identifier_type",
                                     "identifier"],
    "services.csv": ["id", "organization_id", "name", "alternate_name", "description", "url", "email",
                     "status", "interpretation_services", "application_process", "fees_description",
                     "eligibility_description", "assured_date", "last_modified"],
    "locations.csv": ["id", "location_type", "organization_id", "name", "description", "latitude",
                      "longitude"],
    "addresses.csv": ["id", "location_id", "address_1", "address_2", "city", "region", "state_province",
                      "postal_code", "country", "address_type"],
    "service_at_location.csv": ["id", "service_id", "location_id", "description"],
    "phones.csv": ["id", "location_id", "service_id", "organization_id", "number", "extension", "type",
                   "description"],
    "schedules.csv": ["id", "service_id", "location_id", "freq", "interval", "byday", "opens_at",
                      "closes_at", "description"],
    "languages.csv": ["id", "service_id", "location_id", "name", "code", "note"],
    "service_areas.csv": ["id", "service_id", "name", "description", "extent", "extent_type", "uri"],
    "attributes.csv": ["id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"],
    "taxonomies.csv": ["id", "name", "description", "uri", "version"],
    "taxonomy_terms.csv": ["id", "code", "name", "description", "parent_id", "taxonomy", "language",
                           "taxonomy_id", "term_uri"],
}


def _selected(flt: q.ServiceFilter | None):
    return q.list_services(flt or q.ServiceFilter(), full=True)


def export_oruk_json(flt: q.ServiceFilter | None = None, actor_id: int | None = None) -> dict:
    """All matching listed services, fully nested, in one ORUK 3.0 page envelope."""
    services = _selected(flt)
    _audit(actor_id, "oruk-json", len(services))
    contents = [hsds.service_to_hsds(s) for s in services]
    return hsds.page_envelope(contents, len(contents), 1, max(len(contents), 1))


def export_oruk_bytes(flt: q.ServiceFilter | None = None, actor_id: int | None = None) -> bytes:
    return json.dumps(export_oruk_json(flt, actor_id), ensure_ascii=False, indent=1).encode("utf-8")


def export_hsds_tables(flt: q.ServiceFilter | None = None) -> dict[str, list[dict]]:
    """The HSDS tables (file name -> rows) for the matching listed services."""
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    seen: dict[str, set] = {name: set() for name in TABLES}

    def add(table: str, row: dict) -> None:
        if row["id"] not in seen[table]:
            seen[table].add(row["id"])
            tables[table].append(row)

    for service in _selected(flt):
        data = hsds.service_to_hsds(service)
        org = data["organization"]
        for identifier in org.get("organization_identifiers", []):
            add("organization_identifiers.csv", identifier)
        add("organizations.csv", org)
        add("services.csv", data)
        for sal in data["service_at_locations"]:
            location = sal["location"]
            for address in location.get("addresses", []):
                add("addresses.csv", address)
            add("locations.csv", location)
            add("service_at_location.csv", sal)
        for key, table in (("phones", "phones.csv"), ("schedules", "schedules.csv"),
                           ("languages", "languages.csv"), ("service_areas", "service_areas.csv")):
            for row in data[key]:
                add(table, row)
        for attribute in data["attributes"]:
            term = attribute["taxonomy_term"]
            add("attributes.csv", attribute)
            add("taxonomy_terms.csv", term)
            if term.get("taxonomy_detail"):
                add("taxonomies.csv", term["taxonomy_detail"])
    return tables


def _csv_text(columns: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in columns})
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _datapackage(tables: dict[str, list[dict]]) -> dict:
    return {
        "name": "navigator-directory",
        "title": "Navigator directory export (HSDS 3.0, Open Referral UK)",
        "profile": "tabular-data-package",
        "created": datetime.now(UTC).isoformat(),
        "licenses": [{"name": "OGL-UK-3.0",
                      "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"}],
        "resources": [
            {"name": name[:-4], "path": name, "profile": "tabular-data-resource", "format": "csv",
             "mediatype": "text/csv", "encoding": "utf-8",
             "schema": {"fields": [{"name": column, "type": "string"} for column in TABLES[name]]}}
            for name in TABLES
        ],
    }


def export_hsds_zip(flt: q.ServiceFilter | None = None, actor_id: int | None = None) -> bytes:
    """A zip holding datapackage.json and one CSV per HSDS table."""
    tables = export_hsds_tables(flt)
    _audit(actor_id, "hsds-csv", len(tables["services.csv"]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", json.dumps(_datapackage(tables), indent=1))
        for name, columns in TABLES.items():
            archive.writestr(name, _csv_text(columns, tables[name]))
    return buffer.getvalue()


def _audit(actor_id: int | None, fmt: str, count: int) -> None:
    audit.record(db.session, actor_id, "directory.export", "directory", None, format=fmt, services=count)
    db.session.commit()
