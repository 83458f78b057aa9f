"""Quality of the numbers: service reached per unit of stock, against common alternatives.

One generated catalogue (``invplan.demo``), three years of daily demand. Each method sets
its parameters from the first two years only; the third year, unseen, is replayed by
``invplan.simulate.simulate_policy`` with the same demand and lead-time draws for all.
Each method's knob is swept to trace its service / stock frontier:

- ``invplan``: the full planning run (classification, segments, forecast selection,
  forecast-error safety stock, policy per segment) with the swept portfolio fill rate
  allocated over items at the least stock value (``allocate_fill_rates``);
- ``invplan_uniform``: the same run with every segment's target set to the swept fill
  rate (no allocation);
- ``rule_of_thumb``: what reorder rules typed by hand usually hold: min = average daily
  demand x lead time x (1 + safety share), max = min + 30 days of demand, checked daily
  (the swept knob: the safety share);
- ``ddmrp``: DDMRP buffers (Ptak & Smith 2016, ch. 7) on the last 90 days' average
  daily usage, lead-time factor 0.5, order when the net flow position falls to the top of
  yellow, up to the top of green (the swept knob: the variability factor).

Printed: each frontier point (demand-weighted fill rate, average stock value), then the
stock value each method needs to reach 90 / 95 / 98 % fill rate (linear interpolation on
its frontier) and the ratio to ours (the anchor). A ratio above 1 means the other method
needs more stock than ours for the same service.

Run: ``python benchmarks/service_per_stock.py [--products 300]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from invplan.demo import generate_catalogue
from invplan.planning import (
    DEFAULT_SEGMENTS,
    HISTORY_COLUMNS,
    HISTORY_OPTIONAL,
    ITEM_COLUMNS,
    ITEM_OPTIONAL,
    run_plan,
    validate_table,
)
from invplan.simulate import ddmrp_buffer, simulate_policy

TRAIN_DAYS = 730
TEST_DAYS = 365


def daily_matrix(history: pd.DataFrame, keys: pd.Series, start, days: int) -> np.ndarray:
    idx = pd.Index(keys)
    h = history[(history["date"] >= start) & (history["date"] < start + pd.Timedelta(days=days))]
    k = idx.get_indexer(h["product"] + "@" + h["warehouse"])
    col = (h["date"] - start).dt.days.to_numpy()
    out = np.zeros((len(idx), days))
    ok = k >= 0
    np.add.at(out, (k[ok], col[ok]), h["quantity"].to_numpy(float)[ok])
    return out


#: Holding rate per year used to price stock in the total-cost table (the same for all).
HOLDING_RATE = 0.25
ORDERING_COST = None  # set in main: each item's ordering cost per order


def frontier_point(sim, cost):
    """(fill rate, stock value, orders per item, holding + ordering cost per year)."""
    t = sim.table
    fill = float((t["fill_rate"] * t["demand"]).sum() / max(t["demand"].sum(), 1e-9))
    value = float((t["avg_on_hand"] * cost).sum())
    years = TEST_DAYS / 365.0
    ordering = float((t["orders"] * ORDERING_COST).sum()) / years
    return fill, value, float(t["orders"].mean()), HOLDING_RATE * value + ordering


def stock_for(points, target):
    pts = sorted(points)
    fills = np.array([p[0] for p in pts])
    vals = np.array([p[1] for p in pts])
    if fills.max() < target:
        return np.nan
    order = np.argsort(fills)
    fills, vals = fills[order], vals[order]
    # lower envelope: the cheapest stock reaching at least each fill level
    best = np.minimum.accumulate(vals[::-1])[::-1]
    j = np.searchsorted(fills, target)
    if j == 0:
        return np.nan  # the frontier starts above the target: no honest interpolation
    f0, f1, v0, v1 = fills[j - 1], fills[j], best[j - 1], best[j]
    return v0 + (v1 - v0) * (target - f0) / max(f1 - f0, 1e-12)


def report(results) -> None:
    print(
        "Frontier points (knob, demand-weighted fill rate, average stock value, orders per item):"
    )
    for name, pts in results.items():
        for f, v, orders, _total, knob in pts:
            print(
                f"  {name:16s} knob={knob:<6} fill={f:7.4f}  stock={v:12,.0f}  orders={orders:5.1f}"
            )
    others = [n for n in results if n != "invplan"]
    print("Stock value needed for a fill rate (ratio = method / invplan; anchor: invplan):")
    print(
        f"  {'target':>7s} {'invplan':>12s}" + "".join(f" {n:>16s} {'ratio':>6s}" for n in others)
    )
    for target in (0.90, 0.93, 0.95, 0.97):
        ours = stock_for([p[:2] for p in results["invplan"]], target)
        row = f"  {target:7.2f} {ours:12,.0f}"
        for name in others:
            other = stock_for([p[:2] for p in results[name]], target)
            good = np.isfinite(other) and np.isfinite(ours) and ours > 0
            ratio = other / ours if good else np.nan
            row += f" {other:16,.0f} {ratio:6.2f}"
        print(row)
    print(
        f"Holding ({HOLDING_RATE:.0%} a year of the stock value) + ordering cost per year for a "
        "fill rate (ratio = method / invplan):"
    )
    print(
        f"  {'target':>7s} {'invplan':>12s}" + "".join(f" {n:>16s} {'ratio':>6s}" for n in others)
    )
    for target in (0.90, 0.93, 0.95, 0.97):
        ours = stock_for([(p[0], p[3]) for p in results["invplan"]], target)
        row = f"  {target:7.2f} {ours:12,.0f}"
        for name in others:
            other = stock_for([(p[0], p[3]) for p in results[name]], target)
            good = np.isfinite(other) and np.isfinite(ours) and ours > 0
            ratio = other / ours if good else np.nan
            row += f" {other:16,.0f} {ratio:6.2f}"
        print(row)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--replan-days", type=int, default=28, help="every method recomputes this often"
    )
    args = ap.parse_args()
    started = time.time()
    history, items = generate_catalogue(
        n_products=args.products, days=TRAIN_DAYS + TEST_DAYS, seed=args.seed
    )
    hist = validate_table(history.astype(str), "history", HISTORY_COLUMNS, HISTORY_OPTIONAL)
    it = validate_table(items.astype(str), "items", ITEM_COLUMNS, ITEM_OPTIONAL)
    start = hist["date"].min()
    split = start + pd.Timedelta(days=TRAIN_DAYS)
    keys = it["product"] + "@" + it["warehouse"]
    full = daily_matrix(hist, keys, start, TRAIN_DAYS + TEST_DAYS)
    future = full[:, TRAIN_DAYS:]
    cost = it["unit_cost"].to_numpy(float)
    lt = it["lead_time_days"].to_numpy(float)
    lt_sd = it["lead_time_std_days"].to_numpy(float)
    moq = it["moq"].fillna(0).to_numpy(float) if "moq" in it else np.zeros(len(it))
    global ORDERING_COST
    ORDERING_COST = it["ordering_cost"].fillna(25.0).to_numpy(float)
    rng = np.random.default_rng(args.seed + 1)
    lead = np.maximum(
        np.rint(lt[:, None] + lt_sd[:, None] * rng.standard_normal((len(it), TEST_DAYS))), 1
    )
    m = len(it)
    replans = list(range(0, TEST_DAYS, args.replan_days))
    print(
        f"{m} items; parameters from the history before each re-plan (every {args.replan_days} days), "
        f"replayed on {TEST_DAYS} unseen days with the same demand and lead-time draws"
    )

    def window(t0):
        return slice(t0, min(t0 + args.replan_days, TEST_DAYS))

    def ours(target, cycle, continuous, portfolio=True):
        segs = DEFAULT_SEGMENTS.copy()
        stocked = ~segs["policy"].isin(["mto", "manual"])
        segs.loc[stocked, "service_metric"] = "fill_rate"
        segs.loc[stocked, "service_target"] = target
        if continuous:
            segs.loc[stocked, "policy"] = "sS"
            segs.loc[stocked, "review_days"] = 0
        if cycle:
            segs["order_cover_days"] = float(cycle)
        s_t = np.zeros((m, TEST_DAYS))
        S_t = np.zeros((m, TEST_DAYS))
        review = np.ones(m, dtype=int)
        for t0 in replans:
            plan = run_plan(
                hist[hist["date"] < split + pd.Timedelta(days=t0)],
                it,
                segments=segs,
                portfolio_fill_rate=target if portfolio else None,
            )
            pol = plan.policy
            seg = segs.set_index("code").reindex(pol["segment"])
            ok = pol["status"].isin(["ok", "conflicting_limits"]).to_numpy()
            s_t[:, window(t0)] = np.where(ok, pol["reorder_point"], -1.0)[:, None]
            S_t[:, window(t0)] = np.where(
                ok, np.maximum(pol["order_up_to"], pol["reorder_point"]), 0.0
            )[:, None]
            if t0 == 0:
                rs = seg["policy"].to_numpy() == "RS"
                review = np.where(rs, seg["review_days"].fillna(1).to_numpy(), 1).astype(int)
        return simulate_policy(
            future,
            lead,
            s_t,
            order_up_to=S_t,
            review_period=review,
            initial_on_hand=np.maximum(S_t[:, 0], 0),
        )

    def trailing_adu(days):
        adu = np.zeros((m, TEST_DAYS))
        for t0 in replans:
            end = TRAIN_DAYS + t0
            adu[:, window(t0)] = full[:, end - days : end].mean(axis=1)[:, None]
        return adu

    adu_year, adu_90 = trailing_adu(365), trailing_adu(90)
    lt2 = lt[:, None]

    for cycle, continuous, label in (
        (30, True, "same order cycle (30 days of demand) and continuous review for every method"),
        (
            None,
            False,
            "invplan's own segments (EOQ, periodic review for C items); the others as above",
        ),
        (
            None,
            True,
            "invplan with EOQ and continuous review for every segment; the others as above",
        ),
    ):
        print(f"\n=== {label}")
        results = {"invplan": [], "invplan_uniform": [], "rule_of_thumb": [], "ddmrp": []}
        for target in (0.6, 0.75, 0.85, 0.90, 0.93, 0.95, 0.97, 0.98, 0.99):
            point = frontier_point(ours(target, cycle, continuous), cost)
            results["invplan"].append(point + (target,))
            uniform = ours(target, cycle, continuous, portfolio=False)
            results["invplan_uniform"].append(frontier_point(uniform, cost) + (target,))
        for share in (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0):
            s = np.where(adu_year > 0, adu_year * lt2 * (1 + share), -1.0)
            S = np.maximum(s, 0) + adu_year * 30
            sim = simulate_policy(future, lead, s, order_up_to=S, initial_on_hand=S[:, 0])
            results["rule_of_thumb"].append(frontier_point(sim, cost) + (share,))
        for vf in (0.2, 0.5, 1.0, 1.5, 2.5, 4.0, 6.0):
            red, toy, tog = ddmrp_buffer(adu_90, lt2, 0.5, vf, moq[:, None], 30)
            sim = simulate_policy(
                future,
                lead,
                np.where(adu_90 > 0, toy, -1.0),
                order_up_to=tog,
                initial_on_hand=tog[:, 0],
            )
            results["ddmrp"].append(frontier_point(sim, cost) + (vf,))
        report(results)
    print(f"\n({time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
