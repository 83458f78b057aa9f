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
#: handled apart (lumpy demand, end of life, no demand). Chosen with the service benchmark
#: (``benchmarks/service_per_stock.py``, reasons in docs/benchmarks.md):
#:
#: - a quantity fill rate per ABC class (98 % A, 95 % B, 90 % C): the service buyers
#:   promise is units served from stock, and a class target is met by the class as a
#:   whole (``allocate``, pooled by ``allocation_group``), the item targets allocated at
#:   the least stock value (cheap, fast items high, expensive slow ones lower);
#: - continuous review checked daily (``sS``): Odoo's own scheduler checks reorder rules
#:   every day; periodic review bought fewer order occasions with more stock;
#: - an order cycle of 14 days of demand (``order_cover_days``): the economic order
#:   quantity with default ordering costs gave lumpy and cheap items months of stock.
#: Columns of a segment table (:data:`DEFAULT_SEGMENTS`, :func:`plan_policy`);
#: ``min_cover_days`` and ``max_cover_days`` may be added.
SEGMENT_COLUMNS = (
    "code",
    "name",
    "service_metric",
    "service_target",
    "policy",
    "review_days",
    "holding_rate",
    "order_cover_days",
    "allocate",
    "allocation_group",
)
DEFAULT_SEGMENTS = pd.DataFrame(
    [
        # code, name, metric, target, policy, review_days, holding_rate, cover, allocate, group
        ("AX", "A items, steady demand", "fill_rate", 0.98, "sS", 0, 0.20, 14, True, "A"),
        ("AY", "A items, variable demand", "fill_rate", 0.98, "sS", 0, 0.20, 14, True, "A"),
        ("AZ", "A items, erratic demand", "fill_rate", 0.98, "sS", 0, 0.20, 14, True, "A"),
        ("BX", "B items, steady demand", "fill_rate", 0.95, "sS", 0, 0.22, 14, True, "B"),
        ("BY", "B items, variable demand", "fill_rate", 0.95, "sS", 0, 0.22, 14, True, "B"),
        ("BZ", "B items, erratic demand", "fill_rate", 0.95, "sS", 0, 0.22, 14, True, "B"),
        ("CX", "C items, steady demand", "fill_rate", 0.90, "sS", 0, 0.25, 14, True, "C"),
        ("CY", "C items, variable demand", "fill_rate", 0.90, "sS", 0, 0.25, 14, True, "C"),
        ("CZ", "C items, erratic demand", "fill_rate", 0.90, "sS", 0, 0.25, 14, True, "C"),
        ("LUMPY", "Lumpy demand", "fill_rate", 0.90, "sS", 0, 0.25, 14, True, "C"),
        ("EOL", "End of life / obsolete", "csl", 0.50, "mto", 0, 0.25, 0, False, ""),
        ("NODEMAND", "No demand in the window", "csl", 0.50, "manual", 0, 0.25, 0, False, ""),
    ],
    columns=list(SEGMENT_COLUMNS),
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


#: Back-test origins for planning forecasts. The error sigma that sizes safety stock is
#: estimated from the chosen method's back-test errors; eight origins (the forecasting
#: default) give a sigma whose sampling error (about 25 %) misplaces safety stock between
#: items. With 26 origins the service benchmark reached its class targets with 6 % less
#: stock (docs/benchmarks.md); the Odoo forecast job uses the same number.
PLANNING_BACKTEST_ORIGINS = 26

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
    df.columns = [str(c).strip().lower() for c in df.columns]
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
            # NaN and infinity are numbers: bad *data*, screened by invplan.plausibility.
            special = raw.str.lower().str.lstrip("+-").isin(["nan", "inf", "infinity"])
            bad = ~empty & num.isna() & ~special.fillna(False)
            if bad.any():
                comma = raw[bad].str.contains(",", regex=False).fillna(False)
                what = "is not a number"
                if comma.iloc[0]:
                    what += " (write decimals with a point, no thousands separator)"
                _bad(name, df, bad, col, what)
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
    review_days=None,
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

    ``review_days`` (one value per item, or None) gives items their own review period:
    an item with a value > 0 whose segment stocks it (``sQ``, ``sS`` or ``RS``) is
    planned as periodic review (R, S) with R that many days, whatever its segment's
    policy and review period (e.g. the order cycles of a joint replenishment per
    supplier, :func:`invplan.lotsizing.supplier_order_cycles`); its protection interval
    is then lead time + R (Silver, Pyke & Peterson, section 7.4). 0 or NaN keeps the
    segment's rule.

    Implausible inputs (:mod:`invplan.plausibility`) are screened first: an item with an
    error finding keeps its row but is left out of the ranking and the statistics, its
    status is ``quarantined`` and its rule zero; lines dated after today (when no
    ``as_of`` is given) are left out. The policy's final columns are made executable by
    :func:`_finish_policy` (whole units, statuses for rules that hold no stock); every
    finding and every status other than ``ok`` is a row of ``exceptions``.
    """
    review_days_given = None
    if review_days is not None:
        review_days_given = np.asarray(review_days, dtype=float).ravel()
        if review_days_given.shape != (len(items),):
            raise ValueError(
                f"review_days: expected one value per item ({len(items)}), "
                f"got {review_days_given.size}"
            )
        bad = np.isinf(review_days_given) | (review_days_given < 0)
        if bad.any():
            raise ValueError("review_days: must be finite and >= 0 (0 or NaN: the segment's)")
        review_days_given = np.nan_to_num(review_days_given, nan=0.0)
    history, items, screened = _screen_inputs(history, items, as_of)
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
    overrides = None
    if review_days_given is not None:
        own = np.isin(seg_policy, ("sQ", "sS", "RS")) & (review_days_given > 0)
        seg_policy = np.where(own, "RS", seg_policy)
        review_days = np.where(own, review_days_given, review_days)
        overrides = {"policy": seg_policy, "review_period": review_days}
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
        n_origins=PLANNING_BACKTEST_ORIGINS,
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
    ordering = (
        items.get("ordering_cost", pd.Series(np.nan, index=items.index))
        .fillna(25.0)
        .to_numpy(float)
    )
    demand_std_day = cls["demand_std"].to_numpy() / np.sqrt(period_days)
    pol = plan_policy(
        d_day,
        demand_std_day,
        sigma_p,
        lt_days,
        lt_std_days,
        cls["segment"].to_numpy(),
        segments,
        unit_cost=cost,
        ordering_cost=ordering,
        moq=items.get("moq", pd.Series(0.0, index=items.index)).fillna(0).to_numpy(float),
        pack_multiple=items.get("pack_multiple", pd.Series(0.0, index=items.index))
        .fillna(0)
        .to_numpy(float),
        as_of=as_of,
        portfolio_fill_rate=portfolio_fill_rate,
        overrides=overrides,
    )
    pol.insert(0, "item", key.to_numpy())
    pol.insert(1, "segment", cls["segment"].to_numpy())
    pol.insert(2, "forecast_method", ftab["method"].to_numpy())
    pol["demand_per_day"] = np.where(np.isfinite(d_day), d_day, 0.0)
    pol["safety_stock_value"] = np.maximum(pol["safety_stock"], 0) * np.where(cost > 0, cost, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(d_day > 0, pol["avg_stock"] / d_day, 0.0)
    pol["coverage_days"] = np.where(np.isfinite(cover), cover, 0.0)
    pol.attrs["as_of"] = as_of
    pol.attrs["window"] = (start, end)

    pol = _finish_policy(pol, cls, items, screened)
    summary = _summary(cls, pol, segments)
    matrix = (
        cls.pivot_table(index="abc", columns="xyz", values="item", aggfunc="count", fill_value=0)
        .reindex(index=list("ABC"), columns=list("XYZ"), fill_value=0)
        .astype(int)
    )
    exceptions = _exceptions(cls, ftab, pol, unknown)
    return PlanResult(cls, ftab, pol, summary, matrix, exceptions, segments)


def plan_policy(
    d_day,
    demand_std_day,
    sigma_p,
    lead_time_days,
    lead_time_std_days,
    segment,
    segments: pd.DataFrame,
    *,
    unit_cost,
    ordering_cost,
    moq=0.0,
    pack_multiple=0.0,
    as_of=None,
    portfolio_fill_rate: float | None = None,
    overrides: dict | None = None,
) -> pd.DataFrame:
    """The reorder rule of every item from its forecast and its segment: one path for the
    command line (:func:`run_plan`) and the Odoo replenishment job.

    ``d_day`` is the forecast demand per day over the protection interval and
    ``sigma_p`` the forecast-error deviation over that interval
    (:func:`invplan.window.protection_demand`, :func:`invplan.window.sigma_over`);
    ``demand_std_day`` the historical daily deviation (for the undershoot of a daily
    check); ``segment`` the segment code per item and ``segments`` the segment table
    (columns of :data:`DEFAULT_SEGMENTS`; ``order_cover_days``, ``min_cover_days``,
    ``max_cover_days``, ``allocate`` and ``allocation_group`` are optional).

    Steps: the order quantity (``order_cover_days`` of demand, else the economic order
    quantity raised to ``min_cover_days`` and capped at ``max_cover_days`` of demand,
    never below the MOQ), the rule by :func:`invplan.policy.compute_policy` (checked once
    a day); then, for segments with ``allocate``, the fill-rate target is met by the
    group as a whole: item targets allocated at the least stock value
    (:func:`invplan.policy.allocate_fill_rates`, Silver, Pyke & Peterson section 7.9),
    segments pooled by ``allocation_group`` and target, and the rules computed again
    (``portfolio_fill_rate`` pools every stocked item instead). Last, the columns a
    daily-checking ERP executes (:func:`_review_hand_over`). ``overrides`` maps keyword
    arguments of :func:`invplan.policy.compute_policy` (``policy``, ``service_target``,
    ``stockout_cost``...) to per-item arrays that replace the segment's values, for a
    caller with item-level rules (a lifecycle stage, a cost-based segment). Returns the
    frame of
    ``compute_policy`` with ``service_metric`` and ``service_target`` (after allocation),
    ``review_days``, ``next_review``, ``erp_min`` and ``erp_max``.
    """
    d_day = np.asarray(d_day, dtype=float)
    n = len(d_day)
    seg_rows = segments.set_index("code").reindex(pd.Series(segment, dtype=object))

    def col(name, default):
        if name in seg_rows.columns:
            return seg_rows[name].to_numpy()
        return np.full(n, default, dtype=object if isinstance(default, str) else float)

    pol_kind = seg_rows["policy"].fillna("manual").to_numpy(object)
    review_days = np.where(pol_kind == "RS", seg_rows["review_days"].fillna(0).to_numpy(float), 0)
    cover_days = col("order_cover_days", np.nan).astype(float)
    cap_days = col("max_cover_days", np.nan).astype(float)
    floor_days = col("min_cover_days", np.nan).astype(float)
    moq = np.broadcast_to(np.asarray(moq, dtype=float), (n,)).copy()
    # A cover floor raises the economic order quantity to that many days of demand (as a
    # minimum quantity, so the pack rounding still applies); a cover cap bounds it
    # (never below the MOQ).
    floored = np.isfinite(floor_days) & (floor_days > 0) & np.isfinite(d_day)
    moq = np.where(floored, np.maximum(moq, d_day * np.where(floored, floor_days, 0)), moq)
    capped = np.isfinite(cap_days) & (cap_days > 0)
    args = dict(
        policy=pol_kind,
        service_metric=seg_rows["service_metric"].fillna("csl").to_numpy(object),
        service_target=seg_rows["service_target"].fillna(0.9).to_numpy(float),
        review_period=review_days,
        unit_cost=unit_cost,
        holding_rate=seg_rows["holding_rate"].fillna(0.25).to_numpy(float),
        ordering_cost=ordering_cost,
        error_std=sigma_p,
        error_std_is_horizon=True,
        moq=moq,
        pack_multiple=pack_multiple,
        days_of_cover=cover_days,
        max_order_qty=np.where(
            capped, np.maximum(np.where(np.isfinite(d_day), d_day, 0.0) * cap_days, moq), np.nan
        ),
        periods_per_year=365.0,
        review_interval=1.0,  # the reorder scheduler checks once a day
    )
    for name, value in (overrides or {}).items():
        args[name] = value
    pol_kind = np.broadcast_to(np.asarray(args["policy"], dtype=object), (n,))
    args["service_metric"] = np.broadcast_to(
        np.asarray(args["service_metric"], dtype=object), (n,)
    ).copy()
    args["service_target"] = np.broadcast_to(
        np.asarray(args["service_target"], dtype=float), (n,)
    ).copy()
    pol = policy.compute_policy(d_day, demand_std_day, lead_time_days, lead_time_std_days, **args)
    stocked = pol["status"].eq("ok").to_numpy() & np.isin(pol_kind, ("sQ", "sS", "RS"))
    if portfolio_fill_rate is not None:
        groups = [(stocked, float(portfolio_fill_rate))]
    else:
        allocate = pd.Series(col("allocate", 0.0)).fillna(False).astype(bool).to_numpy()
        group_of = pd.Series(col("allocation_group", "")).fillna("").astype(str).to_numpy()
        group_of = np.where(group_of == "", np.asarray(segment, dtype=object), group_of)
        target_of = args["service_target"]
        pooled = stocked & allocate & (args["service_metric"] == "fill_rate")
        keys = sorted({(g, t) for g, t in zip(group_of[pooled], target_of[pooled], strict=True)})
        groups = [(pooled & (group_of == g) & (target_of == t), float(t)) for g, t in keys]
    if groups:
        metric = args["service_metric"].copy()
        target = args["service_target"].copy()
        cost = np.broadcast_to(np.asarray(unit_cost, dtype=float), (n,))
        for members, goal in groups:
            if not members.any():
                continue
            alloc = policy.allocate_fill_rates(
                np.where(members, d_day * 365.0, 0.0),
                cost,
                pol["order_qty"].to_numpy(),
                pol["demand_sigma_p"].to_numpy(),
                goal,
                k_min=0.0,  # the rules hold no negative safety stock: allocate as they do
            )
            metric[members] = "fill_rate"
            target[members] = np.clip(alloc["fill_rate"].to_numpy(), 0.5, 0.9999)[members]
        args["service_metric"] = metric
        args["service_target"] = target
        pol = policy.compute_policy(
            d_day, demand_std_day, lead_time_days, lead_time_std_days, **args
        )
    pol["service_metric"] = args["service_metric"]
    pol["service_target"] = args["service_target"]
    _review_hand_over(
        pol,
        args,
        d_day,
        np.asarray(demand_std_day, float),
        np.broadcast_to(np.asarray(lead_time_days, float), (n,)),
        np.broadcast_to(np.asarray(lead_time_std_days, float), (n,)),
        pd.Timestamp.today().normalize() if as_of is None else as_of,
    )
    return pol


def _period_position(dates, win) -> np.ndarray:
    """Fractional index of each date among the window's periods (2.4: 40 % into period
    2); ``-inf`` before the window, NaN for no date."""
    out = np.full(len(dates), np.nan)
    d = pd.to_datetime(pd.Series(dates))
    have = d.notna().to_numpy()
    if not have.any() or len(win.periods) == 0:
        return out
    per = d[have].dt.to_period(win.periods.freq)
    k = (pd.PeriodIndex(per).asi8 - win.periods[0].ordinal).astype(float)
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
    """One row per segment: counts that add up (``items = stocked + without_rule``;
    ``to_check`` are stocked items with a check), values, and the service of the
    segment's own metric beside both expected metrics, each with its name."""
    stocked = pol["stocked"].to_numpy(bool)
    df = pd.DataFrame(
        {
            "segment": pol["segment"].to_numpy(),
            "items": 1,
            "stocked": stocked,
            "to_check": stocked & (pol["check"].ne("") | pol["status"].ne("ok")).to_numpy(),
            "value": cls["value"].to_numpy(float),
            "ss_value": pol["safety_stock_value"].to_numpy(float),
            "avg_value": pol["avg_stock_value"].to_numpy(float),
            "metric": pol["service_metric"].to_numpy(object),
            "target": pol["service_target"].to_numpy(float),
            "fill": pol["expected_fill_rate"].to_numpy(float),
            "csl": pol["expected_csl"].to_numpy(float),
        }
    )
    df["value"] = np.where(np.isfinite(df["value"]), df["value"], 0.0)
    g = df.groupby("segment", sort=True)
    out = pd.DataFrame(
        {
            "items": g["items"].sum(),
            "stocked_items": g["stocked"].sum(),
            "to_check": g["to_check"].sum(),
        }
    )
    out["without_rule"] = out["items"] - out["stocked_items"]
    out["annual_value"] = g["value"].sum()
    out["safety_stock_value"] = g["ss_value"].sum()
    out["avg_stock_value"] = g["avg_value"].sum()
    seg = segments.set_index("code")
    out.insert(0, "name", seg["name"].reindex(out.index).fillna("") if "name" in seg else "")
    out["policy"] = seg["policy"].reindex(out.index).fillna("")
    if "QUARANTINE" in out.index:
        out.loc["QUARANTINE", "name"] = "Implausible data: no rule until corrected"
        out.loc["QUARANTINE", "policy"] = "none"
    st = df[df["stocked"]]
    if len(st):
        metric = st.groupby("segment")["metric"].agg(lambda m: m.mode().iloc[0])
        target = st.groupby("segment")["target"].mean()
        fill = st.groupby("segment")["fill"].mean()
        csl = st.groupby("segment")["csl"].mean()
    else:
        metric = target = fill = csl = pd.Series(dtype=float)
    own = metric.reindex(out.index).astype(object)
    configured = seg["service_metric"].reindex(out.index).astype(object)
    out["service_metric"] = own.where(own.notna(), configured).where(lambda m: m.notna(), "")
    out["service_target"] = target.reindex(out.index)
    out["expected_fill_rate"] = fill.reindex(out.index)
    out["expected_csl"] = csl.reindex(out.index)
    out["expected_service"] = np.where(
        out["service_metric"].eq("fill_rate"), out["expected_fill_rate"], out["expected_csl"]
    )
    return out.reset_index()


