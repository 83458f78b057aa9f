"""Execution engine: customer tiers, rationing, allocation, promising, slotting, counting.

Each function is checked against a hand computation written out here, against a slow
reference written independently (plain Python loops over lines or days) on random data,
and on hostile input (NaN, negative, zero, empty, huge).
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from invplan import execution as ex

# ============================================================================ customer tiers


def test_classify_customers_hand_example():
    # Revenue 60, 25, 10, 5, 0 (total 100); shares before: 0, .60, .85, .95, (none).
    revenue = [60.0, 25.0, 10.0, 5.0, 0.0]
    before = ex.customer_cumulative_share(revenue, before=True)
    np.testing.assert_allclose(before, [0.0, 0.60, 0.85, 0.95, 1.0])
    np.testing.assert_allclose(ex.customer_cumulative_share(revenue), [0.6, 0.85, 0.95, 1.0, 1.0])
    # cuts .50/.80/.95: 0 < .5 -> 0; .6 < .8 -> 1; .85 < .95 -> 2; .95 is not < .95 -> 3.
    assert ex.classify_customers(revenue).tolist() == [0, 1, 2, 3, 3]


def test_classify_customers_input_order_and_margin():
    revenue = [5.0, 60.0, 10.0, 25.0]
    margin = [50.0, 1.0, -3.0, 10.0]
    assert ex.classify_customers(revenue).tolist() == [3, 0, 2, 1]
    # Margin: 50, 10, 1 of 61 (the -3 is last); shares before 0, 50/61 = .82, 60/61 = .98.
    tiers = ex.classify_customers(revenue, margin, measure="margin")
    assert tiers.tolist() == [0, 3, 3, 2]
    with pytest.raises(ValueError, match="margin"):
        ex.classify_customers(revenue, measure="margin")
    with pytest.raises(ValueError, match="measure"):
        ex.classify_customers(revenue, margin, measure="volume")
    with pytest.raises(ValueError, match="cuts"):
        ex.classify_customers(revenue, cuts=(0.8, 0.5))
    with pytest.raises(ValueError, match="cuts"):
        ex.classify_customers(revenue, cuts=(0.5, 1.5))


def _tiers_reference(values, cuts):
    """Slow reference: sort, walk the list accumulating the share before each customer."""
    items = [(v, i) for i, v in enumerate(values) if np.isfinite(v) and v > 0]
    total = sum(v for v, _ in items)
    tiers = [len(cuts)] * len(values)
    acc = 0.0
    for v, i in sorted(items, key=lambda t: (-t[0], t[1])):
        share_before = acc / total
        tiers[i] = sum(1 for c in cuts if c <= share_before)
        acc += v
    return tiers


@pytest.mark.parametrize("seed", range(20))
def test_classify_customers_matches_reference(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    values = rng.integers(-5, 100, n).astype(float)
    values[rng.random(n) < 0.1] = np.nan
    cuts = np.sort(rng.choice([0.2, 0.4, 0.5, 0.6, 0.8, 0.9, 0.95, 1.0], 3, replace=False))
    got = ex.classify_customers(values, cuts=tuple(cuts))
    assert got.tolist() == _tiers_reference(values, cuts)


def test_classify_customers_hysteresis():
    revenue = [60.0, 25.0, 10.0, 5.0, 0.0]  # shares before 0, .6, .85, .95, none
    current = [1, 0, 3, 2, 0]
    # Band for tier k: [c_{k-1} - tol, c_k + tol).
    # tol .10: cust0 (tier 1, band [.4, .9)) at 0 -> moves to 0; cust1 (tier 0, band
    # [-.1, .6)) at .6 -> moves to 1; cust2 (tier 3, band [.85, inf)) at .85 keeps 3;
    # cust3 (tier 2, band [.7, 1.05)) keeps 2; cust4 has no revenue -> last tier.
    got = ex.classify_customers(revenue, current=current, tolerance=0.10)
    assert got.tolist() == [0, 1, 3, 2, 3]
    # tol .001: cust2 at .85 is below band [.949, inf) of tier 3 -> moves to proposed 2.
    got = ex.classify_customers(revenue, current=current, tolerance=0.001)
    assert got.tolist() == [0, 1, 2, 2, 3]
    # No tolerance: plain proposal whatever the current tier.
    assert ex.classify_customers(revenue, current=current).tolist() == [0, 1, 2, 3, 3]
    # Invalid current tiers mean "no tier yet".
    got = ex.classify_customers(revenue, current=[np.nan, -1, 9, 2.5, 1], tolerance=0.5)
    assert got.tolist() == [0, 1, 2, 3, 3]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 1000), min_size=1, max_size=30),
    st.floats(0.0, 0.5),
    st.data(),
)
def test_classify_customers_hysteresis_band_property(values, tol, data):
    current = data.draw(st.lists(st.integers(0, 3), min_size=len(values), max_size=len(values)))
    values = np.asarray(values, dtype=float)
    proposed = ex.classify_customers(values)
    got = ex.classify_customers(values, current=current, tolerance=tol)
    before = ex.customer_cumulative_share(values, before=True)
    lo = np.array([0.0, 0.5, 0.8, 0.95])[current] - tol
    hi = np.array([0.5, 0.8, 0.95, np.inf])[current] + tol
    for i in range(values.size):
        if values[i] > 0 and lo[i] <= before[i] < hi[i]:
            assert got[i] == current[i]
        else:
            assert got[i] == proposed[i]


def test_classify_customers_hostile():
    assert ex.classify_customers([]).tolist() == []
    assert ex.customer_cumulative_share([]).size == 0
    assert ex.classify_customers([0.0, -1.0, np.nan]).tolist() == [3, 3, 3]
    np.testing.assert_array_equal(ex.customer_cumulative_share([0.0, np.nan]), [1.0, 1.0])
    # Totals that overflow float: shares are scale-free.
    huge = ex.classify_customers([1e308, 1e308, 1e307])
    assert huge.tolist() == ex.classify_customers([10.0, 10.0, 1.0]).tolist()
    assert np.all(np.isfinite(ex.customer_cumulative_share([1e308, 1e308, np.inf])))


def test_reservation_rank():
    tier = [1, 0, np.nan, 0, 0, -1]
    segment = [0, 1, 0, 1, 0, 0]
    day = [3, 2, 1, np.nan, 5, 0]
    # Keys (tier, segment, day) with missing -> last: (1,0,3) (0,1,2) (inf,0,1) (0,1,inf)
    # (0,0,5) (inf,0,0) -> order (0,0,5) < (0,1,2) < (0,1,inf) < (1,0,3) < (inf,0,0) < (inf,0,1).
    assert ex.reservation_rank(tier, segment, day).tolist() == [3, 1, 5, 2, 0, 4]
    # Equal keys share a rank; dense codes.
    assert ex.reservation_rank([2, 2, 5], [0, 0, 0], [1, 1, 1]).tolist() == [0, 0, 1]
    assert ex.reservation_rank([]).tolist() == []
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 3, (200, 3)).astype(float)
    got = ex.reservation_rank(keys[:, 0], keys[:, 1], keys[:, 2])
    distinct = sorted({tuple(k) for k in keys})
    assert got.tolist() == [distinct.index(tuple(k)) for k in keys]


# ============================================================================ critical level


def test_critical_level_hand_example():
    # mu 4/day, sigma 2/day, L 9 days, service .95: 36 + 1.644854 * 2 * 3 = 45.8691.
    z95 = 1.6448536269514722
    np.testing.assert_allclose(ex.critical_level(4, 2, 9, 0.95), [36 + z95 * 6], rtol=1e-12)
    # Capped at the plan's safety stock.
    np.testing.assert_allclose(ex.critical_level(4, 2, 9, 0.95, safety_stock=40), [40.0])
    # Service .5: the lead-time mean.
    np.testing.assert_allclose(ex.critical_level([3.0], [5.0], [4.0], [0.5]), [12.0])


def test_critical_level_monte_carlo():
    # The level covers protected lead-time demand (sum of L daily draws) with prob. alpha.
    rng = np.random.default_rng(11)
    mu, sigma, lead, alpha = 20.0, 6.0, 7, 0.9
    c = ex.critical_level(mu, sigma, lead, alpha)[0]
    demand = rng.normal(mu, sigma, (200_000, lead)).sum(axis=1)
    covered = np.mean(demand <= c)
    assert abs(covered - alpha) < 0.005
    # And it is the normal quantile, not a different approximation.
    assert c == pytest.approx(stats.norm.ppf(alpha, mu * lead, sigma * np.sqrt(lead)))


def test_critical_level_hostile():
    mean = [np.nan, -1, 0, 4, 4, 4, 4, 1e300, 4]
    std = [1, 1, 1, np.nan, 1, 1, 1, 1e300, -3]
    lead = [5, 5, 5, 4, np.nan, -2, 4, 1e300, 4]
    service = [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, np.nan, 0.9, 0.9]
    got = ex.critical_level(mean, std, lead, service)
    assert np.all(np.isfinite(got)) and np.all(got >= 0)
    np.testing.assert_array_equal(got[[0, 1, 2, 4, 5, 6, 7]], 0.0)
    assert got[3] == pytest.approx(16.0)  # NaN deviation counts as 0
    assert got[8] == pytest.approx(16.0)  # negative deviation counts as 0
    # Service at or above 1 is capped (finite), a negative safety stock protects nothing,
    # a NaN safety stock means no cap, an overflowing level is capped by safety stock.
    assert np.isfinite(ex.critical_level(4, 2, 9, 1.0)[0])
    assert ex.critical_level(4, 2, 9, 1.0)[0] > ex.critical_level(4, 2, 9, 0.999)[0]
    assert ex.critical_level(4, 2, 9, 0.9, safety_stock=-5)[0] == 0.0
    assert ex.critical_level(4, 2, 9, 0.9, safety_stock=np.nan)[0] > 36
    assert ex.critical_level(1e300, 0, 1e300, 0.9, safety_stock=50)[0] == 50.0
    assert ex.critical_level([], [], [], []).size == 0


# ============================================================================ allocation


def test_allocate_docstring_example():
    # Available 10; level 0 line of 4 served; level 1 shares 6 in proportion 6:12.
    got = ex.allocate_shortage([0, 0, 0], [4, 6, 12], [0, 1, 1], [10])
    np.testing.assert_allclose(got, [4, 2, 4])


def test_allocate_hand_rules():
    group, demand, prio, avail = [0, 0, 0], [4, 6, 12], [0, 1, 1], [10]
    # Minimum fill .5: fair fill 6/18 = .33 < .5; drop the last line (12): 6 fits the
    # limit 6/.5 = 12, so the first level-1 line gets its 6 and the last 0.
    np.testing.assert_allclose(
        ex.allocate_shortage(group, demand, prio, avail, min_line_fill=0.5), [4, 6, 0]
    )
    # The sequence decides which line is dropped: with the 12 first, it alone is within
    # the limit 12 and is filled 6/12 = .5; the 6 behind it gets nothing.
    np.testing.assert_allclose(
        ex.allocate_shortage(group, demand, prio, avail, min_line_fill=0.5, sequence=[0, 2, 1]),
        [4, 0, 6],
    )
    # Whole lines only.
    np.testing.assert_allclose(
        ex.allocate_shortage([0] * 4, [4, 7, 2, 1], [0, 1, 1, 2], [10], allow_partial=False),
        [4, 0, 0, 0],
    )
    # ... with pass_down the 6 the level could not use go on: level 1 line of 2 is
    # behind the 7 (strict prefix) so gets nothing; level 2 gets 1.
    np.testing.assert_allclose(
        ex.allocate_shortage(
            [0] * 4, [4, 7, 2, 1], [0, 1, 1, 2], [10], allow_partial=False, pass_down=True
        ),
        [4, 0, 0, 1],
    )
    # Two groups at once, one short, one not.
    np.testing.assert_allclose(
        ex.allocate_shortage([1, 0, 1, 0], [3, 5, 3, 5], [0, 0, 0, 0], [20, 3]), [1.5, 5, 1.5, 5]
    )


def test_allocate_protected_stock():
    # Available 10, protected 5 (critical level). Strategic line (allowed) takes 4, leaving
    # 6: spot lines may use 6 - 5 = 1, shared 6:12.
    got = ex.allocate_shortage(
        [0, 0, 0],
        [4, 6, 12],
        [0, 1, 1],
        [10],
        may_use_protected=[True, False, False],
        protected=[5],
    )
    np.testing.assert_allclose(got, [4, 1 / 3, 2 / 3])
    # A spot line first in priority still cannot go below the critical level; the
    # strategic line behind it then gets the protected stock.
    got = ex.allocate_shortage(
        [0, 0], [8, 8], [0, 1], [10], may_use_protected=[False, True], protected=[5]
    )
    np.testing.assert_allclose(got, [5, 5])
    # Protected stock is refused to the spot customer when stock is at the critical level.
    got = ex.allocate_shortage([0], [3], [0], [5], may_use_protected=[False], protected=[5])
    np.testing.assert_allclose(got, [0])
    # Same priority: allowed lines form the first sub-level (6 of 8), leaving 2, below the
    # critical level 4: nothing for the spot line.
    got = ex.allocate_shortage(
        [0, 0], [6, 6], [0, 0], [8], may_use_protected=[False, True], protected=[4]
    )
    np.testing.assert_allclose(got, [0, 6])


def _allocate_reference(group, demand, prio, avail, allowed, prot, m, seq, pass_down):
    """Slow reference: one group at a time, one line at a time, exact fractions."""
    n = len(demand)
    out = [Fraction(0)] * n
    for g in range(len(avail)):
        lines = [i for i in range(n) if group[i] == g and demand[i] > 0]
        lines.sort(key=lambda i: (prio[i], not allowed[i], seq[i], i))
        remaining, held = Fraction(avail[g]), Fraction(0)
        for _, sub in itertools.groupby(lines, key=lambda i: (prio[i], not allowed[i])):
            sub = list(sub)
            usable = remaining - held - (0 if allowed[sub[0]] else prot[g])
            usable = max(usable, Fraction(0))
            total = sum(Fraction(demand[i]) for i in sub)
            if total <= usable:
                for i in sub:
                    out[i] = Fraction(demand[i])
                remaining -= total
                continue
            kept, run = [], Fraction(0)
            for i in sub:
                run += Fraction(demand[i])
                if m > 0 and run > usable / m:
                    break
                kept.append(i)
            kept_total = sum(Fraction(demand[i]) for i in kept)
            fill = min(Fraction(1), usable / kept_total) if kept_total else Fraction(0)
            for i in kept:
                out[i] = Fraction(demand[i]) * fill
            used = min(usable, kept_total)
            remaining -= used
            if not pass_down:
                held += usable - used
    return np.array([float(x) for x in out])


@pytest.mark.parametrize("seed", range(40))
def test_allocate_matches_reference(seed):
    rng = np.random.default_rng(seed)
    n_groups = int(rng.integers(1, 6))
    n = int(rng.integers(1, 40))
    group = rng.integers(0, n_groups, n)
    demand = rng.integers(0, 12, n)
    # Whole small priorities, fractional ones, widely spread ones (all code paths).
    prio = rng.integers(0, 4, n) * [1, 0.5, 10**6][seed % 3]
    avail = rng.integers(0, 50, n_groups)
    allowed = rng.random(n) < 0.5
    prot = rng.integers(0, 15, n_groups)
    m = [0, 0.25, 0.5, 0.75, 1.0][seed % 5]
    seq = rng.permutation(n)
    pass_down = bool(seed % 3 == 0)
    got = ex.allocate_shortage(
        group,
        demand,
        prio,
        avail,
        may_use_protected=allowed,
        protected=prot,
        min_line_fill=m,
        sequence=seq,
        pass_down=pass_down,
    )
    want = _allocate_reference(
        group, demand, prio, avail, allowed, prot, Fraction(m), seq, pass_down
    )
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    # Invariants: within demand, within availability, critical level respected.
    assert np.all(got >= 0) and np.all(got <= demand + 1e-9)
    per_group = np.bincount(group, weights=got, minlength=n_groups)
    assert np.all(per_group <= avail + 1e-9)
    spot = np.bincount(group[~allowed], weights=got[~allowed], minlength=n_groups)
    assert np.all(spot <= np.maximum(avail - prot, 0) + 1e-9)


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_allocate_strict_priority_and_fair_share(data):
    n = data.draw(st.integers(1, 25))
    demand = np.asarray(data.draw(st.lists(st.integers(0, 20), min_size=n, max_size=n)), float)
    prio = np.asarray(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    avail = float(data.draw(st.integers(0, 100)))
    got = ex.allocate_shortage(np.zeros(n, int), demand, prio, [avail])
    assert got.sum() == pytest.approx(min(avail, demand.sum()))
    for level in np.unique(prio):
        at = prio == level
        before = prio < level
        if got[before].sum() < demand[before].sum() - 1e-9:
            assert np.all(got[prio > level] == 0)  # strict priority
        fills = got[at & (demand > 0)] / demand[at & (demand > 0)]
        if fills.size:
            assert fills.max() - fills.min() < 1e-9  # fair share: one fill per level


def test_allocate_hostile():
    # NaN / negative demand, invalid group codes, NaN priority, negative availability.
    got = ex.allocate_shortage(
        [0, 0, 5, -1, np.nan, 1, 0],
        [np.nan, -3, 4, 4, 4, 5, 2],
        [0, 0, 0, 0, 0, 0, np.nan],
        [np.nan, -2.0],
    )
    np.testing.assert_array_equal(got, np.zeros(7))
    got = ex.allocate_shortage([0, 0], [2, 3], [np.nan, 0], [4])
    np.testing.assert_allclose(got, [1, 3])  # NaN priority served last
    assert ex.allocate_shortage([], [], [], [5.0]).size == 0
    # Huge values stay finite and within availability.
    got = ex.allocate_shortage([0, 0], [1e300, 1e300], [0, 0], [1e300])
    assert np.all(np.isfinite(got)) and got.sum() <= 1e300 * (1 + 1e-12)
    # NaN protected / min fill are ignored.
    got = ex.allocate_shortage(
        [0], [3], [0], [2], may_use_protected=[False], protected=[np.nan], min_line_fill=np.nan
    )
    np.testing.assert_allclose(got, [2])
    with pytest.raises(ValueError, match="demand"):
        ex.allocate_shortage([0, 0], [1, 2, 3], [0, 0], [5])


# ============================================================================ promising

# Hand-built time-phased table, group 0 (on hand 10; lead time 10 days; protected 2):
#
#   day                  0    1    2    3    4    5    6    7    8+
#   receipts                            20                  15
#   committed                 5              18                  10
#   net position N(t)   10    5    5   25    7    7    7   22   12
#   cumulative ATP A(t)  5    5    5    7    7    7    7   12   12    (min of N from t on)
#
# Lines in priority order:
#   L1 4 units, day 0, allowed: A(0) = 5 >= 4 -> day 0.   N -4 from day 0:
#        N = 6 1 1 21 3 3 3 18 8,   A = 1 1 1 3 3 3 3 8 8
#   L2 3 units, day 2, allowed: A(2) = 1, A(3) = 3 -> day 3.   N -3 from day 3:
#        N = 6 1 1 18 0 0 0 15 5,   A = 0 0 0 0 0 0 0 5 5
#   L3 5 units, day 1, NOT allowed (needs 5 + 2): never covered; lead time -> day 10, taking
#        A(10) - 2 = 3 from supply.   N -3 from day 10: A = 0 0 0 0 0 0 0 2 2 (day 10 on: 2)
#   L4 2 units, day 0, allowed: A(7) = min(15, 5, 5, 2) = 2 -> day 7 (< lead-time day 10).
#        A after: 0 everywhere.
#   L5 1 unit, day 12, allowed: nothing left; lead time -> day max(12, 10) = 12, 0 from supply.
# Group 1 (on hand 0, receipt 8 on day 5, no lead time):
#   M1 8 units, day 0 -> day 5.   M2 1 unit, day 0 -> cannot be promised (-1).
HAND_NET = [10, 5, 5, 25, 7, 7, 7, 22, 12]
HAND_ATP = [5, 5, 5, 7, 7, 7, 7, 12, 12]


def _hand_atp_inputs():
    return dict(
        on_hand=[10.0, 0.0],
        line_group=[0, 0, 0, 1, 0, 1, 0],
        line_qty=[4, 3, 5, 8, 2, 1, 1],
        line_day=[0, 2, 1, 0, 0, 0, 12],
        receipt_group=[0, 0, 1],
        receipt_day=[3, 7, 5],
        receipt_qty=[20, 15, 8],
        committed_group=[0, 0, 0],
        committed_day=[1, 4, 8],
        committed_qty=[5, 18, 10],
        may_use_protected=[True, True, False, True, True, True, True],
        protected=[2.0, 0.0],
        lead_time_days=[10, np.nan],
    )


def test_atp_hand_table():
    # The table's own arithmetic (net position and its running minimum from the end).
    net = np.cumsum([10, -5, 0, 20, -18, 0, 0, 15, -10])
    assert net.tolist() == HAND_NET
    assert [min(HAND_NET[t:]) for t in range(9)] == HAND_ATP
    res = ex.available_to_promise(**_hand_atp_inputs())
    # Lines: L1, L2, L3, M1, L4, M2, L5.
    assert res.promised_day.tolist() == [0, 3, 10, 5, 7, -1, 12]
    np.testing.assert_allclose(res.from_supply, [4, 3, 3, 8, 2, 0, 0])
    assert res.covered.tolist() == [True, True, False, True, True, False, False]
    # Available on the requested day before the line: A(0)=5; A(2)=1; A(1)-2 < 0 -> 0;
    # group 1 A(0)=0; A(0)=0; 0; A(12)=0.
    np.testing.assert_allclose(res.available_on_requested_day, [5, 1, 0, 0, 0, 0, 0])


def test_atp_order_matters_and_protection():
    base = _hand_atp_inputs()
    # Same lines, L4 first: it takes 2 of A(0) = 5 on day 0.
    inputs = dict(base, line_group=[0], line_qty=[2], line_day=[0], may_use_protected=[True])
    assert ex.available_to_promise(**inputs).promised_day.tolist() == [0]
    # Not allowed to use protected stock: A(0) - 2 = 3 available on day 0 for the first
    # line; after it A = 2 2 2 4 4 4 4 9 9, so the second (4 + 2 needed) waits for day 7.
    inputs = dict(base, line_group=[0, 0], line_qty=[3, 4], line_day=[0, 0])
    inputs["may_use_protected"] = [False, False]
    res = ex.available_to_promise(**inputs)
    assert res.promised_day.tolist() == [0, 7]
    np.testing.assert_allclose(res.available_on_requested_day, [3, 0])


def _atp_reference(on_hand, lines, receipts, committed, allowed, prot, lead):
    """Slow reference on a day grid: recompute min(N[t:]) for every candidate day."""
    horizon = 2 + max(
        [0]
        + [d for _, d, _ in receipts]
        + [d for _, d, _ in committed]
        + [d for _, _, d in lines]
        + [x for x in lead if x is not None]
    )
    net = {g: [float(on_hand[g])] * horizon for g in range(len(on_hand))}
    for sign, events in ((1, receipts), (-1, committed)):
        for g, day, qty in events:
            for t in range(day, horizon):
                net[g][t] += sign * qty
    promised, supply = [], []
    for i, (g, qty, day) in enumerate(lines):
        n_g = net[g]
        p = 0.0 if allowed[i] else prot[g]

        def atp(t, n_g=n_g):
            return min(n_g[t:])

        cover = next((t for t in range(day, horizon) if atp(t) - p >= qty), None)
        rep = None if lead[g] is None else max(day, lead[g])
        if cover is not None and (rep is None or cover <= rep):
            when, take = cover, qty
        elif rep is not None:
            when, take = rep, min(qty, max(atp(rep) - p, 0.0))
        else:
            when, take = -1, 0.0
        if take:
            for t in range(when, horizon):
                n_g[t] -= take
        promised.append(when)
        supply.append(take)
    return promised, supply


ATP_MODES = {
    # Every line in rounds across groups.
    "rounds": {"_ATP_TAIL_GROUPS": 0},
    # Every group alone, in speculative batches of 3 lines.
    "batches": {"_ATP_TAIL_GROUPS": 10**9, "_ATP_BATCH": 3},
    # The defaults: rounds while many groups are left, then batches.
    "mixed": {},
}


@pytest.mark.parametrize("mode", sorted(ATP_MODES))
@pytest.mark.parametrize("seed", range(30))
def test_atp_matches_reference(seed, mode, monkeypatch):
    for name, value in ATP_MODES[mode].items():
        monkeypatch.setattr(ex, name, value)
    rng = np.random.default_rng(100 + seed)
    n_groups = int(rng.integers(1, 5)) if mode != "mixed" else int(rng.integers(10, 40))
    n = int(rng.integers(1, 25)) if mode != "mixed" else int(rng.integers(50, 300))
    on_hand = rng.integers(-5, 20, n_groups)
    lines = [
        (int(rng.integers(0, n_groups)), int(rng.integers(1, 10)), int(rng.integers(0, 30)))
        for _ in range(n)
    ]
    receipts = [
        (int(rng.integers(0, n_groups)), int(rng.integers(0, 30)), int(rng.integers(1, 15)))
        for _ in range(int(rng.integers(0, 10)) * (1 + 5 * (mode == "mixed")))
    ]
    committed = [
        (int(rng.integers(0, n_groups)), int(rng.integers(0, 30)), int(rng.integers(1, 10)))
        for _ in range(int(rng.integers(0, 10)))
    ]
    allowed = rng.random(n) < 0.6
    prot = rng.integers(0, 6, n_groups)
    lead = [None if rng.random() < 0.3 else int(rng.integers(0, 25)) for _ in range(n_groups)]
    want_day, want_supply = _atp_reference(on_hand, lines, receipts, committed, allowed, prot, lead)

    def cols(events, k):
        return [e[k] for e in events]

    res = ex.available_to_promise(
        on_hand,
        cols(lines, 0),
        cols(lines, 1),
        cols(lines, 2),
        receipt_group=cols(receipts, 0),
        receipt_day=cols(receipts, 1),
        receipt_qty=cols(receipts, 2),
        committed_group=cols(committed, 0),
        committed_day=cols(committed, 1),
        committed_qty=cols(committed, 2),
        may_use_protected=allowed,
        protected=prot,
        lead_time_days=[np.nan if x is None else x for x in lead],
    )
    assert res.promised_day.tolist() == want_day
    np.testing.assert_allclose(res.from_supply, want_supply, atol=1e-9)
    qty = np.array(cols(lines, 1), float)
    np.testing.assert_array_equal(res.covered, res.from_supply >= qty - 1e-9)


def test_atp_hostile():
    res = ex.available_to_promise(
        [np.nan, -4.0],
        [0, 1, 1, 7, np.nan, 0],
        [3, np.nan, -2, 1, 1, 2],
        [np.nan, 2, -5, 0, 0, 1e30],
        receipt_group=[0, 0, 1, 9],
        receipt_day=[np.nan, -3, 2, 1],
        receipt_qty=[5, 4, np.nan, 5],
        committed_group=[0],
        committed_day=[np.nan],
        committed_qty=[1],
        protected=[np.nan, -1],
        lead_time_days=[-1, np.inf],
    )
    # Group 0: on hand NaN -> 0, receipt with NaN day ignored, overdue receipt of 4 on
    # day 0, commitment with NaN day on day 0: 3 available today -> line 0 covered today.
    # Lines with NaN / negative quantity: promised on the requested day (NaN day -> 0).
    # Invalid groups: -1. Line 5 (day 1e30 -> clipped): nothing left, bad lead time -> -1.
    assert res.promised_day.tolist() == [0, 2, 0, -1, -1, -1]
    assert np.all(np.isfinite(res.available_on_requested_day))
    assert np.all(np.isfinite(res.from_supply))
    empty = ex.available_to_promise([1.0], [], [], [])
    assert empty.promised_day.size == 0
    with pytest.raises(ValueError, match="three"):
        ex.available_to_promise([1.0], [0], [1], [0], receipt_group=[0])


# ============================================================================ slotting


def test_pick_velocity_class():
    # 161 pick lines: shares before 0, .62, .93, .99 -> A, A, B, C; no picks -> C.
    got = ex.pick_velocity_class([100, 50, 10, 1, 0, np.nan, -3])
    assert got.tolist() == ["A", "A", "B", "C", "C", "C", "C"]
    assert ex.pick_velocity_class([]).tolist() == []
    with pytest.raises(ValueError):
        ex.pick_velocity_class([1, 2], cuts=(0.9, 0.5))


def test_slotting_plan_hand_example():
    picks = [100, 50, 10, 1, 0]
    volume = [1, 1, 5, 1, 1]
    plan = ex.slotting_plan(picks, volume, 3)
    # COI = volume / picks: .01, .02, .5, 1, inf. Capacity 3: 1 + 1, the 5 does not fit
    # and is skipped, the next (1) fits.
    np.testing.assert_allclose(plan.coi[:4], [0.01, 0.02, 0.5, 1.0])
    assert np.isinf(plan.coi[4])
    assert plan.rank.tolist() == [1, 2, 3, 4, 5]
    assert plan.zone.tolist() == ["forward", "forward", "reserve", "forward", "reserve"]
    # Units held forward scale the space: product 0 holding 3 units has COI .03, after
    # product 1 (.02); 3 no longer fits the 2 left, so products 1 and 3 go forward.
    plan = ex.slotting_plan(picks, volume, 3, forward_qty=[3, 1, 1, 1, 1])
    assert plan.zone.tolist() == ["reserve", "forward", "reserve", "forward", "reserve"]
    assert plan.rank.tolist() == [2, 1, 3, 4, 5]
    np.testing.assert_allclose(plan.space, [3, 1, 5, 1, 1])


def test_slotting_hysteresis():
    picks = [10, 11]
    # Product 0 holds the only forward slot; product 1 is 10% better: kept with a 20%
    # required gain, displaced with 5%.
    plan = ex.slotting_plan(picks, [1, 1], 1, current_forward=[True, False], min_gain=0.2)
    assert plan.zone.tolist() == ["forward", "reserve"]
    plan = ex.slotting_plan(picks, [1, 1], 1, current_forward=[True, False], min_gain=0.05)
    assert plan.zone.tolist() == ["reserve", "forward"]


def _layout_travel(order, picks, space):
    """Single-command travel of products stored end to end from the dock in ``order``."""
    x, total = 0.0, 0.0
    for i in order:
        total += picks[i] * (x + space[i] / 2)
        x += space[i]
    return total


@pytest.mark.parametrize("seed", range(10))
def test_coi_order_minimises_travel_brute_force(seed):
    # Kallina & Lynn (1976): storing products in increasing COI order from the dock
    # minimises single-command travel. Check against every permutation.
    rng = np.random.default_rng(seed)
    n = 6
    picks = rng.integers(1, 50, n).astype(float)
    space = rng.integers(1, 8, n).astype(float)
    plan = ex.slotting_plan(picks, space, 0)
    coi_order = np.argsort(plan.rank)
    best = min(_layout_travel(p, picks, space) for p in itertools.permutations(range(n)))
    assert _layout_travel(coi_order, picks, space) == pytest.approx(best)


def _first_fit_reference(picks, space, capacity):
    order = sorted(
        range(len(picks)), key=lambda i: (space[i] / picks[i] if picks[i] > 0 else np.inf, i)
    )
    left, zone = capacity, ["reserve"] * len(picks)
    for i in order:
        if picks[i] > 0 and space[i] <= left:
            zone[i] = "forward"
            left -= space[i]
    return zone


@pytest.mark.parametrize("seed", range(20))
def test_slotting_matches_reference(seed):
    rng = np.random.default_rng(50 + seed)
    n = int(rng.integers(1, 80))
    picks = rng.integers(0, 30, n).astype(float)
    space = rng.integers(1, 10, n).astype(float)
    capacity = float(rng.integers(0, 5 * n))
    plan = ex.slotting_plan(picks, space, capacity)
    assert plan.zone.tolist() == _first_fit_reference(picks, space, capacity)
    assert space[plan.zone == "forward"].sum() <= capacity
    # With equal spaces, the forward set carries the most picks any set of that size can.
    if seed < 5:
        k = int((plan.zone == "forward").sum())
        ones = ex.slotting_plan(picks, np.ones(n), k)
        assert picks[ones.zone == "forward"].sum() == np.sort(picks)[::-1][:k].sum()


def test_slotting_locations():
    picks = [100, 50, 10, 1, 0, 40]
    volume = [2, 1, 5, 1, 1, 2]
    # COI: .02, .02, .5, 1, inf, .05 -> order 0, 1, 5, 2, 3 (4 has no picks).
    # Nearest location holds 3: product 0 (2) + product 1 (1). Next holds 6: product 5
    # (2), then 2 (5) does not fit the 4 left, product 3 (1) does. Product 2 -> reserve.
    got = ex.slotting_locations(picks, volume, [3, 6])
    assert got.tolist() == [0, 0, -1, 1, -1, 1]
    # One location: the same as the forward zone of slotting_plan.
    rng = np.random.default_rng(4)
    for _ in range(20):
        n = int(rng.integers(1, 40))
        h = rng.integers(0, 20, n).astype(float)
        v = rng.integers(1, 6, n).astype(float)
        cap = float(rng.integers(0, 60))
        one = ex.slotting_locations(h, v, [cap])
        assert ((one == 0) == (ex.slotting_plan(h, v, cap).zone == "forward")).all()
        # Capacities respected in every location.
        many = ex.slotting_locations(h, v, [cap / 3, cap / 2, np.nan])
        for loc, c in enumerate([cap / 3, cap / 2, 0.0]):
            assert v[many == loc].sum() <= c + 1e-9
    assert ex.slotting_locations([], [], [5.0]).size == 0
    assert ex.slotting_locations([3, 4], [1, 1], []).tolist() == [-1, -1]


def test_slotting_travel_and_hostile():
    # 2 * (100 * 10 + 50 * 40) = 6000; both forward: 2 * 150 * 10 = 3000 (saving 50%).
    assert ex.slotting_travel([100, 50], [True, False]) == pytest.approx(6000)
    assert ex.slotting_travel([100, 50], [True, True]) == pytest.approx(3000)
    assert ex.slotting_travel([np.nan, -1], [True, False]) == 0.0
    plan = ex.slotting_plan(
        [5, np.nan, 3, 2], [np.nan, 1, -2, 1e308], np.nan, forward_qty=[np.nan] * 4
    )
    assert plan.zone.tolist() == ["reserve"] * 4  # no capacity
    np.testing.assert_allclose(plan.space[:3], [1, 1, 1])  # unknown volume -> one unit
    plan = ex.slotting_plan([5, 4], [1, 1e308], 10, forward_qty=[1, 1e10])
    assert plan.zone.tolist() == ["forward", "reserve"]
    assert ex.slotting_plan([3, 0], [1, 1], np.inf).zone.tolist() == ["forward", "reserve"]
    assert ex.slotting_plan([3, 1], [1, 1], -np.inf).zone.tolist() == ["reserve", "reserve"]
    empty = ex.slotting_plan([], [], 5)
    assert empty.zone.size == 0


# ============================================================================ cycle counts


def test_cycle_count_hand_example():
    # 240 working days; A 12/year -> every 20 days; three A items phased 0, 6, 13
    # (floor(j * 20 / 3)); one C item 1/year: its class is rotated off day 0, which
    # already has an A count, to day 1; one item never counted.
    sched = ex.cycle_count_schedule([12, 12, 12, 1, 0], 240)
    assert sched.interval.tolist() == [20, 20, 20, 240, 0]
    assert sched.next_day.tolist() == [0, 6, 13, 1, -1]
    # Two classes of the same weight: 2 items every 4 days (slots 0, 2) and 4 items every
    # 8 days (slots 0, 2, 4, 6 rotated by one day to 1, 3, 5, 7): one count every day.
    sched = ex.cycle_count_schedule([2, 2, 1, 1, 1, 1], 8)
    assert sched.interval.tolist() == [4, 4, 8, 8, 8, 8]
    assert sched.next_day.tolist() == [0, 2, 1, 3, 5, 7]
    assert ex.count_load(sched.next_day, sched.interval, 16).tolist() == [1] * 16
    sched = ex.cycle_count_schedule(
        [12, 12, 12], 240, start_day=5, last_counted_days_ago=[3, np.nan, 40]
    )
    # Never counted first, then longest ago.
    assert sched.next_day.tolist() == [18, 5, 11]


def _load_reference(next_day, interval, horizon):
    load = [0] * horizon
    for d, t in zip(next_day, interval, strict=True):
        if d < 0 or t <= 0:
            continue
        while d < horizon:
            load[d] += 1
            d += t
    return load


@pytest.mark.parametrize("seed", range(10))
def test_cycle_count_evenly_spread(seed):
    rng = np.random.default_rng(seed)
    w = int(rng.integers(200, 260))
    freq = rng.choice([12, 4, 1, 52, 2], int(rng.integers(10, 600)))
    sched = ex.cycle_count_schedule(freq, w)
    horizon = int(sched.interval.max()) * 3
    load = ex.count_load(sched.next_day, sched.interval, horizon)
    assert load.tolist() == _load_reference(sched.next_day, sched.interval, horizon)
    # Every item is counted at its frequency: once per interval.
    assert np.all((sched.next_day >= 0) & (sched.next_day < sched.interval))
    # Each interval class is flat within one count; so the total within one per class.
    for t in np.unique(sched.interval):
        at = sched.interval == t
        class_load = ex.count_load(sched.next_day[at], sched.interval[at], t)
        assert class_load.max() - class_load.min() <= 1
        # Phases evenly spaced around the cycle: gaps (with wrap-around) within one day.
        phases = np.sort(sched.next_day[at])
        gaps = np.diff(np.append(phases, phases[0] + t))
        if phases.size <= t:
            assert gaps.max() - gaps.min() <= 1
    assert load.max() - load.min() <= np.unique(sched.interval).size
    assert load.sum() == sum(
        -(-(horizon - d) // t) for d, t in zip(sched.next_day, sched.interval, strict=True)
    )


def test_cycle_count_hostile():
    sched = ex.cycle_count_schedule([np.nan, -2, 0, 1e9, 1e-9], 250)
    assert sched.next_day.tolist()[:3] == [-1, -1, -1]
    assert sched.interval.tolist() == [0, 0, 0, 1, 250]
    assert ex.cycle_count_schedule([], 250).next_day.size == 0
    assert ex.cycle_count_schedule([4], np.nan).interval.tolist() == [1]
    assert ex.count_load([-1, 3], [0, 2], 6).tolist() == [0, 0, 0, 1, 0, 1]
    assert ex.count_load([], [], 0).size == 0


def test_record_accuracy():
    system = [10, 5, 3, 100, 0, np.nan]
    counted = [10, 4, np.nan, 97, 1, 2]
    cost = [2, 2, 2, 1, 5, np.nan]
    res = ex.record_accuracy(system, counted, abs_tolerance=0.5, pct_tolerance=0.05, unit_cost=cost)
    # Tolerances max(.5, 5% of system): .5, .5, -, 5, .5, .5 -> hits: yes, no, -, yes, no, no.
    assert res.valid.tolist() == [True, True, False, True, True, True]
    assert res.within.tolist() == [True, False, False, True, False, False]
    np.testing.assert_allclose(res.adjustment_qty, [0, -1, 0, -3, 1, 2])
    np.testing.assert_allclose(res.adjustment_value, [0, -2, 0, -3, 5, 0])
    assert res.accuracy == pytest.approx(2 / 5)
    assert res.n_valid == 5
    assert res.abs_adjustment_value == pytest.approx(10)
    by = ex.record_accuracy(
        system,
        counted,
        abs_tolerance=0.5,
        pct_tolerance=0.05,
        unit_cost=cost,
        group=[0, 0, 1, 1, 2, 2],
        n_groups=4,
    )
    np.testing.assert_allclose(by.accuracy, [0.5, 1.0, 0.0, 0.0])
    assert by.n_valid.tolist() == [2, 1, 2, 0]
    np.testing.assert_allclose(by.abs_adjustment_value, [2, 3, 5, 0])


@pytest.mark.parametrize("seed", range(5))
def test_record_accuracy_matches_pandas(seed):
    rng = np.random.default_rng(seed)
    n = 300
    system = rng.integers(0, 50, n).astype(float)
    counted = system + rng.integers(-3, 4, n)
    counted[rng.random(n) < 0.05] = np.nan
    cost = rng.random(n) * 10
    group = rng.integers(0, 7, n)
    res = ex.record_accuracy(
        system, counted, abs_tolerance=1, pct_tolerance=0.02, unit_cost=cost, group=group
    )
    df = pd.DataFrame({"g": group, "s": system, "c": counted, "cost": cost}).dropna()
    df["hit"] = (df.c - df.s).abs() <= np.maximum(1, 0.02 * df.s)
    df["v"] = ((df.c - df.s) * df.cost).abs()
    want = df.groupby("g").agg(acc=("hit", "mean"), n=("hit", "size"), v=("v", "sum"))
    np.testing.assert_allclose(res.accuracy, want.acc.to_numpy())
    np.testing.assert_array_equal(res.n_valid, want.n.to_numpy())
    np.testing.assert_allclose(res.abs_adjustment_value, want.v.to_numpy())


def test_fill_and_on_time():
    res = ex.fill_and_on_time(
        promised_day=[5, 5, 5, np.nan, 3],
        shipped_day=[4, 6, np.nan, 1, 3],
        ordered_qty=[10, 10, 5, 4, 0],
        shipped_qty=[10, 5, 0, 4, 0],
    )
    assert res.on_time.tolist() == [True, False, False, False, True]
    assert res.otif.tolist() == [True, False, False, False, True]
    np.testing.assert_allclose(res.line_fill, [1, 0.5, 0, 1, 1])
    assert res.fill_rate == pytest.approx(19 / 29)
    assert res.on_time_rate == pytest.approx(2 / 4)
    assert res.otif_rate == pytest.approx(2 / 4)
    by = ex.fill_and_on_time(
        [5, 5, 5], [4, 9, 5], [10, 10, 2], [12, 10, 1], group=[1, 1, 0], n_groups=3
    )
    np.testing.assert_allclose(by.fill_rate, [0.5, 1.0, 0.0])
    np.testing.assert_allclose(by.on_time_rate, [1.0, 0.5, 0.0])
    np.testing.assert_allclose(by.otif_rate, [0.0, 0.5, 0.0])
    assert by.n_lines.tolist() == [1, 2, 0]
    empty = ex.fill_and_on_time([], [], [], [])
    assert empty.fill_rate == 0.0 and empty.n_lines == 0


def test_execution_speed_benchmark_runs_small(capsys):
    """Smoke test of benchmarks/execution_speed.py on a small run: the per-line loop anchors
    give the same allocation and the same promised days as the engine (the benchmark
    stops otherwise), and both paths of available to promise are used."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "execution_speed.py"
    spec = importlib.util.spec_from_file_location("execution_speed", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.main(["--lines", "3000", "--groups", "300", "--days", "30"])
    assert [r[0] for r in rows] == ["allocate_shortage", "available_to_promise"]
    assert "loop/engine" in capsys.readouterr().out
    # The anchors themselves against the slow references of this file.
    rng = np.random.default_rng(9)
    n, n_groups = 60, 4
    group = rng.integers(0, n_groups, n)
    demand = rng.integers(1, 9, n).astype(float)
    prio = rng.integers(0, 3, n)
    avail = rng.integers(0, 40, n_groups).astype(float)
    allowed = rng.random(n) < 0.5
    prot = rng.integers(0, 8, n_groups).astype(float)
    seq = np.arange(n)
    got = bench.allocate_loop(group, demand, prio, avail, allowed, prot, 0.5, seq)
    want = _allocate_reference(group, demand, prio, avail, allowed, prot, 0.5, seq, False)
    np.testing.assert_allclose(got, want, atol=1e-9)
