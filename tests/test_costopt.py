"""Exact cost-optimal (r, Q) and (s, S) policies: published examples and brute force.

Sources:

- [ZF91] Zheng & Federgruen, "Finding optimal (s, S) policies is about as simple as
  evaluating a single policy", Operations Research 39(4), 1991: Poisson demand with mean
  10 per period, K = 64, h = 1, p = 9, lead time 0: (s*, S*) = (6, 40), cost about 35.0.
- [FSCT] Snyder & Shen, Fundamentals of Supply Chain Theory, 2nd ed., Wiley 2019:
  Example 5.5 (EOQ+SS: r = 190.34, Q = 304.05) and Example 5.2 (Hadley-Whitin with a
  cost per unit short: r = 213.97, Q = 318.59), data h = 0.225, p = 7.5, K = 8,
  lambda = 1,300, annual sd 150, L = 1/12 year.

Every other check is against an independent computation written out here: costs from
the definition (sums over the demand pmf, numerical integrals, the stationary
distribution of the Markov chain of the inventory position) and optima by enumerating
every policy in a range that contains the optimum. Costs agree within 1e-6.
"""

import math

import numpy as np
import pytest
from scipy import integrate, optimize, special, stats

from invplan import costopt as C

TOL = 1e-6


# ------------------------------------------------------------------ independent helpers
def _pois_pmf(theta, n):
    f = np.zeros(n + 1)
    f[0] = math.exp(-theta)
    for d in range(1, n + 1):
        f[d] = f[d - 1] * theta / d
    return f


def _G_direct(y, f, lam, h, b, p):
    """h E(y-D)^+ + b E(D-y)^+ + p lambda P(D >= y), by plain sums over the pmf."""
    total = 0.0
    for d, w in enumerate(f):
        total += w * (h * max(y - d, 0) + b * max(d - y, 0) + (p * lam if d >= y else 0.0))
    return total


def _rq_poisson_brute(lam, L, h, K, b, p):
    theta = lam * L
    f = _pois_pmf(theta, int(theta + 15 * math.sqrt(theta + 1) + 40))
    q_max = int(4 * math.sqrt(2 * K * lam / h) + 40)
    lo, hi = -q_max - 5, int(theta + 10 * math.sqrt(theta + 1)) + q_max + 5
    ys = np.arange(lo, hi + 1)
    G = np.array([_G_direct(int(y), f, lam, h, b, p) for y in ys])
    cum = np.concatenate([[0.0], np.cumsum(G)])
    best = (math.inf, None, None)
    for q in range(1, q_max + 1):
        sums = cum[q:] - cum[:-q]
        i = int(np.argmin(sums))
        cost = (K * lam + sums[i]) / q
        if cost < best[0]:
            best = (cost, int(ys[i]) - 1, q)
    assert best[2] < q_max and best[1] > lo, "brute-force range too small"
    return best, f, ys, cum


def _phi(z):
    return np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def _sf(z):
    return special.ndtr(-z)


def _normal_g(y, lam, mu, sigma, h, b, p):
    z = (y - mu) / sigma
    loss = sigma * (_phi(z) - z * _sf(z))
    return h * (y - mu + loss) + b * loss + p * lam * _sf(z)


def _normal_cost_quad(r, q, lam, mu, sigma, h, K, b, p):
    val, _ = integrate.quad(
        lambda y: _normal_g(y, lam, mu, sigma, h, b, p), r, r + q, epsabs=1e-12, epsrel=1e-12
    )
    return (K * lam + val) / q


def _normal_cost_closed(r, q, lam, mu, sigma, h, K, b, p):
    """Closed form, vectorised, written out again here (checked against the quadrature)."""

    def n1(x):
        z = (x - mu) / sigma
        return sigma * (_phi(z) - z * _sf(z))

    def n2(x):
        z = (x - mu) / sigma
        return sigma**2 * 0.5 * ((z * z + 1) * _sf(z) - z * _phi(z))

    return (
        K * lam
        + h * q * (r + q / 2 - mu)
        + (h + b) * (n2(r) - n2(r + q))
        + p * lam * (n1(r) - n1(r + q))
    ) / q


def _ss_G(ys, pmf, h, p, L):
    """G(y) = h E(y - D_{L+1})^+ + p E(D_{L+1} - y)^+ by sums over the convolved pmf."""
    ltd = np.array([1.0])
    for _ in range(L + 1):
        ltd = np.convolve(ltd, pmf)
    d = np.arange(ltd.size)
    diff = np.asarray(ys)[:, None] - d[None, :]
    return (h * np.clip(diff, 0, None) + p * np.clip(-diff, 0, None)) @ ltd


