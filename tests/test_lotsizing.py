"""Lot sizing checked against published worked examples, brute force and hand computation.

Books cited (see the module docstring of ``invplan.lotsizing`` for full references):

- [CM] Chopra & Meindl, *Supply Chain Management*, chapter "Managing Economies of Scale
  in a Supply Chain: Cycle Inventory": Drugs Online vitamins, all-unit and marginal unit
  quantity discounts.
- [N] Nahmias, *Production and Operations Analysis*, ch. 4: the trash bag quantity
  discount example (all-units and incremental).
- [HR] Heizer & Render, *Operations Management*, chapter "Inventory Management": the
  quantity discount model (toy cars) and the production order quantity model (Nathan
  Manufacturing hubcaps).
- [HL] Hillier & Lieberman, *Introduction to Operations Research*, chapter "Inventory
  Theory": EOQ model with planned shortages (speakers).

Where no published number is reproduced, the expected value is an independent
computation written out in the test (a closed form by hand or a plain enumeration),
never a call of the function under test.
"""

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from invplan import lotsizing as L
from invplan.forecast import ADIDA, SBA

# ---------------------------------------------------------------- quantity discounts


def test_all_units_cm_drugs_online():
    """[CM] Drugs Online: D = 120,000 bottles/yr, K = $100, I = 0.2; all-unit prices $3.00
    below 5,000, $2.96 from 5,000, $2.92 from 10,000. Optimum: Q = 10,000 at $2.92,
    annual cost $354,520 (material 350,400 + ordering 1,200 + holding 2,920)."""
    r = L.quantity_discount(120_000, 100, 0.2, [0, 5000, 10000], [3.0, 2.96, 2.92]).iloc[0]
    assert r.order_qty == pytest.approx(10_000)
    assert r.unit_price == pytest.approx(2.92)
    assert r.purchase_cost == pytest.approx(350_400)
    assert r.order_cost == pytest.approx(1_200)
    assert r.holding_cost == pytest.approx(2_920)
    assert r.annual_cost == pytest.approx(354_520)


def test_incremental_cm_drugs_online():
    """[CM] Same data with marginal unit discounts ($3.00 for the first 5,000, $2.96 for
    the next 5,000, $2.92 beyond 10,000): Q = 16,961, annual cost $360,365."""
    r = L.quantity_discount(
        120_000, 100, 0.2, [0, 5000, 10000], [3.0, 2.96, 2.92], kind="incremental"
    ).iloc[0]
    assert r.order_qty == pytest.approx(16_961, abs=0.5)
    assert r.break_index == 2
    assert r.annual_cost == pytest.approx(360_365, abs=1)


def test_all_units_nahmias_trash_bags():
    """[N] Trash bags: D = 600/yr, K = $8, I = 0.20; 30 cents below 500, 29 cents from
    500, 28 cents from 1,000 (all units). EOQs 400 / 406.8 / 414.0: only the first is
    realisable; G(400) = 204.00, G(500) = 198.10, G(1000) = 200.80, so Q* = 500."""
    r = L.quantity_discount(600, 8, 0.2, [0, 500, 1000], [0.30, 0.29, 0.28]).iloc[0]
    assert r.order_qty == pytest.approx(500)
    assert r.annual_cost == pytest.approx(198.10, abs=1e-9)
    costs = L.discount_annual_cost(
        [400, 500, 1000], 600, 8, 0.2, [0, 500, 1000], [0.30, 0.29, 0.28]
    )
    assert costs == pytest.approx([204.0, 198.1, 200.8])
    assert r.base_eoq == pytest.approx(400) and r.saving == pytest.approx(5.90)


