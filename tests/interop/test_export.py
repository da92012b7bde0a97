"""Exports (ORUK 3.0 JSON, HSDS 3.0 CSV datapackage): contents, schemas and round trips."""
from __future__ import annotations

import csv
import io
import json
import zipfile

from sqlalchemy import select

from navigator.directory.interop import exporter, formats
from navigator.directory.interop import queries as q
from navigator.directory.interop.importer import import_records
from navigator.directory.models import Service
from navigator.extensions import db
from tests.interop.conftest import CONFIDENTIAL_STREET


def _summary(service: Service) -> dict:
    """What a practitioner would notice about a listing, independent of ids and sources."""
    return {
        "name": service.name, "description": service.description, "url": service.url,
        "email": service.email, "organisation": service.organisation.name,
        "terms": sorted(a.taxonomy_term_id for a in service.attributes),
        "languages": sorted(lang.name for lang in service.languages),
        "schedules": sorted((s.byday, str(s.opens_at), str(s.closes_at)) for s in service.schedules),
        "phones": sorted(p.number for p in service.phones),
        "postcodes": sorted(sal.location.address.postal_code for sal in service.service_at_locations
                            if sal.location.address),
    }


def _originals() -> dict[str, dict]:
    services = db.session.scalars(select(Service).where(Service.source.is_(None)))
    return {s.name: _summary(s) for s in services if s.is_listed}


def _copies(source: str) -> dict[str, dict]:
    services = db.session.scalars(select(Service).where(Service.source == source))
    return {s.name: _summary(s) for s in services}


def test_oruk_json_export_round_trips_through_our_importer(ctx, directory):
    data = exporter.export_oruk_bytes()
    payload = json.loads(data)
    assert payload["total_items"] == 2
    assert CONFIDENTIAL_STREET not in data.decode()
    fmt, records = formats.detect_and_read(data, "export.json")
    report = import_records(records, fmt, "round-trip", None)
    assert (report.created, report.rejected) == (2, 0)
    originals = _originals()
    copies = _copies("round-trip")
    assert copies["Sister Circle Housing Advice"] == originals["Sister Circle Housing Advice"]
    # The refuge's confidential place was never exported, so the copy has no location of it.
    assert copies["Sister Circle Refuge"]["postcodes"] == []
    assert copies["Sister Circle Refuge"]["terms"] == originals["Sister Circle Refuge"]["terms"]


def test_hsds_csv_export_round_trips_and_has_a_datapackage(ctx, directory):
    data = exporter.export_hsds_zip()
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    assert {"datapackage.json", "services.csv", "organizations.csv", "locations.csv",
            "attributes.csv", "taxonomy_terms.csv"} <= names
    package = json.loads(archive.read("datapackage.json"))
    assert {r["path"] for r in package["resources"]} == names - {"datapackage.json"}
    services = list(csv.DictReader(io.StringIO(archive.read("services.csv").decode())))
    assert sorted(r["name"] for r in services) == ["Sister Circle Housing Advice", "Sister Circle Refuge"]
    for member in names:
        assert CONFIDENTIAL_STREET not in archive.read(member).decode()
    fmt, records = formats.detect_and_read(data, "export.zip")
    assert fmt == "hsds-csv"
    report = import_records(records, fmt, "csv-round-trip", None)
    assert (report.created, report.rejected) == (2, 0)
    assert _copies("csv-round-trip")["Sister Circle Housing Advice"] == \
        _originals()["Sister Circle Housing Advice"]


def test_export_of_a_search_holds_only_matching_services(ctx, directory):
    payload = exporter.export_oruk_json(q.ServiceFilter(term_ids=["need:domestic-abuse"]))
    assert [s["name"] for s in payload["contents"]] == ["Sister Circle Refuge"]
    payload = exporter.export_oruk_json(q.ServiceFilter(search="housing"))
    assert [s["name"] for s in payload["contents"]] == ["Sister Circle Housing Advice"]


def test_exports_validate_against_the_schemas(ctx, directory, schemas):
    payload = exporter.export_oruk_json()
    assert schemas.oruk(payload, "service_list.json") == []
    for service in payload["contents"]:
        assert schemas.oruk(service, "service.json") == []
        assert schemas.hsds(service, "service.json") == []
    tables = exporter.export_hsds_tables()
    for row in tables["services.csv"]:
        flat = {k: v for k, v in row.items() if not isinstance(v, list | dict)}
        assert schemas.hsds(flat, "service.json") == []
    for row in tables["organizations.csv"]:
        flat = {k: v for k, v in row.items() if not isinstance(v, list | dict)}
        assert schemas.hsds(flat, "organization.json") == []


def test_export_is_audited(ctx, directory):
    from navigator.audit import AuditEvent

    exporter.export_hsds_zip(actor_id=None)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "directory.export" in actions
