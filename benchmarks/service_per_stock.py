"""Quality of the numbers: stock and cost at equal service on demand the planner has not seen.

A buyer switches from Odoo's reorder rules only if ours reach the service target with
less stock. This benchmark is the judge. For each generated catalogue (``invplan.demo``,
several seeds and two mixes of demand patterns and lifecycles), two years are history and
a third year, unseen, is replayed day by day (``invplan.simulate.simulate_policy``) with
the same demand and the same lead-time draws for every planner. Every planner re-plans
every ``--replan-days`` days (29 by default: 28 + 1, so that the re-plans fall on every
weekday and never line up with the end of a week) from the history known that day, and
its rules are executed as Odoo's scheduler executes reorder rules: checked every day,
ordering up to the maximum when the position falls to the minimum; periodic-review
rules only on their review day. Backorders, and a lost-sales mode.

Planners (the anchors are implemented from their public definitions):

- ``invplan``: the engine's plan with every default (``invplan.planning.run_plan``, what
  ``python -m invplan plan`` runs), as of each re-plan date;
- ``odoo_minmax``: Odoo 19's suggested min/max: min = average daily demand of the last
  30 days x vendor lead time, no safety stock; max = min + max(14 days of demand, MOQ);
- ``oca_safety``: OCA ``stock_orderpoint_safety_stock``: SS = z(service) x sigma_daily x
  sqrt(L), mean and sample sigma of 365 days of zero-filled daily demand; min =
  ceil(SS + mean x L); max = ceil(min + 14 x mean);
- ``ddmrp``: OCA DDMRP default zones: ADU of the past 120 days; lead-time factor 0.75 /
  0.5 / 0.25 for lead times up to 7 / up to 20 / over 20 days; variability factor 0.25 /
  0.5 / 0.75 for a daily CV below 0.5 / below 1 / 1 and above; red = ADU x DLT x LTF x
  (1 + VF); yellow = ADU x DLT; green = max(14 x ADU, ADU x DLT x LTF, MOQ); order when
  the net flow position falls to the top of yellow, up to the top of green;
- ``rule_of_thumb``: min = average daily demand of the last year x lead time x 1.5,
  max = min + 14 days of demand.

Every anchor uses an order cycle of 14 days. Classes are the ABC classes of the
engine's first plan (revenue of the two history years), the same for every planner;
targets are quantity fill rates of 98 % (A), 95 % (B) and 90 % (C).

Printed per catalogue and mode:

1. **as planned**: quantity fill rate and cycle service level per class, the share of
   items (with demand in the test year) whose fill rate reached their class target
   (``on tgt``) and their own planned target within half a point (``on own``: the
   engine allocates item targets inside a class, the mean of its re-plans; the anchors
   have the class target), stock value and orders;
2. **at equal service**: each planner's safety stock scaled per class (s and max moved
   by (alpha - 1) x safety stock, alpha found by bisection) until each class meets its
   target, then stock value, total cost (holding at 25 % a year of the average stock
   value plus each item's ordering cost per order) and orders, with the ratios to the
   best anchor of the same run. For Odoo's min/max, which has no safety stock, the
   scaled quantity is its minimum (the lead-time demand), so its alpha is the factor a
   buyer would put on it; for DDMRP it is the red zone.

Run: ``python benchmarks/service_per_stock.py [--products 1000] [--seeds 7 11 23]
[--mixes demo hard] [--modes backorder lost_sales]``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from invplan.demo import generate_catalogue
from invplan.planning import (
    HISTORY_COLUMNS,
    HISTORY_OPTIONAL,
    ITEM_COLUMNS,
    ITEM_OPTIONAL,
    run_plan,
    validate_table,
)
from invplan.simulate import simulate_policy

TRAIN_DAYS = 730
TEST_DAYS = 365
TARGETS = {"A": 0.98, "B": 0.95, "C": 0.90}
HOLDING_RATE = 0.25
ORDER_CYCLE_DAYS = 14
ANCHORS = ("odoo_minmax", "oca_safety", "ddmrp", "rule_of_thumb")


@dataclass
class Plan:
    """A planner's rules per item and day of the test year."""

    s: np.ndarray  # reorder point (min); -1: never order
    S: np.ndarray  # order-up-to level (max)
    ss: np.ndarray  # the quantity scaled to reach a service (its safety stock)
    review: np.ndarray  # review period in days per item (1: daily)
    targets: np.ndarray | None = None  # the planner's own fill-rate target per item


