"""Execution by segment: customer tiers, rationing, shortage allocation, promising, slotting, counts.

Planning decides how much stock to hold; these functions decide who gets it, when it can be
promised, where it sits and how often it is counted. Every function is vectorised over many
rows (order lines, products, counts) given as 1-D arrays; groups (product x warehouse) are
integer codes ``0 .. G-1`` that index per-group arrays. Days are integer offsets from today
(day 0). Bad input (NaN, negative quantities, unknown lead time) never raises inside a batch
and never produces NaN: each function documents what such a row becomes.

Functions
---------
customer_cumulative_share, classify_customers
    Pareto tiers of customers on 12-month revenue or margin, with a hysteresis band.
reservation_rank
    Reservation order from customer tier, product segment and requested date.
critical_level
    Critical-level rationing threshold kept for the tiers allowed to use protected stock.
allocate_shortage
    Shortage allocation: strict priority, fair share within a level, minimum line fill,
    whole lines, protected stock.
available_to_promise
    Tier-aware time-phased cumulative available-to-promise with look-ahead.
pick_velocity_class, slotting_plan, slotting_locations, slotting_travel
    Velocity ABC on pick lines, cube-per-order index slotting (forward zone, forward
    locations), pick-travel model.
cycle_count_schedule, count_load, record_accuracy
    ABC cycle counting spread over working days, inventory record accuracy.
fill_and_on_time
    Fill rate, on-time and on-time-in-full against the promised date.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from ._checks import as_float_array, broadcast_size
from .classify import classify_abc

#: Tier names for the ranks returned by :func:`classify_customers` (default four cuts).
CUSTOMER_TIERS = ("strategic", "key", "standard", "spot")

#: Largest day offset handled (about 2.7 million years): absurd days are clipped to it.
MAX_DAY = 10**9


# ============================================================================ helpers
def _clean(value, name: str, size: int | None = None, *, fill: float = 0.0, lower=0.0):
    """Float array with NaN / inf -> ``fill`` and values below ``lower`` -> ``fill``."""
    arr = as_float_array(value, name, size)
    bad = ~np.isfinite(arr)
    if lower is not None:
        bad |= arr < lower
    return np.where(bad, fill, arr)


def _codes(value, name: str, size: int, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer group codes and a validity mask (``0 <= code < n_groups``)."""
    arr = as_float_array(value, name, size)
    valid = np.isfinite(arr) & (arr >= 0) & (arr < n_groups) & (arr == np.floor(arr))
    return np.where(valid, arr, 0).astype(np.int64), valid


def _flags(value, name: str, size: int, default: bool = True) -> np.ndarray:
    if value is None:
        return np.full(size, default)
    arr = np.asarray(value)
    if arr.ndim == 0:
        return np.full(size, bool(arr))
    if arr.shape != (size,):
        raise ValueError(f"{name}: expected {size} values, got shape {arr.shape}")
    if arr.dtype == object or np.issubdtype(arr.dtype, np.floating):
        return np.asarray([bool(x) and x == x for x in arr], dtype=bool)
    return arr.astype(bool)


def _days(value, name: str, size: int, *, fill: float = 0.0) -> np.ndarray:
    """Integer day offsets: NaN -> ``fill``, negative -> 0, huge -> ``MAX_DAY``."""
    arr = as_float_array(value, name, size)
    arr = np.where(np.isfinite(arr) | (arr == np.inf), arr, fill)
    return np.floor(np.clip(arr, 0, MAX_DAY)).astype(np.int64)


def _scalar(value, name: str, default: float = 0.0, lo=0.0, hi=None) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected a number, got {value!r:.80}") from exc
    if not np.isfinite(x) or (lo is not None and x < lo):
        return default
    if hi is not None and x > hi:
        return hi
    return x


def _group_sum(group, weights, n_groups: int) -> np.ndarray:
    return np.bincount(group, weights=weights, minlength=n_groups)[:n_groups]


def _ratio(num, den, empty: float = 0.0):
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    safe = np.where(den > 0, den, 1.0)
    return np.where(den > 0, num / safe, empty)


#: Service targets at or above 1 are taken as this (a finite safety factor).
SERVICE_CAP = 0.9999


def _measure(revenue, margin, measure: str) -> np.ndarray:
    if measure == "revenue":
        return as_float_array(revenue, "revenue")
    if measure == "margin":
        if margin is None:
            raise ValueError("margin: required when measure='margin'")
        return as_float_array(margin, "margin")
    raise ValueError(f"measure: expected 'revenue' or 'margin', got {measure!r}")