def test_incremental_nahmias_trash_bags():
    """[N] Same bags, incremental: C(Q) = 0.30Q, 5 + 0.29Q, 15 + 0.28Q. Realisable
    stationary points 400 (G = 204.00) and 519 (G = 204.58); 702 is below 1,000. Q* = 400."""
    r = L.quantity_discount(
        600, 8, 0.2, [0, 500, 1000], [0.30, 0.29, 0.28], kind="incremental"
    ).iloc[0]
    assert r.order_qty == pytest.approx(400)
    assert r.annual_cost == pytest.approx(204.0)
    q1 = math.sqrt(2 * 600 * 13 / (0.2 * 0.29))  # hand: segment 1, F = 5
    g1 = 600 * 0.29 + 600 * 13 / q1 + 0.2 * (5 + 0.29 * q1) / 2
    assert q1 == pytest.approx(518.6, abs=0.1) and g1 == pytest.approx(204.58, abs=0.01)
    got = L.discount_annual_cost(q1, 600, 8, 0.2, [0, 500, 1000], [0.30, 0.29, 0.28], "incremental")
    assert got[0] == pytest.approx(g1)


def test_all_units_heizer_render_toy_cars():
    """[HR] Toy cars: D = 5,000, S = $49, I = 20 %; $5.00 below 1,000, $4.80 from 1,000,
    $4.75 from 2,000. Q = 700 costs $25,700, 1,000 costs $24,725, 2,000 costs
    $24,822.50: order 1,000."""
    r = L.quantity_discount(5000, 49, 0.2, [0, 1000, 2000], [5.0, 4.8, 4.75]).iloc[0]
    assert r.order_qty == pytest.approx(1000)
    assert r.annual_cost == pytest.approx(24_725)
    costs = L.discount_annual_cost(
        [700, 1000, 2000], 5000, 49, 0.2, [0, 1000, 2000], [5.0, 4.8, 4.75]
    )
    assert costs == pytest.approx([25_700, 24_725, 24_822.5])


def _random_schedule(rng):
    m = int(rng.integers(1, 5))
    q = np.concatenate(
        [
            [float(rng.choice([0, 1, 10]))],
            np.sort(rng.choice(np.arange(20, 3000), m - 1, replace=False)),
        ]
    )
    c = np.sort(rng.uniform(1, 20, m))[::-1]
    return q, c


@pytest.mark.parametrize("kind", L.DISCOUNT_KINDS)
def test_discount_matches_integer_brute_force(kind):
    """Random schedules: the optimum is never above the best integer Q (enumerated from
    the first break to 3x the largest of the last break, the EOQ at the lowest price and
    the answer) and at most 1e-4 below it (the continuous optimum is not an integer)."""
    rng = np.random.default_rng(7)
    for _ in range(60):
        q, c = _random_schedule(rng)
        D, K, rate = rng.uniform(100, 20_000), rng.uniform(1, 500), rng.uniform(0.05, 0.4)
        r = L.quantity_discount(D, K, rate, q, c, kind=kind).iloc[0]
        # up to 3x the largest break, the EOQ at the lowest price and the answer
        hi = 3 * max(q[-1], math.sqrt(2 * D * K / (rate * c.min())), r.order_qty, 10)
        grid = np.arange(max(q[0], 1), math.ceil(hi) + 1, dtype=float)
        # independent cost by hand: purchase cost of an order, then G(Q)
        seg = np.searchsorted(q, grid, side="right") - 1
        if kind == "all_units":
            purchase = c[seg] * grid
        else:
            V = np.concatenate([[c[0] * q[0]], c[0] * q[0] + np.cumsum(c[:-1] * np.diff(q))])
            purchase = V[seg] + c[seg] * (grid - q[seg])
        G = D * purchase / grid + D * K / grid + rate * purchase / 2
        assert r.annual_cost <= G.min() * (1 + 1e-12)
        assert r.annual_cost >= G.min() * (1 - 1e-4)
        assert r.annual_cost == pytest.approx(r.purchase_cost + r.order_cost + r.holding_cost)
        assert r.saving >= 0


def test_discount_vectorised_per_item_schedules():
    """Two items with their own schedules (2-D breaks) give the same rows as two calls."""
    q = [[0, 500, 1000], [0, 1000, 2000]]
    c = [[0.30, 0.29, 0.28], [5.0, 4.8, 4.75]]
    both = L.quantity_discount([600, 5000], [8, 49], 0.2, q, c)
    one = L.quantity_discount(600, 8, 0.2, q[0], c[0])
    two = L.quantity_discount(5000, 49, 0.2, q[1], c[1])
    assert both.order_qty.tolist() == pytest.approx([one.order_qty[0], two.order_qty[0]])
    assert both.annual_cost.tolist() == pytest.approx([one.annual_cost[0], two.annual_cost[0]])