def daily_matrix(history: pd.DataFrame, keys: pd.Series, start, days: int) -> np.ndarray:
    idx = pd.Index(keys)
    h = history[(history["date"] >= start) & (history["date"] < start + pd.Timedelta(days=days))]
    k = idx.get_indexer(h["product"] + "@" + h["warehouse"])
    col = (h["date"] - start).dt.days.to_numpy()
    out = np.zeros((len(idx), days))
    ok = k >= 0
    np.add.at(out, (k[ok], col[ok]), h["quantity"].to_numpy(float)[ok])
    return out


def replan_days(step: int) -> list[int]:
    return list(range(0, TEST_DAYS, step))


def spread(values_per_replan, replans, m):
    """(m,) arrays per re-plan to (m, TEST_DAYS), each holding until the next re-plan."""
    out = np.zeros((m, TEST_DAYS))
    bounds = replans[1:] + [TEST_DAYS]
    for v, a, b in zip(values_per_replan, replans, bounds, strict=True):
        out[:, a:b] = np.asarray(v, dtype=float)[:, None]
    return out


# ---------------------------------------------------------------------------- planners
def plan_invplan(hist, items, split, replans, m):
    s_list, S_list, ss_list, first, targets = [], [], [], None, []
    review = np.ones(m, dtype=int)
    for t0 in replans:
        as_of = split + pd.Timedelta(days=t0)
        plan = run_plan(hist[hist["date"] < as_of], items, as_of=as_of)
        fill_target = np.where(
            plan.policy["service_metric"].eq("fill_rate"), plan.policy["service_target"], np.nan
        )
        targets.append(fill_target)
        pol = plan.policy
        if first is None:
            first = plan
            rd = pol["review_days"].to_numpy(float)
            review = np.where(rd > 0, np.rint(rd), 1).astype(int)
        if "stocked" in pol.columns:  # a rule that holds stock, whatever its checks say
            ok = pol["stocked"].to_numpy(bool)
        else:
            ok = pol["status"].isin(["ok", "conflicting_limits"]).to_numpy()
        s = pol["reorder_point"].to_numpy(float)
        s_list.append(np.where(ok, s, -1.0))
        S_list.append(np.where(ok, np.maximum(pol["order_up_to"].to_numpy(float), s), 0.0))
        ss_list.append(np.where(ok, np.maximum(pol["safety_stock"].to_numpy(float), 0.0), 0.0))
    p = Plan(
        spread(s_list, replans, m),
        spread(S_list, replans, m),
        spread(ss_list, replans, m),
        review,
        np.nanmean(np.vstack(targets), axis=0) if targets else None,
    )
    return p, first


def _trailing(full, end, days):
    w = full[:, max(end - days, 0) : end]
    return w


