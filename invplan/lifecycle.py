"""End of the product life: stock aging, run-out, last-time buy, obsolescence provisions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

DEFAULT_AGING_BUCKETS = (90, 180, 365)


def fifo_age_layers(receipts: pd.DataFrame, on_hand: pd.Series, as_of) -> pd.DataFrame:
    """Split each item's quantity on hand into the receipts it came from, first in first out.

    Under FIFO the stock on hand is made of the most recent receipts: walking receipts
    from the newest back, each layer contributes ``min(qty, still to cover)``. The age of
    a layer is ``as_of - receipt date`` in days. Quantity on hand not covered by any
    receipt (opening stock, inventory adjustments) becomes one layer with age NaN-free
    ``-1`` and ``unknown_origin = True``, so it is reported, never lost.

    Parameters
    ----------
    receipts : DataFrame with columns ``item, date, qty`` (qty > 0).
    on_hand : Series item -> quantity on hand (negative stock counts as 0 and is
        flagged by the caller).

    Returns
    -------
    DataFrame ``item, date, qty, age_days, unknown_origin`` (one row per layer).
    Source: the FIFO cost-flow assumption (IAS 2, paragraph 27).
    """
    as_of = pd.Timestamp(as_of)
    r = receipts[["item", "date", "qty"]].copy()
    r = r[r["qty"] > 0]
    r["date"] = pd.to_datetime(r["date"])
    r = r.sort_values(["item", "date"], ascending=[True, False], kind="mergesort")
    need = on_hand.clip(lower=0).rename("need")
    r = r.join(need, on="item")
    r["need"] = r["need"].fillna(0.0)
    before = r.groupby("item", sort=False)["qty"].cumsum() - r["qty"]
    r["take"] = np.clip(r["need"] - before, 0.0, r["qty"])
    layers = r[r["take"] > 0][["item", "date", "take"]].rename(columns={"take": "qty"})
    layers["age_days"] = (as_of - layers["date"]).dt.days.astype(float)
    layers["unknown_origin"] = False
    covered = layers.groupby("item")["qty"].sum()
    rest = (need - covered.reindex(need.index).fillna(0.0)).clip(lower=0)
    rest = rest[rest > 1e-9]
    if len(rest):
        extra = pd.DataFrame(
            {
                "item": rest.index,
                "date": pd.NaT,
                "qty": rest.to_numpy(),
                "age_days": -1.0,
                "unknown_origin": True,
            }
        )
        layers = pd.concat([layers, extra], ignore_index=True)
    return layers.reset_index(drop=True)


def aging_buckets(
    layers: pd.DataFrame, limits: Sequence[int] = DEFAULT_AGING_BUCKETS, unit_cost=None
) -> pd.DataFrame:
    """Quantity (and value) on hand per item and age bucket.

    Buckets are ``0-l1, l1+1-l2, ..., >lk`` days for ``limits = (l1, ..., lk)``; layers
    of unknown origin go to the oldest bucket (prudence: their age cannot be shown to
    be recent). ``unit_cost`` (Series item -> cost) adds a ``value`` column.
    """
    lim = list(limits)
    if sorted(lim) != lim or any(v <= 0 for v in lim):
        raise ValueError(f"limits: expected increasing positive day counts, got {limits!r}")
    labels = (
        [f"0-{lim[0]}"]
        + [f"{a + 1}-{b}" for a, b in zip(lim[:-1], lim[1:], strict=True)]
        + [f">{lim[-1]}"]
    )
    age = layers["age_days"].to_numpy(float)
    idx = np.searchsorted(np.asarray(lim, float), age, side="left")
    idx = np.where(layers["unknown_origin"].to_numpy(bool), len(lim), idx)
    df = pd.DataFrame(
        {
            "item": layers["item"],
            "bucket": np.asarray(labels, dtype=object)[idx],
            "qty": layers["qty"],
        }
    )
    out = df.groupby(["item", "bucket"], sort=False)["qty"].sum().unstack(fill_value=0.0)
    out = out.reindex(columns=labels, fill_value=0.0)
    out.columns.name = None
    if unit_cost is not None:
        cost = unit_cost.reindex(out.index).fillna(0.0).to_numpy(float)[:, None]
        vals = out.to_numpy(float) * cost
        for j, lab in enumerate(labels):
            out[f"value {lab}"] = vals[:, j]
    return out


def provision(bucket_values: pd.DataFrame, rates: dict) -> pd.Series:
    """Obsolescence provision: the sum over buckets of value x rate.

    .. math:: P_i = \\sum_b V_{i,b}\\, r_b

    ``bucket_values`` has one column per bucket label, ``rates`` maps a label to a rate
    in [0, 1] (a missing label raises: a silent 0 % would understate the provision).
    """
    missing = [c for c in bucket_values.columns if c not in rates]
    if missing:
        raise ValueError(f"rates: no provision rate for bucket(s) {missing}")
    r = np.array([float(rates[c]) for c in bucket_values.columns])
    if ((r < 0) | (r > 1) | ~np.isfinite(r)).any():
        raise ValueError("rates: every provision rate must be within 0 and 1")
    return pd.Series(bucket_values.to_numpy(float) @ r, index=bucket_values.index, name="provision")


def run_out_days(on_hand, daily_forecast, horizon_days: int = 3650):
    """Days until stock on hand runs out at a forecast rate.

    ``daily_forecast`` is a constant rate per item (1-D) or a daily path (items x days);
    with a path, the first day whose cumulative forecast reaches the stock. Items that do
    not run out within ``horizon_days`` get ``horizon_days``; no stock gives 0.
    """
    s = np.atleast_1d(np.asarray(on_hand, dtype=float))
    f = np.asarray(daily_forecast, dtype=float)
    if f.ndim <= 1:
        f = np.broadcast_to(np.atleast_1d(f), s.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(f > 0, s / f, horizon_days)
        d = np.where(s <= 0, 0.0, np.minimum(d, horizon_days))
        return np.where(np.isfinite(d), d, horizon_days)
    cum = np.cumsum(np.where(np.isfinite(f), np.maximum(f, 0), 0.0), axis=1)
    reached = cum >= s[:, None]
    first = np.where(reached.any(axis=1), reached.argmax(axis=1) + 1, horizon_days).astype(float)
    return np.where(s <= 0, 0.0, np.minimum(first, horizon_days))


def residual_demand_mean(rate_per_period, decline_per_period, periods):
    """Expected demand over the remaining service life with an exponentially declining rate.

    .. math:: \\Lambda = \\sum_{t=1}^{T} \\lambda_0 (1-\\delta)^{t}
              = \\lambda_0 (1-\\delta)\\frac{1-(1-\\delta)^T}{\\delta}

    (a geometric decline of the demand rate by a share delta per period, the usual
    final-order model; Teunter & Fortuin (1999), "End-of-life service", *Int. J.
    Production Economics* 59; delta = 0 gives lambda_0 T).
    """
    lam, dl, T = (
        np.asarray(x, dtype=float) for x in (rate_per_period, decline_per_period, periods)
    )
    q = 1.0 - dl
    with np.errstate(divide="ignore", invalid="ignore"):
        geo = np.where(dl > 0, q * (1 - q**T) / np.where(dl > 0, dl, 1.0), T)
    return lam * geo


def last_time_buy(
    residual_mean,
    unit_cost,
    shortage_cost,
    disposal_value=0.0,
    holding_cost=0.0,
    residual_variance=None,
    on_hand=0.0,
    on_order=0.0,
) -> pd.DataFrame:
    """Final order quantity by the newsvendor critical fractile on residual demand.

    One unit bought now costs ``unit_cost`` plus ``holding_cost`` (over the remaining
    life) and returns ``disposal_value`` if left over; one unit short costs
    ``shortage_cost`` (the cost of the alternative: a redesign, a broker purchase, a
    penalty). Underage :math:`c_u = p - c`, overage :math:`c_o = c + h - v`:

    .. math:: S^* = \\min\\{S : F(S) \\ge \\frac{c_u}{c_u + c_o}\\}, \\qquad
              Q = \\max(S^* - \\text{on hand} - \\text{on order}, 0)

    Residual demand D is Poisson with mean ``residual_mean`` or, when
    ``residual_variance`` exceeds the mean, negative binomial with those moments. The
    expected leftover is :math:`E[(S^*-D)^+]` and the expected shortage
    :math:`E[(D-S^*)^+]`. Source: FSCT section 4.3 (newsvendor, discrete demand eq.
    4.36); Teunter & Fortuin (1999) for the final-order setting.

    Returns a DataFrame ``critical_ratio, target_level, order_qty, expected_leftover,
    expected_shortage, status`` (``invalid_cost`` where p <= c or costs are not finite:
    then nothing is ordered).
    """
    mu = np.atleast_1d(np.asarray(residual_mean, dtype=float))
    n = mu.size
    b = lambda v: np.broadcast_to(np.asarray(v, dtype=float), (n,)).astype(float)  # noqa: E731
    c, p, v, h = b(unit_cost), b(shortage_cost), b(disposal_value), b(holding_cost)
    have = b(on_hand) + b(on_order)
    var = mu if residual_variance is None else b(residual_variance)
    cu = p - c
    co = c + h - v
    status = np.full(n, "ok", dtype=object)
    bad_cost = ~(np.isfinite(cu) & np.isfinite(co) & (cu > 0) & (co > 0))
    status[bad_cost] = "invalid_cost"
    bad_mu = ~(np.isfinite(mu) & (mu >= 0))
    status[bad_mu & (status == "ok")] = "nan_input"
    ok = status == "ok"
    cr = np.where(ok, cu / np.where(ok, cu + co, 1.0), 0.0)
    mu_s = np.where(ok, mu, 0.0)
    nb = ok & np.isfinite(var) & (var > mu_s * 1.05) & (mu_s > 0)
    pp = np.where(nb, mu_s / np.where(nb, var, 1.0), 0.5)
    nn = np.where(nb, mu_s**2 / np.where(nb, var - mu_s, 1.0), 1.0)
    crc = np.clip(cr, 1e-12, 1 - 1e-12)
    s_pois = stats.poisson.ppf(crc, np.maximum(mu_s, 1e-12))
    s_nb = stats.nbinom.ppf(crc, nn, pp)
    S = np.where(nb, s_nb, s_pois)
    S = np.where(ok & (mu_s > 0), S, 0.0)
    # E[(S - D)^+] = sum_{x < S} F(x); E[(D - S)^+] = E[(S - D)^+] - (S - mu)
    smax = int(np.max(S, initial=0)) + 1
    x = np.arange(smax)[None, :]
    cdf = np.where(
        nb[:, None],
        stats.nbinom.cdf(x, nn[:, None], pp[:, None]),
        stats.poisson.cdf(x, np.maximum(mu_s, 1e-12)[:, None]),
    )
    leftover = np.where(x < S[:, None], cdf, 0.0).sum(axis=1)
    shortage = np.maximum(leftover - (S - mu_s), 0.0)
    return pd.DataFrame(
        {
            "critical_ratio": cr,
            "target_level": S,
            "order_qty": np.where(
                ok, np.maximum(S - np.where(np.isfinite(have), have, 0.0), 0.0), 0.0
            ),
            "expected_leftover": np.where(ok, leftover, 0.0),
            "expected_shortage": np.where(ok, shortage, 0.0),
            "status": status,
        }
    )
