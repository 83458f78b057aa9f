"""Multi-echelon engine (invplan.network) against published examples, brute force and simulation.

Sources (full references in the module docstrings):

- [FSCT] Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed., Wiley 2019:
  Example 6.1 (Clark-Scarf, 3 stages), Example 6.3 (serial GSM), Example 6.5 (tree
  GSM), Figure 6.14 (the ten-stage assembly tree of Graves & Willems), Problems 6.8 and
  6.9 (serial and mixed GSM instances). The instance data and optimal values are those
  listed by stockpyl 1.0.2 (Snyder's own implementation of the book): its documented
  examples and instance library (``load_instance("example_6_5")``, ...).
- [SS03] Shang & Song, "Newsvendor bounds and heuristic for optimal policies in serial
  supply chains", Management Science 49(5), 2003, Table 1 rows 1, 9, 17, 25 (four
  stages, Poisson demand of rate 16, lead times 0.25): optimal echelon base stocks and
  costs, as quoted in stockpyl's test suite.

Everything else is checked against a computation written out here: enumeration of every
combination of service times on small random trees, a period-by-period simulation of the
serial system, the single-stage newsvendor in closed form, Monte Carlo sums of
correlated demand. stockpyl itself is used, when installed, for a cross-check on random
trees (skipped otherwise).
"""

import itertools
import math
import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from invplan.network import (
    Network,
    clark_scarf,
    drp_netting,
    echelon_holding_costs,
    gsm_cost,
    gsm_place,
    net_demand,
    pooled_sigma,
    pooling_analysis,
    push_or_pull,
    serial_cost,
    shang_song,
    simulate_base_stock,
    simulate_network,
    square_root_law,
)

# ====================================================================== the network


def test_network_structure_and_order():
    net = Network(
        pd.DataFrame(
            {
                "upstream": ["C", "C", "R1"],
                "downstream": ["R1", "R2", "S1"],
                "lead_time": [2, 3, 1],
                "transport_cost": [0.5, 0.7, 0.1],
            }
        )
    )
    assert net.nodes == ("C", "R1", "R2", "S1")
    assert net.roots == ["C"]
    assert sorted(net.leaves) == ["R2", "S1"]
    assert net.predecessors("S1") == ["R1"]
    assert sorted(net.successors("C")) == ["R1", "R2"]
    order = net.topological_order()
    for a in net.arcs:
        assert order.index(a.upstream) < order.index(a.downstream)
    assert net.kind() == "distribution"
    assert net.arc("C", "R2").transport_cost == 0.7
    assert net.arc_table()["lead_time"].tolist() == [2, 3, 1]


@pytest.mark.parametrize(
    "arcs, kind",
    [
        ([("A", "B", 1), ("B", "C", 1)], "serial"),
        ([("A", "C", 1), ("B", "C", 1)], "assembly"),
        ([("A", "B", 1), ("A", "C", 1)], "distribution"),
        ([("A", "C", 1), ("B", "C", 1), ("C", "D", 1), ("C", "E", 1)], "tree"),
        ([("A", "B", 1), ("A", "C", 1), ("B", "D", 1), ("C", "D", 1)], "general"),
    ],
)
def test_network_kind(arcs, kind):
    assert Network(arcs).kind() == kind


def test_cycle_is_named_with_the_arc_that_closes_it():
    with pytest.raises(ValueError, match=r"arc 2 \(R2 -> C\) closes a cycle: R2 -> C -> R1 -> R2"):
        Network([("C", "R1", 1), ("R1", "R2", 1), ("R2", "C", 1)])


@pytest.mark.parametrize(
    "arcs, match",
    [
        ([("C", "R1", None)], r"arc 0 \(C -> R1\): lead_time: missing"),
        ([("C", "R1")], r"arc 0 \(C -> R1\): lead_time: missing"),
        ([("C", "R1", 1), ("C", "R2", -1)], r"arc 1 \(C -> R2\): lead_time: must be"),
        ([("C", "R1", float("nan"))], r"arc 0 \(C -> R1\): lead_time: missing"),
        ([("C", "R1", "two")], r"arc 0 \(C -> R1\): lead_time: expected a number"),
        ([("C", "C", 1)], r"arc 0 \(C -> C\): a node cannot resupply itself"),
        ([("C", "R1", 1), ("C", "R1", 2)], r"arc 1 \(C -> R1\): repeats arc 0"),
        ([("C", "R1", 1, -3)], r"arc 0 \(C -> R1\): transport_cost"),
        ([("C", "R1", 1, 0, 0)], r"arc 0 \(C -> R1\): units must be > 0"),
        ([("C",)], r"arc 0: expected \(upstream, downstream"),
        ([{"upstream": "C"}], r"arc 0: needs 'upstream' and 'downstream'"),
    ],
)
def test_bad_arcs_are_named(arcs, match):
    with pytest.raises(ValueError, match=match):
        Network(arcs)


def test_missing_column_is_named():
    with pytest.raises(ValueError, match=r"missing column\(s\) \['lead_time'\]"):
        Network(pd.DataFrame({"upstream": ["C"], "downstream": ["R"]}))


def test_tree_check_names_the_second_route():
    net = Network([("A", "B", 1), ("A", "C", 1), ("B", "D", 1), ("C", "D", 1)])
    with pytest.raises(ValueError, match=r"arc 3 \(C -> D\) gives D a second route from C"):
        net.check_tree()
    with pytest.raises(ValueError, match=r"arc 3 \(C -> D\): D is already resupplied from B"):
        net.check_distribution()
    with pytest.raises(ValueError, match="needs a tree"):
        gsm_place(net, holding_cost=1, demand_sigma={"D": 1})


def test_components_and_isolated_nodes():
    net = Network([("A", "B", 1), ("X", "Y", 1)], nodes=["Z"])
    assert net.components() == [["Z"], ["A", "B"], ["X", "Y"]]
    with pytest.raises(ValueError, match="unknown node 'Q'"):
        net.successors("Q")


# ====================================================================== GSM: published

# (nodes' arcs, holding cost, processing time, sigma at demand nodes, max service time,
#  inbound service time of roots, z) -> optimal outbound service times and cost
EXAMPLE_6_5 = dict(
    arcs=[("1", "3", 0), ("3", "2", 0), ("3", "4", 0)],
    holding_cost={"1": 1, "3": 2, "2": 3, "4": 3},
    processing_time={"1": 2, "3": 1, "2": 1, "4": 1},
    demand_sigma={"2": 1, "4": 1},
    max_service_time={"2": 0, "4": 1},
    inbound_service_time={"1": 1},
    z=1,
)


def _place(inst, **extra):
    net = Network(inst["arcs"])
    kw = {k: v for k, v in inst.items() if k != "arcs"}
    kw.update(extra)
    return gsm_place(net, **kw)


def test_gsm_fsct_example_6_3_serial():
    """[FSCT] Example 6.3: stages 3 -> 2 -> 1, h = (2, 4, 7), T = (1, 0, 1), outside
    supplier 1 period, customer service time 1, N(0, 1), z = 1. Optimum: S = (0, 0, 1),
    only stage 3 holds stock, cost 2 sqrt(2) = 2.8284."""
    r = gsm_place(
        Network([("3", "2", 0), ("2", "1", 0)]),
        holding_cost={"3": 2, "2": 4, "1": 7},
        processing_time={"3": 1, "2": 0, "1": 1},
        demand_sigma={"1": 1},
        max_service_time={"1": 1},
        inbound_service_time={"3": 1},
        z=1,
    )
    t = r.table()
    assert t.outbound_service_time.to_dict() == {"3": 0, "2": 0, "1": 1}
    assert r.cost.iloc[0] == pytest.approx(2 * math.sqrt(2), abs=1e-12)
    assert t.holds_stock.to_dict() == {"3": True, "2": False, "1": False}
    assert t.loc["3", "safety_stock"] == pytest.approx(math.sqrt(2))