def _ss_chain(s, S, pmf, h, p, K, L, G=None):
    """Cost per period and stationary law of the after-order position, by the chain.

    ``G`` optionally maps y -> G(y) (a dict) to save recomputation.
    """
    ys = np.arange(s + 1, S + 1)
    n = ys.size
    i, d = np.meshgrid(np.arange(n), np.arange(pmf.size), indexing="ij")
    j = i - d
    P = np.zeros((n, n))
    order = np.where(j < 0, pmf[d], 0.0).sum(axis=1)
    np.add.at(P, (i[j >= 0], j[j >= 0]), pmf[d[j >= 0]])
    P[:, n - 1] += order
    A = np.vstack([P.T - np.eye(n), np.ones(n)])
    rhs = np.zeros(n + 1)
    rhs[-1] = 1.0
    pi = np.linalg.lstsq(A, rhs, rcond=None)[0]
    g = np.array([G[y] for y in ys]) if G is not None else _ss_G(ys, pmf, h, p, L)
    return float(pi @ (g + K * order)), pi, ys


# ---------------------------------------------------------------- published examples
def test_ss_zheng_federgruen_example():
    """[ZF91] Poisson(10), K=64, h=1, p=9, L=0: (s*, S*) = (6, 40), cost 35.02."""
    pmf = C.poisson_pmf(10)
    pol = C.ss_optimal(pmf, 1, 9, 64)
    assert (pol.s, pol.S) == (6, 40)
    assert pol.cost == pytest.approx(35.0216, abs=1e-4)
    assert C.ss_cost(6, 40, pmf, 1, 9, 64) == pytest.approx(pol.cost, abs=1e-12)
    chain, _, _ = _ss_chain(6, 40, pmf, 1, 9, 64, 0)
    assert chain == pytest.approx(pol.cost, abs=TOL)


def test_ss_zheng_federgruen_example_brute_force_neighbourhood():
    """[ZF91] every (s, S) with 0 <= s <= 14 and 30 <= S <= 50 costs at least c*."""
    pmf = C.poisson_pmf(10)
    ys = np.arange(0, 51)
    G = dict(zip(ys.tolist(), _ss_G(ys, pmf, 1, 9, 0), strict=True))
    best = min(
        (_ss_chain(s, S, pmf, 1, 9, 64, 0, G)[0], s, S) for s in range(0, 15) for S in range(30, 51)
    )
    assert (best[1], best[2]) == (6, 40)
    assert best[0] == pytest.approx(C.ss_optimal(pmf, 1, 9, 64).cost, abs=TOL)


FSCT = dict(
    demand_rate=1300,
    mean_ltd=1300 / 12,
    sigma_ltd=150 * math.sqrt(1 / 12),
    holding_cost=0.225,
    ordering_cost=8,
)


def test_approximation_is_fsct_eoq_plus_ss_example_5_5():
    """[FSCT] Example 5.5: EOQ+SS gives r = 190.34, Q = 304.05; the exact optimum is
    cheaper and the gap is reported."""
    approx, exact, gap = C.rq_approximation_gap_normal(**FSCT, backorder_cost=7.5)
    assert approx.r == pytest.approx(190.34, abs=0.01)
    assert approx.q == pytest.approx(304.05, abs=0.01)
    assert exact.cost <= approx.cost
    assert gap == pytest.approx(approx.cost / exact.cost - 1)
    assert gap > 0.05  # here the EOQ+SS policy costs about 11.5 % more


def test_exact_optimum_per_unit_short_is_close_to_fsct_example_5_2():
    """[FSCT] Example 5.2 (Hadley-Whitin, cost 7.5 per unit short): r = 213.97,
    Q = 318.59. The exact optimum of the same model drops no term; the terms the
    approximation drops are tiny here (backorders at r + Q), so both agree to 0.01."""
    pol = C.rq_optimal_normal(**FSCT, stockout_cost=7.5)
    assert pol.r == pytest.approx(213.97, abs=0.01)
    assert pol.q == pytest.approx(318.59, abs=0.01)


def test_second_order_loss_values():
    """G2(0) = 1/4 and G2 is the integral of G1 (checked by quadrature)."""
    assert C.second_order_loss_normal(0.0) == pytest.approx(0.25, abs=1e-15)
    for z in (-2.0, -0.3, 0.7, 2.5):
        val, _ = integrate.quad(lambda x: C.first_order_loss_normal(x), z, 40, epsabs=1e-13)
        assert C.second_order_loss_normal(z) == pytest.approx(val, abs=1e-10)


