"""Stage adjustments and residual-demand summaries against hand and independent values."""

import math

import numpy as np
import pytest

from invplan import lifecycle_policy as lp


def test_stage_adjusted_inputs_example():
    d, s, a = lp.stage_adjusted_inputs(
        [10.0, 4.0, 2.0], [5.0, 1.0, 1.0], [0.95, 0.95, 0.8], [0.6, 1.0, np.nan], [0.9, 0, 0.9]
    )
    assert d.tolist() == pytest.approx([6.0, 4.0, 2.0])
    assert s.tolist() == pytest.approx([3.0, 1.0, 1.0])
    assert a.tolist() == pytest.approx([0.9, 0.95, 0.8])
    with pytest.raises(ValueError, match="below zero"):
        lp.stage_adjusted_inputs([1.0], [1.0], [0.9], [-0.5], [0])


def _poisson_quantile(mu, q):
    x, cdf, term = 0, math.exp(-mu), math.exp(-mu)
    while cdf < q:
        x += 1
        term *= mu / x
        cdf += term
    return x


def test_residual_summary_poisson_matches_loop():
    mus = [0.0, 0.7, 10.0, 33.3]
    out = lp.residual_demand_summary(mus)
    assert out["q50"].tolist()[2] == 10
    assert out.loc[2, ["q10", "q50", "q90"]].tolist() == [6, 10, 14]
    for i, mu in enumerate(mus[1:], start=1):
        for q in (0.1, 0.5, 0.9):
            assert out.loc[i, f"q{round(100 * q)}"] == _poisson_quantile(mu, q)
    assert out.loc[0, "q90"] == 0
    assert out.loc[2, "p_zero"] == pytest.approx(math.exp(-10))


def test_residual_summary_negative_binomial_moments():
    out = lp.residual_demand_summary([20.0], [60.0], probs=(0.5, 0.95))
    assert out.loc[0, "distribution"] == "negative_binomial"
    assert out.loc[0, "std"] == pytest.approx(math.sqrt(60))
    # n = 20^2 / 40 = 10, p = 1/3: P(D=0) = p^n
    assert out.loc[0, "p_zero"] == pytest.approx((1 / 3) ** 10)
    assert out.loc[0, "q95"] > _poisson_quantile(20.0, 0.95)
    with pytest.raises(ValueError):
        lp.residual_demand_summary([-1.0])


def test_weeks_of_history_example_and_no_demand():
    from datetime import date

    starts = [date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)]
    w = lp.weeks_of_history([[0, 3, 1], [0, 0, 0], [2, np.nan, 0]], starts, date(2026, 1, 26))
    assert w.tolist() == pytest.approx([2.0, 0.0, 3.0])
    with pytest.raises(ValueError, match="one start date"):
        lp.weeks_of_history([[1, 2]], starts, date(2026, 1, 26))


def test_analog_forecast_scales_reference_while_history_is_short():
    ref = [[10.0, 12.0], [10.0, 12.0], [4.0, np.nan], [1.0, 1.0]]
    out, use = lp.analog_forecast(ref, [0.5, 0.5, 2.0, 1.0], [3, 8, 0, 0], 8, [1, 1, 1, 0])
    assert use.tolist() == [True, False, True, False]
    assert out[0].tolist() == pytest.approx([5.0, 6.0])
    assert out[2].tolist() == pytest.approx([8.0, 0.0])
    assert out[1].tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="non-negative"):
        lp.analog_forecast([[1.0]], [-1.0], [0], 8, [True])


def _greedy(excess, need):
    """Independent loop: largest excess against largest need, per product."""
    out = {}
    for product in {p for _s, p, _q in excess}:
        es = sorted(
            ([q, s] for s, p, q in excess if p == product and q > 0), key=lambda x: (-x[0], x[1])
        )
        ns = sorted(
            ([q, d] for d, p, q in need if p == product and q > 0), key=lambda x: (-x[0], x[1])
        )
        i = j = 0
        while i < len(es) and j < len(ns):
            take = min(es[i][0], ns[j][0])
            out[(es[i][1], ns[j][1])] = out.get((es[i][1], ns[j][1]), 0.0) + take
            es[i][0] -= take
            ns[j][0] -= take
            if es[i][0] <= 1e-12:
                i += 1
            if ns[j][0] <= 1e-12:
                j += 1
    return out


def test_reuse_allocation_example_and_against_loop():
    import pandas as pd

    res = lp.reuse_allocation(
        pd.DataFrame({"source": ["A"], "product": [1], "qty": [10.0]}),
        pd.DataFrame({"dest": ["B", "C"], "product": [1, 1], "qty": [6.0, 7.0]}),
    )
    assert {(r.source, r.dest): r.qty for r in res.itertuples()} == {
        ("A", "C"): 7.0,
        ("A", "B"): 3.0,
    }
    rng = np.random.default_rng(3)
    excess = [(f"s{i}", int(rng.integers(3)), float(rng.integers(0, 20))) for i in range(12)]
    need = [(f"d{i}", int(rng.integers(3)), float(rng.integers(0, 20))) for i in range(12)]
    res = lp.reuse_allocation(
        pd.DataFrame(excess, columns=["source", "product", "qty"]),
        pd.DataFrame(need, columns=["dest", "product", "qty"]),
    )
    got = {(r.source, r.dest): r.qty for r in res.itertuples()}
    assert got == pytest.approx(_greedy(excess, need))
    for product in range(3):
        total = min(
            sum(q for _s, p, q in excess if p == product),
            sum(q for _d, p, q in need if p == product),
        )
        assert res.loc[res["product"] == product, "qty"].sum() == pytest.approx(total)
    empty = lp.reuse_allocation(
        pd.DataFrame(columns=["source", "product", "qty"]),
        pd.DataFrame(need, columns=["dest", "product", "qty"]),
    )
    assert empty.empty
