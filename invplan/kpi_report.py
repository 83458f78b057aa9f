"""Reporting helpers of the KPI snapshot: stock reconstruction, pooled accuracy, traffic
lights, excess value, working-capital effect and rankings, vectorised over many rows.

The ratios themselves (turns, days of supply, fill and stockout rates, SPC limits) live in
:mod:`invplan.kpi`; this module holds the bookkeeping the Odoo KPI addon needs around them.
"""

from __future__ import annotations

import numpy as np


def _f(x) -> np.ndarray:
    return np.atleast_1d(np.asarray(x, dtype=float))


def end_of_day_stock(current_qty, daily_net_flow, flow_after=None) -> np.ndarray:
    """End-of-day stock per row and day, rebuilt backwards from today's on-hand.

    .. math:: I_t = I_{now} - \\sum_{s > t} f_s - F_{after}

    where :math:`f_s` is the net flow (receipts minus issues) of day *s* of the window and
    :math:`F_{after}` the net flow after the window's last day (perpetual-inventory
    identity, Silver, Pyke & Peterson 1998, section 2.6).

    Parameters
    ----------
    current_qty : (m,) on-hand quantity now.
    daily_net_flow : (m, T) net flow of each day of the window.
    flow_after : (m,) net flow after the window (default 0).

    Example: on-hand 10 now, flows [+5, -3] and 2 received after the window give end-of-day
    stocks [11, 8]: 10 - 2 = 8 at the last day, 8 - (-3) = 11 the day before.
    """
    flow = np.asarray(daily_net_flow, dtype=float)
    if flow.ndim == 1:
        flow = flow.reshape(1, -1)
    cur = _f(current_qty)
    if cur.shape[0] != flow.shape[0]:
        raise ValueError("current_qty and daily_net_flow must have the same number of rows")
    after = np.zeros_like(cur) if flow_after is None else _f(flow_after)
    # Suffix sums of the flows strictly after each day.
    rev = np.cumsum(flow[:, ::-1], axis=1)[:, ::-1]
    later = rev - flow
    return cur[:, None] - after[:, None] - later


def pooled_wape(wape_pct, actual) -> float:
    """WAPE of a group from the WAPE of its members, weighted by their actual demand.

    .. math:: WAPE_G = \\frac{\\sum_i |e|_i}{\\sum_i y_i} = \\frac{\\sum_i WAPE_i\\, y_i}{\\sum_i y_i}

    since :math:`WAPE_i = \\sum|e|_i / y_i` (Kolassa & Schütz 2007, "Advantages of the
    MAD/Mean ratio over the MAPE"). Units follow ``wape_pct``; 0 without demand.
    Example: WAPE 10 % on 100 units and 40 % on 50 units pool to (10 + 20) / 150 = 20 %.
    """
    w = _f(wape_pct)
    y = _f(actual)
    total = y.sum()
    return float((w * y).sum() / total) if total > 0 else 0.0


def pooled_mean(values, weights) -> float:
    """Weighted mean :math:`\\sum w_i v_i / \\sum w_i` (0 when the weights sum to 0);
    used for the mean error (bias) of a group weighted by each member's scored periods."""
    v = _f(values)
    w = _f(weights)
    total = w.sum()
    return float((v * w).sum() / total) if total > 0 else 0.0


def service_status(actual, target, amber_band=2.0) -> np.ndarray:
    """Traffic light of a service figure against its target (both in percent).

    green when ``actual >= target``; amber when within ``amber_band`` points below it;
    red below that (the usual scorecard convention: Kaplan & Norton, *The Balanced
    Scorecard*, 1996, target and threshold bands). Example: target 95, band 2 gives 96 ->
    green, 93.5 -> amber, 92 -> red.
    """
    if amber_band < 0:
        raise ValueError(f"amber_band: expected >= 0, got {amber_band!r}")
    a = _f(actual)
    t = np.broadcast_to(_f(target), a.shape)
    return np.where(a >= t, "green", np.where(a >= t - amber_band, "amber", "red"))


def excess_value(onhand_qty, max_qty, unit_cost) -> np.ndarray:
    """Value of the stock above the order-up-to level :math:`c\\,\\max(0, I - S)`.

    Rows without a max (``max_qty <= 0``) carry no excess: no policy says what too much
    is. Example: 130 on hand, max 100, cost 2.5 gives 75.
    """
    on = _f(onhand_qty)
    mx = np.broadcast_to(_f(max_qty), on.shape)
    c = np.broadcast_to(_f(unit_cost), on.shape)
    return np.where(mx > 0, np.maximum(on - mx, 0.0) * c, 0.0)


def working_capital_effect(old_min, old_max, new_min, new_max, unit_cost) -> np.ndarray:
    """Change of average stock value implied by a min / max change.

    .. math:: \\Delta WC = c\\,\\frac{(s' + S') - (s + S)}{2}

    the average stock of an (s, S) rule taken at the midpoint of its band (Silver, Pyke &
    Peterson 1998, section 7.9, average inventory of an (s, S) system ~ (s + S) / 2), the
    same basis as the replenishment proposals. Example: min 10 -> 20, max 30 -> 50 at
    cost 4 gives 4 x (70 - 40) / 2 = 60.
    """
    c = _f(unit_cost)
    delta = (_f(new_min) + _f(new_max) - _f(old_min) - _f(old_max)) / 2.0
    return c * delta


def rank_within_groups(values, groups, higher_is_better=True) -> np.ndarray:
    """Competition rank (1 = best, ties share the best rank) of each value in its group.

    Used for the internal benchmark of warehouses and segments on one KPI (ranking
    "1224" convention). Example: values [0.9, 0.8, 0.9] in one group give [1, 3, 1].
    """
    v = _f(values)
    g = np.asarray(groups)
    if g.shape[0] != v.shape[0]:
        raise ValueError("values and groups must have the same length")
    key = -v if higher_is_better else v
    ranks = np.zeros(v.shape[0], dtype=int)
    for group in np.unique(g):
        idx = np.flatnonzero(g == group)
        k = key[idx]
        ranks[idx] = (k[None, :] < k[:, None]).sum(axis=1) + 1
    return ranks
