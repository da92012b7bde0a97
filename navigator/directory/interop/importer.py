"""Import of Open Referral listings (ORUK 3.0, ORUK v1, HSDS 3.0 CSV) into the directory.

Rules the navigator can rely on:
- Idempotent: organisations, services and locations are keyed on (source, source_id), so
  importing the same feed again updates what changed and never duplicates.
- Transactional per record: each service is written inside its own SAVEPOINT; a bad record
  is rolled back whole and reported, and never stops the others.
- Everything repaired or rejected is in the report, with the reason.
- Imported listings carry their source and enter the verification queue
  (last_verified_at is empty until a navigator checks them; a changed listing goes back).
- Nothing about people is imported: no named contacts, no assurer emails.

Taxonomy terms: terms from our own vocabularies (by published UUID, internal id or
taxonomy name + code) map straight on. Other terms are kept, not lost: each becomes a term
of our "imported" taxonomy ("Audience: Homeless") attached to the service, so it is
searchable, exported again, and can be mapped by a navigator later. A few unambiguous
words ("homeless", "drug", "bereave", ...) also add the matching need category.

A service with no location gets its organisation's "address not known" location, flagged
unresolved, so that it shows in the places-to-fix list rather than silently off the map.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from sqlalchemy import select

from navigator import audit
from navigator.directory.interop import formats
from navigator.directory.interop.formats import FeedError
from navigator.directory.interop.hsds import IMPORTED_TAXONOMY, taxonomy_uuid, term_uuid
from navigator.directory.interop.sanitise import (
    clean_email,
    clean_line,
    clean_url,
    html_to_text,
    slugify,
)
from navigator.directory.models import (
    Address,
    Attribute,
    Language,
    Location,
    Organisation,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from navigator.directory.vocab import (
    LANGUAGE_NAMES,
    TAXONOMIES,
    WEEKDAYS,
    AreaType,
    GeocodeStatus,
    ReferralRoute,
    ServiceStatus,
)
from navigator.errors import ValidationError
from navigator.extensions import db

log = logging.getLogger(__name__)

BATCH = 200
MAX_REPORTED = 5000

# Words in a feed's own taxonomy terms that unambiguously mean one of our need categories.
NEED_KEYWORDS: list[tuple[re.Pattern, str]] = [
    (re.compile(p, re.IGNORECASE), term) for p, term in [
        (r"homeless|housing|accommodation|tenan", "need:accommodation"),
        (r"employ|\bjobs?\b|training|education|skills", "need:ete"),
        (r"mental health|wellbeing|well-being", "need:mental-health"),
        (r"\bdrugs?\b|alcohol|substance|addiction", "need:drugs-alcohol"),
        (r"\bdebt|benefits|money advice|financ", "need:finance"),
        (r"bereave|grief|trauma", "need:bereavement-trauma"),
        (r"domestic (abuse|violence)", "need:domestic-abuse"),
        (r"immigra|asylum|legal advice", "need:immigration-legal"),
        (r"mentor|peer support", "need:mentoring"),
        (r"\bsports?\b|\barts?\b|physical activity|music|drama", "need:sport-arts"),
        (r"\bfaith\b|church|mosque|gurdwara|temple|synagogue", "need:faith"),
        (r"\bwomen\b|\bwomen's\b", "need:womens-services"),
        (r"refugee|asylum", "community:refugees"),
        (r"gypsy|traveller", "community:white-gypsy-traveller"),
    ]
]
V1_TERM_FIELDS = {"deliverable_type": "Delivery", "attending_type": "Attending",
                  "attending_access": "Access"}
STATUS_VALUES = {s.value for s in ServiceStatus}
WEEKDAY_CODES = {code for code, _ in WEEKDAYS}
DAY_NAMES = {name.lower(): code for code, name in WEEKDAYS}


class RecordRejected(ValueError):
    """This record cannot be imported; the message says why."""


@dataclass
class RecordOutcome:
    index: int
    source_id: str
    name: str
    result: str  # created | updated | unchanged | rejected
    notes: list[str] = field(default_factory=list)  # repairs (or the rejection reason)
    flags: list[str] = field(default_factory=list)  # imported, but a navigator must finish it
    service_id: str = ""


@dataclass
class ImportReport:
    """What an import did, record by record, in words a navigator can act on."""

    source: str
    format: str = ""
    records: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    outcomes: list[RecordOutcome] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)
    service_ids: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    repaired: int = 0  # imported records with at least one repair
    flagged: int = 0  # imported records with a location left unresolved

    @property
    def rejected_outcomes(self) -> list[RecordOutcome]:
        return [o for o in self.outcomes if o.result == "rejected"]

    @property
    def repaired_outcomes(self) -> list[RecordOutcome]:
        return [o for o in self.outcomes if o.result != "rejected" and (o.notes or o.flags)]

    def summary(self) -> str:
        return (f"{self.records} records: {self.imported} imported ({self.created} new, "
                f"{self.updated} updated, {self.unchanged} unchanged), {self.repaired} repaired, "
                f"{self.flagged} flagged for geocoding, {self.rejected} rejected")


# --- entry points (service functions) --------------------------------------------------

def import_feed(path_or_url: str, source: str | None = None, actor_id: int | None = None,
                progress: Callable[[int], None] | None = None, http_session=None) -> ImportReport:
    """Import a feed from a local path (file or folder) or an http(s) URL.

    Raises ValidationError when the feed cannot be read at all; bad records never raise,
    they are reported.
    """
    try:
        if path_or_url.lower().startswith(("http://", "https://")):
            fmt, records = formats.fetch_url(path_or_url, session=http_session)
        else:
            fmt, records = formats.read_path(path_or_url)
    except FeedError as exc:
        raise ValidationError(str(exc), {"source": [str(exc)]}) from exc
    return import_records(records, fmt, source or default_source_name(path_or_url), actor_id, progress)


def import_upload(filename: str, data: bytes, source: str | None, actor_id: int | None) -> ImportReport:
    """Import an uploaded file (JSON, CSV or zipped HSDS datapackage). Raises ValidationError."""
    if not data:
        raise ValidationError("There is a problem", {"feed": ["The selected file is empty"]})
    try:
        fmt, records = formats.detect_and_read(data, filename or "")
    except FeedError as exc:
        raise ValidationError("There is a problem", {"feed": [str(exc)]}) from exc
    return import_records(records, fmt, source or default_source_name(filename or "upload"), actor_id)


def default_source_name(path_or_url: str) -> str:
    """A stable name for a feed: the web host, or the file name without its date."""
    text = path_or_url.strip()
    if text.lower().startswith(("http://", "https://")):
        from urllib.parse import urlsplit

        return (urlsplit(text).hostname or "web")[:200]
    stem = Path(text.rstrip("/")).stem.lower()
    # Monthly snapshots of one feed must share a source, or re-imports would duplicate.
    stem = re.sub(r"[_\-. ]*\d{4}([_\-.]\d{1,2}){0,2}$", "", stem)
    return (slugify(stem, 200) if stem else "upload")


def import_records(records: list, fmt: str, source: str, actor_id: int | None,
                   progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import already-read records; one SAVEPOINT per record, a commit every BATCH records."""
    source = clean_line(source, 200)[0] or "import"
    report = ImportReport(source=source, format=fmt, records=len(records))
    _ensure_imported_taxonomy()
    run = _Run(source, actor_id)
    seen: set[str] = set()
    for index, raw in enumerate(records, start=1):
        outcome = RecordOutcome(index=index, source_id="", name="", result="rejected")
        try:
            with db.session.begin_nested():
                run.import_one(raw, outcome, seen)
        except RecordRejected as exc:
            _reject(outcome, str(exc))
        except Exception as exc:  # noqa: BLE001 - one broken record must not stop the import
            log.warning("import record %d rejected: %s", index, exc.__class__.__name__)
            _reject(outcome, f"could not be saved ({exc.__class__.__name__})")
        _tally(report, outcome)
        if index % BATCH == 0:
            db.session.commit()
        if progress:
            progress(1)
    audit.record(db.session, actor_id, "directory.import", "source", source, format=fmt,
                 records=report.records, created=report.created, updated=report.updated,
                 unchanged=report.unchanged, rejected=report.rejected)
    db.session.commit()
    _reindex(report.service_ids)
    return report