#: Plain-words reason, what to do and severity of each status that is not ``ok``.
STATUS_TEXT = {
    "no_demand": (
        "no demand forecast for the item",
        "no stock rule; decide by hand whether to keep the item",
        "info",
    ),
    "make_to_order": (
        "end of life or obsolete: ordered against customer orders only",
        "no stock rule; run the stock down or dispose of it",
        "info",
    ),
    "manual": (
        "no demand in the planning window",
        "no stock rule; decide by hand whether to keep the item",
        "info",
    ),
    "nan_input": (
        "a number the rule needs is missing",
        "complete the item's data (cost, lead time)",
        "error",
    ),
    "invalid_demand": (
        "negative demand or deviation",
        "check returns and corrections in the history",
        "error",
    ),
    "invalid_service": (
        "service target not between 0 and 1",
        "correct the segment's service target",
        "error",
    ),
    "invalid_lead_time": (
        "lead time of zero days or less (or a periodic review without a review period)",
        "enter the supplier's lead time in days",
        "error",
    ),
    "invalid_cost": (
        "unit cost or cost per order zero, negative or missing",
        "enter the purchase cost in the items file",
        "error",
    ),
    "invalid_policy": (
        "unknown policy or service metric in the segment table",
        "correct the segment table",
        "error",
    ),
    "conflicting_limits": (
        "minimum order quantity above the largest order the segment allows",
        "the MOQ is ordered; agree a smaller MOQ with the supplier or accept the cover",
        "warning",
    ),
    "overflow": (
        "the rule's numbers overflow",
        "check the item's data for absurd values",
        "error",
    ),
    "quarantined": (
        "implausible input: see the item's rows naming the field and the value",
        "correct the data; the item has no rule until then",
        "error",
    ),
    "no_forecast_demand": (
        "forecast below one unit a year, although the item had demand in the window",
        "no stock rule; set a minimum by hand if the item must stay available",
        "warning",
    ),
    "history_too_short": (
        "history lines, but not one complete period of them yet (a new item?)",
        "set a rule by hand until a full period of history exists, or plan with a shorter --bucket",
        "warning",
    ),
    "low_fill_rate": (
        "low expected fill rate: demand comes in lumps larger than the rule covers",
        "raise the reorder point or the order quantity by hand, or accept the service",
        "warning",
    ),
    "not_stocked": (
        "the rule holds no stock: the forecast demand is too low for it",
        "decide by hand whether to keep a unit in stock",
        "warning",
    ),
}

