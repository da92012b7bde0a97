"""Property: no sequence of actions ever shares personal data without consent in force and an ISA
in date, and withdrawal blocks further sharing at once.

Random sequences of consent, new versions, withdrawal, agreements, ending agreements, time passing
and send attempts run against the real services; an independent model of the rules (written here,
not imported) says whether each send should succeed. Both directions are checked: no send slips
through, and none is refused when the rules allow it.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from navigator.errors import Conflict, ValidationError
from navigator.extensions import db
from navigator.referrals import services
from navigator.referrals.models import Referral
from tests import factories

CATEGORIES = ["identity", "needs", "area"]
SNAPSHOT_KEYS = {"identity": {"name", "date_of_birth", "gender"}, "area": {"home_area"}, "needs": set()}

orgs = st.sampled_from([0, 1])
consent_categories = st.sets(st.sampled_from(CATEGORIES), min_size=1, max_size=3)
send_categories = st.sets(st.sampled_from(CATEGORIES), min_size=1, max_size=2)
actions = st.one_of(
    st.tuples(st.just("consent"), st.sets(orgs, min_size=1), consent_categories, st.integers(1, 60)),
    st.tuples(st.just("new_version"), st.integers(0, 5), st.sets(orgs, min_size=1), consent_categories),
    st.tuples(st.just("withdraw"), st.integers(0, 5)),
    st.tuples(st.just("isa"), orgs, st.integers(-10, 2), st.integers(0, 60)),
    st.tuples(st.just("end_isa"), orgs),
    st.tuples(st.just("wait"), st.integers(1, 30)),
    st.tuples(st.just("send"), orgs, send_categories),
    st.tuples(st.just("send"), orgs, send_categories),
)


def _in_force(c, now):
    return not c["withdrawn"] and not c["superseded"] and c["given"] <= now < c["expires"]


@pytest.fixture
def world(app):
    """Two organisations with a service each, shared by every example of one run."""
    with app.app_context():
        org_ids = [factories.make_organisation(f"Org {i}").id for i in range(2)]
        return org_ids, [factories.make_service(o).id for o in org_ids]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(actions, min_size=1, max_size=20))
def test_no_sequence_shares_without_consent_in_force_and_isa_in_date(app, users, world, steps):
    practitioner, navigator = users["practitioner"]["id"], users["navigator"]["id"]
    org_ids, service_ids = world
    with app.app_context():
        # Each example starts with no agreement in force and a new person (so no consent).
        for isa in services.list_agreements(navigator):
            if isa.ended_at is None:
                services.end_agreement(isa.id, navigator)
        person = factories.make_person(practitioner)
        need = factories.make_need(person.id, practitioner)
        clock = datetime.now(UTC).replace(microsecond=0)
        consents: list[dict] = []  # the model's view, in creation order
        isas: list[dict] = []
        sent_ids: list[tuple[str, str]] = []  # (referral id, consent id)

        for step in steps:
            kind = step[0]
            if kind == "consent":
                _, which, cats, days = step
                expires_on = (clock + timedelta(days=days)).date()
                c = services.record_consent(person.id, {
                    "data_categories": sorted(cats), "organization_ids": [org_ids[i] for i in which],
                    "purpose": "Support", "lawful_basis": "consent", "regime": "uk-gdpr",
                    "how_given": "verbal", "privacy_notice_version": "v1",
                    "expires_on": expires_on.isoformat()}, practitioner, now=clock)
                consents.append({"id": c.id, "orgs": {org_ids[i] for i in which}, "cats": set(cats),
                                 "given": clock, "expires": datetime.combine(
                                     expires_on + timedelta(days=1), datetime.min.time(), tzinfo=UTC),
                                 "withdrawn": False, "superseded": False})
            elif kind == "new_version":
                _, index, which, cats = step
                live = [c for c in consents if _in_force(c, clock)]
                if not live:
                    continue
                old = live[index % len(live)]
                expires_on = (clock + timedelta(days=30)).date()
                c = services.record_consent(person.id, {
                    "data_categories": sorted(cats), "organization_ids": [org_ids[i] for i in which],
                    "purpose": "Support", "lawful_basis": "consent", "regime": "uk-gdpr",
                    "how_given": "written", "privacy_notice_version": "v2",
                    "expires_on": expires_on.isoformat()}, practitioner, replaces_id=old["id"], now=clock)
                old["superseded"] = True
                consents.append({"id": c.id, "orgs": {org_ids[i] for i in which}, "cats": set(cats),
                                 "given": clock, "expires": datetime.combine(
                                     expires_on + timedelta(days=1), datetime.min.time(), tzinfo=UTC),
                                 "withdrawn": False, "superseded": False})
            elif kind == "withdraw":
                live = [c for c in consents if not c["withdrawn"] and not c["superseded"]]
                if not live:
                    continue
                target = live[step[1] % len(live)]
                services.withdraw_consent(target["id"], practitioner, now=clock)
                target["withdrawn"] = True
            elif kind == "isa":
                _, which, start_offset, length = step
                starts = clock.date() + timedelta(days=start_offset)
                ends = starts + timedelta(days=length)
                isa = services.create_agreement(
                    {"organization_id": org_ids[which], "title": "ISA", "starts_on": starts.isoformat(),
                     "ends_on": ends.isoformat()}, navigator)
                isas.append({"id": isa.id, "org": org_ids[which], "starts": starts, "ends": ends,
                             "ended": False})
            elif kind == "end_isa":
                for isa in isas:
                    if isa["org"] == org_ids[step[1]] and not isa["ended"]:
                        services.end_agreement(isa["id"], navigator, now=clock)
                        isa["ended"] = True
            elif kind == "wait":
                clock += timedelta(days=step[1])
            elif kind == "send":
                _, which, cats = step
                org = org_ids[which]
                referral = services.start_referral(service_ids[which], person.id, practitioner)
                services.set_referral_needs(referral.id, [need.id], practitioner)
                services.set_referral_sharing(referral.id, {"data_categories": sorted(cats)}, practitioner)
                covering = [c for c in consents
                            if _in_force(c, clock) and org in c["orgs"] and cats <= c["cats"]]
                isa_ok = any(not i["ended"] and i["org"] == org and i["starts"] <= clock.date() <= i["ends"]
                             for i in isas)
                try:
                    sent = services.send_referral(referral.id, practitioner, now=clock)
                except ValidationError:
                    db.session.rollback()
                    assert not (covering and isa_ok), "refused although consent and ISA allowed it"
                    stored = db.session.get(Referral, referral.id)
                    assert stored.status == "draft" and stored.shared_snapshot is None
                    continue
                assert covering, "personal data shared without consent in force covering it"
                assert isa_ok, "personal data shared without an ISA in date"
                assert sent.consent_id in {c["id"] for c in covering}
                shared = json.loads(sent.shared_snapshot)
                allowed_keys = set().union(*(SNAPSHOT_KEYS[c] for c in cats))
                assert set(shared["person"]) <= allowed_keys
                assert bool(shared["needs"]) == ("needs" in cats)
                sent_ids.append((sent.id, sent.consent_id))

        # Withdrawal reaches back: providers no longer see what was shared under a withdrawn chain.
        withdrawn_ids = {c["id"] for c in consents if c["withdrawn"]}
        for referral_id, consent_id in sent_ids:
            referral = db.session.get(Referral, referral_id)
            if consent_id in withdrawn_ids:
                assert services.sharing_withdrawn(referral)


def test_withdrawal_blocks_the_very_next_send(app, users):
    with app.app_context():
        practitioner = users["practitioner"]["id"]
        org_id = users["provider"]["organization_id"]
        service = factories.make_service(org_id)
        person = factories.make_person(practitioner)
        need = factories.make_need(person.id, practitioner)
        consent = factories.make_consent(person.id, practitioner, [org_id], ["identity"])
        factories.make_agreement(org_id, users["navigator"]["id"])
        draft = services.start_referral(service.id, person.id, practitioner)
        services.set_referral_needs(draft.id, [need.id], practitioner)
        services.set_referral_sharing(draft.id, {"data_categories": ["identity"]}, practitioner)
        _, _, check = services.review_referral(draft.id, practitioner)
        assert check.can_send
        services.withdraw_consent(consent.id, practitioner)
        try:
            services.send_referral(draft.id, practitioner)
        except ValidationError as exc:
            assert any("no consent in force" in r for r in exc.errors["sharing"])
        else:
            raise AssertionError("sent after consent was withdrawn")
        db.session.rollback()
        try:
            services.withdraw_consent(consent.id, practitioner)
        except Conflict:
            pass
        else:
            raise AssertionError("withdrawn twice")