def test_gsm_fsct_example_6_5_tree():
    """[FSCT] Example 6.5: 1 -> 3 -> {2, 4}; optimum S = (1: 0, 3: 0, 2: 0, 4: 1),
    cost 8.2779 (= sqrt(6) + 2 sqrt(2) + 3)."""
    r = _place(EXAMPLE_6_5)
    t = r.table()
    assert t.outbound_service_time.to_dict() == {"1": 0, "3": 0, "2": 0, "4": 1}
    assert r.cost.iloc[0] == pytest.approx(8.277916867529369, abs=1e-9)
    assert r.cost.iloc[0] == pytest.approx(math.sqrt(6) + 2 * math.sqrt(2) + 3, abs=1e-12)
    # net demand at 3 pools its two customers: sigma sqrt(2)
    assert t.loc["3", "net_demand_sigma"] == pytest.approx(math.sqrt(2))


FIGURE_6_14 = dict(
    arcs=[
        ("Raw_Material", "Process_Wafers", 0),
        ("Process_Wafers", "Package_Test_Wafers", 0),
        ("Package_Test_Wafers", "Imager_Assembly", 0),
        ("Imager_Base", "Imager_Assembly", 0),
        ("Imager_Assembly", "Ship_to_Final_Assembly", 0),
        ("Ship_to_Final_Assembly", "Build_Test_Pack", 0),
        ("Camera", "Build_Test_Pack", 0),
        ("Circuit_Board", "Build_Test_Pack", 0),
        ("Other_Parts", "Build_Test_Pack", 0),
    ],
    holding_cost={
        "Raw_Material": 0.01,
        "Process_Wafers": 0.03,
        "Package_Test_Wafers": 0.04,
        "Imager_Base": 0.06,
        "Imager_Assembly": 0.12,
        "Ship_to_Final_Assembly": 0.13,
        "Camera": 0.2,
        "Circuit_Board": 0.08,
        "Other_Parts": 0.04,
        "Build_Test_Pack": 0.5,
    },
    processing_time={
        "Raw_Material": 2,
        "Process_Wafers": 3,
        "Package_Test_Wafers": 2,
        "Imager_Base": 4,
        "Imager_Assembly": 2,
        "Ship_to_Final_Assembly": 3,
        "Camera": 6,
        "Circuit_Board": 4,
        "Other_Parts": 3,
        "Build_Test_Pack": 2,
    },
    demand_sigma={"Build_Test_Pack": 10},
    max_service_time={"Build_Test_Pack": 2},
    z=stats.norm.ppf(0.95),
)


HOLDERS_6_14 = ["Camera", "Circuit_Board", "Other_Parts", "Raw_Material", "Ship_to_Final_Assembly"]


def test_gsm_fsct_figure_6_14_assembly():
    """[FSCT] Figure 6.14 (Graves & Willems' ten-stage assembly): optimal cost 18.824."""
    r = _place(FIGURE_6_14)
    t = r.table()
    assert r.cost.iloc[0] == pytest.approx(18.824004472592172, abs=1e-9)
    assert t.outbound_service_time.astype(int).to_dict() == {
        "Raw_Material": 0,
        "Process_Wafers": 3,
        "Package_Test_Wafers": 5,
        "Imager_Base": 4,
        "Imager_Assembly": 7,
        "Ship_to_Final_Assembly": 0,
        "Camera": 0,
        "Circuit_Board": 0,
        "Other_Parts": 0,
        "Build_Test_Pack": 2,
    }
    # tau = SI + T - S: stock where the service time quoted is below the replenishment time
    assert sorted(t.index[t.holds_stock]) == HOLDERS_6_14


def test_gsm_fsct_problems_6_8_and_6_9():
    """[FSCT] Problem 6.8 (ten-stage serial line, z = Phi^-1(0.98), customer service 3)
    and Problem 6.9 (two retailers fed by an assembly stage, z = 4): optimal costs
    1378.30 and 15.6495 as computed by stockpyl 1.0.2 (independent implementation)."""
    h = [5.73, 4.56, 3.04, 2.93, 2.47, 2.37, 1.15, 1.1, 0.98, 0.87]
    T = [5, 10, 2, 15, 8, 5, 9, 5, 1, 5]
    nodes = [str(i) for i in range(1, 11)]
    net = Network([(nodes[i + 1], nodes[i], 0) for i in range(9)])
    r = gsm_place(
        net,
        holding_cost=dict(zip(nodes, h, strict=True)),
        processing_time=dict(zip(nodes, T, strict=True)),
        demand_sigma={"1": 15.8},
        max_service_time={"1": 3},
        inbound_service_time={"10": 7},
        z=stats.norm.ppf(0.98),
    )
    assert r.cost.iloc[0] == pytest.approx(1378.3020369043727, rel=1e-9)
    assert r.table().loc[nodes, "outbound_service_time"].astype(int).tolist() == [
        3, 10, 0, 28, 13, 5, 0, 18, 13, 12,
    ]  # fmt: skip

    net = Network([("4", "3", 0), ("6", "5", 0), ("5", "3", 0), ("3", "1", 0), ("3", "2", 0)])
    r = gsm_place(
        net,
        holding_cost={
            "1": 44 / 365,
            "2": 28 / 365,
            "3": 18 / 365,
            "4": 1 / 365,
            "5": 4 / 365,
            "6": 1.5 / 365,
        },  # fmt: skip
        processing_time={"1": 7, "2": 7, "3": 21, "4": 3, "5": 8, "6": 2},
        demand_mean={"1": 22.0, "2": 15.3},
        demand_sigma={"1": 4.1, "2": 6.2},
        max_service_time={"1": 3, "2": 3},
        z=4,
    )
    assert r.cost.iloc[0] == pytest.approx(15.649530249501026, rel=1e-9)
    t = r.table()
    assert t.outbound_service_time.astype(int).to_dict() == {
        "4": 0, "3": 0, "6": 2, "5": 0, "1": 3, "2": 3,
    }  # fmt: skip
    # base stock = mean x tau + safety stock; pipeline = mean x T
    assert t.loc["3", "net_demand_mean"] == pytest.approx(37.3)
    assert t.loc["1", "base_stock"] == pytest.approx(22 * 4 + 4 * 4.1 * 2)
    assert t.loc["3", "pipeline_stock"] == pytest.approx(37.3 * 21)


# ====================================================================== GSM: brute force


def _random_tree(rng, n, max_T=2, max_lt=1):
    names = [f"n{k}" for k in range(n)]
    arcs = []
    for k in range(1, n):
        j = int(rng.integers(0, k))
        lt = int(rng.integers(0, max_lt + 1))
        arcs.append((names[j], names[k], lt) if rng.random() < 0.5 else (names[k], names[j], lt))
    net = Network(arcs, nodes=names)
    demand = {nd for nd in net.leaves} | {nd for nd in names if rng.random() < 0.2}
    data = dict(
        # some free nodes (h = 0): ties between service times
        holding_cost={nd: float(rng.uniform(0.1, 3)) * (rng.random() > 0.15) for nd in names},
        processing_time={nd: int(rng.integers(0, max_T + 1)) for nd in names},
        demand_sigma={nd: float(rng.uniform(0.5, 3)) for nd in demand},
        demand_mean={nd: float(rng.uniform(5, 20)) for nd in demand},
        max_service_time={nd: int(rng.integers(0, 3)) for nd in demand},
        inbound_service_time={nd: int(rng.integers(0, 3)) for nd in net.roots},
        z=float(rng.uniform(1, 2.5)),
    )
    return net, data


