"""Provision is cached between gap maps, and any change to the directory shows at once."""
from __future__ import annotations

from datetime import UTC, datetime

from navigator.reports import queries, services
from navigator.reports.periods import default_period
from tests.reports.helpers import CORNWALL, make_service


def _cornwall(need="accommodation"):
    view = services.build_gap_map(need, None, "la", default_period(datetime.now(UTC).date()), 5)
    return next(row for row in view.layer.rows if row.code == CORNWALL)


def test_a_repeated_gap_map_reuses_the_providers_footprints(gap_data, monkeypatch):
    first = _cornwall()
    calls = []
    real = queries.load_footprints
    monkeypatch.setattr(queries, "load_footprints", lambda *a, **k: calls.append(1) or real(*a, **k))
    again = _cornwall()
    assert calls == []
    assert (again.services_in_area, again.provision_weighted) == (first.services_in_area,
                                                                  first.provision_weighted)


def test_a_new_service_and_a_changed_need_show_on_the_next_map(gap_data):
    from navigator.directory import services as directory

    before = _cornwall()
    service_id = make_service("Harbour Housing", "TR1", ["accommodation"])
    added = _cornwall()
    assert added.services_in_area == before.services_in_area + 1
    assert added.provision_weighted > before.provision_weighted

    # Only the service's terms change (child rows): the map must still notice.
    service = directory.update_service(service_id, {"need": ["finance"]}, None, actor_id=None)
    assert service.id == service_id
    moved = _cornwall()
    assert moved.services_in_area == before.services_in_area
    assert _cornwall("finance").services_in_area >= 1
