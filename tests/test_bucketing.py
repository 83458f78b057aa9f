"""Bucketing of dated quantities, event and censored flags, Hampel outlier flags."""

import numpy as np
import pandas as pd
import pytest

from invplan.forecast import bucket_demand, flag_outliers


@pytest.fixture()
def moves():
    return pd.DataFrame(
        {
            "item": ["a", "a", "a", "b", "b", "a"],
            "date": [
                "2024-01-01",
                "2024-01-07",
                "2024-01-08",
                "2024-01-03",
                "2024-01-20",
                "2024-01-09",
            ],  # fmt: skip
            "quantity": [1.0, 2.0, 3.0, 4.0, 5.0, 10.0],
            "stockout": [False, False, False, True, False, False],
            "promo": [False, False, False, False, False, True],
        }
    )


def test_iso_week_buckets(moves):
    b = bucket_demand(moves, "week", censored="stockout", event="promo")
    # 2024-01-01 is a Monday: ISO weeks 1..3
    assert [str(p.start_time.date()) for p in b.periods] == ["2024-01-01", "2024-01-08",
                                                              "2024-01-15"]  # fmt: skip
    assert list(b.keys) == ["a", "b"]
    np.testing.assert_allclose(b.demand, [[3, 3, 0], [4, 0, 5]])
    np.testing.assert_allclose(b.event_qty, [[0, 10, 0], [0, 0, 0]])
    np.testing.assert_array_equal(b.event, [[False, True, False], [False] * 3])
    np.testing.assert_array_equal(b.censored, [[False] * 3, [True, False, False]])
    base = b.baseline()
    assert np.isnan(base[0, 1]) and np.isnan(base[1, 0]) and base[1, 2] == 5


def test_day_and_month_buckets(moves):
    d = bucket_demand(moves, "day")
    assert d.demand.shape == (2, 20)
    assert d.demand.sum() == pytest.approx(25.0)
    m = bucket_demand(moves, "month", start="2023-12-01")
    assert m.demand.shape == (2, 2)
    np.testing.assert_allclose(m.demand[:, 0], 0.0)


def test_multi_key(moves):
    moves = moves.assign(wh=["w1", "w2", "w1", "w1", "w1", "w1"])
    b = bucket_demand(moves, "week", key=["item", "wh"])
    assert list(b.keys) == [("a", "w1"), ("a", "w2"), ("b", "w1")]


def test_bad_inputs(moves):
    with pytest.raises(ValueError):
        bucket_demand(moves, "year")
    with pytest.raises(ValueError):
        bucket_demand(moves.drop(columns="quantity"))


def test_hampel_flags_spike_not_normal_values():
    rng = np.random.default_rng(0)
    y = 100 + rng.normal(0, 2, (2, 60))
    y[0, 30] = 200
    y[1, 10] = np.nan
    r = flag_outliers(y, window=7)
    assert r.flags[0, 30]
    assert r.flags.sum() <= 2
    assert not r.flags[1, 10]
    assert r.cleaned[0, 30] == pytest.approx(r.median[0, 30])
    assert np.isfinite(r.median).all()


def test_hampel_intermittent_row_not_all_flagged():
    y = np.zeros((1, 50))
    y[0, ::5] = 3.0
    y[0, 25] = 60.0
    r = flag_outliers(y)
    assert r.flags.sum() <= 1
