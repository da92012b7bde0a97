"""Report fixtures: the tiny geography and the hand-worked gap fixture, on both databases."""
from __future__ import annotations

import pytest

from tests.conftest import AuthActions
from tests.reports import helpers


@pytest.fixture
def geography(ctx):
    helpers.load_tiny_geography()
    return ctx


@pytest.fixture
def gap_data(geography):
    return helpers.build_gap_fixture()


@pytest.fixture
def signed_in(app, users):
    """signed_in("commissioner") -> a test client signed in with that role."""

    def sign_in(role: str):
        client = app.test_client()
        AuthActions(client).login(users[role]["email"])
        return client

    return sign_in
