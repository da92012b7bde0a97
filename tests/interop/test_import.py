"""Importing Open Referral feeds: repairs, rejections, idempotence, per-record transactions."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from navigator.directory.interop.importer import default_source_name, import_feed, import_records
from navigator.directory.models import Location, Organisation, Service
from navigator.directory.vocab import GeocodeStatus
from navigator.errors import ValidationError
from navigator.extensions import db
from tests.interop.conftest import feed


def _v3_service(service_id: str, name: str, **extra) -> dict:
    record = {
        "id": service_id, "name": name, "status": "active",
        "description": "<p>Help with <strong>housing</strong> &amp; benefits.</p><script>alert(1)</script>",
        "url": "www.example.org/help", "email": "help@example.org",
        "organization": {"id": "org-1", "name": "Example Trust", "description": "A charity",
                         "website": "http:www.example.org"},
        "service_at_locations": [{"id": f"sal-{service_id}", "location": {
            "id": "loc-1", "location_type": "physical", "name": "Main office",
            "addresses": [{"id": "a1", "address_1": "1 Bridge Street", "city": "Walsall",
                           "postal_code": "ws11aa", "state_province": "", "country": "GB",
                           "address_type": "physical"}]}}],
        "attributes": [
            {"id": "x1", "taxonomy_term": {"id": "t-1", "name": "Homeless", "taxonomy": "Audience",
                                            "description": ""}},
            {"id": "x2", "taxonomy_term": {"id": "t-2", "name": "Knitting", "taxonomy": "Hobbies",
                                            "description": ""}},
        ],
        "languages": [{"id": "l1", "name": "Polish", "code": "pl"}],
        "schedules": [{"id": "s1", "byday": "MO,WE", "opens_at": "09:30:00", "closes_at": "16:00:00"}],
        "contacts": [{"id": "c1", "name": "Ann Person", "phones": [{"number": "07700 900000"}]},
                     {"id": "c2", "phones": [{"number": "01922 650000"}]}],
        "assurer_email": "someone.personal@example.org",
    }
    record.update(extra)
    return record


def _import(records, source="test-feed", fmt="oruk-v3"):
    return import_records(records, fmt, source, None)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_v3_record_is_imported_cleaned_and_marked_for_verification(ctx, districts):
    report = _import([_v3_service("svc-1", "Housing Help")])
    assert (report.records, report.created, report.rejected) == (1, 1, 0)
    service = db.session.scalar(select(Service).where(Service.source_id == "svc-1"))
    assert service.source == "test-feed" and service.last_verified_at is None
    assert service.description == "Help with housing & benefits."
    assert "alert" not in service.description
    assert service.url == "https://www.example.org/help"
    assert service.organisation.website == "http://www.example.org"
    assert service.organisation.source == "test-feed"
    assert [(s.byday, s.opens_at.isoformat()) for s in service.schedules] == [
        ("MO", "09:30:00"), ("WE", "09:30:00")]
    assert [lang.name for lang in service.languages] == ["Polish"]
    # A named contact's own number is personal data: only the unnamed service line comes in.
    assert [p.number for p in service.phones] == ["01922 650000"]
    terms = {a.taxonomy_term_id for a in service.attributes}
    assert "need:accommodation" in terms  # "Homeless" maps onto our need category
    assert "imported:audience-homeless" in terms and "imported:hobbies-knitting" in terms
    location = service.locations[0]
    assert location.address.postal_code == "WS1 1AA"
    assert location.geocode_status != GeocodeStatus.UNRESOLVED and location.outcode == "WS1"
    outcome = report.outcomes[0]
    assert "HTML description sanitised to text" in outcome.notes
    assert "link repaired (https:// added)" in outcome.notes
    assert "someone.personal" not in json.dumps([o.notes for o in report.outcomes])


def test_reimport_updates_and_never_duplicates(ctx, districts):
    first = _import([_v3_service("svc-1", "Housing Help"), _v3_service("svc-2", "Debt Advice")])
    assert first.created == 2
    again = _import([_v3_service("svc-1", "Housing Help"), _v3_service("svc-2", "Debt Advice")])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = _import([_v3_service("svc-1", "Housing Help and Advice"),
                       _v3_service("svc-2", "Debt Advice")])
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert _count(Service) == 2 and _count(Organisation) == 1 and _count(Location) == 1
    names = set(db.session.scalars(select(Service.name)))
    assert names == {"Housing Help and Advice", "Debt Advice"}


def test_a_navigator_verified_listing_goes_back_to_the_queue_only_when_the_source_changes(ctx, districts):
    from navigator.directory import services as curation

    _import([_v3_service("svc-1", "Housing Help")])
    service_id = db.session.scalar(select(Service.id))
    curation.verify_service(service_id, None)
    _import([_v3_service("svc-1", "Housing Help")])
    assert db.session.get(Service, service_id).last_verified_at is not None
    _import([_v3_service("svc-1", "Housing Help", description="New text")])
    assert db.session.get(Service, service_id).last_verified_at is None


def test_bad_records_are_rejected_alone_and_reported(ctx, districts):
    records = [
        _v3_service("ok-1", "Good One"),
        _v3_service("bad-1", "   "),
        "not even an object",
        _v3_service("", "No Id"),
        _v3_service("ok-1", "Same id again"),
        _v3_service("ok-2", "Good Two", email="not an email", url="javascript:alert(1)"),
    ]
    report = _import(records)
    assert report.records == 6
    assert report.imported + report.rejected == report.records
    assert (report.created, report.rejected) == (2, 4)
    reasons = {o.index: o.notes[-1] for o in report.rejected_outcomes}
    assert reasons[2] == "empty name"
    assert reasons[3] == "not a service object"
    assert "no id" in reasons[4]
    assert "duplicate" in reasons[5]
    good_two = db.session.scalar(select(Service).where(Service.source_id == "ok-2"))
    assert good_two.email is None and good_two.url is None
    notes = next(o for o in report.outcomes if o.source_id == "ok-2").notes
    assert any("email address" in n and "dropped" in n for n in notes)
    assert any("not a web address" in n for n in notes)


def test_a_record_failing_midway_leaves_nothing_half_written(ctx, districts, monkeypatch):
    from navigator.directory.interop import importer

    original = importer._Run._locations

    def explode(self, service, org, raw, notes, changed):
        if service.source_id == "boom":
            original(self, service, org, raw, notes, changed)
            raise RuntimeError("disk on fire")
        return original(self, service, org, raw, notes, changed)

    monkeypatch.setattr(importer._Run, "_locations", explode)
    boom = _v3_service("boom", "Explodes")
    boom["organization"] = {"id": "org-boom", "name": "Boom Org"}
    boom["service_at_locations"][0]["location"]["id"] = "loc-boom"
    report = _import([_v3_service("a", "Before"), boom, _v3_service("b", "After")])
    assert (report.created, report.rejected) == (2, 1)
    assert report.rejected_outcomes[0].notes == ["could not be saved (RuntimeError)"]
    assert db.session.scalar(select(Service).where(Service.source_id == "boom")) is None
    assert db.session.scalar(select(Organisation).where(Organisation.source_id == "org-boom")) is None
    assert db.session.scalar(select(Location).where(Location.source_id == "loc-boom")) is None
    assert set(db.session.scalars(select(Service.name))) == {"Before", "After"}


def test_a_service_without_location_is_flagged_unresolved(ctx):
    record = {"id": "v1-1", "name": "Drop-in", "description": "Tea", "status": "active",
              "url": "", "email": "", "deliverable_type": "Social activity",
              "pc_targetAudience": [{"id": "Bereaved", "audienceType": "Bereaved "}],
              "organization": {"id": "o1", "name": "Church Hall"}}
    report = _import([record], fmt="oruk-v1")
    assert report.flagged == 1
    service = db.session.scalar(select(Service))
    [location] = service.locations
    assert location.geocode_status == GeocodeStatus.UNRESOLVED
    assert location.name == "Church Hall"
    terms = {a.taxonomy_term.name for a in service.attributes}
    assert {"Audience: Bereaved", "Delivery: Social activity", "Bereavement and trauma"} <= terms


def test_long_values_are_shortened_not_fatal_on_either_database(ctx):
    record = _v3_service("long", "N" * 400)
    record["contacts"] = [{"phones": [{"number": "Call our team on 0117 000 0000 between 9 and 5"}]}]
    record["service_at_locations"] = []
    report = _import([record])
    assert report.created == 1
    assert any("shortened" in n for n in report.outcomes[0].notes)
    assert any("too long" in n for n in report.outcomes[0].notes)
    assert len(db.session.scalar(select(Service.name))) == 255


def test_unreadable_files_are_refused_with_a_message(ctx, tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    with pytest.raises(ValidationError) as error:
        import_feed(str(bad))
    assert "not valid JSON" in str(error.value)
    with pytest.raises(ValidationError):
        import_feed(str(tmp_path / "missing.json"))
    odd = tmp_path / "odd.json"
    odd.write_text('{"hello": "world"}')
    with pytest.raises(ValidationError):
        import_feed(str(odd))


def test_default_source_name_ignores_the_snapshot_date():
    assert default_source_name("/x/bristol_council_oruk_services_2024-12.json") == \
        default_source_name("/y/bristol_council_oruk_services_2025-01.json")
    assert default_source_name("https://bristol.openplace.directory/o/x/v3") == \
        "bristol.openplace.directory"


class _FeedHandler(BaseHTTPRequestHandler):
    pages = {}

    def do_GET(self):  # noqa: N802 - http.server's name
        page = 2 if "page=2" in self.path else 1
        body = json.dumps(self.pages[page]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_import_from_a_url_follows_oruk_paging(ctx, districts):
    def page(n, items, last):
        return {"total_items": 2, "total_pages": 2, "page_number": n, "size": 1, "first_page": n == 1,
                "last_page": last, "empty": False, "contents": items}

    _FeedHandler.pages = {1: page(1, [_v3_service("p1", "Page One")], False),
                          2: page(2, [_v3_service("p2", "Page Two")], True)}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FeedHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        report = import_feed(f"http://127.0.0.1:{server.server_port}/services?per_page=1")
    finally:
        server.shutdown()
    assert report.created == 2 and report.source == "127.0.0.1"


def test_hsds_example_datapackage_imports(ctx, districts):
    folder = feed("../hsds_3.0/examples/csv")
    report = import_feed(str(folder), source="hsds-example")
    assert report.created == 1 and report.rejected == 0
    service = db.session.scalar(select(Service))
    assert service.name == "Community Counselling"
    # The example's coordinates (100, 101) are impossible: dropped, and the place flagged.
    assert any("out of range" in n for n in report.outcomes[0].notes)


@pytest.mark.parametrize("name, records", [
    ("bristol_council_oruk_services_2024-12.json", 819),
    ("north_lincolnshire_council_oruk_services_2024-12.json", 738),
])
def test_real_council_feeds_import_completely_and_idempotently(ctx, name, records):
    path = feed(name)
    report = import_feed(str(path))
    assert report.records == records
    assert report.imported + report.rejected == records
    assert report.imported > 0.95 * records
    assert _count(Service) == report.created == report.imported
    for outcome in report.rejected_outcomes:
        assert outcome.notes, "every rejection has a reason"
    again = import_feed(str(path))
    assert again.created == 0 and again.updated == 0
    assert again.unchanged == report.imported
    assert _count(Service) == report.imported
    descriptions = db.session.scalars(select(Service.description)).all()
    assert not any("<p>" in d or "&nbsp;" in d for d in descriptions)
