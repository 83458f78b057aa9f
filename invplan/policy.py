"""Safety stock, reorder points, order quantities and replenishment policies.

All functions are vectorised: every argument may be a scalar or a 1-D array (one value
per item), broadcast to a common length. Units are consistent "periods": demand per
period, lead time and review period in periods, ``periods_per_year`` converts annual
holding rates (365 for daily data, 52 for weekly).

Notation (Silver, Pyke & Peterson, *Inventory Management and Production Planning and
Scheduling*, 3rd ed., Wiley 1998, ch. 7, "SPP" below; Snyder & Shen, *Fundamentals of
Supply Chain Theory*, 2nd ed., Wiley 2019, "FSCT" below):

======================  ===================================================
``d``, :math:`\\bar d`   mean demand per period
``sigma_d``             standard deviation of demand per period
``L``, ``sigma_L``      mean and standard deviation of the lead time (periods)
``R``                   review period (periods)
:math:`\\mu_P`           mean demand over the protection interval P (L or L+R)
:math:`\\sigma_P`        its standard deviation
``k``, ``z``            safety factor
:math:`G(k)`            standard normal loss function
``Q``                   order quantity
======================  ===================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ._checks import all_scalar, as_float_array, broadcast_size

# --------------------------------------------------------------------------- normal tools


def normal_loss(z):
    """Standard normal (first-order) loss function.

    .. math:: G(z) = E[(Z - z)^+] = \\varphi(z) - z\\,(1 - \\Phi(z))

    Source: SPP eq. (B.7) and its table; FSCT eq. (C.20). Table values:
    G(0) = 0.3989, G(1) = 0.0833, G(2) = 0.0085.
    """
    z = np.asarray(z, dtype=float)
    return stats.norm.pdf(z) - z * stats.norm.sf(z)


def inverse_normal_loss(g):
    """Solve :math:`G(k) = g` for k (vectorised); g must be > 0.

    G is strictly decreasing from +inf to 0, so the root is unique. Bisection on
    [-40, 40] followed by Newton steps (G'(k) = -(1 - Phi(k))) gives machine precision.
    Values ``g <= 0`` or non-finite return NaN: callers turn that into a status.
    """
    g = np.atleast_1d(np.asarray(g, dtype=float))
    ok = np.isfinite(g) & (g > 0)
    gg = np.where(ok, g, 1.0)
    # Outside [-40, 40] G is linear (G(k) ~ -k) or underflows: solve those directly.
    lo = np.full(g.shape, -40.0)
    hi = np.full(g.shape, 40.0)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        above = normal_loss(mid) > gg
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    k = 0.5 * (lo + hi)
    for _ in range(3):
        sf = stats.norm.sf(k)
        step = np.where(sf > 1e-300, (normal_loss(k) - gg) / np.maximum(sf, 1e-300), 0.0)
        k = k + step
    k = np.where(gg > 40.0, -gg, k)
    return np.where(ok, k, np.nan)


def safety_factor_cycle(csl):
    """Safety factor for a cycle service level (type 1, probability of no stockout per cycle).

    .. math:: k = \\Phi^{-1}(CSL)

    Source: SPP section 7.6 (the "P1" service measure); Chopra & Meindl, *Supply Chain
    Management*, 6th ed., ch. 12 (CSL = 0.90 gives k = 1.2816).

    Raises ``ValueError`` for a single value outside (0, 1); in a batch, invalid entries
    give NaN for the caller to flag.
    """
    c = np.asarray(csl, dtype=float)
    bad = ~(np.isfinite(c) & (c > 0) & (c < 1))
    if c.ndim == 0 and bad:
        raise ValueError(f"csl: cycle service level must be in (0, 1), got {csl!r}")
    return np.where(bad, np.nan, stats.norm.ppf(np.where(bad, 0.5, c)))


def safety_factor_fill_rate(fill_rate, order_qty, sigma_p):
    """Safety factor for a fill-rate target (type 2, share of demand met from stock).

    For a continuous-review (s, Q) system with normally distributed demand over the
    protection interval, the expected shortage per replenishment cycle is
    :math:`\\sigma_P G(k)`, so the fill rate is :math:`1 - \\sigma_P G(k)/Q`; the
    safety factor solves

    .. math:: G(k) = \\frac{Q\\,(1 - \\beta)}{\\sigma_P}

    Source: SPP section 7.7.3, "P2" service (eq. 7.21 there); Chopra & Meindl, ch. 12,
    "evaluating safety inventory given a desired fill rate" (Q = 10,000, sigma_L = 707,
    fill rate 0.975 gives ss = 67). k may be negative: a large Q alone can deliver the
    fill rate.
    """
    b = np.asarray(fill_rate, dtype=float)
    q = np.asarray(order_qty, dtype=float)
    s = np.asarray(sigma_p, dtype=float)
    if b.ndim == 0 and q.ndim == 0 and s.ndim == 0:
        if not (0 < b < 1):
            raise ValueError(f"fill_rate: must be in (0, 1), got {fill_rate!r}")
        if not (q > 0):
            raise ValueError(f"order_qty: must be > 0 for a fill-rate target, got {order_qty!r}")
        if not (s > 0):
            raise ValueError(f"sigma_p: must be > 0, got {sigma_p!r}")
    with np.errstate(divide="ignore", invalid="ignore"):
        target = q * (1 - b) / s
    k = inverse_normal_loss(target)
    valid = (b > 0) & (b < 1) & (q > 0) & (s > 0)
    k = np.where(valid, k, np.nan)
    if b.ndim == 0 and q.ndim == 0 and s.ndim == 0:
        return float(k[0])
    return k


def fill_rate_from_safety_factor(k, order_qty, sigma_p):
    """Expected fill rate of an (s, Q) system: :math:`\\beta = 1 - \\sigma_P G(k) / Q`.

    Source: SPP eq. 7.20; Chopra & Meindl ch. 12 (ss = 1,000, sigma_L = 707, Q = 10,000
    gives ESC = 25.13 and fill rate 0.9975).
    """
    k = np.asarray(k, dtype=float)
    q = np.asarray(order_qty, dtype=float)
    s = np.asarray(sigma_p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        fr = 1.0 - s * normal_loss(k) / q
    return np.clip(np.where(q > 0, fr, 0.0), 0.0, 1.0)


# --------------------------------------------------------------------------- safety stock


def lead_time_demand(d, sigma_d, lead_time, sigma_lead_time=0.0, review_period=0.0):
    """Mean and standard deviation of demand over the protection interval P = L + R.

    .. math::

        \\mu_P = \\bar d\\,(L + R), \\qquad
        \\sigma_P = \\sqrt{(L + R)\\,\\sigma_d^2 + \\bar d^2 \\sigma_L^2}

    (independent per-period demands; lead time independent of demand). Source: Chopra &
    Meindl, *Supply Chain Management*, 6th ed., ch. 12, "impact of supply uncertainty"
    (D = 2,500/day, sigma_D = 500, L = 7, s_L = 7 gives sigma_L = 17,550); SPP eq. 7.8
    for the periodic-review protection interval R + L.
    """
    d, sd, L, sL, R = (
        np.asarray(x, dtype=float) for x in (d, sigma_d, lead_time, sigma_lead_time, review_period)
    )
    p = L + R
    with np.errstate(invalid="ignore", over="ignore"):
        mu = d * p
        sigma = np.sqrt(p * sd**2 + d**2 * sL**2)
    return mu, sigma


def safety_stock_normal(
    service,
    d,
    sigma_d,
    lead_time,
    sigma_lead_time=0.0,
    review_period=0.0,
    metric="csl",
    order_qty=None,
):
    """Safety stock with demand and lead-time variability.

    .. math:: SS = k\\,\\sqrt{(L+R)\\,\\sigma_d^2 + \\bar d^2\\sigma_L^2}

    with k from :func:`safety_factor_cycle` (``metric="csl"``) or
    :func:`safety_factor_fill_rate` (``metric="fill_rate"``, needs ``order_qty``).
    Source: Chopra & Meindl ch. 12 (Example: D = 2,500/week, sigma = 500, L = 2,
    CSL = 0.90 gives SS = 906; with L = 7 days, s_L = 7 days, D = 2,500/day,
    sigma = 500: SS = 22,491); SPP eq. 7.8 / 7.29.
    """
    mu, sigma = lead_time_demand(d, sigma_d, lead_time, sigma_lead_time, review_period)
    k = _safety_factor(service, metric, order_qty, sigma)
    return k * sigma


def safety_stock_forecast_error(
    service,
    sigma_error,
    lead_time,
    review_period=0.0,
    d=0.0,
    sigma_lead_time=0.0,
    metric="csl",
    order_qty=None,
    horizon_sigma=False,
):
    """Safety stock from forecast errors over the protection interval.

    When the forecast is the demand estimate, the relevant uncertainty is the forecast
    error, not the demand's raw variability. With :math:`\\sigma_1` the one-step error
    standard deviation (per period) and P = L + R (R = 0 for continuous review):

    .. math:: \\sigma_P = \\sqrt{P\\,\\sigma_1^2 + \\bar d^2 \\sigma_L^2}, \\qquad SS = k\\,\\sigma_P

    With ``horizon_sigma=True``, ``sigma_error`` is already the standard deviation of the
    cumulative error over P (from a back-test at horizon P) and is used as it is, the
    lead-time term added in quadrature. Source: SPP section 7.12 / 4.8 (forecast error
    in place of demand variability; the square-root-of-time conversion assumes
    independent errors); Axsäter, *Inventory Control*, 3rd ed. 2015, section 5.3.
    """
    se, L, R, d, sL = (
        np.asarray(x, dtype=float)
        for x in (sigma_error, lead_time, review_period, d, sigma_lead_time)
    )
    p = L + R
    with np.errstate(invalid="ignore", over="ignore"):
        base = se**2 if horizon_sigma else p * se**2
        sigma = np.sqrt(base + d**2 * sL**2)
    k = _safety_factor(service, metric, order_qty, sigma)
    return k * sigma


def _safety_factor(service, metric, order_qty, sigma):
    if metric == "csl":
        return safety_factor_cycle(service)
    if metric == "fill_rate":
        if order_qty is None:
            raise ValueError("order_qty: required for a fill-rate service target")
        return safety_factor_fill_rate(service, order_qty, sigma)
    raise ValueError(f"metric: expected 'csl' or 'fill_rate', got {metric!r}")


# --------------------------------------------------------------------------- discrete


def negbin_params(mean, variance):
    """Negative binomial (n, p) of scipy with the given mean and variance (variance > mean).

    .. math:: p = \\mu / \\sigma^2, \\qquad n = \\mu^2 / (\\sigma^2 - \\mu)

    so that :math:`E = n(1-p)/p = \\mu` and :math:`Var = n(1-p)/p^2 = \\sigma^2`
    (Axsäter, *Inventory Control*, section 5.2, compound Poisson / negative binomial
    lead-time demand for over-dispersed slow movers).
    """
    mean = np.asarray(mean, dtype=float)
    variance = np.asarray(variance, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = mean / variance
        n = mean**2 / (variance - mean)
    return n, p


def reorder_point_discrete(mean_ltd, csl, variance_ltd=None, overdispersion=1.05):
    """Smallest integer reorder point r with :math:`P(D_L \\le r) \\ge CSL`.

    Lead-time demand :math:`D_L` is Poisson with mean ``mean_ltd`` or, where
    ``variance_ltd > overdispersion * mean_ltd``, negative binomial with that mean and
    variance (:func:`negbin_params`). Source: Axsäter, *Inventory Control*, 3rd ed.,
    section 5.2 (Poisson and compound Poisson lead-time demand, reorder point as the
    service-level quantile); SPP ch. 8 (slow-moving items). Example: Poisson mean 4,
    CSL 0.95 gives r = 8 (P(D <= 7) = 0.9489, P(D <= 8) = 0.9786).

    Returns (reorder_point as float array of integers, distribution name array).
    """
    mu = np.atleast_1d(np.asarray(mean_ltd, dtype=float))
    c = np.broadcast_to(np.asarray(csl, dtype=float), mu.shape)
    var = (
        mu
        if variance_ltd is None
        else np.broadcast_to(np.asarray(variance_ltd, dtype=float), mu.shape)
    )
    use_nb = np.isfinite(var) & (var > overdispersion * mu) & (mu > 0)
    cc = np.clip(np.where(np.isfinite(c), c, 0.5), 1e-12, 1 - 1e-12)
    r_pois = stats.poisson.ppf(cc, np.maximum(mu, 1e-12))
    n, p = negbin_params(mu, np.where(use_nb, var, 2 * mu + 1))
    r_nb = stats.nbinom.ppf(cc, np.where(use_nb, n, 1.0), np.where(use_nb, p, 0.5))
    r = np.where(use_nb, r_nb, r_pois)
    r = np.where(mu > 0, r, 0.0)
    dist = np.where(use_nb, "negbin", "poisson").astype(object)
    return r, dist


def discrete_fill_rate(reorder_point, order_qty, mean_ltd, variance_ltd=None, overdispersion=1.05):
    """Fill rate of an (r, Q) policy with discrete lead-time demand.

    .. math:: \\beta = 1 - \\frac{E[(D_L - r)^+]}{Q}, \\qquad
              E[(D_L - r)^+] = \\mu - \\sum_{x=0}^{r-1} P(D_L > x)

    (the expected shortage per cycle, SPP eq. 7.20 with the discrete loss function, FSCT
    eq. (C.28)). Same distribution choice as :func:`reorder_point_discrete`.
    """
    r = np.atleast_1d(np.asarray(reorder_point, dtype=float))
    mu = np.broadcast_to(np.asarray(mean_ltd, dtype=float), r.shape)
    q = np.broadcast_to(np.asarray(order_qty, dtype=float), r.shape)
    var = (
        mu
        if variance_ltd is None
        else np.broadcast_to(np.asarray(variance_ltd, dtype=float), r.shape)
    )
    use_nb = np.isfinite(var) & (var > overdispersion * mu) & (mu > 0)
    n, p = negbin_params(mu, np.where(use_nb, var, 2 * mu + 1))
    rmax = int(np.nanmax(np.where(np.isfinite(r), np.maximum(r, 0), 0), initial=0)) + 1
    x = np.arange(rmax)[None, :]
    sf = np.where(
        use_nb[:, None],
        stats.nbinom.sf(x, np.where(use_nb, n, 1.0)[:, None], np.where(use_nb, p, 0.5)[:, None]),
        stats.poisson.sf(x, np.maximum(mu, 1e-12)[:, None]),
    )
    sf = np.where(x < r[:, None], sf, 0.0)
    shortage = np.maximum(mu - sf.sum(axis=1), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        fr = 1.0 - shortage / q
    return np.clip(np.where(q > 0, fr, 0.0), 0.0, 1.0)


# --------------------------------------------------------------------------- quantities


def eoq(annual_demand, ordering_cost, unit_cost, holding_rate):
    """Economic order quantity (Harris 1913, Wilson 1934).

    .. math:: Q^* = \\sqrt{\\frac{2 D K}{h\\,c}}

    D annual demand, K cost per order, c unit cost, h annual holding rate (so h c is the
    holding cost per unit per year). Source: SPP eq. 5.4; Chopra & Meindl ch. 11,
    Best Buy example (D = 12,000, K = 4,000, c = 500, h = 0.2 gives Q* = 980); FSCT
    Example 3.1 (lambda = 1,300, K = 8, holding cost 0.225 gives Q* = 304.05).
    """
    D, K, c, h = (
        np.asarray(x, dtype=float) for x in (annual_demand, ordering_cost, unit_cost, holding_rate)
    )
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.sqrt(2.0 * D * K / (h * c))


def round_order_quantity(qty, moq=0.0, pack=0.0, max_qty=np.inf):
    """Apply a minimum order quantity, a pack multiple (round up) and a maximum.

    .. math:: q' = \\min\\left(\\lceil \\max(q, MOQ) / m \\rceil m,\\ \\lfloor Q_{max}/m \\rfloor m\\right)

    A maximum smaller than the MOQ cannot be honoured: the MOQ wins (a supplier will
    not deliver less) and :func:`compute_policy` flags the item ``conflicting_limits``.
    Pack multiple m <= 0 means none; max <= 0 or NaN means none.
    """
    q, moq, m, mx = (np.asarray(x, dtype=float) for x in (qty, moq, pack, max_qty))
    moq = np.where(np.isfinite(moq) & (moq > 0), moq, 0.0)
    m = np.where(np.isfinite(m) & (m > 0), m, 0.0)
    mx = np.where(np.isfinite(mx) & (mx > 0), mx, np.inf)
    out = np.maximum(q, moq)
    has_pack = m > 0
    safe_m = np.where(has_pack, m, 1.0)
    # A tiny tolerance keeps 12.000000001 from becoming two packs of 12.
    packs_up = np.ceil(out / safe_m - 1e-9)
    out = np.where(has_pack, packs_up * safe_m, out)
    cap = np.where(has_pack, np.floor(mx / safe_m + 1e-9) * safe_m, mx)
    capped = np.minimum(out, cap)
    # Never go below the MOQ (rounded up to a pack) when capping.
    floor_q = np.where(has_pack, np.ceil(moq / safe_m - 1e-9) * safe_m, moq)
    return np.maximum(capped, np.where(moq > 0, floor_q, 0.0))


def newsvendor_normal(holding_cost, stockout_cost, mean, sd):
    """Newsvendor order-up-to level for normal demand (critical fractile).

    .. math:: S^* = \\mu + \\sigma\\,\\Phi^{-1}\\!\\left(\\frac{p}{p+h}\\right), \\qquad
              g^* = (h + p)\\,\\sigma\\,\\varphi(z^*)

    Source: FSCT section 4.3, eqs. (4.24) and (4.30); Example 4.3 (h = 0.18, p = 0.70,
    mu = 50, sigma = 8 gives S* = 56.60, g* = 1.9976). Returns (S*, expected cost).
    """
    h, p, mu, sd = (np.asarray(x, dtype=float) for x in (holding_cost, stockout_cost, mean, sd))
    if all(np.ndim(x) == 0 for x in (h, p, mu, sd)):
        for name, v in (("holding_cost", h), ("stockout_cost", p)):
            if not (v > 0):
                raise ValueError(f"{name}: must be > 0, got {float(v)!r}")
        if not (sd >= 0) or not np.isfinite(mu):
            raise ValueError(
                f"sd / mean: expected finite mean and sd >= 0, got {float(mu)!r}, {float(sd)!r}"
            )
    with np.errstate(divide="ignore", invalid="ignore"):
        z = stats.norm.ppf(p / (p + h))
    return mu + z * sd, (h + p) * sd * stats.norm.pdf(z)


def newsvendor_quantile(critical_ratio, dist):
    """Newsvendor quantity for any scipy distribution: :math:`S^* = F^{-1}(p/(p+h))`.

    Source: FSCT Theorem 4.1 / eq. (4.16) (for a discrete distribution, the smallest S
    with F(S) >= the critical ratio, FSCT eq. (4.36)). ``dist`` is a frozen scipy
    distribution (e.g. ``scipy.stats.poisson(mu)``), possibly vectorised.
    """
    return dist.ppf(np.asarray(critical_ratio, dtype=float))


def rq_cost_based(
    holding_cost,
    stockout_cost,
    ordering_cost,
    annual_demand,
    mean_ltd,
    sigma_ltd,
    tol=1e-6,
    max_iter=200,
):
    """Cost-based (r, Q) by the iterative Hadley-Whitin procedure (normal lead-time demand).

    With h the holding cost per unit per year, p the cost per unit short, K the cost per
    order, lambda the annual demand, and lead-time demand N(mu, sigma):

    .. math::

        1 - F(r) = \\frac{Q h}{p \\lambda}, \\qquad
        Q = \\sqrt{\\frac{2\\lambda\\,[K + p\\,n(r)]}{h}}, \\quad n(r) = \\sigma G((r-\\mu)/\\sigma)

    iterated from Q = EOQ until r and Q move less than ``tol``. Source: Hadley & Whitin,
    *Analysis of Inventory Systems*, 1963; FSCT section 5.3, Algorithm 5.1, eqs. (5.17)
    and (5.18); Example 5.2 (h = 0.225, p = 7.5, K = 8, lambda = 1,300, sigma per year
    150, L = 1/12 year gives r = 213.97, Q = 318.59). When :math:`Qh/(p\\lambda) \\ge 1`
    (stockouts cheaper than holding) r falls to the 0.1 % quantile.

    Returns (r, Q).
    """
    h, p, K, lam, mu, sig = (
        np.atleast_1d(np.asarray(x, dtype=float))
        for x in (holding_cost, stockout_cost, ordering_cost, annual_demand, mean_ltd, sigma_ltd)
    )
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        Q = np.sqrt(2.0 * K * lam / h)
        r = np.zeros(np.broadcast(Q, mu).shape)
        sig_safe = np.where(sig > 0, sig, 1e-12)
        for _ in range(max_iter):
            prob = np.clip(1.0 - Q * h / (p * lam), 1e-3, 1 - 1e-12)
            r_new = mu + sig * stats.norm.ppf(prob)
            loss = sig * normal_loss((r_new - mu) / sig_safe)
            Q_new = np.sqrt(2.0 * lam * (K + p * loss) / h)
            done = np.nanmax(np.abs(np.concatenate([r_new - r, Q_new - Q])), initial=0.0) < tol
            r, Q = r_new, Q_new
            if done:
                break
    return r, Q


# --------------------------------------------------------------------------- policies

POLICIES = ("sQ", "sS", "RS", "mto", "manual", "newsvendor")
STATUSES = (
    "ok",
    "no_demand",
    "make_to_order",
    "manual",
    "nan_input",
    "invalid_demand",
    "invalid_service",
    "invalid_lead_time",
    "invalid_cost",
    "invalid_policy",
    "conflicting_limits",
    "overflow",
)
#: Numeric columns of :func:`compute_policy`'s frame, in order.
POLICY_OUTPUTS = (
    "safety_factor",
    "demand_mean_p",
    "demand_sigma_p",
    "safety_stock",
    "reorder_point",
    "order_qty",
    "order_up_to",
    "expected_fill_rate",
    "expected_csl",
    "avg_stock",
    "avg_stock_value",
    "undershoot",
)
_SINGLE_MESSAGES = {
    "nan_input": "a required input is NaN or infinite (demand_mean, demand_std, lead_time, service_target)",
    "invalid_demand": "demand_mean / demand_std: must be >= 0",
    "invalid_service": "service_target: must be in (0, 1)",
    "invalid_lead_time": "lead_time: must be > 0 (and lead_time_std >= 0, review_period >= 0)",
    "invalid_cost": "unit_cost / holding_rate / ordering_cost: unit_cost and holding_rate must be > 0, ordering_cost >= 0",
    "invalid_policy": f"policy: must be one of {POLICIES}",
    "overflow": "inputs are too large to give finite results (an absurd value?)",
}


def compute_policy(
    demand_mean,
    demand_std,
    lead_time,
    lead_time_std=0.0,
    *,
    policy="sQ",
    service_metric="csl",
    service_target=0.95,
    review_period=0.0,
    unit_cost=1.0,
    holding_rate=0.25,
    ordering_cost=0.0,
    stockout_cost=np.nan,
    error_std=None,
    error_std_is_horizon=False,
    moq=0.0,
    pack_multiple=0.0,
    max_order_qty=np.nan,
    days_of_cover=np.nan,
    fixed_order_qty=np.nan,
    periods_per_year=365.0,
    slow_mover_threshold=10.0,
    allow_zero_lead_time=False,
    allow_negative_safety_stock=False,
    review_interval=0.0,
) -> pd.DataFrame:
    """Compute a replenishment policy for many items at once.

    Steps per item (each documented in the function it calls):

    1. protection interval P = L (continuous review: ``sQ``, ``sS``) or L + R (periodic
       review ``RS``); demand over P: :func:`lead_time_demand`, or from forecast errors
       when ``error_std`` is given (:func:`safety_stock_forecast_error`);
    2. order quantity: ``fixed_order_qty`` if given, else ``days_of_cover`` x demand, else
       EOQ (:func:`eoq`, annual demand = d x ``periods_per_year``, a demand of one
       period when ordering cost is 0); for ``RS`` the quantity per cycle is d x R; then
       MOQ, pack multiple and maximum (:func:`round_order_quantity`);
    3. reorder point s:

       - cost-based when ``stockout_cost`` is finite and > 0 (``sQ`` / ``sS``):
         :func:`rq_cost_based` gives r and Q together;
       - slow movers (:math:`\\mu_P` < ``slow_mover_threshold``): integer quantile of a
         Poisson / negative binomial lead-time demand (:func:`reorder_point_discrete`);
       - otherwise :math:`s = \\mu_P + k\\sigma_P` with k for the cycle service level or
         the fill rate (:func:`safety_factor_cycle`, :func:`safety_factor_fill_rate`);
    4. maximum (order-up-to): ``sQ``: s + Q; ``sS``: s + Q; ``RS``: S = mu_{L+R} + SS
       (the reorder point equals S: any review below S orders up to S); ``newsvendor``:
       the critical-fractile quantity (needs ``stockout_cost``);
       ``mto``: everything 0, status ``make_to_order``; ``manual``: status ``manual``;
    5. expected fill rate (SPP eq. 7.20 / its discrete form), expected cycle service,
       average stock :math:`SS + Q/2` and its value at ``unit_cost``;
    6. with ``review_interval`` > 0 (a scheduler that checks once a day is continuous
       review only in name), s and S of ``sQ`` / ``sS`` rise by the mean undershoot
       :math:`E[U] = (\\sigma_r^2 + \\bar d_r^2) / (2 \\bar d_r)` of the demand over one
       interval (SPP section 7.11 on undershoots in (s, S) / (R, s, S) systems; the
       renewal-theory mean of the overshoot of a random walk, Hadley & Whitin 1963),
       so the stock protecting the lead time is still the safety stock planned.

    Bad items never raise: they get a status (see ``STATUSES``) and zeros in every
    numeric output; NaN never leaves this function. A call where every input is a
    scalar raises ``ValueError`` naming the field instead.

    Returns
    -------
    DataFrame with columns ``status, method`` and ``safety_factor, demand_mean_p,
    demand_sigma_p, safety_stock, reorder_point, order_qty, order_up_to,
    expected_fill_rate, expected_csl, avg_stock, avg_stock_value, undershoot``.
    """
    inputs = (demand_mean, demand_std, lead_time, lead_time_std, policy, service_metric,
              service_target, review_period, unit_cost, holding_rate, ordering_cost,
              stockout_cost, error_std, moq, pack_multiple, max_order_qty, days_of_cover,
              fixed_order_qty)  # fmt: skip
    single = all_scalar(*inputs)
    n = broadcast_size(*inputs)
    f = lambda v, name: as_float_array(v, name, n)  # noqa: E731
    d = f(demand_mean, "demand_mean")
    sd = f(demand_std, "demand_std")
    L = f(lead_time, "lead_time")
    sL = f(lead_time_std, "lead_time_std")
    R = f(review_period, "review_period")
    target = f(service_target, "service_target")
    c = f(unit_cost, "unit_cost")
    hr = f(holding_rate, "holding_rate")
    K = f(ordering_cost, "ordering_cost")
    p_cost = f(stockout_cost, "stockout_cost")
    se = None if error_std is None else f(error_std, "error_std")
    pol = np.broadcast_to(np.asarray(policy, dtype=object), (n,)).copy()
    metric = np.broadcast_to(np.asarray(service_metric, dtype=object), (n,)).copy()

    status = np.full(n, "ok", dtype=object)

    def flag(mask, value):
        status[mask & (status == "ok")] = value

    flag(~np.isin(pol, POLICIES) | ~np.isin(metric, ("csl", "fill_rate")), "invalid_policy")
    is_mto = pol == "mto"
    is_manual = pol == "manual"
    flag(is_mto, "make_to_order")
    flag(is_manual, "manual")
    sL = np.where(np.isfinite(sL), sL, np.nan)
    required = [d, sd, L, target, R, sL] + ([se] if se is not None else [])
    flag(~np.logical_and.reduce([np.isfinite(x) for x in required]), "nan_input")
    flag((d < 0) | (sd < 0) | ((se < 0) if se is not None else False), "invalid_demand")
    flag(~((target > 0) & (target < 1)), "invalid_service")
    lt_bad = (L < 0) | (sL < 0) | (R < 0) | ((L == 0) if not allow_zero_lead_time else False)
    flag(lt_bad | (pol == "RS") & ~(R > 0), "invalid_lead_time")
    cost_bad = ~(np.isfinite(c) & (c > 0) & np.isfinite(hr) & (hr > 0)) | ~(
        np.isfinite(K) & (K >= 0)
    )
    flag(cost_bad, "invalid_cost")
    flag((pol == "newsvendor") & ~(np.isfinite(p_cost) & (p_cost > 0)), "invalid_cost")
    flag(d == 0, "no_demand")

    if single:
        st = str(status[0])
        if st in _SINGLE_MESSAGES:
            raise ValueError(_SINGLE_MESSAGES[st])

    out = {name: np.zeros(n) for name in POLICY_OUTPUTS}
    method = np.full(n, "", dtype=object)
    method[is_mto] = "make_to_order"
    method[is_manual] = "manual"
    ok = status == "ok"
    if not ok.any():
        return _frame(status, method, out)

    with np.errstate(all="ignore"):
        periodic = pol == "RS"
        Rp = np.where(periodic, R, 0.0)
        if se is not None:
            base = se**2 if error_std_is_horizon else (L + Rp) * se**2
            sigma_p = np.sqrt(base + d**2 * sL**2)
        else:
            _, sigma_p = lead_time_demand(d, sd, L, sL, Rp)
        mu_p = d * (L + Rp)

        # Order quantity before the reorder point (the fill-rate factor needs Q).
        annual = d * periods_per_year
        h_unit = hr * c  # holding cost per unit per year
        q_eoq = np.where(K > 0, eoq(annual, K, c, hr), d)
        q = np.where(
            np.isfinite(fixed_order_qty) & (np.asarray(fixed_order_qty, float) > 0),
            fixed_order_qty,
            np.where(
                np.isfinite(days_of_cover) & (np.asarray(days_of_cover, float) > 0),
                d * np.asarray(days_of_cover, float),
                q_eoq,
            ),
        )
        q = np.where(periodic, d * R, q)

        cost_based = np.isfinite(p_cost) & (p_cost > 0) & np.isin(pol, ("sQ", "sS")) & (K > 0)
        r_cb, q_cb = rq_cost_based(
            h_unit,
            np.where(cost_based, p_cost, 1.0),
            np.where(K > 0, K, 1.0),
            np.where(annual > 0, annual, 1.0),
            mu_p,
            sigma_p,
        )
        q = np.where(cost_based, q_cb, q)
        q = round_order_quantity(q, moq, pack_multiple, max_order_qty)
        q = np.where(periodic, np.maximum(q, 0.0), q)
        conflicting = (
            np.isfinite(max_order_qty)
            & (np.asarray(max_order_qty, float) > 0)
            & (np.asarray(moq, float) > np.asarray(max_order_qty, float))
        )
        flag(conflicting & ok, "conflicting_limits")

        # Continuous (normal) reorder point.
        is_fill = metric == "fill_rate"
        k_csl = safety_factor_cycle(np.where(ok, target, 0.5))
        k_fill = safety_factor_fill_rate(
            np.where(ok, target, 0.5), np.where(q > 0, q, 1.0), np.where(sigma_p > 0, sigma_p, 1.0)
        )
        k = np.where(is_fill, k_fill, k_csl)
        if not allow_negative_safety_stock:
            k = np.maximum(k, 0.0)
        ss = np.where(sigma_p > 0, k * sigma_p, 0.0)
        s = mu_p + ss

        # Cost-based reorder point.
        s = np.where(cost_based, r_cb, s)
        ss = np.where(cost_based, r_cb - mu_p, ss)
        k = np.where(cost_based, np.where(sigma_p > 0, ss / sigma_p, 0.0), k)

        # Slow movers: discrete lead-time demand.
        slow = ok & (mu_p < slow_mover_threshold) & ~cost_based & (pol != "newsvendor")
        var_p = sigma_p**2
        # The discrete distributions only for slow movers: a quantile of a huge mean or
        # variance (an absurd input of another item) would take scipy's search forever.
        mu_d = np.where(slow, mu_p, 1.0)
        var_d = np.where(slow, var_p, 1.0)
        csl_for_discrete = np.where(
            is_fill, _discrete_csl_for_fill(target, np.where(slow, q, 1.0), mu_d, var_d), target
        )
        r_disc, dist = reorder_point_discrete(mu_d, np.where(slow, csl_for_discrete, 0.5), var_d)
        s = np.where(slow, r_disc, s)
        ss = np.where(slow, r_disc - mu_p, ss)

        # Newsvendor (single period over P).
        nv = pol == "newsvendor"
        s_nv, _ = newsvendor_normal(
            h_unit * np.maximum(L + Rp, 1.0) / periods_per_year,
            np.where(nv, p_cost, 1.0),
            mu_p,
            sigma_p,
        )
        s = np.where(nv, np.maximum(s_nv, 0.0), s)
        ss = np.where(nv, s - mu_p, ss)

        # A reorder point below zero never orders before a backlog: a tiny demand with
        # cheap stockouts (cost-based r = mu - 3.09 sigma) stops at 0. The safety stock
        # s - mu_P of a tiny discrete or cost-based item (r = 0 below the mean) is
        # reported as 0, unless negative safety stock is asked for; the fill rate and
        # the cycle service below are those of the reorder point actually kept.
        s = np.maximum(s, 0.0)
        ss = np.where(cost_based | nv, s - mu_p, ss)
        k = np.where(cost_based, np.where(sigma_p > 0, ss / sigma_p, 0.0), k)

        order_up_to = np.where(periodic | nv, s, s + q)
        csl_exp = np.where(
            slow,
            _discrete_cdf(np.where(slow, s, 0.0), mu_d, var_d),
            np.where(
                sigma_p > 0, stats.norm.cdf((s - mu_p) / np.where(sigma_p > 0, sigma_p, 1.0)), 1.0
            ),
        )
        q_cycle = np.where(periodic, d * R, q)
        fr_normal = fill_rate_from_safety_factor(
            np.where(sigma_p > 0, ss / np.where(sigma_p > 0, sigma_p, 1.0), 40.0), q_cycle, sigma_p
        )
        fr = np.where(
            slow,
            discrete_fill_rate(np.where(slow, s, 0.0), np.where(slow, q_cycle, 1.0), mu_d, var_d),
            fr_normal,
        )
        avg = np.maximum(ss, 0.0) + q_cycle / 2.0
        if allow_negative_safety_stock:
            avg = np.maximum(ss + q_cycle / 2.0, 0.0)

        # Undershoot: a scheduler that checks every `review_interval` periods finds the
        # inventory position below s by the demand since the crossing; its mean,
        # E[U] = (sigma_r^2 + d_r^2) / (2 d_r) over one interval, is added to s and S.
        continuous = np.isin(pol, ("sQ", "sS"))
        ri = np.asarray(review_interval, dtype=float)
        d_r = d * ri
        with np.errstate(divide="ignore", invalid="ignore"):
            under = np.where(continuous & (d_r > 0), (sd**2 * ri + d_r**2) / (2 * d_r), 0.0)
        # A forecast near zero beside a historical deviation would blow the ratio up: the
        # undershoot cannot exceed a plausible single-interval demand (mean + 3 sigma).
        under = np.minimum(under, d_r + 3.0 * sd * np.sqrt(ri))
        under = np.where(np.isfinite(under), under, 0.0)
        s = np.where(slow, np.ceil(s + under - 1e-9), s + under)
        order_up_to = np.where(periodic | nv, s, s + q)

        method[ok] = np.where(
            cost_based, "cost_based", np.where(nv, "newsvendor", np.where(slow, dist, "normal"))
        )[ok]
        values = {
            "safety_factor": k,
            "demand_mean_p": mu_p,
            "demand_sigma_p": sigma_p,
            "safety_stock": ss if allow_negative_safety_stock else np.maximum(ss, 0.0),
            "reorder_point": s,
            "order_qty": q,
            "order_up_to": order_up_to,
            "expected_fill_rate": fr,
            "expected_csl": csl_exp,
            "avg_stock": avg,
            "avg_stock_value": avg * c,
            "undershoot": under,
        }
    ok = np.isin(status, ("ok", "conflicting_limits"))
    finite = np.logical_and.reduce([np.isfinite(v) for v in values.values()])
    flag(ok & ~finite, "overflow")
    ok = np.isin(status, ("ok", "conflicting_limits"))
    if single and str(status[0]) == "overflow":
        raise ValueError(_SINGLE_MESSAGES["overflow"])
    for name, v in values.items():
        # + 0.0 turns a -0.0 (a ceiling of a tiny negative) into 0.0.
        out[name] = np.where(ok, v, 0.0) + 0.0
    method[~ok & ~is_mto & ~is_manual] = ""
    return _frame(status, method, out)


def _discrete_cdf(r, mean, variance, overdispersion=1.05):
    use_nb = np.isfinite(variance) & (variance > overdispersion * mean) & (mean > 0)
    n, p = negbin_params(mean, np.where(use_nb, variance, 2 * mean + 1))
    return np.where(
        use_nb,
        stats.nbinom.cdf(r, np.where(use_nb, n, 1.0), np.where(use_nb, p, 0.5)),
        stats.poisson.cdf(r, np.maximum(mean, 1e-12)),
    )


def _discrete_csl_for_fill(target, q, mean, variance, max_r=200):
    """The CSL whose discrete reorder point is the smallest r reaching the fill rate."""
    n = np.size(mean)
    target = np.broadcast_to(np.asarray(target, float), (n,))
    q = np.broadcast_to(np.asarray(q, float), (n,))
    mean = np.broadcast_to(np.asarray(mean, float), (n,))
    variance = np.broadcast_to(np.asarray(variance, float), (n,))
    small = np.isfinite(mean) & (mean < max_r / 4)
    best = np.full(n, np.nan)
    if small.any():
        rs = np.arange(max_r)
        idx = np.flatnonzero(small)
        for r in rs:
            pending = idx[np.isnan(best[idx])]
            if pending.size == 0:
                break
            fr = discrete_fill_rate(
                np.full(pending.size, float(r)), q[pending], mean[pending], variance[pending]
            )
            hit = fr >= target[pending]
            best[pending[hit]] = r
    cdf = _discrete_cdf(np.where(np.isfinite(best), best, 0.0), mean, variance)
    # Slightly below the CDF at the chosen r so the quantile lands on r itself.
    return np.where(np.isfinite(best), np.clip(cdf - 1e-12, 1e-12, 1 - 1e-12), target)


def _frame(status, method, out):
    df = pd.DataFrame({"status": status, "method": method})
    for name in POLICY_OUTPUTS:
        df[name] = np.where(np.isfinite(out[name]), out[name], 0.0)
    return df


# --------------------------------------------------------------------------- portfolio


def allocate_fill_rates(
    annual_demand,
    unit_cost,
    order_qty,
    sigma_p,
    portfolio_fill_rate: float,
    k_min: float = -1.0,
    k_max: float = 4.0,
    iterations: int = 100,
) -> pd.DataFrame:
    """Item fill rates that reach a demand-weighted portfolio fill rate at the least stock value.

    Minimise the safety stock value :math:`\\sum_i c_i k_i \\sigma_i` subject to the units
    short per year :math:`\\sum_i (D_i / Q_i)\\, \\sigma_i G(k_i) \\le (1-\\beta) \\sum_i D_i`.
    The Lagrangian optimum sets, for a multiplier :math:`\\lambda` (an implied cost per
    unit short),

    .. math:: 1 - \\Phi(k_i) = \\frac{c_i Q_i}{\\lambda D_i}

    which is the "B2 shortage cost" rule of Silver, Pyke & Peterson (1998), section
    7.7.2 (eq. 7.16 with B2 = lambda), and sweeping lambda traces the exchange curve of
    section 7.9 (safety stock value against units short). Lambda is found by bisection
    on its logarithm so the portfolio target is met; k is clipped to ``[k_min, k_max]``.
    Items with no demand, no variability or no valid cost take no part (fill rate 1 is
    reported for them and the caller keeps its own targets).

    Returns a DataFrame ``safety_factor, fill_rate, units_short`` per item and the
    multiplier in ``attrs['lambda']`` (cost per unit short implied by the target).
    """
    D, c, Q, s = (
        np.atleast_1d(np.asarray(x, dtype=float))
        for x in (annual_demand, unit_cost, order_qty, sigma_p)
    )
    n = np.broadcast(D, c, Q, s).shape[0]
    D, c, Q, s = (np.broadcast_to(x, (n,)) for x in (D, c, Q, s))
    if not (0 < portfolio_fill_rate < 1):
        raise ValueError(f"portfolio_fill_rate: must be in (0, 1), got {portfolio_fill_rate!r}")
    live = (
        np.isfinite(D)
        & np.isfinite(c)
        & np.isfinite(Q)
        & np.isfinite(s)
        & (D > 0)
        & (c > 0)
        & (Q > 0)
        & (s > 0)
    )
    total = D[live].sum()
    allowed = (1 - portfolio_fill_rate) * total

    def k_for(log_lam):
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            p = c * Q / (np.exp(log_lam) * D)
        p = np.clip(np.where(live, p, 0.5), 1e-15, 1 - 1e-15)
        return np.clip(stats.norm.isf(p), k_min, k_max)

    def short(k):
        return np.where(live, D / np.where(live, Q, 1.0) * s * normal_loss(k), 0.0)

    lo, hi = np.log(1e-9), np.log(1e15)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        if short(k_for(mid)).sum() > allowed:
            lo = mid
        else:
            hi = mid
    k = k_for(hi)
    units_short = short(k)
    with np.errstate(divide="ignore", invalid="ignore"):
        fr = np.where(live, 1 - s * normal_loss(k) / np.where(live, Q, 1.0), 1.0)
    out = pd.DataFrame(
        {
            "safety_factor": np.where(live, k, 0.0),
            "fill_rate": np.clip(fr, 0, 1),
            "units_short": units_short,
        }
    )
    out.attrs["lambda"] = float(np.exp(hi))
    return out
