"""Serial supply chain under the stochastic-service model (Clark & Scarf).

N stages in a line, the most upstream resupplied by an outside supplier with ample
stock, the most downstream facing customer demand; every stage orders each period up to
an echelon base-stock level (the stage's stock, everything in transit to and held at
the stages below it, minus customer backorders). Lead time :math:`L_j` per stage
(periods, may be fractional), echelon holding cost :math:`h_j` per unit per period
(local holding cost of the stage minus that of its supplier), backorder cost :math:`p`
per unit per period at the customer, demand per period :math:`N(\\mu, \\sigma^2)`
i.i.d. Echelon base-stock policies are optimal (Clark & Scarf 1960).

Exact recursion, in the form of Chen & Zheng (1994), numbered from the customer
(stage 1) to the supplier (stage N), as in FSCT section 6.2, Theorem 6.1:

.. math::

    C_0(x) &= (p + \\textstyle\\sum_{i=1}^N h_i)\\, x^-\\\\
    \\hat C_j(x) &= h_j x + C_{j-1}(x)\\\\
    \\tilde C_j(y) &= E[\\hat C_j(y - D_j)], \\quad D_j \\sim N(\\mu L_j, \\sigma^2 L_j)\\\\
    S^*_j &= \\arg\\min_y \\tilde C_j(y), \\qquad C_j(x) = \\tilde C_j(\\min(S^*_j, x))

and the optimal expected cost per period is :math:`\\tilde C_N(S^*_N)` (holding on hand
and in transit, and backorders). Evaluated here on a fine grid (expectations by
discrete convolution with the normal lead-time demand; functions extended linearly
outside the grid, where they are linear), so base stocks are exact to about the grid
step and costs to its square.

Shang & Song approximation (FSCT section 6.2.4, "newsvendor heuristic"): with
:math:`\\tilde L_j = \\sum_{i \\le j} L_i` the lead time from stage j to the customer
and :math:`b_j = p + \\sum_{i > j} h_i`,

.. math::

    \\tilde S_j \\approx \\tfrac12 \\Big[F^{-1}_{\\tilde L_j}\\Big(\\frac{b_j}
    {b_j + \\sum_{i \\le j} h_i}\\Big) + F^{-1}_{\\tilde L_j}\\Big(\\frac{b_j}{b_j + h_j}\\Big)
    \\Big],

the mean of two newsvendor bounds on the optimal echelon base stock (closed form,
vectorised over products).

Sources:

- Clark, A. J. & Scarf, H., "Optimal policies for a multi-echelon inventory problem",
  *Management Science* 6(4), 1960, 475-490.
- Chen, F. & Zheng, Y.-S., "Lower bounds for multi-echelon stochastic inventory
  systems", *Management Science* 40(11), 1994, 1426-1443.
- Shang, K. H. & Song, J.-S., "Newsvendor bounds and heuristic for optimal policies in
  serial supply chains", *Management Science* 49(5), 2003, 618-638.
- Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed., Wiley 2019 ("FSCT"),
  section 6.2 and Example 6.1 (3 stages, h = (3, 2, 2) from the customer, L = (1, 1, 2),
  p = 37.12, N(5, 1): echelon base stocks (6.49, 12.02, 22.71), cost 47.65).

Inputs are listed **upstream first** (the supplier-side stage first, the customer-facing
stage last), as the stages appear along a :class:`~invplan.network.Network` path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal, special, stats

__all__ = [
    "SerialPolicy",
    "echelon_holding_costs",
    "clark_scarf",
    "serial_cost",
    "shang_song",
]


@dataclass(frozen=True)
class SerialPolicy:
    """Echelon and local base-stock levels (upstream first) and the expected cost."""

    echelon_base_stock: np.ndarray
    local_base_stock: np.ndarray
    cost: float
    method: str


def _vec(value, name: str, n: int | None = None, *, positive=False) -> np.ndarray:
    try:
        a = np.atleast_1d(np.asarray(value, dtype=float))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected numbers, got {value!r:.80}") from exc
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"{name}: expected one value per stage")
    if n is not None and a.size != n:
        if a.size == 1:
            a = np.full(n, a[0])
        else:
            raise ValueError(f"{name}: expected {n} values (one per stage), got {a.size}")
    if not np.isfinite(a).all() or (a < 0).any() or (positive and (a <= 0).any()):
        k = int(np.argmax(~np.isfinite(a) | (a < 0) | ((a <= 0) if positive else False)))
        sign = ">" if positive else ">="
        raise ValueError(
            f"{name}: must be finite and {sign} 0, got {float(a[k]):g} at stage {k} "
            "(stages counted from 0, upstream first)"
        )
    return a


def echelon_holding_costs(local_holding_cost) -> np.ndarray:
    """Echelon holding costs from local ones (upstream first): :math:`h_j = h'_j -
    h'_{j+1}`, the local cost minus the supplier's. ``ValueError`` if a stage's local cost
    is below its supplier's (value is added downstream: FSCT section 6.2.2)."""
    h = _vec(local_holding_cost, "local_holding_cost")
    e = np.diff(h, prepend=0.0)
    if (e < 0).any():
        k = int(np.argmax(e < 0))
        raise ValueError(
            f"local_holding_cost: stage {k} costs {h[k]:g}, less than its supplier's "
            f"{h[k - 1]:g}; echelon costs must be >= 0"
        )
    return e


