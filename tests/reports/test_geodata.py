"""Geography loaders: a tiny fixture of our own, the real public files, the CLI, a URL."""
from __future__ import annotations

import http.server
import threading

import pytest
from sqlalchemy import func, select

from navigator.errors import ValidationError
from navigator.extensions import db
from navigator.reports import geodata
from navigator.reports.geometry import Outline, simplify
from navigator.reports.models import LocalAuthority, Population, ProbationDeliveryUnit, ProbationRegion
from tests.reports.helpers import DATA, SHARED


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_tiny_boundaries_load_and_bad_features_are_reported(ctx):
    report = geodata.load_boundaries(str(DATA / "tiny_boundaries.geojson"))
    assert report.loaded == 4
    reasons = " | ".join(reason for _n, reason in report.rejected)
    assert "E92000001 is not a local authority code" in reasons
    assert "W06000015: geometry must be a Polygon or MultiPolygon" in reasons
    assert "E08000030 appears twice" in reasons
    walsall = db.session.get(LocalAuthority, "E08000030")
    assert walsall.centroid_lat == pytest.approx(52.60) and walsall.centroid_lon == pytest.approx(-2.00)
    assert walsall.svg_path.startswith("M") and walsall.svg_path.endswith("Z")


def test_population_needs_loaded_authorities_and_reports_each_bad_row(ctx):
    geodata.load_boundaries(str(DATA / "tiny_boundaries.geojson"))
    report = geodata.load_population(str(DATA / "tiny_population.csv"))
    assert report.loaded == 4
    reasons = [reason for _n, reason in report.rejected]
    assert any("E92000001 is not a local authority code" in r for r in reasons)
    assert any("E06000099 is not a loaded local authority" in r for r in reasons)
    assert any(r.startswith("E07000001:") for r in reasons)
    walsall = db.session.get(Population, "E08000030")
    assert walsall.residents == 100_000 and walsall.share("eth_black_pct") == pytest.approx(0.10)


def test_pdus_assign_each_authority_and_flag_split_ones(ctx):
    report = geodata.load_pdus(str(DATA / "tiny_pdus.csv"))
    assert report.loaded == 4 and len(report.rejected) == 2
    brum = db.session.get(LocalAuthority, "E08000025")
    assert brum.pdu_code == "N52BNES" and brum.pdu_split and brum.region_code == "N52"
    assert db.session.get(ProbationDeliveryUnit, "N52BIRM").name == "Birmingham Central and South"
    assert db.session.get(ProbationRegion, "N58").name == "South West"


def test_reloading_updates_in_place(ctx):
    geodata.load_pdus(str(DATA / "tiny_pdus.csv"))
    geodata.load_pdus(str(DATA / "tiny_pdus.csv"))
    assert _count(ProbationDeliveryUnit) == 4 and _count(LocalAuthority) == 4


@pytest.mark.parametrize("content, message", [
    ("not json", "not valid JSON"),
    ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
])
def test_unreadable_boundary_files_write_nothing(ctx, tmp_path, content, message):
    path = tmp_path / "bad.geojson"
    path.write_text(content)
    with pytest.raises(ValidationError, match=message):
        geodata.load_boundaries(str(path))
    assert _count(LocalAuthority) == 0
    with pytest.raises(ValidationError, match="No file"):
        geodata.load_boundaries(str(tmp_path / "missing.geojson"))


def test_a_csv_without_the_needed_columns_is_refused(ctx, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,people\nE08000030,5\n")
    with pytest.raises(ValidationError, match="missing columns"):
        geodata.load_pdus(str(path))


def test_cli_commands_join_the_geodata_group(runner, ctx):
    result = runner.invoke(args=["geodata", "load-boundaries", str(DATA / "tiny_boundaries.geojson")])
    assert result.exit_code == 0, result.output
    assert "Loaded 4 local authority boundaries; rejected 3." in result.output
    result = runner.invoke(args=["geodata", "load-pdus", str(DATA / "tiny_pdus.csv")])
    assert "Loaded 4 rows of probation geography" in result.output
    result = runner.invoke(args=["geodata", "load-population", str(DATA / "tiny_population.csv")])
    assert "Loaded 4 local authority populations" in result.output
    result = runner.invoke(args=["geodata", "load-population", "/nonexistent/file.csv"])
    assert result.exit_code != 0 and "No file at" in result.output


def test_loaders_accept_a_url(ctx):
    handler = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {
        "log_message": lambda *a: None,
        "__init__": lambda self, *a, **k: http.server.SimpleHTTPRequestHandler.__init__(
            self, *a, directory=str(DATA), **k)})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        assert geodata.load_pdus(f"{base}/tiny_pdus.csv").loaded == 4
        with pytest.raises(ValidationError, match="Could not download"):
            geodata.load_pdus(f"{base}/missing.csv")
    finally:
        server.shutdown()
        server.server_close()


def test_simplification_keeps_shape_and_drops_detail():
    square_with_noise = [(0, 0), (5, 0.01), (10, 0), (10, 10), (0, 10), (0, 0)]
    assert simplify(square_with_noise, 0.3) == [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]
    outline = Outline({"type": "MultiPolygon", "coordinates": [
        [[[0, 50], [1, 50], [1, 51], [0, 51], [0, 50]]],
        [[[2, 50], [3, 50], [3, 51], [2, 51], [2, 50]]]]})
    lon, lat = outline.centroid_lon_lat
    assert lon == pytest.approx(1.5) and lat == pytest.approx(50.5)
    assert outline.svg_path().count("M") == 2


needs_shared = pytest.mark.skipif(not (SHARED / "lad_2024_ew_with_census_probation.geojson").exists(),
                                  reason="the public reference data (../shared/data) is not present")


@needs_shared
def test_real_public_files_load_every_authority(ctx):
    boundaries = geodata.load_boundaries(str(SHARED / "lad_2024_ew_with_census_probation.geojson"))
    assert (boundaries.loaded, boundaries.rejected) == (318, [])
    pdus = geodata.load_pdus(str(SHARED / "lad2024_to_probation_region_pdu_ew.csv"))
    assert (pdus.loaded, pdus.rejected) == (318, [])
    names = geodata.load_pdus(str(SHARED / "hmpps_pdus_2023_names_delius_codes.csv"))
    assert names.loaded == 108
    population = geodata.load_population(str(SHARED / "census2021_ethnicity_religion_lad2024_ew.csv"))
    assert (population.loaded, population.rejected) == (318, [])
    assert _count(ProbationRegion) == 12
    assert _count(ProbationDeliveryUnit) == 108
    walsall = db.session.get(LocalAuthority, "E08000030")
    assert walsall.name == "Walsall" and walsall.region_code == "N52"
    assert 52.5 < walsall.centroid_lat < 52.7 and -2.1 < walsall.centroid_lon < -1.9
    assert db.session.get(Population, "E08000030").residents > 250_000
    # The 2021-boundary file adds no authorities that no longer exist.
    older = geodata.load_population(str(SHARED / "census2021_ethnicity_religion_lad2021_ew.csv"))
    assert older.rejected and _count(LocalAuthority) == 318