def _reject(outcome: RecordOutcome, reason: str) -> None:
    # Repairs made before the failure were rolled back with the record: only the reason stays.
    outcome.result = "rejected"
    outcome.notes[:] = [reason]
    outcome.flags.clear()
    outcome.service_id = ""


def _tally(report: ImportReport, outcome: RecordOutcome) -> None:
    setattr(report, outcome.result, getattr(report, outcome.result) + 1)
    if outcome.result in ("created", "updated"):
        report.service_ids.append(outcome.service_id)
    if outcome.result == "rejected":
        report.reasons["rejected: " + _reason_key(outcome.notes[-1])] += 1
    else:
        report.repaired += bool(outcome.notes)
        report.flagged += bool(outcome.flags)
        for note in outcome.notes + outcome.flags:
            report.reasons[_reason_key(note)] += 1
    if (outcome.notes or outcome.flags or outcome.result == "rejected") and len(
            report.outcomes) < MAX_REPORTED:
        report.outcomes.append(outcome)


def _reason_key(note: str) -> str:
    """Group similar notes ("link 'x' ... dropped") under one heading for the summary."""
    return re.sub(r"'[^']*'|\"[^\"]*\"", "…", note)


def _reindex(service_ids: list[str]) -> None:
    if not service_ids:
        return
    try:
        from navigator.directory.search import reindex_services
    except ImportError:
        log.warning("search not available; %d imported services await a rebuild", len(service_ids))
        return
    try:
        reindex_services(service_ids)
    except Exception:  # noqa: BLE001 - the index is disposable; never fail an import over it
        log.exception("reindex after import failed")


