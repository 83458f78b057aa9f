"""Classification of product x warehouse items: ABC, XYZ, demand pattern, lifecycle, segment.

Every function works on many items at once: 1-D arrays (one value per item) or 2-D demand
matrices (items x periods, oldest period first). Each returns a ``pandas.DataFrame`` with
one row per item, in input order, and a ``status`` column; a bad item never raises inside
a batch and never yields NaN in a class column.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ._checks import as_float_array

ABC_CLASSES = ("A", "B", "C")
XYZ_CLASSES = ("X", "Y", "Z")
DEMAND_PATTERNS = (
    "smooth",
    "erratic",
    "intermittent",
    "lumpy",
    "no_demand",
    "insufficient_history",
)
LIFECYCLE_STAGES = ("new", "growth", "mature", "decline", "dormant", "obsolete")


# --------------------------------------------------------------------------- ABC
def classify_abc(
    values,
    cutoffs: Sequence[float] = (0.80, 0.95),
    ids=None,
) -> pd.DataFrame:
    """ABC (Pareto) classification by cumulative share of a value measure.

    Items are ranked by value, largest first; ties are broken by ``ids`` ascending (or by
    input position when no ids are given), so the result never depends on sort stability.
    With :math:`v_{(1)} \\ge v_{(2)} \\ge \\dots` the positive values in rank order and
    :math:`V = \\sum_j \\max(v_j, 0)`, the cumulative share *before* item i is

    .. math:: c_i = \\frac{1}{V} \\sum_{j < i} v_{(j)}

    and the item is A when :math:`c_i < a`, B when :math:`a \\le c_i < b`, else C, with
    ``cutoffs = (a, b)``: the default (0.80, 0.95) gives the 80 / 15 / 5 split. Using the
    share before the item puts the item that crosses a cutoff in the higher class, so the
    top item is always A (Silver, Pyke & Peterson, *Inventory Management and Production
    Planning and Scheduling*, 3rd ed., 1998, "The A-B-C classification": items ranked
    by annual dollar usage, classes read off the cumulative percentage of the
    distribution-by-value table).

    The measure may be revenue, gross margin, consumption value at cost or a count of
    order lines: the function only needs a number per item.

    Parameters
    ----------
    values : array-like, shape (n,)
        Value measure per item. Zero-value items are C. Negative values (negative
        margin) are C and flagged ``negative_value``. NaN / inf values are C with status
        ``nan_input``; none of these count towards :math:`V`.
    cutoffs : (a, b)
        Cumulative share cutoffs, ``0 < a <= b <= 1``.
    ids : array-like, shape (n,), optional
        Item keys used for deterministic tie-breaking and returned as ``item``.

    Returns
    -------
    DataFrame with columns ``item, value, rank, share, cum_share, abc, negative_value,
    status`` (``status`` in ``ok``, ``zero_value``, ``negative_value``, ``nan_input``).
    """
    a, b = _check_cutoffs(cutoffs, "cutoffs")
    v = as_float_array(values, "values")
    n = v.size
    item = np.arange(n) if ids is None else np.asarray(ids)
    if item.size != n:
        raise ValueError(f"ids: expected {n} values, got {item.size}")

    finite = np.isfinite(v)
    status = np.full(n, "ok", dtype=object)
    status[~finite] = "nan_input"
    negative = finite & (v < 0)
    status[negative] = "negative_value"
    status[finite & (v == 0)] = "zero_value"
    positive = finite & (v > 0)

    vp = np.where(positive, v, 0.0)
    # lexsort: last key is primary. Value descending, then id ascending.
    order = np.lexsort((_tie_key(item), -vp))
    total = vp.sum()
    sorted_v = vp[order]
    before = np.cumsum(sorted_v) - sorted_v
    with np.errstate(invalid="ignore", divide="ignore"):
        cum_before = np.where(total > 0, before / total, 1.0)
        share_sorted = np.where(total > 0, sorted_v / total, 0.0)
    cls_sorted = np.where(cum_before < a, "A", np.where(cum_before < b, "B", "C"))

    abc = np.empty(n, dtype=object)
    abc[order] = cls_sorted
    abc[~positive] = "C"
    share = np.empty(n)
    share[order] = share_sorted
    cum_share = np.empty(n)
    cum_share[order] = np.minimum(cum_before + share_sorted, 1.0)
    cum_share[~positive] = 1.0
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(1, n + 1)

    return pd.DataFrame(
        {
            "item": item,
            "value": np.where(finite, v, 0.0),
            "rank": rank,
            "share": share,
            "cum_share": cum_share,
            "abc": abc,
            "negative_value": negative,
            "status": status,
        }
    )


def _tie_key(item: np.ndarray) -> np.ndarray:
    """A sortable key for ids of any type (numbers sort numerically, others as text)."""
    if np.issubdtype(item.dtype, np.number):
        return item
    return np.asarray([str(x) for x in item])


def _check_cutoffs(cutoffs: Sequence[float], name: str) -> tuple[float, float]:
    try:
        a, b = (float(x) for x in cutoffs)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected two numbers, got {cutoffs!r}") from exc
    if not (np.isfinite(a) and np.isfinite(b)) or not (0 < a <= b):
        raise ValueError(f"{name}: expected 0 < first <= second, got {cutoffs!r}")
    return a, b


# --------------------------------------------------------------------------- helpers
def _demand_matrix(demand, censored=None) -> tuple[np.ndarray, np.ndarray]:
    """Return (demand, valid) with NaN, negative or censored periods marked invalid.

    Negative per-period demand (net returns exceeding deliveries) is not demand: it is
    treated as missing, like a censored (stockout) period.
    """
    d = np.asarray(demand, dtype=float)
    if d.ndim == 1:
        d = d.reshape(1, -1)
    if d.ndim != 2:
        raise ValueError(f"demand: expected a 2-D items x periods array, got shape {d.shape}")
    valid = np.isfinite(d) & (d >= 0)
    if censored is not None:
        c = np.asarray(censored, dtype=bool)
        if c.ndim == 1:
            c = c.reshape(1, -1)
        if c.shape != d.shape:
            raise ValueError(f"censored: expected shape {d.shape}, got {c.shape}")
        valid &= ~c
    return np.where(valid, d, 0.0), valid


def _masked_mean_std(d: np.ndarray, valid: np.ndarray, ddof: int) -> tuple:
    n = valid.sum(axis=1)
    s1 = (d * valid).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / n
        dev = np.where(valid, d - mean[:, None], 0.0)
        var = (dev**2).sum(axis=1) / (n - ddof)
    return n, mean, np.sqrt(var)


# --------------------------------------------------------------------------- XYZ
def classify_xyz(
    demand,
    censored=None,
    thresholds: Sequence[float] = (0.5, 1.0),
    min_periods: int = 4,
    ddof: int = 1,
) -> pd.DataFrame:
    """XYZ classification by the coefficient of variation of per-period demand.

    .. math:: CV_i = \\frac{\\sigma_i}{\\mu_i}

    over the uncensored periods of item i (mean and standard deviation of per-period
    demand, zero-demand periods included; ``ddof=1`` for the sample deviation). X when
    :math:`CV < t_1`, Y when :math:`t_1 \\le CV < t_2`, Z otherwise, with
    ``thresholds = (t1, t2)`` defaulting to (0.5, 1.0), the customary ABC-XYZ cutoffs
    (e.g. Scholz-Reiter, Heger, Meinecke & Bergmann (2012), "Integration of demand
    forecasts in ABC-XYZ analysis", *Int. J. Productivity and Performance Management*
    61(4)); both are parameters. Censored periods (stockouts, where sales
    understate demand), NaN and negative periods are left out of both moments.

    Returns
    -------
    DataFrame ``n_periods, demand_mean, demand_std, demand_cv, xyz, status``; status is
    ``ok``, ``no_demand`` (mean 0: class Z, CV 0) or ``insufficient_history`` (fewer than
    ``min_periods`` uncensored periods: class Z, CV 0).
    """
    t1, t2 = _check_cutoffs(thresholds, "thresholds")
    d, valid = _demand_matrix(demand, censored)
    n, mean, std = _masked_mean_std(d, valid, ddof)
    status = np.full(d.shape[0], "ok", dtype=object)
    short = n < max(min_periods, ddof + 1)
    status[short] = "insufficient_history"
    no_demand = ~short & ~(mean > 0)
    status[no_demand] = "no_demand"
    ok = status == "ok"
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.where(ok, std / np.where(ok, mean, 1.0), 0.0)
    cv = np.where(np.isfinite(cv), cv, 0.0)
    xyz = np.where(cv < t1, "X", np.where(cv < t2, "Y", "Z")).astype(object)
    xyz[~ok] = "Z"
    return pd.DataFrame(
        {
            "n_periods": n.astype(np.int64),
            "demand_mean": np.where(np.isfinite(mean), mean, 0.0),
            "demand_std": np.where(ok, std, 0.0),
            "demand_cv": cv,
            "xyz": xyz,
            "status": status,
        }
    )


# --------------------------------------------------------------------------- pattern
def classify_demand_pattern(
    demand,
    censored=None,
    adi_cutoff: float = 1.32,
    cv2_cutoff: float = 0.49,
    min_periods: int = 8,
    min_demands: int = 2,
) -> pd.DataFrame:
    """Demand pattern by ADI and CV² (Syntetos, Boylan & Croston categorisation).

    .. math::

        ADI_i = \\frac{N_i}{n^{+}_i}, \\qquad
        CV^2_i = \\left(\\frac{\\sigma(z^{+}_i)}{\\mu(z^{+}_i)}\\right)^2

    with :math:`N_i` the number of uncensored periods, :math:`n^{+}_i` the number of them
    with demand, and :math:`z^{+}_i` the non-zero demand sizes (population deviation).
    Smooth: ADI < 1.32 and CV² < 0.49; erratic: ADI < 1.32, CV² >= 0.49; intermittent:
    ADI >= 1.32, CV² < 0.49; lumpy: both at or above. Source: Syntetos, A.A., Boylan,
    J.E. & Croston, J.D. (2005), "On the categorization of demand patterns", *Journal of
    the Operational Research Society* 56(5), 495-503 (cutoffs p = 1.32, CV² = 0.49).

    ``no_demand``: no demand in any uncensored period. ``insufficient_history``: fewer
    than ``min_periods`` uncensored periods or fewer than ``min_demands`` non-zero demands
    (CV² of one size is meaningless).

    Returns
    -------
    DataFrame ``n_periods, n_demands, adi, cv2, demand_size_mean, pattern, status``.
    """
    d, valid = _demand_matrix(demand, censored)
    nz = valid & (d > 0)
    n = valid.sum(axis=1)
    k = nz.sum(axis=1)
    _, size_mean, size_std = _masked_mean_std(d, nz, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        adi = np.where(k > 0, n / np.maximum(k, 1), 0.0)
        cv2 = np.where(k > 0, (size_std / size_mean) ** 2, 0.0)
    cv2 = np.where(np.isfinite(cv2), cv2, 0.0)
    smooth_adi = adi < adi_cutoff
    low_cv = cv2 < cv2_cutoff
    pattern = np.select(
        [smooth_adi & low_cv, smooth_adi & ~low_cv, ~smooth_adi & low_cv],
        ["smooth", "erratic", "intermittent"],
        "lumpy",
    ).astype(object)
    status = np.full(d.shape[0], "ok", dtype=object)
    no_demand = k == 0
    short = ~no_demand & ((n < min_periods) | (k < min_demands))
    pattern[no_demand] = "no_demand"
    status[no_demand] = "no_demand"
    pattern[short] = "insufficient_history"
    status[short] = "insufficient_history"
    return pd.DataFrame(
        {
            "n_periods": n.astype(np.int64),
            "n_demands": k.astype(np.int64),
            "adi": adi,
            "cv2": cv2,
            "demand_size_mean": np.where(k > 0, size_mean, 0.0),
            "pattern": pattern,
            "status": status,
        }
    )


# --------------------------------------------------------------------------- trend
def mann_kendall(demand, valid=None) -> pd.DataFrame:
    """Mann-Kendall trend test, vectorised over rows, with the tie correction.

    .. math::

        S = \\sum_{i<j} \\operatorname{sgn}(x_j - x_i), \\quad
        \\operatorname{Var}(S) = \\frac{n(n-1)(2n+5) - \\sum_t t(t-1)(2t+5)}{18},

        Z = \\frac{S - \\operatorname{sgn}(S)}{\\sqrt{\\operatorname{Var}(S)}}, \\quad
        p = 2\\,(1 - \\Phi(|Z|))

    where t runs over the sizes of groups of tied values (Kendall, *Rank Correlation
    Methods*, 1975; Hipel & McLeod, *Time Series Modelling of Water Resources*, 1994,
    section 23.3; Gilbert, *Statistical Methods for Environmental Pollution Monitoring*,
    1987, eq. 16.4). Invalid periods (``valid`` False) are left out of every pair and of
    n; ties are counted among valid values only.

    Returns
    -------
    DataFrame ``s, var_s, z, p_value, n`` (z = 0, p = 1 where n < 3 or Var(S) = 0).
    """
    x = np.asarray(demand, dtype=float)
    if x.ndim == 1:
        x = x.reshape(1, -1)
    m, T = x.shape
    ok = np.isfinite(x) if valid is None else (np.asarray(valid, dtype=bool) & np.isfinite(x))
    xv = np.where(ok, x, 0.0)
    s = np.zeros(m)
    for lag in range(1, T):
        pair_ok = ok[:, lag:] & ok[:, :-lag]
        s += (np.sign(xv[:, lag:] - xv[:, :-lag]) * pair_ok).sum(axis=1)
    n = ok.sum(axis=1).astype(float)

    # Tie groups among valid values: sort each row with invalid values pushed to +inf,
    # then count the run lengths of equal values.
    srt = np.sort(np.where(ok, x, np.inf), axis=1)
    start = np.ones_like(srt, dtype=bool)
    start[:, 1:] = srt[:, 1:] != srt[:, :-1]
    run_id = np.cumsum(start.ravel()) - 1
    lengths = np.bincount(run_id)
    run_row = np.repeat(np.arange(m), T)[start.ravel()]
    run_val = srt.ravel()[start.ravel()]
    t = lengths.astype(float)
    tie_term = np.where(np.isfinite(run_val), t * (t - 1) * (2 * t + 5), 0.0)
    tie_sum = np.bincount(run_row, weights=tie_term, minlength=m)

    var_s = (n * (n - 1) * (2 * n + 5) - tie_sum) / 18.0
    good = (n >= 3) & (var_s > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(good, (s - np.sign(s)) / np.sqrt(np.where(good, var_s, 1.0)), 0.0)
    p = np.where(good, 2.0 * stats.norm.sf(np.abs(z)), 1.0)
    return pd.DataFrame({"s": s, "var_s": np.maximum(var_s, 0.0), "z": z, "p_value": p, "n": n})


# --------------------------------------------------------------------------- lifecycle
def suggest_lifecycle(
    demand,
    period_days: float,
    censored=None,
    new_days: float = 90,
    dormant_days: float = 180,
    obsolete_days: float = 365,
    trend_alpha: float = 0.05,
    min_trend_periods: int = 6,
    min_relative_slope: float = 0.10,
    trend_periods: int | None = None,
    first_demand_age_days=None,
    age_days=None,
) -> pd.DataFrame:
    """Suggest a lifecycle stage from a demand history (the last column is the most recent).

    Rules, first that applies:

    1. **obsolete**: no demand for at least ``obsolete_days``; **dormant**: no demand for
       at least ``dormant_days``. An item with no demand at all in the window is
       obsolete when the window spans ``obsolete_days``, dormant otherwise.
    2. **new**: the first demand is less than ``new_days`` ago (from
       ``first_demand_age_days`` when given, e.g. from the product's first sale ever,
       else from the first non-zero period of the window).
    3. **growth** / **decline**: a monotonic trend significant at ``trend_alpha`` by the
       Mann-Kendall test (:func:`mann_kendall`) over the last ``trend_periods`` periods
       (all by default), *and* material: the least-squares slope relative to the mean,
       over a year, at least ``min_relative_slope`` (10 % a year by default) in size.
       Both conditions keep a long, flat but statistically "significant" drift mature.
    4. **mature** otherwise.

    ``age_days`` (per item, optional): days since the item exists (its introduction date,
    or its first move, or its creation). An item cannot have gone without demand for
    longer than it exists: with no demand in the window, its days without demand are
    ``min(window, age)``; and an item younger than ``new_days`` is **new** whatever its
    demand (a product launched last week with no delivery yet is not obsolete). An age
    contradicted by older demand (more than one period before it) is ignored.

    Sources: Mann (1945), Kendall (1975) for the test; the stage ladder after Kotler's
    product life cycle (introduction, growth, maturity, decline), with dormant /
    obsolete as the inventory-management extension used for slow-moving stock reviews.

    Returns
    -------
    DataFrame ``days_since_first_demand, days_since_last_demand, trend_z, trend_p_value,
    relative_slope_per_year, lifecycle, status`` (status ``ok`` or ``no_demand``).
    """
    if not (period_days > 0):
        raise ValueError(f"period_days: expected a positive number, got {period_days!r}")
    d, valid = _demand_matrix(demand, censored)
    m, T = d.shape
    has = valid & (d > 0)
    any_demand = has.any(axis=1)
    cols = np.arange(T)
    last_idx = np.where(has, cols, -1).max(axis=1)
    first_idx = np.where(has, cols, T).min(axis=1)
    window_days = T * period_days
    since_last = np.where(any_demand, (T - 1 - last_idx) * period_days, window_days)
    since_first = np.where(any_demand, (T - first_idx) * period_days, window_days)
    if first_demand_age_days is not None:
        fa = as_float_array(first_demand_age_days, "first_demand_age_days", m)
        since_first = np.where(np.isfinite(fa) & (fa >= 0), fa, since_first)

    young = np.zeros(m, dtype=bool)
    if age_days is not None:
        age = as_float_array(age_days, "age_days", m)
        known = np.isfinite(age) & (age >= 0)
        # Demand older than the age proves the age wrong (a catalogue imported with its
        # history): the demand decides then.
        known &= ~(any_demand & (since_first > age + period_days))
        since_last = np.where(known & ~any_demand, np.minimum(since_last, age), since_last)
        since_first = np.where(known & ~any_demand, np.minimum(since_first, age), since_first)
        young = known & (age < new_days)

    tp = T if trend_periods is None else min(int(trend_periods), T)
    dt, vt = d[:, T - tp :], valid[:, T - tp :]
    mk = mann_kendall(dt, vt)
    # Least-squares slope per period over valid periods, relative to their mean.
    x = np.broadcast_to(np.arange(tp, dtype=float), dt.shape)
    n = vt.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        xm = (x * vt).sum(axis=1) / n
        ym = (dt * vt).sum(axis=1) / n
        sxy = (((x - xm[:, None]) * (dt - ym[:, None])) * vt).sum(axis=1)
        sxx = (((x - xm[:, None]) ** 2) * vt).sum(axis=1)
        slope = sxy / sxx
        rel = slope * (365.0 / period_days) / ym
    rel = np.where(np.isfinite(rel), rel, 0.0)

    significant = (mk["p_value"].to_numpy() < trend_alpha) & (n >= min_trend_periods)
    material = np.abs(rel) >= min_relative_slope
    trend_up = significant & material & (mk["z"].to_numpy() > 0)
    trend_down = significant & material & (mk["z"].to_numpy() < 0)

    stage = np.full(m, "mature", dtype=object)
    stage[trend_down] = "decline"
    stage[trend_up] = "growth"
    stage[since_first < new_days] = "new"
    stage[since_last >= dormant_days] = "dormant"
    stage[since_last >= obsolete_days] = "obsolete"
    stage[young] = "new"
    status = np.where(any_demand, "ok", "no_demand").astype(object)
    return pd.DataFrame(
        {
            "days_since_first_demand": since_first.astype(float),
            "days_since_last_demand": since_last.astype(float),
            "trend_z": mk["z"].to_numpy(),
            "trend_p_value": mk["p_value"].to_numpy(),
            "relative_slope_per_year": rel,
            "lifecycle": stage,
            "status": status,
        }
    )


# --------------------------------------------------------------------------- segments
RULE_CRITERIA = ("abc", "xyz", "pattern", "lifecycle", "category", "warehouse")


def _is_empty(criterion) -> bool:
    if criterion is None:
        return True
    if isinstance(criterion, float) and np.isnan(criterion):
        return True
    if isinstance(criterion, str) and not criterion.strip():
        return True
    if isinstance(criterion, (set, frozenset, list, tuple)) and not criterion:
        return True
    return False


def assign_segments(items: pd.DataFrame, rules: pd.DataFrame, default=None) -> pd.DataFrame:
    """Assign each item the segment of the first rule that matches it.

    ``rules`` is an ordered table (row order is priority; sort it by sequence first) with
    a ``segment`` column and any of the criteria columns ``abc, xyz, pattern, lifecycle,
    category, warehouse``. A criterion left empty (None, NaN, "", empty collection)
    matches anything; a list / set / tuple matches any of its members (e.g. a category
    and all its children); anything else must be equal. The first matching rule wins
    (a decision table with "first hit" policy).

    Returns
    -------
    DataFrame ``segment, rule_index, status`` aligned with ``items``; unmatched items get
    ``default`` and rule_index -1 with status ``no_rule``.
    """
    if "segment" not in rules.columns:
        raise ValueError("rules: a 'segment' column is required")
    n = len(items)
    segment = np.full(n, default, dtype=object)
    rule_index = np.full(n, -1, dtype=np.int64)
    open_ = np.ones(n, dtype=bool)
    for pos, (_, rule) in enumerate(rules.iterrows()):
        if not open_.any():
            break
        match = open_.copy()
        for col in RULE_CRITERIA:
            if col not in rules.columns:
                continue
            crit = rule[col]
            if _is_empty(crit):
                continue
            if col not in items.columns:
                raise ValueError(f"items: rule {pos} has a {col!r} criterion but items lack it")
            values = items[col].to_numpy()
            if isinstance(crit, (set, frozenset, list, tuple)):
                match &= pd.Series(values).isin(list(crit)).to_numpy()
            else:
                match &= values == crit
        segment[match] = rule["segment"]
        rule_index[match] = pos
        open_ &= ~match
    status = np.where(rule_index >= 0, "ok", "no_rule").astype(object)
    return pd.DataFrame(
        {"segment": segment, "rule_index": rule_index, "status": status}, index=items.index
    )


def classify_items(
    values,
    demand,
    censored=None,
    period_days: float = 7.0,
    abc_cutoffs: Sequence[float] = (0.80, 0.95),
    xyz_thresholds: Sequence[float] = (0.5, 1.0),
    ids=None,
    **lifecycle_kwargs,
) -> pd.DataFrame:
    """ABC, XYZ, demand pattern and lifecycle in one call (one row per item).

    ``values`` is the ABC measure per item, ``demand`` the items x periods matrix. The
    column ``status`` is the first non-``ok`` status among the four classifications.
    """
    abc = classify_abc(values, abc_cutoffs, ids=ids)
    xyz = classify_xyz(demand, censored, xyz_thresholds)
    pat = classify_demand_pattern(demand, censored)
    life = suggest_lifecycle(demand, period_days, censored, **lifecycle_kwargs)
    if not (len(abc) == len(xyz) == len(pat) == len(life)):
        raise ValueError(
            f"values has {len(abc)} items but demand has {len(xyz)} rows: they must match"
        )
    out = pd.concat(
        [
            abc[["item", "value", "rank", "share", "cum_share", "abc", "negative_value"]],
            xyz[["n_periods", "demand_mean", "demand_std", "demand_cv", "xyz"]],
            pat[["n_demands", "adi", "cv2", "pattern"]],
            life[
                [
                    "days_since_first_demand",
                    "days_since_last_demand",
                    "trend_p_value",
                    "relative_slope_per_year",
                    "lifecycle",
                ]
            ],
        ],
        axis=1,
    )
    status = abc["status"].to_numpy().copy()
    for other in (xyz["status"], pat["status"], life["status"]):
        o = other.to_numpy()
        status = np.where(status == "ok", o, status)
    out["status"] = status
    return out
