"""The end-to-end planning run on plain tables: classify, assign segments, forecast, policy.

This is the engine's "nightly run" without Odoo: the CLI (``python -m invplan``) and the
tests use it; the Odoo addons do the same steps in batches on database extracts.

Input tables (the CSV columns of ``python -m invplan plan``; see README.md):

history
    ``product, warehouse, date, quantity`` and optionally ``stockout`` (0/1: the
    quantity of that row understates demand because the item was out of stock).
items
    ``product, warehouse, unit_cost, unit_price, lead_time_days`` and optionally
    ``lead_time_std_days, ordering_cost, moq, pack_multiple, category``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import classify, policy
from .forecast import bucket_demand, candidates_for, forecast_batch
from .window import (
    BUCKET_DAYS,
    default_as_of,
    mask_before_introduction,
    planning_window,
    protection_demand,
    sigma_over,
)

#: Default segments: service targets and policies per ABC x XYZ cell, plus the cells
#: handled apart (lumpy demand, end of life, no demand).
DEFAULT_SEGMENTS = pd.DataFrame(
    [
        # code, name, metric, target, policy, review_days, holding_rate
        ("AX", "A items, steady demand", "fill_rate", 0.98, "sQ", 0, 0.20),
        ("AY", "A items, variable demand", "fill_rate", 0.97, "sQ", 0, 0.20),
        ("AZ", "A items, erratic demand", "csl", 0.95, "sS", 0, 0.20),
        ("BX", "B items, steady demand", "fill_rate", 0.96, "sQ", 0, 0.22),
        ("BY", "B items, variable demand", "csl", 0.95, "sS", 0, 0.22),
        ("BZ", "B items, erratic demand", "csl", 0.92, "RS", 7, 0.22),
        ("CX", "C items, steady demand", "csl", 0.93, "RS", 14, 0.25),
        ("CY", "C items, variable demand", "csl", 0.92, "RS", 14, 0.25),
        ("CZ", "C items, erratic demand", "csl", 0.90, "RS", 28, 0.25),
        ("LUMPY", "Lumpy demand", "csl", 0.90, "sS", 0, 0.25),
        ("EOL", "End of life / obsolete", "csl", 0.50, "mto", 0, 0.25),
        ("NODEMAND", "No demand in the window", "csl", 0.50, "manual", 0, 0.25),
    ],
    columns=[
        "code",
        "name",
        "service_metric",
        "service_target",
        "policy",
        "review_days",
        "holding_rate",
    ],
)

#: Ordered rules (first match wins; None matches anything).
DEFAULT_RULES = pd.DataFrame(
    [
        {"lifecycle": "obsolete", "segment": "EOL"},
        {"pattern": "no_demand", "segment": "NODEMAND"},
        {"pattern": "lumpy", "abc": "C", "segment": "LUMPY"},
        *({"abc": a, "xyz": x, "segment": a + x} for a in "ABC" for x in "XYZ"),
    ]
)


def planning_candidates(season_length: int | None = None) -> dict:
    """Forecast candidates per demand pattern for planning: the automatic sets of
    :func:`invplan.forecast.candidates_for` without the naive forecast, since one
    period's demand is too noisy a base for a reorder point, however it back-tests."""
    out = {}
    for pattern in (
        "smooth",
        "erratic",
        "intermittent",
        "lumpy",
        "no_demand",
        "insufficient_history",
    ):
        full = candidates_for(pattern, season_length)
        out[pattern] = tuple(m for m in full if m != "naive") or full
    return out


#: Candidates for data without a season length (see :func:`planning_candidates`).
PLANNING_CANDIDATES = planning_candidates(None)

HISTORY_COLUMNS = {"product": "text", "warehouse": "text", "date": "date", "quantity": "number"}
HISTORY_OPTIONAL = {"stockout": "flag"}
ITEM_COLUMNS = {
    "product": "text",
    "warehouse": "text",
    "unit_cost": "number",
    "unit_price": "number",
    "lead_time_days": "number",
}
ITEM_OPTIONAL = {
    "lead_time_std_days": "number",
    "ordering_cost": "number",
    "moq": "number",
    "pack_multiple": "number",
    "category": "text",
}


