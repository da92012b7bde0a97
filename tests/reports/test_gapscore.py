"""The gap score on constructed fixtures whose answers are worked out by hand."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from navigator.reports import gapscore
from navigator.reports.gapscore import AreaMeasures, score_areas
from navigator.reports.periods import default_period
from tests.reports.helpers import BIRMINGHAM, CORNWALL, WALSALL, WOLVERHAMPTON

# 0.2 degrees of latitude between the Walsall and Wolverhampton fixture centres:
# 0.2 x pi/180 x 3958.8 = 13.8189 miles, so a neighbour's service weighs 0.5 x (1 - 13.8189/20).
NEIGHBOUR = 0.5 * (1 - 13.8189 / 20)


def test_score_combines_pressure_and_shortfall_as_documented():
    areas = [
        AreaMeasures("A", provision_weighted=0.0, residents=100_000, demand=40, unmet=10, waiting_days=20),
        AreaMeasures("B", provision_weighted=4.0, residents=100_000, demand=20, unmet=0, waiting_days=10),
        AreaMeasures("C", provision_weighted=2.0, residents=200_000, demand=0, unmet=5, waiting_days=None),
    ]
    scores = score_areas(areas, threshold=10)
    # A: pressure = 0.5*1 + 0.35*1 + 0.15*1 = 1; no services so shortfall 1 -> 100.
    assert scores["A"].score == 100.0
    # B: pressure = 0.5*0.5 + 0 + 0.15*0.5 = 0.325; provision 4/100k is the best -> shortfall 0.2.
    assert scores["B"].score == pytest.approx(6.5)
    # C: pressure = 0.35*0.5 = 0.175; provision 1/100k = a quarter of the best -> shortfall 0.8.
    assert scores["C"].score == pytest.approx(14.0)
    assert scores["A"].band == 4 and scores["B"].band == 0
    assert scores["A"].band_label.startswith("Very high")


def test_hidden_counts_enter_the_score_as_half_the_threshold():
    areas = [AreaMeasures("A", demand=None, residents=1000), AreaMeasures("B", demand=20, residents=1000)]
    scores = score_areas(areas, threshold=10)
    assert scores["A"].demand_n == pytest.approx(5 / 20)


def test_census_stands_in_for_demand_only_when_no_one_is_recorded():
    areas = [AreaMeasures("A", demand=0, census_demand=3000.0, residents=10),
             AreaMeasures("B", demand=0, census_demand=1000.0, residents=10)]
    scores = score_areas(areas)
    assert scores["A"].demand_source == "census"
    assert scores["B"].demand_n == pytest.approx(1 / 3)


def test_no_evidence_anywhere_gives_zero_not_an_error():
    scores = score_areas([AreaMeasures("A"), AreaMeasures("B", residents=None)])
    assert {s.score for s in scores.values()} == {0.0}
    assert scores["A"].demand_source == "none"


def test_service_weights_fall_with_distance():
    assert gapscore.service_weight_for_radius(0, 10) == 1.0
    assert gapscore.service_weight_for_radius(10, 10) == 0.5
    assert gapscore.service_weight_for_radius(10.1, 10) == 0.0
    assert gapscore.service_weight_for_neighbour(0) == 0.5
    assert gapscore.service_weight_for_neighbour(20) == 0.0


def _layer(need="accommodation", community=None, level="la", threshold=5):
    from navigator.reports import services

    view = services.build_gap_map(need, community, level, default_period(datetime.now(UTC).date()), threshold,
                                  sort="name", direction="asc")
    return {row.code: row for row in view.layer.rows}, view.layer


def test_gap_map_on_the_constructed_fixture_matches_the_hand_worked_answers(gap_data):
    rows, layer = _layer()
    walsall, wolves, cornwall, brum = rows[WALSALL], rows[WOLVERHAMPTON], rows[CORNWALL], rows[BIRMINGHAM]

    # Provision: S1 + S2 in Walsall, S3 next door, S4 national (0.25 everywhere, 1 at home).
    assert walsall.provision_weighted == pytest.approx(2 + NEIGHBOUR + 0.25, abs=1e-4)
    assert wolves.provision_weighted == pytest.approx(1 + 2 * NEIGHBOUR + 0.25, abs=1e-4)
    assert cornwall.provision_weighted == pytest.approx(1.0)
    assert brum.provision_weighted == pytest.approx(1.25)  # S3 names Birmingham; 21 miles is too far
    assert (walsall.services_in_area, wolves.services_in_area, brum.services_in_area) == (2, 1, 1)
    assert walsall.provision_rate == pytest.approx(2.4045, abs=1e-3)
    assert brum.provision_rate == pytest.approx(0.125)

    # Demand with threshold 5: Wolverhampton's 3 is hidden, and Walsall's 12 with it
    # (otherwise 35 - 20 - 0 would give the 3 away). The total stays.
    assert (walsall.demand, wolves.demand, cornwall.demand, brum.demand) == (None, None, 0, 20)
    assert layer.totals.demand == 35
    assert (walsall.declined_no_capacity, brum.declined_no_capacity) == (6, 11)
    assert (walsall.unmet, brum.unmet, wolves.unmet) == (6, 11, 0)
    assert (walsall.referrals, walsall.accepted, brum.referrals, brum.accepted) == (12, 6, 20, 9)
    assert walsall.waiting_days == pytest.approx(10, abs=0.01)
    assert brum.waiting_days == pytest.approx(4, abs=0.01)

    # Scores (hidden demand counts as 2.5):
    # Walsall: pressure 0.5*2.5/20 + 0.35*6/11 + 0.15*1 = 0.40341, best provision -> x0.2 = 8.1
    # Wolverhampton: 0.5*2.5/20 = 0.0625 x (1 - 0.8*0.7795/2.4045) = 4.6
    # Birmingham: 0.5 + 0.35 + 0.15*0.4 = 0.91 x (1 - 0.8*0.125/2.4045) = 87.2
    assert walsall.gap.score == pytest.approx(8.1, abs=0.05)
    assert wolves.gap.score == pytest.approx(4.6, abs=0.05)
    assert cornwall.gap.score == 0.0
    assert brum.gap.score == pytest.approx(87.2, abs=0.05)


def test_probation_delivery_units_count_a_service_once_at_its_best_weight(gap_data):
    rows, _layer_ = _layer(level="pdu")
    black_country = rows["N52BC"]
    # S1, S2 (1 each, Walsall), S3 (1, Wolverhampton), S4 (0.25): 3.25 over 300,000 residents.
    assert black_country.provision_weighted == pytest.approx(3.25)
    assert black_country.residents == 300_000
    assert black_country.demand == 15 or black_country.demand is None
    assert set(rows) == {"N52BC", "N58CORN", "N52BNES"}  # Birmingham sits in its first listed PDU


def test_a_community_filter_counts_only_its_services_and_its_residents(gap_data):
    rows, _layer_ = _layer(community="led-by:black-led")
    walsall = rows[WALSALL]
    assert walsall.services_in_area == 1  # S2 only
    assert walsall.community_residents == 10_000  # 10% of 100,000 are Black (census)
    assert walsall.provision_rate == pytest.approx(1 * 100_000 / 10_000)
    # Everyone in the fixture is White British, so no caseload demand for this community:
    # demand falls back to the census count of Black residents.
    assert walsall.demand == 0
    assert walsall.gap.demand_source == "census"