def plan_anchor(name, full, replans, lt, moq, z):
    m = full.shape[0]
    s_list, S_list, ss_list = [], [], []
    for t0 in replans:
        end = TRAIN_DAYS + t0
        if name == "odoo_minmax":
            adu = _trailing(full, end, 30).mean(axis=1)
            mn = adu * lt
            mx = mn + np.maximum(ORDER_CYCLE_DAYS * adu, moq)
            ss = mn
        elif name == "oca_safety":
            w = _trailing(full, end, 365)
            mean, sd = w.mean(axis=1), w.std(axis=1, ddof=1)
            ss = z * sd * np.sqrt(lt)
            mn = np.ceil(ss + mean * lt)
            mx = np.ceil(mn + ORDER_CYCLE_DAYS * mean)
        elif name == "ddmrp":
            w = _trailing(full, end, 120)
            adu, sd = w.mean(axis=1), w.std(axis=1, ddof=1)
            ltf = np.where(lt <= 7, 0.75, np.where(lt <= 20, 0.5, 0.25))
            with np.errstate(divide="ignore", invalid="ignore"):
                cv = np.where(adu > 0, sd / adu, 0.0)
            vf = np.where(cv < 0.5, 0.25, np.where(cv < 1.0, 0.5, 0.75))
            yellow = adu * lt
            red = yellow * ltf * (1 + vf)
            green = np.maximum.reduce([ORDER_CYCLE_DAYS * adu, yellow * ltf, moq])
            mn, mx, ss = red + yellow, red + yellow + green, red
        elif name == "rule_of_thumb":
            adu = _trailing(full, end, 365).mean(axis=1)
            mn = adu * lt * 1.5
            mx = mn + ORDER_CYCLE_DAYS * adu
            ss = adu * lt * 0.5
        else:
            raise ValueError(name)
        live = mx > 0
        s_list.append(np.where(live, mn, -1.0))
        S_list.append(np.where(live, mx, 0.0))
        ss_list.append(np.where(live, ss, 0.0))
    return Plan(
        spread(s_list, replans, m),
        spread(S_list, replans, m),
        spread(ss_list, replans, m),
        np.ones(m, dtype=int),
    )


# ---------------------------------------------------------------------------- measuring
def simulate(plan, future, lead, alpha_item, lost_sales):
    shift = (alpha_item[:, None] - 1.0) * plan.ss
    s = np.where(plan.s >= 0, np.maximum(plan.s + shift, 0.0), -1.0)
    S = np.where(plan.s >= 0, np.maximum(plan.S + shift, s), 0.0)
    return simulate_policy(
        future,
        lead,
        s,
        order_up_to=S,
        review_period=plan.review,
        initial_on_hand=np.maximum(S[:, 0], 0.0),
        lost_sales=lost_sales,
    ).table


def class_fill(table, classes):
    out = {}
    for c in TARGETS:
        sel = classes == c
        dem = table["demand"].to_numpy()[sel]
        out[c] = float((table["fill_rate"].to_numpy()[sel] * dem).sum() / max(dem.sum(), 1e-9))
    return out


def summarise(table, classes, cost, ordering, own_targets=None):
    row = {}
    fills = class_fill(table, classes)
    for c, target in TARGETS.items():
        sel = (classes == c) & (table["demand"].to_numpy() > 0)
        row[f"fill_{c}"] = fills[c]
        cyc = table["cycles"].to_numpy()[sel]
        row[f"csl_{c}"] = float(
            (table["cycle_service"].to_numpy()[sel] * cyc).sum() / max(cyc.sum(), 1e-9)
        )
        row[f"on_target_{c}"] = float((table["fill_rate"].to_numpy()[sel] >= target).mean())
    sel = table["demand"].to_numpy() > 0
    row["on_target"] = float(
        (
            table["fill_rate"].to_numpy()[sel]
            >= np.vectorize(TARGETS.get)(classes[sel]).astype(float)
        ).mean()
    )
    own = np.vectorize(TARGETS.get)(classes).astype(float)
    if own_targets is not None:
        own = np.where(np.isfinite(own_targets), own_targets, own)
    row["on_own_target"] = float((table["fill_rate"].to_numpy()[sel] >= own[sel] - 0.005).mean())
    value = float((table["avg_on_hand"].to_numpy() * cost).sum())
    orders = table["orders"].to_numpy()
    row["stock_value"] = value
    row["orders"] = float(orders.sum())
    row["total_cost"] = HOLDING_RATE * value + float((orders * ordering).sum()) * 365.0 / TEST_DAYS
    return row


