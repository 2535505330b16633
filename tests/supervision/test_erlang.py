"""Erlang C against a published worked example and against closed forms worked by hand."""

from __future__ import annotations

import math

import pytest

from contact_center.supervision import erlang


def test_the_published_worked_example_100_calls_in_30_minutes_aht_180_s_14_agents() -> None:
    result = erlang.evaluate(14, arrivals_per_second=100 / 1800, aht_seconds=180, threshold_seconds=20)

    assert result.traffic_erlangs == pytest.approx(10.0)
    assert round(result.wait_probability, 3) == 0.174
    assert round(result.service_level, 3) == 0.888
    assert round(result.asa_seconds, 1) == 7.8


def test_fourteen_is_the_fewest_agents_for_80_percent_in_20_seconds_in_that_example() -> None:
    needed = erlang.agents_needed(100 / 1800, 180, 20, 0.8)

    assert needed.agents == 14
    assert erlang.service_level(13, 10.0, 180, 20) < 0.8 <= erlang.service_level(14, 10.0, 180, 20)


def test_three_servers_at_two_erlangs_match_the_textbook_closed_form() -> None:
    # M/M/3 with A = 2: P(wait) = (A^3/3! · 3/(3−2)) / (1 + 2 + 2 + 4) = 4/9.
    assert erlang.wait_probability(3, 2.0) == pytest.approx(4 / 9)
    assert erlang.average_speed_of_answer(3, 2.0, 60) == pytest.approx(4 / 9 * 60 / 1)
    assert erlang.service_level(3, 2.0, 60, 30) == pytest.approx(1 - 4 / 9 * math.exp(-0.5))


def test_one_server_waits_with_probability_equal_to_its_load() -> None:
    assert erlang.wait_probability(1, 0.7) == pytest.approx(0.7)


def test_an_unstable_queue_always_waits_and_no_traffic_never_does() -> None:
    assert erlang.wait_probability(5, 5.0) == 1.0
    assert erlang.average_speed_of_answer(4, 5.0, 100) == math.inf
    assert erlang.agents_needed(0.0, 180, 20, 0.8).agents == 0


def test_large_centres_stay_finite() -> None:
    needed = erlang.agents_needed(2000 / 1800, 300, 20, 0.9)

    assert 333 < needed.agents < 400
    assert 0.9 <= needed.service_level < 1


def test_a_target_outside_zero_and_one_is_refused() -> None:
    with pytest.raises(ValueError):
        erlang.agents_needed(1, 180, 20, 80)
