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
- ``invplan_joint`` (with a supplier cost A > 0): the engine with joint replenishment
  per supplier. At the first plan, ``invplan.lotsizing.supplier_order_cycles`` gives
  every supplier a base cycle in whole weeks and every item a multiple of it (RAND /
  Goyal on the family cost of Silver, Pyke & Peterson section 10.4; annual demand from
  the engine's forecast, holding 25 % of unit cost, the item's ordering cost, A per
  supplier order), capped at 13 weeks (:func:`joint_cycles`); each item is then planned
  by ``run_plan(review_days=...)`` as periodic review (R, S) with R = its review days,
  every review counted from the first day of the test year, so the items of a supplier
  are reviewed, and order, on the same days. The cycles are kept for the year, the
  levels S re-planned at every re-plan. Items without a joint cycle (not stocked at the
  first plan, no demand) keep the ``invplan`` rule;
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

Every anchor uses an order cycle of 14 days and orders each item on its own (that is
their public definition). Classes are the ABC classes of the
engine's first plan (revenue of the two history years), the same for every planner;
targets are quantity fill rates of 98 % (A), 95 % (B) and 90 % (C).

Suppliers (:func:`assign_suppliers`): the generated catalogue has none, so each product
gets a vendor of its category (10 to 25 products per vendor, drawn from the seed), and a
supplier order goes to one warehouse: the supplier is vendor x warehouse. Each supplier
order costs ``--supplier-cost`` A (default 150), whichever planner placed it: the
simulator reports the day of every item order (``simulate_policy(keep_orders=True)``)
and every distinct day on which at least one item of a supplier ordered is one supplier
order. Why 150: the catalogue's item ordering costs (15 to 60, mean 35) are the cost of
one order line (its administration); a supplier order adds what one delivery costs
whatever it holds, a part-load transport, the goods receipt and the invoice match, a
few times the cost of a line, which is the setting where joint replenishment is meant
to pay (the major cost well above the minor ones, Silver, Pyke & Peterson section
10.4). docs/benchmarks.md also gives the results at A = 50. With ``--supplier-cost 0``
nothing of this applies and the output is that of the earlier versions.

Printed per catalogue and mode:

1. **as planned**: quantity fill rate and cycle service level per class, the share of
   items (with demand in the test year) whose fill rate reached their class target
   (``on tgt``) and their own planned target within half a point (``on own``: the
   engine allocates item targets inside a class, the mean of its re-plans; the anchors
   have the class target), stock value, orders and supplier orders;
2. **at equal service**: each planner's safety stock scaled per class (s and max moved
   by (alpha - 1) x safety stock, alpha found by bisection) until each class meets its
   target, then stock value, total cost (holding at 25 % a year of the average stock
   value plus each item's ordering cost per order plus A per supplier order:
   :func:`total_cost`), orders and supplier orders (``sup ord``, per year), with the
   ratios to the best anchor of the same run. For Odoo's min/max, which has no safety
   stock, the scaled quantity is its minimum (the lead-time demand), so its alpha is
   the factor a buyer would put on it; for DDMRP it is the red zone.

Run: ``python benchmarks/service_per_stock.py [--products 1000] [--seeds 7 11 23]
[--mixes demo hard] [--modes backorder lost_sales] [--supplier-cost 150]``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from invplan.demo import generate_catalogue
from invplan.lotsizing import supplier_order_cycles
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
SUPPLIER_COST = 150.0
SUPPLIER_SIZE = (10, 25)  # products per vendor, fewest and most
#: Longest review period of a jointly replenished item: 13 weeks, every item of a
#: supplier at least once a quarter (see :func:`joint_cycles`).
JOINT_MAX_REVIEW_DAYS = 91


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