def test_poisson_loss_functions_against_sums():
    theta = 3.7
    f = _pois_pmf(theta, 80)
    for x in range(-4, 15):
        g1 = sum(w * max(d - x, 0) for d, w in enumerate(f))
        g2 = sum(w * max(d - x, 0) * max(d - x - 1, 0) / 2 for d, w in enumerate(f))
        assert C.poisson_loss(x, theta) == pytest.approx(g1, abs=1e-12)
        assert C.poisson_second_order_loss(x, theta) == pytest.approx(g2, abs=1e-12)


# ------------------------------------------------------------ (r, Q), Poisson, random
def _poisson_instances(n, seed):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        lam = float(rng.uniform(2, 40))
        L = float(rng.uniform(0.05, 1.0))
        h = float(rng.uniform(0.5, 3))
        K = float(rng.uniform(0.5, 30))
        kind = i % 3  # b only, p only, both
        b = float(rng.uniform(1, 20)) if kind != 1 else 0.0
        # with p alone, p lambda must exceed the EOQ cost, else no finite optimum exists
        p = float(rng.uniform(1.5, 6) * math.sqrt(2 * K * h / lam) + rng.uniform(0, 3))
        p = p if kind != 0 else 0.0
        out.append((lam, L, h, K, b, p))
    return out