def _brute_force(net, data):
    """Every combination of integer outbound service times; returns the least cost."""
    nodes = net.nodes
    T = np.array([data["processing_time"][nd] for nd in nodes], dtype=float)
    h = np.array([data["holding_cost"][nd] for nd in nodes])
    mu_own = np.array([data["demand_mean"].get(nd, 0.0) for nd in nodes])
    sd_own = np.array([data["demand_sigma"].get(nd, 0.0) for nd in nodes])
    _, sd = net_demand(net, mu_own, sd_own)
    coef = h * data["z"] * sd[0]
    # upper bound on each node's service time: longest route from a root
    reach = {}
    for nd in net.topological_order():
        si = data["inbound_service_time"].get(nd, 0)
        for a in net.arcs:
            if a.downstream == nd:
                si = max(si, reach[a.upstream] + a.lead_time)
        reach[nd] = si + data["processing_time"][nd]
    hi = [min(reach[nd], data["max_service_time"].get(nd, 10**9)) for nd in nodes]
    S = np.array(list(itertools.product(*[range(int(x) + 1) for x in hi])), dtype=float)
    SI = np.zeros_like(S)
    for nd in net.topological_order():
        j = net.index[nd]
        SI[:, j] = data["inbound_service_time"].get(nd, 0)
        for a in net.arcs:
            if a.downstream == nd:
                SI[:, j] = np.maximum(SI[:, j], S[:, net.index[a.upstream]] + a.lead_time)
    tau = SI + T - S
    ok = (tau >= 0).all(axis=1)
    cost = (coef * np.sqrt(np.maximum(tau, 0))).sum(axis=1)
    return cost[ok].min(), len(S)


@pytest.mark.parametrize("seed", range(40))
def test_gsm_matches_brute_force_on_random_trees(seed):
    rng = np.random.default_rng(seed)
    net, data = _random_tree(rng, int(rng.integers(2, 6)))
    best, combos = _brute_force(net, data)
    assert combos < 200_000
    r = gsm_place(net, **data)
    assert r.cost.iloc[0] == pytest.approx(best, rel=1e-12, abs=1e-12)
    # the placement itself is feasible and costs what it says
    t = r.table()
    again = gsm_cost(
        net,
        t.outbound_service_time,
        **{k: v for k, v in data.items() if k != "max_service_time"},
    )
    assert again.cost.iloc[0] == pytest.approx(best, rel=1e-12, abs=1e-12)
    for nd, s in data["max_service_time"].items():
        assert t.loc[nd, "outbound_service_time"] <= s
    assert (t.net_replenishment_time >= 0).all()


def test_gsm_vectorised_over_products_equals_one_by_one(monkeypatch):
    from invplan.network import gsm as gsm_module

    monkeypatch.setattr(gsm_module, "_CHUNK_CELLS", 100)  # one or two products per chunk
    rng = np.random.default_rng(7)
    net, data = _random_tree(rng, 5)
    P = 4
    sig = {nd: rng.uniform(0.5, 3, P) for nd in data["demand_sigma"]}
    smax = {nd: rng.integers(0, 3, P) for nd in data["max_service_time"]}
    si = {nd: rng.integers(0, 9, P) for nd in net.roots}  # horizons differ: several chunks
    many = gsm_place(
        net,
        **{**data, "demand_sigma": sig, "max_service_time": smax, "inbound_service_time": si},
        products=list("abcd"),
    )
    assert list(many.cost.index) == list("abcd")
    for p, label in enumerate("abcd"):
        one = gsm_place(
            net,
            **{
                **data,
                "demand_sigma": {k: v[p] for k, v in sig.items()},
                "max_service_time": {k: int(v[p]) for k, v in smax.items()},
                "inbound_service_time": {k: int(v[p]) for k, v in si.items()},
            },
        )
        assert many.cost[label] == pytest.approx(one.cost.iloc[0], rel=1e-12)
        assert (
            many.table(label).outbound_service_time.tolist()
            == one.table().outbound_service_time.tolist()
        )


@pytest.mark.parametrize("seed", range(5))
def test_gsm_cost_vectorised_over_products_equals_hand_computation(seed):
    """Many products on one tree in one call: each product's cost is the sum over nodes
    of h z sigma_net sqrt(SI + T - S), computed here node by node from the arcs."""
    rng = np.random.default_rng(100 + seed)
    net, data = _random_tree(rng, 6)
    P = 7
    nodes = list(net.nodes)
    sig = pd.DataFrame({nd: rng.uniform(0.5, 3, P) for nd in data["demand_sigma"]}, index=range(P))
    hold = pd.DataFrame({nd: rng.uniform(0.1, 3, P) for nd in nodes})
    zz = pd.DataFrame({nd: rng.uniform(1, 2.5, P) for nd in nodes})
    S = np.zeros((P, len(nodes)))  # every node quotes 0: always feasible
    labels = [f"p{k}" for k in range(P)]
    many = gsm_cost(
        net,
        S,
        holding_cost=hold,
        demand_sigma=sig,
        demand_mean=data["demand_mean"],
        processing_time=data["processing_time"],
        z=zz,
        inbound_service_time=data["inbound_service_time"],
        products=labels,
    )
    assert list(many.cost.index) == labels
    for p in range(P):
        # net sigma by hand: own variance plus the variance of every node below
        below = {nd: {nd} for nd in nodes}
        for nd in reversed(net.topological_order()):
            for a in net.arcs:
                if a.upstream == nd:
                    below[nd] |= below[a.downstream]
        expected = 0.0
        for nd in nodes:
            var = sum(float(sig[m][p]) ** 2 for m in below[nd] if m in sig.columns)
            into = [a.lead_time for a in net.arcs if a.downstream == nd]
            # every supplier quotes 0: the latest transit, or the outside supplier's time
            si = max(into) if into else data["inbound_service_time"].get(nd, 0)
            tau = si + data["processing_time"][nd]
            expected += float(hold[nd][p]) * float(zz[nd][p]) * math.sqrt(var) * math.sqrt(tau)
        assert many.cost[labels[p]] == pytest.approx(expected, rel=1e-12)
        one = gsm_cost(
            net,
            0,
            holding_cost=hold.iloc[p].to_dict(),
            demand_sigma=sig.iloc[p].to_dict(),
            demand_mean=data["demand_mean"],
            processing_time=data["processing_time"],
            z=zz.iloc[p].to_dict(),
            inbound_service_time=data["inbound_service_time"],
        )
        assert many.table(labels[p]).safety_stock.tolist() == pytest.approx(
            one.table().safety_stock.tolist(), rel=1e-12
        )


def test_gsm_cost_names_the_product_of_an_infeasible_choice():
    net = Network([("C", "R1", 1), ("C", "R2", 1)])
    S = np.array([[0, 0, 0], [0, 2, 0]])  # product "b": R1 quotes 2 > 0 + 1
    with pytest.raises(ValueError, match=r"node R1 \(product b\): outbound service time 2"):
        gsm_cost(net, S, holding_cost=1, demand_sigma=1, products=["a", "b"])


def test_gsm_fill_rate_node_reproduces_chopra_meindl():
    """Chopra & Meindl, ch. 12: Q = 10,000, sigma over the lead time 707, fill rate
    0.975 gives a safety stock of 67. A regional node covering one period of sigma 707
    behind a central node that quotes 0."""
    net = Network([("C", "R", 1)])
    r = gsm_cost(
        net,
        0,
        holding_cost=1,
        demand_sigma={"R": 707.0},
        demand_mean={"R": 2500.0},
        fill_rate={"R": 0.975},
        order_qty={"R": 10000.0},
    )
    assert r.table().loc["R", "safety_stock"] == pytest.approx(67, abs=0.5)
    # the same node at a 97.5 % cycle service level holds far more
    csl = gsm_cost(net, 0, holding_cost=1, demand_sigma={"R": 707.0}, z=stats.norm.ppf(0.975))
    assert csl.table().loc["R", "safety_stock"] == pytest.approx(1385.7, abs=0.5)