class InputError(ValueError):
    """A bad input file: the message names the file, row and column."""


def validate_table(df: pd.DataFrame, name: str, required: dict, optional: dict) -> pd.DataFrame:
    """Check and convert a raw (all-text) table; raise :class:`InputError` naming row and column.

    Row numbers are those a spreadsheet shows: the header is row 1.
    """
    df = df.copy()
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(
            f"{name}: missing column(s) {', '.join(missing)} (found: {', '.join(df.columns)})"
        )
    out = pd.DataFrame(index=df.index)
    for col, kind in {**required, **{k: v for k, v in optional.items() if k in df.columns}}.items():
        raw = df[col].astype("string").str.strip()
        empty = raw.isna() | (raw == "")
        if kind == "text":
            if col in required and empty.any():
                _bad(name, df, empty, col, "is empty")
            out[col] = raw.fillna("").astype(str)
        elif kind == "number":
            num = pd.to_numeric(raw, errors="coerce")
            bad = ~empty & (num.isna() | ~np.isfinite(num.fillna(0)))
            if bad.any():
                _bad(name, df, bad, col, "is not a number")
            if col in required and empty.any():
                _bad(name, df, empty, col, "is empty")
            out[col] = num.astype(float)
        elif kind == "date":
            dt = pd.to_datetime(raw, errors="coerce", format="ISO8601")
            bad = dt.isna()
            if bad.any():
                _bad(name, df, bad, col, "is not a date (expected YYYY-MM-DD)")
            out[col] = dt
        elif kind == "flag":
            low = raw.fillna("0").str.lower()
            ok = low.isin(["0", "1", "true", "false", "yes", "no", ""])
            if (~ok).any():
                _bad(name, df, ~ok, col, "is not 0/1")
            out[col] = low.isin(["1", "true", "yes"])
    return out


def _bad(name, df, mask, col, what):
    pos = int(np.flatnonzero(mask.to_numpy())[0])
    value = df[col].iloc[pos]
    raise InputError(f"{name}: row {pos + 2}, column '{col}': {value!r} {what}")


@dataclass
class PlanResult:
    """Everything one planning run produced, one DataFrame per step."""

    classification: pd.DataFrame
    forecast: pd.DataFrame
    policy: pd.DataFrame
    summary: pd.DataFrame
    matrix: pd.DataFrame
    exceptions: pd.DataFrame
    segments: pd.DataFrame = field(default_factory=lambda: DEFAULT_SEGMENTS.copy())