def test_discount_padded_schedule_and_minimum_quantity():
    """A repeated last break pads a short row; a first break above 0 is a minimum
    order quantity (EOQ 400 raised to 450 with a single price)."""
    r = L.quantity_discount(600, 8, 0.2, [0, 500, 1000, 1000], [0.30, 0.29, 0.28, 0.28]).iloc[0]
    assert r.order_qty == pytest.approx(500)
    r = L.quantity_discount(600, 8, 0.2, [450], [0.30]).iloc[0]
    assert r.order_qty == pytest.approx(450)
    assert r.annual_cost == pytest.approx(600 * 0.3 + 600 * 8 / 450 + 0.2 * 0.3 * 450 / 2)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"annual_demand": -1}, "annual_demand"),
        ({"annual_demand": float("nan")}, "annual_demand"),
        ({"ordering_cost": -5}, "ordering_cost"),
        ({"holding_rate": 0}, "holding_rate"),
        ({"min_qty": [], "unit_price": []}, "min_qty"),
        ({"min_qty": [0, 500], "unit_price": [0.3]}, "min_qty / unit_price"),
        ({"min_qty": [500, 0], "unit_price": [0.3, 0.2]}, "min_qty"),
        ({"min_qty": [0, 500], "unit_price": [0.3, float("nan")]}, "unit_price"),
        ({"min_qty": [0, 500], "unit_price": [0.3, 0.4]}, "unit_price"),
        ({"kind": "bulk"}, "kind"),
    ],
)
def test_discount_bad_input_names_the_argument(kwargs, match):
    args = dict(
        annual_demand=600,
        ordering_cost=8,
        holding_rate=0.2,
        min_qty=[0, 500],
        unit_price=[0.3, 0.29],
    )
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        L.quantity_discount(**args)


def test_discount_cost_below_first_break_refused():
    with pytest.raises(ValueError, match="order_qty"):
        L.discount_annual_cost(100, 600, 8, 0.2, [450], [0.3])


# ---------------------------------------------------------------- planned backorders, EPQ


def test_backorders_hillier_lieberman_speakers():
    """[HL] Speakers: D = 8,000/month, K = $12,000, h = $0.30 and p = $1.10 per unit per
    month. Without shortages Q* = 25,298; with planned shortages Q* = 28,540,
    S* = 22,424 (maximum stock), maximum shortage 6,116, cycle 3.6 months."""
    r = L.eoq_backorders(8000, 12_000, 0.3, 1.1).iloc[0]
    assert r.order_qty == pytest.approx(28_540, abs=0.5)
    assert r.max_inventory == pytest.approx(22_424, abs=0.5)
    assert r.backorder_level == pytest.approx(6_116, abs=0.5)
    assert r.cycle_time == pytest.approx(3.6, abs=0.05)
    plain = L.eoq_backorders(8000, 12_000, 0.3, np.inf).iloc[0]
    assert plain.order_qty == pytest.approx(25_298, abs=0.5)
    assert plain.backorder_level == 0 and plain.backorder_cost == 0


def test_backorders_cost_matches_grid_search():
    """Annual cost by hand, KD/Q + h(Q-B)^2/(2Q) + pB^2/(2Q), minimised over a fine
    (Q, B) grid equals the closed form sqrt(2KDhp/(h+p)) (FSCT EOQB), within 1e-5."""
    D, K, h, p = 1300, 8, 0.225, 5.0
    r = L.eoq_backorders(D, K, h, p).iloc[0]
    Q = np.linspace(250, 400, 1501)[:, None]
    B = np.linspace(0, 40, 801)[None, :]
    g = K * D / Q + h * (Q - B) ** 2 / (2 * Q) + p * B**2 / (2 * Q)
    assert r.annual_cost == pytest.approx(g.min(), rel=1e-5)
    assert r.annual_cost == pytest.approx(math.sqrt(2 * K * D * h * p / (h + p)))
    assert r.annual_cost == pytest.approx(r.order_cost + r.holding_cost + r.backorder_cost)
    assert r.stockout_time_share == pytest.approx(h / (h + p))