def _ensure_imported_taxonomy() -> None:
    if db.session.get(Taxonomy, IMPORTED_TAXONOMY) is None:
        db.session.add(Taxonomy(
            id=IMPORTED_TAXONOMY, name="Imported terms", version="1",
            description="Terms from other directories' taxonomies that Navigator's own "
                        "vocabularies do not cover; kept so they can be searched and mapped."))
        db.session.commit()


# --- one record ------------------------------------------------------------------------

def _s(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return ""
    return str(value).strip()


def _fit(model, column: str, value: str | None, notes: list[str], label: str) -> str | None:
    """Shorten to the column's length (PostgreSQL refuses longer strings), noting it."""
    if value is None:
        return None
    length = getattr(model.__table__.c[column].type, "length", None)
    if length and len(value) > length:
        notes.append(f"{label} shortened to {length} characters")
        return value[:length]
    return value


def _set(obj, name: str, value, changed: list[bool]) -> None:
    if getattr(obj, name) != value:
        setattr(obj, name, value)
        changed[0] = True


class _Run:
    """State shared by the records of one import: the source and term lookups."""

    def __init__(self, source: str, actor_id: int | None):
        self.source = source
        self.actor_id = actor_id
        self.known_terms: dict[str, str] = {}
        for term in db.session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.taxonomy_id.in_(
                list(TAXONOMIES)))):
            self.known_terms[term.id] = term.id
            self.known_terms[term_uuid(term.id)] = term.id
            self.known_terms[f"{term.taxonomy_id}|{term.code}"] = term.id
        self.taxonomy_names = {name.lower(): key for key, (name, _terms) in TAXONOMIES.items()}
        self.taxonomy_names.update({key: key for key in TAXONOMIES})
        self.taxonomy_names.update({taxonomy_uuid(key): key for key in TAXONOMIES})

    # -- the record --
    def import_one(self, raw, outcome: RecordOutcome, seen: set[str]) -> None:
        if not isinstance(raw, dict):
            raise RecordRejected("not a service object")
        self.outcome = outcome
        notes = outcome.notes
        source_id = _s(raw.get("id"))
        outcome.source_id = source_id[:200]
        name, name_notes = clean_line(raw.get("name"))
        outcome.name = name[:120]
        if not source_id:
            raise RecordRejected("no id, so it could not be matched when the feed is imported again")
        if len(source_id) > 200:
            raise RecordRejected("id longer than 200 characters")
        if not name:
            raise RecordRejected("empty name")
        if source_id in seen:
            raise RecordRejected("the same id appears earlier in this file (duplicate record)")
        seen.add(source_id)
        notes.extend(f"name: {n}" for n in name_notes)
        name = _fit(Service, "name", name, notes, "name")

        org = self._organisation(raw.get("organization"), notes)
        service = db.session.scalar(select(Service).where(
            Service.source == self.source, Service.source_id == source_id))
        creating = service is None
        changed = [False]
        if creating:
            service = Service(source=self.source, source_id=source_id, organisation=org, name=name,
                              created_by_id=self.actor_id, updated_by_id=self.actor_id,
                              last_verified_at=None)
            db.session.add(service)
        else:
            _set(service, "organization_id", org.id, changed)
        _set(service, "name", name, changed)
        description, was_html = html_to_text(raw.get("description"))
        if was_html:
            notes.append("HTML description sanitised to text")
        _set(service, "description", description, changed)
        alternate, _ = clean_line(raw.get("alternate_name"))
        _set(service, "alternate_name", _fit(Service, "alternate_name", alternate or None, notes,
                                             "alternate name"), changed)
        url, note = clean_url(raw.get("url"))
        if note:
            notes.append(note)
        _set(service, "url", url, changed)
        email, note = clean_email(raw.get("email"))
        if note:
            notes.append(note)
        _set(service, "email", email, changed)
        status = _s(raw.get("status")).lower() or "active"
        if status not in STATUS_VALUES:
            notes.append(f"unknown status '{status[:40]}' treated as active")
            status = "active"
        _set(service, "status", ServiceStatus(status), changed)
        for key, target in (("application_process", "application_process"),
                            ("eligibility_description", "eligibility_description"),
                            ("fees_description", "fees_description"),
                            ("interpretation_services", "interpretation_services")):
            text, _ = html_to_text(raw.get(key))
            if key == "fees_description" and not text:
                text, _ = html_to_text(raw.get("fees"))
            _set(service, target, text or None, changed)
        route = self._referral_route(raw)
        if route is not None:
            _set(service, "referral_route", route, changed)

        db.session.flush()
        self._phones(service, raw, notes, changed)
        self._schedules(service, raw, notes, changed)
        self._languages(service, raw, notes, changed)
        self._areas(service, raw, notes, changed)
        self._attributes(service, raw, notes, changed)
        self._locations(service, org, raw, notes, changed)

        if creating:
            outcome.result = "created"
        elif changed[0]:
            outcome.result = "updated"
            # A listing the source changed must be checked again before it is trusted.
            service.last_verified_at = None
            service.updated_by_id = self.actor_id
        else:
            outcome.result = "unchanged"
        db.session.flush()
        outcome.service_id = service.id

    # -- organisation --
    def _organisation(self, raw, notes: list[str]) -> Organisation:
        raw = raw if isinstance(raw, dict) else {}
        name, _ = clean_line(raw.get("name"))
        org_source_id = _s(raw.get("id"))[:200]
        if not name:
            name = f"Organisation not named ({self.source})"[:255]
            org_source_id = org_source_id or "unnamed-organisation"
            notes.append("no organisation given: filed under a placeholder organisation to fix")
        if not org_source_id:
            org_source_id = "name:" + slugify(name, 190)
        name = _fit(Organisation, "name", name, notes, "organisation name")
        org = db.session.scalar(select(Organisation).where(
            Organisation.source == self.source, Organisation.source_id == org_source_id))
        if org is None:
            org = Organisation(source=self.source, source_id=org_source_id, name=name,
                               created_by_id=self.actor_id, updated_by_id=self.actor_id)
            db.session.add(org)
        changed = [False]
        _set(org, "name", name, changed)
        description, _ = html_to_text(raw.get("description"))
        _set(org, "description", description, changed)
        website, note = clean_url(raw.get("website") or raw.get("url"))
        if note:
            notes.append("organisation " + note)
        _set(org, "website", website, changed)
        email, note = clean_email(raw.get("email"))
        if note:
            notes.append("organisation " + note)
        _set(org, "email", email, changed)
        for identifier in raw.get("organization_identifiers") or []:
            if isinstance(identifier, dict) and _s(identifier.get("identifier_scheme")) == "GB-CHC":
                _set(org, "charity_number", _s(identifier.get("identifier"))[:20] or None, changed)
        if changed[0]:
            org.updated_by_id = self.actor_id
        db.session.flush()
        return org

    @staticmethod
    def _referral_route(raw) -> ReferralRoute | None:
        access = _s(raw.get("attending_access")).lower()
        if access == "self referral":
            return ReferralRoute.SELF
        if access == "professional referral":
            return ReferralRoute.PRACTITIONER
        return None

    # -- children: replaced only when the feed provides them --
    def _phones(self, service: Service, raw, notes, changed) -> None:
        rows = []
        for phone in _list(raw.get("phones")):
            rows.append(phone)
        for contact in _list(raw.get("contacts")):
            # A named contact's number may be a person's own line: least data, skip it.
            if isinstance(contact, dict) and not _s(contact.get("name")):
                rows.extend(_list(contact.get("phones")))
        if not rows:
            return
        wanted = []
        for phone in rows:
            if not isinstance(phone, dict):
                continue
            number, _ = clean_line(phone.get("number"))
            if not number:
                continue
            if len(number) > 40:
                notes.append(f"phone number '{number[:40]}…' too long: dropped")
                continue
            wanted.append((number, _s(phone.get("extension"))[:10] or None,
                           _s(phone.get("type"))[:20] or None,
                           clean_line(phone.get("description"), 255)[0] or None))
        current = [(p.number, p.extension, p.type, p.description) for p in service.phones]
        if wanted != current:
            service.phones.clear()
            for number, extension, kind, description in wanted:
                service.phones.append(Phone(number=number, extension=extension, type=kind,
                                            description=description,
                                            organization_id=service.organization_id))
            changed[0] = True

    def _schedules(self, service: Service, raw, notes, changed) -> None:
        rows = _list(raw.get("schedules")) or _list(raw.get("regular_schedules"))
        if not rows:
            return
        wanted = []
        for row in rows:
            if not isinstance(row, dict):
                continue
            days = [d.strip().upper() for d in _s(row.get("byday")).split(",") if d.strip()]
            weekday = _s(row.get("weekday")).lower()
            if weekday in DAY_NAMES:
                days.append(DAY_NAMES[weekday])
            opens, closes = _time(row.get("opens_at")), _time(row.get("closes_at"))
            description = clean_line(row.get("description"), 255)[0] or None
            for day in days:
                day = re.sub(r"^[+-]?\d+", "", day)  # "1MO" (first Monday) keeps the day only
                if day not in WEEKDAY_CODES:
                    notes.append(f"opening day '{day[:10]}' not understood: dropped")
                    continue
                wanted.append((day, opens, closes, description))
        current = [(s.byday, s.opens_at, s.closes_at, s.description) for s in service.schedules]
        if wanted != current:
            service.schedules.clear()
            for day, opens, closes, description in wanted:
                service.schedules.append(Schedule(byday=day, opens_at=opens, closes_at=closes,
                                                  description=description))
            changed[0] = True

    def _languages(self, service: Service, raw, notes, changed) -> None:
        rows = _list(raw.get("languages"))
        wanted = []
        for row in rows:
            if isinstance(row, str):
                row = {"name": row}
            if not isinstance(row, dict):
                continue
            code = _s(row.get("code")).lower()[:8] or None
            name = clean_line(row.get("name") or row.get("language"), 80)[0]
            if not name and code:
                name = LANGUAGE_NAMES.get(code, code)
            if name:
                wanted.append((name, code, clean_line(row.get("note"), 255)[0] or None))
        if not wanted:
            return
        current = [(lang.name, lang.code, lang.note) for lang in service.languages]
        if sorted(wanted, key=str) != sorted(current, key=str):
            service.languages.clear()
            for name, code, note in wanted:
                service.languages.append(Language(name=name, code=code, note=note))
            changed[0] = True

    def _areas(self, service: Service, raw, notes, changed) -> None:
        rows = _list(raw.get("service_areas"))
        wanted = []
        for row in rows:
            if not isinstance(row, dict):
                continue
            name = clean_line(row.get("name") or row.get("service_area"), 255)[0]
            if not name:
                continue
            extent_type = _s(row.get("extent_type")).lower()
            kind = AreaType(extent_type) if extent_type in {a.value for a in AreaType} else (
                AreaType.NATIONAL if re.search(r"national|england|wales|united kingdom|\buk\b",
                                               name, re.IGNORECASE) else AreaType.LOCAL_AUTHORITY)
            uri, _ = clean_url(row.get("uri"))
            description = html_to_text(row.get("description"))[0] or None
            lad = _s(row.get("extent"))
            lad = lad if re.fullmatch(r"[EWSN]\d{8}", lad) else None
            wanted.append((name, description, kind, lad, uri))
        if not wanted:
            return
        current = [(a.name, a.description, a.extent_type, a.lad_code, a.uri) for a in service.service_areas]
        if wanted != current:
            service.service_areas.clear()
            for name, description, kind, lad, uri in wanted:
                service.service_areas.append(ServiceArea(name=name, description=description,
                                                         extent_type=kind, lad_code=lad, uri=uri))
            changed[0] = True

    # -- taxonomy terms --
    def _attributes(self, service: Service, raw, notes, changed) -> None:
        found: dict[str, str | None] = {}
        for row in _list(raw.get("attributes")):
            if isinstance(row, dict):
                term = row.get("taxonomy_term") if isinstance(row.get("taxonomy_term"), dict) else {
                    "id": row.get("taxonomy_term_id")}
                value = clean_line(row.get("value"), 255)[0] or None
                for term_id in self._term_ids(term, _s(row.get("link_type"))):
                    found.setdefault(term_id, value)
        for row in _list(raw.get("service_taxonomys")):  # ORUK v1
            if isinstance(row, dict) and isinstance(row.get("taxonomy"), dict):
                tax = row["taxonomy"]
                for term_id in self._term_ids({"id": tax.get("id"), "name": tax.get("name"),
                                               "taxonomy": tax.get("vocabulary")}, ""):
                    found.setdefault(term_id, None)
        for row in _list(raw.get("pc_targetAudience")):  # ORUK v1 (Placecube)
            if isinstance(row, dict):
                for term_id in self._term_ids({"name": row.get("audienceType") or row.get("id"),
                                               "taxonomy": "Audience"}, ""):
                    found.setdefault(term_id, None)
        for key, label in V1_TERM_FIELDS.items():
            for value in _s(raw.get(key)).split(","):
                if value.strip():
                    for term_id in self._term_ids({"name": value, "taxonomy": label}, ""):
                        found.setdefault(term_id, None)
        existing = {a.taxonomy_term_id: a for a in service.attributes}
        for term_id, value in found.items():
            if term_id not in existing:
                service.attributes.append(Attribute(taxonomy_term_id=term_id, value=value))
                changed[0] = True
        # Imported terms the source no longer lists go; our own vocabulary stays, since a
        # navigator may have added it.
        for term_id, attribute in existing.items():
            if term_id.startswith(IMPORTED_TAXONOMY + ":") and term_id not in found:
                service.attributes.remove(attribute)
                changed[0] = True

    def _term_ids(self, term: dict, link_type: str) -> list[str]:
        term_id = _s(term.get("id"))
        if term_id in self.known_terms:
            return [self.known_terms[term_id]]
        name = clean_line(term.get("name") or term.get("term") or term.get("code"), 200)[0]
        detail = term.get("taxonomy_detail") if isinstance(term.get("taxonomy_detail"), dict) else {}
        taxonomy_label = clean_line(term.get("taxonomy") or detail.get("name") or link_type, 60)[0]
        taxonomy_key = self.taxonomy_names.get(taxonomy_label.lower()) or self.taxonomy_names.get(
            _s(term.get("taxonomy_id")))
        code = _s(term.get("code"))
        if taxonomy_key and f"{taxonomy_key}|{code}" in self.known_terms:
            return [self.known_terms[f"{taxonomy_key}|{code}"]]
        if not name:
            return []
        ids = [target for pattern, target in NEED_KEYWORDS
               if pattern.search(name) and target in self.known_terms]
        ids.append(self._imported_term(taxonomy_label, name))
        return list(dict.fromkeys(ids))

    def _imported_term(self, taxonomy_label: str, name: str) -> str:
        label = f"{taxonomy_label}: {name}" if taxonomy_label and taxonomy_label.lower() != "imported terms" \
            else name
        code = slugify(label, 60)
        term_id = f"{IMPORTED_TAXONOMY}:{code}"
        if db.session.get(TaxonomyTerm, term_id) is None:
            db.session.add(TaxonomyTerm(id=term_id, taxonomy_id=IMPORTED_TAXONOMY, code=code,
                                        name=label[:255], description=""))
            db.session.flush()
        return term_id

    # -- locations --
    def _locations(self, service: Service, org: Organisation, raw, notes, changed) -> None:
        sal_rows = [r for r in _list(raw.get("service_at_locations")) if isinstance(r, dict)]
        wanted: list[tuple[Location, str | None]] = []
        for index, sal in enumerate(sal_rows):
            location_raw = sal.get("location") if isinstance(sal.get("location"), dict) else None
            if location_raw is None:
                notes.append("a service-at-location without its location was skipped")
                continue
            location = self._location(location_raw, org, f"{service.source_id}#{index}", notes, changed)
            wanted.append((location, clean_line(sal.get("description"))[0] or None))
        if not wanted:
            location = self._unplaced_location(org)
            wanted.append((location, None))
            self.outcome.flags.append(
                "no location given: flagged unresolved for geocoding until an address is added")
        wanted_ids = {loc.id for loc, _ in wanted}
        current = {sal.location_id: sal for sal in service.service_at_locations}
        for location, description in wanted:
            if location.id not in current:
                service.service_at_locations.append(ServiceAtLocation(location=location,
                                                                      description=description))
                changed[0] = True
            elif current[location.id].description != description:
                current[location.id].description = description
                changed[0] = True
        for location_id, sal in current.items():
            # Only links this source made are withdrawn; a navigator's own links stay.
            if location_id not in wanted_ids and sal.location.source == self.source:
                service.service_at_locations.remove(sal)
                changed[0] = True

    def _unplaced_location(self, org: Organisation) -> Location:
        key = f"unplaced:{org.source_id}"[:200]
        location = db.session.scalar(select(Location).where(
            Location.source == self.source, Location.source_id == key))
        if location is None:
            location = Location(source=self.source, source_id=key, organisation=org,
                                name=_fit(Location, "name", org.name, [], "name"),
                                description="Address not known: imported without a location",
                                geocode_status=GeocodeStatus.UNRESOLVED,
                                created_by_id=self.actor_id, updated_by_id=self.actor_id)
            db.session.add(location)
            db.session.flush()
        return location

    def _location(self, raw: dict, org: Organisation, fallback_key: str, notes, changed) -> Location:
        key = _s(raw.get("id"))[:200] or fallback_key[:200]
        location = db.session.scalar(select(Location).where(
            Location.source == self.source, Location.source_id == key))
        creating = location is None
        if creating:
            location = Location(source=self.source, source_id=key, organisation=org,
                                created_by_id=self.actor_id, updated_by_id=self.actor_id)
            db.session.add(location)
        place_changed = [creating]
        loc_changed = [False]
        name = clean_line(raw.get("name"), 255)[0] or None
        _set(location, "name", name, loc_changed)
        _set(location, "description", html_to_text(raw.get("description"))[0] or None, loc_changed)
        kind = _s(raw.get("location_type")).lower()
        _set(location, "location_type", kind if kind in ("physical", "postal", "virtual") else "physical",
             loc_changed)
        addresses = [a for a in _list(raw.get("addresses")) + _list(raw.get("physical_addresses"))
                     if isinstance(a, dict)]
        wanted = []
        for address in addresses[:5]:
            postcode = clean_line(address.get("postal_code"), 40)[0]
            normalised = _normalise_postcode(postcode)
            if postcode and normalised is None:
                notes.append(f"postcode '{postcode[:12]}' is not a UK postcode")
            line1 = clean_line(address.get("address_1"), 255)[0]
            city = clean_line(address.get("city"), 120)[0]
            if not (line1 or city or normalised):
                continue
            wanted.append((line1, clean_line(address.get("address_2"), 255)[0] or None, city,
                           clean_line(address.get("region") or address.get("state_province"), 120)[0]
                           or None, normalised or (postcode[:10] or None)))
        current = [(a.address_1, a.address_2, a.city, a.region, a.postal_code) for a in location.addresses]
        if wanted != current:
            location.addresses.clear()
            for line1, line2, city, region, postcode in wanted:
                location.addresses.append(Address(address_1=line1, address_2=line2, city=city,
                                                  region=region, postal_code=postcode, country="GB"))
            place_changed[0] = True
        lat, lon = _coordinate(raw.get("latitude"), -90, 90), _coordinate(raw.get("longitude"), -180, 180)
        if (raw.get("latitude") not in (None, "") and lat is None) or (
                raw.get("longitude") not in (None, "") and lon is None):
            notes.append("location coordinates out of range: dropped")
        if lat is not None and lon is not None and not (49.5 <= lat <= 61.5 and -9 <= lon <= 2.5):
            notes.append("location coordinates outside the UK: dropped")
            lat = lon = None
        before = (location.latitude, location.longitude, location.geocode_status)
        if lat is not None and lon is not None:
            if (location.latitude, location.longitude) != (lat, lon):
                location.latitude, location.longitude = lat, lon
                location.geocode_status = GeocodeStatus.OK
                location.geocode_source = "import"
        elif place_changed[0] or location.geocode_status in (None, GeocodeStatus.UNRESOLVED):
            # Unresolved places are retried: postcode districts may have been loaded since.
            self._geocode(location, wanted)
        if (location.latitude, location.longitude, location.geocode_status) != before:
            loc_changed[0] = True
        if location.geocode_status == GeocodeStatus.UNRESOLVED:
            self.outcome.flags.append(f"location '{(name or 'unnamed')[:60]}' could not be placed "
                                      "on the map: flagged unresolved for geocoding")
        if loc_changed[0] or place_changed[0]:
            changed[0] = True
            location.updated_by_id = self.actor_id
        db.session.flush()
        return location

    @staticmethod
    def _geocode(location: Location, addresses: list[tuple]) -> None:
        postcode = next((a[4] for a in addresses if a[4]), None)
        text = ", ".join(p for p in (addresses[0][:3] if addresses else ()) if p) or None
        try:
            from navigator.directory.geocoding import apply_geocode, geocode
        except ImportError:
            location.geocode_status = GeocodeStatus.UNRESOLVED
            return
        if not (postcode or text):
            location.latitude = location.longitude = None
            location.geocode_status = GeocodeStatus.UNRESOLVED
            return
        # Listing addresses are public facts, so the online geocoders may be asked.
        apply_geocode(location, geocode(postcode, text, allow_online=not location.confidential))


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _time(value) -> time | None:
    text = _s(value)
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?", text)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _coordinate(value, low: float, high: float) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number or not (low <= number <= high):  # NaN or out of range
        return None
    return number


def _normalise_postcode(text: str) -> str | None:
    if not text:
        return None
    try:
        from navigator.directory.geocoding import normalise_postcode
    except ImportError:
        return text.upper()[:10]
    return normalise_postcode(text)

