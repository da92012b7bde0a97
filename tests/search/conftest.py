"""Search fixtures: a small realistic directory, built through the curation services.

`search_app` runs each test on every backend the database supports: Whoosh on SQLite and
PostgreSQL, and PostgreSQL full-text search on PostgreSQL (the shared contract suite).
"""

from __future__ import annotations

import pytest

from tests import factories

# Real centroids (ONS-derived outcode file in ../shared/data) for the districts used here.
DISTRICTS_CSV = """\
outcode,latitude,longitude,town_area,lad24cd,lad24nm,probation_region,pdu_2023,pdu_delius_code
WS1,52.5818,-1.97974,Walsall town centre,E08000030,Walsall,West Midlands,Walsall & Wolverhampton,N52BLCO
WS2,52.5887,-2.00198,Pleck,E08000030,Walsall,West Midlands,Walsall & Wolverhampton,N52BLCO
WV1,52.5868,-2.11827,Wolverhampton,E08000031,Wolverhampton,West Midlands,Walsall & Wolverhampton,N52BLCO
B15,52.468,-1.92336,Edgbaston,E08000025,Birmingham,West Midlands,Birmingham Central and South,N52BIRM
LS1,53.7974,-1.55308,Leeds city centre,E08000035,Leeds,Yorkshire and the Humber,Leeds,N55LEE
"""


@pytest.fixture(params=["whoosh", "postgres"])
def search_app(request, app, tmp_path):
    """The app with one search backend selected (PostgreSQL FTS only on PostgreSQL)."""
    from navigator.extensions import db

    with app.app_context():
        dialect = db.engine.dialect.name
    if request.param == "postgres" and dialect != "postgresql":
        pytest.skip("the PostgreSQL full-text backend needs a PostgreSQL database")
    app.config["SEARCH_BACKEND"] = request.param
    csv_path = tmp_path / "districts.csv"
    csv_path.write_text(DISTRICTS_CSV, encoding="utf-8")
    with app.app_context():
        from navigator.directory.geocoding.districts import load_postcode_districts

        report = load_postcode_districts(str(csv_path))
        assert report.loaded == 5, report.rejected
    return app


@pytest.fixture
def directory(search_app):
    """A handful of listings covering what the tests look for; returns name -> service id."""
    with search_app.app_context():
        return build_directory()


def build_directory() -> dict[str, str]:
    ids: dict[str, str] = {}
    walsall = factories.make_organisation(
        "Walsall Black Sisters Collective", description="Black-led women's group"
    )
    leeds = factories.make_organisation("Leeds Recovery Community")
    refuge_org = factories.make_organisation("Safe Haven Refuge")

    centre = factories.make_location(
        walsall.id,
        name="Caldmore Community Centre",
        address_1="12 Caldmore Green",
        city="Walsall",
        postal_code="WS1 3RP",
    )
    pleck = factories.make_location(
        walsall.id, name="Pleck Hall", address_1="3 Pleck Road", city="Walsall", postal_code="WS2 9ES"
    )
    leeds_hub = factories.make_location(
        leeds.id, name="Leeds Hub", address_1="1 Briggate", city="Leeds", postal_code="LS1 6HD"
    )
    refuge = factories.make_location(
        refuge_org.id,
        name="The Refuge",
        address_1="99 Secret Lane",
        city="Wolverhampton",
        postal_code="WV1 1AA",
        confidential=True,
    )

    def service(org, name, **fields):
        created = factories.make_service(org.id, name, **fields)
        ids[name] = created.id
        return created

    service(
        walsall,
        "Women's Centre drop-in",
        description="A women's centre offering accommodation advice and peer support.",
        need=["womens-services", "accommodation"],
        **{"led-by": ["black-led", "women-led"]},
        community=["black-caribbean", "black-african"],
        languages=["en", "so"],
        gender="women",
        cost="free",
        referral_route="both",
        location_ids=[centre.id],
        application_process="Call in or ring 01922 000000.",
        eligibility_description="Women over 18 living in Walsall.",
        schedules=[
            {"byday": "MO", "opens_at": "09:00", "closes_at": "17:00"},
            {"byday": "WE", "opens_at": "09:30", "closes_at": "13:00"},
        ],
        phones=[{"number": "01922 000000", "description": "Reception"}],
    )
    service(
        walsall,
        "Masjid mentoring circle",
        description="Mentoring from volunteers at the local masjid.",
        need=["mentoring", "faith"],
        faith=["muslim"],
        **{"led-by": ["muslim-led"]},
        languages=["ur", "pa"],
        gender="men",
        location_ids=[pleck.id],
        referral_route="practitioner",
    )
    service(
        walsall,
        "Bangla speaking counselling",
        description="Counselling in Bengali and Sylheti.",
        need=["mental-health"],
        community=["asian-bangladeshi"],
        languages=["bn"],
        location_ids=[pleck.id],
        cost="low",
    )
    service(
        leeds,
        "Leeds recovery group",
        description="Drug and alcohol recovery meetings, rehab referrals.",
        need=["drugs-alcohol"],
        location_ids=[leeds_hub.id],
        **{"led-by": ["lived-experience-led"]},
    )
    service(
        leeds,
        "Job club",
        description="Help with CVs, employment and interviews.",
        need=["ete"],
        location_ids=[leeds_hub.id],
        cost="free",
        service_areas=[{"extent_type": "national", "name": "England and Wales"}],
    )
    service(
        refuge_org,
        "Domestic abuse refuge",
        description="Safe accommodation for women escaping abuse.",
        need=["domestic-abuse", "accommodation"],
        gender="women",
        location_ids=[refuge.id],
    )
    closed = service(
        leeds,
        "Closed housing project",
        description="Housing support that has closed.",
        need=["accommodation"],
        location_ids=[leeds_hub.id],
    )
    from navigator.directory import services as directory_services

    directory_services.set_service_status(closed.id, "inactive", None, None)
    return ids