def test_epq_heizer_render_nathan():
    """[HR] Nathan Manufacturing hubcaps: D = 1,000/yr, setup S = $10, H = $0.50 per unit
    per year, production 8 and demand 4 units per day: Q* = sqrt(2DS/(H(1 - d/p))) = 283.
    Hand: maximum stock Q(1 - d/p) = 141.4, annual cost 2 x 35.36 = 70.71."""
    r = L.epq(1000, 10, 0.5, 1000 * 8 / 4).iloc[0]
    assert r.lot_size == pytest.approx(282.84, abs=0.01)
    assert round(r.lot_size) == 283
    assert r.max_inventory == pytest.approx(141.42, abs=0.01)
    assert r.annual_cost == pytest.approx(70.71, abs=0.01)
    assert r.production_time == pytest.approx(r.lot_size / 2000)


def test_epq_tends_to_eoq_and_backorders():
    """A very fast line gives the EOQ; with backorders the lot is the EPQ times
    sqrt((h+p)/p) and the cost the EPQ cost times sqrt(p/(h+p)) (hand formulas)."""
    fast = L.epq(1300, 8, 0.225, 1e12).iloc[0]
    assert fast.lot_size == pytest.approx(math.sqrt(2 * 8 * 1300 / 0.225))
    base = L.epq(1000, 10, 0.5, 2000).iloc[0]
    bo = L.epq(1000, 10, 0.5, 2000, backorder_cost=2.0).iloc[0]
    assert bo.lot_size == pytest.approx(base.lot_size * math.sqrt(2.5 / 2.0))
    assert bo.annual_cost == pytest.approx(base.annual_cost * math.sqrt(2.0 / 2.5))
    assert bo.annual_cost == pytest.approx(bo.setup_cost + bo.holding_cost + bo.backorder_cost)


def test_epq_and_backorders_bad_input():
    with pytest.raises(ValueError, match="production_rate"):
        L.epq(1000, 10, 0.5, 900)
    with pytest.raises(ValueError, match="setup_cost"):
        L.epq(1000, -1, 0.5, 2000)
    with pytest.raises(ValueError, match="backorder_cost"):
        L.eoq_backorders(1000, 10, 0.5, float("nan"))
    with pytest.raises(ValueError, match="holding_cost"):
        L.eoq_backorders(1000, 10, 0, 1)
    with pytest.raises(ValueError, match="different lengths"):
        L.eoq_backorders([1000, 2000], 10, [0.5, 0.5, 0.5], 1)


# ---------------------------------------------------------------- joint replenishment

AX = dict(
    annual_demand=[5000, 1000, 700, 100],
    holding_cost=[10, 10, 10, 10],
    item_order_cost=[50, 50, 50, 50],
    supplier_order_cost=300,
)


def test_joint_silver_heuristic_by_hand():
    """Four items of one supplier (the data of Axsaeter, *Inventory Control*, 3rd ed. 2015,
    Example 7.2: A = 300, a_i = 50, h_i = 10, D = 5000, 1000, 700, 100). Silver's
    steps by hand: item 1 has the smallest a/(hD), k_1 = 1;
    k_i = sqrt(a_i/(h_i D_i) x h_1 D_1/(A + a_1)) = sqrt(714.29 / D_i) = 0.85, 1.01, 2.67
    -> 1, 1, 3; T = sqrt(2(300 + 150 + 50/3)/(10 x 7000)) = 0.11547 yr;
    cost = sqrt(2 x 466.67 x 70,000) = 8,082.90 (independent EOQs: 11,612.09)."""
    p = L.joint_replenishment(**AX, method="silver")
    assert p.items.multiple.tolist() == [1, 1, 1, 3]
    assert p.base_cycle == pytest.approx(math.sqrt(2 * (450 + 50 / 3) / 70_000))
    assert p.annual_cost == pytest.approx(8082.90, abs=0.01)
    assert p.independent_cost == pytest.approx(
        sum(math.sqrt(2 * 350 * 10 * d) for d in AX["annual_demand"]), rel=1e-12
    )
    full = L.joint_replenishment(**AX)
    assert full.annual_cost <= p.annual_cost + 1e-9
    assert full.annual_cost == pytest.approx(
        full.supplier_order_cost + full.item_order_cost + full.holding_cost
    )
    assert full.items.order_qty.tolist() == pytest.approx(
        (full.items.multiple * full.base_cycle * np.array(AX["annual_demand"])).tolist()
    )


