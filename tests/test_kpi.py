"""KPIs and SPC against hand and brute-force computations."""

import numpy as np
import pytest

from invplan import kpi


def test_turns_and_days_of_supply_same_cost_basis():
    # COGS 365,000 over a year, average inventory 50,000 at cost: 7.3 turns, 50 days.
    assert kpi.inventory_turns(365000, 50000)[0] == pytest.approx(7.3)
    assert kpi.days_of_supply(50000, 365000, 365)[0] == pytest.approx(50.0)
    # Undefined figures are no value (NaN), never 0 nor a capped "infinite" cover.
    assert np.isnan(kpi.inventory_turns(100, 0)[0])
    assert np.isnan(kpi.days_of_supply(10, 0, 30)[0])
    assert np.isnan(kpi.days_of_supply(0, 0, 30)[0])
    assert np.nanmean(kpi.days_of_supply([50000, 10], [365000, 0], 365)) == pytest.approx(50.0)


def test_fill_rates_and_stockout_rate():
    qty, line = kpi.fill_rates([100, 0], [95, 0], [20, 0], [18, 0])
    assert qty[0] == pytest.approx(0.95) and np.isnan(qty[1])  # nothing ordered: no data
    assert line[0] == pytest.approx(0.9) and np.isnan(line[1])
    assert kpi.stockout_rate([3], [30])[0] == pytest.approx(0.1)
    assert np.isnan(kpi.stockout_rate([0], [0])[0])


def test_individuals_limits_hand_computed():
    x = np.array([5.0, 7.0, 6.0, 8.0, 4.0])
    # MR = 2,1,2,4 -> MRbar = 2.25; sigma = 2.25/1.128; center 6
    lim = kpi.individuals_limits(x).iloc[0]
    assert lim["center"] == pytest.approx(6.0)
    assert lim["mr_bar"] == pytest.approx(2.25)
    assert lim["ucl"] == pytest.approx(6 + 3 * 2.25 / 1.128)
    assert lim["lcl"] == pytest.approx(6 - 3 * 2.25 / 1.128)
    assert lim["mr_ucl"] == pytest.approx(3.267 * 2.25)


def _brute_rules(x, c, s):
    z = (x - c) / s
    n = len(z)
    r1 = [abs(z[t]) > 3 for t in range(n)]
    r2, r3, r4 = [], [], []
    for t in range(n):
        w3 = z[max(0, t - 2) : t + 1]
        w5 = z[max(0, t - 4) : t + 1]
        w8 = z[max(0, t - 7) : t + 1]
        r2.append(
            len(w3) == 3
            and ((z[t] > 2 and (w3 > 2).sum() >= 2) or (z[t] < -2 and (w3 < -2).sum() >= 2))
        )
        r3.append(
            len(w5) == 5
            and ((z[t] > 1 and (w5 > 1).sum() >= 4) or (z[t] < -1 and (w5 < -1).sum() >= 4))
        )
        r4.append(len(w8) == 8 and ((w8 > 0).all() or (w8 < 0).all()))
    return np.array(r1), np.array(r2), np.array(r3), np.array(r4)


def test_western_electric_rules_match_brute_force():
    rng = np.random.default_rng(5)
    x = rng.normal(0, 1, size=(30, 60))
    x[3, 10] = 5
    x[4, 20:23] = [2.5, 0.1, 2.6]
    x[5, 30:35] = [1.5, 1.2, 0.3, 1.4, 1.8]
    x[6, 40:48] = 0.5
    res = kpi.western_electric_alerts(x, np.zeros(30), np.ones(30))
    for i in range(30):
        r1, r2, r3, r4 = _brute_rules(x[i], 0.0, 1.0)
        assert (res["beyond_3_sigma"][i] == r1).all()
        assert (res["two_of_three_2_sigma"][i] == r2).all()
        assert (res["four_of_five_1_sigma"][i] == r3).all()
        assert (res["eight_same_side"][i] == r4).all()
    assert res["beyond_3_sigma"][3, 10] and res["two_of_three_2_sigma"][4, 22]
    assert res["four_of_five_1_sigma"][5, 34] and res["eight_same_side"][6, 47]


def test_ewma_matches_loop():
    x = np.array([10.0, 11, 9, 10, 12, 15, 16, 17])
    z, ucl, lcl, out = kpi.ewma_chart(x, lam=0.2, L=3.0, center=10.0, sigma=1.0)
    prev = 10.0
    for t, v in enumerate(x):
        prev = 0.2 * v + 0.8 * prev
        assert z[0, t] == pytest.approx(prev)
        w = 3 * np.sqrt(0.2 / 1.8 * (1 - 0.8 ** (2 * (t + 1))))
        assert ucl[0, t] == pytest.approx(10 + w)
    assert out[0, -1] and not out[0, 0]
