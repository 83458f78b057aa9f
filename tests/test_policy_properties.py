"""Property tests of the policy engine (hypothesis)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invplan import policy as P

finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=0.01, max_value=1e4)
service = st.floats(min_value=0.5, max_value=0.999)


@settings(max_examples=60, deadline=None)
@given(
    d=positive, sd=positive, lt=st.floats(0.5, 100), slt=st.floats(0, 20), s1=service, s2=service
)
def test_safety_stock_rises_with_service(d, sd, lt, slt, s1, s2):
    lo, hi = sorted((s1, s2))
    assert (
        P.safety_stock_normal(lo, d, sd, lt, slt)
        <= P.safety_stock_normal(hi, d, sd, lt, slt) + 1e-9
    )


@settings(max_examples=60, deadline=None)
@given(
    d=positive,
    sd=positive,
    lt=st.floats(0.5, 100),
    slt=st.floats(0, 20),
    extra=st.floats(0.01, 100),
    csl=service,
)
def test_safety_stock_rises_with_variability(d, sd, lt, slt, extra, csl):
    base = P.safety_stock_normal(csl, d, sd, lt, slt)
    assert P.safety_stock_normal(csl, d, sd + extra, lt, slt) >= base - 1e-9
    assert P.safety_stock_normal(csl, d, sd, lt, slt + extra) >= base - 1e-9


@settings(max_examples=40, deadline=None)
@given(d=positive, sd=positive, lt=st.floats(0.5, 60), q=positive, f1=service, f2=service)
def test_fill_rate_safety_stock_monotone(d, sd, lt, q, f1, f2):
    lo, hi = sorted((f1, f2))
    a = P.safety_stock_normal(lo, d, sd, lt, metric="fill_rate", order_qty=q)
    b = P.safety_stock_normal(hi, d, sd, lt, metric="fill_rate", order_qty=q)
    assert a <= b + 1e-6


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(
        st.tuples(finite, finite, finite, finite, finite, finite, finite), min_size=1, max_size=12
    ),
    pol=st.sampled_from(P.POLICIES),
    metric=st.sampled_from(["csl", "fill_rate"]),
)
def test_batch_never_nan_never_raises(values, pol, metric):
    arr = np.array(values, dtype=float)
    res = P.compute_policy(
        arr[:, 0],
        arr[:, 1],
        arr[:, 2],
        arr[:, 3],
        policy=pol,
        service_metric=metric,
        service_target=0.95,
        review_period=np.abs(arr[:, 4]),
        unit_cost=arr[:, 5],
        ordering_cost=np.abs(arr[:, 6]),
        holding_rate=0.25,
        stockout_cost=np.where(pol == "newsvendor", 5.0, np.nan),
    )
    numeric = res.drop(columns=["status", "method"]).to_numpy(dtype=float)
    assert np.isfinite(numeric).all()
    assert set(res["status"]) <= set(P.STATUSES)
    # Anything flagged carries zeros, anything ok came from valid inputs.
    bad = ~res["status"].isin(["ok", "conflicting_limits"]).to_numpy()
    assert (numeric[bad] == 0).all()
    ok = ~bad
    assert (arr[ok, 0] > 0).all() and (arr[ok, 2] > 0).all() and (arr[ok, 5] > 0).all()


def test_invalid_inputs_flagged_not_zeroed_silently():
    res = P.compute_policy(
        [10, -1, np.nan, 10, 10, 10, 10, 0],
        [2, 1, 1, 2, 2, 2, 2, 1],
        [5, 5, 5, -1, 5, 5, 5, 5],
        service_target=[0.95, 0.95, 0.95, 0.95, 1.5, 0.95, 0.95, 0.95],
        unit_cost=[1, 1, 1, 1, 1, 0, 1, 1],
        policy=["sQ", "sQ", "sQ", "sQ", "sQ", "sQ", "bogus", "sQ"],
    )
    assert res["status"].tolist() == [
        "ok",
        "invalid_demand",
        "nan_input",
        "invalid_lead_time",
        "invalid_service",
        "invalid_cost",
        "invalid_policy",
        "no_demand",
    ]


def test_absurd_value_becomes_status_not_nan():
    res = P.compute_policy([1e300, 5], [1e300, 1], [1e10, 5], unit_cost=[1e300, 1])
    assert res.loc[0, "status"] == "overflow"
    assert res.loc[1, "status"] == "ok"
    assert np.isfinite(res.drop(columns=["status", "method"]).to_numpy(float)).all()


@pytest.mark.parametrize(
    "kwargs,field",
    [
        (dict(demand_mean=-1.0, demand_std=1.0, lead_time=5.0), "demand_mean"),
        (dict(demand_mean=10.0, demand_std=1.0, lead_time=0.0), "lead_time"),
        (dict(demand_mean=10.0, demand_std=1.0, lead_time=5.0, unit_cost=0.0), "unit_cost"),
        (
            dict(demand_mean=10.0, demand_std=1.0, lead_time=5.0, service_target=1.0),
            "service_target",
        ),
        (dict(demand_mean=float("nan"), demand_std=1.0, lead_time=5.0), "NaN"),
    ],
)
def test_single_item_call_raises_naming_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        P.compute_policy(**kwargs)


def test_slow_mover_uses_discrete_integer_reorder_point():
    res = P.compute_policy(
        [0.2, 0.2, 50], [0.4, 1.5, 10], [10, 10, 10], ordering_cost=10, unit_cost=5
    )
    assert res["method"].tolist() == ["poisson", "negbin", "normal"]
    rp = res["reorder_point"].to_numpy()
    assert rp[0] == round(rp[0]) and rp[1] == round(rp[1])
    assert rp[1] >= rp[0]  # over-dispersion needs more stock for the same service


def test_make_to_order_and_manual():
    res = P.compute_policy([10, 10], [2, 2], [5, 5], policy=["mto", "manual"])
    assert res["status"].tolist() == ["make_to_order", "manual"]
    assert (res["reorder_point"] == 0).all()


def test_expected_service_reaches_target():
    """The policy's own expected CSL / fill rate meet the targets it was given."""
    kw = dict(
        service_metric=["csl", "fill_rate"],
        service_target=[0.95, 0.98],
        ordering_cost=50,
        unit_cost=3,
    )
    res = P.compute_policy([40, 40], [12, 12], [10, 10], allow_negative_safety_stock=True, **kw)
    assert res.loc[0, "expected_csl"] == pytest.approx(0.95, abs=1e-9)
    assert res.loc[1, "expected_fill_rate"] == pytest.approx(0.98, abs=1e-6)
    assert res.loc[1, "safety_stock"] < 0  # a large Q alone almost reaches 98 %
    floored = P.compute_policy([40, 40], [12, 12], [10, 10], **kw)
    assert floored.loc[1, "safety_stock"] == 0
    assert floored.loc[1, "expected_fill_rate"] > 0.98


def test_moq_pack_and_conflicting_limits():
    res = P.compute_policy(
        [20, 20],
        [5, 5],
        [5, 5],
        ordering_cost=0,
        moq=[50, 50],
        pack_multiple=[12, 12],
        max_order_qty=[np.nan, 10],
    )
    assert res.loc[0, "order_qty"] == 60
    assert res.loc[1, "status"] == "conflicting_limits"
    assert res.loc[1, "order_qty"] >= 50


def test_undershoot_bounded_for_tiny_forecast():
    """A near-zero forecast beside a historical deviation must not inflate s (bounded by
    one interval's mean + 3 sigma), and a steady item gets (sigma^2 + d^2) / 2d."""
    res = P.compute_policy(
        [1e-6, 20],
        [1, 2],
        [10, 10],
        policy="sS",
        unit_cost=1,
        fixed_order_qty=50,
        review_interval=1,
    )
    assert res.loc[0, "undershoot"] <= 1e-6 + 3 + 1e-9
    assert res.loc[1, "undershoot"] == pytest.approx((4 + 400) / 40)