DEMANDS = ("normal", "poisson")


def _inputs(lead_time, stockout_cost, demand_mean, demand_sigma, echelon, local, demand="normal"):
    if (echelon is None) == (local is None):
        raise ValueError("give exactly one of echelon_holding_cost and local_holding_cost")
    h = echelon_holding_costs(local) if local is not None else _vec(echelon, "echelon_holding_cost")
    L = _vec(lead_time, "lead_time", h.size)
    p = _vec(stockout_cost, "stockout_cost")
    if p.size != 1:
        raise ValueError("stockout_cost: one value expected")
    if demand not in DEMANDS:
        raise ValueError(f"demand: expected one of {DEMANDS}, got {demand!r}")
    mu = _vec(demand_mean, "demand_mean", positive=demand == "poisson")
    if demand == "poisson":
        if demand_sigma is not None:
            raise ValueError("demand_sigma: not used with Poisson demand (sigma = sqrt(mean))")
        demand_sigma = math.sqrt(float(mu[0]))
    sd = _vec(demand_sigma, "demand_sigma", positive=True)
    if mu.size != 1 or sd.size != 1:
        raise ValueError("demand_mean / demand_sigma: one value expected (one product)")
    # internal order: customer-facing stage first (FSCT numbering)
    return h[::-1].copy(), L[::-1].copy(), float(p[0]), float(mu[0]), float(sd[0])


def _grid(h, L, mu, sd, step, poisson=False):
    Lt = L.sum()
    sd_tot = sd * math.sqrt(Lt)
    width = 8.0
    dmin = mu * L - width * sd * np.sqrt(L)
    lo = min(0.0, float(np.min(np.cumsum(dmin)))) - 2.0 * sd - 1.0
    hi = max(0.0, mu * Lt) + (width + 2.0) * max(sd_tot, sd) + 1.0
    if poisson:
        if step not in (None, 1):
            raise ValueError("step: Poisson demand uses whole units (step 1)")
        step = 1.0
        lo, hi = math.floor(lo), math.ceil(hi)
    elif step is None:
        step = max(max(sd_tot, sd) / 400.0, (hi - lo) / 40000.0)
    elif not (np.isfinite(step) and step > 0):
        raise ValueError(f"step: must be > 0, got {step!r}")
    n = int(math.ceil((hi - lo) / step)) + 1
    return lo + step * np.arange(n), step


