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