def run_plan(
    history: pd.DataFrame,
    items: pd.DataFrame,
    segments: pd.DataFrame | None = None,
    rules: pd.DataFrame | None = None,
    bucket: str = "week",
    window_days: int = 730,
    horizon: int = 13,
    abc_measure: str = "revenue",
    methods=None,
    portfolio_fill_rate: float | None = None,
    as_of=None,
) -> PlanResult:
    """Classify, segment, forecast and compute a policy for every product x warehouse item.

    ``history`` and ``items`` are validated tables (:func:`validate_table`). Items with
    no history get no demand; history rows of unknown items are reported as exceptions.
    ``abc_measure`` is ``revenue`` (quantity x price), ``margin`` (quantity x (price -
    cost)), ``cost`` (consumption value at cost) or ``lines`` (number of history rows).
    ``methods`` overrides the forecast candidates (default :data:`PLANNING_CANDIDATES`).
    ``portfolio_fill_rate`` replaces the segments' targets of stocked items by the item
    fill rates that reach this demand-weighted fill rate at the least stock value
    (:func:`invplan.policy.allocate_fill_rates`).
    A segment table with an ``order_cover_days`` column orders that many days of demand
    per order instead of the economic order quantity; a ``max_cover_days`` column caps
    the economic order quantity at that many days of demand (never below the MOQ), a
    ``min_cover_days`` column raises it to at least that many days of demand; an
    ``allocate`` column (True) meets a fill-rate segment's target over the segment as a
    whole, the item targets allocated at the least stock value; segments with the same
    ``allocation_group`` and target are pooled into one allocation.

    ``as_of`` is the plan's date (default: the day after the last history date). The
    history read is the complete buckets of the ``window_days`` days before it
    (:func:`invplan.window.planning_window`); an item introduced inside the window starts
    at its introduction (:func:`invplan.window.mask_before_introduction`); each rule
    protects the forecast over its protection interval from ``as_of`` on
    (:func:`invplan.window.protection_demand`). Periodic-review items also get columns a
    daily-checking ERP can execute (see :func:`_review_hand_over`).
    """
    segments = DEFAULT_SEGMENTS.copy() if segments is None else segments
    rules = DEFAULT_RULES.copy() if rules is None else rules
    period_days = BUCKET_DAYS[bucket]
    as_of = default_as_of(history["date"]) if as_of is None else pd.Timestamp(as_of).normalize()
    win = planning_window(as_of, bucket, window_days)
    if len(win.periods) == 0:
        raise InputError(
            f"the window of {window_days} days before {as_of.date()} holds no complete "
            f"{bucket}: widen --window-days or choose a shorter --bucket"
        )
    start, end = win.start, win.end
    history = history[history["date"] < as_of]
    hist = history[(history["date"] >= start) & (history["date"] <= end)]
    if "stockout" not in hist.columns:
        hist = hist.assign(stockout=False)

    keys = items[["product", "warehouse"]].astype(str)
    key = keys["product"] + "@" + keys["warehouse"]
    hist_key = hist["product"].astype(str) + "@" + hist["warehouse"].astype(str)
    unknown = sorted(set(hist_key) - set(key))
    buckets = bucket_demand(
        pd.DataFrame(
            {
                "item": hist_key,
                "date": hist["date"],
                "quantity": hist["quantity"],
                "stockout": hist["stockout"],
            }
        ),
        freq=bucket,
        key="item",
        censored="stockout",
        start=start,
        end=end,
    )
    T = len(buckets.periods)
    pos = pd.Index(buckets.keys).get_indexer(key)
    demand = np.zeros((len(items), T))
    censored = np.zeros((len(items), T), dtype=bool)
    found = pos >= 0
    demand[found] = buckets.demand[pos[found]]
    censored[found] = buckets.censored[pos[found]]

    # An item introduced inside the window: its periods before introduction are missing.
    all_key = history["product"].astype(str) + "@" + history["warehouse"].astype(str)
    first_date = history["date"].groupby(all_key.to_numpy()).min().reindex(key).to_numpy()
    first_active = _period_position(first_date, win)
    before = np.isnan(mask_before_introduction(np.where(censored, 0.0, demand), first_active))
    unobserved = censored | before

    price = items["unit_price"].to_numpy(float)
    cost = items["unit_cost"].to_numpy(float)
    qty_total = demand.sum(axis=1)
    n_lines = hist_key.value_counts().reindex(key).fillna(0).to_numpy(float)
    value = {
        "revenue": qty_total * price,
        "margin": qty_total * (price - cost),
        "cost": qty_total * cost,
        "lines": n_lines,
    }[abc_measure]

    cls = classify.classify_items(
        value,
        np.where(before, 0.0, demand),
        unobserved,
        period_days=period_days,
        ids=key.to_numpy(),
    )
    cls.insert(1, "product", keys["product"].to_numpy())
    cls.insert(2, "warehouse", keys["warehouse"].to_numpy())
    if "category" in items.columns:
        cls["category"] = items["category"].to_numpy()
    seg = classify.assign_segments(cls, rules, default="UNASSIGNED")
    cls["segment"] = seg["segment"].to_numpy()

    segs = segments.set_index("code")
    seg_rows = segs.reindex(cls["segment"])
    review_days = seg_rows["review_days"].fillna(0).to_numpy(float)
    seg_policy = seg_rows["policy"].fillna("manual").to_numpy(object)
    review_days = np.where(seg_policy == "RS", review_days, 0.0)
    lt_days = items["lead_time_days"].to_numpy(float)
    lt_std_days = (
        items.get("lead_time_std_days", pd.Series(0.0, index=items.index)).fillna(0).to_numpy(float)
    )

    # Forecast in buckets from the current one on; sigma over the protection interval
    # lead time (+ review), in periods.
    prot_days = np.where(np.isfinite(lt_days), np.maximum(lt_days, 0), 0) + review_days
    prot_periods = prot_days / period_days
    h_sigma = np.clip(np.ceil(prot_periods), 1, max(T // 3, 1)).astype(int)
    reach = win.offset_days + np.nanmax(prot_days, initial=0.0)
    h = int(max(horizon, np.ceil(min(reach, 3 * 365.0) / period_days) + 1))
    y = np.where(unobserved, np.nan, demand)
    fc = forecast_batch(
        y,
        h=h,
        pattern=cls["pattern"].to_numpy(),
        methods=PLANNING_CANDIDATES if methods is None else methods,
        horizon_for_sigma=h_sigma,
        ids=key.to_numpy(),
    )
    ftab = fc.table.copy()
    ftab["forecast_per_period"] = fc.forecast[:, :horizon].mean(axis=1)
    ftab["forecast_total"] = fc.forecast[:, :horizon].sum(axis=1)

    # The rule protects the forecast over the protection interval that starts today, with
    # the forecast-error deviation over that interval (one path for every caller).
    d_day, _ = protection_demand(fc.forecast, period_days, win.offset_days, prot_days)
    sigma_p = sigma_over(
        prot_periods,
        ftab["sigma_1"].to_numpy(float),
        ftab["sigma_h"].to_numpy(float),
        ftab["horizon_for_sigma"].to_numpy(float),
    )
    if "order_cover_days" in seg_rows.columns:
        cover_days = seg_rows["order_cover_days"].to_numpy(float)
    else:
        cover_days = np.full(len(items), np.nan)
    if "max_cover_days" in seg_rows.columns:
        cap_days = seg_rows["max_cover_days"].to_numpy(float)
    else:
        cap_days = np.full(len(items), np.nan)
    ordering = (
        items.get("ordering_cost", pd.Series(np.nan, index=items.index))
        .fillna(25.0)
        .to_numpy(float)
    )
    policy_args = dict(
        policy=seg_rows["policy"].fillna("manual").to_numpy(object),
        service_metric=seg_rows["service_metric"].fillna("csl").to_numpy(object),
        service_target=seg_rows["service_target"].fillna(0.9).to_numpy(float),
        review_period=review_days,
        unit_cost=cost,
        holding_rate=seg_rows["holding_rate"].fillna(0.25).to_numpy(float),
        ordering_cost=ordering,
        error_std=sigma_p,
        error_std_is_horizon=True,
        moq=items.get("moq", pd.Series(0.0, index=items.index)).fillna(0).to_numpy(float),
        pack_multiple=items.get("pack_multiple", pd.Series(0.0, index=items.index))
        .fillna(0)
        .to_numpy(float),
        days_of_cover=cover_days,
        periods_per_year=365.0,
        review_interval=1.0,  # the reorder scheduler checks once a day
    )
    # A cover floor raises the economic order quantity to that many days of demand (as a
    # minimum quantity, so the pack rounding still applies); a cover cap bounds it
    # (never below the MOQ).
    if "min_cover_days" in seg_rows.columns:
        floor_days = seg_rows["min_cover_days"].to_numpy(float)
        floored = np.isfinite(floor_days) & (floor_days > 0) & np.isfinite(d_day)
        policy_args["moq"] = np.where(
            floored, np.maximum(policy_args["moq"], d_day * floor_days), policy_args["moq"]
        )
    moq = policy_args["moq"]
    capped = np.isfinite(cap_days) & (cap_days > 0)
    policy_args["max_order_qty"] = np.where(
        capped, np.maximum(np.where(np.isfinite(d_day), d_day, 0.0) * cap_days, moq), np.nan
    )
    demand_std_day = cls["demand_std"].to_numpy() / np.sqrt(period_days)
    pol = policy.compute_policy(d_day, demand_std_day, lt_days, lt_std_days, **policy_args)
    stocked = pol["status"].eq("ok").to_numpy() & np.isin(policy_args["policy"], ("sQ", "sS", "RS"))
    if portfolio_fill_rate is not None:
        groups = {"portfolio": (stocked, float(portfolio_fill_rate))}
    else:
        allocate = (
            seg_rows["allocate"].fillna(False).astype(bool).to_numpy()
            if "allocate" in seg_rows.columns
            else np.zeros(len(items), dtype=bool)
        )
        is_fill = policy_args["service_metric"] == "fill_rate"
        group_of = (
            seg_rows["allocation_group"].fillna("").astype(str).to_numpy()
            if "allocation_group" in seg_rows.columns
            else np.full(len(items), "", dtype=object)
        )
        group_of = np.where(group_of == "", cls["segment"].to_numpy(), group_of)
        target_of = policy_args["service_target"]
        pooled = stocked & allocate & is_fill
        groups = {
            (g, t): (pooled & (group_of == g) & (target_of == t), None)
            for g, t in {(g, t) for g, t in zip(group_of[pooled], target_of[pooled], strict=True)}
        }
    if groups:
        metric = policy_args["service_metric"].copy()
        target = policy_args["service_target"].copy()
        q_cycle = pol["order_qty"].to_numpy()
        for members, goal in groups.values():
            if not members.any():
                continue
            goal = float(policy_args["service_target"][members][0]) if goal is None else goal
            alloc = policy.allocate_fill_rates(
                np.where(members, d_day * 365.0, 0.0),
                cost,
                q_cycle,
                pol["demand_sigma_p"].to_numpy(),
                goal,
            )
            metric[members] = "fill_rate"
            target[members] = np.clip(alloc["fill_rate"].to_numpy(), 0.5, 0.9999)[members]
        policy_args["service_metric"] = metric
        policy_args["service_target"] = target
        pol = policy.compute_policy(d_day, demand_std_day, lt_days, lt_std_days, **policy_args)
    pol.insert(0, "item", key.to_numpy())
    pol.insert(1, "segment", cls["segment"].to_numpy())
    pol.insert(2, "forecast_method", ftab["method"].to_numpy())
    pol["service_metric"] = policy_args["service_metric"]
    pol["service_target"] = policy_args["service_target"]
    pol["demand_per_day"] = np.where(np.isfinite(d_day), d_day, 0.0)
    pol["safety_stock_value"] = np.maximum(pol["safety_stock"], 0) * np.where(cost > 0, cost, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(d_day > 0, pol["avg_stock"] / d_day, 0.0)
    pol["coverage_days"] = np.where(np.isfinite(cover), cover, 0.0)
    _review_hand_over(pol, policy_args, d_day, demand_std_day, lt_days, lt_std_days, as_of)
    pol.attrs["as_of"] = as_of
    pol.attrs["window"] = (start, end)

    summary = _summary(cls, pol, segments)
    matrix = (
        cls.pivot_table(index="abc", columns="xyz", values="item", aggfunc="count", fill_value=0)
        .reindex(index=list("ABC"), columns=list("XYZ"), fill_value=0)
        .astype(int)
    )
    exceptions = _exceptions(cls, ftab, pol, unknown)
    return PlanResult(cls, ftab, pol, summary, matrix, exceptions, segments)


def _period_position(dates, win) -> np.ndarray:
    """Fractional index of each date among the window's periods (2.4: 40 % into period
    2); ``-inf`` before the window, NaN for no date."""
    out = np.full(len(dates), np.nan)
    d = pd.to_datetime(pd.Series(dates))
    have = d.notna().to_numpy()
    if not have.any() or len(win.periods) == 0:
        return out
    per = d[have].dt.to_period(win.periods.freq)
    idx = per.to_numpy().astype(object)
    first = win.periods[0]
    k = np.array([(p - first).n for p in idx], dtype=float)
    starts = per.dt.start_time.to_numpy()
    ends = (per + 1).dt.start_time.to_numpy()
    frac = (d[have].to_numpy() - starts) / (ends - starts)
    pos = k + frac.astype(float)
    pos = np.where(d[have].to_numpy() < np.datetime64(win.start), -np.inf, pos)
    out[have] = pos
    return out


def _review_hand_over(pol, args, d_day, sd_day, lt, lt_sd, as_of) -> None:
    """Columns a reorder scheduler that checks every day can execute as intended.

    A periodic-review (R, S) rule is a level S checked every R days: on a review day
    the position is raised to S. Written into an ERP as min = max = S and checked daily,
    it would order nearly every day and hold an extra review period of stock. So every
    row states ``review_days`` (0: check daily) and ``next_review`` (the as-of date: the
    review calendar starts with the plan), and ``erp_min`` / ``erp_max`` give the rule a
    daily check executes: for continuous-review rows the reorder point and the maximum;
    for (R, S) rows the continuous (s, S) rule with the same order cycle (order quantity
    d x R, the same service target over the lead time alone, the undershoot of a daily
    check included), which an ERP without a review calendar runs with the cycle stock of
    the periodic rule and the safety stock of a lead time (Silver, Pyke & Peterson,
    sections 7.4 and 8.3, (s, S) against (R, S)).
    """
    n = len(pol)
    periodic = (np.asarray(args["policy"]) == "RS") & pol["status"].eq("ok").to_numpy()
    pol["review_days"] = np.where(periodic, np.asarray(args["review_period"], float), 0.0)
    pol["next_review"] = pd.Timestamp(as_of)
    pol["erp_min"] = pol["reorder_point"].to_numpy(float)
    pol["erp_max"] = pol["order_up_to"].to_numpy(float)
    if not periodic.any():
        return
    sub = {
        k: (np.asarray(v)[periodic] if np.ndim(v) == 1 and len(v) == n else v)
        for k, v in args.items()
    }
    sub["policy"] = np.full(int(periodic.sum()), "sS", dtype=object)
    R = np.asarray(args["review_period"], float)[periodic]
    sub["fixed_order_qty"] = np.maximum(d_day[periodic] * R, 1e-9)
    sub["review_period"] = 0.0
    cont = policy.compute_policy(
        d_day[periodic], sd_day[periodic], lt[periodic], lt_sd[periodic], **sub
    )
    good = cont["status"].eq("ok").to_numpy()
    mins = pol.loc[periodic, "erp_min"].to_numpy()
    maxs = pol.loc[periodic, "erp_max"].to_numpy()
    pol.loc[periodic, "erp_min"] = np.where(good, cont["reorder_point"], mins)
    pol.loc[periodic, "erp_max"] = np.where(good, cont["order_up_to"], maxs)


def _summary(cls: pd.DataFrame, pol: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "segment": pol["segment"],
            "items": 1,
            "value": cls["value"],
            "ok": pol["status"].eq("ok"),
            "fill": pol["expected_fill_rate"],
            "ss_value": pol["safety_stock_value"],
            "avg_value": pol["avg_stock_value"],
        }
    )
    g = df.groupby("segment", sort=True)
    out = pd.DataFrame(
        {
            "items": g["items"].sum(),
            "annual_value": g["value"].sum(),
            "planned_items": g["ok"].sum(),
            "safety_stock_value": g["ss_value"].sum(),
            "avg_stock_value": g["avg_value"].sum(),
        }
    )
    fill = df[df["ok"]].groupby("segment")["fill"].mean()
    out["mean_expected_fill_rate"] = fill.reindex(out.index).fillna(0.0)
    seg = segments.set_index("code")
    out["policy"] = seg["policy"].reindex(out.index).fillna("")
    out["service_target"] = seg["service_target"].reindex(out.index).fillna(0.0)
    return out.reset_index()


def _exceptions(cls, ftab, pol, unknown) -> pd.DataFrame:
    rows = []
    for item, status in zip(pol["item"], pol["status"], strict=True):
        if status not in ("ok", "make_to_order", "manual", "no_demand"):
            rows.append((item, "policy", status))
    for item, status in zip(cls["item"], cls["status"], strict=True):
        if status in ("negative_value", "nan_input"):
            rows.append((item, "classification", status))
    for item, status in zip(ftab["item"], ftab["status"], strict=True):
        if status not in ("ok",):
            rows.append((item, "forecast", status))
    for item in unknown:
        rows.append((item, "history", "unknown_item"))
    return pd.DataFrame(rows, columns=["item", "step", "status"])