def _brute(D, h, a, A, top=6):
    best = math.inf
    for k in itertools.product(range(1, top + 1), repeat=len(D)):
        k = np.array(k)
        best = min(best, math.sqrt(2 * (A + np.sum(a / k)) * np.sum(k * h * D)))
    return best


def test_joint_within_one_percent_of_brute_force():
    """Random instances of 2-4 items: cost within 1 % of the best k_i in 1..6
    (enumerated, T optimal for each k by the closed form)."""
    rng = np.random.default_rng(11)
    worst = 0.0
    for _ in range(120):
        n = int(rng.integers(2, 5))
        D = rng.uniform(10, 5000, n)
        h = rng.uniform(0.5, 20, n)
        a = rng.uniform(1, 100, n)
        A = float(rng.uniform(0, 500))
        p = L.joint_replenishment(D, h, a, A)
        worst = max(worst, p.annual_cost / _brute(D, h, a, A) - 1)
        assert L.joint_cost(p.items.multiple, p.base_cycle, D, h, a, A) == pytest.approx(
            p.annual_cost
        )
    assert worst <= 0.01


def test_joint_never_above_independent_eoqs():
    """Random instances: the joint plan never costs more than each item on its own EOQ
    paying the supplier's fixed cost with every order, when that cost is at least a
    tenth of the largest item cost (with a negligible supplier cost the items are
    independent and integer multiples of a common cycle can lose up to ~1.3 %)."""
    rng = np.random.default_rng(5)
    for _ in range(300):
        n = int(rng.integers(1, 7))
        D = np.exp(rng.uniform(0, 10, n))
        h = np.exp(rng.uniform(-3, 3, n))
        a = np.exp(rng.uniform(-3, 6, n))
        A = float(a.max() * np.exp(rng.uniform(np.log(0.1), 5)))
        p = L.joint_replenishment(D, h, a, A)
        assert p.annual_cost <= p.independent_cost * (1 + 1e-12)


def test_joint_minimum_order_value_and_capacity():
    """Minimum order value 60,000 at unit value 50: T rises until the smallest order
    (items with k = 1) is worth 60,000. Capacity 500 units: T falls until the largest
    order (every item) holds 500. Both at once cannot be met: ValueError."""
    free = L.joint_replenishment(**AX)
    p = L.joint_replenishment(**AX, unit_value=50, min_order_value=60_000)
    ones = p.items.multiple == 1
    assert p.limit == "min_order_value"
    assert p.items.order_value[ones].sum() == pytest.approx(60_000)
    assert p.annual_cost >= free.annual_cost
    p = L.joint_replenishment(**AX, capacity=500)
    assert p.limit == "capacity"
    assert p.items.order_qty.sum() == pytest.approx(500)
    assert p.annual_cost >= free.annual_cost
    p = L.joint_replenishment(**AX, unit_size=[0.5, 1, 1, 1], capacity=500)
    assert (p.items.order_qty * np.array([0.5, 1, 1, 1])).sum() <= 500 * (1 + 1e-9)
    with pytest.raises(ValueError, match="min_order_value / capacity"):
        L.joint_replenishment(**AX, unit_value=50, min_order_value=60_000, capacity=500)


