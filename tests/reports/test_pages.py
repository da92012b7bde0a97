"""The report pages as a commissioner or navigator sees them, and their exports."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest

from tests.reports.helpers import BIRMINGHAM, PERSON_NAME_PREFIX, WALSALL, WOLVERHAMPTON


@pytest.fixture
def commissioner(app, signed_in, gap_data):
    app.config["REPORT_SUPPRESSION_THRESHOLD"] = 5
    return signed_in("commissioner")


def _table_rows(html: str) -> list[str]:
    body = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"<[^>]+>", " ", row) for row in body.split("</tr>") if "<th" in row]


def test_gap_map_draws_every_area_with_a_title_a_legend_and_the_formula(commissioner):
    page = commissioner.get("/reports/gap-map?need=accommodation")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in html and html.count("<path ") == 4
    assert "<title>Birmingham: gap score 87 (Very high gap (80 to 100))</title>" in html
    assert f'href="/reports/areas/la/{WALSALL}?' in html
    assert "Very low or no gap (0 to 19)" in html  # the legend
    assert "Gap score = 100 x pressure x shortfall" in html
    assert "tile" not in html.lower() or "leaflet" not in html.lower()  # no tile server needed


def test_table_shows_every_number_with_small_counts_hidden(commissioner):
    html = commissioner.get("/reports/gap-map?need=accommodation&sort=name&dir=asc").get_data(as_text=True)
    rows = _table_rows(html)
    assert [r.split()[0] for r in rows] == ["Birmingham", "Cornwall", "Walsall", "Wolverhampton"]
    wolves = next(r for r in rows if r.split()[0] == "Wolverhampton")
    assert "[c]" in wolves  # three people with the need: hidden
    assert " 20 " in next(r for r in rows if r.split()[0] == "Birmingham")
    assert "Hidden to protect privacy" in html


def test_sorting_works_from_the_query_string(commissioner):
    html = commissioner.get("/reports/gap-map?need=accommodation&sort=score&dir=desc").get_data(as_text=True)
    assert _table_rows(html)[0].split()[0] == "Birmingham"
    assert 'aria-sort="descending"' in html
    html = commissioner.get("/reports/gap-map?need=accommodation&sort=provision&dir=desc").get_data(
        as_text=True)
    assert _table_rows(html)[0].split()[0] == "Walsall"


def test_area_detail_lists_its_services_and_evidence(commissioner):
    html = commissioner.get(f"/reports/areas/la/{BIRMINGHAM}?need=accommodation").get_data(as_text=True)
    assert "Wolverhampton Housing" in html and "Names the area as covered" in html
    assert "National Housing Line" in html and "National or remote" in html
    assert "Walsall Housing Advice" not in html  # 21 miles away: not counted
    assert "Every need in Birmingham" in html
    assert "number 1 of 4 areas" in html


def test_bad_filters_get_a_clear_message_not_an_error(commissioner):
    page = commissioner.get("/reports/gap-map?need=nonsense")
    assert page.status_code == 400 and "There is a problem" in page.get_data(as_text=True)
    page = commissioner.get("/reports/gap-map?period_from=2025-Q3&period_to=2025-Q1")
    assert page.status_code == 400
    assert "The end of the period must be the same as or after its start" in page.get_data(as_text=True)
    assert commissioner.get("/reports/areas/la/E99999999?need=accommodation").status_code == 404
    assert commissioner.get("/reports/areas/county/E08000030").status_code == 404
    assert commissioner.get("/reports/gap-map.xlsx").status_code == 404
    assert commissioner.get("/reports/gap-map?community=faith:dragons").status_code == 400


def test_csv_export_round_trips_the_table(commissioner):
    response = commissioner.get("/reports/gap-map.csv?need=accommodation")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_code = {r["area_code"]: r for r in rows}
    assert by_code[BIRMINGHAM]["demand_people"] == "20"
    assert by_code[WOLVERHAMPTON]["demand_people"] == "[c]"
    assert float(by_code[BIRMINGHAM]["gap_score"]) == pytest.approx(87.2, abs=0.05)
    assert by_code["TOTAL"]["demand_people"] == "35"
    page = commissioner.get("/reports/gap-map?need=accommodation").get_data(as_text=True)
    assert "87" in page and by_code[WALSALL]["referrals"] == "12"


def test_geojson_export_round_trips_the_gap_layer(commissioner):
    response = commissioner.get("/reports/gap-map.geojson?need=accommodation")
    data = json.loads(response.get_data(as_text=True))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 4
    brum = next(f for f in data["features"] if f["id"] == BIRMINGHAM)
    assert brum["geometry"]["type"] == "MultiPolygon"
    assert brum["properties"]["gap_score"] == pytest.approx(87.2, abs=0.05)
    wolves = next(f for f in data["features"] if f["id"] == WOLVERHAMPTON)
    assert wolves["properties"]["demand_people"] is None
    assert "demand_people" in wolves["properties"]["suppressed"]
    assert "Office for National Statistics" in data["metadata"]["attribution"]


def test_csv_cells_that_look_like_formulas_are_neutralised(commissioner, tmp_path):
    from navigator.reports.export import neutralise

    for text in ("=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert neutralise("Walsall") == "Walsall" and neutralise(None) == "[c]"
    source = json.loads(open(__file__.replace("test_pages.py", "data/tiny_boundaries.geojson")).read())
    source["features"][0]["properties"]["name"] = '=HYPERLINK("http://evil.example","x")'
    path = tmp_path / "evil.geojson"
    path.write_text(json.dumps(source))
    from navigator.reports import geodata

    geodata.load_boundaries(str(path))
    rows = list(csv.reader(io.StringIO(commissioner.get("/reports/gap-map.csv").get_data(as_text=True))))
    names = [row[1] for row in rows]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in names
    assert not any(name.startswith("=") for name in names)


def test_printable_report_has_date_filters_method_and_attribution(commissioner):
    html = commissioner.get("/reports/print?need=accommodation").get_data(as_text=True)
    assert "Gap report: Accommodation" in html
    assert re.search(r"Produced \d{1,2} \w+ \d{4}", html)
    assert "Period" in html and "Any community" in html
    assert "Gap score = 100 x pressure x shortfall" in html
    assert ("Contains OS data © Crown copyright and database right; Contains Royal Mail data © Royal Mail "
            "copyright and database right; Source: Office for National Statistics licensed under the Open "
            "Government Licence v.3.0") in html


def test_trends_show_each_quarter(commissioner):
    html = commissioner.get(f"/reports/trends?need=accommodation&area={BIRMINGHAM}&quarters=4").get_data(
        as_text=True)
    rows = _table_rows(html)
    assert len(rows) == 4 and all(re.match(r"\s*\d{4}-Q[1-4]", row) for row in rows)
    assert "Birmingham" in html
    # The fixture's 20 Birmingham referrals were all sent 5 days ago: one quarter holds them.
    assert sum(" 20 " in row for row in rows) == 1


def test_downloads_are_audited_without_person_data(commissioner, users, app):
    from sqlalchemy import select

    from navigator.audit import AuditEvent
    from navigator.extensions import db

    commissioner.get("/reports/gap-map.csv?need=accommodation")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.export")).one()
    assert event.actor_id == users["commissioner"]["id"] and event.detail_dict["need"] == "accommodation"


REPORT_URLS = [
    "/reports/gap-map?need=accommodation",
    "/reports/gap-map?need=accommodation&level=pdu",
    "/reports/gap-map?need=accommodation&level=region&community=led-by:black-led",
    f"/reports/areas/la/{WALSALL}?need=accommodation",
    "/reports/areas/pdu/N52BC?need=accommodation&level=pdu",
    "/reports/equity",
    "/reports/equity?dimension=religion",
    "/reports/equity?dimension=gender&area=region:N52",
    "/reports/equity?detail=detailed",
    "/reports/equity.csv",
    "/reports/trends?need=accommodation",
    "/reports/print?need=accommodation",
    "/reports/gap-map.csv?need=accommodation",
    "/reports/gap-map.geojson?need=accommodation",
]


def test_commissioners_see_no_person_level_data_on_any_report(commissioner, app):
    from sqlalchemy import select

    from navigator.extensions import db
    from navigator.referrals.models import Person, Referral

    people = db.session.execute(select(Person.id, Person.case_reference)).all()
    references = db.session.scalars(select(Referral.reference)).all()
    assert people and references
    for url in REPORT_URLS:
        response = commissioner.get(url)
        body = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert PERSON_NAME_PREFIX not in body, url
        for person_id, case_reference in people:
            assert person_id not in body and case_reference not in body, url
        for reference in references:
            assert reference not in body, url


def test_commissioners_cannot_reach_people_or_referrals(commissioner, app):
    from tests.core.routes import app_rules, dummy_url

    reached = []
    for rule in app_rules(app):
        if rule.endpoint.split(".")[0] in ("referrals",) and "GET" in rule.methods:
            status = commissioner.get(dummy_url(rule)).status_code
            if status != 403:
                reached.append(f"{rule.rule}: {status}")
    assert reached == []


@pytest.mark.parametrize("role, allowed", [("commissioner", True), ("navigator", True),
                                           ("practitioner", False), ("provider", False)])
def test_who_may_see_reports(signed_in, geography, role, allowed):
    client = signed_in(role)
    for url in ("/reports/gap-map", "/reports/equity", "/reports/trends"):
        assert (client.get(url).status_code == 200) is allowed, (role, url)


def test_without_geography_the_page_says_how_to_load_it(signed_in, ctx):
    client = signed_in("commissioner")
    html = client.get("/reports/gap-map").get_data(as_text=True)
    assert "navigator geodata load-boundaries" in html
    for url in ("/reports/trends", "/reports/equity", "/reports/print", "/reports/gap-map?level=pdu"):
        assert client.get(url).status_code == 200, url
