"""Aging, provisions, run-out and last-time buy against independent computations."""

import math

import numpy as np
import pandas as pd
import pytest

from invplan import lifecycle as lc


def _fifo_loop(receipts, on_hand, as_of):
    """FIFO layers by a plain loop, newest receipt first."""
    out = []
    for item, need in on_hand.items():
        rows = sorted([r for r in receipts if r[0] == item], key=lambda r: r[1], reverse=True)
        left = max(need, 0)
        for _, date, qty in rows:
            take = min(qty, left)
            if take > 0:
                out.append((item, (pd.Timestamp(as_of) - pd.Timestamp(date)).days, take))
            left -= take
        if left > 0:
            out.append((item, None, left))
    return out


def test_fifo_layers_match_loop():
    rng = np.random.default_rng(2)
    receipts = []
    for i in range(20):
        for _ in range(rng.integers(0, 8)):
            receipts.append(
                (
                    f"i{i}",
                    pd.Timestamp("2025-01-01") + pd.Timedelta(days=int(rng.integers(0, 600))),
                    float(rng.integers(1, 50)),
                )
            )
    on_hand = pd.Series({f"i{i}": float(rng.integers(-5, 120)) for i in range(20)})
    df = pd.DataFrame(receipts, columns=["item", "date", "qty"])
    layers = lc.fifo_age_layers(df, on_hand, "2026-11-01")
    expected = _fifo_loop(receipts, on_hand, "2026-11-01")
    got = [
        (r.item, None if r.unknown_origin else int(r.age_days), r.qty) for r in layers.itertuples()
    ]

    def order(t):
        return (t[0], -1 if t[1] is None else t[1], t[2])

    exp = sorted(expected, key=order)
    got = sorted(got, key=order)
    assert got == exp
    total = layers.groupby("item")["qty"].sum()
    assert (total.reindex(on_hand.index).fillna(0) == on_hand.clip(lower=0)).all()


def test_aging_buckets_and_provision():
    layers = pd.DataFrame(
        {
            "item": ["a", "a", "a", "b"],
            "qty": [5.0, 3.0, 2.0, 4.0],
            "age_days": [10.0, 100.0, 400.0, -1.0],
            "unknown_origin": [False, False, False, True],
        }
    )
    b = lc.aging_buckets(layers, (90, 180, 365), unit_cost=pd.Series({"a": 2.0, "b": 10.0}))
    assert b.loc["a", ["0-90", "91-180", "181-365", ">365"]].tolist() == [5, 3, 0, 2]
    assert b.loc["b", ">365"] == 4  # unknown origin counts as oldest
    values = b[[c for c in b.columns if c.startswith("value ")]]
    values.columns = [c[6:] for c in values.columns]
    rates = {"0-90": 0.0, "91-180": 0.1, "181-365": 0.25, ">365": 0.5}
    prov = lc.provision(values, rates)
    assert prov["a"] == pytest.approx(3 * 2 * 0.1 + 2 * 2 * 0.5)
    assert prov["b"] == pytest.approx(4 * 10 * 0.5)
    with pytest.raises(ValueError, match="no provision rate"):
        lc.provision(values, {"0-90": 0.1})


def test_run_out_days():
    assert lc.run_out_days([100, 0, 5], [10, 1, 0]).tolist() == [10, 0, 3650]
    path = np.array([[1.0, 2, 3, 4, 5]])
    assert lc.run_out_days([6.0], path)[0] == 3  # 1+2+3 reaches 6 on day 3


def test_residual_demand_mean_geometric_sum():
    direct = sum(10 * 0.9**t for t in range(1, 13))
    assert lc.residual_demand_mean(10, 0.1, 12) == pytest.approx(direct)
    assert lc.residual_demand_mean(10, 0.0, 12) == pytest.approx(120)


def test_last_time_buy_is_critical_fractile_quantile():
    """Poisson(50), c=10, p=30, v=2, h=1: cu=20, co=9, ratio 20/29; S* from a pmf sum."""
    res = lc.last_time_buy(50, 10, 30, 2, 1, on_hand=10).iloc[0]
    ratio = 20 / 29
    assert res["critical_ratio"] == pytest.approx(ratio)
    cdf, s = 0.0, None
    pmf = [math.exp(-50 + k * math.log(50) - math.lgamma(k + 1)) for k in range(200)]
    for k in range(200):
        cdf += pmf[k]
        if cdf >= ratio:
            s = k
            break
    assert res["target_level"] == s
    assert res["order_qty"] == s - 10
    leftover = sum(max(s - k, 0) * pmf[k] for k in range(200))
    short = sum(max(k - s, 0) * pmf[k] for k in range(200))
    assert res["expected_leftover"] == pytest.approx(leftover, abs=1e-9)
    assert res["expected_shortage"] == pytest.approx(short, abs=1e-9)


def test_last_time_buy_negbin_and_bad_costs():
    res = lc.last_time_buy([40, 40], [5, 5], [20, 4], residual_variance=[160, 160])
    assert res.loc[0, "status"] == "ok"
    assert res.loc[0, "target_level"] > lc.last_time_buy(40, 5, 20).loc[0, "target_level"]
    assert res.loc[1, "status"] == "invalid_cost" and res.loc[1, "order_qty"] == 0