@pytest.mark.parametrize("seed", range(12))
def test_gsm_fill_rate_matches_brute_force(seed):
    """Fill-rate targets at the demand nodes: the safety factor depends on the cover
    the placement chooses. Every combination of service times is costed here with the
    policy module's fill-rate formula, node by node, and the GSM finds the least; each
    placed demand node then delivers its fill rate (SPP eq. 7.20)."""
    from invplan.policy import fill_rate_from_safety_factor, safety_factor_fill_rate

    rng = np.random.default_rng(500 + seed)
    net, data = _random_tree(rng, int(rng.integers(2, 5)))
    demand = list(data["demand_sigma"])
    beta = {nd: float(rng.uniform(0.9, 0.995)) for nd in demand}
    qty = {nd: float(rng.uniform(0.5, 4)) * data["demand_mean"][nd] for nd in demand}
    nodes = list(net.nodes)
    _, sd = net_demand(
        net,
        np.array([data["demand_mean"].get(nd, 0.0) for nd in nodes]),
        np.array([data["demand_sigma"].get(nd, 0.0) for nd in nodes]),
    )
    T = {nd: data["processing_time"][nd] for nd in nodes}
    reach = {}
    for nd in net.topological_order():
        si = data["inbound_service_time"].get(nd, 0)
        for a in net.arcs:
            if a.downstream == nd:
                si = max(si, reach[a.upstream] + a.lead_time)
        reach[nd] = si + T[nd]
    hi = [min(reach[nd], data["max_service_time"].get(nd, 10**9)) for nd in nodes]
    best = math.inf
    for combo in itertools.product(*[range(int(x) + 1) for x in hi]):
        S = dict(zip(nodes, combo, strict=True))
        cost = 0.0
        for nd in net.topological_order():
            into = [S[a.upstream] + a.lead_time for a in net.arcs if a.downstream == nd]
            si = max(into) if into else data["inbound_service_time"].get(nd, 0)
            tau = si + T[nd] - S[nd]
            if tau < 0:
                cost = math.inf
                break
            sigma_p = float(sd[0, net.index[nd]]) * math.sqrt(tau)
            if tau == 0 or sigma_p == 0:
                ss = 0.0
            elif nd in beta:
                ss = max(0.0, safety_factor_fill_rate(beta[nd], qty[nd], sigma_p) * sigma_p)
            else:
                ss = data["z"] * sigma_p
            cost += data["holding_cost"][nd] * ss
        best = min(best, cost)
    r = gsm_place(net, **data, fill_rate=beta, order_qty=qty)
    assert r.cost.iloc[0] == pytest.approx(best, rel=1e-9, abs=1e-9)
    t = r.table()
    for nd in demand:
        sigma_p = t.loc[nd, "net_demand_sigma"] * math.sqrt(t.loc[nd, "net_replenishment_time"])
        ss = t.loc[nd, "safety_stock"]
        if ss > 1e-9:
            got = fill_rate_from_safety_factor(ss / sigma_p, qty[nd], sigma_p)
            assert float(got) == pytest.approx(beta[nd], abs=1e-9)


def test_gsm_fill_rate_bad_inputs_are_clear_errors():
    net = Network([("C", "R", 1)])
    with pytest.raises(ValueError, match="order_qty: a fill-rate target needs an order quantity"):
        gsm_place(net, holding_cost=1, demand_sigma={"R": 1}, fill_rate={"R": 0.95})
    with pytest.raises(ValueError, match="fill_rate: must be below 1, got 1 at node R"):
        gsm_place(net, holding_cost=1, demand_sigma={"R": 1}, fill_rate={"R": 1.0}, order_qty=5)


def test_gsm_arc_lead_time_is_a_delay_on_the_supplier_service():
    """A transit time on the arc equals an extra processing time at the receiving node
    (stock in transit cannot decouple), checked on a central warehouse and two regions."""
    base = dict(
        holding_cost={"C": 1.0, "R1": 1.5, "R2": 1.5},
        demand_sigma={"R1": 4.0, "R2": 6.0},
        demand_mean={"R1": 20.0, "R2": 30.0},
        inbound_service_time={"C": 6},
        max_service_time={"R1": 0, "R2": 1},
    )
    with_transit = gsm_place(Network([("C", "R1", 2), ("C", "R2", 3)]), **base)
    as_processing = gsm_place(
        Network([("C", "R1", 0), ("C", "R2", 0)]),
        processing_time={"C": 0, "R1": 2, "R2": 3},
        **base,
    )
    assert with_transit.cost.iloc[0] == pytest.approx(as_processing.cost.iloc[0])
    a, b = with_transit.table(), as_processing.table()
    assert a.safety_stock.tolist() == pytest.approx(b.safety_stock.tolist())
    # stock in transit on the inbound arc: mean demand x transit time
    assert a.in_transit_stock.to_dict() == {"C": 0.0, "R1": 40.0, "R2": 90.0}
    assert b.pipeline_stock.to_dict() == {"C": 0.0, "R1": 40.0, "R2": 90.0}


def test_gsm_speed_100_nodes():
    rng = np.random.default_rng(3)
    names = [f"n{k}" for k in range(100)]
    arcs = [
        (names[int(rng.integers(0, k))], names[k], int(rng.integers(0, 3))) for k in range(1, 100)
    ]
    net = Network(arcs)
    t0 = time.perf_counter()
    r = gsm_place(
        net,
        holding_cost={nd: float(rng.uniform(0.5, 5)) for nd in names},
        processing_time={nd: int(rng.integers(0, 4)) for nd in names},
        demand_sigma={nd: float(rng.uniform(1, 10)) for nd in net.leaves},
        inbound_service_time={"n0": 10},
    )
    assert time.perf_counter() - t0 < 5.0  # about 0.02 s; the target is 1 s
    assert r.cost.iloc[0] > 0


def test_gsm_stockpyl_cross_check_on_random_trees():
    """stockpyl (Snyder's implementation of [FSCT]) on random trees, when installed."""
    sp_net = pytest.importorskip("stockpyl.supply_chain_network")
    sp_node = pytest.importorskip("stockpyl.supply_chain_node")
    sp_demand = pytest.importorskip("stockpyl.demand_source")
    sp_gsm = pytest.importorskip("stockpyl.gsm_tree")
    for seed in range(15):
        rng = np.random.default_rng(100 + seed)
        net, data = _random_tree(rng, int(rng.integers(3, 9)), max_T=4, max_lt=0)
        for nd in list(data["demand_sigma"]):  # stockpyl: outside demand at sinks only
            if nd not in net.leaves:
                for key in ("demand_sigma", "demand_mean", "max_service_time"):
                    data[key].pop(nd)
        tree = sp_net.SupplyChainNetwork()
        made = {}
        for k, nd in enumerate(net.nodes):
            node = sp_node.SupplyChainNode(index=k + 1)
            node.local_holding_cost = data["holding_cost"][nd]
            node.processing_time = data["processing_time"][nd]
            node.demand_bound_constant = data["z"]
            node.external_inbound_cst = data["inbound_service_time"].get(nd)
            node.external_outbound_cst = data["max_service_time"].get(nd)
            if nd in data["demand_sigma"]:
                node.demand_source = sp_demand.DemandSource(
                    type="N",
                    mean=data["demand_mean"][nd],
                    standard_deviation=data["demand_sigma"][nd],
                )
            tree.add_node(node)
            made[nd] = node
        for a in net.arcs:
            tree.add_edge(made[a.upstream].index, made[a.downstream].index)
        _, their_cost = sp_gsm.optimize_committed_service_times(tree)
        ours = gsm_place(net, **data).cost.iloc[0]
        assert ours == pytest.approx(their_cost, rel=1e-9), seed