def equal_service(plan, future, lead, classes, lost_sales, iterations=18, alpha_max=40.0):
    """alpha per class (bisection, all classes at once) so each class meets its target."""
    lo = {c: 0.0 for c in TARGETS}
    hi = {c: alpha_max for c in TARGETS}

    def alphas(a):
        return np.array([a.get(c, 1.0) for c in classes])

    base = class_fill(simulate(plan, future, lead, alphas(lo), lost_sales), classes)
    top = class_fill(simulate(plan, future, lead, alphas(hi), lost_sales), classes)
    done = {c: base[c] >= TARGETS[c] for c in TARGETS}
    reached = {c: top[c] >= TARGETS[c] for c in TARGETS}
    for _ in range(iterations):
        mid = {c: 0.5 * (lo[c] + hi[c]) for c in TARGETS}
        f = class_fill(simulate(plan, future, lead, alphas(mid), lost_sales), classes)
        for c in TARGETS:
            if f[c] >= TARGETS[c]:
                hi[c] = mid[c]
            else:
                lo[c] = mid[c]
    final = {c: (0.0 if done[c] else hi[c]) for c in TARGETS}
    table = simulate(plan, future, lead, alphas(final), lost_sales)
    return final, reached, table


# ---------------------------------------------------------------------------- main
def run_catalogue(args, seed, mix):
    history, items = generate_catalogue(
        n_products=args.products, days=TRAIN_DAYS + TEST_DAYS, seed=seed, mix=mix
    )
    hist = validate_table(history.astype(str), "history", HISTORY_COLUMNS, HISTORY_OPTIONAL)
    it = validate_table(items.astype(str), "items", ITEM_COLUMNS, ITEM_OPTIONAL)
    start = hist["date"].min()
    split = start + pd.Timedelta(days=TRAIN_DAYS)
    keys = it["product"] + "@" + it["warehouse"]
    full = daily_matrix(hist, keys, start, TRAIN_DAYS + TEST_DAYS)
    future = full[:, TRAIN_DAYS:]
    m = len(it)
    cost = it["unit_cost"].to_numpy(float)
    ordering = it["ordering_cost"].fillna(25.0).to_numpy(float)
    lt = it["lead_time_days"].to_numpy(float)
    lt_sd = it["lead_time_std_days"].fillna(0).to_numpy(float)
    moq = it["moq"].fillna(0).to_numpy(float)
    rng = np.random.default_rng(seed + 1)
    lead = np.maximum(
        np.rint(lt[:, None] + lt_sd[:, None] * rng.standard_normal((m, TEST_DAYS))), 1
    )
    replans = replan_days(args.replan_days)

    t = time.time()
    ours, first = plan_invplan(hist, it, split, replans, m)
    plan_seconds = time.time() - t
    classes = first.classification["abc"].to_numpy().astype(str)
    z = stats.norm.ppf(np.vectorize(TARGETS.get)(classes).astype(float))
    plans = {"invplan": ours}
    for name in ANCHORS:
        plans[name] = plan_anchor(name, full, replans, lt, moq, z)
    print(
        f"\n##### catalogue seed={seed} mix={mix}: {m} items "
        f"(A {int((classes == 'A').sum())}, B {int((classes == 'B').sum())}, "
        f"C {int((classes == 'C').sum())}), test year from {split.date()} "
        f"({split.day_name()}), {len(replans)} re-plans, engine planning {plan_seconds:.0f} s"
    )
    results = []
    for mode in args.modes:
        lost = mode == "lost_sales"
        planned, equal = {}, {}
        for name, plan in plans.items():
            tab = simulate(plan, future, lead, np.ones(m), lost)
            planned[name] = summarise(tab, classes, cost, ordering, plan.targets)
            alpha, reached, tab_eq = equal_service(plan, future, lead, classes, lost)
            row = summarise(tab_eq, classes, cost, ordering)
            row.update({f"alpha_{c}": alpha[c] for c in TARGETS})
            row["reached"] = all(reached.values())
            equal[name] = row
        print_tables(mode, planned, equal)
        results.append((seed, mix, mode, planned, equal))
    return results