def _kernel(mean, sd, step, poisson=False):
    """Lead-time demand on multiples of ``step``: offsets (first index) and pmf."""
    if poisson and mean > 0:
        k = np.arange(int(stats.poisson.isf(1e-15, mean)) + 2)
        pmf = np.exp(k * math.log(mean) - mean - special.gammaln(k + 1))
        return 0, pmf / pmf.sum()
    if sd == 0.0:
        k = int(round(mean / step))
        return k, np.ones(1)
    half = 8.0 * sd
    kmin = int(math.floor((mean - half) / step))
    kmax = int(math.ceil((mean + half) / step))
    edges = (np.arange(kmin, kmax + 2) - 0.5) * step
    cdf = special.ndtr((edges - mean) / sd)
    pmf = np.diff(cdf)
    return kmin, pmf / pmf.sum()


def _expect(values, kmin, pmf):
    """``out[m] = sum_k pmf[k] values[m - (kmin + k)]``, linear outside the grid."""
    n = values.size
    kmax = kmin + pmf.size - 1
    left, right = max(kmax, 0), max(-kmin, 0)
    sl = values[1] - values[0]
    sr = values[-1] - values[-2]
    pad = np.concatenate(
        [
            values[0] - sl * np.arange(left, 0, -1),
            values,
            values[-1] + sr * np.arange(1, right + 1),
        ]
    )
    if pmf.size > 64:
        full = signal.fftconvolve(pad, pmf, mode="valid")
    else:
        full = np.convolve(pad, pmf, mode="valid")
    # full[t] = sum_k pmf[k] pad[t + pmf.size - 1 - k]; pad index of grid m is m + left
    start = left - kmax
    return full[start : start + n]


def _least_argmin(f):
    """Smallest index within a hair of the minimum: with a zero echelon holding cost
    the cost is flat above the optimum, and the least stock is the one to hold."""
    m = float(np.min(f))
    return int(np.argmax(f <= m + 1e-9 * (1.0 + abs(m))))


def _recursion(h, L, p, mu, sd, step, given=None, poisson=False):
    x, step = _grid(h, L, mu, sd, step, poisson)
    C = (p + h.sum()) * np.maximum(-x, 0.0)
    S = np.zeros(h.size)
    cost = math.nan
    for j in range(h.size):
        kmin, pmf = _kernel(mu * L[j], sd * math.sqrt(L[j]), step, poisson)
        Ct = _expect(h[j] * x + C, kmin, pmf)
        if given is None:
            m = _least_argmin(Ct)
            S[j], cost = x[m], Ct[m]
        else:
            S[j] = given[j]
            if not x[0] <= S[j] <= x[-1]:
                raise ValueError(f"echelon_base_stock: {S[j]:g} is outside the range computed")
            cost = float(np.interp(S[j], x, Ct))
        C = np.where(x <= S[j], Ct, np.interp(S[j], x, Ct))
    return S, float(cost)


def _local(echelon_customer_first):
    """Local base stocks (customer first) from echelon ones. An echelon level above its
    supplier's cannot be reached (the supplier's echelon stock contains it), so the
    effective level is the least of it and those upstream of it; locals are >= 0."""
    e = np.minimum.accumulate(echelon_customer_first[::-1])[::-1]
    return np.diff(e, prepend=0.0)


