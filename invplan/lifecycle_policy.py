"""Lifecycle policy helpers: stage adjustments of the replenishment inputs and the
residual-demand distribution summary shown by the last-time-buy screen."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

DEFAULT_PROBS = (0.1, 0.5, 0.9)


def stage_adjusted_inputs(demand, sigma, service_target, demand_factor, service_cap):
    """Replenishment inputs after a lifecycle-stage policy.

    A declining product is planned on a damped demand and a lower service target:

    .. math:: d' = f\\,d, \\qquad \\sigma' = f\\,\\sigma, \\qquad
              \\alpha' = \\min(\\alpha, \\alpha_{cap})

    where ``f`` (``demand_factor``, >= 0) scales the forecast the policy uses (a damped
    trend: the order quantity and safety stock shrink with it; the forecast error
    ``sigma`` keeps its coefficient of variation) and ``service_cap`` (0 or
    NaN for none) caps the service target (both as fractions). Source: the declining
    phase of the product life cycle calls for lower stock targets; Fortuin (1980),
    "Five popular probability density functions: a comparison in the field of stock
    control models", and Silver, Pyke & Thomas (2017), *Inventory and Production
    Management in Supply Chains*, section 4.8 (life-cycle forecasting).

    Example: d = 10/day, sigma = 5, alpha = 0.95, f = 0.6, cap 0.90 gives d' = 6,
    sigma' = 3, alpha' = 0.90.

    Returns (adjusted demand, adjusted sigma, adjusted target) as arrays.
    """
    d = np.atleast_1d(np.asarray(demand, dtype=float))
    s = np.broadcast_to(np.asarray(sigma, dtype=float), d.shape)
    a = np.broadcast_to(np.asarray(service_target, dtype=float), d.shape)
    f = np.broadcast_to(np.asarray(demand_factor, dtype=float), d.shape)
    cap = np.broadcast_to(np.asarray(service_cap, dtype=float), d.shape)
    if np.any(np.isfinite(f) & (f < 0)):
        raise ValueError("demand_factor: a stage cannot scale demand below zero")
    f = np.where(np.isfinite(f), f, 1.0)
    has_cap = np.isfinite(cap) & (cap > 0)
    return d * f, s * f, np.where(has_cap, np.minimum(a, cap), a)


def residual_demand_summary(
    residual_mean, residual_variance=None, probs: Sequence[float] = DEFAULT_PROBS
) -> pd.DataFrame:
    """Quantiles of the residual demand, with the same model as ``last_time_buy``.

    Residual demand D is Poisson with mean :math:`\\mu` or, when the variance exceeds
    1.05 :math:`\\mu`, negative binomial with :math:`p = \\mu/\\sigma^2`,
    :math:`n = \\mu^2/(\\sigma^2-\\mu)`. Each quantile is
    :math:`F^{-1}(q) = \\min\\{x : F(x) \\ge q\\}`. Source: Johnson, Kemp & Kotz (2005),
    *Univariate Discrete Distributions*, chapters 4 and 5.

    Example: mu = 10 (Poisson) gives the 10 / 50 / 90 % quantiles 6, 10, 14.

    Returns a DataFrame with columns ``mean, std, distribution, p_zero`` and one column
    ``q<percent>`` per probability (``q10, q50, q90``).
    """
    mu = np.atleast_1d(np.asarray(residual_mean, dtype=float))
    if np.any(~np.isfinite(mu) | (mu < 0)):
        raise ValueError("residual_mean: expected finite non-negative means")
    var = (
        mu
        if residual_variance is None
        else np.broadcast_to(np.asarray(residual_variance, dtype=float), mu.shape)
    )
    var = np.where(np.isfinite(var), var, mu)
    nb = (var > mu * 1.05) & (mu > 0)
    p = np.where(nb, mu / np.where(nb, var, 1.0), 0.5)
    n = np.where(nb, mu**2 / np.where(nb, var - mu, 1.0), 1.0)
    out = {
        "mean": mu,
        "std": np.sqrt(np.where(nb, var, mu)),
        "distribution": np.where(nb, "negative_binomial", "poisson"),
        "p_zero": np.where(nb, stats.nbinom.pmf(0, n, p), np.exp(-mu)),
    }
    for q in probs:
        if not 0 < q < 1:
            raise ValueError(f"probs: expected values strictly between 0 and 1, got {q}")
        qs = np.where(nb, stats.nbinom.ppf(q, n, p), stats.poisson.ppf(q, np.maximum(mu, 1e-12)))
        out[f"q{round(100 * q)}"] = np.where(mu > 0, qs, 0.0)
    return pd.DataFrame(out)


def weeks_of_history(demand, bucket_starts, today) -> np.ndarray:
    """Weeks of demand history per item: from the start of the first bucket with
    positive demand to ``today``.

    .. math:: w_i = (t - s_{j_i}) / 7, \\qquad j_i = \\min\\{j : D_{ij} > 0\\}

    and :math:`w_i = 0` when item i never had demand. ``demand`` is an items x buckets
    matrix (NaN counts as no demand), ``bucket_starts`` the bucket start dates and
    ``today`` a date. Source: the "enough history" test of new-product forecasting,
    Kahn (2006), *New Product Forecasting: An Applied Approach*, chapter 4.

    Example: weekly buckets starting 2026-01-05, -01-12, -01-19, demand [0, 3, 1] and
    today 2026-01-26 give 2.0 weeks.
    """
    d = np.atleast_2d(np.asarray(demand, dtype=float))
    starts = pd.to_datetime(pd.Series(list(bucket_starts))).to_numpy()
    if d.shape[1] != len(starts):
        raise ValueError("bucket_starts: one start date per demand column expected")
    positive = np.nan_to_num(d, nan=0.0) > 0
    has = positive.any(axis=1)
    if not len(starts):
        return np.zeros(d.shape[0])
    first = starts[np.argmax(positive, axis=1)]
    days = (np.datetime64(pd.Timestamp(today)) - first) / np.timedelta64(1, "D")
    return np.where(has, np.maximum(days, 0.0) / 7.0, 0.0)


def analog_forecast(reference, factor, history_weeks, min_weeks, has_reference):
    """Analogous-product forecast of new items.

    While a new item has less than ``min_weeks`` weeks of history and a reference
    (analogous) product, its forecast is the reference's forecast scaled:

    .. math:: F_{i,t} = f_i \\, F^{ref}_{i,t} \\quad \\text{if } r_i \\wedge w_i < N

    where ``f_i`` (``factor``, >= 0) is the expected size of the new item relative to
    its reference. Source: forecasting by analogy, Hyndman & Athanasopoulos (2021),
    *Forecasting: Principles and Practice*, 3rd ed., chapter 6 (judgmental forecasts:
    forecasting by analogy, new product forecasting); Kahn (2006), chapter 4 ("looks-
    like" analysis).

    Example: reference forecast [10, 12], factor 0.5, 3 weeks of history, N = 8 gives
    [5, 6]; with 8 weeks of history the item keeps its own forecast (mask False).

    ``reference`` is an items x periods matrix (NaN where the reference has no figure,
    taken as 0). Returns (scaled forecast matrix, boolean mask of the items that use it).
    """
    ref = np.atleast_2d(np.asarray(reference, dtype=float))
    f = np.broadcast_to(np.asarray(factor, dtype=float), ref.shape[:1])
    w = np.broadcast_to(np.asarray(history_weeks, dtype=float), ref.shape[:1])
    r = np.broadcast_to(np.asarray(has_reference, dtype=bool), ref.shape[:1])
    if np.any(~np.isfinite(f) | (f < 0)):
        raise ValueError("factor: expected finite non-negative scale factors")
    if min_weeks < 0:
        raise ValueError("min_weeks: cannot be negative")
    use = r & (np.nan_to_num(w, nan=0.0) < min_weeks)
    scaled = np.nan_to_num(ref, nan=0.0) * f[:, None]
    return np.where(use[:, None], np.maximum(scaled, 0.0), 0.0), use


def reuse_allocation(excess: pd.DataFrame, need: pd.DataFrame) -> pd.DataFrame:
    """Allocate excess stock to needs of the same product (northwest-corner rule).

    For each product the excess quantities :math:`e_1..e_m` (largest first) and the needs
    :math:`n_1..n_k` (largest first) are laid on one axis as intervals
    :math:`[E_{a-1}, E_a)` and :math:`[N_{b-1}, N_b)` of their cumulative sums; pair
    (a, b) receives their overlap

    .. math:: q_{ab} = \\max\\bigl(0, \\min(E_a, N_b) - \\max(E_{a-1}, N_{b-1})\\bigr)

    so a single excess against a single need gets :math:`\\min(e, n)` and no excess or
    need is used twice. Source: the northwest-corner starting solution of the
    transportation problem, Dantzig (1963), *Linear Programming and Extensions*,
    section 14-3; Hitchcock (1941).

    ``excess`` has columns ``source, product, qty``; ``need`` has ``dest, product, qty``
    (``source`` / ``dest`` are the caller's keys, rows with qty <= 0 are ignored).
    Returns a DataFrame ``source, dest, product, qty`` of the positive allocations.

    Example: excess 10 at A, needs 6 at B and 7 at C give A->C 7, A->B 3.
    """
    cols = ["source", "dest", "product", "qty"]
    e = excess.loc[excess["qty"] > 0, ["source", "product", "qty"]].copy()
    n = need.loc[need["qty"] > 0, ["dest", "product", "qty"]].copy()
    if e.empty or n.empty:
        return pd.DataFrame(columns=cols)

    def intervals(df, key):
        df = df.sort_values(["product", "qty", key], ascending=[True, False, True])
        hi = df.groupby("product")["qty"].cumsum()
        return df.assign(hi=hi, lo=hi - df["qty"])

    e, n = intervals(e, "source"), intervals(n, "dest")
    pairs = e.merge(n, on="product", suffixes=("_e", "_n"))
    qty = np.minimum(pairs["hi_e"], pairs["hi_n"]) - np.maximum(pairs["lo_e"], pairs["lo_n"])
    pairs["qty"] = qty.clip(lower=0.0)
    out = pairs.loc[pairs["qty"] > 1e-9, cols]
    return out.sort_values(["product", "source", "qty"], ascending=[True, True, False]).reset_index(
        drop=True
    )
