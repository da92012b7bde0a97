"""The demo caseload: people, consents and referrals, so every referral and report page has content.

The load takes seconds, so it runs once per database backend for this module (the
`demo` fixture) and the tests read the pages it fills; none of them changes the data.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from navigator import create_app
from navigator.auth.models import Role, User
from navigator.demo import directory as seed
from navigator.demo.caseload import CRN_PREFIX, DEMO_PROVIDER_ORG, SECOND_PRACTITIONER, load_demo_caseload
from navigator.directory.models import Organisation
from navigator.directory.vocab import NEED_CATEGORIES
from navigator.extensions import db
from navigator.referrals import vocab
from navigator.referrals.models import Consent, InformationSharingAgreement, Need, Person, Referral
from navigator.referrals.workflow import Status
from tests.conftest import PASSWORD, AuthActions, _empty_all_tables, _schemas_ready

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request, tmp_path_factory):
    """An app with the demo directory and the demo caseload loaded once (per backend)."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    tmp = tmp_path_factory.mktemp(f"caseload-{request.param}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NAVIGATOR_INSTANCE", str(tmp / "instance"))
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret",
                          "SEARCH_INDEX_DIR": str(tmp / "search-index"), "SERVER_NAME": "localhost"})
        with app.app_context():
            if url not in _schemas_ready:
                db.drop_all()
                db.create_all()
                _schemas_ready.add(url)
            _empty_all_tables()
            from navigator.testing import prepare_reference_data

            prepare_reference_data()
            seed.load_demo(PASSWORD)
            report = load_demo_caseload(PASSWORD)
            db.session.remove()
        yield app, report
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _client(app, email: str):
    client = app.test_client()
    response = AuthActions(client).login(email)
    assert response.status_code == 302, f"{email} could not sign in"
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Person, Need, Consent, InformationSharingAgreement, Referral, User)}


def test_a_second_load_adds_nothing(demo):
    app, first = demo
    with app.app_context():
        before = _counts()
        again = load_demo_caseload(PASSWORD)
        assert _counts() == before
        assert (again.people, again.referrals, again.signposts, again.agreements) == (0, 0, 0, 0)
        assert again.users_created == []
        assert "nothing added" in again.summary()
        assert again.people_skipped == first.people


def test_the_caseload_is_large_fictional_and_in_every_state(demo):
    app, report = demo
    with app.app_context():
        people = list(db.session.scalars(select(Person)))
        assert len(people) == report.people >= 250
        assert all(p.case_reference.startswith(CRN_PREFIX) for p in people)
        referrals = list(db.session.scalars(select(Referral)))
        sent = [r for r in referrals if r.sent_at is not None]
        assert 300 <= len(sent) <= 500, "about 400 referrals"
        assert 30 <= len(referrals) - len(sent), "plus signposts"
        statuses = {r.status for r in referrals}
        missing = {s.value for s in Status} - {Status.DRAFT.value} - statuses
        assert not missing, f"no demo referral is {missing}"
        reasons = {r.decline_reason for r in referrals if r.status == Status.DECLINED}
        assert reasons == {code for code, _ in vocab.DECLINE_REASONS}
        # Nothing real: every referral and signpost goes to a fictional organisation.
        receivers = set(db.session.scalars(select(Organisation).where(
            Organisation.id.in_({r.organization_id for r in referrals}))))
        assert all(seed.FICTIONAL_MARK in org.description for org in receivers)
        # Agreed needs across every category; a few not agreed.
        needs = list(db.session.scalars(select(Need)))
        assert {n.category for n in needs if n.person_agrees} == {code for code, _ in NEED_CATEGORIES}
        assert any(not n.person_agrees for n in needs)
        # Spread over the last four quarters, so trends and waiting times have shape.
        months = {(r.sent_at.year, r.sent_at.month) for r in sent}
        assert len(months) >= 11
        # Everything shared relied on consent in force and an agreement in date.
        assert all(r.consent_id and r.isa_id for r in sent)
        for r in sent:
            assert r.person.created_at <= r.created_at <= r.sent_at


