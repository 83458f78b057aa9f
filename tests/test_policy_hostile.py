"""Hostile inputs of the policy engine: a demand of 0.001 a week never gives a negative
safety stock, reorder point or maximum, whatever the policy, the service metric or the
method (discrete slow mover, cost-based, newsvendor)."""

import numpy as np
import pytest
from scipy import stats

from invplan import policy as P

WEEKLY = 0.001
DAILY = WEEKLY / 7.0
LEAD_TIME = 6.0


@pytest.mark.parametrize("policy", ["sQ", "sS", "RS"])
@pytest.mark.parametrize("metric", ["csl", "fill_rate"])
@pytest.mark.parametrize("review_interval", [0.0, 1.0])
def test_tiny_demand_never_negative(policy, metric, review_interval):
    res = P.compute_policy(
        DAILY,
        np.sqrt(DAILY),
        LEAD_TIME,
        policy=policy,
        service_metric=metric,
        service_target=0.95,
        review_period=7.0,
        unit_cost=5.0,
        ordering_cost=40.0,
        review_interval=review_interval,
    ).iloc[0]
    assert res["status"] == "ok"
    for column in ("safety_stock", "reorder_point", "order_up_to", "order_qty", "avg_stock"):
        assert res[column] >= 0.0, column
        assert not np.signbit(res[column]), f"{column} is -0.0"


def test_tiny_demand_discrete_reorder_point_independent():
    """Poisson lead-time demand of mean mu = 0.001 / 7 x 6 days: P(D = 0) = exp(-mu) is
    above 95 %, so the reorder point is 0 and the safety stock max(0 - mu, 0) = 0 (it was
    -mu)."""
    mu = DAILY * LEAD_TIME
    assert stats.poisson.cdf(0, mu) > 0.95
    expected_r = float(stats.poisson.ppf(0.95, mu))
    assert expected_r == 0.0
    res = P.compute_policy(
        DAILY,
        np.sqrt(DAILY),
        LEAD_TIME,
        policy="sS",
        service_target=0.95,
        unit_cost=5.0,
        ordering_cost=0.0,
    ).iloc[0]
    assert res["method"] in ("poisson", "negbin")
    assert res["reorder_point"] == expected_r
    assert res["safety_stock"] == max(expected_r - mu, 0.0) == 0.0
    assert res["demand_mean_p"] == pytest.approx(mu)


def test_tiny_demand_cost_based_and_newsvendor_never_negative():
    """Cost-based (r, Q) falls to the 0.1 % quantile mu - 3.09 sigma when stockouts are
    cheap: below zero for a tiny mean; the reorder point, maximum and safety stock stop
    at 0."""
    mu = DAILY * LEAD_TIME
    sigma = 0.5 * np.sqrt(LEAD_TIME)
    raw_r = mu + sigma * stats.norm.ppf(1e-3)
    assert raw_r < 0  # what the formula alone gives
    res = P.compute_policy(
        [DAILY, DAILY],
        [0.5, 0.5],
        [LEAD_TIME, LEAD_TIME],
        policy=["sS", "newsvendor"],
        unit_cost=5.0,
        ordering_cost=40.0,
        stockout_cost=1.0,
    )
    assert list(res["method"]) == ["cost_based", "newsvendor"]
    for column in ("safety_stock", "reorder_point", "order_up_to"):
        assert (res[column] >= 0).all(), column
    assert res.loc[0, "reorder_point"] == 0.0
    assert res.loc[0, "order_up_to"] == pytest.approx(res.loc[0, "order_qty"])


def test_negative_safety_stock_still_available_on_request():
    res = P.compute_policy(
        DAILY,
        np.sqrt(DAILY),
        LEAD_TIME,
        policy="sS",
        unit_cost=5.0,
        allow_negative_safety_stock=True,
    ).iloc[0]
    assert res["safety_stock"] == pytest.approx(-DAILY * LEAD_TIME)
