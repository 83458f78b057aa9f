"""What-if scenarios: parameters and replay of both sides, exchange curve, pilot review."""

import numpy as np
import pandas as pd
import pytest

from invplan.classify import classify_xyz
from invplan.policy import compute_policy
from invplan.scenario import (
    Change,
    apply_changes,
    diff_in_diff,
    diff_in_diff_units,
    draw_demand,
    evaluate_scenario,
    exchange_curve,
    move_items,
    plan_parameters,
    resegment,
    segment_moves,
    xyz_from_cv,
)


def _items(m=40, seed=1):
    rng = np.random.default_rng(seed)
    items = pd.DataFrame(
        {
            "segment": np.where(np.arange(m) < m // 2, "A", "C"),
            "vendor": np.where(np.arange(m) % 2 == 0, "V1", "V2"),
            "lead_time": rng.integers(3, 12, m).astype(float),
            "lead_time_std": 0.0,
            "unit_cost": rng.uniform(5, 50, m),
            "policy": "sS",
            "service_metric": "csl",
            "service_target": 0.90,
            "review_period": 7.0,
            "ordering_cost": 40.0,
            "holding_rate": 0.25,
        }
    )
    mean = rng.uniform(2, 10, m)
    demand = rng.poisson(mean[:, None], size=(m, 365)).astype(float)
    return items, demand


def test_unchanged_scenario_replays_exactly_as_current():
    items, demand = _items()
    res = evaluate_scenario(items, demand, [])
    pd.testing.assert_frame_equal(res.current_replay, res.scenario_replay)
    cur = res.summary.filter(like="current_").rename(columns=lambda c: c[8:])
    scen = res.summary.filter(like="scenario_").rename(columns=lambda c: c[9:])
    pd.testing.assert_frame_equal(cur, scen)
    assert (res.summary["stock_value_change"] == 0).all()


def test_higher_service_gives_more_stock_and_more_fill_monotonically():
    items, demand = _items()
    values, fills = [], []
    for target in (0.80, 0.90, 0.95, 0.99):
        res = evaluate_scenario(items, demand, [Change("service_target", target)])
        values.append(res.summary["scenario_stock_value"].sum())
        fills.append(
            (res.summary["scenario_fill_rate"] * res.summary["scenario_demand"]).sum()
            / res.summary["scenario_demand"].sum()
        )
    assert all(b > a for a, b in zip(values, values[1:], strict=False))
    assert all(b >= a for a, b in zip(fills, fills[1:], strict=False))
    assert fills[-1] > fills[0]


def test_change_restricted_to_a_segment_leaves_the_other_alone():
    items, demand = _items()
    res = evaluate_scenario(items, demand, [Change("service_target", 0.99, segment="A")])
    s = res.summary
    assert s.loc["A", "scenario_stock_value"] > s.loc["A", "current_stock_value"]
    assert s.loc["C", "scenario_stock_value"] == pytest.approx(s.loc["C", "current_stock_value"])


def test_lead_time_shock_raises_safety_stock_as_the_formula_says():
    items, demand = _items()
    items["policy"] = "sQ"
    before = plan_parameters(items, demand)
    shocked, _, L = apply_changes(items, demand, [Change("lead_time_pct", 50.0)])
    after = plan_parameters(shocked, demand)
    # Normal items: ss = z sigma_d sqrt(L); +50 % lead time multiplies it by sqrt(1.5).
    mean = demand.mean(axis=1)
    normal = (mean * items["lead_time"].to_numpy() >= 10) & (before["status"] == "ok").to_numpy()
    assert normal.sum() > 10
    ratio = after["safety_stock"].to_numpy()[normal] / before["safety_stock"].to_numpy()[normal]
    np.testing.assert_allclose(ratio, np.sqrt(1.5), rtol=1e-9)
    np.testing.assert_allclose(L[:, 0], items["lead_time"].to_numpy() * 1.5)
    plus = apply_changes(items, demand, [Change("lead_time_days", 3, vendor="V1")])[0]
    v1 = (items["vendor"] == "V1").to_numpy()
    np.testing.assert_allclose(plus["lead_time"][v1], items["lead_time"][v1] + 3)
    np.testing.assert_allclose(plus["lead_time"][~v1], items["lead_time"][~v1])


def test_parameters_come_from_the_policy_engine():
    items, demand = _items(m=6)
    params = plan_parameters(items, demand)
    ref = compute_policy(
        demand.mean(axis=1),
        demand.std(axis=1, ddof=1),
        items["lead_time"].to_numpy(),
        0.0,
        policy="sS",
        service_metric="csl",
        service_target=0.90,
        unit_cost=items["unit_cost"].to_numpy(),
        holding_rate=0.25,
        ordering_cost=40.0,
    )
    np.testing.assert_allclose(params["min"], ref["reorder_point"])
    np.testing.assert_allclose(params["max"], np.maximum(ref["order_up_to"], ref["reorder_point"]))


def test_demand_shock_changes_results_and_replans_the_scenario():
    items, demand = _items()
    res = evaluate_scenario(items, demand, [Change("demand_pct", 30.0, segment="A")])
    s = res.summary
    # Both sides meet the higher demand; the current plan is not ready for it.
    assert s.loc["A", "current_demand"] == pytest.approx(s.loc["A", "scenario_demand"])
    assert s.loc["A", "current_fill_rate"] < s.loc["A", "scenario_fill_rate"]
    assert s.loc["A", "scenario_stock_value"] > s.loc["A", "current_stock_value"]
    base = evaluate_scenario(items, demand, [])
    assert s.loc["A", "current_demand"] == pytest.approx(
        1.3 * base.summary.loc["A", "current_demand"]
    )
    assert s.loc["A", "current_fill_rate"] < base.summary.loc["A", "current_fill_rate"]


def test_vendor_failure_holds_orders_and_costs_service():
    items, demand = _items()
    _, _, L = apply_changes(items, demand, [Change("vendor_failure", 30, vendor="V1", start=100)])
    v1 = (items["vendor"] == "V1").to_numpy()
    lt = items["lead_time"].to_numpy()
    # An order on day 100 waits until day 129, then takes its lead time.
    np.testing.assert_allclose(L[v1, 100], lt[v1] + 29)
    np.testing.assert_allclose(L[v1, 129], lt[v1])
    np.testing.assert_allclose(L[~v1, 110], lt[~v1])
    res = evaluate_scenario(items, demand, [Change("vendor_failure", 30, vendor="V1", start=100)])
    base = evaluate_scenario(items, demand, [])
    assert res.summary["current_fill_rate"].mean() < base.summary["current_fill_rate"].mean()
    # A failure changes no parameter: both sides replay the same rules.
    pd.testing.assert_frame_equal(res.current_params, res.scenario_params)


def test_periodic_review_orders_on_its_day_only():
    items, demand = _items(m=10)
    res = evaluate_scenario(
        items, demand, [Change("policy", text="RS"), Change("review_period", 14)]
    )
    assert (res.scenario_params["review"] == 14).all()
    assert (res.scenario_params["min"] == res.scenario_params["max"]).all()
    # At most one order per 14 days.
    assert (res.scenario_replay["orders"] <= np.ceil(365 / 14)).all()
    assert (res.scenario_replay["orders"] >= 20).all()


def test_summary_costs_add_up():
    items, demand = _items()
    s = evaluate_scenario(items, demand, [Change("ordering_cost", 80)]).summary
    np.testing.assert_allclose(s["current_holding_cost"], 0.25 * s["current_stock_value"])
    np.testing.assert_allclose(s["current_ordering_cost"], 40 * s["current_orders_per_year"])
    np.testing.assert_allclose(s["scenario_ordering_cost"], 80 * s["scenario_orders_per_year"])
    np.testing.assert_allclose(
        s["scenario_total_cost"], s["scenario_holding_cost"] + s["scenario_ordering_cost"]
    )
    # Dearer orders: larger lots, fewer orders.
    assert (s["scenario_orders_per_year"] < s["current_orders_per_year"]).all()


def test_group_without_demand_has_no_fill_rate():
    items, history = _items(m=4)
    demand = history.copy()
    demand[2:] = 0.0  # planned on their history, no demand in the days replayed
    s = evaluate_scenario(items, demand, [], history=history, by=("vendor", "segment")).summary
    assert np.isnan(s.loc[("V1", "C"), "current_fill_rate"])
    assert np.isfinite(s.loc[("V1", "A"), "current_fill_rate"])


def test_items_without_a_policy_are_left_out_of_both_sides():
    items, demand = _items(m=6)
    demand[0] = 0.0
    res = evaluate_scenario(items, demand, [Change("service_target", 0.95)])
    assert res.extra["not_planned"] == 1
    assert not res.extra["planned"][0]
    assert res.summary["current_items"].sum() == 5


def test_exchange_curve_is_monotone_per_segment():
    items, demand = _items()
    curve = exchange_curve(items, demand, targets=(0.8, 0.9, 0.95, 0.99))
    assert set(curve["segment"]) == {"A", "C"}
    for _, g in curve.groupby("segment"):
        g = g.sort_values("target")
        assert g["stock_value"].is_monotonic_increasing
        assert g["fill_rate"].iloc[-1] > g["fill_rate"].iloc[0]


def test_changes_are_validated():
    with pytest.raises(ValueError):
        Change("service_target", 98)
    with pytest.raises(ValueError):
        Change("policy", text="XY")
    with pytest.raises(ValueError):
        Change("wish")
    with pytest.raises(ValueError):
        Change("demand_pct", -100)


# ------------------------------------------------------------------ difference in differences
def test_did_hand_example():
    # Pilot: 10, 12 before, 20, 22 after (means 11 -> 21); control: 8, 10 -> 11, 13 (9 -> 12).
    y = [10, 12, 20, 22, 8, 10, 11, 13]
    treated = [1, 1, 1, 1, 0, 0, 0, 0]
    post = [0, 0, 1, 1, 0, 0, 1, 1]
    res = diff_in_diff(y, treated, post)
    assert res.estimate == pytest.approx((21 - 11) - (12 - 9))
    # Each cell has residuals +-1: RSS = 8 on 8 - 4 dof, s2 = 2; se = sqrt(2 * 4 / 2) = 2.
    assert res.std_error == pytest.approx(2.0)
    assert res.ci_low < 7 < res.ci_high
    assert res.means["pilot_pre"] == 11


def test_did_matches_ols_with_interaction():
    rng = np.random.default_rng(7)
    n = 400
    treated = rng.random(n) < 0.4
    post = rng.random(n) < 0.5
    y = 3 + 1.5 * treated + 0.7 * post + 2.0 * treated * post + rng.normal(0, 1.3, n)
    res = diff_in_diff(y, treated, post)
    X = np.column_stack([np.ones(n), treated, post, treated * post]).astype(float)
    beta, rss, *_ = np.linalg.lstsq(X, y, rcond=None)
    s2 = rss[0] / (n - 4)
    cov = s2 * np.linalg.inv(X.T @ X)
    assert res.estimate == pytest.approx(beta[3], rel=1e-10)
    assert res.std_error == pytest.approx(np.sqrt(cov[3, 3]), rel=1e-10)
    assert res.ci_low < 2.0 < res.ci_high


def test_did_units_collapses_the_panel():
    rng = np.random.default_rng(3)
    units = np.repeat(np.arange(60), 8)
    treated = units < 25
    post = np.tile(np.arange(8) >= 4, 60)
    unit_effect = rng.normal(0, 3, 60)[units]
    y = 5 + unit_effect + 1.0 * post + 0.8 * treated * post + rng.normal(0, 0.5, len(units))
    res = diff_in_diff_units(y, treated, post, units)
    # Independent: change per unit by hand, then the two-sample difference.
    frame = pd.DataFrame({"y": y, "u": units, "p": post})
    change = frame[frame.p].groupby("u").y.mean() - frame[~frame.p].groupby("u").y.mean()
    a, b = change[change.index < 25], change[change.index >= 25]
    assert res.estimate == pytest.approx(a.mean() - b.mean())
    assert res.std_error == pytest.approx(np.sqrt(a.var() / 25 + b.var() / 35))
    assert res.ci_low < 0.8 < res.ci_high
    # One observation per unit and period: the same point estimate as the cell means.
    one = frame.groupby(["u", "p"]).y.mean().reset_index()
    cells = diff_in_diff(one.y, one.u < 25, one.p)
    assert cells.estimate == pytest.approx(res.estimate)


def test_did_empty_cell_is_no_data():
    res = diff_in_diff([1, 2, 3], [1, 1, 0], [0, 1, 0])
    assert np.isnan(res.estimate)
    assert np.isnan(res.std_error)


# ------------------------------------------------------------------ re-segmentation
def _abc_by_hand(values, a, b):
    """ABC by the cumulative share before each item, ranked by value (SPP's table)."""
    order = sorted(range(len(values)), key=lambda i: (-values[i], i))
    total = sum(v for v in values if v > 0)
    out, before = {}, 0.0
    for i in order:
        share = before / total
        out[i] = (
            "A" if share < a and values[i] > 0 else ("B" if share < b and values[i] > 0 else "C")
        )
        before += max(values[i], 0.0)
    return [out[i] for i in range(len(values))]


def _classes(m=60, seed=3):
    rng = np.random.default_rng(seed)
    values = list(np.round(rng.pareto(1.2, m) * 1000, 2))
    abc = _abc_by_hand(values, 0.80, 0.95)
    return pd.DataFrame(
        {
            "segment": ["S" + c for c in abc],
            "abc": abc,
            "xyz": "X",
            "abc_value": values,
            "demand_cv": 0.3,
            "warehouse": np.where(np.arange(m) % 3 == 0, 1, 2),
        }
    )


RULES = pd.DataFrame({"rule_id": [1, 2, 3], "segment": ["SA", "SB", "SC"], "abc": ["A", "B", "C"]})


def test_resegment_abc_cutoffs_against_a_hand_ranking():
    classes = _classes()
    res = resegment(classes, RULES, [Change("abc_cutoffs", 0.5, value2=0.9)])
    expected = _abc_by_hand(list(classes["abc_value"]), 0.5, 0.9)
    assert list(res["abc"]) == expected
    assert list(res["segment"]) == ["S" + c for c in expected]
    moved = np.array(expected) != classes["abc"].to_numpy()
    assert moved.sum() > 3
    np.testing.assert_array_equal(res["moved"], moved)
    moves = segment_moves(classes["segment"], res["segment"])
    assert moves["items"].sum() == moved.sum()
    for r in moves.itertuples():
        n = ((classes["segment"] == r[1]) & (res["segment"] == r[2])).sum()
        assert r.items == n
    # The live cut-offs move nothing.
    same = resegment(classes, RULES, [Change("abc_cutoffs", 0.8, value2=0.95)])
    assert not same["moved"].any()
    assert list(same["segment"]) == list(classes["segment"])


def test_xyz_from_cv_equals_the_classification_with_new_limits():
    rng = np.random.default_rng(7)
    demand = rng.gamma(rng.uniform(0.3, 8, 80)[:, None], 3.0, size=(80, 52))
    demand[:5, 2:] = np.nan  # too short a history: Z
    demand[5:8] = 0.0  # no demand: Z
    demand[8:11] = 4.0  # constant: CV 0, X
    live = classify_xyz(demand)
    known = ~((live["xyz"] == "Z") & (live["demand_cv"] == 0)).to_numpy()
    for limits in ((0.3, 0.6), (0.5, 1.0), (0.8, 1.5)):
        ref = classify_xyz(demand, thresholds=limits)["xyz"].to_numpy()
        np.testing.assert_array_equal(xyz_from_cv(live["demand_cv"], known, limits), ref)
    classes = pd.DataFrame(
        {
            "segment": "S" + live["xyz"],
            "abc": "A",
            "xyz": live["xyz"],
            "abc_value": 1.0,
            "demand_cv": live["demand_cv"],
        }
    )
    rules = pd.DataFrame({"rule_id": [1, 2, 3], "segment": ["SX", "SY", "SZ"], "xyz": list("XYZ")})
    res = resegment(classes, rules, [Change("xyz_thresholds", 0.3, value2=0.6)])
    ref = classify_xyz(demand, thresholds=(0.3, 0.6))["xyz"].to_numpy()
    np.testing.assert_array_equal(res["segment"], "S" + ref)
    assert (res["segment"][:11] == classes["segment"][:11]).all()


def test_segment_rule_change_drop_and_locked_plans():
    classes = _classes()
    classes["locked"] = False
    c_items = np.flatnonzero(classes["abc"] == "C")
    classes.loc[c_items[0], "locked"] = True
    # Rule 3 now sends C items of warehouse 1 to SB; the rest of C falls through to none.
    change = Change("segment_rule", rule=3, conditions={"warehouse": 1}, to_segment="SB")
    res = resegment(classes, RULES, [change])
    c1 = (classes["abc"] == "C") & (classes["warehouse"] == 1) & ~classes["locked"]
    c2 = (classes["abc"] == "C") & (classes["warehouse"] == 2) & ~classes["locked"]
    assert c1.any() and c2.any()
    assert (res.loc[c1, "segment"] == "SB").all()
    assert res.loc[c2, "segment"].isna().all()
    assert res.at[c_items[0], "segment"] == "SC"  # locked
    assert (
        res.loc[classes["abc"] != "C", "segment"] == classes.loc[classes["abc"] != "C", "segment"]
    ).all()
    dropped = resegment(classes, RULES, [Change("segment_rule", rule=1, text="drop")])
    a = classes["abc"] == "A"
    assert dropped.loc[a, "segment"].isna().all()
    assert dropped["moved"].sum() == a.sum()
    moves = segment_moves(classes["segment"], dropped["segment"], by={"wh": classes["warehouse"]})
    assert moves["to"].tolist() == [None] * len(moves)
    assert moves["items"].sum() == a.sum()
    assert set(moves["wh"]) <= {1, 2}
    with pytest.raises(ValueError):
        resegment(classes, RULES, [Change("segment_rule", rule=99, to_segment="SA")])
    with pytest.raises(ValueError):
        Change("segment_rule", rule=1)
    with pytest.raises(ValueError):
        Change("abc_cutoffs", 0.9, value2=0.8)


def test_moved_items_replay_with_their_new_segment_policy():
    items, demand = _items()
    segments = pd.DataFrame(
        {"policy": ["sS", "RS"], "service_target": [0.99, 0.90], "review_period": [7.0, 14.0]},
        index=["A", "C"],
    )
    new_segment = items["segment"].to_numpy().copy()
    new_segment[:5] = "C"  # five A items move to C (periodic review every 14 days)
    res = evaluate_scenario(items, demand, [], scenario_segment=new_segment, segments=segments)
    moved = move_items(items, new_segment, segments)
    assert (moved.loc[:4, "policy"] == "RS").all()
    assert (moved.loc[:4, "review_period"] == 14.0).all()
    assert (moved.loc[5:, "policy"] == "sS").all()
    ref = plan_parameters(moved, demand)
    pd.testing.assert_frame_equal(res.scenario_params, ref)
    assert (res.scenario_params.loc[:4, "review"] == 14).all()
    pd.testing.assert_frame_equal(res.current_params.loc[5:], res.scenario_params.loc[5:])
    s = res.summary
    assert s.loc["A", "current_items"] == 20 and s.loc["A", "scenario_items"] == 15
    assert s.loc["C", "current_items"] == 20 and s.loc["C", "scenario_items"] == 25
    assert s.loc["A", "items_out"] == 5 and s.loc["C", "items_in"] == 5
    assert s["current_demand"].sum() == pytest.approx(s["scenario_demand"].sum())
    moves = res.extra["segment_moves"]
    assert moves.to_dict("records") == [{"from": "A", "to": "C", "items": 5}]
    # A target change of segment C reaches the items that moved into it.
    res2 = evaluate_scenario(
        items,
        demand,
        [Change("service_target", 0.97, segment="C")],
        scenario_segment=new_segment,
        segments=segments,
    )
    assert (res2.scenario_params["min"][:5] > res.scenario_params["min"][:5]).all()
    # A move into a segment without a stock policy: left out of both sides.
    gone = new_segment.copy()
    gone[:2] = "MTO"
    res3 = evaluate_scenario(items, demand, [], scenario_segment=gone, segments=segments)
    assert res3.extra["not_planned"] == 2


def test_unchanged_resegmentation_replays_exactly_as_current():
    items, demand = _items()
    segments = pd.DataFrame({"policy": ["sS", "sS"]}, index=["A", "C"])
    res = evaluate_scenario(
        items, demand, [], scenario_segment=items["segment"].to_numpy(), segments=segments
    )
    base = evaluate_scenario(items, demand, [])
    pd.testing.assert_frame_equal(res.current_replay, res.scenario_replay)
    pd.testing.assert_frame_equal(res.summary, base.summary)
    assert (res.summary["items_in"] == 0).all() and (res.summary["items_out"] == 0).all()


# ------------------------------------------------------------------ order cover
def test_order_cover_change_orders_that_many_days_of_demand():
    items, demand = _items()
    res = evaluate_scenario(items, demand, [Change("order_cover_days", 30, segment="A")])
    a = (items["segment"] == "A").to_numpy()
    ref = compute_policy(
        demand.mean(axis=1),
        demand.std(axis=1, ddof=1),
        items["lead_time"].to_numpy(),
        0.0,
        policy="sS",
        service_target=0.90,
        unit_cost=items["unit_cost"].to_numpy(),
        ordering_cost=40.0,
        days_of_cover=30.0,
    )
    np.testing.assert_allclose(res.scenario_params["order_qty"][a], ref["order_qty"][a])
    np.testing.assert_allclose(res.scenario_params["order_qty"][a], 30 * demand.mean(axis=1)[a])
    pd.testing.assert_frame_equal(res.current_params[~a], res.scenario_params[~a])
    # About one order per 30 days of demand.
    orders = res.scenario_replay["orders"].to_numpy()[a]
    assert np.all(np.abs(orders - 365 / 30) <= 3)
    with pytest.raises(ValueError):
        Change("order_cover_days", -1)


# ------------------------------------------------------------------ stockout cost
def test_stockout_cost_is_units_short_times_the_cost():
    items, demand = _items()
    items["stockout_cost"] = np.where(items["segment"] == "A", 3.0, 0.0)
    res = evaluate_scenario(items, demand, [Change("service_target", 0.70)])
    s, t = res.summary, res.scenario_replay
    a = (items["segment"] == "A").to_numpy()
    short = (t["demand"] * (1 - t["fill_rate"])).to_numpy()
    assert short[a].sum() > 0
    assert s.loc["A", "scenario_units_short"] == pytest.approx(short[a].sum())
    assert s.loc["A", "scenario_stockout_cost"] == pytest.approx(3.0 * short[a].sum())
    assert s.loc["C", "scenario_stockout_cost"] == 0.0
    np.testing.assert_allclose(
        s["scenario_total_cost"],
        s["scenario_holding_cost"] + s["scenario_ordering_cost"] + s["scenario_stockout_cost"],
    )
    # A segment with a stockout cost is planned cost-based, as the replenishment job
    # does: a service target change does not move it; it moves the other segment.
    ref = compute_policy(
        demand.mean(axis=1)[a],
        demand.std(axis=1, ddof=1)[a],
        items["lead_time"].to_numpy()[a],
        0.0,
        policy="sS",
        service_target=0.70,
        unit_cost=items["unit_cost"].to_numpy()[a],
        ordering_cost=40.0,
        stockout_cost=3.0,
    )
    np.testing.assert_allclose(res.scenario_params["min"][a], ref["reorder_point"])
    assert not np.allclose(
        res.scenario_params["min"][a],
        plan_parameters(items.drop(columns="stockout_cost").assign(service_target=0.7), demand)[
            "min"
        ][a],
    )
    assert s.loc["A", "current_stockout_cost"] == pytest.approx(
        s.loc["A", "scenario_stockout_cost"]
    )
    assert s.loc["C", "scenario_stock_value"] < s.loc["C", "current_stock_value"]


# ------------------------------------------------------------------ drawn demand
def test_drawn_demand_has_the_forecast_mean_and_variance():
    mean = np.array([0.2, 1.0, 5.0, 40.0, 3.0])
    std = np.array([0.9, 1.0, 2.0, 10.0, 6.0])
    T = 200_000
    d = draw_demand(mean, std, T, seed=11)
    assert d.shape == (5, T) and (d >= 0).all()
    k = mean**2 / std**2
    # Standard errors of the sample mean and variance (gamma: excess kurtosis 6 / k).
    se_mean = std / np.sqrt(T)
    se_var = std**2 * np.sqrt((2 + 6 / k) / T)
    assert np.all(np.abs(d.mean(axis=1) - mean) < 4 * se_mean)
    assert np.all(np.abs(d.var(axis=1, ddof=1) - std**2) < 4 * se_var)
    np.testing.assert_array_equal(
        draw_demand(mean, std, 50, seed=3), draw_demand(mean, std, 50, seed=3)
    )
    assert not np.array_equal(
        draw_demand(mean, std, 50, seed=3), draw_demand(mean, std, 50, seed=4)
    )
    flat = draw_demand([2.0, 0.0, np.nan, 1.0], [0.0, 1.0, 1.0, np.nan], 10, seed=1)
    np.testing.assert_array_equal(flat[0], 2.0)
    np.testing.assert_array_equal(flat[1:3], 0.0)
    np.testing.assert_array_equal(flat[3], 1.0)


def test_replay_on_drawn_demand_keeps_the_unchanged_scenario_exact():
    items, history = _items()
    drawn = draw_demand(history.mean(axis=1), history.std(axis=1, ddof=1), 365, seed=5)
    res = evaluate_scenario(items, drawn, [], history=history)
    pd.testing.assert_frame_equal(res.current_replay, res.scenario_replay)
    # Parameters from the history, replay on the draw.
    pd.testing.assert_frame_equal(res.current_params, plan_parameters(items, history))
    assert res.summary["current_demand"].sum() == pytest.approx(drawn.sum())