def test_each_practitioner_sees_only_their_own_caseload(demo):
    app, _ = demo
    with app.app_context():
        second = db.session.scalar(select(User).where(User.email == SECOND_PRACTITIONER))
        theirs = set(db.session.scalars(select(Person.case_reference).where(Person.owner_id == second.id)))
        mine = set(db.session.scalars(select(Person.case_reference).where(Person.owner_id != second.id)))
    assert theirs and mine
    for email, own, other in (("practitioner@example.org", mine, theirs),
                              (SECOND_PRACTITIONER, theirs, mine)):
        page = _client(app, email).get("/people").get_data(as_text=True)
        shown = set(re.findall(CRN_PREFIX + r"\d{4}", page))
        assert shown == own, email
        assert not shown & other


def test_the_demo_provider_has_new_referrals_and_sees_only_its_own(demo):
    app, _ = demo
    with app.app_context():
        org = db.session.scalar(select(Organisation).where(Organisation.source_id == DEMO_PROVIDER_ORG))
        new = set(db.session.scalars(select(Referral.reference).where(
            Referral.organization_id == org.id, Referral.status.in_(["sent", "received"]))))
        elsewhere = set(db.session.scalars(select(Referral.reference).where(
            Referral.organization_id != org.id, Referral.sent_at.is_not(None))))
    page = _client(app, "provider@example.org").get("/inbox?tab=new").get_data(as_text=True)
    shown = set(re.findall(r"NAV-[2-9A-Z]{6}", page))
    assert len(shown) >= 5 and shown == new
    assert not shown & elsewhere
    assert re.search(r"New \((\d+)\)", _text(page)).group(1) == str(len(new))


def test_the_overdue_queue_shows_unacknowledged_referrals(demo):
    app, _ = demo
    page = _client(app, "navigator@example.org").get("/referrals/overdue").get_data(as_text=True)
    text = _text(page)
    assert "No referrals are overdue" not in text
    assert len(set(re.findall(r"NAV-[2-9A-Z]{6}", page))) >= 3
    assert "Caldmore Bridge Resettlement Hub" in text


def test_a_provider_at_another_organisation_can_sign_in_to_its_inbox(demo):
    app, _ = demo
    with app.app_context():
        staff = db.session.scalar(select(User).where(User.email == "provider.heritage-steps@example.org"))
        assert staff is not None and staff.role == Role.PROVIDER
    page = _client(app, "provider.heritage-steps@example.org").get("/inbox?tab=closed").get_data(as_text=True)
    assert re.findall(r"NAV-[2-9A-Z]{6}", page)


def test_the_equity_view_shows_unsuppressed_ratios(demo):
    app, _ = demo
    files = {"pdus": "lad2024_to_probation_region_pdu_ew.csv",
             "boundaries": "lad_2024_ew_with_census_probation.geojson",
             "population": "census2021_ethnicity_religion_lad2024_ew.csv"}
    if not all((SHARED_DATA / name).exists() for name in files.values()):
        pytest.skip(f"the real report geography is absent: it sits beside the repository in {SHARED_DATA}")
    from navigator.reports import geodata

    with app.app_context():
        geodata.load_pdus(str(SHARED_DATA / files["pdus"]))
        geodata.load_boundaries(str(SHARED_DATA / files["boundaries"]))
        geodata.load_population(str(SHARED_DATA / files["population"]))
    client = _client(app, "commissioner@example.org")
    page = _text(client.get("/reports/equity").get_data(as_text=True))
    ratios = re.findall(r"ratio \d+\.\d\d \(\d+\.\d\d to \d+\.\d\d\)", page)
    assert len(ratios) >= 3, "several groups are large enough to compare with White British"
    by_religion = _text(client.get("/reports/equity?dimension=religion").get_data(as_text=True))
    assert re.search(r"ratio \d+\.\d\d \(", by_religion)
    # The commissioner sees aggregates only: no case reference and no name.
    assert CRN_PREFIX not in page


def test_seed_command_reports_the_caseload_and_can_leave_it_out(demo):
    app, _ = demo
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "Demo caseload already loaded" in result.output
    result = runner.invoke(args=["seed", "--password", PASSWORD, "--no-caseload"])
    assert result.exit_code == 0, result.output
    assert "caseload" not in result.output.lower()