#: Forecast statuses worth a row (the series' data alone explains them).
FORECAST_TEXT = {
    "all_zero": "no demand in any observed period: forecast 0",
    "single_point": "one observed period only: the forecast repeats it",
    "constant": "the same demand every period: no deviation to measure",
    "no_data": "no observed period",
    "no_backtest": "too few periods to back-test the forecast methods",
}

EXCEPTION_COLUMNS = ["item", "step", "status", "field", "value", "severity", "reason", "action"]


def _exceptions(cls, ftab, pol, unknown) -> pd.DataFrame:
    """One row per item whose status is not ``ok``, per check on a stocked item, per
    plausibility finding, per unusual forecast or classification and per history item
    missing from the items: each with a severity, a reason and what to do."""
    rows = []
    checks = pol.attrs.get("check_text", {})
    for item, status, check in zip(pol["item"], pol["status"], pol["check"], strict=True):
        if status != "ok":
            reason, action, severity = STATUS_TEXT.get(
                status, (status.replace("_", " "), "check the item", "warning")
            )
            reason, action = checks.get((item, status), (reason, action))
            rows.append((item, "policy", status, "", "", severity, reason, action))
        for code in filter(None, check.split(",")):
            reason, action = checks.get((item, code), (code.replace("_", " "), "check the item"))
            rows.append((item, "policy", code, "", "", "warning", reason, action))
    for item, status in zip(cls["item"], cls["status"], strict=True):
        if status in ("negative_value", "nan_input"):
            rows.append(
                (
                    item,
                    "classification",
                    status,
                    "value",
                    "",
                    "warning",
                    "the ABC measure of the item is negative or missing (price below cost?)",
                    "check the item's price and cost; it is ranked last",
                )
            )
    stocked = dict(zip(pol["item"], pol["status"].eq("ok"), strict=True))
    for item, status in zip(ftab["item"], ftab["status"], strict=True):
        if status in FORECAST_TEXT and stocked.get(item, False):
            rows.append(
                (
                    item,
                    "forecast",
                    status,
                    "",
                    "",
                    "info",
                    FORECAST_TEXT[status],
                    "check the forecast against what you know of the item",
                )
            )
    for item in unknown:
        rows.append(
            (
                item,
                "history",
                "unknown_item",
                "product, warehouse",
                item,
                "warning",
                "history lines of an item missing from the items file",
                "add the item to the items file to plan it",
            )
        )
    findings = pol.attrs.get("findings")
    if findings is not None and len(findings):
        for r in findings.itertuples(index=False):
            rows.append(
                (
                    r.item,
                    "input",
                    "implausible" if r.severity == "error" else "to_check",
                    r.field,
                    r.value,
                    r.severity,
                    r.reason,
                    r.action,
                )
            )
    out = pd.DataFrame(rows, columns=EXCEPTION_COLUMNS)
    order = out["severity"].map({"error": 0, "warning": 1, "info": 2}).fillna(3)
    return (
        out.assign(_o=order).sort_values(["_o", "item"], kind="stable").drop(columns="_o")
    ).reset_index(drop=True)