def clark_scarf(
    lead_time,
    stockout_cost,
    demand_mean,
    demand_sigma=None,
    *,
    echelon_holding_cost=None,
    local_holding_cost=None,
    demand="normal",
    step=None,
) -> SerialPolicy:
    """Optimal echelon base-stock levels of a serial system (exact, discretised).

    Parameters (per stage, **upstream first**): ``lead_time`` (periods),
    ``echelon_holding_cost`` or ``local_holding_cost`` (per unit per period; exactly one
    of them), ``stockout_cost`` (p, per unit backordered per period at the customer),
    ``demand_mean`` / ``demand_sigma`` (customer demand per period, normal), or
    ``demand="poisson"`` with ``demand_mean`` the rate (no sigma; whole units; this is
    also the continuous-review system with Poisson demand of Shang & Song's tests).
    ``step`` is the grid step in units (default about 1/400 of the lead-time demand's
    standard deviation).

    Returns a :class:`SerialPolicy` (echelon and local base stocks upstream first, the
    minimal expected cost per period). Base stocks are grid points: exact to ``step``;
    where the cost is flat (a zero echelon cost) the least optimal level is returned. Source: Clark & Scarf (1960), Chen & Zheng (1994),
    FSCT Theorem 6.1 (see the module docstring); FSCT Example 6.1 is reproduced in
    ``tests/test_network.py``.
    """
    h, L, p, mu, sd = _inputs(
        lead_time,
        stockout_cost,
        demand_mean,
        demand_sigma,
        echelon_holding_cost,
        local_holding_cost,
        demand,
    )
    S, cost = _recursion(h, L, p, mu, sd, step, poisson=demand == "poisson")
    return SerialPolicy(S[::-1].copy(), _local(S)[::-1].copy(), cost, "clark_scarf")


def serial_cost(
    echelon_base_stock,
    lead_time,
    stockout_cost,
    demand_mean,
    demand_sigma=None,
    *,
    echelon_holding_cost=None,
    local_holding_cost=None,
    demand="normal",
    step=None,
) -> float:
    """Expected cost per period of given echelon base-stock levels (upstream first),
    by the same recursion with :math:`S_j` fixed instead of optimised."""
    h, L, p, mu, sd = _inputs(
        lead_time,
        stockout_cost,
        demand_mean,
        demand_sigma,
        echelon_holding_cost,
        local_holding_cost,
        demand,
    )
    S = np.asarray(echelon_base_stock, dtype=float)
    if S.shape != h.shape or not np.isfinite(S).all():
        raise ValueError(f"echelon_base_stock: expected {h.size} finite values")
    return _recursion(h, L, p, mu, sd, step, given=S[::-1], poisson=demand == "poisson")[1]


def shang_song(
    lead_time,
    stockout_cost,
    demand_mean,
    demand_sigma,
    *,
    echelon_holding_cost=None,
    local_holding_cost=None,
) -> np.ndarray:
    """Shang-Song approximation of the optimal echelon base stocks (upstream first).

    ``demand_mean`` and ``demand_sigma`` may be arrays of products (shape (P,)); the
    result then has shape (P, stages). See the module docstring for the formula
    (FSCT section 6.2.4; Shang & Song 2003).
    """
    if (echelon_holding_cost is None) == (local_holding_cost is None):
        raise ValueError("give exactly one of echelon_holding_cost and local_holding_cost")
    h = (
        echelon_holding_costs(local_holding_cost)
        if local_holding_cost is not None
        else _vec(echelon_holding_cost, "echelon_holding_cost")
    )[::-1]
    L = _vec(lead_time, "lead_time", h.size)[::-1]
    p = _vec(stockout_cost, "stockout_cost")
    if p.size != 1 or p[0] <= 0:
        raise ValueError("stockout_cost: one value > 0 expected")
    mu = np.asarray(demand_mean, dtype=float)
    sd = np.asarray(demand_sigma, dtype=float)
    if not (np.isfinite(mu).all() and np.isfinite(sd).all()) or (sd <= 0).any() or (mu < 0).any():
        raise ValueError("demand_mean must be >= 0 and demand_sigma > 0")
    scalar = mu.ndim == 0 and sd.ndim == 0
    mu, sd = np.broadcast_arrays(np.atleast_1d(mu), np.atleast_1d(sd))
    Lt = np.cumsum(L)
    b = p[0] + (h.sum() - np.cumsum(h))  # p + echelon costs above stage j
    lo_ratio = b / (b + np.cumsum(h))
    hi_ratio = b / (b + h)
    zl, zh = special.ndtri(lo_ratio), special.ndtri(hi_ratio)
    out = mu[:, None] * Lt + sd[:, None] * np.sqrt(Lt) * 0.5 * (zl + zh)
    out = out[:, ::-1]
    return out[0] if scalar else out
