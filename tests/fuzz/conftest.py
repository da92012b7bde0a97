"""A small world of real records for the fuzzer to aim at, and the junk it throws."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from navigator.extensions import db
from tests import factories

# Fixed so a CI failure can be replayed; override to explore (NAVIGATOR_FUZZ_SEED=...).
SEED = int(os.environ.get("NAVIGATOR_FUZZ_SEED", "7207"))
EXAMPLES = int(os.environ.get("NAVIGATOR_FUZZ_EXAMPLES", "5"))

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, print_blob=True,
    suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate, Phase.shrink],
)

NASTY = [
    "\x00", "a\x00b", "\x1b[2J", "\x7f", "\x85", "line\nbreak", "\u202egnp.exe", "مرحبا بالعالم",
    "שלום", "👩🏿‍⚕️🕌", "' OR 1=1 --", "\"; DROP TABLE people; --", "<script>alert(1)</script>",
    "{{ 7*7 }}", "${7*7}", "../../etc/passwd", "%00", "%", "_", "\\", "*", "?", "AND OR NOT",
    "title:(", "\"unbalanced", "-1", "0", "99999999999999999999", "1e309", "NaN", "-0.0",
    "2025-02-30", "1900-01-01", "9999-12-31", "31", "13", "  ", "null", "[]", "{}",
    "00000000-0000-4000-8000-000000000000", "need:", "need:accommodation", "WS1", "ZZ99 9ZZ",
    "x" * 10_000, "\u0000" * 3, "\ufeffBOM", "e\u0301", "İstanbul",
]

junk_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.tuples(st.sampled_from(NASTY), st.text(max_size=8)).map("".join),
)


def value_strategy(form_field):
    """Junk, or a legal value, or a legal value with junk glued on (passes the first check)."""
    choices = [junk_text, st.just("")]
    legal = [o for o in form_field.options if o is not None]
    if legal:
        choices.append(st.sampled_from(legal))
        choices.append(st.tuples(st.sampled_from(legal), st.sampled_from(NASTY)).map("".join))
    one = st.one_of(*choices)
    if form_field.kind == "file":
        return st.one_of(junk_text.map(lambda s: s.encode("utf-8", "surrogatepass")),
                         st.binary(max_size=200),
                         st.just(b'{"items": [{"id": "\\u0000", "name": null}]}'))
    if form_field.multiple:
        return st.lists(one, max_size=4)
    return one


# Tables a rejected submission may still write to: the audit trail of the attempt, lookups cached.
MAY_CHANGE_ON_REJECTION = {"audit_events", "geocode_cache", "zero_result_searches"}


def row_counts() -> dict[str, int]:
    """Every other table's row count, in one round trip."""
    tables = [t for t in db.metadata.sorted_tables if t.name not in MAY_CHANGE_ON_REJECTION]
    sql = " UNION ALL ".join(f"SELECT '{t.name}', COUNT(*) FROM \"{t.name}\"" for t in tables)  # noqa: S608 (names from our own metadata)
    db.session.rollback()
    rows = db.session.execute(text(sql)).all()
    db.session.rollback()
    return dict(rows)


@pytest.fixture
def world(app, users):
    """Real records so forms render and submissions get past 'not found' to validation."""
    with app.app_context():
        practitioner, navigator = users["practitioner"]["id"], users["navigator"]["id"]
        org_id = users["provider"]["organization_id"]
        service = factories.make_service(org_id, name="Fuzz Mentoring Circle")
        location = factories.make_location(org_id, postcode="WS1 1AA")
        sent = factories.make_sent_referral(users, service_id=service.id)
        person = factories.make_person(practitioner, name="Fuzz Draft Person")
        need = factories.make_need(person.id, practitioner)
        factories.make_consent(person.id, practitioner, [org_id])
        from navigator.referrals import services as referral_services
        from navigator.referrals.models import Consent

        draft = referral_services.start_referral(service.id, person.id, practitioner)
        consent_id = db.session.scalar(select(Consent.id).where(Consent.person_id == person.id))
        ids = {
            "person_id": [person.id, sent["person_id"]],
            "referral_id": [draft.id, sent["referral_id"]],
            "service_id": [service.id],
            "org_id": [org_id],
            "location_id": [location.id],
            "consent_id": [consent_id],
            "need_id": [need.id],
            "target_id": [service.id],
            "kind": ["services"],
            "fmt": ["csv", "geojson"],
            "level": ["lad"],
            "code": ["E08000030"],
            "taxonomy_id": ["need"],
            "term_id": ["need:mentoring"],
        }
        assert navigator
        return {"ids": ids, "users": users}
