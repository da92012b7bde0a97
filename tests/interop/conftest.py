"""Fixtures for interoperability tests: a small directory built through the curation services,
and validators for the Open Referral UK 3.0 and HSDS 3.0 JSON schemas (read from
../shared/data, with every $ref resolved locally)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SHARED_DATA = HERE.parents[1] / ".." / "shared" / "data"
ORUK_DIR = SHARED_DATA / "oruk_schemas" / "V3.0-UK"
HSDS_DIR = SHARED_DATA / "hsds_3.0" / "schema"
FEEDS = SHARED_DATA / "oruk_feeds"
CONFIDENTIAL_STREET = "7 Hidden Refuge Lane"


@pytest.fixture
def districts(ctx):
    """Two postcode districts (WS1, B15) loaded through the geocoding area's loader."""
    from navigator.directory.geocoding.districts import load_postcode_districts
    from navigator.extensions import db

    report = load_postcode_districts(str(HERE / "data" / "districts_sample.csv"))
    assert report.loaded == 2
    db.session.rollback()
    return report


@pytest.fixture
def directory(ctx, districts):
    """A small directory: two listed services (one at a confidential refuge), one inactive.

    Returns plain ids, so tests never hold ORM objects across sessions.
    """
    from navigator.directory import services as curation
    from navigator.extensions import db
    from tests import factories

    org = factories.make_organisation("Walsall Black Women's Network",
                                      description="A Black-led community network.",
                                      website="https://bwn.example.org", charity_number="1234567")
    centre = factories.make_location(org.id, name="Caldmore Community Centre",
                                     address_1="1 High Street", city="Walsall", postal_code="WS1 1AA")
    refuge = factories.make_location(org.id, name="Safe house", address_1=CONFIDENTIAL_STREET,
                                     city="Birmingham", postal_code="B15 2TT", confidential=True)
    housing = factories.make_service(
        org.id, "Sister Circle Housing Advice",
        description="Housing advice for women leaving prison.",
        url="https://bwn.example.org/housing", email="housing@bwn.example.org",
        need=["accommodation", "womens-services"], **{"led-by": ["black-led", "women-led"]},
        community=["black-caribbean"], faith=["christian"], languages=["en", "so"],
        schedules=[{"byday": "MO", "opens_at": "09:00", "closes_at": "17:00"}],
        phones=[{"number": "01922 000000", "description": "Advice line"}],
        location_ids=[centre.id])
    refuge_service = factories.make_service(
        org.id, "Sister Circle Refuge", description="Emergency refuge for women.",
        need=["domestic-abuse"], location_ids=[refuge.id])
    closed = factories.make_service(org.id, "Old Drop-in", description="No longer runs.",
                                    need=["accommodation"])
    ids = {"org": org.id, "centre": centre.id, "refuge": refuge.id, "housing": housing.id,
           "refuge_service": refuge_service.id, "closed": closed.id}
    curation.set_service_status(closed.id, "inactive", None, None)
    # SQLite takes the write lock at BEGIN: leave no transaction open for the requests.
    db.session.rollback()
    return ids


def _schema_files_present() -> bool:
    return ORUK_DIR.is_dir() and HSDS_DIR.is_dir()


class SchemaCheck:
    """Validate JSON against the ORUK 3.0 and HSDS 3.0 schemas, formats (uuid, email) included."""

    ORUK_REMOTE = ("https://raw.githubusercontent.com/tpximpact/OpenReferralApi/refs/heads/main/"
                   "OpenReferralApi/Schemas/V3.0-UK/")
    HSDS_BASE = "https://hsds.invalid/schema/"

    def __init__(self):
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        resources = []
        for path in ORUK_DIR.glob("*.json"):
            resources.append((self.ORUK_REMOTE + path.name,
                              Resource(json.loads(path.read_text()), specification=DRAFT202012)))
        for path in HSDS_DIR.glob("*.json"):
            resources.append((self.HSDS_BASE + path.name,
                              Resource(json.loads(path.read_text()), specification=DRAFT202012)))
        self.registry = Registry().with_resources(resources)
        self.validator_cls = Draft202012Validator
        self.format_checker = Draft202012Validator.FORMAT_CHECKER
        self.openapi = json.loads((ORUK_DIR / "open_api.json").read_text())

    def errors(self, instance, ref: str) -> list[str]:
        validator = self.validator_cls({"$ref": ref}, registry=self.registry,
                                       format_checker=self.format_checker)
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in validator.iter_errors(instance)][:20]

    def oruk(self, instance, name: str) -> list[str]:
        return self.errors(instance, self.ORUK_REMOTE + name)

    def hsds(self, instance, name: str) -> list[str]:
        return self.errors(instance, self.HSDS_BASE + name)

    def oruk_response(self, instance, path: str) -> list[str]:
        """Validate against the response schema the ORUK OpenAPI document gives for a path."""
        schema = self.openapi["paths"][path]["get"]["responses"]["200"]["content"][
            "application/json"]["schema"]
        page = self.openapi["components"]["schemas"]["Page"]
        schema = json.loads(json.dumps(schema).replace('"#/components/schemas/Page"',
                                                       '"urn:oruk-page"'))
        from referencing import Resource
        from referencing.jsonschema import DRAFT202012

        registry = self.registry.with_resource("urn:oruk-page",
                                               Resource(page, specification=DRAFT202012))
        validator = self.validator_cls(schema, registry=registry, format_checker=self.format_checker)
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in validator.iter_errors(instance)][:20]


@pytest.fixture(scope="session")
def schemas():
    if not _schema_files_present():
        pytest.skip("ORUK/HSDS schemas live in ../shared/data, which is not present here")
    return SchemaCheck()


def feed(name: str) -> Path:
    path = FEEDS / name
    if not path.exists():
        pytest.skip(f"{name} lives in ../shared/data, which is not present here")
    return path
