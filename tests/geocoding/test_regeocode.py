"""`navigator geodata geocode`: flagged locations are placed once districts are loaded."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from navigator.audit import AuditEvent
from navigator.directory import services as directory_services
from navigator.directory.geocoding import FakeGeocoder, set_online_geocoders
from navigator.directory.geocoding.districts import load_postcode_districts
from navigator.directory.geocoding.services import regeocode_locations
from navigator.directory.models import Location
from navigator.directory.vocab import GeocodeStatus
from navigator.extensions import db
from tests import factories
from tests.geocoding.server import RECORDED


def _location(org_id, name, postcode, confidential=False):
    return directory_services.create_location(org_id, {
        "name": name, "address_1": "1 Test Street", "city": "Walsall", "postal_code": postcode,
        "confidential": confidential,
    }, actor_id=None).id


@pytest.fixture
def unplaced(ctx):
    """Two public locations and a refuge saved before any districts were loaded."""
    org = factories.make_organisation()
    ids = [_location(org.id, "Drop-in", "WS1 1AA"), _location(org.id, "Hub", "B15 2TT"),
           _location(org.id, "Refuge", "WS2 9ES", confidential=True)]
    assert {db.session.get(Location, i).geocode_status for i in ids} == {GeocodeStatus.UNRESOLVED}
    return ids


def test_the_command_places_flagged_locations_after_districts_are_loaded(unplaced, runner):
    load_postcode_districts(str(RECORDED / "districts_sample.csv"))

    result = runner.invoke(args=["geodata", "geocode"])

    assert result.exit_code == 0, result.output
    assert "Locations checked: 3; changed: 3" in result.output
    db.session.expire_all()
    drop_in, hub, refuge = (db.session.get(Location, i) for i in unplaced)
    assert drop_in.geocode_status == GeocodeStatus.APPROXIMATE and drop_in.lad_name == "Walsall"
    assert hub.pdu_code == "N52BNES;N52BIRM"
    assert refuge.outcode == "WS2"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "location.geocode")).all()
    assert len(events) == 3
    assert all("latitude" not in (e.detail or "") for e in events)

    again = runner.invoke(args=["geodata", "geocode", "--status", "approximate", "--offline"])
    assert "Locations checked: 3; changed: 0" in again.output


def test_a_refuge_is_never_sent_to_an_online_geocoder(unplaced, ctx):
    load_postcode_districts(str(RECORDED / "districts_sample.csv"))
    ctx.config["GEOCODER_ONLINE"] = True
    fake = FakeGeocoder({"WS1 1AA": (52.5875, -1.9801), "WS2 9ES": (52.59, -2.01)})
    set_online_geocoders(ctx, [fake])

    report = regeocode_locations()

    assert sorted(q.postcode for q in fake.queries) == ["B15 2TT", "WS1 1AA"]  # no WS2 9ES
    assert report.statuses == {"ok": 1, "approximate": 2}
    db.session.expire_all()
    assert db.session.get(Location, unplaced[2]).geocode_status == GeocodeStatus.APPROXIMATE
