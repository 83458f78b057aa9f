"""Policy formulas checked against published worked examples.

Books cited (edition matters for page and example numbers):

- [CM] Chopra & Meindl, *Supply Chain Management: Strategy, Planning, and Operation*,
  Pearson; chapter "Managing Economies of Scale: Cycle Inventory" (EOQ) and chapter
  "Managing Uncertainty in a Supply Chain: Safety Inventory" (safety stock, fill rate).
  The examples use Palm Harbor Lego (weekly demand 2,500, sd 500, lead time 2 weeks) and
  Dell (daily demand 2,500, sd 500, lead time 7 days, lead-time sd 7 days).
- [FSCT] Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed., Wiley 2019:
  Example 3.1 (EOQ), Example 4.3 (newsvendor), Examples 5.2 and 5.5 ((r, Q)).
- [SPP] Silver, Pyke & Peterson, *Inventory Management and Production Planning and
  Scheduling*, 3rd ed., Wiley 1998, Appendix B table of the normal loss function G(k).

Where no published number exists, the check is an independent computation written out
in the test (a plain loop or a closed form), never a call of the function under test.
"""

import math

import numpy as np
import pytest
from scipy import stats

from invplan import policy as P


# ---------------------------------------------------------------- normal loss (SPP App. B)
@pytest.mark.parametrize(
    "k,expected", [(0.0, 0.3989), (1.0, 0.0833), (2.0, 0.0085), (-1.0, 1.0833)]
)
def test_normal_loss_table_spp(k, expected):
    """[SPP] Appendix B: G(0)=0.3989, G(1)=0.0833, G(2)=0.0085, G(-1)=G(1)+1."""
    assert P.normal_loss(k) == pytest.approx(expected, abs=5e-5)


@pytest.mark.parametrize("g,k", [(0.3989, 0.0), (0.0833, 1.0), (0.0085, 2.0)])
def test_inverse_normal_loss_table_spp(g, k):
    """[SPP] Appendix B read backwards."""
    assert P.inverse_normal_loss(g)[0] == pytest.approx(k, abs=2e-3)


def test_safety_factor_cycle_cm():
    """[CM] CSL = 0.90 gives F_S^-1(0.90) = 1.28 (NORMSINV(0.9) = 1.2816)."""
    assert P.safety_factor_cycle(0.90) == pytest.approx(1.2816, abs=1e-4)


# ---------------------------------------------------------------- safety stock [CM]
def test_safety_stock_given_csl_cm_palm_harbor():
    """[CM] Palm Harbor: D=2,500/wk, sigma=500, L=2 wk, CSL=0.90: sigma_L=707, ss=906."""
    mu, sigma = P.lead_time_demand(2500, 500, 2)
    assert sigma == pytest.approx(707.1, abs=0.1)
    assert P.safety_stock_normal(0.90, 2500, 500, 2) == pytest.approx(906, abs=0.5)


def test_safety_stock_lead_time_uncertainty_cm_dell_sl7():
    """[CM] Dell: D=2,500/day, sigma_D=500, L=7 days, s_L=7 days, CSL 0.90:
    sigma_L = 17,550 and ss = 22,491."""
    _, sigma = P.lead_time_demand(2500, 500, 7, 7)
    assert sigma == pytest.approx(17550, abs=1)
    assert P.safety_stock_normal(0.90, 2500, 500, 7, 7) == pytest.approx(22491, abs=1)


def test_safety_stock_lead_time_uncertainty_cm_dell_sl6():
    """[CM] Dell table, s_L = 6 days: sigma_L = 15,058 and ss = 19,298."""
    _, sigma = P.lead_time_demand(2500, 500, 7, 6)
    assert sigma == pytest.approx(15058, abs=1)
    assert P.safety_stock_normal(0.90, 2500, 500, 7, 6) == pytest.approx(19298, abs=1)