def test_joint_constraints_match_brute_force():
    """With a minimum order value, the plan is within 1 % of the enumeration of k_i in
    1..6 where T is the closed-form optimum raised to the documented bound."""
    rng = np.random.default_rng(3)
    for _ in range(40):
        n = int(rng.integers(2, 4))
        D, h = rng.uniform(10, 5000, n), rng.uniform(0.5, 20, n)
        a, A, v = rng.uniform(1, 100, n), float(rng.uniform(10, 500)), rng.uniform(1, 50, n)
        M = float(rng.uniform(100, 20_000))
        best = math.inf
        for k in itertools.product(range(1, 7), repeat=n):
            k = np.array(k)
            if not (k == 1).any():
                continue
            fixed, var = A + np.sum(a / k), np.sum(k * h * D)
            T = max(math.sqrt(2 * fixed / var), M / np.sum((D * v)[k == 1]))
            best = min(best, fixed / T + T * var / 2)
        p = L.joint_replenishment(D, h, a, A, unit_value=v, min_order_value=M)
        assert p.annual_cost <= best * 1.01
        assert (p.items.order_value[p.items.multiple == 1]).sum() >= M * (1 - 1e-9)


def test_joint_bad_input():
    with pytest.raises(ValueError, match="supplier_order_cost"):
        L.joint_replenishment([100, 200], [1, 1], [5, 5], -1)
    with pytest.raises(ValueError, match="item_order_cost"):
        L.joint_replenishment([100, 200], [1, 1], [5, 0], 0)
    with pytest.raises(ValueError, match="unit_value"):
        L.joint_replenishment([100, 200], [1, 1], [5, 5], 10, min_order_value=100)
    with pytest.raises(ValueError, match="annual_demand"):
        L.joint_replenishment([100, float("nan")], [1, 1], [5, 5], 10)
    with pytest.raises(ValueError, match="method"):
        L.joint_replenishment([100, 200], [1, 1], [5, 5], 10, method="best")


def _cycles_table(rng, suppliers=3, per=5):
    n = suppliers * per
    items = pd.DataFrame(
        {
            "supplier": np.repeat([f"s{i}" for i in range(suppliers)], per),
            "annual_demand": rng.uniform(20, 5000, n),
            "unit_value": rng.uniform(1, 80, n),
            "item_order_cost": rng.uniform(0, 30, n),
        }
    )
    items["holding_cost"] = 0.25 * items["unit_value"]
    sup = pd.DataFrame(
        {"order_cost": rng.uniform(20, 400, suppliers)},
        index=[f"s{i}" for i in range(suppliers)],
    )
    return items, sup


def test_supplier_cycles_whole_days_match_enumeration():
    """Random tables: each supplier's whole-day cycle (weekly=False) costs no more than
    any other whole number of days with the same multiples (enumeration of 1..365), and
    the cost is the joint cost of [SPP] 10.4 at that cycle."""
    rng = np.random.default_rng(5)
    for _ in range(20):
        items, sup = _cycles_table(rng)
        plan, sp = L.supplier_order_cycles(items, sup, weekly=False)
        for key, row in sp.iterrows():
            sel = (items.supplier == key).to_numpy()
            k = plan.multiple.to_numpy()[sel]
            D, h, a = (
                items[c].to_numpy()[sel]
                for c in ("annual_demand", "holding_cost", "item_order_cost")
            )
            A = sup.order_cost[key]
            costs = [
                L.joint_cost(k, d / 365.0, D, h, a, A)
                for d in range(1, 366)
                if (k * d).max() <= 365
            ]
            assert row.annual_cost == pytest.approx(
                L.joint_cost(k, row.base_days / 365.0, D, h, a, A), rel=1e-12
            )
            assert row.annual_cost <= min(costs) * (1 + 1e-12)
            assert (plan.review_days.to_numpy()[sel] == k * row.base_days).all()
            # Rounding to whole days costs little against the continuous optimum.
            free = L.joint_replenishment(D, h, a, A)
            assert row.annual_cost <= free.annual_cost * 1.02