def assign_suppliers(items: pd.DataFrame, seed: int) -> np.ndarray:
    """The supplier of every item: a vendor per product, ordered per warehouse.

    The generated catalogue has no vendor, so one is drawn here, deterministically from
    the seed (its own random stream: the demand and lead-time draws are unchanged).
    Vendors supply one category (a plumbing wholesaler, a garden supplier): the products
    of each category are shuffled and cut into vendors of 10 to 25 products (each vendor
    starts with 10, the rest of the category is spread at random over the vendors up to
    25 each; a category of fewer than 10 products is one vendor). A product has the same
    vendor in both warehouses, but a supplier order is delivered to one warehouse (its
    transport and its goods receipt are per delivery), so the unit that pays the supplier
    cost is vendor x warehouse: the returned key, ``"V<category><n>@<warehouse>"``.
    """
    rng = np.random.default_rng([seed, 2])
    lo, hi = SUPPLIER_SIZE
    products = items["product"].astype(str)
    first = items.drop_duplicates("product")
    cat = (
        first["category"].astype(str)
        if "category" in first.columns
        else pd.Series("all", index=first.index)
    )
    vendor_of = {}
    for c in sorted(cat.unique()):
        codes = rng.permutation(first.loc[cat == c, "product"].astype(str).to_numpy())
        n = len(codes)
        n_v = min(max(int(round(n / ((lo + hi) / 2))), -(-n // hi)), max(n // lo, 1))
        sizes = np.full(n_v, min(lo, n // n_v))
        rest = n - sizes.sum()
        if rest > 0:
            slots = np.repeat(np.arange(n_v), hi - sizes)
            sizes += np.bincount(rng.choice(slots, rest, replace=False), minlength=n_v)
        vendor = np.repeat([f"V{c[:3].upper()}{j + 1:02d}" for j in range(n_v)], sizes)
        vendor_of.update(zip(codes, vendor, strict=True))
    return (products.map(vendor_of) + "@" + items["warehouse"].astype(str)).to_numpy()


def supplier_orders(placed: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Per supplier (``group``: a code 0..G-1 per item), the number of distinct days on
    which at least one of its items placed an order (``placed``: items x days)."""
    hits = np.zeros((int(group.max(initial=-1)) + 1, placed.shape[1]), dtype=bool)
    np.logical_or.at(hits, group, placed)
    return hits.sum(axis=1)


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
def plan_invplan(hist, items, split, replans, m, review_days=None):
    """The engine's plan at every re-plan; ``review_days`` per item gives items their own
    (R, S) review period (``run_plan(review_days=...)``), else the segments' rules."""
    s_list, S_list, ss_list, first, targets = [], [], [], None, []
    review = np.ones(m, dtype=int)
    for t0 in replans:
        as_of = split + pd.Timedelta(days=t0)
        plan = run_plan(hist[hist["date"] < as_of], items, as_of=as_of, review_days=review_days)
        fill_target = np.where(
            plan.policy["service_metric"].eq("fill_rate"), plan.policy["service_target"], np.nan
        )
        targets.append(fill_target)
        pol = plan.policy
        if first is None:
            first = plan
            rd = pol["review_days"].to_numpy(float)
            if review_days is not None:
                rd = np.asarray(review_days, dtype=float)
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


def joint_cycles(first, items, suppliers, supplier_cost, max_days=JOINT_MAX_REVIEW_DAYS):
    """Review period per item from joint replenishment per supplier, at the first plan.

    Per supplier, :func:`invplan.lotsizing.supplier_order_cycles` (RAND / Goyal on the
    cost of Silver, Pyke & Peterson section 10.4, base cycle in whole weeks once it is a
    week or more) with annual demand = the engine's forecast per day x 365
    (``demand_per_day`` of the first plan: what the history known at the plan date
    says), holding cost = ``HOLDING_RATE`` x unit cost (the rate the benchmark charges),
    item order cost = the item's ordering cost and supplier order cost A. Only the items
    the engine stocks take part (an item without a rule places no order). Returns
    (review days per item, 0 where no joint cycle: such an item keeps the engine's plain
    rule; the supplier plan).

    The cycles are computed once, at the first plan, and kept for the year; the
    order-up-to levels are re-planned every re-plan with them. A supplier's order
    calendar ("every second Monday") is agreed with the supplier and the warehouse and
    is not redrawn every month; annual demand moves little between two re-plans; and the
    simulator keeps one review period per item, so that every review of a supplier's
    items falls on the same days, multiples of the base cycle counted from the first day
    of the test year (the common anchor day of every supplier, the as-of date of the
    first plan, which is where the engine starts a review calendar: ``next_review``).

    Review periods are capped at ``max_days`` (``supplier_order_cycles`` lowers the
    multiple to fit): the deterministic cost of SPP 10.4 gives slow, cheap C items
    multiples of several base cycles, reviews up to 12 months apart (median 16 weeks on seed 7, demo mix).
    Such a rule acts on a re-plan only at its next review, and protects with a forecast
    made up to a year before the demand; on the benchmark its C class could not reach
    90 % fill at any safety-stock scale (seed 7, demo mix: 89.5 % at 40x). The cap is
    the quarter a buyer commonly reviews every item in: 13 weeks (91 days). Measured at equal
    service on that catalogue (backorders), total cost / best anchor with caps of 365,
    182, 119 and 91 days: 0.436 (C not reached), 0.370, 0.352 and 0.361; on 150
    products: 0.356, 0.338, 0.333, 0.345. The quarter is kept for its reason, not tuned
    to the 3 %.
    """
    pol = first.policy
    stocked = pol["stocked"].to_numpy(bool)
    cost = items["unit_cost"].to_numpy(float)
    d = np.where(stocked, pol["demand_per_day"].to_numpy(float), 0.0)
    table = pd.DataFrame(
        {
            "supplier": suppliers,
            "annual_demand": d * 365.0,
            "holding_cost": HOLDING_RATE * cost,
            "item_order_cost": items["ordering_cost"].fillna(25.0).to_numpy(float),
            "unit_value": cost,
        }
    )
    sup = pd.DataFrame({"order_cost": supplier_cost}, index=pd.unique(suppliers))
    item_plan, sup_plan = supplier_order_cycles(table, sup, weekly=True, max_days=max_days)
    review = np.where(
        stocked & (item_plan["multiple"].to_numpy() > 0), item_plan["review_days"].to_numpy(), 0
    )
    return review.astype(int), sup_plan


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
def simulate(plan, future, lead, alpha_item, lost_sales, keep_orders=False):
    shift = (alpha_item[:, None] - 1.0) * plan.ss
    s = np.where(plan.s >= 0, np.maximum(plan.s + shift, 0.0), -1.0)
    S = np.where(plan.s >= 0, np.maximum(plan.S + shift, s), 0.0)
    res = simulate_policy(
        future,
        lead,
        s,
        order_up_to=S,
        review_period=plan.review,
        initial_on_hand=np.maximum(S[:, 0], 0.0),
        lost_sales=lost_sales,
        keep_orders=keep_orders,
    )
    return (res.table, res.order_placed) if keep_orders else res.table


def class_fill(table, classes):
    out = {}
    for c in TARGETS:
        sel = classes == c
        dem = table["demand"].to_numpy()[sel]
        out[c] = float((table["fill_rate"].to_numpy()[sel] * dem).sum() / max(dem.sum(), 1e-9))
    return out


def summarise(table, classes, cost, ordering, own_targets=None, supplier=None):
    """One planner's row. ``supplier``: (order matrix, supplier code per item, supplier
    cost A) to count and charge supplier orders (see :func:`total_cost`)."""
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
    n_sup = 0.0
    if supplier is not None:
        placed, group, _ = supplier
        n_sup = float(supplier_orders(placed, group).sum())
    row["supplier_orders"] = n_sup * 365.0 / TEST_DAYS
    row["total_cost"] = total_cost(
        value, orders, ordering, n_sup, 0.0 if supplier is None else supplier[2]
    )
    return row


def total_cost(stock_value, orders, ordering, n_supplier_orders=0.0, supplier_cost=0.0):
    """Total cost per year of a replayed plan.

    TC = h x V + (sum_i a_i n_i + A x N_sup) x 365 / T

    h = ``HOLDING_RATE`` (25 % a year) on the average stock value V, a_i
    the item's ordering cost and n_i its orders, A the supplier's fixed cost per order
    and N_sup the supplier orders: for every supplier, the distinct days on
    which at least one of its items ordered (items ordered the same day go in one
    supplier order), over the T = ``TEST_DAYS`` days replayed. This is the total
    relevant cost of a family of jointly replenished items, major setup A plus minor
    setups a_i plus holding (Silver, Pyke & Peterson, *Inventory and Production
    Management in Supply Chains*, 4th ed., section 10.4), counted on the replayed orders
    instead of the deterministic cycles; with A = 0 it is the holding plus item ordering
    cost of the earlier versions of this benchmark.
    """
    item_orders = float((np.asarray(orders) * ordering).sum())
    return (
        HOLDING_RATE * stock_value
        + (item_orders + supplier_cost * n_supplier_orders) * 365.0 / TEST_DAYS
    )


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
    table, placed = simulate(plan, future, lead, alphas(final), lost_sales, keep_orders=True)
    return final, reached, table, placed


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
    A = float(args.supplier_cost)
    suppliers = assign_suppliers(items, seed)
    group = pd.factorize(suppliers)[0]
    joint_note = ""
    if A > 0:
        t = time.time()
        review, sup_plan = joint_cycles(first, it, suppliers, A)
        plans["invplan_joint"], _ = plan_invplan(hist, it, split, replans, m, review_days=review)
        base = sup_plan["base_days"].to_numpy()
        sizes = pd.Series(suppliers).value_counts()
        joint_note = (
            f"\n  {len(sizes)} suppliers (vendor x warehouse, {sizes.min()}-{sizes.max()} items)"
            f", supplier cost {A:g} per order; joint cycles: {int((review > 0).sum())} items"
            f" periodic, base cycle {np.median(base[base > 0]):.0f} days (median;"
            f" {base[base > 0].min()}-{base.max()}), review {np.median(review[review > 0]):.0f}"
            f" days (median), planning {time.time() - t:.0f} s"
        )
    for name in ANCHORS:
        plans[name] = plan_anchor(name, full, replans, lt, moq, z)
    print(
        f"\n##### catalogue seed={seed} mix={mix}: {m} items "
        f"(A {int((classes == 'A').sum())}, B {int((classes == 'B').sum())}, "
        f"C {int((classes == 'C').sum())}), test year from {split.date()} "
        f"({split.day_name()}), {len(replans)} re-plans, engine planning {plan_seconds:.0f} s"
        + joint_note
    )
    results = []
    for mode in args.modes:
        lost = mode == "lost_sales"
        planned, equal = {}, {}
        for name, plan in plans.items():
            tab, placed = simulate(plan, future, lead, np.ones(m), lost, keep_orders=True)
            planned[name] = summarise(
                tab, classes, cost, ordering, plan.targets, (placed, group, A)
            )
            alpha, reached, tab_eq, placed_eq = equal_service(plan, future, lead, classes, lost)
            row = summarise(tab_eq, classes, cost, ordering, supplier=(placed_eq, group, A))
            row.update({f"alpha_{c}": alpha[c] for c in TARGETS})
            row["reached"] = all(reached.values())
            equal[name] = row
        print_tables(mode, planned, equal, A)
        results.append((seed, mix, mode, planned, equal))
    return results


def print_tables(mode, planned, equal, supplier_cost=0.0):
    sup = supplier_cost > 0  # with A = 0 the tables are those of the earlier versions
    print(f"\n=== mode: {mode}; as planned (fill / cycle service per class, % of items on target)")
    print(
        f"  {'planner':14s}"
        + "".join(f" {'fill ' + c:>7s} {'csl ' + c:>6s}" for c in TARGETS)
        + f" {'on tgt':>7s} {'on own':>7s} {'stock value':>12s} {'orders':>7s}"
        + (f" {'sup ord':>7s}" if sup else "")
    )
    for name, r in planned.items():
        print(
            f"  {name:14s}"
            + "".join(f" {100 * r['fill_' + c]:7.2f} {100 * r['csl_' + c]:6.1f}" for c in TARGETS)
            + f" {100 * r['on_target']:7.1f} {100 * r['on_own_target']:7.1f}"
            + f" {r['stock_value']:12,.0f} {r['orders']:7,.0f}"
            + (f" {r['supplier_orders']:7,.0f}" if sup else "")
        )
    anchors = {n: r for n, r in equal.items() if n in ANCHORS and r["reached"]}
    best_v = min((r["stock_value"] for r in anchors.values()), default=np.nan)
    best_c = min((r["total_cost"] for r in anchors.values()), default=np.nan)
    print(
        f"=== mode: {mode}; at equal service (each class scaled to A {TARGETS['A']:.0%}, "
        f"B {TARGETS['B']:.0%}, C {TARGETS['C']:.0%} fill); ratios to the best anchor"
        + (f"; total cost with supplier orders at {supplier_cost:g} each" if sup else "")
    )
    print(
        f"  {'planner':14s} {'alpha A/B/C':>17s}"
        + "".join(f" {'fill ' + c:>7s}" for c in TARGETS)
        + f" {'stock value':>12s} {'ratio':>6s} {'total cost':>12s} {'ratio':>6s} {'orders':>7s}"
        + (f" {'sup ord':>7s}" if sup else "")
    )
    for name, r in equal.items():
        a = "/".join(f"{r['alpha_' + c]:.2f}" for c in TARGETS)
        flag = "" if r["reached"] else "  (a class never reached its target)"
        print(
            f"  {name:14s} {a:>17s}"
            + "".join(f" {100 * r['fill_' + c]:7.2f}" for c in TARGETS)
            + f" {r['stock_value']:12,.0f} {r['stock_value'] / best_v:6.3f}"
            + f" {r['total_cost']:12,.0f} {r['total_cost'] / best_c:6.3f} {r['orders']:7,.0f}"
            + (f" {r['supplier_orders']:7,.0f}" if sup else "")
            + flag
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
    ap.add_argument(
        "--supplier-cost",
        type=float,
        default=SUPPLIER_COST,
        help="fixed cost of one supplier order (0: no supplier cost and no joint planner)",
    )
    args = ap.parse_args()
    if not (np.isfinite(args.supplier_cost) and args.supplier_cost >= 0):
        ap.error(f"--supplier-cost: must be a number >= 0, got {args.supplier_cost}")
    started = time.time()
    everything = []
    for mix in args.mixes:
        for seed in args.seeds:
            everything += run_catalogue(args, seed, mix)
    ours_rows = ["invplan"] + (["invplan_joint"] if args.supplier_cost > 0 else [])
    for ours_name in ours_rows:
        print(f"\n##### summary at equal service: ratio of {ours_name} to the best anchor")
        print(f"  {'mix':5s} {'seed':>4s} {'mode':11s} {'stock':>6s} {'cost':>6s}  best anchors")
        for seed, mix, mode, _planned, equal in everything:
            anchors = {n: r for n, r in equal.items() if n in ANCHORS and r["reached"]}
            bv = min(anchors, key=lambda n: anchors[n]["stock_value"])
            bc = min(anchors, key=lambda n: anchors[n]["total_cost"])
            ours = equal[ours_name]
            print(
                f"  {mix:5s} {seed:4d} {mode:11s} "
                f"{ours['stock_value'] / anchors[bv]['stock_value']:6.3f} "
                f"{ours['total_cost'] / anchors[bc]['total_cost']:6.3f}  stock: {bv}, cost: {bc}"
                + ("" if ours["reached"] else "  (not at equal service: a class never reached)")
            )
    print(f"\n({time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