# ====================================================================== GSM: bad input


def test_gsm_bad_input_is_named():
    net = Network([("C", "R1", 1), ("C", "R2", 1)])
    with pytest.raises(ValueError, match="node R2: resupplies no node and has no demand"):
        gsm_place(net, holding_cost=1, demand_sigma={"R1": 1})
    with pytest.raises(ValueError, match="holding_cost: missing for node R2"):
        gsm_place(net, holding_cost={"C": 1, "R1": 1}, demand_sigma=1)
    with pytest.raises(ValueError, match=r"holding_cost: unknown node\(s\) \['X'\]"):
        gsm_place(net, holding_cost={"X": 1}, demand_sigma=1)
    with pytest.raises(ValueError, match="processing_time: service and processing times are whole"):
        gsm_place(net, holding_cost=1, demand_sigma=1, processing_time=0.5)
    with pytest.raises(ValueError, match="demand_sigma: must be a finite number >= 0"):
        gsm_place(net, holding_cost=1, demand_sigma={"R1": -1, "R2": 1})
    with pytest.raises(ValueError, match=r"arc 0 \(C -> R1\): lead_time must be whole periods"):
        gsm_place(Network([("C", "R1", 1.5)]), holding_cost=1, demand_sigma=1)
    with pytest.raises(ValueError, match="expected 3 values"):
        gsm_place(net, holding_cost=[1, 2], demand_sigma=1)
    with pytest.raises(ValueError, match="node C: outbound service time 5 exceeds inbound 0"):
        gsm_cost(net, {"C": 5, "R1": 0, "R2": 0}, holding_cost=1, demand_sigma=1)


def test_net_demand_with_assembly_units():
    """Two units of A go into each B: mean and variance scale by 2 and 4."""
    net = Network([("A", "B", 0, 0, 2), ("B", "C", 0)])
    mu, sd = net_demand(net, {"C": 10.0}, {"C": 3.0})
    assert mu[0].tolist() == [20.0, 10.0, 10.0]
    assert sd[0].tolist() == pytest.approx([6.0, 3.0, 3.0])


# ====================================================================== Clark-Scarf


EX61 = dict(lead_time=[2, 1, 1], stockout_cost=37.12, demand_mean=5, demand_sigma=1)


def test_clark_scarf_fsct_example_6_1():
    """[FSCT] Example 6.1: echelon h = (2, 2, 3) upstream first (local 2, 4, 7), L = (2, 1,
    1), p = 37.12, N(5, 1). Optimal echelon base stocks (22.71, 12.02, 6.49), local
    (10.69, 5.53, 6.49)."""
    r = clark_scarf(**EX61, echelon_holding_cost=[2, 2, 3])
    assert r.echelon_base_stock == pytest.approx([22.71, 12.02, 6.49], abs=0.01)
    assert r.local_base_stock == pytest.approx([10.69, 5.53, 6.49], abs=0.01)
    same = clark_scarf(**EX61, local_holding_cost=[2, 4, 7])
    assert same.cost == pytest.approx(r.cost, rel=1e-12)
    # the grid does not move the answer: a five times finer grid
    fine = clark_scarf(**EX61, echelon_holding_cost=[2, 2, 3], step=0.001)
    assert fine.cost == pytest.approx(r.cost, abs=1e-3)
    assert fine.echelon_base_stock == pytest.approx(r.echelon_base_stock, abs=5e-3)
    assert r.cost == pytest.approx(47.66, abs=0.02)


@pytest.mark.parametrize(
    "echelon_h, p, base_stock, cost",
    [
        ([0.25, 0.25, 0.25, 0.25], 9, [22, 18, 13, 8], 12.688),
        ([0.25, 2.5, 2.5, 0.25], 9, [19, 13, 10, 9], 53.008),
        ([0.25, 0.25, 0.25, 0.25], 99, [27, 22, 17, 11], 16.206),
        ([0.25, 2.5, 2.5, 0.25], 99, [26, 18, 14, 11], 74.564),
    ],
)
def test_clark_scarf_shang_song_table_1(echelon_h, p, base_stock, cost):
    """[SS03] Table 1 rows 1, 9, 17, 25: four stages, lead time 0.25 each, Poisson rate
    16, echelon holding costs upstream first."""
    r = clark_scarf([0.25] * 4, p, 16, echelon_holding_cost=echelon_h, demand="poisson")
    assert r.echelon_base_stock.tolist() == base_stock
    assert r.cost == pytest.approx(cost, abs=1e-3)


def test_clark_scarf_edge_cases():
    """No lead time anywhere: nothing to hold, cost 0. An upstream stage with a zero
    lead time: its echelon level below the customer stage's makes the latter's local
    level the upstream one (locals never negative). A free upstream stage (echelon
    cost 0): the least level that is optimal."""
    r = clark_scarf([0, 0], 10, 50, 10, echelon_holding_cost=[1, 1])
    assert r.echelon_base_stock.tolist() == [0, 0] and r.cost == 0
    r = clark_scarf([0, 1], 2, 50, 10, local_holding_cost=[1, 2])
    assert r.echelon_base_stock[0] < r.echelon_base_stock[1]
    assert r.local_base_stock.tolist() == pytest.approx([0.0, r.echelon_base_stock[0]])
    free = clark_scarf([3, 1], 10, 50, 10, echelon_holding_cost=[0, 1])
    assert free.cost == pytest.approx(
        serial_cost(free.echelon_base_stock + [50, 0], [3, 1], 10, 50, 10,
                    echelon_holding_cost=[0, 1]), abs=1e-6
    )  # fmt: skip
    assert (
        serial_cost(
            free.echelon_base_stock - [5, 0], [3, 1], 10, 50, 10, echelon_holding_cost=[0, 1]
        )
        > free.cost
    )


def test_clark_scarf_one_stage_is_the_newsvendor():
    """One stage: S = mu L + sigma sqrt(L) z*, z* = Phi^-1(p / (p + h)), cost (p + h)
    sigma sqrt(L) phi(z*) (normal newsvendor in closed form)."""
    h, p, mu, sd, L = 2.0, 18.0, 120.0, 10.0, 3.0
    r = clark_scarf([L], p, mu, sd, echelon_holding_cost=[h])
    z = stats.norm.ppf(p / (p + h))
    assert r.echelon_base_stock[0] == pytest.approx(mu * L + sd * math.sqrt(L) * z, abs=0.02)
    assert r.cost == pytest.approx((p + h) * sd * math.sqrt(L) * stats.norm.pdf(z), rel=1e-5)


def _simulate_serial(echelon_S, L, local_h, p, mu, sd, periods, seed):
    """Period by period: receive, serve customers, every stage orders the period's
    demand (base stock), ship what the supplier has; cost = local holding on hand, the
    supplier's holding on stock in transit, p per unit backordered (upstream first)."""
    n = len(L)
    S = np.asarray(echelon_S, dtype=float)
    on_hand = np.diff(S[::-1], prepend=0.0)[::-1]  # local base stocks, upstream first
    owed = np.zeros(n)  # owed[j]: ordered by stage j, not yet shipped by its supplier
    backorders = 0.0
    horizon = max(L) + 1
    arriving = np.zeros((periods + horizon, n))
    in_transit = np.zeros(n)
    demand = np.random.default_rng(seed).normal(mu, sd, periods)
    total = 0.0
    for t in range(periods):
        on_hand += arriving[t]
        in_transit -= arriving[t]
        d = demand[t]
        # customers at the last stage
        need = backorders + d
        served = min(max(on_hand[-1], 0.0), need)
        on_hand[-1] -= served
        backorders = need - served
        # every stage reorders d (negative demand returns a unit: base stock)
        owed += d
        for j in range(n):
            if j == 0:
                ship = owed[0]  # outside supplier: ample
            else:
                ship = min(max(on_hand[j - 1], 0.0), max(owed[j], 0.0))
                if owed[j] < 0:
                    ship = owed[j]
                on_hand[j - 1] -= ship
            owed[j] -= ship
            arriving[t + L[j], j] += ship
            in_transit[j] += ship
        supplier_h = np.concatenate([[0.0], local_h[:-1]])
        total += local_h @ on_hand + supplier_h @ in_transit + p * backorders
    return total / periods