def test_supplier_cycles_exact_over_whole_days_and_multiples():
    """Small random suppliers: the cycle and multiples found cost exactly the minimum of
    the joint cost over every whole number of days 1..D and every combination of
    multiples with k x days <= D (brute force), with a minimum order value too."""
    rng = np.random.default_rng(21)
    cap = 40
    for trial in range(12):
        items, sup = _cycles_table(rng, suppliers=1, per=3)
        items["item_order_cost"] = rng.uniform(1, 80, len(items))
        M = None
        if trial % 3 == 2:
            M = float((items.annual_demand * items.unit_value).max() * 8 / 365.0)
            sup = sup.assign(min_order_value=[M])
        plan, sp = L.supplier_order_cycles(items, sup, weekly=False, max_days=cap)
        D, h, a, v = (
            items[c].to_numpy()
            for c in ("annual_demand", "holding_cost", "item_order_cost", "unit_value")
        )
        A = sup.order_cost.iloc[0]
        best = math.inf
        for days in range(1, cap + 1):
            top = cap // days
            for k in itertools.product(range(1, top + 1), repeat=3):
                k = np.array(k)
                if 1 not in k:
                    continue
                if M is not None and (D * v)[k == 1].sum() * days / 365.0 < M * (1 - 1e-12):
                    continue
                best = min(best, L.joint_cost(k, days / 365.0, D, h, a, A))
        if math.isinf(best):
            assert sp.base_days.iloc[0] == 0
            continue
        assert sp.annual_cost.iloc[0] == pytest.approx(best, rel=1e-12)


def test_supplier_cycles_weekly_minimum_value_and_cap():
    rng = np.random.default_rng(8)
    items, sup = _cycles_table(rng, suppliers=2, per=4)
    plan, sp = L.supplier_order_cycles(items, sup)
    for _key, row in sp.iterrows():
        if row.base_days >= 7:
            assert row.base_days % 7 == 0
    # A minimum order value: the smallest order (items in every order) reaches it.
    key = sp.index[0]
    sel = (items.supplier == key).to_numpy()
    M = 3 * sp.order_value[key]
    sup2 = sup.assign(min_order_value=[M, np.nan])
    plan2, sp2 = L.supplier_order_cycles(items, sup2)
    k = plan2.multiple.to_numpy()[sel]
    smallest = (items.annual_demand * items.unit_value).to_numpy()[sel][k == 1].sum()
    assert smallest * sp2.base_days[key] / 365.0 >= M * (1 - 1e-9)
    assert sp2.limit[key] == "min_order_value"
    # Review periods never exceed the cap.
    plan3, sp3 = L.supplier_order_cycles(items, sup, max_days=20)
    assert plan3.review_days.max() <= 20
    assert (plan3.multiple[plan3.review_days > 0] >= 1).all()


