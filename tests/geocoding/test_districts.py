"""Loading postcode-district centroids from a file or URL: `navigator geodata load`."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from navigator.directory.geocoding import point_for_search
from navigator.directory.geocoding.districts import load_postcode_districts
from navigator.directory.models import PostcodeDistrict
from navigator.errors import ValidationError
from navigator.extensions import db
from tests.geocoding.conftest import SHARED_DATA
from tests.geocoding.server import RECORDED, Reply, recorded

ONS_FILE = SHARED_DATA / "outcode_centroids_ew_with_lad2024.csv"
DOOGAL_FILE = SHARED_DATA / "doogal_postcode_districts_2024-01.csv"
HEADER = "outcode,latitude,longitude,town_area,lad24cd,lad24nm,probation_region,pdu_2023,pdu_delius_code\n"


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(PostcodeDistrict))


def _real(path):
    if not path.exists():
        pytest.skip(f"{path.name} not found: the shared reference data (../shared/data) is absent")
    return str(path)


def test_the_national_outcode_file_loads_and_places_walsall_and_edgbaston(ctx):
    report = load_postcode_districts(_real(ONS_FILE))

    assert report.rejected == []
    assert report.loaded == report.created == _count() > 2000
    ws1, b15 = point_for_search("WS1"), point_for_search("B15 2TT")
    assert (ws1.latitude, ws1.longitude) == pytest.approx((52.58, -1.98), abs=0.01)
    assert (ws1.lad_name, ws1.pdu_name, ws1.probation_region) == (
        "Walsall", "Walsall and Wolverhampton", "West Midlands")
    assert (b15.latitude, b15.longitude) == pytest.approx((52.47, -1.92), abs=0.01)
    assert b15.lad_name == "Birmingham"


def test_loading_again_updates_and_never_duplicates(ctx):
    first = load_postcode_districts(_real(ONS_FILE))
    second = load_postcode_districts(_real(ONS_FILE))

    assert second.created == 0
    assert second.updated == first.loaded == _count()


def test_the_doogal_file_adds_districts_and_keeps_the_areas_it_lacks(ctx):
    load_postcode_districts(_real(ONS_FILE))
    report = load_postcode_districts(_real(DOOGAL_FILE))

    assert report.created > 500  # Scotland, Northern Ireland, the islands
    reasons = {r.value: r.reason for r in report.rejected}
    assert reasons["BF1"] == "no coordinates"
    assert point_for_search("WS1").lad_name == "Walsall"  # Doogal has no local authority column
    assert point_for_search("EH1").latitude == pytest.approx(55.95, abs=0.05)


def test_each_rejected_row_is_reported_with_its_reason_and_the_rest_load(ctx, tmp_path):
    source = tmp_path / "districts.csv"
    source.write_text(
        HEADER
        + "WS1,52.5818,-1.9797,Walsall,E08000030,Walsall,West Midlands,Walsall and Wolverhampton,N52BLCO\n"
        + "BF1,,,British Forces,,,,,\n"
        + "WS2,north,-2.0,Walsall,E08000030,Walsall,West Midlands,x,y\n"
        + "WS3,40.7,-74.0,New York?,E08000030,Walsall,West Midlands,x,y\n"
        + "Walsall,52.6,-2.0,Walsall,E08000030,Walsall,West Midlands,x,y\n"
        + "WS4 1AA,52.6,-2.0,Walsall,E08000030,Walsall,West Midlands,x,y\n"
        + "ws1,52.6,-2.0,Walsall again,E08000030,Walsall,West Midlands,x,y\n"
        + "WS5,52.6,-2.0,Walsall,E0800003000000,Walsall,West Midlands,x,y\n"
        + ",,,,,,,,\n"
        + '" b15 ",52.468,-1.923,"Edgbaston, Lee Bank",E08000025,Birmingham,West Midlands,"B C",N52BIRM\n',
        encoding="utf-8",
    )

    report = load_postcode_districts(str(source))

    assert [(r.line, r.value, r.reason) for r in report.rejected] == [
        (3, "BF1", "no coordinates"),
        (4, "WS2", "latitude or longitude is not a number"),
        (5, "WS3", "coordinates are outside the UK"),
        (6, "Walsall", "not a postcode district"),
        (7, "WS4 1AA", "not a postcode district"),
        (8, "WS1", "duplicate of line 2"),
        (9, "WS5", "lad_code is longer than 9 characters"),
        (10, "", "not a postcode district"),
    ]
    assert report.loaded == 2
    assert sorted(db.session.scalars(select(PostcodeDistrict.outcode))) == ["B15", "WS1"]
    assert db.session.get(PostcodeDistrict, "WS1").town == "Walsall"


@pytest.mark.parametrize(("content", "message"), [
    ("Postcode,Town\nWS1,Walsall\n", "lacks required columns"),
    ("", "lacks required columns"),
])
def test_a_file_without_the_needed_columns_is_refused_and_nothing_written(ctx, tmp_path, content, message):
    source = tmp_path / "districts.csv"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_postcode_districts(str(source))
    assert message in caught.value.message
    assert _count() == 0


def test_a_missing_or_binary_file_is_refused(ctx, tmp_path):
    with pytest.raises(ValidationError, match="Could not read"):
        load_postcode_districts(str(tmp_path / "absent.csv"))
    binary = tmp_path / "districts.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81outcode")
    with pytest.raises(ValidationError, match="not UTF-8"):
        load_postcode_districts(str(binary))


def test_a_url_is_downloaded_and_loaded(ctx, recorded_server):
    recorded_server.routes[("GET", "/data/districts.csv")] = Reply(
        200, recorded("districts_sample.csv"), content_type="text/csv")

    report = load_postcode_districts(recorded_server.url + "/data/districts.csv")

    assert report.loaded == 4
    assert point_for_search("WS2").lad_name == "Walsall"


def test_a_url_that_fails_is_refused_and_nothing_written(ctx, recorded_server):
    with pytest.raises(ValidationError, match="Could not download") as caught:
        load_postcode_districts(recorded_server.url + "/missing.csv")
    assert "404" in caught.value.errors["source"][0]
    assert _count() == 0


def test_the_cli_prints_counts_and_rejected_rows(runner, tmp_path):
    source = tmp_path / "districts.csv"
    source.write_text((RECORDED / "districts_sample.csv").read_text() + "BF1,,,,,,,,,,,,,,,,,\n")

    result = runner.invoke(args=["geodata", "load", str(source)])

    assert result.exit_code == 0, result.output
    assert "Postcode districts loaded: 4 (4 new, 0 updated); rejected: 1." in result.output
    assert "rejected line 6 (BF1): no coordinates" in result.output

    again = runner.invoke(args=["geodata", "load", str(source), "--show-rejected", "0"])
    assert "loaded: 4 (0 new, 4 updated)" in again.output
    assert "BF1" not in again.output


def test_the_cli_explains_a_file_it_cannot_use(runner, tmp_path):
    result = runner.invoke(args=["geodata", "load", str(tmp_path / "nope.csv")])
    assert result.exit_code != 0
    assert "Could not read the file" in result.output
