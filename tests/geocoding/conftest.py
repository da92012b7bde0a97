"""Fixtures for geocoding tests: a local server with recorded answers, and sample districts."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.geocoding.server import RECORDED, RecordedServer

SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


@pytest.fixture
def recorded_server():
    server = RecordedServer().start()
    yield server
    server.stop()


@pytest.fixture
def districts(ctx):
    """The sample districts (B15, B36, WS1, WS2) loaded through the real loader."""
    from navigator.directory.geocoding.districts import load_postcode_districts

    report = load_postcode_districts(str(RECORDED / "districts_sample.csv"))
    assert report.loaded == 4 and not report.rejected
    return report