@pytest.mark.parametrize("inst", _poisson_instances(20, 18))
def test_rq_poisson_exact_matches_brute_force(inst):
    lam, L, h, K, b, p = inst
    (bcost, br, bq), f, ys, cum = _rq_poisson_brute(lam, L, h, K, b, p)
    pol = C.rq_optimal_poisson(lam, L, h, K, b, p)
    assert pol.cost == pytest.approx(bcost, abs=TOL)
    # the cost function against the definition, at the optimum and around it
    for r, q in ((pol.r, pol.q), (br, bq), (pol.r - 3, pol.q + 2), (pol.r + 2, max(1, pol.q - 3))):
        direct = (K * lam + sum(_G_direct(y, f, lam, h, b, p) for y in range(r + 1, r + q + 1))) / q
        assert C.rq_cost_poisson(r, q, lam, L, h, K, b, p) == pytest.approx(direct, abs=1e-9)
    # the best r for a few given Q
    for q in (1, max(1, pol.q // 2), pol.q + 5):
        sums = cum[q:] - cum[:-q]
        i = int(np.argmin(sums))
        got = C.rq_best_r_poisson(q, lam, L, h, K, b, p)
        assert got.cost == pytest.approx((K * lam + sums[i]) / q, abs=TOL)


@pytest.mark.parametrize("inst", _poisson_instances(6, 7))
def test_rq_poisson_service_and_gap(inst):
    lam, L, h, K, b, p = inst
    theta = lam * L
    f = _pois_pmf(theta, int(theta + 15 * math.sqrt(theta + 1) + 40))
    F = np.cumsum(f)
    approx, exact, gap = C.rq_approximation_gap_poisson(lam, L, h, K, b, p)
    assert gap >= -1e-12
    assert approx.cost == pytest.approx(C.rq_cost_poisson(approx.r, approx.q, lam, L, h, K, b, p))
    r, q = exact.r, exact.q
    fill, csl = C.rq_service_poisson(r, q, lam, L)

    def cdf(x):
        return 0.0 if x < 0 else float(F[min(x, F.size - 1)])

    assert fill == pytest.approx(sum(cdf(y - 1) for y in range(r + 1, r + q + 1)) / q, abs=1e-9)
    assert csl == pytest.approx(cdf(r), abs=1e-12)


def test_higher_stockout_cost_buys_more_service():
    """A manager's view: raising the cost per unit short raises the implied fill rate."""
    fills = []
    for p in (2, 5, 10, 50):
        pol = C.rq_optimal_poisson(20, 0.5, 1.0, 10, 0.0, p)
        fills.append(C.rq_service_poisson(pol.r, pol.q, 20, 0.5)[0])
    assert fills == sorted(fills) and fills[-1] > 0.97


# ------------------------------------------------------------- (r, Q), normal, random
def _normal_instances(n, seed):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        lam = float(rng.uniform(50, 2000))
        mu = float(lam * rng.uniform(0.02, 0.2))
        sigma = float(mu * rng.uniform(0.1, 0.6))
        h = float(rng.uniform(0.1, 3))
        K = float(rng.uniform(1, 100))
        kind = i % 3
        b = float(rng.uniform(1, 30)) if kind != 1 else 0.0
        p = float(rng.uniform(1.5, 6) * math.sqrt(2 * K * h / lam) + rng.uniform(0, 3))
        p = p if kind != 0 else 0.0
        out.append((lam, mu, sigma, h, K, b, p))
    return out


@pytest.mark.parametrize("inst", _normal_instances(20, 42))
def test_rq_normal_exact_matches_brute_force(inst):
    lam, mu, sigma, h, K, b, p = inst
    pol = C.rq_optimal_normal(*inst)
    # cost function against numerical integration of g
    for r, q in ((pol.r, pol.q), (pol.r - sigma, 0.7 * pol.q), (mu, 1.4 * pol.q)):
        assert C.rq_cost_normal(r, q, *inst) == pytest.approx(
            _normal_cost_quad(r, q, lam, mu, sigma, h, K, b, p), rel=1e-9
        )
    # brute force: a 200 x 200 grid over (r, Q), then a local polish
    eoq = math.sqrt(2 * K * lam / h)
    rs = np.linspace(mu - 6 * sigma - 2 * eoq, mu + 8 * sigma, 200)
    qs = np.linspace(0.05 * eoq, 3 * eoq + 6 * sigma, 200)
    R, Q = np.meshgrid(rs, qs)
    costs = _normal_cost_closed(R, Q, lam, mu, sigma, h, K, b, p)
    i = np.unravel_index(np.argmin(costs), costs.shape)
    res = optimize.minimize(
        lambda x: _normal_cost_closed(x[0], x[1], lam, mu, sigma, h, K, b, p),
        [R[i], Q[i]],
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 5000},
    )
    assert pol.cost <= res.fun + 1e-9
    assert pol.cost == pytest.approx(res.fun, abs=TOL)
    # the best r for a given Q
    for q in (0.5 * pol.q, 2 * pol.q):
        got = C.rq_best_r_normal(q, *inst)
        res = optimize.minimize_scalar(
            lambda r, q=q: _normal_cost_closed(r, q, lam, mu, sigma, h, K, b, p),
            bounds=(mu - 8 * sigma - q, mu + 8 * sigma),
            method="bounded",
            options={"xatol": 1e-10},
        )
        assert got.cost <= res.fun + 1e-9
        assert got.cost == pytest.approx(res.fun, abs=TOL)


@pytest.mark.parametrize("inst", [i for i in _normal_instances(9, 3) if i[6] == 0.0])
def test_rq_iterative_normal_converges_to_exact(inst):
    lam, mu, sigma, h, K, b, _ = inst
    it = C.rq_iterative_normal(lam, mu, sigma, h, K, b)
    ex = C.rq_optimal_normal(lam, mu, sigma, h, K, b)
    assert it.cost == pytest.approx(ex.cost, abs=TOL)
    assert it.q == pytest.approx(ex.q, rel=1e-6)


def test_rq_normal_service_against_quadrature():
    mu, sigma, r, q = 100.0, 30.0, 120.0, 80.0
    fill, csl = C.rq_service_normal(r, q, mu, sigma)
    val, _ = integrate.quad(lambda y: stats.norm.cdf((y - mu) / sigma), r, r + q)
    assert fill == pytest.approx(val / q, abs=1e-10)
    assert csl == pytest.approx(stats.norm.cdf(20 / 30), abs=1e-12)


# ------------------------------------------------------------------ (s, S), random
def _ss_instances(n, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        mean = float(rng.uniform(0.5, 5))
        h = float(rng.uniform(0.5, 3))
        p = float(rng.uniform(2, 20))
        K = float(rng.uniform(0, 40))
        L = int(rng.integers(0, 3))
        out.append((mean, h, p, K, L))
    return out


@pytest.mark.parametrize("inst", _ss_instances(20, 91))
def test_ss_exact_matches_brute_force(inst):
    mean, h, p, K, L = inst
    pmf = C.poisson_pmf(mean, tail=1e-13)
    pol = C.ss_optimal(pmf, h, p, K, L)
    hi = int((L + 1) * mean + 6 * math.sqrt((L + 1) * mean) + 2 * math.sqrt(2 * K * mean / h)) + 6
    ys = np.arange(-3, hi + 1)
    G = dict(zip(ys.tolist(), _ss_G(ys, pmf, h, p, L), strict=True))
    best = min(
        (_ss_chain(s, S, pmf, h, p, K, L, G)[0], s, S)
        for S in range(0, hi + 1)
        for s in range(-3, S)
    )
    assert best[2] < hi and best[1] > -3, "brute-force range too small"
    assert pol.cost == pytest.approx(best[0], abs=TOL)
    assert C.ss_cost(pol.s, pol.S, pmf, h, p, K, L) == pytest.approx(pol.cost, abs=1e-12)
    s2, S2 = best[1], best[2] + 1
    assert C.ss_cost(s2, S2, pmf, h, p, K, L) == pytest.approx(
        _ss_chain(s2, S2, pmf, h, p, K, L)[0], abs=1e-9
    )


@pytest.mark.parametrize("L", [0, 1, 2])
def test_ss_service_against_chain(L):
    pmf = C.poisson_pmf(3.0, tail=1e-14)
    pol = C.ss_optimal(pmf, 1.0, 9.0, 20.0, L)
    fill, per = C.ss_service(pol.s, pol.S, pmf, L)
    _, pi, ys = _ss_chain(pol.s, pol.S, pmf, 1, 9, 20, L)
    before = np.array([1.0])
    for _ in range(L):
        before = np.convolve(before, pmf)
    ltd = np.convolve(before, pmf)
    unmet = 0.0
    ok = 0.0
    for w, y in zip(pi, ys, strict=True):
        for dl, wl in enumerate(before):
            x = max(y - dl, 0)
            unmet += w * wl * sum(wd * max(d - x, 0) for d, wd in enumerate(pmf))
        ok += w * sum(wd for d, wd in enumerate(ltd) if d <= y)
    mean = sum(d * w for d, w in enumerate(pmf))
    assert fill == pytest.approx(1 - unmet / mean, abs=1e-9)
    assert per == pytest.approx(ok, abs=1e-9)
    assert 0.5 < fill < 1


def test_ss_zero_fixed_cost_is_base_stock():
    pmf = C.poisson_pmf(4.0)
    pol = C.ss_optimal(pmf, 1.0, 9.0, 0.0)
    assert pol.s == pol.S - 1
    # base stock: the newsvendor fractile p/(p+h) = 0.9
    assert pol.S == int(stats.poisson.ppf(0.9, 4.0))


# ---------------------------------------------------------------- hostile inputs
@pytest.mark.parametrize(
    "call,field",
    [
        (lambda: C.rq_cost_poisson(1, 5, -1, 1, 1, 1, 1), "demand_rate"),
        (lambda: C.rq_cost_poisson(1, 5, 10, float("nan"), 1, 1, 1), "lead_time"),
        (lambda: C.rq_optimal_poisson(10, 1, -2, 1, 1), "holding_cost"),
        (lambda: C.rq_optimal_poisson(10, 1, 1, 1, 0, 0), "backorder_cost"),
        (lambda: C.rq_optimal_poisson(10, 1, 1, 1, -1, 1), "backorder_cost"),
        (lambda: C.rq_cost_poisson(1, 0, 10, 1, 1, 1, 1), "q"),
        (lambda: C.rq_cost_poisson(1.5, 3, 10, 1, 1, 1, 1), "r"),
        (lambda: C.rq_optimal_normal(10, 5, 0, 1, 1, 1), "sigma_ltd"),
        (lambda: C.rq_optimal_normal(10, 5, 2, 1, float("inf"), 1), "ordering_cost"),
        (lambda: C.rq_cost_normal(1, 5, 10, 5, 2, 1, 1, stockout_cost=-3), "stockout_cost"),
        (lambda: C.ss_optimal([0.5, 0.6], 1, 1, 1), "demand_pmf"),
        (lambda: C.ss_optimal([1.0], 1, 1, 1), "demand_pmf"),
        (lambda: C.ss_optimal([0.5, 0.5], 1, 1, -1), "ordering_cost"),
        (lambda: C.ss_optimal([0.5, 0.5], 1, 1, 1, lead_time=0.5), "lead_time"),
        (lambda: C.ss_cost(3, 3, [0.5, 0.5], 1, 1, 1), "s"),
        (lambda: C.rq_optimal_poisson(20, 0.5, 1, 10, 0, 0.01), "stockout_cost"),
        (lambda: C.rq_optimal_normal(20, 10, 3, 1, 10, 0, 0.01), "stockout_cost"),
    ],
)
def test_bad_inputs_name_the_argument(call, field):
    with pytest.raises(ValueError, match=field):
        call()


@pytest.mark.parametrize("q", [50.0, 304.05, 1000.0])
def test_best_r_gives_ready_rate_b_over_b_plus_h(q):
    """With a backorder cost per unit-time only, dC/dr = 0 reads (1/Q) int F(y) dy =
    b/(b+h): the best r for any Q has the newsvendor fill rate (FSCT data: 0.9709)."""
    pol = C.rq_best_r_normal(q, **FSCT, backorder_cost=7.5)
    fill, _ = C.rq_service_normal(pol.r, q, FSCT["mean_ltd"], FSCT["sigma_ltd"])
    assert fill == pytest.approx(7.5 / 7.725, abs=1e-9)