# ------------------------------------------------------------------ input and output care
#: Numeric item fields a quarantined item runs with (neutral values: its rule is zeroed).
_NEUTRAL = {
    "unit_cost": 1.0,
    "unit_price": 0.0,
    "lead_time_days": 1.0,
    "lead_time_std_days": 0.0,
    "ordering_cost": np.nan,
    "moq": 0.0,
    "pack_multiple": 0.0,
}


def _screen_inputs(history: pd.DataFrame, items: pd.DataFrame, as_of):
    """Plausibility screen before the run (:mod:`invplan.plausibility`).

    Returns ``(history, items, screened)``: history without the lines in error, the
    lines dated after today (only when no ``as_of`` is given: an explicit as-of date
    cuts the history on purpose) and every line of a quarantined item; the items with
    neutral numbers for the quarantined ones (they run as items without demand, so
    they neither distort the ABC ranking nor raise warnings; :func:`_finish_policy`
    then zeroes their rule); ``screened`` holds the findings and the quarantine mask.
    Raises :class:`InputError` when there is no item at all.
    """
    from . import plausibility

    if len(items) == 0:
        raise InputError("items: no rows (only a header?): nothing to plan")
    ids = plausibility.item_ids(items)
    hist_ids = plausibility.item_ids(history)
    today = pd.Timestamp.today().normalize() if as_of is None else None
    f_items = plausibility.check_items(items, ids)
    f_hist = plausibility.check_history(history, hist_ids, future_after=today)
    known = pd.Index(ids)
    f_hist = f_hist[known.get_indexer(f_hist["item"]) >= 0]
    findings = pd.concat([f_items, f_hist], ignore_index=True) if len(f_hist) else f_items
    bad = plausibility.quarantine(findings)
    quarantined = np.isin(ids, bad)
    q = pd.to_numeric(history["quantity"], errors="coerce").to_numpy(float)
    keep = np.isfinite(q) & (np.abs(np.where(np.isfinite(q), q, 0.0)) <= 1e9)
    keep &= ~np.isin(hist_ids, bad)
    if today is not None:
        keep &= (history["date"] <= today).to_numpy()
    if not keep.all():
        history = history[keep]
    shown = {
        c: pd.to_numeric(items[c], errors="coerce").to_numpy(float)
        for c in ("unit_cost", "lead_time_days")
        if c in items.columns
    }
    if quarantined.any():
        items = items.copy()
        for col, v in _NEUTRAL.items():
            if col in items.columns:
                items.loc[quarantined, col] = v
    cut = history if as_of is None else history[history["date"] < pd.Timestamp(as_of)]
    cut_ids = plausibility.item_ids(cut)
    lines = pd.Index(cut_ids).value_counts().reindex(ids).fillna(0)
    first = cut["date"].groupby(cut_ids).min().reindex(ids)
    screened = {
        "findings": findings,
        "quarantined": quarantined,
        "shown": shown,
        "lines": lines.to_numpy(int),
        "first_date": first.to_numpy("datetime64[ns]"),
        "history": history,
    }
    return history, items, screened


