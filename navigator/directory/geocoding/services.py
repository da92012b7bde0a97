"""Geocode saved locations again: after the national district table is loaded, or online is on.

Locations stay versioned listings: each change is audited, commits go in batches, and the
search index is refreshed for the services at the changed locations after each commit.
"""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from navigator import audit
from navigator.directory.geocoding import apply_geocode, geocode_many
from navigator.directory.models import Location
from navigator.directory.vocab import GeocodeStatus
from navigator.extensions import db

log = logging.getLogger(__name__)


@dataclass
class RegeocodeReport:
    checked: int = 0
    changed: int = 0
    skipped_in_use: int = 0  # edited by someone else meanwhile: left for the next run
    statuses: Counter = field(default_factory=Counter)


def _same_place(location: Location, result) -> bool:
    return (location.geocode_status == result.status and location.latitude == result.latitude
            and location.longitude == result.longitude and location.lad_code == result.lad_code
            and location.pdu_code == result.pdu_code)


def regeocode_locations(statuses: Iterable[GeocodeStatus] = (GeocodeStatus.UNRESOLVED,), *,
                        allow_online: bool = True, actor_id: int | None = None,
                        batch_size: int = 100) -> RegeocodeReport:
    """Geocode again every location whose status is in `statuses`; returns what changed.

    Confidential locations (refuges) are looked up offline only. A batch that collides with
    a concurrent edit is rolled back and counted in `skipped_in_use`; nothing raises for an
    unresolvable place.
    """
    wanted = [GeocodeStatus(s) for s in statuses]
    ids = db.session.scalars(
        select(Location.id).where(Location.geocode_status.in_(wanted)).order_by(Location.id)
    ).all()
    report = RegeocodeReport()
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size]
        locations = db.session.scalars(
            select(Location).where(Location.id.in_(chunk))
            .options(selectinload(Location.addresses), selectinload(Location.service_at_locations))
        ).all()
        changed = _regeocode_batch(locations, allow_online, actor_id, report)
        service_ids = {sal.service_id for loc in changed for sal in loc.service_at_locations}
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            report.skipped_in_use += len(changed)
            report.changed -= len(changed)
            continue
        _reindex(service_ids)
    return report


def _regeocode_batch(locations, allow_online: bool, actor_id: int | None,
                     report: RegeocodeReport) -> list[Location]:
    placed = [loc for loc in locations if loc.address is not None]
    changed = []
    for confidential in (False, True):
        group = [loc for loc in placed if loc.confidential == confidential]
        if not group:
            continue
        results = geocode_many(
            [(loc.address.postal_code, loc.address.one_line()) for loc in group],
            allow_online=allow_online and not confidential,
        )
        for location, result in zip(group, results, strict=True):
            report.checked += 1
            report.statuses[result.status.value] += 1
            if _same_place(location, result):
                continue
            before = location.geocode_status.value
            apply_geocode(location, result)
            # Status and source only: a refuge's point must not reach the audit log either.
            audit.record(db.session, actor_id, "location.geocode", "location", location.id,
                         geocode_status={"from": before, "to": result.status.value},
                         geocode_source=result.source)
            changed.append(location)
            report.changed += 1
    return changed


def _reindex(service_ids: set[str]) -> None:
    if not service_ids:
        return
    try:
        from navigator.directory.search import reindex_services
    except ImportError:  # search not installed in this build
        log.warning("Search index not updated after geocoding %d services", len(service_ids))
        return
    reindex_services(sorted(service_ids))