def test_fill_rate_given_safety_stock_cm():
    """[CM] Palm Harbor: Q=10,000, ss=1,000, sigma_L=707: ESC=25.13, fill rate 0.9975."""
    sigma = 500 * math.sqrt(2)
    k = 1000 / sigma
    esc = sigma * P.normal_loss(k)
    assert esc == pytest.approx(25.13, abs=0.02)
    assert P.fill_rate_from_safety_factor(k, 10000, sigma) == pytest.approx(0.9975, abs=5e-5)


def test_safety_stock_given_fill_rate_cm():
    """[CM] Palm Harbor: Q=10,000, fill rate 0.975, sigma_L=707: ss = 67."""
    ss = P.safety_stock_normal(0.975, 2500, 500, 2, metric="fill_rate", order_qty=10000)
    assert float(ss) == pytest.approx(67, abs=0.5)


def test_periodic_review_order_up_to_cm():
    """[CM] Periodic review at Palm Harbor: T=4 wk, L=2 wk, D=2,500, sigma=500, CSL 0.90:
    sigma_{T+L} = 1,225, ss = 1,570, order-up-to level = 16,570."""
    res = P.compute_policy(
        2500,
        500,
        2,
        policy="RS",
        review_period=4,
        service_target=0.90,
        unit_cost=1,
        holding_rate=0.2,
    )
    assert res.loc[0, "demand_sigma_p"] == pytest.approx(1224.7, abs=0.1)
    assert res.loc[0, "safety_stock"] == pytest.approx(1570, abs=1)
    assert res.loc[0, "order_up_to"] == pytest.approx(16570, abs=1)


def test_safety_stock_forecast_error_form_matches_demand_form():
    """Independent: with forecast errors equal to demand deviations the two forms agree,
    and the horizon form with sigma_P given directly equals k * sigma_P (CM 906)."""
    a = P.safety_stock_forecast_error(0.90, 500, 2)
    b = P.safety_stock_normal(0.90, 2500, 500, 2)
    assert a == pytest.approx(b)
    c = P.safety_stock_forecast_error(0.90, 500 * math.sqrt(2), 2, horizon_sigma=True)
    assert c == pytest.approx(906, abs=0.5)


# ---------------------------------------------------------------- EOQ
def test_eoq_cm_best_buy():
    """[CM] Best Buy: D=12,000/yr, S=4,000, C=500, h=0.2: Q* = 980."""
    assert P.eoq(12000, 4000, 500, 0.2) == pytest.approx(980, abs=0.5)


def test_eoq_fsct_example_3_1():
    """[FSCT] Example 3.1: K=8, h=0.225, lambda=1,300: Q* = 304.05."""
    assert P.eoq(1300, 8, 1, 0.225) == pytest.approx(304.0468, abs=1e-4)


# ---------------------------------------------------------------- newsvendor, (r, Q)
def test_newsvendor_fsct_example_4_3():
    """[FSCT] Example 4.3: h=0.18, p=0.70, mu=50, sigma=8: S* = 56.60, g* = 1.9976."""
    s, g = P.newsvendor_normal(0.18, 0.70, 50, 8)
    assert s == pytest.approx(56.6040, abs=1e-4)
    assert g == pytest.approx(1.9976, abs=1e-4)


def test_rq_eoq_plus_ss_fsct_example_5_5():
    """[FSCT] Example 5.5: EOQ+SS: r = 190.34, Q = 304.05 (h=0.225, p=7.5, K=8,
    lambda=1,300, tau=150, L=1/12)."""
    mu, sigma = 1300 / 12, 150 * math.sqrt(1 / 12)
    r, _ = P.newsvendor_normal(0.225, 7.5, mu, sigma)
    assert r == pytest.approx(190.34, abs=0.01)
    assert P.eoq(1300, 8, 1, 0.225) == pytest.approx(304.05, abs=0.01)


