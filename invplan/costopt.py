"""Exact cost-optimal replenishment policies: (r, Q) and (s, S).

:func:`invplan.policy.rq_cost_based` finds an (r, Q) from an *approximate* cost (the
expected-inventory-level approximation of Hadley & Whitin). The functions here evaluate
and optimise the *exact* expected cost per unit time, so a planner can see what the
approximation costs and which service a given stockout cost really buys.

Notation and units (any consistent time unit, "year" below):

=====================  ==================================================================
``demand_rate``        lambda, mean demand per year
``lead_time``          L, in years (constant)
``holding_cost``       h, per unit held per year
``ordering_cost``      K, per order
``backorder_cost``     b, per unit backordered per year (a time-weighted penalty)
``stockout_cost``      p, per unit backordered (charged once per unit short)
=====================  ==================================================================

Continuous review (r, Q): when the inventory position (on hand + on order - backorders)
falls to r, order Q. In steady state the inventory position is uniform on
``r+1, ..., r+Q`` (discrete demand) or on ``[r, r+Q]`` (continuous demand) and is
independent of the lead-time demand D, so the expected cost per year is

.. math:: C(r, Q) = \\frac{K\\lambda + \\sum_{y=r+1}^{r+Q} G(y)}{Q}, \\qquad
          G(y) = h\\,E[(y-D)^+] + b\\,E[(D-y)^+] + p\\,\\lambda\\,P(D \\ge y)

(an integral over ``[r, r+Q]`` in the continuous case, with :math:`P(D > y)`).
Sources: Zipkin, *Foundations of Inventory Management*, McGraw-Hill 2000, sections 6.2
(discrete, Poisson demand) and 6.4 (continuous, normal demand);
Hadley & Whitin, *Analysis of Inventory Systems*, Prentice-Hall 1963, ch. 4; Snyder &
Shen, *Fundamentals of Supply Chain Theory*, 2nd ed., Wiley 2019 ("FSCT"), section 5.2,
eq. (5.7) (h and a backorder cost per unit per year, their p is our b).

Periodic review (s, S) with a fixed order cost: at each review, if the inventory position
is at or below s, order up to S. Zheng & Federgruen, "Finding optimal (s, S) policies is
about as simple as evaluating a single policy", *Operations Research* 39(4), 1991,
654-665 ("ZF91").

Inputs are scalars. A negative or NaN input raises ``ValueError`` naming the argument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

__all__ = [
    "RQPolicy",
    "SSPolicy",
    "first_order_loss_normal",
    "second_order_loss_normal",
    "poisson_loss",
    "poisson_second_order_loss",
    "rq_cost_poisson",
    "rq_cost_normal",
    "rq_best_r_poisson",
    "rq_best_r_normal",
    "rq_optimal_poisson",
    "rq_optimal_normal",
    "rq_iterative_normal",
    "rq_approximation_gap_poisson",
    "rq_approximation_gap_normal",
    "rq_service_poisson",
    "rq_service_normal",
    "poisson_pmf",
    "ss_cost",
    "ss_optimal",
    "ss_service",
]


@dataclass(frozen=True)
class RQPolicy:
    """An (r, Q) policy and its exact expected cost per unit time."""

    r: float
    q: float
    cost: float
    method: str = "exact"


@dataclass(frozen=True)
class SSPolicy:
    """An (s, S) policy and its exact expected cost per period."""

    s: int
    S: int
    cost: float


# ------------------------------------------------------------------------- input checks


def _nonneg(value, name: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected a number, got {value!r:.80}") from exc
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{name}: must be a finite number >= 0, got {value!r}")
    return x


def _positive(value, name: str) -> float:
    x = _nonneg(value, name)
    if x <= 0:
        raise ValueError(f"{name}: must be > 0, got {value!r}")
    return x


def _finite(value, name: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected a number, got {value!r:.80}") from exc
    if not math.isfinite(x):
        raise ValueError(f"{name}: must be finite, got {value!r}")
    return x


def _integer(value, name: str) -> int:
    x = _finite(value, name)
    if x != round(x):
        raise ValueError(f"{name}: must be an integer, got {value!r}")
    return int(round(x))


def _rq_costs(holding_cost, ordering_cost, backorder_cost, stockout_cost):
    h = _positive(holding_cost, "holding_cost")
    K = _nonneg(ordering_cost, "ordering_cost")
    b = _nonneg(backorder_cost, "backorder_cost")
    p = _nonneg(stockout_cost, "stockout_cost")
    if b == 0 and p == 0:
        raise ValueError("backorder_cost / stockout_cost: at least one must be > 0")
    return h, K, b, p


# ------------------------------------------------------------------------- loss functions


def first_order_loss_normal(z):
    """Standard normal first-order loss :math:`G^1(z) = E[(Z-z)^+] = \\varphi(z) - z(1-\\Phi(z))`.

    Source: Zipkin (2000) appendix C; FSCT eq. (C.20).
    """
    z = np.asarray(z, dtype=float)
    return stats.norm.pdf(z) - z * stats.norm.sf(z)


def second_order_loss_normal(z):
    """Standard normal second-order loss :math:`G^2(z) = \\tfrac12 E[((Z-z)^+)^2]`.

    .. math:: G^2(z) = \\tfrac12\\,[(z^2+1)(1-\\Phi(z)) - z\\,\\varphi(z)]
              = \\int_z^\\infty G^1(x)\\,dx

    Source: Zipkin (2000) appendix C; FSCT appendix C.
    """
    z = np.asarray(z, dtype=float)
    return 0.5 * ((z * z + 1.0) * stats.norm.sf(z) - z * stats.norm.pdf(z))


def poisson_loss(x, mean):
    """Poisson first-order loss :math:`E[(D-x)^+] = (\\theta-x)(1-F(x)) + \\theta f(x)`.

    For integer x (negative x included, where it is :math:`\\theta - x`). Source:
    Zipkin (2000) appendix C.2.4; Hadley & Whitin (1963) appendix.
    """
    x = np.asarray(x, dtype=float)
    return (mean - x) * stats.poisson.sf(x, mean) + mean * stats.poisson.pmf(x, mean)


def poisson_second_order_loss(x, mean):
    """Poisson second-order loss :math:`\\tfrac12 E[(D-x)^+(D-x-1)^+] = \\sum_{j>x} E[(D-j)^+]`.

    .. math:: \\tfrac12\\,[((x-\\theta)^2 + x)(1-F(x)) - \\theta(x-\\theta) f(x)]

    For integer x. Source: Zipkin (2000) section 6.2 and appendix C, where
    :math:`\\sum_{y=r+1}^{r+Q} E[(D-y)^+] = G^2(r) - G^2(r+Q)`.
    """
    x = np.asarray(x, dtype=float)
    d = x - mean
    return 0.5 * ((d * d + x) * stats.poisson.sf(x, mean) - mean * d * stats.poisson.pmf(x, mean))


# ------------------------------------------------------------------ (r, Q), Poisson demand


def _poisson_G(y, theta, lam, h, b, p):
    """G(y) of the discrete (r, Q) cost (per year), vectorised over integer y."""
    y = np.asarray(y, dtype=float)
    short = poisson_loss(y, theta)
    over = y - theta + short
    tail = stats.poisson.sf(y - 1, theta)  # P(D >= y)
    return h * over + b * short + p * lam * tail


def _check_rq_poisson(
    demand_rate, lead_time, holding_cost, ordering_cost, backorder_cost, stockout_cost
):
    lam = _positive(demand_rate, "demand_rate")
    L = _nonneg(lead_time, "lead_time")
    h, K, b, p = _rq_costs(holding_cost, ordering_cost, backorder_cost, stockout_cost)
    return lam, L, h, K, b, p


def rq_cost_poisson(
    r, q, demand_rate, lead_time, holding_cost, ordering_cost, backorder_cost=0.0, stockout_cost=0.0
):
    """Exact expected cost per year of an (r, Q) policy under Poisson demand.

    Unit Poisson demand at rate lambda, constant lead time L, lead-time demand
    D ~ Poisson(lambda L). The inventory position is uniform on r+1..r+Q, so

    .. math::

        C(r,Q) = \\frac{1}{Q}\\Big[K\\lambda + hQ\\big(r + \\tfrac{Q+1}{2} - \\lambda L\\big)
                 + (h+b)\\,[G^2(r) - G^2(r+Q)] + p\\lambda\\,[G^1(r) - G^1(r+Q)]\\Big]

    with the Poisson loss functions :math:`G^1, G^2` (:func:`poisson_loss`,
    :func:`poisson_second_order_loss`): expected on-hand stock is
    :math:`r + (Q+1)/2 - \\lambda L + B`, expected backorders
    :math:`B = [G^2(r)-G^2(r+Q)]/Q`, and the fraction of demand backordered
    :math:`[G^1(r)-G^1(r+Q)]/Q`. Source: Zipkin (2000) section 6.2;
    Hadley & Whitin (1963) chapter 4 (Poisson demand, backorders).

    ``r`` an integer (may be negative), ``q`` an integer >= 1.
    """
    lam, L, h, K, b, p = _check_rq_poisson(
        demand_rate, lead_time, holding_cost, ordering_cost, backorder_cost, stockout_cost
    )
    r = _integer(r, "r")
    q = _integer(q, "q")
    if q < 1:
        raise ValueError(f"q: must be >= 1, got {q}")
    theta = lam * L
    g2 = poisson_second_order_loss(np.array([r, r + q]), theta)
    g1 = poisson_loss(np.array([r, r + q]), theta)
    total = (
        K * lam
        + h * q * (r + (q + 1) / 2.0 - theta)
        + (h + b) * (g2[0] - g2[1])
        + p * lam * (g1[0] - g1[1])
    )
    return float(total / q)


class _PoissonG:
    """Cached G(y) on integers, extended on demand."""

    def __init__(self, theta, lam, h, b, p):
        self.args = (theta, lam, h, b, p)
        self.lo = int(math.floor(theta - 10 * math.sqrt(theta + 1) - 10))
        self.hi = int(math.ceil(theta + 10 * math.sqrt(theta + 1) + 10))
        self.values = _poisson_G(np.arange(self.lo, self.hi + 1), *self.args)

    def __call__(self, y: int) -> float:
        if y < self.lo or y > self.hi:
            width = self.hi - self.lo + 1
            new_lo = min(self.lo, y - width)
            new_hi = max(self.hi, y + width)
            self.values = _poisson_G(np.arange(new_lo, new_hi + 1), *self.args)
            self.lo, self.hi = new_lo, new_hi
        return float(self.values[y - self.lo])

    def argmin(self) -> int:
        theta = self.args[0]
        top = int(math.ceil(theta + 40 * math.sqrt(theta + 1) + 40))
        grid = np.arange(-1, top + 1)
        vals = _poisson_G(grid, *self.args)
        return int(grid[int(np.argmin(vals))])


def _greedy_windows(G, y_star, q_stop=None):
    """Federgruen-Zheng greedy: the optimal windows for Q = 1, 2, ... of a quasiconvex G.

    Yields (r, Q, sum of G over r+1..r+Q). Ties go to the right end.
    """
    lo = hi = y_star
    total = G(y_star)
    q = 1
    while True:
        yield lo - 1, q, total
        if q_stop is not None and q >= q_stop:
            return
        left, right = G(lo - 1), G(hi + 1)
        if left < right:
            lo -= 1
            total += left
        else:
            hi += 1
            total += right
        q += 1


def _rq_optimal_poisson_fz(G, lam, K, b):
    """Federgruen & Zheng (1992) algorithm for quasiconvex G."""
    y_star = G.argmin()
    best = None
    lo = hi = y_star
    total = G(y_star)
    q = 1
    while True:
        cost = (K * lam + total) / q
        best = (lo - 1, q, cost)
        left, right = G(lo - 1), G(hi + 1)
        nxt = min(left, right)
        if nxt >= cost:
            return best
        if left < right:
            lo -= 1
            if b == 0 and lo < 0:
                raise ValueError(
                    "stockout_cost: backordering every unit costs less than any stock "
                    "policy (no finite optimum); raise stockout_cost or give a backorder_cost"
                )
            total += left
        else:
            hi += 1
            total += right
        q += 1


def rq_best_r_poisson(
    q, demand_rate, lead_time, holding_cost, ordering_cost, backorder_cost=0.0, stockout_cost=0.0
):
    """Optimal reorder point for a given Q under Poisson demand (exact).

    Minimises :math:`\\sum_{y=r+1}^{r+Q} G(y)` over r. G is quasiconvex (see
    :func:`rq_optimal_poisson`), so the best window of length Q is grown greedily from
    the minimiser of G, adding the cheaper neighbour each time (Federgruen & Zheng 1992;
    Zipkin 2000 section 6.2). Returns an :class:`RQPolicy` with its exact cost.
    """
    lam, L, h, K, b, p = _check_rq_poisson(
        demand_rate, lead_time, holding_cost, ordering_cost, backorder_cost, stockout_cost
    )
    q = _integer(q, "q")
    if q < 1:
        raise ValueError(f"q: must be >= 1, got {q}")
    theta = lam * L
    G = _PoissonG(theta, lam, h, b, p)
    *_, (r, _, total) = _greedy_windows(G, G.argmin(), q_stop=q)
    return RQPolicy(r, q, float((K * lam + total) / q))


def rq_optimal_poisson(
    demand_rate, lead_time, holding_cost, ordering_cost, backorder_cost=0.0, stockout_cost=0.0
):
    """Exact optimal (r*, Q*) under Poisson demand: Federgruen & Zheng (1992).

    Federgruen & Zheng, "An efficient algorithm for computing an optimal (r, Q) policy in
    continuous review stochastic inventory systems", *Operations Research* 40(4), 1992,
    808-813. For quasiconvex G the best window for Q+1 is the best window for Q plus the
    cheaper neighbour, and the average cost :math:`C(Q)` falls as long as that neighbour
    costs less than :math:`C(Q)`; the first Q where it does not is optimal.

    G is quasiconvex here: :math:`G(y+1) - G(y) + b = (h+b)F(y) - p\\lambda f(y)`, and
    where this is positive it increases with y (below the mode f rises and F/f rises, as
    the Poisson pmf is log-concave; above it F rises and f falls), so the increment
    crosses zero once.

    With b = 0 and a small p, never holding stock can be cheapest in the limit Q -> inf
    (cost p lambda); then no finite optimum exists and ``ValueError`` is raised.
    Returns an :class:`RQPolicy` (r, Q integers, cost per year).
    """
    lam, L, h, K, b, p = _check_rq_poisson(
        demand_rate, lead_time, holding_cost, ordering_cost, backorder_cost, stockout_cost
    )
    theta = lam * L
    G = _PoissonG(theta, lam, h, b, p)
    if b == 0 and K > 0 and G.argmin() <= 0:
        raise ValueError(
            "stockout_cost: backordering every unit costs less than any stock policy "
            "(no finite optimum); raise stockout_cost or give a backorder_cost"
        )
    r, q, cost = _rq_optimal_poisson_fz(G, lam, K, b)
    return RQPolicy(int(r), int(q), float(cost), "federgruen_zheng")


def rq_service_poisson(r, q, demand_rate, lead_time):
    """Implied service of an (r, Q) policy under Poisson demand.

    Returns ``(fill_rate, cycle_service)``: the fill rate (fraction of units served from
    stock, equal to the ready rate for unit demand) :math:`1 - [G^1(r) - G^1(r+Q)]/Q`
    (Zipkin 2000 section 6.2), and the cycle service level, the probability that an
    order's lead time sees no stockout, :math:`P(D \\le r)` (Silver, Pyke & Peterson 1998,
    chapter 7, P1).
    """
    lam = _positive(demand_rate, "demand_rate")
    L = _nonneg(lead_time, "lead_time")
    r = _integer(r, "r")
    q = _integer(q, "q")
    if q < 1:
        raise ValueError(f"q: must be >= 1, got {q}")
    theta = lam * L
    g1 = poisson_loss(np.array([r, r + q]), theta)
    fill = 1.0 - (g1[0] - g1[1]) / q
    return float(fill), float(stats.poisson.cdf(r, theta))


def rq_approximation_gap_poisson(
    demand_rate, lead_time, holding_cost, ordering_cost, backorder_cost=0.0, stockout_cost=0.0
):
    """EOQ + safety-factor (r, Q) against the exact optimum, Poisson demand.

    The approximation: Q = EOQ rounded (at least 1), and r the smallest integer with
    :math:`F(r) \\ge (b + p\\lambda/Q) / (h + b + p\\lambda/Q)`, a newsvendor condition
    in which a per-unit stockout cost counts as :math:`p\\lambda/Q` per unit per year
    (FSCT section 5.3, "EOQ+SS"; Silver, Pyke & Peterson 1998 chapter 7). Both
    policies are costed exactly.

    Returns ``(approx, exact, gap)``: two :class:`RQPolicy` and the relative excess
    cost ``approx.cost / exact.cost - 1``.
    """
    lam, L, h, K, b, p = _check_rq_poisson(
        demand_rate, lead_time, holding_cost, ordering_cost, backorder_cost, stockout_cost
    )
    theta = lam * L
    q = max(1, int(round(math.sqrt(2.0 * K * lam / h))))
    under = b + p * lam / q
    ratio = under / (h + under)
    r = int(stats.poisson.ppf(ratio, theta)) if theta > 0 else 0
    args = (lam, L, h, K, b, p)
    approx = RQPolicy(r, q, rq_cost_poisson(r, q, *args), "eoq_safety_factor")
    exact = rq_optimal_poisson(*args)
    return approx, exact, approx.cost / exact.cost - 1.0


# ------------------------------------------------------------------- (r, Q), normal demand


def _check_rq_normal(demand_rate, mean_ltd, sigma_ltd, holding_cost, ordering_cost, b, p):
    lam = _positive(demand_rate, "demand_rate")
    mu = _finite(mean_ltd, "mean_ltd")
    sigma = _positive(sigma_ltd, "sigma_ltd")
    h, K, b, p = _rq_costs(holding_cost, ordering_cost, b, p)
    return lam, mu, sigma, h, K, b, p


def rq_cost_normal(
    r,
    q,
    demand_rate,
    mean_ltd,
    sigma_ltd,
    holding_cost,
    ordering_cost,
    backorder_cost=0.0,
    stockout_cost=0.0,
):
    """Exact expected cost per year of an (r, Q) policy with normal lead-time demand.

    Lead-time demand D ~ N(mu, sigma), inventory position uniform on [r, r+Q]:

    .. math::

        C(r,Q) = \\frac{1}{Q}\\Big[K\\lambda + hQ\\big(r + \\tfrac{Q}{2} - \\mu\\big)
                 + (h+b)\\,[n^2(r) - n^2(r+Q)] + p\\lambda\\,[n^1(r) - n^1(r+Q)]\\Big]

    with :math:`n^1(x) = \\sigma G^1((x-\\mu)/\\sigma)` and
    :math:`n^2(x) = \\sigma^2 G^2((x-\\mu)/\\sigma)` (:func:`first_order_loss_normal`,
    :func:`second_order_loss_normal`). Source: Zipkin (2000) section 6.4; FSCT section 5.2, eq. (5.7) (with p = 0: their p is our b);
    Hadley & Whitin (1963) chapter 4.
    """
    lam, mu, sigma, h, K, b, p = _check_rq_normal(
        demand_rate, mean_ltd, sigma_ltd, holding_cost, ordering_cost, backorder_cost, stockout_cost
    )
    r = _finite(r, "r")
    q = _positive(q, "q")
    return _normal_cost(r, q, lam, mu, sigma, h, K, b, p)


def _normal_cost(r, q, lam, mu, sigma, h, K, b, p):
    z = (np.array([r, r + q]) - mu) / sigma
    n2 = sigma * sigma * second_order_loss_normal(z)
    n1 = sigma * first_order_loss_normal(z)
    total = (
        K * lam + h * q * (r + q / 2.0 - mu) + (h + b) * (n2[0] - n2[1]) + p * lam * (n1[0] - n1[1])
    )
    return float(total / q)


def _normal_g(y, lam, mu, sigma, h, b, p):
    """g(y) = h E(y-D)^+ + b E(D-y)^+ + p lambda P(D > y)."""
    z = (np.asarray(y, dtype=float) - mu) / sigma
    short = sigma * first_order_loss_normal(z)
    return h * (y - mu + short) + b * short + p * lam * stats.norm.sf(z)


def _normal_dg(y, lam, mu, sigma, h, b, p):
    z = (np.asarray(y, dtype=float) - mu) / sigma
    return (h + b) * stats.norm.cdf(z) - b - p * lam * stats.norm.pdf(z) / sigma


def _normal_argmin(lam, mu, sigma, h, b, p):
    """Minimiser of a quasiconvex g (root of g')."""
    if b == 0:
        # g' = phi(z) [h Phi(z)/phi(z) - p lambda / sigma]: solve on the log scale, where
        # the Mills ratio Phi/phi does not underflow far below the mean.
        c = math.log(p * lam / sigma / h)

        def f(z):
            return float(stats.norm.logcdf(z) - stats.norm.logpdf(z)) - c

        z = optimize.brentq(f, -1e6, 60.0, xtol=1e-13, rtol=1e-15)
        return mu + sigma * z
    lo = mu - 40.0 * sigma
    hi = mu + 40.0 * sigma
    f = lambda y: float(_normal_dg(y, lam, mu, sigma, h, b, p))  # noqa: E731
    if f(lo) >= 0:
        return lo
    return optimize.brentq(f, lo, hi, xtol=1e-12 * max(1.0, abs(mu) + sigma))


def _normal_best_r(q, y_star, args):
    """For quasiconvex g: r with g(r) = g(r+Q), r in [y* - Q, y*]."""
    lam, mu, sigma, h, b, p = args
    f = lambda r: float(_normal_g(r + q, *args) - _normal_g(r, *args))  # noqa: E731
    lo, hi = y_star - q, y_star
    flo, fhi = f(lo), f(hi)
    if flo >= 0:
        return lo
    if fhi <= 0:
        return hi
    return optimize.brentq(f, lo, hi, xtol=1e-12 * max(1.0, abs(mu) + sigma + q))


def rq_best_r_normal(
    q,
    demand_rate,
    mean_ltd,
    sigma_ltd,
    holding_cost,
    ordering_cost,
    backorder_cost=0.0,
    stockout_cost=0.0,
):
    """Optimal reorder point for a given Q with normal lead-time demand (exact).

    :math:`\\partial C/\\partial r = [g(r+Q) - g(r)]/Q`, so for quasiconvex g the best r
    solves :math:`g(r) = g(r+Q)` (Zipkin 2000 section 6.4; FSCT section 5.2), found by
    Brent's method on :math:`[y^* - Q, y^*]`, y* the minimiser of g. g is convex when
    p = 0 and quasiconvex in general: :math:`g'(y) + b = (h+b)\\Phi(z) - (p\\lambda/\\sigma)
    \\varphi(z)`, and where this is positive it increases (below the mean
    :math:`\\varphi` and the Mills ratio :math:`\\Phi/\\varphi` rise, above it
    :math:`\\Phi` rises and :math:`\\varphi` falls), so g' changes sign once.
    Returns an :class:`RQPolicy`.
    """
    lam, mu, sigma, h, K, b, p = _check_rq_normal(
        demand_rate, mean_ltd, sigma_ltd, holding_cost, ordering_cost, backorder_cost, stockout_cost
    )
    q = _positive(q, "q")
    args = (lam, mu, sigma, h, b, p)
    r = _normal_best_r(q, _normal_argmin(*args), args)
    return RQPolicy(float(r), q, _normal_cost(r, q, lam, mu, sigma, h, K, b, p), "exact")


def rq_optimal_normal(
    demand_rate,
    mean_ltd,
    sigma_ltd,
    holding_cost,
    ordering_cost,
    backorder_cost=0.0,
    stockout_cost=0.0,
):
    """Exact optimal (r*, Q*) with normal lead-time demand.

    The optimality conditions of the exact cost (Zipkin 2000 section 6.4;
    FSCT section 5.2) are

    .. math:: g(r) = g(r+Q) = C(r, Q),

    the ends of the window at equal height, and that height equal to the average cost.
    g is quasiconvex (:func:`rq_best_r_normal`), so r(Q) solves the first equation and :math:`C(Q) = C(r(Q), Q)` falls
    while :math:`g(r(Q)+Q) < C(Q)` and rises after (:math:`dC/dQ = [g(r+Q) - C]/Q`, and
    the end height grows with Q), so the second equation has one root in Q, found by
    Brent's method to machine precision: this is the exact optimum, not an iteration on
    an approximate cost.

    Returns an :class:`RQPolicy` (r, Q real, cost per year).
    """
    lam, mu, sigma, h, K, b, p = _check_rq_normal(
        demand_rate, mean_ltd, sigma_ltd, holding_cost, ordering_cost, backorder_cost, stockout_cost
    )
    args = (lam, mu, sigma, h, b, p)
    y_star = _normal_argmin(*args)

    def psi(q):
        r = _normal_best_r(q, y_star, args)
        return float(_normal_g(r + q, *args)) - _normal_cost(r, q, lam, mu, sigma, h, K, b, p)

    q_lo = 1e-9 * max(1.0, sigma)
    if K == 0:
        q = q_lo
    else:
        q_hi = max(math.sqrt(2.0 * K * lam / h), sigma)
        for _ in range(60):
            if psi(q_hi) > 0:
                break
            q_hi *= 2.0
        else:
            raise ValueError(
                "stockout_cost: backordering every unit costs less than any stock policy "
                "(no finite optimum); raise stockout_cost or give a backorder_cost"
            )
        q = optimize.brentq(psi, q_lo, q_hi, xtol=1e-12 * q_hi, rtol=1e-14)
    r = _normal_best_r(q, y_star, args)
    cost = _normal_cost(r, q, lam, mu, sigma, h, K, b, p)
    if b == 0 and cost >= p * lam * (1.0 - 1e-9):
        # Never holding stock costs p lambda in the limit r, Q -> -inf, inf.
        raise ValueError(
            "stockout_cost: backordering every unit costs less than any stock policy "
            "(no finite optimum); raise stockout_cost or give a backorder_cost"
        )
    return RQPolicy(float(r), float(q), cost, "exact")


def rq_iterative_normal(
    demand_rate,
    mean_ltd,
    sigma_ltd,
    holding_cost,
    ordering_cost,
    backorder_cost,
    tol=1e-10,
    max_iter=1000,
):
    """Iterative procedure on the exact cost (backorder cost b per unit per year).

    The Hadley-Whitin iteration (FSCT section 5.3, the procedure behind
    :func:`invplan.policy.rq_cost_based`) alternates an r-condition and a Q-condition of
    an *approximate* cost. Here the same alternation is run on the two first-order
    conditions of the *exact* cost (Zipkin 2000 section 6.4): starting from Q = EOQ,
    r solves :math:`g(r) = g(r+Q)` (:math:`\\partial C/\\partial r = 0`) and Q solves
    :math:`g(r+Q) = C(r, Q)` at that r (:math:`\\partial C/\\partial Q = 0`), until both
    move by less than ``tol`` (relative). Each step lowers C, and for convex g the only
    fixed point is the optimum, so it lands on the point :func:`rq_optimal_normal` finds
    directly. Kept because it is the textbook form of the algorithm. Returns an
    :class:`RQPolicy`.
    """
    lam, mu, sigma, h, K, b, p = _check_rq_normal(
        demand_rate, mean_ltd, sigma_ltd, holding_cost, ordering_cost, backorder_cost, 0.0
    )
    args = (lam, mu, sigma, h, b, 0.0)
    y_star = _normal_argmin(*args)
    q = max(math.sqrt(2.0 * K * lam / h), 1e-9)
    r = _normal_best_r(q, y_star, args)
    for _ in range(max_iter):
        # Q from g(r+Q) = C(r, Q) at fixed r: a 1-D root (negative for small Q).
        def phi(qq, r=r):
            return float(_normal_g(r + qq, *args)) - _normal_cost(
                r, qq, lam, mu, sigma, h, K, b, 0.0
            )

        hi = q
        while phi(hi) <= 0:
            hi *= 2.0
        lo = 1e-12
        q_new = optimize.brentq(phi, lo, hi, xtol=1e-13 * hi) if K > 0 else lo
        r_new = _normal_best_r(q_new, y_star, args)
        done = abs(q_new - q) < tol * max(1.0, q) and abs(r_new - r) < tol * max(1.0, abs(r))
        q, r = q_new, r_new
        if done:
            break
    return RQPolicy(
        float(r), float(q), _normal_cost(r, q, lam, mu, sigma, h, K, b, 0.0), "iterative"
    )


def rq_service_normal(r, q, mean_ltd, sigma_ltd):
    """Implied service of an (r, Q) policy with normal lead-time demand.

    Returns ``(fill_rate, cycle_service)``: the exact fill rate
    :math:`1 - [n^1(r) - n^1(r+Q)]/Q` (Zipkin 2000 section 6.4; the usual
    :math:`1 - n^1(r)/Q` drops the second term) and the cycle service level
    :math:`\\Phi((r-\\mu)/\\sigma)` (FSCT section 5.2, type-1 service).
    """
    mu = _finite(mean_ltd, "mean_ltd")
    sigma = _positive(sigma_ltd, "sigma_ltd")
    r = _finite(r, "r")
    q = _positive(q, "q")
    z = (np.array([r, r + q]) - mu) / sigma
    n1 = sigma * first_order_loss_normal(z)
    return float(1.0 - (n1[0] - n1[1]) / q), float(stats.norm.cdf(z[0]))


def rq_approximation_gap_normal(
    demand_rate,
    mean_ltd,
    sigma_ltd,
    holding_cost,
    ordering_cost,
    backorder_cost=0.0,
    stockout_cost=0.0,
):
    """EOQ + safety-factor (r, Q) against the exact optimum, normal lead-time demand.

    The approximation: Q = EOQ, and :math:`r = \\mu + \\sigma\\,\\Phi^{-1}(\\alpha)` with
    :math:`\\alpha = (b + p\\lambda/Q)/(h + b + p\\lambda/Q)` (FSCT section 5.3, "EOQ+SS",
    where p = 0 gives their :math:`\\alpha = p/(p+h)`). Both are costed exactly.

    Returns ``(approx, exact, gap)``: two :class:`RQPolicy` and
    ``approx.cost / exact.cost - 1``.
    """
    lam, mu, sigma, h, K, b, p = _check_rq_normal(
        demand_rate, mean_ltd, sigma_ltd, holding_cost, ordering_cost, backorder_cost, stockout_cost
    )
    q = max(math.sqrt(2.0 * K * lam / h), 1e-9)
    under = b + p * lam / q
    r = mu + sigma * float(stats.norm.ppf(under / (h + under)))
    approx = RQPolicy(r, q, _normal_cost(r, q, lam, mu, sigma, h, K, b, p), "eoq_safety_factor")
    exact = rq_optimal_normal(lam, mu, sigma, h, K, b, p)
    return approx, exact, approx.cost / exact.cost - 1.0


# --------------------------------------------------------------- (s, S), periodic review


def poisson_pmf(mean, tail=1e-15):
    """Poisson pmf 0..n as an array, n the first point with upper tail below ``tail``;
    the pmf is rescaled to sum to 1."""
    mean = _nonneg(mean, "mean")
    n = int(stats.poisson.isf(tail, mean)) + 1 if mean > 0 else 0
    pmf = stats.poisson.pmf(np.arange(n + 1), mean)
    return pmf / pmf.sum()


def _check_pmf(demand_pmf):
    try:
        pmf = np.asarray(demand_pmf, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"demand_pmf: expected numbers, got {demand_pmf!r:.80}") from exc
    if pmf.ndim != 1 or pmf.size == 0:
        raise ValueError("demand_pmf: expected a non-empty 1-D array (P(D=0), P(D=1), ...)")
    if not np.all(np.isfinite(pmf)) or np.any(pmf < 0):
        raise ValueError("demand_pmf: probabilities must be finite and >= 0")
    total = pmf.sum()
    if abs(total - 1.0) > 1e-9:
        raise ValueError(f"demand_pmf: must sum to 1, sums to {total!r}")
    if pmf[0] >= 1.0:
        raise ValueError("demand_pmf: demand is always zero (P(D=0) = 1)")
    return pmf / total


def _convolve_power(pmf, n):
    out = np.array([1.0])
    for _ in range(n):
        out = np.convolve(out, pmf)
    return out


class _SSModel:
    """G(y) and the renewal functions m, M of ZF91 for one instance."""

    def __init__(self, pmf, lead_time, h, p):
        self.pmf = pmf
        self.ltd = _convolve_power(pmf, lead_time + 1)  # demand over L+1 periods
        self.support = np.arange(self.ltd.size)
        self.mean_ltd = float(self.support @ self.ltd)
        self.h, self.p = h, p
        self.m = np.array([1.0 / (1.0 - pmf[0])])
        self.G_cache: dict[int, float] = {}

    def G(self, y: int) -> float:
        v = self.G_cache.get(y)
        if v is None:
            over = float(np.clip(y - self.support, 0, None) @ self.ltd)
            short = over - (y - self.mean_ltd)
            v = self.h * over + self.p * short
            self.G_cache[y] = v
        return v

    def m_upto(self, n: int) -> np.ndarray:
        """m(0..n-1): expected number of visits of IP to S - j before an order (ZF91)."""
        m, pmf = self.m, self.pmf
        if m.size < n:
            out = np.empty(n)
            out[: m.size] = m
            q = 1.0 / (1.0 - pmf[0])
            for j in range(m.size, n):
                k = min(j, pmf.size - 1)
                out[j] = q * float(pmf[1 : k + 1] @ out[j - k : j][::-1]) if k >= 1 else 0.0
            self.m = out
        return self.m[:n]

    def cost(self, s: int, S: int, K: float) -> float:
        """c(s, S) = [K + sum_{j=0}^{S-s-1} m(j) G(S-j)] / M(S-s) (ZF91)."""
        n = S - s
        m = self.m_upto(n)
        g = np.array([self.G(S - j) for j in range(n)])
        return float((K + m @ g) / m.sum())


def _check_ss(demand_pmf, holding_cost, backorder_cost, ordering_cost, lead_time):
    pmf = _check_pmf(demand_pmf)
    h = _positive(holding_cost, "holding_cost")
    p = _positive(backorder_cost, "backorder_cost")
    K = _nonneg(ordering_cost, "ordering_cost")
    L = _integer(_nonneg(lead_time, "lead_time"), "lead_time")
    return pmf, h, p, K, L


def ss_cost(s, S, demand_pmf, holding_cost, backorder_cost, ordering_cost, lead_time=0):
    """Exact long-run expected cost per period of a periodic-review (s, S) policy.

    Demand per period i.i.d. with ``demand_pmf`` (P(D=0), P(D=1), ...), full backlogging,
    an integer lead time L >= 0 in periods, holding cost h and backorder cost p per unit
    per period charged on the net inventory at the end of a period, fixed cost K per
    order. With :math:`G(y) = h E[(y-D_{L+1})^+] + p E[(D_{L+1}-y)^+]`,

    .. math:: c(s, S) = \\frac{K + \\sum_{j=0}^{S-s-1} m(j)\\,G(S-j)}{M(S-s)}, \\quad
              m(0) = \\frac{1}{1-p_0},\\ m(j) = \\frac{\\sum_{l=1}^{j} p_l\\, m(j-l)}{1-p_0},\\
              M(n) = \\sum_{j<n} m(j)

    (renewal-reward: a cycle runs from one order to the next, M(S-s) is its expected
    length and m(j) the expected number of periods that start at S - j). Source: ZF91;
    Zipkin (2000) chapter 6. Orders are placed when the
    inventory position is at or below s, so s < S.
    """
    pmf, h, p, K, L = _check_ss(demand_pmf, holding_cost, backorder_cost, ordering_cost, lead_time)
    s = _integer(s, "s")
    S = _integer(S, "S")
    if s >= S:
        raise ValueError(f"s: must be < S, got s={s}, S={S}")
    return _SSModel(pmf, L, h, p).cost(s, S, K)


def ss_optimal(demand_pmf, holding_cost, backorder_cost, ordering_cost, lead_time=0):
    """Optimal periodic-review (s*, S*) by the Zheng & Federgruen (1991) algorithm.

    ZF91's algorithm (G is convex here, so quasiconvex as the paper requires):

    0. y* minimises G. Lower s from y* until :math:`c(s, y^*) \\le G(s)`; set
       :math:`S^0 = y^*`, :math:`c^0 = c(s, S^0)`, S = S^0 + 1.
    1. While :math:`G(S) \\le c^0`: if :math:`c(s, S) < c^0`, set :math:`S^0 = S`,
       raise s while :math:`c(s, S^0) \\le G(s+1)`, and set :math:`c^0 = c(s, S^0)`.
       Then S = S + 1.

    The result is optimal (ZF91; it rests on the bounds :math:`G(s^*) \\ge c^*`,
    :math:`G(S) > c^*` for every S beyond the last one tried). Returns an
    :class:`SSPolicy`. With K = 0 the answer is a base-stock policy, s = S - 1.
    """
    pmf, h, p, K, L = _check_ss(demand_pmf, holding_cost, backorder_cost, ordering_cost, lead_time)
    model = _SSModel(pmf, L, h, p)
    # y*: G is convex, decreasing then increasing; start at the (L+1)-period mean.
    y = int(round(model.mean_ltd))
    while model.G(y - 1) < model.G(y):
        y -= 1
    while model.G(y + 1) < model.G(y):
        y += 1
    y_star = y
    s = y_star - 1
    while model.cost(s, y_star, K) > model.G(s):
        s -= 1
    S0 = y_star
    c0 = model.cost(s, S0, K)
    S = S0 + 1
    while model.G(S) <= c0:
        c = model.cost(s, S, K)
        if c < c0:
            S0 = S
            while model.cost(s + 1, S0, K) <= model.G(s + 1):
                s += 1
            c0 = model.cost(s, S0, K)
        S += 1
    return SSPolicy(int(s), int(S0), float(c0))


def ss_service(s, S, demand_pmf, lead_time=0):
    """Implied service of a periodic-review (s, S) policy.

    The inventory position after ordering, Y, has the stationary distribution
    :math:`P(Y = S-j) = m(j)/M(S-s)` for j = 0..S-s-1 (ZF91). Demand of period
    t+L meets the net inventory :math:`X = Y - D_L` (demand over the L earlier periods).

    Returns ``(fill_rate, cycle_service)``: the fill rate
    :math:`1 - E[(D - X^+)^+]/E[D]` (units served from stock) and the period service,
    the probability that a period ends with no backorder, :math:`P(D_{L+1} \\le Y)`
    (Silver, Pyke & Peterson 1998 chapter 7, P1 and P2 for periodic review).
    """
    pmf = _check_pmf(demand_pmf)
    L = _integer(_nonneg(lead_time, "lead_time"), "lead_time")
    s = _integer(s, "s")
    S = _integer(S, "S")
    if s >= S:
        raise ValueError(f"s: must be < S, got s={s}, S={S}")
    model = _SSModel(pmf, L, 1.0, 1.0)
    n = S - s
    m = model.m_upto(n)
    pi = m / m.sum()
    ys = S - np.arange(n)
    before = _convolve_power(pmf, L)  # demand over L periods
    d = np.arange(pmf.size)
    mean_d = float(d @ pmf)
    ltd_cdf = np.cumsum(model.ltd)
    unmet = 0.0
    no_short = 0.0
    for w, y in zip(pi, ys, strict=True):
        x = np.clip(y - np.arange(before.size), 0, None)  # X^+ for each D_L
        # E[(D - x)^+] for each x, then averaged over D_L
        short = np.clip(d[None, :] - x[:, None], 0, None) @ pmf
        unmet += w * float(before @ short)
        no_short += w * (float(ltd_cdf[min(y, ltd_cdf.size - 1)]) if y >= 0 else 0.0)
    return float(1.0 - unmet / mean_d), float(no_short)
