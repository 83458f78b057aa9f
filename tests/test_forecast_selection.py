"""Back-test selection, error sigmas, top-down shares, statsmodels fallback."""

import numpy as np
import pytest

from invplan.forecast import (
    backtest_origins,
    candidates_for,
    forecast_batch,
    historical_share,
)
from invplan.forecast.selection import SEASONAL_CANDIDATES


@pytest.fixture(scope="module")
def generated():
    rng = np.random.default_rng(11)
    T, n = 96, 40
    t = np.arange(T)
    seasonal = 100 + 50 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 3, (n, T))
    trend = 20 + 2.0 * t + rng.normal(0, 2, (n, T))
    inter = (rng.poisson(6, (n, T)) * (rng.random((n, T)) < 0.2)).astype(float)
    return seasonal, trend, inter


def test_selection_recovers_generating_model(generated):
    seasonal, trend, inter = generated
    n = seasonal.shape[0]
    y = np.vstack([seasonal, trend, inter])
    res = forecast_batch(y, 12, season_length=12)
    method = res.table["method"].to_numpy()
    assert np.isin(method[:n], SEASONAL_CANDIDATES).mean() >= 0.9
    assert np.isin(method[n : 2 * n], ("holt", "holt_damped", "holt_winters_add")).mean() >= 0.9
    assert np.isin(method[2 * n :], ("croston", "sba", "tsb", "adida")).all()
    assert (res.table["pattern"].to_numpy()[2 * n :] != "smooth").all()
    assert np.isfinite(res.forecast).all()


def test_sigma_h_grows_with_horizon_and_is_finite(generated):
    seasonal, _, _ = generated
    res = forecast_batch(seasonal[:10], 6, season_length=12, horizon_for_sigma=np.arange(1, 11))
    t = res.table
    assert (t["sigma_1"] > 0).all()
    assert np.isfinite(t["sigma_h"]).all()
    np.testing.assert_allclose(t["sigma_h"].iloc[0], t["sigma_1"].iloc[0], rtol=1e-9)
    assert t["sigma_h"].iloc[-1] > t["sigma_1"].iloc[-1]


def test_sigma_matches_hand_computation():
    rng = np.random.default_rng(5)
    y = 10 + rng.normal(0, 1, (1, 60))
    res = forecast_batch(y, 3, methods=["naive"], pattern=["smooth"], horizon_for_sigma=3)
    o = res.origins
    last = y[0, o - 1]
    e1 = y[0, o] - last
    cum = np.array([(y[0, oo : oo + 3] - y[0, oo - 1]).sum() for oo in o])
    assert res.table["sigma_1"].iloc[0] == pytest.approx(np.sqrt(np.mean(e1**2)))
    assert res.table["sigma_h"].iloc[0] == pytest.approx(np.sqrt(np.mean(cum**2)))


def test_degenerate_rows_inside_a_batch():
    rng = np.random.default_rng(2)
    good = 50 + rng.normal(0, 5, (3, 52))
    rows = [
        np.zeros(52),
        np.r_[np.full(51, np.nan), 4.0],
        np.full(52, 7.0),
        np.full(52, np.nan),
        np.where(rng.random(52) < 0.2, np.nan, 30 + rng.normal(0, 2, 52)),
    ]
    y = np.vstack([good, *rows])
    res = forecast_batch(y, 4, season_length=4)
    assert np.isfinite(res.forecast).all()
    assert res.table[["sigma_1", "sigma_h", "metric_value"]].notna().all().all()
    st = res.table["status"].tolist()
    assert st[3:7] == ["all_zero", "single_point", "constant", "no_data"]
    np.testing.assert_allclose(res.forecast[5], 7.0)
    np.testing.assert_allclose(res.forecast[3], 0.0)


def test_metric_choice_and_explicit_methods(generated):
    seasonal, _, _ = generated
    for metric in ("mae", "rmse", "mape", "smape", "wape"):
        res = forecast_batch(seasonal[:5], 4, methods=["ses", "seasonal_naive"], season_length=12,
                             metric=metric)  # fmt: skip
        assert set(res.table["method"]) <= {"ses", "seasonal_naive"}
    with pytest.raises(ValueError):
        forecast_batch(seasonal[:2], 4, metric="nope")
    with pytest.raises(ValueError):
        forecast_batch(seasonal[:2], 4, pattern=["smooth", "weird"])


def test_candidates_and_origins():
    assert candidates_for("lumpy") == ("croston", "sba", "tsb", "adida")
    assert "holt_winters_mul" in candidates_for("smooth", 12)
    assert "ses_seasonal" in candidates_for("erratic", 7)
    assert "holt_winters_mul" not in candidates_for("smooth")
    o = backtest_origins(100, 10, n_origins=4, step=2)
    np.testing.assert_array_equal(o, [84, 86, 88, 90])
    assert backtest_origins(8, 10).min() >= 4


def test_top_down_for_sparse_warehouse_series():
    rng = np.random.default_rng(9)
    T = 60
    dense = 40 + rng.normal(0, 3, (1, T))
    sparse = np.zeros((1, T))
    sparse[0, [10, 40]] = [5.0, 7.0]
    y = np.vstack([dense, sparse])
    group = ["p1", "p1"]
    share = historical_share(y, group)
    assert share.sum() == pytest.approx(1.0)
    res = forecast_batch(y, 4, group=group, top_down_min_demands=3)
    assert res.table["status"].iloc[1] == "top_down"
    assert res.table["method"].iloc[1].startswith("top_down:")
    total = forecast_batch(y.sum(axis=0, keepdims=True), 4).forecast
    np.testing.assert_allclose(res.forecast[1], total[0] * share[1], rtol=1e-9)
    assert res.table["status"].iloc[0] != "top_down"


def test_statsmodels_budget_fallback(generated):
    seasonal, _, _ = generated
    res = forecast_batch(seasonal[:3], 4, season_length=12, statsmodels_rows=[0, 1],
                         statsmodels_models=("ets",), time_budget=0.0, n_origins=3)  # fmt: skip
    assert res.table["statsmodels_status"].tolist()[:2] == ["budget_exhausted"] * 2
    assert res.table["status"].iloc[0] == "budget_exhausted_fallback"
    assert np.isfinite(res.forecast).all()


def test_statsmodels_ets_can_be_chosen():
    # A budget no loaded test machine exhausts: this checks the choice, the budget has its
    # own test above.
    rng = np.random.default_rng(1)
    y = 100 + np.cumsum(rng.normal(0, 1, (1, 48)), axis=1)
    res = forecast_batch(y, 3, statsmodels_rows=np.array([True]), statsmodels_models=("arima",),
                         time_budget=3600, n_origins=3)  # fmt: skip
    st = res.table["statsmodels_status"].iloc[0]
    assert st in ("chosen", "not_better")
    if st == "chosen":
        assert res.table["method"].iloc[0].startswith("arima(")
    assert np.isfinite(res.forecast).all()