def test_supplier_cycles_fixed_cycle_best_multiples_by_enumeration():
    """A cycle fixed by the buyer: for fixed T the joint cost separates per item
    (a_i / (k T) + k T h_i D_i / 2), so each multiple must be the best integer of 1..cap
    by enumeration; a minimum order value the cycle misses is reported, not enforced."""
    rng = np.random.default_rng(13)
    items, sup = _cycles_table(rng, suppliers=2, per=6)
    items["item_order_cost"] = rng.uniform(5, 200, len(items))
    sup = sup.assign(fixed_days=[7, 10], min_order_value=[0, 1e7])
    plan, sp = L.supplier_order_cycles(items, sup, max_days=120)
    for key, days in (("s0", 7), ("s1", 10)):
        sel = (items.supplier == key).to_numpy()
        T = days / 365.0
        for (_, it), k in zip(items[sel].iterrows(), plan.multiple[sel], strict=True):
            costs = [
                it.item_order_cost / (j * T) + j * T * it.holding_cost * it.annual_demand / 2
                for j in range(1, 120 // days + 1)
            ]
            assert k == int(np.argmin(costs)) + 1
        assert sp.base_days[key] == days and sp.limit[key] == "fixed"
    assert not sp.reason["s0"]
    assert "below the minimum order value" in sp.reason["s1"]


def test_supplier_cycles_bad_rows_are_reasons_not_errors():
    items = pd.DataFrame(
        {
            "supplier": ["a", "a", "b", "c"],
            "annual_demand": [100, float("nan"), 50, 10],
            "holding_cost": [2, 2, 1, 1],
            "item_order_cost": [5, 5, 5, 5],
            "unit_value": [8, 8, 4, 4],
        }
    )
    sup = pd.DataFrame(
        {"order_cost": [50, -3, 10], "min_order_value": [0, 0, 1e9]}, index=["a", "b", "c"]
    )
    plan, sp = L.supplier_order_cycles(items, sup)
    assert plan.multiple.tolist() == [1, 0, 0, 0]
    assert "no demand" in plan.reason[1]
    assert "not a valid cost" in sp.reason["b"]
    assert "minimum order value" in sp.reason["c"] and sp.base_days["c"] == 0
    assert sp.base_days["a"] > 0 and not sp.reason["a"]
    with pytest.raises(ValueError, match="missing columns"):
        L.supplier_order_cycles(items.drop(columns="unit_value"), sup)


# ---------------------------------------------------------------- IMAPA


def test_imapa_hand_computation():
    """y = 0 2 0 0 3 0 1 0, levels 1 and 2, SES with alpha = 0.5, l0 = mean of the series.
    Level 1: l0 = 0.75, levels .375 1.1875 .59375 .296875 1.6484375 .82421875
    .912109375 .4560546875. Level 2: buckets 2 0 3 1, l0 = 1.5, levels 1.75 .875
    1.9375 1.46875 -> per period 0.734375. Mean: 0.59521484375."""
    got = L.imapa([0, 2, 0, 0, 3, 0, 1, 0], max_level=2, method="ses", alpha=0.5)
    assert got[0] == pytest.approx(0.59521484375, abs=1e-12)
    med = L.imapa([0, 2, 0, 0, 3, 0, 1, 0], max_level=2, method="ses", alpha=0.5, combine="median")
    assert med[0] == pytest.approx(0.59521484375, abs=1e-12)  # median of two = mean


def test_imapa_single_level_is_adida_and_level_one_is_sba():
    y = np.array(
        [[0, 2, 0, 0, 3, 0, 1, 0, 0, 4, 0, 0], [1, 0, 0, 0, 0, 5, 0, 0, 0, 0, 2, 0]], float
    )
    adida = ADIDA(k=3).predict(y, {"k": np.array([3.0, 3.0]), "alpha": np.array([0.3, 0.3])}, 1)
    got = L.imapa(y, min_level=3, max_level=3, method="ses", alpha=0.3)
    assert got == pytest.approx(adida.forecast[:, 0])
    sba = SBA(alpha=0.1)
    want = sba.predict(y, sba.fit(y), 1).forecast[:, 0]
    assert L.imapa(y, max_level=1, alpha=0.1) == pytest.approx(want)


def test_imapa_levels_per_item_and_bad_input():
    """Default levels per item (ADIDA's bucket size); a zero series forecasts 0;
    every forecast lies between 0 and the largest period demand."""
    rng = np.random.default_rng(0)
    y = rng.poisson(0.3, (5, 36)).astype(float) * rng.integers(1, 6, (5, 36))
    y[4] = 0
    for method in L.IMAPA_METHODS:
        f = L.imapa(y, method=method)
        assert f.shape == (5,) and np.isfinite(f).all()
        assert (f >= 0).all() and (f <= y.max(axis=1) + 1e-12).all()
        assert f[4] == 0
    with pytest.raises(ValueError, match="y"):
        L.imapa([0, 1, float("nan"), 2])
    with pytest.raises(ValueError, match="y"):
        L.imapa([0, -1, 2, 2])
    with pytest.raises(ValueError, match="method"):
        L.imapa([0, 1, 0, 2], method="arima")
    with pytest.raises(ValueError, match="alpha"):
        L.imapa([0, 1, 0, 2], alpha=1.5)
    with pytest.raises(ValueError, match="min_level"):
        L.imapa([0, 1, 0, 2, 0], min_level=3)
