"""What-if scenarios: the service, stock and cost of a policy change before it is made.

A scenario is a set of changes against the live planning parameters: a segment's
service target, service metric, policy, review period, order cover (days of demand per
order) or ordering cost, a re-segmentation (ABC cut-offs, XYZ limits, a segment rule's
conditions or segment), a lead-time shock (+x days or +x %), a demand shock (x %), a
vendor failure (no supply for N days).

:func:`evaluate_scenario` computes the parameters of both sides with the existing policy
engine (:func:`invplan.policy.compute_policy`) and replays both on the **same** demand
and lead times with the existing simulator (:func:`invplan.simulate.simulate_policy`):
no new simulator. Reorder rules are replayed as Odoo executes them, min / max: an
(s, S) system reviewed every day (continuous review) or on its review day (periodic
review, (R, S): the min equals the max, so a review below the max orders up to it).

Which side sees what:

- **policy changes** (target, metric, policy, review period, ordering cost) change the
  scenario's parameters only;
- **shocks** (lead time, demand, vendor failure) change the world both sides are replayed
  in: the current parameters meet the shock unprepared, the scenario's are recomputed
  with the shocked lead time and demand (what the nightly run would plan once the shock
  is in its data). A vendor failure is a one-off: it changes no parameter.

- **re-segmentation** (:func:`resegment`) runs the classification and the segment rules
  again with the changed cut-offs or rules: an item that lands in another segment is
  planned with that segment's policy on the scenario's side (:func:`move_items`), and
  the scenario's side is summarised by the new segments.

An unchanged scenario therefore replays exactly as the current plan.

The replay runs on the last days of real demand, or on demand drawn from the fitted
forecast distributions (:func:`draw_demand`, gamma by moments, seeded). Where a segment
gives a stockout cost per unit short, the cost columns hold holding + ordering +
stockout cost (Silver, Pyke & Peterson 1998, section 7.4: the cost per unit short).

:func:`exchange_curve` moves the service target of every segment over a grid and
replays each point: stock value against achieved fill rate (Silver, Pyke & Peterson,
*Inventory Management and Production Planning and Scheduling*, 3rd ed., 1998, section
7.5 on exchange curves).

:func:`diff_in_diff` estimates a pilot's effect against its control group from KPI
snapshots, with its standard error (Angrist & Pischke, *Mostly Harmless Econometrics*,
Princeton 2009, ch. 5.2; Wooldridge, *Econometric Analysis of Cross Section and Panel
Data*, 2nd ed., 2010, section 6.5.3; Bertrand, Duflo & Mullainathan, "How much should we
trust differences-in-differences estimates?", QJE 119(1), 2004, for the serial
correlation of panels and the collapse to one pre and one post value per unit).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .classify import RULE_CRITERIA, assign_segments, classify_abc
from .policy import compute_policy
from .simulate import simulate_policy

#: Changes a scenario can hold (``Change.kind``).
POLICY_KINDS = (
    "service_target",
    "service_metric",
    "policy",
    "review_period",
    "ordering_cost",
    "order_cover_days",
)
SEGMENT_KINDS = ("abc_cutoffs", "xyz_thresholds", "segment_rule")
SHOCK_KINDS = ("lead_time_days", "lead_time_pct", "demand_pct", "vendor_failure")
CHANGE_KINDS = POLICY_KINDS + SEGMENT_KINDS + SHOCK_KINDS
#: Item columns :func:`evaluate_scenario` reads (``group`` and ``vendor`` are optional).
ITEM_COLUMNS = (
    "segment",
    "lead_time",
    "lead_time_std",
    "unit_cost",
    "policy",
    "service_metric",
    "service_target",
    "review_period",
    "ordering_cost",
    "holding_rate",
)
#: Optional item columns: days of demand per order (0: economic order quantity) and the
#: cost per unit short (0: none); both as the segment gives them.
OPTIONAL_COLUMNS = ("order_cover_days", "stockout_cost")
#: Item columns a segment's policy sets (:func:`move_items`).
SEGMENT_POLICY_COLUMNS = (
    "policy",
    "service_metric",
    "service_target",
    "review_period",
    "ordering_cost",
    "holding_rate",
) + OPTIONAL_COLUMNS
POLICIES = ("sQ", "sS", "RS")
METRICS = ("csl", "fill_rate")


@dataclass
class Change:
    """One change of a scenario.

    ``kind`` is one of :data:`CHANGE_KINDS`; ``value`` is the new target (a fraction, e.g.
    0.98), the new review period, order cover in days (0: economic order quantity) or
    ordering cost, the shock in days or percent (+50 for +50 %), or the failure's length
    in days; ``text`` carries the new policy ("sQ", "sS", "RS") or metric ("csl",
    "fill_rate"). ``segment`` / ``vendor`` restrict the change to the items of a segment
    / vendor (None: all items). A vendor failure starts ``start`` periods into the replay
    (None: at a third of it).

    Re-segmentation: ``abc_cutoffs`` has the A and B cut-offs (cumulative shares) in
    ``value`` and ``value2``, ``xyz_thresholds`` the X and Y limits of the coefficient of
    variation; ``segment_rule`` changes the rule ``rule`` (its ``rule_id`` in the rule
    table): ``conditions`` maps criteria of :data:`invplan.classify.RULE_CRITERIA` to
    their new value (None: any), ``to_segment`` is the rule's new segment (None: kept),
    ``text="drop"`` switches the rule off.
    """

    kind: str
    value: float = 0.0
    text: str | None = None
    segment: object = None
    vendor: object = None
    start: int | None = None
    value2: float | None = None
    rule: object = None
    conditions: dict | None = None
    to_segment: object = None

    def __post_init__(self):
        if self.kind not in CHANGE_KINDS:
            raise ValueError(f"kind: expected one of {CHANGE_KINDS}, got {self.kind!r}")
        if self.kind == "policy" and self.text not in POLICIES:
            raise ValueError(f"policy: expected one of {POLICIES}, got {self.text!r}")
        if self.kind == "service_metric" and self.text not in METRICS:
            raise ValueError(f"service_metric: expected one of {METRICS}, got {self.text!r}")
        if self.kind == "service_target" and not 0 < self.value < 1:
            raise ValueError(f"service_target: must be in (0, 1), got {self.value!r}")
        if self.kind == "review_period" and not self.value >= 1:
            raise ValueError(f"review_period: must be >= 1 day, got {self.value!r}")
        if (
            self.kind in ("ordering_cost", "vendor_failure", "lead_time_days", "order_cover_days")
            and not self.value >= 0
        ):
            raise ValueError(f"{self.kind}: must be >= 0, got {self.value!r}")
        if self.kind in ("abc_cutoffs", "xyz_thresholds"):
            a, b = self.value, self.value2
            if b is None or not (np.isfinite(a) and np.isfinite(b) and 0 < a <= b):
                raise ValueError(f"{self.kind}: expected 0 < first <= second, got {a!r}, {b!r}")
            if self.kind == "abc_cutoffs" and b > 1:
                raise ValueError(f"abc_cutoffs: cumulative shares must be <= 1, got {b!r}")
        if self.kind == "segment_rule":
            if self.rule is None:
                raise ValueError("segment_rule: the rule to change is missing")
            unknown = set(self.conditions or {}) - set(RULE_CRITERIA)
            if unknown:
                raise ValueError(f"segment_rule: unknown criteria {sorted(unknown)}")
            if self.text not in (None, "drop"):
                raise ValueError(f"segment_rule: text must be None or 'drop', got {self.text!r}")
            if self.text is None and not self.conditions and self.to_segment is None:
                raise ValueError("segment_rule: change a condition, the segment, or drop it")
        if self.kind in ("lead_time_pct", "demand_pct") and self.value <= -100:
            raise ValueError(f"{self.kind}: must be > -100 %, got {self.value!r}")


@dataclass
class ScenarioResult:
    """Both sides of a scenario: parameters per item, replay per item, summary per group."""

    current_params: pd.DataFrame
    scenario_params: pd.DataFrame
    current_replay: pd.DataFrame
    scenario_replay: pd.DataFrame
    summary: pd.DataFrame
    extra: dict = field(default_factory=dict)


def _mask(items: pd.DataFrame, change: Change) -> np.ndarray:
    sel = np.ones(len(items), dtype=bool)
    if change.segment is not None:
        sel &= (items["segment"] == change.segment).to_numpy()
    if change.vendor is not None:
        if "vendor" not in items:
            raise ValueError("a change by vendor needs a 'vendor' column in items")
        sel &= (items["vendor"] == change.vendor).to_numpy()
    return sel


def apply_changes(items: pd.DataFrame, demand, changes, warmup: int = 0):
    """The scenario's items, demand and the lead-time matrix of the replay.

    Returns ``(scenario_items, world_demand, world_lead_times)``: ``scenario_items`` has
    every change applied (the parameters the scenario plans with); ``world_demand`` and
    ``world_lead_times`` (items x periods) are the demand and lead times both sides are
    replayed on (the shocks only). A vendor failure of N days from period t0 holds every
    order its items place in [t0, t0 + N) until the supplier is back: the order arrives
    no earlier than ``t0 + N + L``.
    """
    missing = [c for c in ITEM_COLUMNS if c not in items]
    if missing:
        raise ValueError(f"items: missing columns {missing}")
    D = np.asarray(demand, dtype=float)
    m, T = D.shape
    if m != len(items):
        raise ValueError(f"demand has {m} rows for {len(items)} items")
    new = items.copy().reset_index(drop=True)
    D = D.copy()
    lead = new["lead_time"].to_numpy(dtype=float).copy()
    failures = []
    for change in changes:
        sel = _mask(new, change)
        k = change.kind
        if k == "service_target":
            new.loc[sel, "service_target"] = change.value
        elif k == "service_metric":
            new.loc[sel, "service_metric"] = change.text
        elif k == "policy":
            new.loc[sel, "policy"] = change.text
        elif k == "review_period":
            new.loc[sel, "review_period"] = float(change.value)
        elif k == "ordering_cost":
            new.loc[sel, "ordering_cost"] = float(change.value)
        elif k == "order_cover_days":
            if "order_cover_days" not in new:
                new["order_cover_days"] = 0.0
            new.loc[sel, "order_cover_days"] = float(change.value)
        elif k == "lead_time_days":
            lead[sel] = lead[sel] + change.value
        elif k == "lead_time_pct":
            lead[sel] = lead[sel] * (1 + change.value / 100.0)
        elif k == "demand_pct":
            D[sel] = D[sel] * (1 + change.value / 100.0)
        elif k == "vendor_failure":
            failures.append((sel, change))
    new["lead_time"] = lead
    L = np.repeat(lead[:, None], T, axis=1)
    for sel, change in failures:
        t0 = change.start if change.start is not None else max(warmup, T // 3)
        t1 = min(t0 + int(round(change.value)), T)
        t = np.arange(t0, t1)
        if len(t):
            # The order placed at the end of day t waits for day t1, then takes L days.
            L[np.ix_(sel, t)] = L[np.ix_(sel, t)] + (t1 - 1 - t)[None, :]
    return new, D, L


def _optional(items: pd.DataFrame, column: str) -> np.ndarray:
    """An optional numeric item column, 0 where absent or not a number."""
    if column not in items:
        return np.zeros(len(items))
    v = pd.to_numeric(items[column], errors="coerce").to_numpy(dtype=float)
    return np.where(np.isfinite(v), v, 0.0)


def plan_parameters(items: pd.DataFrame, demand, periods_per_year: float = 365.0):
    """Reorder rule (min, max, review period) per item from its daily demand history.

    Demand mean and standard deviation per day over the history, the item's lead time and
    settings go into :func:`invplan.policy.compute_policy`, by policy, with the optional
    ``order_cover_days`` (days of demand per order instead of the EOQ) and
    ``stockout_cost`` (cost-based reorder point) where > 0. Items the engine cannot plan
    (status other than ``ok``) keep no stock: min -1, max 0 (never orders).
    """
    D = np.asarray(demand, dtype=float)
    D = np.where(np.isfinite(D), D, 0.0)
    mean = D.mean(axis=1) if D.shape[1] else np.zeros(len(items))
    std = D.std(axis=1, ddof=1) if D.shape[1] > 1 else np.zeros(len(items))
    out = pd.DataFrame(
        {
            "status": "no_policy",
            "min": -1.0,
            "max": 0.0,
            "review": 1,
            "safety_stock": 0.0,
            "order_qty": 0.0,
        },
        index=range(len(items)),
    )
    items = items.reset_index(drop=True)
    cover = _optional(items, "order_cover_days")
    stockout = _optional(items, "stockout_cost")
    for policy in POLICIES:
        sel = (items["policy"] == policy).to_numpy()
        if not sel.any():
            continue
        sub = items[sel]
        review = sub["review_period"].to_numpy(dtype=float) if policy == "RS" else 0.0
        res = compute_policy(
            mean[sel],
            std[sel],
            sub["lead_time"].to_numpy(dtype=float),
            sub["lead_time_std"].to_numpy(dtype=float),
            policy=policy,
            service_metric=sub["service_metric"].to_numpy(),
            service_target=sub["service_target"].to_numpy(dtype=float),
            review_period=review,
            unit_cost=sub["unit_cost"].to_numpy(dtype=float),
            holding_rate=sub["holding_rate"].to_numpy(dtype=float),
            ordering_cost=sub["ordering_cost"].to_numpy(dtype=float),
            # As the replenishment job: a segment's order cover replaces the EOQ, its
            # stockout cost makes the (s, Q) / (s, S) reorder point cost-based.
            days_of_cover=np.where(cover[sel] > 0, cover[sel], np.nan),
            stockout_cost=np.where(stockout[sel] > 0, stockout[sel], np.nan),
            periods_per_year=periods_per_year,
        )
        ok = (res["status"] == "ok").to_numpy()
        idx = np.flatnonzero(sel)
        out.loc[idx, "status"] = res["status"].to_numpy()
        s = res["reorder_point"].to_numpy(dtype=float)
        S = res["order_up_to"].to_numpy(dtype=float)
        out.loc[idx, "min"] = np.where(ok, s, -1.0)
        out.loc[idx, "max"] = np.where(ok, np.maximum(S, s), 0.0)
        out.loc[idx, "safety_stock"] = np.where(ok, res["safety_stock"].to_numpy(), 0.0)
        out.loc[idx, "order_qty"] = np.where(ok, res["order_qty"].to_numpy(), 0.0)
        if policy == "RS":
            out.loc[idx, "review"] = np.maximum(np.rint(review), 1).astype(int)
    out["review"] = out["review"].astype(int)
    return out


def replay(params: pd.DataFrame, demand, lead_times, warmup: int = 0) -> pd.DataFrame:
    """Replay the reorder rules (min / max, review period) on demand, as Odoo runs them."""
    s = params["min"].to_numpy(dtype=float)
    S = params["max"].to_numpy(dtype=float)
    res = simulate_policy(
        demand,
        lead_times,
        s,
        order_up_to=S,
        review_period=params["review"].to_numpy(dtype=int),
        initial_on_hand=np.maximum(S, 0.0),
        warmup=warmup,
    )
    return res.table


def summarise(items, replay_table, periods: int, by=("segment",), periods_per_year=365.0):
    """Per group: fill rate (weighted by demand), cycle service (weighted by cycles),
    average stock value, orders per year, holding, ordering and stockout cost per year,
    items.

    The stockout cost is the units short (demand not served from stock at once, the
    replay's backorders) per year times the item's ``stockout_cost`` per unit short,
    where the item has one (SPP section 7.4, "cost per unit short"); the total cost is
    holding + ordering + stockout. A group without demand has no fill rate (NaN, "no
    data"), not 100 %; without a completed replenishment cycle no cycle service.
    """
    items = items.reset_index(drop=True)
    t = replay_table.reset_index(drop=True)
    cost = items["unit_cost"].to_numpy(dtype=float)
    df = pd.DataFrame({c: items[c] for c in by})
    years = max(periods, 1) / periods_per_year
    df["demand"] = t["demand"].to_numpy()
    df["served"] = t["fill_rate"].to_numpy() * df["demand"]
    df["cycles"] = t["cycles"].to_numpy()
    df["cycles_ok"] = t["cycle_service"].to_numpy() * df["cycles"]
    df["stock_value"] = t["avg_on_hand"].to_numpy() * cost
    df["orders_per_year"] = t["orders"].to_numpy() / years
    df["holding_cost"] = df["stock_value"] * items["holding_rate"].to_numpy(dtype=float)
    df["ordering_cost"] = df["orders_per_year"] * items["ordering_cost"].to_numpy(dtype=float)
    df["units_short"] = (df["demand"] - df["served"]).clip(lower=0.0) / years
    df["stockout_cost"] = df["units_short"] * _optional(items, "stockout_cost")
    df["items"] = 1
    g = df.groupby(list(by), sort=True).sum(numeric_only=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        g["fill_rate"] = np.where(g["demand"] > 0, g["served"] / g["demand"], np.nan)
        g["cycle_service"] = np.where(g["cycles"] > 0, g["cycles_ok"] / g["cycles"], np.nan)
    g["total_cost"] = g["holding_cost"] + g["ordering_cost"] + g["stockout_cost"]
    return g[list(SUMMARY_COLUMNS)]


#: Columns of :func:`summarise`, per side.
SUMMARY_COLUMNS = (
    "items",
    "demand",
    "fill_rate",
    "cycle_service",
    "stock_value",
    "orders_per_year",
    "holding_cost",
    "ordering_cost",
    "units_short",
    "stockout_cost",
    "total_cost",
)


def _split(changes):
    """(policy changes, shocks): re-segmentation changes are neither."""
    policy = [c for c in changes if c.kind in POLICY_KINDS]
    shocks = [c for c in changes if c.kind in SHOCK_KINDS]
    return policy, shocks


def _scenario_world(items, scenario_base, D, changes, warmup):
    """The scenario's items and the world both sides meet.

    Shocks select their items by the live segment (the world is one for both sides);
    policy changes select by the scenario's segment (``scenario_base``, the items after
    re-segmentation), so a segment's new target reaches the items that move into it.
    """
    policy, shocks = _split(changes)
    shocked, world, L = apply_changes(items, D, shocks, warmup=warmup)
    scen_items = apply_changes(scenario_base, D[:, :1], policy)[0]
    scen_items["lead_time"] = shocked["lead_time"].to_numpy()
    shock = np.ones(len(items))
    for change in shocks:
        if change.kind == "demand_pct":
            shock[_mask(items, change)] *= 1 + change.value / 100.0
    return scen_items, world, L, shock


def evaluate_scenario(
    items: pd.DataFrame,
    demand,
    changes,
    history=None,
    warmup: int = 0,
    by=("segment",),
    periods_per_year: float = 365.0,
    scenario_segment=None,
    segments: pd.DataFrame | None = None,
) -> ScenarioResult:
    """Parameters and replay of the current plan and of the scenario, side by side.

    ``items``: one row per item with :data:`ITEM_COLUMNS` (service target as a fraction,
    metric "csl" / "fill_rate", policy "sQ" / "sS" / "RS", lead time and review period in
    days, holding rate per year as a fraction), optionally :data:`OPTIONAL_COLUMNS`,
    plus the ``by`` columns and ``vendor`` for changes by vendor. ``demand``: items x
    days, the days replayed. ``history``: items x days the parameters are estimated from
    (default: ``demand`` itself). ``scenario_segment``: each item's segment after
    re-segmentation (:func:`resegment`), with ``segments`` the policy of each segment
    (:func:`move_items`); None: no item moves.

    Returns a :class:`ScenarioResult` whose ``summary`` has, per ``by`` group, the
    columns of :func:`summarise` prefixed ``current_`` and ``scenario_``: each side is
    grouped by its own segment, so a group an item moves into or out of has the item on
    one side only; ``items_in`` / ``items_out`` count the items that move into / out of
    the group. ``extra["segment_moves"]``: items per (current, scenario) segment pair.
    """
    D = np.asarray(demand, dtype=float)
    H = D if history is None else np.asarray(history, dtype=float)
    items = items.reset_index(drop=True)
    base = items if scenario_segment is None else move_items(items, scenario_segment, segments)
    scen_items, world, L, shock = _scenario_world(items, base, D, changes, warmup)
    cur_params = plan_parameters(items, H, periods_per_year)
    scen_params = plan_parameters(scen_items, H * shock[:, None], periods_per_year)
    cur_rep = replay(cur_params, world, L, warmup)
    scen_rep = replay(scen_params, world, L, warmup)
    n = D.shape[1] - warmup
    # Items the engine cannot plan on either side (no demand, no lead time, a segment
    # without a stock policy...) have no reorder rule to replay: they are left out of
    # both sides and counted.
    ok = ((cur_params["status"] == "ok") & (scen_params["status"] == "ok")).to_numpy()
    cur = summarise(items[ok], cur_rep[ok], n, by, periods_per_year)
    scen = summarise(scen_items[ok], scen_rep[ok], n, by, periods_per_year)
    summary = pd.concat([cur.add_prefix("current_"), scen.add_prefix("scenario_")], axis=1)
    # A group on one side only: nothing on the other (no service measured there).
    rates = {f"{side}_{c}" for side in ("current", "scenario") for c in RATE_COLUMNS}
    for col in summary.columns:
        if col not in rates:
            summary[col] = summary[col].fillna(0.0)
    summary = summary.sort_index()
    summary["stock_value_change"] = summary["scenario_stock_value"] - summary["current_stock_value"]
    moved = (items["segment"].to_numpy() != scen_items["segment"].to_numpy()) & ok
    keys = list(by)
    out_ = items.loc[moved, keys].assign(n=1).groupby(keys)["n"].sum()
    in_ = scen_items.loc[moved, keys].assign(n=1).groupby(keys)["n"].sum()
    summary["items_out"] = out_.reindex(summary.index).fillna(0).astype(int).to_numpy()
    summary["items_in"] = in_.reindex(summary.index).fillna(0).astype(int).to_numpy()
    extra = {
        "planned": ok,
        "not_planned": int((~ok).sum()),
        "segment_moves": segment_moves(items["segment"], scen_items["segment"]),
    }
    return ScenarioResult(cur_params, scen_params, cur_rep, scen_rep, summary, extra)


#: Summary columns that are rates: NaN ("no data") where a group has no item on a side.
RATE_COLUMNS = ("fill_rate", "cycle_service")


def exchange_curve(
    items: pd.DataFrame,
    demand,
    changes=(),
    targets=(0.80, 0.85, 0.90, 0.95, 0.97, 0.98, 0.99, 0.995),
    history=None,
    warmup: int = 0,
    by=("segment",),
    periods_per_year: float = 365.0,
    scenario_segment=None,
    segments: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Stock value against achieved fill rate per group as the service target moves.

    For each target of the grid, every item's target is set to it (on top of the
    scenario's other changes, re-segmentation included) and the plan is replayed on the
    scenario's world. One row per group and target: ``target, fill_rate,
    cycle_service, stock_value, total_cost``.
    """
    D = np.asarray(demand, dtype=float)
    H = D if history is None else np.asarray(history, dtype=float)
    items = items.reset_index(drop=True)
    changes = [c for c in changes if c.kind != "service_target"]
    moved = items if scenario_segment is None else move_items(items, scenario_segment, segments)
    base, world, L, shock = _scenario_world(items, moved, D, changes, warmup)
    n = D.shape[1] - warmup
    rows = []
    for target in targets:
        point = base.copy()
        point["service_target"] = float(target)
        params = plan_parameters(point, H * shock[:, None], periods_per_year)
        ok = (params["status"] == "ok").to_numpy()
        rep = replay(params, world, L, warmup)
        table = summarise(point[ok], rep[ok], n, by, periods_per_year)
        table = table.reset_index()
        table.insert(len(by), "target", float(target))
        rows.append(table)
    cols = list(by) + ["target", "fill_rate", "cycle_service", "stock_value", "total_cost"]
    return pd.concat(rows, ignore_index=True)[cols]


# ------------------------------------------------------------------ re-segmentation
def xyz_from_cv(cv, known, thresholds=(0.5, 1.0)) -> np.ndarray:
    """XYZ class from a stored coefficient of variation, as
    :func:`invplan.classify.classify_xyz` gives it: X when :math:`CV < t_1`, Y when
    :math:`t_1 \\le CV < t_2`, Z otherwise; an item whose CV is not known (too short a
    history, no demand) is Z. Lets a scenario move the limits without the demand
    history the nightly classification read."""
    t1, t2 = (float(t) for t in thresholds)
    if not (np.isfinite(t1) and np.isfinite(t2) and 0 < t1 <= t2):
        raise ValueError(f"thresholds: expected 0 < first <= second, got {thresholds!r}")
    cv = np.asarray(cv, dtype=float)
    known = np.asarray(known, dtype=bool) & np.isfinite(cv)
    cls = np.where(cv < t1, "X", np.where(cv < t2, "Y", "Z")).astype(object)
    cls[~known] = "Z"
    return cls


def _scenario_rules(rules: pd.DataFrame, changes) -> pd.DataFrame:
    rules = rules.copy().reset_index(drop=True)
    rules = rules.astype({c: object for c in rules.columns if c in RULE_CRITERIA})
    for change in changes:
        if change.kind != "segment_rule":
            continue
        if "rule_id" not in rules:
            raise ValueError("rules: a 'rule_id' column is needed to change a rule")
        pos = np.flatnonzero((rules["rule_id"] == change.rule).to_numpy())
        if not len(pos):
            raise ValueError(f"segment_rule: no rule {change.rule!r}")
        if change.text == "drop":
            rules = rules.drop(index=pos).reset_index(drop=True)
            continue
        for col, crit in (change.conditions or {}).items():
            if col not in rules:
                rules[col] = None
            rules[col] = rules[col].astype(object)
            for p in pos:
                rules.at[p, col] = crit
        if change.to_segment is not None:
            rules["segment"] = rules["segment"].astype(object)
            for p in pos:
                rules.at[p, "segment"] = change.to_segment
    return rules


def resegment(
    classes: pd.DataFrame,
    rules: pd.DataFrame,
    changes,
    abc_cutoffs=(0.80, 0.95),
    xyz_thresholds=(0.5, 1.0),
) -> pd.DataFrame:
    """Classification and segment assignment again with a scenario's changed rules.

    ``classes``: one row per plan of the **whole** population the ABC ranks (a company),
    in the nightly order (ABC ties are broken by position), with ``segment`` (live),
    ``abc``, ``xyz``, ``abc_value`` (the ABC measure), ``demand_cv`` and the criteria the
    rules use (``pattern``, ``lifecycle``, ``category``, ``warehouse``); optional
    ``locked`` (a plan whose segment is locked or whose data is quarantined keeps it).
    ``rules``: the live decision table of :func:`invplan.classify.assign_segments`, in
    priority order, with ``rule_id``. ``abc_cutoffs`` / ``xyz_thresholds``: the live
    settings.

    The ABC classes are ranked again with the scenario's cut-offs
    (:func:`invplan.classify.classify_abc`), the XYZ classes read again from the CV
    (:func:`xyz_from_cv`), the rules changed (``segment_rule``) and every plan assigned
    by first hit (:func:`invplan.classify.assign_segments`). Only what the scenario
    changes moves a plan: a class or a segment differs from the live one only where the
    assignment with the live settings and the one with the scenario's differ (a plan set
    by hand, or classified before a rule was edited, keeps its live segment).

    Returns a frame aligned with ``classes``: ``abc, xyz, segment, moved``.
    """
    classes = classes.reset_index(drop=True)
    n = len(classes)
    live_abc = classes["abc"].to_numpy(dtype=object)
    live_xyz = classes["xyz"].to_numpy(dtype=object)
    abc, xyz = live_abc.copy(), live_xyz.copy()
    for change in changes:
        if change.kind == "abc_cutoffs":
            values = pd.to_numeric(classes["abc_value"], errors="coerce").to_numpy(dtype=float)
            ids = np.arange(n)
            before = classify_abc(values, abc_cutoffs, ids=ids)["abc"].to_numpy()
            after = classify_abc(values, (change.value, change.value2), ids=ids)["abc"].to_numpy()
            abc = np.where(before != after, after, abc)
        elif change.kind == "xyz_thresholds":
            cv = pd.to_numeric(classes["demand_cv"], errors="coerce").to_numpy(dtype=float)
            # classify_xyz stores CV 0 and class Z for a plan it cannot measure; a
            # measured CV of 0 is X under any limit > 0.
            known = ~((live_xyz == "Z") & (cv == 0))
            before = xyz_from_cv(cv, known, xyz_thresholds)
            after = xyz_from_cv(cv, known, (change.value, change.value2))
            xyz = np.where(before != after, after, xyz)
    live = classes["segment"].to_numpy(dtype=object)
    seg_changes = [c for c in changes if c.kind in SEGMENT_KINDS]
    if not seg_changes or not len(rules):
        return pd.DataFrame({"abc": abc, "xyz": xyz, "segment": live, "moved": np.zeros(n, bool)})
    table = rules.drop(columns=["rule_id"], errors="ignore")
    base = assign_segments(classes, table)["segment"].to_numpy(dtype=object)
    scen_rules = _scenario_rules(rules, changes).drop(columns=["rule_id"], errors="ignore")
    after = assign_segments(classes.assign(abc=abc, xyz=xyz), scen_rules)
    after = after["segment"].to_numpy(dtype=object)
    locked = (
        classes["locked"].fillna(False).to_numpy(dtype=bool)
        if "locked" in classes
        else np.zeros(n, bool)
    )
    differs = np.array([a != b for a, b in zip(base, after, strict=True)], dtype=bool)
    move = differs & ~locked
    segment = np.where(move, after, live)
    moved = np.array([a != b for a, b in zip(live, segment, strict=True)], dtype=bool)
    return pd.DataFrame({"abc": abc, "xyz": xyz, "segment": segment, "moved": moved})


def move_items(items: pd.DataFrame, scenario_segment, segments: pd.DataFrame) -> pd.DataFrame:
    """The items with their scenario segment and, where it changed, its policy.

    ``segments``: one row per segment (index: the segment key) with the columns of
    :data:`SEGMENT_POLICY_COLUMNS` it sets. An item that moves to a segment not in the
    table (no stock policy, or no segment) gets policy ``"none"``: it keeps no stock on
    the scenario's side and is left out of the replay (not planned)."""
    items = items.reset_index(drop=True)
    new_segment = np.asarray(scenario_segment, dtype=object)
    if len(new_segment) != len(items):
        raise ValueError(f"scenario_segment has {len(new_segment)} values for {len(items)} items")
    moved = np.array(
        [a != b for a, b in zip(items["segment"].to_numpy(), new_segment, strict=True)], bool
    )
    out = items.copy()
    if not moved.any():
        return out
    if segments is None:
        raise ValueError("segments: the policy of each segment is needed to move items")
    out["segment"] = out["segment"].astype(object)
    out.loc[moved, "segment"] = new_segment[moved]
    known = moved & pd.Series(new_segment).isin(segments.index).to_numpy()
    for col in SEGMENT_POLICY_COLUMNS:
        if col not in segments:
            continue
        if col not in out:
            out[col] = 0.0
        if out[col].dtype != object and segments[col].dtype == object:
            out[col] = out[col].astype(object)
        out.loc[known, col] = segments[col].reindex(new_segment[known]).to_numpy()
    out["policy"] = out["policy"].astype(object)
    out.loc[moved & ~known, "policy"] = "none"
    return out


def segment_moves(current, scenario, by=None) -> pd.DataFrame:
    """Items per (current segment, scenario segment) pair that differ, with the ``by``
    columns (e.g. warehouse) where given: ``from, to, [by...], items``."""
    frame = pd.DataFrame({"from": np.asarray(current, object), "to": np.asarray(scenario, object)})
    keys = ["from", "to"]
    if by is not None:
        for name, col in by.items():
            frame[name] = np.asarray(col, object)
            keys.append(name)
    moved = frame[[a != b for a, b in zip(frame["from"], frame["to"], strict=True)]]
    if not len(moved):
        return pd.DataFrame(columns=keys + ["items"])
    out = moved.assign(items=1).groupby(keys, dropna=False)["items"].sum().reset_index()
    # groupby turns a missing segment (None) into NaN: give it back as None.
    for col in keys:
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


# ------------------------------------------------------------------ drawn demand
def draw_demand(mean, std, periods: int, seed=None) -> np.ndarray:
    """Daily demand drawn from each item's fitted forecast distribution (items x periods).

    Each day's demand is gamma distributed with the forecast's mean :math:`\\mu` and
    standard deviation :math:`\\sigma` per day: shape :math:`k = \\mu^2 / \\sigma^2`,
    scale :math:`\\theta = \\sigma^2 / \\mu`, so :math:`E = k\\theta = \\mu` and
    :math:`Var = k\\theta^2 = \\sigma^2` (the gamma as a model of demand: Burgin, "The
    gamma distribution and inventory control", Operational Research Quarterly 26(3),
    1975; SPP section 7.11.2). Non-negative and right-skewed like intermittent demand;
    :math:`\\sigma = 0` gives :math:`\\mu` every day; a mean that is 0 or not a
    number gives no demand. The same ``seed`` draws the same demand.
    """
    mu = np.asarray(mean, dtype=float).ravel()
    sd = np.broadcast_to(np.asarray(std, dtype=float), mu.shape).ravel()
    periods = int(periods)
    if periods < 0:
        raise ValueError(f"periods: must be >= 0, got {periods}")
    rng = np.random.default_rng(seed)
    ok_mu = np.isfinite(mu) & (mu > 0)
    ok_sd = np.isfinite(sd) & (sd > 0)
    random = ok_mu & ok_sd
    shape = np.where(random, mu**2 / np.where(random, sd, 1.0) ** 2, 1.0)
    scale = np.where(random, np.where(random, sd, 1.0) ** 2 / np.where(ok_mu, mu, 1.0), 1.0)
    draws = rng.gamma(shape[:, None], scale[:, None], size=(len(mu), periods))
    out = np.where(random[:, None], draws, np.where(ok_mu, mu, 0.0)[:, None])
    return out


# ------------------------------------------------------------------ pilot review
@dataclass
class DiDResult:
    """A difference-in-differences estimate: effect, standard error, 95 % interval."""

    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    dof: float
    means: dict
    method: str


def diff_in_diff(y, treated, post, method: str = "ols"):
    """Difference-in-differences of an outcome between pilot and control, before / after.

    .. math:: \\hat\\delta = (\\bar y_{1,post} - \\bar y_{1,pre})
                           - (\\bar y_{0,post} - \\bar y_{0,pre})

    the coefficient of ``treated x post`` in the regression
    :math:`y = \\alpha + \\beta\\,treated + \\gamma\\,post + \\delta\\,treated\\,post +
    \\varepsilon` (Angrist & Pischke, *Mostly Harmless Econometrics*, 2009, eq. 5.2.3;
    Wooldridge 2010, section 6.5.3). Computed here from the four cell means, which equals
    the OLS coefficient because the model is saturated.

    ``method="ols"``: the classical OLS standard error, :math:`s^2 (1/n_{11} + 1/n_{10} +
    1/n_{01} + 1/n_{00})` with the pooled residual variance on n - 4 degrees of freedom
    (the diagonal of :math:`s^2 (X'X)^{-1}` for the saturated model); observations are
    taken as independent. Use ``"units"`` for panels of units observed repeatedly.

    ``method="units"``: ``y``, ``treated`` and ``post`` plus a ``unit`` grouping are
    expected via :func:`diff_in_diff_units`.

    Returns a :class:`DiDResult` with a t-based 95 % interval; NaN estimate where a cell
    is empty.
    """
    if method != "ols":
        raise ValueError("method: use diff_in_diff_units for the unit-level estimate")
    y = np.asarray(y, dtype=float)
    tr = np.asarray(treated, dtype=bool)
    po = np.asarray(post, dtype=bool)
    ok = np.isfinite(y)
    y, tr, po = y[ok], tr[ok], po[ok]
    cells = {(a, b): y[(tr == a) & (po == b)] for a in (True, False) for b in (True, False)}
    sizes = {k: len(v) for k, v in cells.items()}
    means = {
        f"{'pilot' if a else 'control'}_{'post' if b else 'pre'}": (
            float(v.mean()) if len(v) else float("nan")
        )
        for (a, b), v in cells.items()
    }
    if min(sizes.values()) == 0:
        nan = float("nan")
        return DiDResult(nan, nan, nan, nan, nan, means, "ols")
    est = (means["pilot_post"] - means["pilot_pre"]) - (
        means["control_post"] - means["control_pre"]
    )
    dof = len(y) - 4
    rss = sum(float(((v - v.mean()) ** 2).sum()) for v in cells.values())
    if dof <= 0:
        return DiDResult(est, float("nan"), float("nan"), float("nan"), dof, means, "ols")
    s2 = rss / dof
    se = float(np.sqrt(s2 * sum(1.0 / n for n in sizes.values())))
    q = stats.t.ppf(0.975, dof)
    return DiDResult(est, se, est - q * se, est + q * se, float(dof), means, "ols")


def diff_in_diff_units(y, treated, post, unit):
    """Difference-in-differences for a panel, robust to serial correlation within units.

    Each unit's observations are collapsed to its mean before and after; the estimate is
    the difference between the pilot's and the control's mean change, its standard error
    Welch's for two independent samples of unit changes (Bertrand, Duflo & Mullainathan
    2004, section IV.C, "ignoring time series information"). Units without an observation
    on both sides are left out. With one observation per unit and period it equals the
    cell-means estimate of :func:`diff_in_diff`.
    """
    frame = pd.DataFrame(
        {
            "y": np.asarray(y, dtype=float),
            "treated": np.asarray(treated, dtype=bool),
            "post": np.asarray(post, dtype=bool),
            "unit": np.asarray(unit),
        }
    ).dropna(subset=["y"])
    wide = frame.groupby(["unit", "post"])["y"].mean().unstack("post")
    wide = wide.dropna()
    if True not in wide or False not in wide:
        nan = float("nan")
        return DiDResult(nan, nan, nan, nan, nan, {}, "units")
    change = wide[True] - wide[False]
    group = frame.groupby("unit")["treated"].first().reindex(change.index)
    a, b = change[group.to_numpy()], change[~group.to_numpy()]
    means = {"pilot_change": float(a.mean()), "control_change": float(b.mean())}
    if len(a) < 2 or len(b) < 2:
        est = float(a.mean() - b.mean()) if len(a) and len(b) else float("nan")
        nan = float("nan")
        return DiDResult(est, nan, nan, nan, nan, means, "units")
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    est = float(a.mean() - b.mean())
    se = float(np.sqrt(va + vb))
    if se > 0:
        dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    else:
        dof = float(len(a) + len(b) - 2)
    q = stats.t.ppf(0.975, dof)
    return DiDResult(est, se, est - q * se, est + q * se, float(dof), means, "units")