def test_rq_cost_based_fsct_example_5_2():
    """[FSCT] Example 5.2, EIL approximation (Hadley-Whitin): r = 213.97, Q = 318.59."""
    r, q = P.rq_cost_based(0.225, 7.5, 8, 1300, 1300 / 12, 150 * math.sqrt(1 / 12))
    assert r[0] == pytest.approx(213.97, abs=0.01)
    assert q[0] == pytest.approx(318.59, abs=0.01)


def test_compute_policy_cost_based_matches_fsct():
    """compute_policy switches to the cost-based (r, Q) when a stockout cost is given."""
    res = P.compute_policy(
        1300 / 365,
        150 / math.sqrt(365),
        365 / 12,
        policy="sQ",
        ordering_cost=8,
        unit_cost=1,
        holding_rate=0.225,
        stockout_cost=7.5,
        periods_per_year=365,
    )
    assert res.loc[0, "method"] == "cost_based"
    assert res.loc[0, "reorder_point"] == pytest.approx(213.97, abs=0.05)
    assert res.loc[0, "order_qty"] == pytest.approx(318.59, abs=0.05)


# ---------------------------------------------------------------- discrete (independent)
def _poisson_cdf(k, mu):
    return sum(math.exp(-mu) * mu**i / math.factorial(i) for i in range(k + 1))


def test_poisson_reorder_point_independent():
    """Poisson(4), CSL 0.95: P(D<=7)=0.9489 < 0.95 <= P(D<=8)=0.9786, so r = 8."""
    assert _poisson_cdf(7, 4) == pytest.approx(0.9489, abs=1e-4)
    assert _poisson_cdf(8, 4) == pytest.approx(0.9786, abs=1e-4)
    r, dist = P.reorder_point_discrete(4, 0.95)
    assert r[0] == 8 and dist[0] == "poisson"


def test_negbin_reorder_point_independent():
    """Negative binomial with mean 3, variance 9 (n=1.5, p=1/3): smallest r with
    CDF >= 0.9 from an explicit pmf sum."""
    mean, var, csl = 3.0, 9.0, 0.90
    p = mean / var
    n = mean**2 / (var - mean)

    def pmf(k):
        return math.gamma(k + n) / (math.gamma(n) * math.factorial(k)) * p**n * (1 - p) ** k

    cum, r_expected = 0.0, None
    for k in range(200):
        cum += pmf(k)
        if cum >= csl:
            r_expected = k
            break
    r, dist = P.reorder_point_discrete(mean, csl, var)
    assert dist[0] == "negbin"
    assert r[0] == r_expected


def test_discrete_fill_rate_independent():
    """Fill rate of (r=5, Q=10) with Poisson(4) lead-time demand by a direct sum of
    E[(D-r)^+] over the pmf."""
    mu, r, q = 4.0, 5, 10.0
    short = sum(max(x - r, 0) * math.exp(-mu) * mu**x / math.factorial(x) for x in range(100))
    assert P.discrete_fill_rate(r, q, mu)[0] == pytest.approx(1 - short / q, abs=1e-12)


def test_newsvendor_discrete_critical_fractile():
    """[FSCT] eq. (4.36): discrete newsvendor S* = smallest S with F(S) >= p/(p+h);
    Poisson(10), h=1, p=3 (ratio 0.75), checked by summing the pmf."""
    ratio = 3 / (3 + 1)
    s = int(P.newsvendor_quantile(ratio, stats.poisson(10)))
    assert _poisson_cdf(s, 10) >= ratio > _poisson_cdf(s - 1, 10)


def test_round_order_quantity_cases():
    """Independent: MOQ 50, pack 12: 30 -> 60 (MOQ then 5 packs), 61 -> 72; max 100 caps 130
    to 96 (8 packs)."""
    q = P.round_order_quantity(np.array([30.0, 61.0, 130.0]), moq=50, pack=12, max_qty=100)
    assert q.tolist() == [60.0, 72.0, 96.0]
