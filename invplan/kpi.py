"""Inventory KPIs and statistical process control, vectorised over many series.

The Odoo KPI addon extracts the inputs with set-based SQL and calls these functions; the
definitions live here so every figure has one documented formula.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: d2 for moving ranges of two observations (Montgomery, *Introduction to Statistical
#: Quality Control*, 7th ed., Appendix Table VI: n = 2 gives d2 = 1.128, D4 = 3.267).
D2_N2 = 1.128
D4_N2 = 3.267


def _arr(x, name):
    a = np.asarray(x, dtype=float)
    if a.ndim == 0:
        a = a.reshape(1)
    return a


def _safe_div(num, den):
    """``num / den``, NaN where the ratio is undefined (a zero or non-finite divisor):
    an undefined KPI is no value, never 0, so that it stays out of averages."""
    num = np.atleast_1d(np.asarray(num, dtype=float))
    den = np.atleast_1d(np.asarray(den, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    return np.where(np.isfinite(out) & (den != 0), out, np.nan)


def inventory_turns(cost_of_goods_issued, average_inventory_value):
    """Inventory turns over a period, both figures at cost.

    .. math:: \\text{turns} = \\frac{\\text{COGS}_{period}}{\\bar I_{period}}

    Source: Silver, Pyke & Peterson (1998), section 2.7 (turnover ratio, both at cost).
    Zero average inventory gives NaN (undefined: neither 0 nor infinite).
    """
    return _safe_div(cost_of_goods_issued, average_inventory_value)


def days_of_supply(average_inventory_value, cost_of_goods_issued, period_days):
    """Days of supply on the same cost basis as :func:`inventory_turns`.

    .. math:: DOS = \\frac{\\bar I}{\\text{COGS} / \\text{days}} = \\frac{\\text{days}}{\\text{turns}}

    No issues in the period leave the days of supply undefined (NaN): "no demand", which
    callers show as such and leave out of averages (a capped "infinite" cover would
    dominate every average it entered).
    """
    inv = _arr(average_inventory_value, "average_inventory_value")
    cogs = _arr(cost_of_goods_issued, "cost_of_goods_issued")
    days = np.broadcast_to(_arr(period_days, "period_days"), inv.shape)
    daily = _safe_div(cogs, days)
    return np.where(daily > 0, _safe_div(inv, daily), np.nan)


def fill_rates(ordered_qty, shipped_on_time_qty, lines_total, lines_complete_on_time):
    """Quantity fill rate and line fill rate.

    .. math::

        FR_{qty} = \\frac{\\sum q^{on\\,time}}{\\sum q^{ordered}}, \\qquad
        FR_{line} = \\frac{\\#\\{\\text{lines shipped complete and on time}\\}}{\\#\\text{lines}}

    (the "P2" and order-line service measures, SPP section 7.3). Returns both arrays;
    NaN (no data) where nothing was ordered.
    """
    return (
        _safe_div(shipped_on_time_qty, ordered_qty),
        _safe_div(lines_complete_on_time, lines_total),
    )


def stockout_rate(stockout_days, observed_days):
    """Share of product-days with zero available stock while demand was open; NaN where
    no day was observed."""
    return _safe_div(stockout_days, observed_days)


# --------------------------------------------------------------------------- SPC


def individuals_limits(x, valid=None):
    """Individuals and moving-range (I-MR) chart limits per row.

    .. math::

        \\overline{MR} = \\frac{1}{n-1}\\sum_{t\\ge2} |x_t - x_{t-1}|, \\quad
        UCL, LCL = \\bar x \\pm 3\\,\\frac{\\overline{MR}}{d_2}, \\quad
        UCL_{MR} = D_4 \\overline{MR}

    with d2 = 1.128 and D4 = 3.267 for ranges of two (Montgomery, *Introduction to
    Statistical Quality Control*, 7th ed., section 6.4, eqs. 6.33 and 6.34). Moving
    ranges use consecutive valid points only.

    Returns a DataFrame ``center, sigma, ucl, lcl, mr_bar, mr_ucl, n``.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x.reshape(1, -1)
    ok = np.isfinite(x) if valid is None else (np.asarray(valid, bool) & np.isfinite(x))
    n = ok.sum(axis=1)
    xs = np.where(ok, x, 0.0)
    center = np.nan_to_num(_safe_div(xs.sum(axis=1), n))
    pair = ok[:, 1:] & ok[:, :-1]
    mr = np.where(pair, np.abs(np.diff(xs, axis=1)), 0.0)
    mr_bar = np.nan_to_num(_safe_div(mr.sum(axis=1), pair.sum(axis=1)))
    sigma = mr_bar / D2_N2
    return pd.DataFrame(
        {
            "center": center,
            "sigma": sigma,
            "ucl": center + 3 * sigma,
            "lcl": center - 3 * sigma,
            "mr_bar": mr_bar,
            "mr_ucl": D4_N2 * mr_bar,
            "n": n,
        }
    )


def western_electric_alerts(x, center, sigma):
    """Western Electric run rules on each point of each row (True where a rule fires).

    1. one point beyond 3 sigma;
    2. two of three consecutive points beyond 2 sigma on the same side;
    3. four of five consecutive points beyond 1 sigma on the same side;
    4. eight consecutive points on the same side of the center line.

    Source: Western Electric, *Statistical Quality Control Handbook* (1956); Montgomery,
    7th ed., section 5.3.6, Table 5.1. A rule fires on the last point of its window.
    Rows with sigma 0 raise no alert. Returns a dict rule -> bool array (m, T) and
    ``any``.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x.reshape(1, -1)
    c = np.asarray(center, dtype=float).reshape(-1, 1)
    s = np.asarray(sigma, dtype=float).reshape(-1, 1)
    live = (s > 0) & np.isfinite(x)
    z = np.where(live, (x - c) / np.where(s > 0, s, 1.0), 0.0)

    def window_count(flags, w):
        f = flags.astype(np.int64)
        cs = np.cumsum(f, axis=1)
        out = cs.copy()
        out[:, w:] = cs[:, w:] - cs[:, :-w]
        out[:, : w - 1] = 0  # a window needs w points
        return out

    rule1 = live & (np.abs(z) > 3)
    rule2 = live & (
        (window_count(z > 2, 3) >= 2) & (z > 2) | (window_count(z < -2, 3) >= 2) & (z < -2)
    )
    rule3 = live & (
        (window_count(z > 1, 5) >= 4) & (z > 1) | (window_count(z < -1, 5) >= 4) & (z < -1)
    )
    rule4 = live & ((window_count(z > 0, 8) == 8) | (window_count(z < 0, 8) == 8))
    rules = {
        "beyond_3_sigma": rule1,
        "two_of_three_2_sigma": rule2,
        "four_of_five_1_sigma": rule3,
        "eight_same_side": rule4,
    }
    rules["any"] = rule1 | rule2 | rule3 | rule4
    return rules


def ewma_chart(x, lam=0.2, L=3.0, center=None, sigma=None):
    """EWMA statistic and its time-varying control limits, per row.

    .. math::

        z_t = \\lambda x_t + (1-\\lambda) z_{t-1}, \\quad z_0 = \\mu_0, \\qquad
        UCL_t, LCL_t = \\mu_0 \\pm L\\sigma\\sqrt{\\frac{\\lambda}{2-\\lambda}
        \\left[1-(1-\\lambda)^{2t}\\right]}

    Source: Montgomery, 7th ed., section 9.2, eqs. 9.22-9.25 (Roberts 1959). Center and
    sigma default to the row's mean and its moving-range sigma (:func:`individuals_limits`).
    Missing points carry the previous z. Returns (z, ucl, lcl, out_of_control), each (m, T).
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x.reshape(1, -1)
    if not (0 < lam <= 1):
        raise ValueError(f"lam: expected 0 < lam <= 1, got {lam!r}")
    lim = individuals_limits(x)
    mu0 = (
        lim["center"].to_numpy()
        if center is None
        else np.broadcast_to(np.asarray(center, float), (x.shape[0],))
    )
    sg = (
        lim["sigma"].to_numpy()
        if sigma is None
        else np.broadcast_to(np.asarray(sigma, float), (x.shape[0],))
    )
    m, T = x.shape
    z = np.empty((m, T))
    prev = mu0.astype(float).copy()
    for t in range(T):
        xt = x[:, t]
        prev = np.where(
            np.isfinite(xt), lam * np.where(np.isfinite(xt), xt, 0.0) + (1 - lam) * prev, prev
        )
        z[:, t] = prev
    t_idx = np.arange(1, T + 1)
    width = L * sg[:, None] * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t_idx)))[None, :]
    ucl = mu0[:, None] + width
    lcl = mu0[:, None] - width
    out = (sg[:, None] > 0) & ((z > ucl) | (z < lcl))
    return z, ucl, lcl, out