def _pareto(v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(share before, own share, positive) per item, items ranked largest first."""
    positive = np.isfinite(v) & (v > 0)
    vp = np.where(positive, v, 0.0)
    with np.errstate(over="ignore"):
        total = vp.sum()
    before = np.ones(v.size)
    share = np.zeros(v.size)
    if not np.isfinite(total) or total <= 0:
        if not np.isfinite(total):
            # Overflowing totals: rank on a rescaled measure (shares are scale-free).
            return _pareto(np.where(positive, v / np.max(vp), 0.0))
        return before, share, positive
    order = np.argsort(-vp, kind="stable")
    sorted_v = vp[order]
    cum = np.cumsum(sorted_v)
    before[order] = (cum - sorted_v) / total
    share[order] = sorted_v / total
    before[~positive] = 1.0
    return np.clip(before, 0.0, 1.0), share, positive


def _check_cuts(cuts) -> np.ndarray:
    try:
        c = np.asarray([float(x) for x in cuts])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cuts: expected numbers, got {cuts!r}") from exc
    if c.size == 0 or not np.all(np.isfinite(c)) or c[0] <= 0 or c[-1] > 1:
        raise ValueError(f"cuts: expected shares in (0, 1], got {cuts!r}")
    if np.any(np.diff(c) < 0):
        raise ValueError(f"cuts: expected increasing shares, got {cuts!r}")
    return c


#: Relative tolerance of the quantity comparisons (floating-point sums).
_REL_TOL = 1e-9
#: Cells (groups x day buckets) of one chunk of the available-to-promise table.
_ATP_CELLS = 4_000_000
#: A day after every day handled: pads the event days of groups with fewer of them.
_PAD_DAY = MAX_DAY + 1
#: Below this many groups in a round, available to promise finishes group by group.
_ATP_TAIL_GROUPS = 16
#: Lines decided together in the group-by-group (speculative) stage.
_ATP_BATCH = 128


def _atp_events(n_groups, rg, rd, rq, cg, cd, cq) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Receipts (+) and committed demand (-) as (group, day, signed quantity) events."""
    parts_g, parts_d, parts_q = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
    # A receipt without a day is not counted on; a commitment without one is due today.
    for grp, day, qty, sign, name, skip_undated in (
        (rg, rd, rq, 1.0, "receipt", True),
        (cg, cd, cq, -1.0, "committed", False),
    ):
        if grp is None and day is None and qty is None:
            continue
        if grp is None or day is None or qty is None:
            raise ValueError(f"{name}_group, {name}_day, {name}_qty: give all three or none")
        m = np.size(grp)
        gg, ok = _codes(grp, f"{name}_group", m, n_groups)
        dd_f = as_float_array(day, f"{name}_day", m)
        if skip_undated:
            ok &= ~np.isnan(dd_f)
        dd = _days(dd_f, f"{name}_day", m, fill=0.0)
        qq = as_float_array(qty, f"{name}_qty", m)
        ok &= np.isfinite(qq) & (qq > 0)
        parts_g.append(gg[ok])
        parts_d.append(dd[ok])
        parts_q.append(sign * qq[ok])
    return np.concatenate(parts_g), np.concatenate(parts_d), np.concatenate(parts_q)


def _atp_decide(a, days, q, p, need, r, b_req, b_rep, day_rep, lt_ok):
    """Promise of each line (row of ``a``: its group's ATP by bucket before the line;
    row of ``days``: the first day of each bucket).

    Returns (ATP on the requested day less protection, promised day, quantity taken
    from supply, taken-from-supply flag, bucket of the taking).
    """
    last = a.shape[1] - 1
    at = np.arange(a.shape[0])
    req = a[at, b_req] - p
    # ATP is non-decreasing in time: the first covering bucket is the count of those short.
    b_cov = np.maximum((a < need[:, None]).sum(axis=1), b_req)
    day_cov = np.where(b_cov == b_req, r, days[at, np.minimum(b_cov, last)])
    supply = (b_cov <= last) & (~lt_ok | (day_cov <= day_rep))
    rep = ~supply & lt_ok
    take = np.where(supply, q, np.where(rep, np.clip(a[at, b_rep] - p, 0.0, q), 0.0))
    day = np.where(supply, day_cov, np.where(rep, day_rep, -1))
    b_take = np.where(supply, np.minimum(b_cov, last), b_rep)
    return req, day, take, supply, b_take


def _suffix_min(x: np.ndarray) -> np.ndarray:
    return np.minimum.accumulate(x[..., ::-1], axis=-1)[..., ::-1]


def _atp_one_group(a, days, lines):
    """Promise the lines of one group in order, a batch at a time (speculative).

    Every line of a batch is first decided against the batch's starting ATP; the ATP each
    line really sees follows from those decisions (the ATP after takes c_i from bucket
    b_i is the suffix minimum of A(s) - sum c_i [b_i <= s]); the lines up to the first one
    whose decision changes are exact and kept, that one included. Returns the decisions.
    """
    n = lines[0].size
    out = [np.empty(n), np.empty(n, dtype=np.int64), np.empty(n), np.empty(n, dtype=bool)]
    pos, batch, k = 0, _ATP_BATCH, a.size
    while pos < n:
        s = slice(pos, min(n, pos + batch))
        args = [x[s] for x in lines]
        m = args[0].size
        day_rows = np.broadcast_to(days, (m, k))
        guess = _atp_decide(np.broadcast_to(a, (m, k)), day_rows, *args)
        taken = np.zeros((m, k))
        taken[np.arange(m), guess[4]] = guess[2]
        seen = np.cumsum(np.cumsum(taken, axis=1), axis=0)
        seen = np.vstack((np.zeros((1, k)), seen[:-1]))
        state = _suffix_min(a - seen)
        exact = _atp_decide(state, day_rows, *args)
        same = (exact[1] == guess[1]) & (exact[2] == guess[2]) & (exact[4] == guess[4])
        f = int(np.argmin(same)) if not same.all() else m - 1
        for o, x in zip(out, exact[:4], strict=True):
            o[pos : pos + f + 1] = x[: f + 1]
        cols = np.arange(k)
        a = _suffix_min(state[f] - np.where(cols >= exact[4][f], exact[2][f], 0.0))
        pos += f + 1
    return out


def _atp_promise(
    atp, days, lines, rows, q, r, p, lt, lt_ok, promised, avail_req, from_supply, covered
):
    """Promise ``lines`` in order: the k-th line of every group in one vectorised round,
    and once few groups are left, the rest of each group in speculative batches."""
    n_buckets = atp.shape[1]
    # Rank of each line among the lines of its group, keeping the given order.
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    first = np.searchsorted(sorted_rows, sorted_rows, side="left")
    rank = np.empty(lines.size, dtype=np.int64)
    rank[order] = np.arange(lines.size) - first
    by_rank = np.argsort(rank, kind="stable")
    bounds = np.searchsorted(rank[by_rank], np.arange(rank.max() + 2))
    # Everything that does not depend on earlier promises, in round order.
    li = lines[by_rank]
    row_k, q_k, r_k, p_k = rows[by_rank], q[li], r[li], p[li]
    need_k = (q_k + p_k) * (1 - _REL_TOL)
    lt_ok_k = lt_ok[by_rank]
    day_rep_k = np.maximum(r_k, lt[by_rank])
    # Bucket of a day: the last of the group's event days on or before it.
    b_req_k = (days[row_k] <= r_k[:, None]).sum(axis=1) - 1
    b_rep_k = (days[row_k] <= day_rep_k[:, None]).sum(axis=1) - 1
    static = (q_k, p_k, need_k, r_k, b_req_k, b_rep_k, day_rep_k, lt_ok_k)
    req_k = np.empty(li.size)
    day_k = np.empty(li.size, dtype=np.int64)
    take_k = np.empty(li.size)
    supply_k = np.empty(li.size, dtype=bool)
    cols = np.arange(n_buckets)
    for k in range(rank.max() + 1):
        s = slice(bounds[k], bounds[k + 1])
        if bounds[k + 1] - bounds[k] <= _ATP_TAIL_GROUPS:
            # Few groups left: finish each of them in batches.
            rest = np.arange(bounds[k], li.size)
            rest = rest[np.argsort(row_k[rest], kind="stable")]
            cut = np.flatnonzero(np.diff(row_k[rest])) + 1
            for part in np.split(rest, cut):
                row0 = row_k[part[0]]
                got = _atp_one_group(atp[row0], days[row0], [x[part] for x in static])
                req_k[part], day_k[part], take_k[part], supply_k[part] = got
            break
        row = row_k[s]
        a = atp[row]
        req, day, take, supply, b_take = _atp_decide(a, days[row], *[x[s] for x in static])
        req_k[s], day_k[s], take_k[s], supply_k[s] = req, day, take, supply
        at_take = a[np.arange(row.size), b_take] - take
        atp[row] = np.where(
            cols >= b_take[:, None], a - take[:, None], np.minimum(a, at_take[:, None])
        )
    promised[li] = day_k
    from_supply[li] = take_k
    covered[li] = supply_k
    avail_req[li] = np.maximum(req_k, 0.0)


def _level_codes(prio: np.ndarray) -> np.ndarray:
    """Integer codes ordered as ``prio`` (equal priorities, equal codes).

    Whole-number priorities in a range not much wider than their count are used as they
    are (shifted to start at 0), which saves a sort; otherwise dense ranks.
    """
    if prio.size and np.all(np.isfinite(prio)):
        lo, hi = prio.min(), prio.max()
        if hi - lo <= 4 * prio.size + 64 and np.all(prio == np.floor(prio)):
            return (prio - lo).astype(np.int64)
    return np.unique(prio, return_inverse=True)[1].reshape(-1)


def _first_fit(space: np.ndarray, capacity: float) -> np.ndarray:
    """Take items in the given order while they fit, skipping those that no longer fit.

    Each pass takes the longest prefix that fits (one cumulative sum), then jumps to the
    next item small enough for what is left, so the loop runs once per skipped run of items.
    """
    chosen = np.zeros(space.size, dtype=bool)
    left = capacity * (1 + _REL_TOL)
    start = 0
    while start < space.size and left > 0:
        cum = np.cumsum(space[start:])
        k = int(np.searchsorted(cum, left, side="right"))
        chosen[start : start + k] = True
        if k:
            left -= cum[k - 1]
        start += k
        fits = np.flatnonzero(space[start:] <= left)
        if fits.size == 0:
            break
        start += int(fits[0])
    return chosen


#: Largest shifts x days table searched when staggering cycle-count classes.
_STAGGER_CELLS = 4_000_000
#: Largest group code aggregated when the number of groups is not given.
_MAX_GROUPS = 10_000_000


def _group_codes(group, n: int, n_groups: int | None) -> tuple[np.ndarray, np.ndarray, int]:
    """Codes, validity and number of groups for aggregation; invalid codes are left out."""
    arr = as_float_array(group, "group", n)
    limit = _MAX_GROUPS if n_groups is None else max(int(n_groups), 0)
    ok = np.isfinite(arr) & (arr >= 0) & (arr < limit) & (arr == np.floor(arr))
    codes = np.where(ok, arr, 0).astype(np.int64)
    if n_groups is None:
        size = int(codes[ok].max()) + 1 if ok.any() else 0
    else:
        size = limit
    return codes, ok, size


# ============================================================================ customer tiers
def customer_cumulative_share(
    revenue,
    margin=None,
    *,
    measure: str = "revenue",
    before: bool = False,
) -> np.ndarray:
    """Cumulative share of the measure per customer on the Pareto curve.

    Customers are ranked by the measure (``revenue`` or ``margin``), largest first, ties
    broken by input position. With :math:`m_{(1)} \\ge m_{(2)} \\ge \\dots` the positive
    values in rank order and :math:`M = \\sum_j \\max(m_j, 0)`, the cumulative share of the
    customer at rank i is

    .. math:: C_i = \\frac{1}{M} \\sum_{j \\le i} m_{(j)}

    (``before=True``: :math:`\\sum_{j < i}`, the share of the customers ranked above it,
    which is what :func:`classify_customers` compares with the cuts). Source: the Pareto
    (ABC) analysis applied to customers, Silver, Pyke & Peterson, *Inventory Management and
    Production Planning and Scheduling*, 3rd ed. (1998), section 3.6 "The A-B-C
    classification"; customer ABC by sales or profit contribution.

    Parameters
    ----------
    revenue : array-like, shape (n,)
        12-month revenue per customer (currency).
    margin : array-like, shape (n,), optional
        12-month gross margin per customer (currency); required when
        ``measure="margin"``.
    measure : {"revenue", "margin"}
    before : bool
        Return the share of the customers ranked strictly above (default: including the
        customer itself).

    Returns
    -------
    ndarray of float, shape (n,), in [0, 1]. Customers with a non-positive or NaN measure
    get 1.0 (they sit at the end of the curve); all zero -> all 1.0.
    """
    v = _measure(revenue, margin, measure)
    before_share, share, _ = _pareto(v)
    return before_share if before else np.minimum(before_share + share, 1.0)


def classify_customers(
    revenue,
    margin=None,
    *,
    measure: str = "revenue",
    cuts: Sequence[float] = (0.50, 0.80, 0.95),
    current=None,
    tolerance: float = 0.0,
) -> np.ndarray:
    """Customer tier by Pareto analysis of revenue or margin, with a hysteresis band.

    With :math:`B_i` the cumulative share *before* the customer (see
    :func:`customer_cumulative_share` with ``before=True``) and ``cuts``
    :math:`c_0 < c_1 < \\dots < c_{K-1}`, the proposed tier is the number of cuts
    :math:`c_k \\le B_i`: tier 0 (Strategic) while :math:`B_i < c_0`, tier 1 (Key) while
    :math:`B_i < c_1`, tier 2 (Standard) while :math:`B_i < c_2`, tier K (Spot) otherwise.
    Comparing the share before the customer puts the customer that crosses a cut in the
    higher tier, so the largest customer is always tier 0 (same convention as
    :func:`invplan.classify.classify_abc`; Silver, Pyke & Peterson 1998, section 3.6).
    Customers with a non-positive or NaN measure are always tier K.

    Hysteresis (to avoid customers flapping between tiers at each nightly run): with the
    ``current`` tier k of a customer, valid in ``0..K``, the customer keeps tier k while

    .. math:: c_{k-1} - \\tau \\le B_i < c_k + \\tau

    (:math:`c_{-1} = 0`, :math:`c_K = +\\infty`, :math:`\\tau` = ``tolerance``, a share);
    outside that band it takes the proposed tier. ``tolerance=0`` gives the plain proposal.

    Parameters
    ----------
    revenue, margin : array-like, shape (n,)
        12-month revenue and gross margin per customer (currency).
    measure : {"revenue", "margin"}
    cuts : increasing shares in (0, 1]
        Default (0.50, 0.80, 0.95): four tiers.
    current : array-like of int, shape (n,), optional
        Current tier per customer; negative, NaN or > K means "no tier yet".
    tolerance : float
        Hysteresis band as a share of the measure (e.g. 0.02); NaN / negative -> 0.

    Returns
    -------
    ndarray of int64, shape (n,), values in ``0..len(cuts)``.

    Examples
    --------
    >>> classify_customers([60, 25, 10, 5, 0]).tolist()
    [0, 1, 2, 3, 3]
    """
    c = _check_cuts(cuts)
    v = _measure(revenue, margin, measure)
    n = v.size
    before_share, _, positive = _pareto(v)
    last = c.size
    proposed = np.searchsorted(c, before_share, side="right").astype(np.int64)
    proposed[~positive] = last
    if current is None:
        return proposed
    cur = as_float_array(current, "current", n)
    has = np.isfinite(cur) & (cur >= 0) & (cur <= last) & (cur == np.floor(cur))
    k = np.where(has, cur, 0).astype(np.int64)
    tol = _scalar(tolerance, "tolerance")
    lo = np.concatenate(([0.0], c))[k] - tol
    hi = np.concatenate((c, [np.inf]))[k] + tol
    keep = has & positive & (before_share >= lo) & (before_share < hi)
    return np.where(keep, k, proposed)


def reservation_rank(tier_rank, segment_rank=None, requested_day=None) -> np.ndarray:
    """Dense reservation rank from customer tier, product segment and requested date.

    Lines are ordered lexicographically by customer tier rank (0 = Strategic first), then
    product segment rank (0 = most important segment first), then requested day (earliest
    first); equal keys share a rank. The result is a dense integer code (0 = served first)
    usable as ``priority`` in :func:`allocate_shortage` and as the order of lines in
    :func:`available_to_promise`. Source: priority (customer class) rationing with
    first-come-first-served inside a class, Vollmann, Berry, Whybark & Jacobs,
    *Manufacturing Planning and Control for Supply Chain Management*, 5th ed. (2005),
    ch. 3 "Demand management" (allocation of scarce supply to customer segments).

    Parameters
    ----------
    tier_rank : array-like, shape (n,)
        Tier rank per line; NaN / negative (no tier) sorts after every tier.
    segment_rank : array-like, shape (n,), optional
        Segment rank per line; NaN (no segment) sorts last within the tier.
    requested_day : array-like, shape (n,), optional
        Requested day per line; NaN sorts last within tier and segment.

    Returns
    -------
    ndarray of int64, shape (n,).
    """
    tier = as_float_array(tier_rank, "tier_rank")
    n = tier.size
    keys = [np.where(np.isfinite(tier) & (tier >= 0), tier, np.inf)]
    for value, name in ((segment_rank, "segment_rank"), (requested_day, "requested_day")):
        if value is None:
            keys.append(np.zeros(n))
        else:
            arr = as_float_array(value, name, n)
            keys.append(np.where(np.isnan(arr), np.inf, arr))
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort(keys[::-1])
    stacked = np.column_stack(keys)[order]
    new = np.ones(n, dtype=bool)
    new[1:] = np.any(stacked[1:] != stacked[:-1], axis=1)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.cumsum(new) - 1
    return rank


# ============================================================================ rationing
def critical_level(
    demand_mean,
    demand_std,
    lead_time_days,
    service,
    *,
    safety_stock=None,
) -> np.ndarray:
    """Critical level: stock kept back for the tiers allowed to use protected stock.

    A critical-level (stock rationing) policy serves every demand class while stock on hand
    is above the critical level :math:`c`, and only the protected (high-priority) classes
    once it falls to :math:`c` or below (Veinott 1965; Nahmias & Demmy 1981, "Operating
    characteristics of an inventory system with rationing", *Management Science* 27(11);
    Dekker, Hill & Kleijn 1998, "On the (S-1, S) lost sales inventory model with priority
    demand classes", *Naval Research Logistics* 45(2)). Teunter & Klein Haneveld (2008),
    "Dynamic inventory rationing strategies for inventory systems with two demand classes,
    Poisson demand and backordering", *EJOR* 190(1), show that the right critical level is
    the stock needed for the protected classes over the time until the next replenishment
    arrives.

    Implemented (a static critical level, the lead-time form with a normal approximation,
    not the exact optimum of those papers): protected-class demand per day has mean
    :math:`\\mu` and standard deviation :math:`\\sigma`, independent across days, so over
    the replenishment lead time :math:`L` (the longest time until the next arrival) it is
    approximately normal with mean :math:`\\mu L` and deviation :math:`\\sigma\\sqrt{L}`.
    The critical level is its quantile at the protected tiers' service target :math:`\\alpha`

    .. math:: c = \\max\\left(0,\\ \\mu L + z_\\alpha\\, \\sigma \\sqrt{L}\\right),
              \\qquad z_\\alpha = \\Phi^{-1}(\\alpha)

    i.e. the stock that covers protected demand until the next receipt with probability
    :math:`\\alpha`, then capped at the plan's safety stock when given:
    :math:`c = \\min(c, \\max(SS, 0))`, so rationing never holds back more than the plan
    buffers against.

    Parameters
    ----------
    demand_mean : array-like, shape (n,)
        Mean demand per day of the protected tiers (units/day).
    demand_std : array-like, shape (n,)
        Standard deviation of that daily demand (units/day).
    lead_time_days : array-like, shape (n,)
        Replenishment lead time (days).
    service : array-like, shape (n,)
        Service target of the protected tiers (probability, e.g. 0.98); values >= 1 are
        taken as 0.9999.
    safety_stock : array-like, shape (n,), optional
        The plan's safety stock (units); NaN means no cap for that row.

    Returns
    -------
    ndarray of float, shape (n,), >= 0 (units). A row with NaN, zero or negative mean,
    lead time or service gets 0 (nothing protected); a NaN or negative deviation counts
    as 0.

    Examples
    --------
    Mean 4/day, deviation 2/day, lead time 9 days, service 0.95:
    :math:`c = 36 + 1.6449 \\times 2 \\times 3 = 45.87`.
    """
    n = broadcast_size(demand_mean, demand_std, lead_time_days, service, safety_stock)
    mu = as_float_array(demand_mean, "demand_mean", n)
    sigma = _clean(demand_std, "demand_std", n)
    lt = as_float_array(lead_time_days, "lead_time_days", n)
    alpha = as_float_array(service, "service", n)
    ok = np.isfinite(mu) & (mu > 0) & np.isfinite(lt) & (lt > 0)
    ok &= np.isfinite(alpha) & (alpha > 0)
    alpha = np.clip(np.where(ok, alpha, 0.5), 0.0, SERVICE_CAP)
    mu = np.where(ok, mu, 0.0)
    lt = np.where(ok, lt, 0.0)
    z = stats.norm.ppf(alpha)
    with np.errstate(all="ignore"):
        level = np.maximum(mu * lt + z * sigma * np.sqrt(lt), 0.0)
        if safety_stock is not None:
            ss = as_float_array(safety_stock, "safety_stock", n)
            cap = np.where(np.isnan(ss), np.inf, np.maximum(ss, 0.0))
            level = np.minimum(level, cap)
    return np.where(ok & np.isfinite(level), level, 0.0)


# ============================================================================ allocation
def allocate_shortage(
    group,
    demand,
    priority,
    available,
    *,
    may_use_protected=None,
    protected=None,
    min_line_fill: float = 0.0,
    allow_partial: bool = True,
    sequence=None,
    pass_down: bool = False,
) -> np.ndarray:
    """Allocate scarce stock to open lines: strict priority, fair share within a level.

    Lines (one per open move) belong to groups (product x warehouse). In each group the
    lines are served level by level, lowest ``priority`` first (strict priority: a level
    is served only from what the levels before it left). Within a level, the lines allowed
    to use protected stock form a first sub-level and the others a second one. A sub-level
    whose demand :math:`D` fits the usable stock :math:`u` is served in full; otherwise it
    is rationed by fair share, every line getting the same fill fraction
    :math:`f = u / D`, i.e. :math:`a_i = d_i\\,u / D` (proportional / fair-share
    allocation of a shortage, APICS Dictionary, 16th ed. (2019), "fair-share quantity
    logic" and "allocation"; Vollmann et al., *Manufacturing Planning and Control for Supply
    Chain Management*, 5th ed. (2005), ch. on distribution requirements planning,
    allocation of scarce stock in proportion to requirements).

    Minimum line fill :math:`m` (``min_line_fill``): a line must not be filled below
    :math:`m`. Since all lines of a rationed sub-level share the same fill, lines are
    dropped from the end of the ``sequence`` order (last requested first) and their share
    redistributed to the others, keeping the longest prefix in ``sequence`` order whose
    cumulative demand :math:`D_k` satisfies :math:`u / D_k \\ge m`; the kept lines get
    :math:`d_i \\min(1, u / D_k)`. ``allow_partial=False`` (whole lines only) is the same
    rule with :math:`m = 1`: lines are served whole in ``sequence`` order until the next
    one does not fit.

    Protected stock (critical-level rationing, see :func:`critical_level`): with
    :math:`R` the group's remaining stock and :math:`c` its ``protected`` quantity, lines
    allowed to use protected stock may use :math:`R`, the others only
    :math:`\\max(R - c, 0)`: stock below the critical level serves allowed lines only.

    Stock a rationed sub-level leaves unused (minimum fill, whole lines) is held back from
    later levels (strict priority) unless ``pass_down=True``.

    Parameters
    ----------
    group : array-like of int, shape (n,)
        Group code per line, ``0 <= group < len(available)``; a line with an invalid code
        gets 0.
    demand : array-like, shape (n,)
        Open quantity per line (units); NaN / negative -> 0.
    priority : array-like, shape (n,)
        Priority per line, lower served first (e.g. :func:`reservation_rank`); NaN last.
    available : array-like, shape (G,)
        Available stock per group (units); NaN / negative -> 0.
    may_use_protected : array-like of bool, shape (n,), optional
        Default all True.
    protected : array-like, shape (G,), optional
        Protected quantity per group (units); default 0; NaN / negative -> 0.
    min_line_fill : float in [0, 1]
        Minimum fill fraction of a partially served line.
    allow_partial : bool
        False: whole lines only.
    sequence : array-like, shape (n,), optional
        Order within a level for the minimum-fill and whole-line rules (lower first,
        e.g. the order date); default input position.
    pass_down : bool
        Let later levels use stock a rationed level left unused.

    Returns
    -------
    ndarray of float, shape (n,): allocated quantity per line, ``0 <= a_i <= d_i`` and per
    group :math:`\\sum a_i \\le` available.

    Examples
    --------
    Available 10, lines (priority, demand) = (0, 4), (1, 6), (1, 12): the first gets 4;
    the level-1 lines share 6 in proportion 6:12, getting 2 and 4.
    """
    avail = _clean(available, "available")
    n_groups = avail.size
    n = np.size(group)
    g, valid = _codes(group, "group", n, n_groups)
    d = _clean(demand, "demand", n)
    prio = as_float_array(priority, "priority", n)
    prio = np.where(np.isnan(prio), np.inf, prio)
    allowed = _flags(may_use_protected, "may_use_protected", n)
    prot = np.zeros(n_groups) if protected is None else _clean(protected, "protected", n_groups)
    seq = np.arange(n, dtype=float) if sequence is None else as_float_array(sequence, "sequence", n)
    seq = np.where(np.isnan(seq), np.inf, seq)
    m = 1.0 if not allow_partial else _scalar(min_line_fill, "min_line_fill", hi=1.0)

    alloc = np.zeros(n)
    lines = np.flatnonzero(valid & (d > 0))
    if lines.size == 0:
        return alloc
    # Sub-level (priority, then allowed before not allowed), group, sequence, position:
    # a stable sort by sequence, then a stable sort by one integer key of the rest.
    if sequence is not None and np.any(np.diff(seq[lines]) < 0):
        lines = lines[np.argsort(seq[lines], kind="stable")]
    level = _level_codes(prio[lines])
    key = (level * 2 + ~allowed[lines]) * np.int64(n_groups) + g[lines]
    order = lines[np.argsort(key, kind="stable")]
    p_s, b_s, g_s, d_s = prio[order], ~allowed[order], g[order], d[order]
    level_start = np.ones(order.size, dtype=bool)
    level_start[1:] = (p_s[1:] != p_s[:-1]) | (b_s[1:] != b_s[:-1])
    seg_start = level_start.copy()
    seg_start[1:] |= g_s[1:] != g_s[:-1]
    seg_id = np.cumsum(seg_start) - 1
    # Cumulative demand within each (sub-level, group) segment, exact per segment.
    cum_d = pd.Series(d_s).groupby(seg_id).cumsum().to_numpy()
    starts = np.flatnonzero(seg_start)
    ends = np.append(starts[1:], order.size)
    seg_total = np.add.reduceat(d_s, starts)
    seg_group = g_s[starts]
    seg_blocked = b_s[starts]
    level_bounds = np.append(np.flatnonzero(level_start[starts]), starts.size)

    remaining = avail.copy()
    held = np.zeros(n_groups)
    seg_fill = np.ones(starts.size)
    seg_limit = np.full(starts.size, np.inf)
    for lo, hi in zip(level_bounds[:-1], level_bounds[1:], strict=True):
        sg = seg_group[lo:hi]
        usable = remaining[sg] - held[sg]
        if seg_blocked[lo]:
            usable = usable - prot[sg]
        usable = np.maximum(usable, 0.0)
        total = seg_total[lo:hi]
        short = total > usable * (1 + _REL_TOL)
        if not short.any():
            remaining[sg] -= total
            continue
        kept_total = total
        if m > 0:
            limit = np.where(short, usable / m, np.inf)
            limit = limit * (1 + _REL_TOL)
            seg_limit[lo:hi] = limit
            first, last = starts[lo], ends[hi - 1]
            kept = cum_d[first:last] <= limit[seg_id[first:last] - lo]
            kept_total = np.add.reduceat(
                np.where(kept, d_s[first:last], 0.0), starts[lo:hi] - first
            )
        whole = kept_total <= usable * (1 + _REL_TOL)
        fill = np.where(whole, 1.0, usable / np.where(whole, 1.0, kept_total))
        seg_fill[lo:hi] = np.where(short, fill, 1.0)
        used = np.where(short, np.minimum(usable, kept_total), total)
        remaining[sg] = np.maximum(remaining[sg] - used, 0.0)
        if not pass_down:
            held[sg] += np.where(short, usable - used, 0.0)
    line_seg = seg_id
    alloc[order] = np.where(cum_d <= seg_limit[line_seg], d_s * seg_fill[line_seg], 0.0)
    return alloc


# ============================================================================ promising
class ATPResult(NamedTuple):
    """Result of :func:`available_to_promise` (one value per line)."""

    #: Promised day (int64, offset from today); -1 when neither supply nor a lead time
    #: can cover the line.
    promised_day: np.ndarray
    #: Quantity this line could be promised on its requested day (float, >= 0), before
    #: it consumed anything.
    available_on_requested_day: np.ndarray
    #: Part of the line promised from on-hand and scheduled receipts (float); the rest
    #: comes from new replenishment.
    from_supply: np.ndarray
    #: True when the whole line is covered by on-hand and scheduled receipts.
    covered: np.ndarray


def available_to_promise(
    on_hand,
    line_group,
    line_qty,
    line_day,
    *,
    receipt_group=None,
    receipt_day=None,
    receipt_qty=None,
    committed_group=None,
    committed_day=None,
    committed_qty=None,
    may_use_protected=None,
    protected=None,
    lead_time_days=None,
) -> ATPResult:
    """Tier-aware time-phased cumulative available-to-promise with look-ahead.

    Per group g, the net cumulative position on day t is

    .. math:: N_g(t) = OH_g + \\sum_{s \\le t} R_g(s) - \\sum_{s \\le t} C_g(s)

    (on hand, scheduled receipts, committed demand: reservations and lines already
    promised). The cumulative ATP with look-ahead is the least future position,

    .. math:: A_g(t) = \\min_{s \\ge t} N_g(s),

    so a promise on day t never takes stock a later commitment needs (APICS cumulative ATP
    with look-ahead: Vollmann, Berry, Whybark & Jacobs, *Manufacturing Planning and Control
    for Supply Chain Management*, 5th ed. (2005), ch. 3 "Demand management", available to
    promise; APICS Dictionary, 16th ed. (2019), "cumulative available-to-promise").

    Lines are promised one after the other in the order given (give them in priority order,
    e.g. by :func:`reservation_rank`). For a line of quantity q requested on day r, with
    :math:`p = c_g` (the group's ``protected`` quantity) when the line may not use protected
    stock and :math:`p = 0` otherwise:

    * covered from supply: the first day :math:`t \\ge r` with :math:`A_g(t) - p \\ge q`;
    * otherwise (or if earlier) from replenishment: day :math:`t_0 = \\max(r, L_g)`
      (today plus the group's replenishment lead time :math:`L_g`), taking the part
      :math:`\\min(q, \\max(A_g(t_0) - p, 0))` from supply and the rest from new
      replenishment;

    the promised day is the earlier of the two (ties: from supply). The quantity taken from
    supply is committed on the promised day (:math:`N_g(s)` falls by it for
    :math:`s \\ge` that day) before the next line is promised.

    Parameters
    ----------
    on_hand : array-like, shape (G,)
        On hand per group today (units). NaN -> 0; negative stock is kept (it lowers ATP).
    line_group : array-like of int, shape (n,)
        Group code per line to promise; invalid code -> promised day -1.
    line_qty : array-like, shape (n,)
        Quantity per line (units); NaN / negative -> 0 (promised on the requested day).
    line_day : array-like, shape (n,)
        Requested day per line (offset from today); NaN / negative -> 0.
    receipt_group, receipt_day, receipt_qty : array-like, shape (m,), optional
        Scheduled receipts; overdue (negative day) -> day 0; NaN day, NaN / negative
        quantity or invalid group -> ignored.
    committed_group, committed_day, committed_qty : array-like, shape (k,), optional
        Committed demand (reservations, promised lines); negative / NaN day -> day 0
        (conservative); NaN / negative quantity or invalid group -> ignored.
    may_use_protected : array-like of bool, shape (n,), optional
        Default all True.
    protected : array-like, shape (G,), optional
        Protected quantity per group (e.g. :func:`critical_level`); NaN / negative -> 0.
    lead_time_days : array-like, shape (G,), optional
        Replenishment lead time per group (days, rounded up); NaN / negative / missing -> no
        replenishment promise (a line supply cannot cover gets -1).

    Returns
    -------
    ATPResult (promised_day, available_on_requested_day, from_supply, covered).
    """
    oh = as_float_array(on_hand, "on_hand")
    oh = np.where(np.isfinite(oh), oh, 0.0)
    n_groups = oh.size
    n = np.size(line_group)
    g, valid = _codes(line_group, "line_group", n, n_groups)
    q = _clean(line_qty, "line_qty", n)
    r = _days(line_day, "line_day", n)
    allowed = _flags(may_use_protected, "may_use_protected", n)
    prot = np.zeros(n_groups) if protected is None else _clean(protected, "protected", n_groups)
    p = np.where(allowed, 0.0, prot[g])
    if lead_time_days is None:
        lt_ok = np.zeros(n_groups, dtype=bool)
        lt = np.zeros(n_groups, dtype=np.int64)
    else:
        lt_f = as_float_array(lead_time_days, "lead_time_days", n_groups)
        lt_ok = (np.isfinite(lt_f) | (lt_f == np.inf)) & (lt_f >= 0)
        lt = np.where(lt_ok, np.ceil(np.clip(lt_f, 0, MAX_DAY)), 0).astype(np.int64)

    ev_g, ev_day, ev_qty = _atp_events(
        n_groups,
        receipt_group,
        receipt_day,
        receipt_qty,
        committed_group,
        committed_day,
        committed_qty,
    )
    promised = np.full(n, -1, dtype=np.int64)
    avail_req = np.zeros(n)
    from_supply = np.zeros(n)
    covered = np.zeros(n, dtype=bool)

    zero = valid & (q <= 0)
    promised[zero] = r[zero]
    covered[zero] = True
    work = np.flatnonzero(valid & (q > 0))
    if work.size == 0:
        return ATPResult(promised, avail_req, from_supply, covered)
    # Only groups with lines to promise are tracked; each on its own event days (day 0
    # first, then the days of its receipts and commitments, padded with a day after all).
    work_groups = np.unique(g[work])
    local = np.full(n_groups, -1, dtype=np.int64)
    local[work_groups] = np.arange(work_groups.size)
    keep = local[ev_g] >= 0
    ev_row, ev_day, ev_qty = local[ev_g[keep]], ev_day[keep], ev_qty[keep]
    span = np.int64(_PAD_DAY + 1)
    keys = np.unique(np.concatenate((np.arange(work_groups.size) * span, ev_row * span + ev_day)))
    key_row = keys // span
    key_col = np.arange(keys.size) - np.searchsorted(key_row, key_row)
    width = int(key_col.max()) + 1
    days = np.full((work_groups.size, width), _PAD_DAY, dtype=np.int64)
    days[key_row, key_col] = keys % span
    ev_col = key_col[np.searchsorted(keys, ev_row * span + ev_day)]
    line_row = local[g[work]]
    # In chunks of groups bounding the memory used.
    chunk = max(1, _ATP_CELLS // width)
    for c0 in range(0, work_groups.size, chunk):
        c1 = min(c0 + chunk, work_groups.size)
        delta = np.zeros((c1 - c0, width))
        sel = (ev_row >= c0) & (ev_row < c1)
        np.add.at(delta, (ev_row[sel] - c0, ev_col[sel]), ev_qty[sel])
        atp = _suffix_min(oh[work_groups[c0:c1]][:, None] + np.cumsum(delta, axis=1))
        in_chunk = (line_row >= c0) & (line_row < c1)
        lines = work[in_chunk]
        _atp_promise(
            atp,
            days[c0:c1],
            lines,
            line_row[in_chunk] - c0,
            q,
            r,
            p,
            lt[g[lines]],
            lt_ok[g[lines]],
            promised,
            avail_req,
            from_supply,
            covered,
        )
    return ATPResult(promised, avail_req, from_supply, covered)


# ============================================================================ slotting
def pick_velocity_class(picks, *, cuts: Sequence[float] = (0.80, 0.95)) -> np.ndarray:
    """Velocity ABC on pick lines: 'A', 'B' or 'C' per product (or product x location).

    Products are ranked by number of pick lines (hits) in the period, largest first; a
    product is A while the cumulative share of pick lines before it is below ``cuts[0]``,
    B below ``cuts[1]``, C otherwise (the Pareto rule of
    :func:`invplan.classify.classify_abc` applied to pick frequency, the "popularity"
    measure of Frazelle, *World-Class Warehousing and Material Handling* (2002), ch. 3
    "Warehouse activity profiling", pick-line (order-line) ABC).

    Parameters
    ----------
    picks : array-like, shape (n,)
        Pick lines per product in the period; NaN / non-positive -> 'C'.
    cuts : (a, b)
        Cumulative share cutoffs, ``0 < a <= b <= 1``.

    Returns
    -------
    ndarray of str (object), shape (n,).
    """
    h = as_float_array(picks, "picks")
    if h.size == 0:
        return np.zeros(0, dtype=object)
    return classify_abc(h, cutoffs=cuts)["abc"].to_numpy(dtype=object)


class SlottingPlan(NamedTuple):
    """Result of :func:`slotting_plan` (one value per product)."""

    #: 'forward' or 'reserve' (object array).
    zone: np.ndarray
    #: 1 = lowest cube-per-order index (first candidate for forward space); int64.
    rank: np.ndarray
    #: Cube-per-order index (volume per pick); +inf for products without picks.
    coi: np.ndarray
    #: Forward volume the product needs (volume units).
    space: np.ndarray


def slotting_plan(
    picks,
    unit_volume,
    forward_capacity: float,
    *,
    forward_qty=None,
    current_forward=None,
    min_gain: float = 0.0,
) -> SlottingPlan:
    """Forward (golden-zone) versus reserve slotting by cube-per-order index (COI).

    The cube-per-order index of product i is the storage space it needs over its picks per
    period,

    .. math:: COI_i = \\frac{s_i}{h_i}, \\qquad s_i = v_i\\, q_i

    (:math:`v_i` unit volume, :math:`q_i` units held in the forward slot, :math:`h_i` pick
    lines). Products with the lowest COI are given the locations closest to the pick
    front: Heskett (1963), "Cube-per-order index - a key to warehouse stock location",
    *Transportation and Distribution Management* 3; Kallina & Lynn (1976), "Application of
    the cube-per-order index rule for stock location in a distribution warehouse",
    *Interfaces* 7(1) (optimal for single-command travel with dedicated storage); Frazelle,
    *World-Class Warehousing and Material Handling* (2002), ch. 7 "Slotting".

    Forward space: products are taken in increasing COI order and each goes forward if its
    space still fits the remaining ``forward_capacity`` (a product that does not fit is
    skipped, the next ones may still fit). Products without picks stay in reserve.

    Hysteresis: products in ``current_forward`` have their COI divided by
    :math:`1 + g` (``min_gain``), so a newcomer displaces an incumbent only when its COI is
    lower by more than that factor (avoids re-slotting for marginal gains).

    Parameters
    ----------
    picks : array-like, shape (n,)
        Pick lines per product in the period; NaN / negative -> 0.
    unit_volume : array-like, shape (n,)
        Volume of one unit; NaN / non-positive (unknown) -> 1.0.
    forward_capacity : float
        Total forward volume (same unit as ``unit_volume``); NaN / negative -> 0;
        +inf: unlimited.
    forward_qty : array-like, shape (n,), optional
        Units held in the forward slot (e.g. a week of demand); default 1; NaN / values
        below 1 -> 1.
    current_forward : array-like of bool, shape (n,), optional
    min_gain : float
        Relative COI advantage a newcomer needs over an incumbent; NaN / negative -> 0.

    Returns
    -------
    SlottingPlan (zone, rank, coi, space).
    """
    h = _clean(picks, "picks")
    n = h.size
    vol = _clean(unit_volume, "unit_volume", n, fill=1.0, lower=None)
    vol = np.where(vol > 0, vol, 1.0)
    qty = np.ones(n) if forward_qty is None else _clean(forward_qty, "forward_qty", n, fill=1.0)
    qty = np.maximum(qty, 1.0)
    # +inf is an unlimited forward area; NaN / negative none.
    cap = _scalar(forward_capacity, "forward_capacity", default=np.inf)
    cap = 0.0 if np.isnan(float(forward_capacity)) or float(forward_capacity) < 0 else cap
    gain = _scalar(min_gain, "min_gain")
    incumbent = _flags(current_forward, "current_forward", n, default=False)
    with np.errstate(all="ignore"):
        space = vol * qty
        coi = np.where(h > 0, space / np.where(h > 0, h, 1.0), np.inf)
        score = np.where(incumbent, coi / (1.0 + gain), coi)
    space = np.where(np.isfinite(space), space, np.inf)
    order = np.lexsort((np.arange(n), score))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(1, n + 1)
    cand = order[h[order] > 0]
    chosen = _first_fit(space[cand], cap)
    zone = np.full(n, "reserve", dtype=object)
    zone[cand[chosen]] = "forward"
    return SlottingPlan(zone, rank, coi, space)


def slotting_locations(
    picks,
    unit_volume,
    location_capacity,
    *,
    forward_qty=None,
    current_forward=None,
    min_gain: float = 0.0,
) -> np.ndarray:
    """Forward location per product: the closest locations get the lowest COI products.

    The cube-per-order index rule (Heskett 1963; Kallina & Lynn 1976; see
    :func:`slotting_plan`) assigns the products with the lowest COI to the locations
    nearest the pick front. Locations are given nearest first, each with its capacity (a
    volume, e.g. from its storage category); they are filled one after the other, each
    with the remaining products in increasing COI order that still fit (a product that
    does not fit is skipped for that location and may go to a later one). Products without
    picks, or that fit nowhere, stay in reserve (-1). With a single location this is
    exactly the ``zone`` of :func:`slotting_plan`.

    Parameters
    ----------
    picks, unit_volume, forward_qty, current_forward, min_gain
        As in :func:`slotting_plan`.
    location_capacity : array-like, shape (L,)
        Capacity of each forward location, nearest first; NaN / negative -> 0.

    Returns
    -------
    ndarray of int64, shape (n,): index into ``location_capacity``, or -1 (reserve).
    """
    caps = _clean(location_capacity, "location_capacity")
    plan = slotting_plan(
        picks,
        unit_volume,
        0.0,
        forward_qty=forward_qty,
        current_forward=current_forward,
        min_gain=min_gain,
    )
    where = np.full(plan.rank.size, -1, dtype=np.int64)
    h = _clean(picks, "picks", plan.rank.size)
    order = np.argsort(plan.rank)
    left = order[h[order] > 0]
    for loc, cap in enumerate(caps):
        if left.size == 0:
            break
        chosen = _first_fit(plan.space[left], cap)
        where[left[chosen]] = loc
        left = left[~chosen]
    return where


def slotting_travel(
    picks,
    forward,
    *,
    forward_distance: float = 10.0,
    reserve_distance: float = 40.0,
) -> float:
    """Pick travel of a slotting: one round trip from the pick-and-drop point per pick line.

    .. math:: T = \\sum_i 2\\, h_i\\, d_{z(i)}

    with :math:`h_i` pick lines of product i and :math:`d_z` the one-way distance to its
    zone (forward or reserve). This is the single-command (one pick per trip) travel model
    under which the COI rule is optimal (Kallina & Lynn 1976; Francis, McGinnis & White,
    *Facility Layout and Location: An Analytical Approach*, 2nd ed. (1992), dedicated
    storage). The estimated saving of a new slotting is
    ``1 - slotting_travel(h, new) / slotting_travel(h, old)``. With several lines per
    trip (multi-command picking) COI slotting is not optimal and can be far from it
    (Schuur 2015, "The worst-case performance of the Cube per Order Index slotting
    strategy is infinitely bad", *Int. J. Production Economics* 170): the saving is then
    an indication only.

    Parameters
    ----------
    picks : array-like, shape (n,)
        Pick lines per product; NaN / negative -> 0.
    forward : array-like of bool, shape (n,)
        True when the product is in the forward zone.
    forward_distance, reserve_distance : float
        One-way distance to each zone (metres); NaN / negative -> 0.

    Returns
    -------
    float: total travel distance (metres) for the period.
    """
    h = _clean(picks, "picks")
    fwd = _flags(forward, "forward", h.size, default=False)
    d_f = _scalar(forward_distance, "forward_distance")
    d_r = _scalar(reserve_distance, "reserve_distance")
    return float(np.sum(2.0 * h * np.where(fwd, d_f, d_r)))


# ============================================================================ cycle counts
class CountSchedule(NamedTuple):
    """Result of :func:`cycle_count_schedule` (one value per item)."""

    #: Working-day index of the next count (int64, >= ``start_day``); -1 when never
    #: counted (no valid frequency).
    next_day: np.ndarray
    #: Interval between counts in whole working days (int64); 0 when never counted.
    interval: np.ndarray


def cycle_count_schedule(
    count_per_year,
    working_days: int = 250,
    *,
    start_day: int = 0,
    last_counted_days_ago=None,
) -> CountSchedule:
    """ABC cycle counting: counts per segment frequency spread evenly over working days.

    Item i is counted :math:`f_i` times a year (e.g. A 12, B 4, C 1), i.e. every
    :math:`T_i = \\mathrm{round}(W / f_i)` working days (:math:`W` = ``working_days``;
    whole days, as Odoo stores a cyclic count frequency in days; at least 1, at most W,
    halves rounded to even). The :math:`m` items sharing an interval :math:`T` are given
    evenly spaced phases: the j-th of them (j = 0..m-1) is counted on working days

    .. math:: d_{j,k} = \\left\\lfloor \\frac{j\\,T}{m} \\right\\rfloor + k\\,T,
              \\qquad k = 0, 1, \\dots

    so each interval class puts :math:`\\lfloor m/T \\rfloor` or :math:`\\lceil m/T \\rceil`
    counts on every working day and the daily workload varies by at most one count per
    class (ABC cycle counting with a constant daily count load: APICS Dictionary, 16th ed.
    (2019), "cycle counting"; Brooks & Wilson, *Inventory Record Accuracy: Unleashing the
    Power of Cycle Counting*, 2nd ed. (2007), ch. on the ABC approach). Across classes,
    each class's slots are then rotated within its interval, heaviest class (m / T) first,
    by the shift that minimises the largest total daily load (then the number of days at
    it), which keeps each class as even as before; the items of a class keep their order
    (earliest slots first). The returned ``next_day`` is ``start_day`` plus the item's
    slot, in ``[0, T)``.

    Parameters
    ----------
    count_per_year : array-like, shape (n,)
        Counts per year per item; NaN / non-positive -> never counted (next_day -1);
        values above ``working_days`` -> counted every working day.
    working_days : int
        Working days per year (>= 1).
    start_day : int
        Working-day index of the first day of the schedule (today).
    last_counted_days_ago : array-like, shape (n,), optional
        Within an interval class, items counted longest ago (NaN = never) get the first
        phases; default input order.

    Returns
    -------
    CountSchedule (next_day, interval).
    """
    w = int(_scalar(working_days, "working_days", default=1.0, lo=1.0))
    w = max(w, 1)
    f = as_float_array(count_per_year, "count_per_year")
    n = f.size
    ok = np.isfinite(f) & (f > 0)
    with np.errstate(all="ignore"):
        interval = np.where(ok, np.clip(np.round(w / np.where(ok, f, 1.0)), 1, w), 0)
    interval = interval.astype(np.int64)
    if last_counted_days_ago is None:
        age = np.zeros(n)
    else:
        age = as_float_array(last_counted_days_ago, "last_counted_days_ago", n)
        age = np.where(np.isnan(age), np.inf, age)
    # Within each interval class: longest since last count first, then input order.
    order = np.lexsort((np.arange(n), -age, interval))
    iv = interval[order]
    first = np.searchsorted(iv, iv, side="left")
    size = np.searchsorted(iv, iv, side="right") - first
    j = np.arange(n) - first
    slot = (j * iv) // np.maximum(size, 1)
    _stagger_classes(slot, iv, first, size)
    phase = np.empty(n, dtype=np.int64)
    phase[order] = slot
    start = int(_scalar(start_day, "start_day", lo=0.0))
    next_day = np.where(ok, start + phase, -1).astype(np.int64)
    return CountSchedule(next_day, interval)


def _stagger_classes(slot, iv, first, size) -> None:
    """Rotate each interval class's evenly spaced slots to even out the total daily load.

    ``slot`` holds the slots of the items sorted by interval (classes contiguous, items of
    a class in priority order). Classes are placed heaviest first (m / T); each is rotated
    by the shift that minimises the largest daily load over the longest interval, then the
    fewest days at that load; its slots are re-sorted so the first items keep the earliest
    days. Changes ``slot`` in place.
    """
    starts = np.unique(first[iv > 0])
    if starts.size < 2:
        return
    horizon = int(iv.max())
    days = np.arange(horizon)
    load = np.zeros(horizon, dtype=np.int64)
    weight = size[starts] / iv[starts]
    for c in starts[np.argsort(-weight, kind="stable")]:
        t, m = int(iv[c]), int(size[c])
        part = slot[c : c + m]
        per_slot = np.bincount(part, minlength=t)
        if t * horizon <= _STAGGER_CELLS:
            shifted = per_slot[(days[None, :] - np.arange(t)[:, None]) % t] + load
            top = shifted.max(axis=1)
            at_top = (shifted == top[:, None]).sum(axis=1)
            shift = int(np.lexsort((np.arange(t), at_top, top))[0])
        else:
            shift = 0
        slot[c : c + m] = np.sort((part + shift) % t)
        load += np.bincount(slot[c : c + m], minlength=t)[days % t]


def count_load(next_day, interval, horizon: int) -> np.ndarray:
    """Number of counts on each working day ``0 .. horizon-1`` of a :func:`cycle_count_schedule`.

    Item i is counted on days :math:`d_i + k\\,T_i` (k = 0, 1, ...) with :math:`d_i` =
    ``next_day`` and :math:`T_i` = ``interval``; items with ``next_day`` -1 or interval 0
    are never counted.

    Returns
    -------
    ndarray of int64, shape (horizon,).
    """
    nd = np.asarray(next_day, dtype=np.int64).reshape(-1)
    iv = np.asarray(interval, dtype=np.int64).reshape(-1)
    if iv.size != nd.size:
        raise ValueError(f"interval: expected {nd.size} values, got {iv.size}")
    horizon = max(int(horizon), 0)
    load = np.zeros(horizon, dtype=np.int64)
    ok = (nd >= 0) & (iv > 0) & (nd < horizon)
    nd, iv = nd[ok], iv[ok]
    # Counts per item: ceil((horizon - first day) / interval).
    reps = (horizon - nd + iv - 1) // iv
    item = np.repeat(np.arange(nd.size), reps)
    k = np.arange(item.size) - np.repeat(np.cumsum(reps) - reps, reps)
    np.add.at(load, nd[item] + k * iv[item], 1)
    return load


class RecordAccuracy(NamedTuple):
    """Result of :func:`record_accuracy`."""

    #: Per count: True when the count is valid and within tolerance.
    within: np.ndarray
    #: Per count: False when the count is NaN (not counted) and left out.
    valid: np.ndarray
    #: Per count: counted - system quantity (0 for invalid counts).
    adjustment_qty: np.ndarray
    #: Per count: adjustment_qty * unit_cost (0 when no cost).
    adjustment_value: np.ndarray
    #: Share of valid counts within tolerance: float, or per group (G,) when ``group`` is
    #: given; 0.0 where there is no valid count (check ``n_valid``).
    accuracy: float | np.ndarray
    #: Number of valid counts (int, or per group).
    n_valid: int | np.ndarray
    #: Sum of absolute adjustment values (float, or per group).
    abs_adjustment_value: float | np.ndarray


def record_accuracy(
    system_qty,
    counted_qty,
    *,
    abs_tolerance=0.0,
    pct_tolerance=0.0,
    unit_cost=None,
    group=None,
    n_groups: int | None = None,
) -> RecordAccuracy:
    """Inventory record accuracy: share of counts within tolerance, value of adjustments.

    A count is a hit when

    .. math:: |Q_{counted} - Q_{system}| \\le \\max(t_{abs},\\ t_{pct} |Q_{system}|)

    and record accuracy is the share of hits among the counts (APICS Dictionary, 16th ed.
    (2019), "inventory accuracy" / "counting tolerance"; Brooks & Wilson, *Inventory Record
    Accuracy* (2007): accuracy measured as the percentage of counts within tolerance,
    tolerances set per ABC class). The adjustment value is
    :math:`(Q_{counted} - Q_{system}) \\times` unit cost.

    Parameters
    ----------
    system_qty, counted_qty : array-like, shape (n,)
        Quantity on record and counted. NaN counted -> invalid count (left out); NaN
        system -> 0 on record.
    abs_tolerance, pct_tolerance : float or array-like, shape (n,)
        Absolute (units) and relative (share of the system quantity) tolerance, per count
        (e.g. tighter for A items); NaN / negative -> 0.
    unit_cost : array-like, shape (n,), optional
        Cost per unit; NaN / negative -> 0.
    group : array-like of int, shape (n,), optional
        Group code per count (segment x location); aggregates are then per group.
    n_groups : int, optional
        Number of groups (default ``max(group) + 1``).

    Returns
    -------
    RecordAccuracy.
    """
    counted = as_float_array(counted_qty, "counted_qty")
    n = counted.size
    system = as_float_array(system_qty, "system_qty", n)
    system = np.where(np.isfinite(system), system, 0.0)
    valid = np.isfinite(counted)
    t_abs = _clean(abs_tolerance, "abs_tolerance", n)
    t_pct = _clean(pct_tolerance, "pct_tolerance", n)
    cost = np.zeros(n) if unit_cost is None else _clean(unit_cost, "unit_cost", n)
    with np.errstate(all="ignore"):
        diff = np.where(valid, counted - system, 0.0)
        tol = np.maximum(t_abs, t_pct * np.abs(system))
        within = valid & (np.abs(diff) <= tol * (1 + _REL_TOL))
        value = diff * cost
    diff = np.where(np.isfinite(diff), diff, 0.0)
    value = np.where(np.isfinite(value), value, 0.0)
    if group is None:
        n_valid = int(valid.sum())
        accuracy = float(within.sum() / n_valid) if n_valid else 0.0
        abs_value = float(np.abs(value).sum())
        return RecordAccuracy(within, valid, diff, value, accuracy, n_valid, abs_value)
    gg, g_ok, size = _group_codes(group, n, n_groups)
    n_valid = np.bincount(gg[g_ok & valid], minlength=size)[:size]
    hits = np.bincount(gg[g_ok & within], minlength=size)[:size]
    abs_value = _group_sum(gg[g_ok], np.abs(value[g_ok]), size)
    return RecordAccuracy(
        within, valid, diff, value, _ratio(hits, n_valid), n_valid.astype(np.int64), abs_value
    )


# ============================================================================ KPIs
class FillOnTime(NamedTuple):
    """Result of :func:`fill_and_on_time`."""

    #: Per line: shipped / ordered, in [0, 1] (1 for zero-quantity lines).
    line_fill: np.ndarray
    #: Per line: shipped (anything) no later than the promised day.
    on_time: np.ndarray
    #: Per line: on time and in full.
    otif: np.ndarray
    #: Quantity fill rate sum(min(shipped, ordered)) / sum(ordered): float or per group.
    fill_rate: float | np.ndarray
    #: Share of lines on time: float or per group.
    on_time_rate: float | np.ndarray
    #: Share of lines on time in full: float or per group.
    otif_rate: float | np.ndarray
    #: Number of lines counted (int or per group).
    n_lines: int | np.ndarray


def fill_and_on_time(
    promised_day,
    shipped_day,
    ordered_qty,
    shipped_qty,
    *,
    group=None,
    n_groups: int | None = None,
) -> FillOnTime:
    """Fill rate, on-time and on-time-in-full (OTIF) against the promised date.

    .. math:: \\text{fill rate} = \\frac{\\sum_i \\min(s_i, o_i)}{\\sum_i o_i},\\quad
              \\text{on time}_i = [t^{ship}_i \\le t^{prom}_i],\\quad
              \\text{OTIF}_i = \\text{on time}_i \\wedge [s_i \\ge o_i]

    (fill rate as the quantity fraction of demand met, Silver, Pyke & Peterson (1998),
    section 7.1 "fill rate"; on-time in full as the share of lines delivered complete by
    the promised date, APICS Dictionary, 16th ed. (2019), "perfect order"/"on-time
    delivery").

    Parameters
    ----------
    promised_day, shipped_day : array-like, shape (n,)
        Days (any common origin); NaN shipped day = not shipped (late); NaN promised day
        -> the line is left out of the on-time rates (counted as not on time per line).
    ordered_qty, shipped_qty : array-like, shape (n,)
        NaN / negative -> 0.
    group : array-like of int, shape (n,), optional
        Group code per line (tier, segment); rates are then per group.
    n_groups : int, optional

    Returns
    -------
    FillOnTime. Rates are 0.0 where there are no lines (check ``n_lines``).
    """
    ordered = _clean(ordered_qty, "ordered_qty")
    n = ordered.size
    shipped = _clean(shipped_qty, "shipped_qty", n)
    prom = as_float_array(promised_day, "promised_day", n)
    ship_day = as_float_array(shipped_day, "shipped_day", n)
    served = np.minimum(shipped, ordered)
    line_fill = _ratio(served, ordered, empty=1.0)
    has_promise = ~np.isnan(prom)
    on_time = has_promise & ~np.isnan(ship_day) & (shipped > 0) & (ship_day <= prom)
    on_time |= has_promise & (ordered <= 0)
    otif = on_time & (shipped >= ordered * (1 - _REL_TOL))
    if group is None:
        n_prom = int(has_promise.sum())
        return FillOnTime(
            line_fill,
            on_time,
            otif,
            float(_ratio(served.sum(), ordered.sum(), empty=1.0 if n else 0.0)),
            float(on_time.sum() / n_prom) if n_prom else 0.0,
            float(otif.sum() / n_prom) if n_prom else 0.0,
            n,
        )
    gg, g_ok, size = _group_codes(group, n, n_groups)
    n_lines = np.bincount(gg[g_ok], minlength=size)[:size]
    n_prom = np.bincount(gg[g_ok & has_promise], minlength=size)[:size]
    fill = _ratio(
        _group_sum(gg[g_ok], served[g_ok], size),
        _group_sum(gg[g_ok], ordered[g_ok], size),
        empty=1.0,
    )
    return FillOnTime(
        line_fill,
        on_time,
        otif,
        np.where(n_lines > 0, fill, 0.0),
        _ratio(np.bincount(gg[g_ok & on_time], minlength=size)[:size], n_prom),
        _ratio(np.bincount(gg[g_ok & otif], minlength=size)[:size], n_prom),
        n_lines.astype(np.int64),
    )