def test_clark_scarf_cost_matches_simulation():
    r = clark_scarf(**EX61, echelon_holding_cost=[2, 2, 3])
    sim = _simulate_serial(
        r.echelon_base_stock, [2, 1, 1], np.array([2.0, 4.0, 7.0]), 37.12, 5, 1, 40_000, 11
    )
    assert sim == pytest.approx(r.cost, rel=0.01)
    # a worse policy costs more, in both computations
    worse = r.echelon_base_stock + np.array([0.0, 0.0, -1.0])
    assert serial_cost(worse, **EX61, echelon_holding_cost=[2, 2, 3]) > r.cost + 1


def test_serial_cost_at_the_optimum_and_around_it():
    r = clark_scarf(**EX61, echelon_holding_cost=[2, 2, 3])
    at = serial_cost(r.echelon_base_stock, **EX61, echelon_holding_cost=[2, 2, 3])
    assert at == pytest.approx(r.cost, abs=1e-9)
    for j in range(3):
        for step in (-0.3, 0.3):
            s = r.echelon_base_stock.copy()
            s[j] += step
            assert serial_cost(s, **EX61, echelon_holding_cost=[2, 2, 3]) > r.cost


def test_shang_song_heuristic_fsct_example_6_1():
    """Mean of the two newsvendor bounds; the values of [FSCT] Example 6.1 written out:
    stage 3 (L~ = 4): ratios 37.12/44.12 and 37.12/39.12; stage 2 (L~ = 2): 39.12/44.12
    and 39.12/41.12; stage 1 (L~ = 1): 41.12/44.12 twice."""
    ppf = stats.norm.ppf
    expected = [
        20 + 2 * 0.5 * (ppf(37.12 / 44.12) + ppf(37.12 / 39.12)),
        10 + math.sqrt(2) * 0.5 * (ppf(39.12 / 44.12) + ppf(39.12 / 41.12)),
        5 + ppf(41.12 / 44.12),
    ]
    s = shang_song(**EX61, echelon_holding_cost=[2, 2, 3])
    assert s == pytest.approx(expected, rel=1e-12)
    assert s == pytest.approx([22.634032391786285, 12.027434723327854, 6.490880975286938])
    # close to optimal: Shang & Song report errors well under 1 %
    gap = serial_cost(s, **EX61, echelon_holding_cost=[2, 2, 3])
    opt = clark_scarf(**EX61, echelon_holding_cost=[2, 2, 3]).cost
    assert opt <= gap <= opt * 1.005
    # vectorised over products
    many = shang_song(**{**EX61, "demand_mean": [5, 10], "demand_sigma": [1, 2]},
                      echelon_holding_cost=[2, 2, 3])  # fmt: skip
    assert many.shape == (2, 3)
    assert many[0] == pytest.approx(s)


def test_serial_bad_input():
    with pytest.raises(ValueError, match="exactly one of"):
        clark_scarf(**EX61)
    with pytest.raises(ValueError, match="stage 1 costs 1, less than its supplier's 2"):
        echelon_holding_costs([2, 1])
    with pytest.raises(ValueError, match=r"lead_time: must be finite and >= 0, got -1 at stage 1"):
        clark_scarf([2, -1, 1], 37.12, 5, 1, echelon_holding_cost=[2, 2, 3])
    with pytest.raises(ValueError, match="lead_time: expected 3 values"):
        clark_scarf([2, 1], 37.12, 5, 1, echelon_holding_cost=[2, 2, 3])
    with pytest.raises(ValueError, match="demand_sigma: not used with Poisson"):
        clark_scarf([1], 9, 16, 4, echelon_holding_cost=[1], demand="poisson")
    with pytest.raises(ValueError, match="demand: expected one of"):
        clark_scarf([1], 9, 16, 4, echelon_holding_cost=[1], demand="gamma")
    with pytest.raises(ValueError, match="demand_sigma: must be finite and > 0"):
        clark_scarf([1], 9, 16, 0, echelon_holding_cost=[1])


# ====================================================================== risk pooling


def test_square_root_law():
    """Four identical independent regions, one central stock at the same lead time:
    half the safety stock (Maister's law), also from pooling_analysis."""
    r = pooling_analysis([25] * 4, [5] * 4, holding_cost=1.0, lead_time_local=4, z=1.2816).iloc[0]
    assert r.local_safety_stock == pytest.approx(4 * 1.2816 * 5 * 2)
    assert r.central_safety_stock == pytest.approx(r.local_safety_stock / 2)
    assert r.pooling_ratio == pytest.approx(0.5)
    assert square_root_law(r.local_safety_stock, 4, 1) == pytest.approx(r.central_safety_stock)
    assert square_root_law(100.0, 1, 9) == pytest.approx(300.0)


def test_pooled_sigma_matches_monte_carlo_with_correlation():
    """sigma_c = sqrt(s' R s) against the spread of simulated correlated demand, and the
    central stock reaches the cycle service level Phi(z) on the simulated totals."""
    s = np.array([4.0, 6.0, 3.0])
    R = np.array([[1.0, 0.5, -0.2], [0.5, 1.0, 0.1], [-0.2, 0.1, 1.0]])
    rng = np.random.default_rng(5)
    x = rng.multivariate_normal([20, 30, 10], R * np.outer(s, s), size=400_000)
    total = x.sum(axis=1)
    sig = pooled_sigma(s, R)[0]
    assert sig == pytest.approx(total.std(), rel=0.005)
    z = stats.norm.ppf(0.95)
    central = pooling_analysis([20, 30, 10], s, holding_cost=1, lead_time_local=1, z=z, corr=R)
    stock = 60 + central.central_safety_stock.iloc[0]
    assert (total <= stock).mean() == pytest.approx(0.95, abs=0.002)


def test_pooling_correlation_extremes():
    s = [5.0, 5.0]
    assert pooled_sigma(s, 1.0)[0] == pytest.approx(10.0)  # nothing pooled
    assert pooled_sigma(s, -1.0)[0] == pytest.approx(0.0)  # perfectly offsetting
    assert pooled_sigma(s)[0] == pytest.approx(math.sqrt(50))
    many = pooled_sigma([[3.0, 4.0], [1.0, 1.0]], [[[1, 0], [0, 1]], [[1, 1], [1, 1]]])
    assert many.tolist() == pytest.approx([5.0, 2.0])


def test_pooling_recommendation_weighs_transport_and_delay():
    """Holding saving h (SS_local - SS_central) against the extra cost per unit served
    centrally (transport + delay cost x extra periods), by hand."""
    z = 2.0
    kw = dict(holding_cost=2.0, lead_time_local=1, z=z)
    saving = 2.0 * z * (2 * 10 - math.sqrt(200))  # two regions, sigma 10 each
    cheap = pooling_analysis([50, 50], [10, 10], extra_unit_cost=0.01, **kw).iloc[0]
    assert cheap.holding_saving == pytest.approx(saving)
    assert cheap.extra_cost == pytest.approx(1.0)
    assert cheap.net_saving == pytest.approx(saving - 1.0)
    assert cheap.recommendation == "central"
    dear = pooling_analysis(
        [50, 50], [10, 10], extra_unit_cost=0.2, extra_delivery_time=1, delay_cost=0.1, **kw
    ).iloc[0]
    assert dear.extra_cost == pytest.approx(30.0)
    assert dear.recommendation == "local"