def print_tables(mode, planned, equal):
    print(f"\n=== mode: {mode}; as planned (fill / cycle service per class, % of items on target)")
    print(
        f"  {'planner':14s}"
        + "".join(f" {'fill ' + c:>7s} {'csl ' + c:>6s}" for c in TARGETS)
        + f" {'on tgt':>7s} {'on own':>7s} {'stock value':>12s} {'orders':>7s}"
    )
    for name, r in planned.items():
        print(
            f"  {name:14s}"
            + "".join(f" {100 * r['fill_' + c]:7.2f} {100 * r['csl_' + c]:6.1f}" for c in TARGETS)
            + f" {100 * r['on_target']:7.1f} {100 * r['on_own_target']:7.1f}"
            + f" {r['stock_value']:12,.0f} {r['orders']:7,.0f}"
        )
    anchors = {n: r for n, r in equal.items() if n != "invplan" and r["reached"]}
    best_v = min((r["stock_value"] for r in anchors.values()), default=np.nan)
    best_c = min((r["total_cost"] for r in anchors.values()), default=np.nan)
    print(
        f"=== mode: {mode}; at equal service (each class scaled to A {TARGETS['A']:.0%}, "
        f"B {TARGETS['B']:.0%}, C {TARGETS['C']:.0%} fill); ratios to the best anchor"
    )
    print(
        f"  {'planner':14s} {'alpha A/B/C':>17s}"
        + "".join(f" {'fill ' + c:>7s}" for c in TARGETS)
        + f" {'stock value':>12s} {'ratio':>6s} {'total cost':>12s} {'ratio':>6s} {'orders':>7s}"
    )
    for name, r in equal.items():
        a = "/".join(f"{r['alpha_' + c]:.2f}" for c in TARGETS)
        flag = "" if r["reached"] else "  (a class never reached its target)"
        print(
            f"  {name:14s} {a:>17s}"
            + "".join(f" {100 * r['fill_' + c]:7.2f}" for c in TARGETS)
            + f" {r['stock_value']:12,.0f} {r['stock_value'] / best_v:6.3f}"
            + f" {r['total_cost']:12,.0f} {r['total_cost'] / best_c:6.3f} {r['orders']:7,.0f}{flag}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--products", type=int, default=1000, help="products (x 2 warehouses)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[7, 11, 23])
    ap.add_argument("--mixes", nargs="+", default=["demo", "hard"], choices=["demo", "hard"])
    ap.add_argument(
        "--modes",
        nargs="+",
        default=["backorder", "lost_sales"],
        choices=["backorder", "lost_sales"],
    )
    ap.add_argument("--replan-days", type=int, default=29, help="every planner re-plans this often")
    args = ap.parse_args()
    started = time.time()
    everything = []
    for mix in args.mixes:
        for seed in args.seeds:
            everything += run_catalogue(args, seed, mix)
    print("\n##### summary at equal service: ratio of invplan to the best anchor")
    print(f"  {'mix':5s} {'seed':>4s} {'mode':11s} {'stock':>6s} {'cost':>6s}  best anchors")
    for seed, mix, mode, _planned, equal in everything:
        anchors = {n: r for n, r in equal.items() if n != "invplan" and r["reached"]}
        bv = min(anchors, key=lambda n: anchors[n]["stock_value"])
        bc = min(anchors, key=lambda n: anchors[n]["total_cost"])
        ours = equal["invplan"]
        print(
            f"  {mix:5s} {seed:4d} {mode:11s} "
            f"{ours['stock_value'] / anchors[bv]['stock_value']:6.3f} "
            f"{ours['total_cost'] / anchors[bc]['total_cost']:6.3f}  stock: {bv}, cost: {bc}"
        )
    print(f"\n({time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