def _finish_policy(
    pol: pd.DataFrame,
    cls: pd.DataFrame,
    items: pd.DataFrame,
    screened: dict,
    *,
    min_annual_demand: float = 1.0,
    min_history_periods: int = 8,
    min_fill_rate: float = 0.5,
    max_cover_days: float = 730.0,
    max_recent_ratio: float = 2.0,
) -> pd.DataFrame:
    """Turn the computed policy into rules a buyer and an ERP can act on.

    - quarantined items (:func:`_screen_inputs`): status ``quarantined``, rule zero,
      left out of the ABC-XYZ matrix (class blank, segment ``QUARANTINE``);
    - a stocked item whose forecast is below ``min_annual_demand`` units a year:
      ``no_forecast_demand``, rule zero (its cover would read as decades);
    - reorder point, order quantity, maximum and the ERP's min / max rounded *up* to
      whole units (the order quantity is already a multiple of the pack); the safety
      stock, average stock and values follow the rounded reorder point, the safety
      stock is never shown below 0 (a discrete reorder point below the lead-time demand
      means the order quantity gives the service); expected fill rate and cycle
      service are those of the unrounded rule (rounding up only raises them);
    - a rule that then holds no stock (maximum 0): ``not_stocked``, rule zero (the
      ERP's min / max too: they serve the same order cycle);
    - ``check`` lists what to verify on a stocked item: ``short_history`` (fewer than
      ``min_history_periods`` observed periods),
      ``forecast_off_recent`` (the forecast per day below half or above twice the mean
      demand of the last :data:`RECENT_DAYS` days, ``max_recent_ratio``), ``long_cover``
      (average stock above ``max_cover_days`` of demand), ``input_warning`` (a
      plausibility warning);
    - a stocked rule whose expected fill rate is below ``min_fill_rate``: status
      ``low_fill_rate``, rule kept (lumps larger than the rule covers);
    - ``stocked``: the item has a rule in force (status ``ok``, ``conflicting_limits``
      or ``low_fill_rate``); ``coverage_days`` is 0 for the others.

    The findings travel in ``pol.attrs["findings"]`` to :func:`_exceptions`.
    """
    pol = pol.copy()
    n = len(pol)
    status = pol["status"].to_numpy(object).copy()
    items_ix = np.arange(n)
    quarantined = np.asarray(screened.get("quarantined", np.zeros(n, bool)), bool)
    rule_cols = [
        c
        for c in (
            *policy.POLICY_OUTPUTS,
            "safety_stock_value",
            "coverage_days",
            "erp_min",
            "erp_max",
            "review_days",
        )
        if c in pol.columns
    ]
    live = np.isin(status, ("ok", "conflicting_limits"))
    d = pol["demand_per_day"].to_numpy(float)
    status[quarantined] = "quarantined"
    low = live & ~quarantined & (d * 365.0 < min_annual_demand)
    status[low] = "no_forecast_demand"
    live &= ~quarantined & ~low
    # History lines, but not one complete observed bucket (an item launched in the
    # bucket that is still running): nothing to plan from yet, which is not "no demand".
    lines = np.asarray(screened.get("lines", np.zeros(n, int)))
    n_obs = cls["n_periods"].to_numpy(float) if "n_periods" in cls else np.full(n, np.inf)
    first = np.asarray(screened.get("first_date", np.full(n, np.datetime64("NaT"))))
    window = pol.attrs.get("window")
    late = np.zeros(n, bool)
    if window is not None:
        late = ~np.isnat(first) & (first > np.datetime64(pd.Timestamp(window[1])))
    young = ~quarantined & (lines > 0) & ((n_obs < 1) | late)
    young &= np.isin(status, ("manual", "no_demand", "make_to_order"))
    status[young] = "history_too_short"

    # Whole units, rounded up (a tolerance keeps 12.000000001 at 12).
    def up(x):
        return np.ceil(np.asarray(x, float) - 1e-9)

    s = pol["reorder_point"].to_numpy(float)
    q = pol["order_qty"].to_numpy(float)
    S = pol["order_up_to"].to_numpy(float)
    ss = pol["safety_stock"].to_numpy(float)
    avg = pol["avg_stock"].to_numpy(float)
    cost = items["unit_cost"].to_numpy(float)
    cost = np.where(np.isfinite(cost) & (cost > 0), cost, 0.0)
    s_r = np.maximum(up(s), 0.0)
    q_r = np.maximum(up(q), 0.0)
    periodic = pol["review_days"].to_numpy(float) > 0 if "review_days" in pol else np.zeros(n, bool)
    continuous = ~periodic & (q > 0) & np.isclose(S, s + q)
    S_r = np.where(continuous, s_r + q_r, np.maximum(up(S), s_r))
    ss_r = np.maximum(ss + (s_r - s), 0.0)
    cycle = avg - np.maximum(ss, 0.0) + np.where(continuous, (q_r - q) / 2.0, 0.0)
    avg_r = ss_r + np.maximum(cycle, 0.0)
    # The ERP's min / max: the rule itself for continuous review, the daily-check
    # equivalent of a periodic rule rounded the same way.
    e_min = np.where(periodic, np.maximum(up(pol["erp_min"]), 0.0), s_r)
    e_max = np.where(periodic, np.maximum(up(pol["erp_max"]), e_min), S_r)
    for col, v in (
        ("reorder_point", s_r),
        ("order_qty", q_r),
        ("order_up_to", S_r),
        ("safety_stock", ss_r),
        ("avg_stock", avg_r),
        ("avg_stock_value", avg_r * cost),
        ("safety_stock_value", ss_r * cost),
        ("erp_min", e_min),
        ("erp_max", e_max),
    ):
        pol[col] = np.where(live, v, pol[col].to_numpy(float))
    empty = live & (S_r <= 0)
    status[empty] = "not_stocked"
    live &= ~empty
    for col in rule_cols:
        pol[col] = np.where(live, pol[col].to_numpy(float), 0.0)
    pol.loc[~live & ~np.isin(status, ("make_to_order", "manual")), "method"] = ""
    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(live & (d > 0), pol["avg_stock"].to_numpy(float) / d, 0.0)
    pol["coverage_days"] = np.where(np.isfinite(cover), cover, 0.0)
    pol["status"] = status
    pol["stocked"] = live
    # The item's own lead time and cost, as given (a quarantined item's absurd value
    # is shown beside its exception row; NaN and infinity are left blank).
    for col, v in screened.get("shown", {}).items():
        pol[col] = np.where(np.isfinite(v), v, np.nan)
    if quarantined.any():
        pol.loc[quarantined, "segment"] = "QUARANTINE"
        pol.loc[quarantined, "demand_per_day"] = 0.0
        cls.loc[quarantined, "segment"] = "QUARANTINE"
        cls.loc[quarantined, ["abc", "xyz"]] = ""

    # What to verify on a stocked item.
    findings = screened.get("findings")
    warned = set()
    if findings is not None and len(findings):
        warned = set(findings.loc[findings["severity"] == "warning", "item"])
    items_key = pol["item"].to_numpy(object)
    n_per = cls["n_periods"].to_numpy(float) if "n_periods" in cls else np.full(n, np.inf)
    fill = pol["expected_fill_rate"].to_numpy(float)
    cover = pol["coverage_days"].to_numpy(float)
    recent = _recent_demand_per_day(screened.get("history"), items_key, pol.attrs.get("as_of"))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(recent > 0, d / recent, np.nan)
    checks = {
        "short_history": live & (n_per < min_history_periods),
        "forecast_off_recent": live
        & (n_per >= min_history_periods)
        & np.isfinite(ratio)
        & ((ratio < 1 / max_recent_ratio) | (ratio > max_recent_ratio)),
        "low_fill_rate": live & (fill < min_fill_rate),
        "long_cover": live & (cover > max_cover_days),
        "input_warning": live & np.isin(items_key, list(warned)),
    }
    text = {}
    for i in items_ix[checks["short_history"]]:
        text[(items_key[i], "short_history")] = (
            f"{int(n_per[i])} observed period(s) of history: the mean rests on few periods "
            "and the variability is hardly measured",
            "check the forecast against what you know of the item; the safety stock may be too low",
        )
    for i in items_ix[checks["forecast_off_recent"]]:
        text[(items_key[i], "forecast_off_recent")] = (
            f"forecast {d[i]:.3g} a day against {recent[i]:.3g} a day over the last "
            f"{RECENT_DAYS} days ({ratio[i]:.0%})",
            "check the forecast (a trend, a season, a launch or a run-out?) before the rule "
            "goes to the ERP",
        )
    for i in items_ix[checks["low_fill_rate"]]:
        text[(items_key[i], "low_fill_rate")] = (
            f"expected fill rate {fill[i]:.0%}: demand comes in lumps larger than the "
            "rule covers, or the forecast is far below past demand",
            "raise the reorder point or the order quantity by hand, or accept the service",
        )
    for i in items_ix[checks["long_cover"]]:
        text[(items_key[i], "long_cover")] = (
            f"the average stock covers {cover[i]:,.0f} days of forecast demand",
            "check the MOQ, the pack size and the forecast; consider a smaller pack",
        )
    for i in items_ix[checks["input_warning"]]:
        text[(items_key[i], "input_warning")] = (
            "a value to check in the input: see the item's input rows",
            "check the value named in the input row",
        )
    # A rule that holds stock but whose expected fill rate is low keeps its numbers and
    # gets a status of its own (an ``ok`` beside a fill rate near 0 misleads a buyer):
    # the fill-rate formula 1 - E[shortage per cycle] / Q reaches 0 when the forecast
    # per cycle is small against the forecast error (lumpy items forecast near 0).
    low_fill = checks.pop("low_fill_rate")
    status[low_fill & (status == "ok")] = "low_fill_rate"
    pol["status"] = status
    pol["check"] = [",".join(k for k, m in checks.items() if m[i]) for i in items_ix]
    pol.attrs["findings"] = findings
    pol.attrs["check_text"] = text
    return pol


#: Days of recent history a forecast is compared with (:func:`_finish_policy`).
RECENT_DAYS = 91


def _recent_demand_per_day(history, keys, as_of, days: int = RECENT_DAYS) -> np.ndarray:
    """Mean demand per day of each item over the ``days`` days before ``as_of`` (0 for
    none; returns and stockout days included as recorded)."""
    out = np.zeros(len(keys))
    if history is None or as_of is None or len(history) == 0:
        return out
    from . import plausibility

    as_of = pd.Timestamp(as_of)
    recent = history[
        (history["date"] < as_of) & (history["date"] >= as_of - pd.Timedelta(days=days))
    ]
    if len(recent) == 0:
        return out
    total = recent["quantity"].groupby(plausibility.item_ids(recent)).sum()
    got = total.reindex(keys).to_numpy(float)
    return np.where(np.isfinite(got) & (got > 0), got / days, 0.0)