def test_pooling_longer_central_lead_time_and_products():
    r = pooling_analysis(
        [[10, 10], [40, 0]],
        [[2, 2], [4, 0]],
        holding_cost=[[1.0], [3.0]],
        lead_time_local=[1, 4],
        lead_time_central=[4, 9],
        z=1.0,
    )
    assert r.local_safety_stock.tolist() == pytest.approx([2 * 1 + 2 * 2, 4])
    assert r.central_safety_stock.tolist() == pytest.approx([math.sqrt(8) * 2, 4 * 3])
    assert r.holding_saving.tolist() == pytest.approx([6 - math.sqrt(8) * 2, 3 * 4 - 3 * 12])


@pytest.mark.parametrize(
    "corr, match",
    [
        ([[1, 0.5], [0.4, 1]], "symmetric"),
        ([[2, 0], [0, 1]], "diagonal must be 1"),
        (1.5, r"lies in \[-1, 1\]"),
        ([[1, 0, 0], [0, 1, 0], [0, 0, 1]], r"expected a \(2, 2\) matrix"),
    ],
)
def test_pooling_bad_correlation(corr, match):
    with pytest.raises(ValueError, match=match):
        pooled_sigma([1.0, 2.0], corr)


def test_pooling_not_positive_semidefinite():
    R = [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]
    with pytest.raises(ValueError, match="not positive semi-definite"):
        pooled_sigma([1.0, 1.0, 1.0], R)


def test_pooling_bad_input():
    with pytest.raises(ValueError, match="demand_sigma: must be finite and >= 0"):
        pooling_analysis([1, 1], [1, -1], holding_cost=1, lead_time_local=1)
    with pytest.raises(ValueError, match="holding_cost: expected a scalar"):
        pooling_analysis([1, 1], [1, 1], holding_cost=[1, 2, 3], lead_time_local=1)
    with pytest.raises(ValueError, match="extra_unit_cost: must be finite and >= 0"):
        pooling_analysis([1, 1], [1, 1], holding_cost=1, lead_time_local=1, extra_unit_cost=-1)


# ====================================================================== push / pull, DRP


def test_push_or_pull_rule():
    r = push_or_pull([0.2, 0.8, np.nan, 0.2, 0.5], [10, 10, 10, 2, 4], [0, 0, 0, 3, 1])
    assert r.plan.tolist() == ["push", "pull", "pull", "pull", "push"]
    assert r.reason.tolist() == [
        "predictable",
        "unpredictable",
        "unpredictable",
        "customer_waits",
        "predictable",
    ]
    assert push_or_pull(0.6, 5, cv_threshold=0.7).plan.tolist() == ["push"]
    with pytest.raises(ValueError, match="supply_lead_time: must be finite and >= 0"):
        push_or_pull(0.2, -1)
    with pytest.raises(ValueError, match="lengths differ"):
        push_or_pull([0.2, 0.3], [1, 2, 3])


def test_drp_netting_by_hand():
    """Central C feeds R1 (2 periods) and R2 (1 period); C buys in 50s with a 3-period
    supplier lead time. Each record written out by hand (MRP netting):
    R1: 25 on hand, safety stock 5, 10 a period -> receipts of 10 from period 2,
    released 2 periods earlier. R2: 10 on hand, 10 due in period 1, demand 5 5 20 5 5 5
    -> receipts 10 5 5 5 from period 2, released 1 period earlier. C: gross = both
    release rows = 10 20 15 15 5 0; 40 on hand -> short 5 in period 2 -> one lot of 50,
    due for release in period -1: released now, flagged past due."""
    net = Network([("C", "R1", 2), ("C", "R2", 1)])
    plan = drp_netting(
        net,
        {"R1": [10] * 6, "R2": [5, 5, 20, 5, 5, 5]},
        on_hand={"C": 40, "R1": 25, "R2": 10},
        safety_stock={"R1": 5},
        order_multiple={"C": 50},
        supplier_lead_time=3,
        scheduled_receipts={"R2": [0, 10, 0, 0, 0, 0]},
    )
    r1, r2, c = plan.table("R1"), plan.table("R2"), plan.table("C")
    assert r1.loc["projected_on_hand"].tolist() == [15, 5, 5, 5, 5, 5]
    assert r1.loc["planned_receipts"].tolist() == [0, 0, 10, 10, 10, 10]
    assert r1.loc["planned_releases"].tolist() == [10, 10, 10, 10, 0, 0]
    assert r2.loc["planned_receipts"].tolist() == [0, 0, 10, 5, 5, 5]
    assert r2.loc["planned_releases"].tolist() == [0, 10, 5, 5, 5, 0]
    assert c.loc["gross_requirements"].tolist() == [10, 20, 15, 15, 5, 0]
    assert c.loc["net_requirements"].tolist() == [0, 0, 5, 0, 0, 0]
    assert c.loc["planned_receipts"].tolist() == [0, 0, 50, 0, 0, 0]
    assert c.loc["projected_on_hand"].tolist() == [30, 10, 45, 30, 25, 25]
    assert plan.past_due["C"].tolist() == [50]
    assert plan.past_due["R1"].tolist() == [0]


@pytest.mark.parametrize("seed", range(10))
def test_drp_lot_for_lot_receives_exactly_the_shortfall(seed):
    """Lot for lot, no safety stock: cumulative receipts at every node equal the largest
    cumulative shortfall so far, max(0, cum gross - on hand - cum scheduled receipts);
    gross requirements upstream are the downstream releases (x units)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    arcs = [(f"n{int(rng.integers(0, k))}", f"n{k}", int(rng.integers(0, 3)), 0, 1 + k % 2)
            for k in range(1, n)]  # fmt: skip
    net = Network(arcs)
    H, P = 8, 3
    forecast = {nd: rng.integers(0, 20, (P, H)).astype(float) for nd in net.leaves}
    on_hand = {nd: rng.integers(0, 30, P).astype(float) for nd in net.nodes}
    sched = {nd: rng.integers(0, 2, H) * 7.0 for nd in net.nodes}
    plan = drp_netting(
        net, forecast, on_hand=on_hand, scheduled_receipts=sched, supplier_lead_time=2
    )
    for nd in net.nodes:
        rec = plan.records[nd]
        gross = np.zeros((P, H)) + forecast.get(nd, 0.0)
        for a in net.arcs:
            if a.upstream == nd:
                gross = gross + a.units * plan.records[a.downstream]["planned_releases"]
        assert rec["gross_requirements"] == pytest.approx(gross)
        short = np.cumsum(gross, axis=1) - on_hand[nd][:, None] - np.cumsum(sched[nd])
        expected = np.maximum.accumulate(np.maximum(short, 0.0), axis=1)
        assert np.cumsum(rec["planned_receipts"], axis=1) == pytest.approx(expected)
        assert (rec["projected_on_hand"] >= -1e-9).all()


def test_drp_bad_input():
    net = Network([("C", "R1", 1), ("D", "R1", 1)])
    with pytest.raises(ValueError, match="R1 is already resupplied from C"):
        drp_netting(net, {"R1": [1, 2]})
    net = Network([("C", "R1", 1)])
    with pytest.raises(ValueError, match=r"forecast: unknown node\(s\) \['X'\]"):
        drp_netting(net, {"X": [1, 2]})
    with pytest.raises(ValueError, match=r"forecast\[R1\]: must be finite and >= 0"):
        drp_netting(net, {"R1": [1, -2]})
    with pytest.raises(ValueError, match=r"scheduled_receipts\[C\]: expected 2 periods"):
        drp_netting(net, {"R1": [1, 2]}, scheduled_receipts={"C": [1, 2, 3]})
    with pytest.raises(ValueError, match=r"supplier_lead_time\[C\]: whole periods"):
        drp_netting(net, {"R1": [1, 2]}, supplier_lead_time=1.5)


# ====================================================================== simulation


def test_simulation_single_node_against_closed_form():
    """Base stock S = mu L + z sigma sqrt(L), supplier lead time L: the net stock at the
    end of a period is S minus L periods of demand, so P(nothing owed) = Phi(z) and mean
    on hand = sigma sqrt(L) (z + G(z)), G the standard normal loss function."""
    z, mu, sd, L = 1.645, 50.0, 10.0, 3
    net = Network([], nodes=["A"])
    S = mu * L + z * sd * math.sqrt(L)
    r = simulate_base_stock(
        net, {"A": S}, demand_mean={"A": mu}, demand_sigma={"A": sd}, supplier_lead_time=L,
        periods=30_000, seed=1,
    )  # fmt: skip
    G = stats.norm.pdf(z) - z * stats.norm.sf(z)
    assert r.loc["A", "ready_rate"] == pytest.approx(stats.norm.cdf(z), abs=0.01)
    assert r.loc["A", "on_hand"] == pytest.approx(sd * math.sqrt(L) * (z + G), rel=0.03)
    assert r.loc["A", "fill_rate"] > r.loc["A", "ready_rate"]


def test_simulation_of_a_placement_with_ample_central_stock():
    """A central warehouse with far more stock than it needs never delays the regions:
    each region then behaves as a single node with lead time = the arc (same closed
    form), while the placement's own central base stock holds it near its target."""
    net = Network([("C", "R1", 2), ("C", "R2", 0)])
    z = 1.645
    dm, ds = {"R1": 40.0, "R2": 30.0}, {"R1": 8.0, "R2": 6.0}
    res = gsm_place(
        net, holding_cost={"C": 1.0, "R1": 1.5, "R2": 1.5}, demand_mean=dm, demand_sigma=ds,
        inbound_service_time={"C": 4}, z=z,
    )  # fmt: skip
    t = res.table()
    assert t.outbound_service_time.tolist() == [0, 0, 0]
    ample = t.base_stock.to_dict() | {"C": 10_000.0}
    sim = simulate_base_stock(
        net, ample, demand_mean=dm, demand_sigma=ds, supplier_lead_time=4, periods=20_000, seed=4
    )
    assert sim.loc["R1", "ready_rate"] == pytest.approx(stats.norm.cdf(z), abs=0.015)
    assert sim.loc["R2", "ready_rate"] == pytest.approx(1.0)  # no lead time: cross-dock
    assert math.isnan(sim.loc["C", "fill_rate"])
    placed = simulate_base_stock(
        net, t.base_stock, demand_mean=dm, demand_sigma=ds, supplier_lead_time=4,
        periods=20_000, seed=4,
    )  # fmt: skip
    assert placed.loc["C", "ready_rate"] == pytest.approx(stats.norm.cdf(z), abs=0.015)
    # the central shortfalls cost the regions some service, not much
    assert 0.9 < placed.loc["R1", "ready_rate"] < sim.loc["R1", "ready_rate"]


def test_simulation_bad_input():
    net = Network([("C", "R1", 1)])
    with pytest.raises(ValueError, match="node R1: resupplies no node and has no demand"):
        simulate_base_stock(net, {"C": 1}, demand_mean={}, demand_sigma={})
    with pytest.raises(ValueError, match="base_stock: unknown node 'X'"):
        simulate_base_stock(net, {"X": 1}, demand_mean={"R1": 1}, demand_sigma={"R1": 1})
    with pytest.raises(ValueError, match="supplier_lead_time: whole periods expected at node C"):
        simulate_base_stock(
            net, {"C": 1}, demand_mean={"R1": 1}, demand_sigma={"R1": 1}, supplier_lead_time=0.5
        )


def test_simulate_network_equals_the_single_product_simulation():
    """The vectorised simulator draws the same demand for one product and one seed, so it
    must give the single-product simulator's numbers, here with a short central
    warehouse (pro rata sharing and delays) and a customer service time."""
    net = Network([("C", "R1", 2), ("C", "R2", 1), ("C", "R3", 0)])
    kw = dict(
        demand_mean={"R1": 40.0, "R2": 25.0, "R3": 10.0},
        demand_sigma={"R1": 12.0, "R2": 9.0, "R3": 5.0},
        supplier_lead_time=5, customer_service_time={"R2": 1}, periods=1500, seed=3,
    )  # fmt: skip
    bs = {"C": 330.0, "R1": 100.0, "R2": 40.0, "R3": 12.0}
    one = simulate_base_stock(net, bs, **kw)
    many = simulate_network(net, bs, **kw).droplevel("product")
    assert one.loc["R1", "fill_rate"] < 0.8  # the central warehouse is short
    pd.testing.assert_frame_equal(many[one.columns], one, rtol=1e-9, atol=1e-9)
    # two products at once: the second (ample central stock) does not disturb the first
    two = simulate_network(net, {**bs, "C": [330.0, 1e6]}, **kw)
    assert two.loc[0, "fill_rate"].to_numpy()[1:] == pytest.approx(
        one["fill_rate"].to_numpy()[1:], rel=0.05
    )
    assert two.loc[1, "fill_rate"]["R1"] > 0.9


def test_simulate_network_order_quantity_batches_the_orders():
    """(s, nQ) rules: orders are multiples of Q, their mean is the demand mean, and the
    order stream the supplier sees is far more variable than the demand."""
    net = Network([("C", "R1", 1)])
    Q = 70.0
    sim = simulate_network(
        net, {"C": 1e6, "R1": 30.0}, demand_mean={"R1": 10.0}, demand_sigma={"R1": 3.0},
        order_quantity={"R1": Q}, supplier_lead_time=2, periods=4000, seed=5,
    )  # fmt: skip
    r1 = sim.loc[(0, "R1")]
    assert r1["order_mean"] == pytest.approx(10.0, rel=0.02)
    # one order of Q about every Q / mu = 7 days: sd = Q sqrt(p (1 - p)), p = 1/7
    assert r1["order_sd"] == pytest.approx(Q * math.sqrt(1 / 7 * 6 / 7), rel=0.05)
    assert sim.loc[(0, "C"), "order_sd"] == pytest.approx(r1["order_sd"])  # passed on
    # cycle stock: on hand about s - mu L + Q / 2
    assert r1["on_hand"] == pytest.approx(30.0 - 10.0 + Q / 2, rel=0.1)
    with pytest.raises(ValueError, match="order_quantity: must be a finite number >= 0"):
        simulate_network(net, 1.0, demand_mean={"R1": 1}, demand_sigma={"R1": 1}, order_quantity=-1)


def test_network_placement_benchmark_runs_on_a_tiny_network():
    """Smoke test of benchmarks/network_placement.py (the benchmark itself is not run
    here): both plans reach the same customer fill rate and the pipeline, which does not
    depend on the plan, is the same for both."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "network_placement.py"
    spec = importlib.util.spec_from_file_location("network_placement", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    r = bench.compare(4, seed=1, lot_days=7, target=0.95, periods=300, warmup=50, steps=4)
    assert r["reached"]
    a, b = r["equal"]["a"], r["equal"]["b"]
    assert a["fill"] == b["fill"] == 0.95
    assert a["pipeline_value"] == pytest.approx(b["pipeline_value"])
    assert 0 < r["ratio_on_hand"] < 3 and 0 < r["ratio_with_pipeline"] < 3
    sp = bench.gsm_speed(nodes=30, repeats=1)
    assert sp["placed_cost"] <= sp["independent_cost"] + 1e-9
