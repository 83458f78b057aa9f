"""Safety-stock placement on 1 central + 3 regional warehouses against independent plans.

The question of the multi-echelon engine: at the same customer service, does placing
safety stock across the network (``invplan.network.gsm_place``) hold less stock than
planning every warehouse on its own, as Odoo users do today?

Network and products (generated, :func:`generate`): a central warehouse CENTRAL
resupplies three regional ones, R1, R2 and R3, in 1, 2 and 4 days; customers buy at the
regional warehouses only. Each product has a daily demand (lognormal total, 2 to 400
units a day, split over the regions by a Dirichlet draw), a coefficient of variation
per region (0.2 to 0.8; normal demand cut at 0), a vendor lead time to the central
warehouse of 2 to 20 days, and a unit value at the central warehouse (lognormal,
median 20); at a regional warehouse the unit is worth 25 % more (transport and
handling), so holding costs more downstream (holding cost proportional to value).

Two plans per product, both base-stock levels per node:

- **(a) independent**, as each warehouse's reorder rule is planned today: a regional
  warehouse plans from its own demand and its own lead time (from the central one,
  assumed always served), ``B = mu L + z sigma sqrt(L)``; the central warehouse plans
  at the same safety factor from the orders it receives, their mean and standard
  deviation per day *measured* on a simulated history (a separate run, another seed) of
  the regions' replenishment orders, over the vendor lead time;
- **(b) placed**: ``gsm_place`` with the regional customers' demand, customer service
  time 0 at the regions, the vendor lead time as the central warehouse's inbound
  service time and holding cost = unit value: its base stock per node at the same
  safety factor z.

Both are run on the same simulated demand (``invplan.network.simulate_network``, all
products at once, 3,000 days after 200 of warm-up): a short central warehouse delays
the regions (first come first served), which is what the customers see. Each plan's
common safety factor z (all nodes, all products; B clipped at 0) is found by
bisection until the demand-weighted customer fill rate at the regional warehouses
(units served the day they are asked) reaches the target, and the stock value at
exactly the target is interpolated between the two bracketing runs: equal customer
fill rate for both plans.

Regional order quantities (``--lot-days``): with 0, every node orders one for one each
day (the base-stock world the guaranteed-service model assumes), so the regions' orders
are their customers' demand and the central plan of (a) sees the pooled demand. With
``d`` > 0 the regions run (s, nQ) rules (reorder point = the plan's B, order quantity
= ``d`` days of their mean demand), as a min / max rule with a fixed order size does:
the orders the central warehouse receives are lumpy, and plan (a) measures that. The
same order quantities are used under both plans (cycle stock is not what is compared).

Stock value compared: average on hand at the end of the day, valued at each node's
unit value, summed over nodes and products. Pipeline (vendor to central, central to
regions) is left out of the main ratio: its mean is throughput x lead time, the same
under both plans (the same orders flow along the same arcs), so it would only dilute
the ratio towards 1; the ratio with pipeline is printed as well.

Speed: ``gsm_place`` on a random 100-node tree (the issue's target: under 1 s), timed
against ``gsm_cost`` on the same tree (the cost of one given choice of service times,
the anchor: what the independent plans cost) in the same run.

Run: ``python benchmarks/network_placement.py [--products 100] [--seeds 1 2 3]
[--lot-days 0 7] [--target 0.97] [--periods 3000]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from invplan.network import Network, gsm_cost, gsm_place, simulate_network

CENTRAL = "CENTRAL"
REGIONS = ("R1", "R2", "R3")
REGION_LEAD_TIME = {"R1": 1, "R2": 2, "R3": 4}
DOWNSTREAM_MARKUP = 0.25
NOMINAL_Z = 1.6448536269514722


def network() -> Network:
    return Network([(CENTRAL, r, REGION_LEAD_TIME[r]) for r in REGIONS])


def generate(products: int, seed: int) -> dict:
    """Per product: demand mean and sigma per region, vendor lead time, unit values."""
    rng = np.random.default_rng([seed, 16])
    total = np.clip(rng.lognormal(np.log(30.0), 1.0, products), 2.0, 400.0)
    share = rng.dirichlet([2.0, 2.0, 2.0], products)
    mean = total[:, None] * share
    cv = rng.uniform(0.2, 0.8, (products, len(REGIONS)))
    value = np.clip(rng.lognormal(np.log(20.0), 0.8, products), 1.0, 500.0)
    return {
        "demand_mean": pd.DataFrame(mean, columns=list(REGIONS)),
        "demand_sigma": pd.DataFrame(mean * cv, columns=list(REGIONS)),
        "vendor_lead_time": rng.integers(2, 21, products),
        "value": pd.DataFrame(
            {CENTRAL: value} | {r: value * (1 + DOWNSTREAM_MARKUP) for r in REGIONS}
        ),
    }


class Plans:
    """Base stock as mean + z x safety stock per unit of z, for both plans."""

    def __init__(self, net, data, lot_days, seed, periods, warmup):
        self.net, self.data = net, data
        self.sim_kw = dict(
            demand_mean=data["demand_mean"],
            demand_sigma=data["demand_sigma"],
            supplier_lead_time={CENTRAL: data["vendor_lead_time"]},
            order_quantity=lot_days * data["demand_mean"],
            periods=periods,
            warmup=warmup,
        )
        mu, sd = data["demand_mean"], data["demand_sigma"]
        lt = pd.Series(REGION_LEAD_TIME)
        reg_mean = mu * lt
        reg_ss = sd * np.sqrt(lt)
        # (a) the central warehouse measures the orders it receives on a history run
        hist_bs = reg_mean + NOMINAL_Z * reg_ss
        hist_bs[CENTRAL] = 1e9  # history of the regions' orders: ample central stock
        hist = simulate_network(net, hist_bs, seed=[seed, 1], **self.sim_kw)
        stream = hist.xs(CENTRAL, level="node")  # the central orders what it is asked
        L = data["vendor_lead_time"]
        self.central_measured = stream[["order_mean", "order_sd"]].reset_index(drop=True)
        self.a_mean = reg_mean.copy()
        self.a_ss = reg_ss.copy()
        self.a_mean[CENTRAL] = stream["order_mean"].to_numpy() * L
        self.a_ss[CENTRAL] = stream["order_sd"].to_numpy() * np.sqrt(L)
        # (b) guaranteed-service placement; service times do not depend on a common z
        res = gsm_place(
            net,
            holding_cost=data["value"],
            demand_mean=mu,
            demand_sigma=sd,
            max_service_time={r: 0 for r in REGIONS},
            inbound_service_time={CENTRAL: L},
            z=1.0,
        )
        tab = res.nodes
        piv = lambda col: tab.pivot(index="product", columns="node", values=col)[list(net.nodes)]  # noqa: E731
        tau = piv("net_replenishment_time")
        self.b_mean = (piv("net_demand_mean") * tau).reset_index(drop=True)
        self.b_ss = piv("safety_stock").reset_index(drop=True)
        self.central_stock_share = float((tau[CENTRAL] > 0).mean())
        # the saving the model itself expects: its optimum over every node quoting 0
        # (independent plans with the central warehouse planned on its true net demand)
        quote0 = self.b_ss.copy()
        quote0[list(REGIONS)] = reg_ss
        quote0[CENTRAL] = piv("net_demand_sigma")[CENTRAL].to_numpy() * np.sqrt(L)
        value = data["value"][list(net.nodes)]
        self.model_ratio = float(
            (self.b_ss * value).sum().sum() / (quote0[list(net.nodes)] * value).sum().sum()
        )

    def base_stock(self, plan: str, z: float, zc: float | None = None) -> pd.DataFrame:
        """Base stock at safety factor z; ``zc``: another factor at the central node."""
        m, s = (self.a_mean, self.a_ss) if plan == "a" else (self.b_mean, self.b_ss)
        out = m + z * s
        if zc is not None:
            out[CENTRAL] = m[CENTRAL] + zc * s[CENTRAL]
        return out.clip(lower=0.0)[list(self.net.nodes)]

    def run(self, plan: str, z: float, seed, zc: float | None = None) -> dict:
        bs = self.base_stock(plan, z, zc)
        sim = simulate_network(self.net, bs, seed=seed, **self.sim_kw)
        value = self.data["value"]
        on_hand = sim["on_hand"].unstack("node")[list(self.net.nodes)].reset_index(drop=True)
        reg = sim.loc[(slice(None), list(REGIONS)), :]
        fill = float((reg["fill_rate"] * reg["demand"]).sum() / reg["demand"].sum())
        orders = sim["order_mean"].unstack("node")[list(self.net.nodes)].reset_index(drop=True)
        lead = pd.DataFrame(
            {CENTRAL: self.data["vendor_lead_time"]} | dict(REGION_LEAD_TIME), index=orders.index
        )[list(self.net.nodes)]
        central_ready = sim.xs(CENTRAL, level="node")["ready_rate"]
        central_demand = orders[list(REGIONS)].sum(axis=1).to_numpy()
        return {
            "z": z,
            "fill": fill,
            "on_hand_value": float((on_hand * value).sum().sum()),
            "pipeline_value": float((orders * lead * value).sum().sum()),
            "central_ready": float(np.average(central_ready, weights=central_demand)),
            "central_share": float(
                (on_hand[CENTRAL] * value[CENTRAL]).sum() / (on_hand * value).sum().sum()
            ),
        }


def at_fill(
    plans: Plans, plan: str, target: float, seed, lo=-1.0, hi=4.0, steps=9, zc=None
) -> dict:
    """Bisection on the common safety factor z (of the regions only when the central
    factor ``zc`` is given); values interpolated at ``target``."""
    r_lo, r_hi = plans.run(plan, lo, seed, zc), plans.run(plan, hi, seed, zc)
    if not r_lo["fill"] <= target <= r_hi["fill"]:
        out = dict(r_hi if r_hi["fill"] < target else r_lo)
        out["reached"] = False
        return out
    for _ in range(steps):
        mid = plans.run(plan, 0.5 * (r_lo["z"] + r_hi["z"]), seed, zc)
        if mid["fill"] < target:
            r_lo = mid
        else:
            r_hi = mid
    span = r_hi["fill"] - r_lo["fill"]
    w = 0.5 if span <= 0 else (target - r_lo["fill"]) / span
    out = {k: (1 - w) * r_lo[k] + w * r_hi[k] for k in r_lo}
    out["fill"] = target
    out["reached"] = True
    out["zc"] = out["z"] if zc is None else zc
    return out


def compare(
    products: int,
    seed: int,
    lot_days: float,
    target: float,
    periods: int = 3000,
    warmup: int = 200,
    steps: int = 9,
    tune_central=(),
) -> dict:
    """One catalogue: both plans at the nominal z and at equal customer fill rate.

    ``tune_central``: central safety factors to try on the placement, the regions' factor
    bisected to the target for each; the cheapest is reported as plan ``c``."""
    net = network()
    data = generate(products, seed)
    plans = Plans(net, data, lot_days, seed, periods, warmup)
    test_seed = [seed, 2]
    nominal = {p: plans.run(p, NOMINAL_Z, test_seed) for p in ("a", "b")}
    equal = {p: at_fill(plans, p, target, test_seed, steps=steps) for p in ("a", "b")}
    a, b = equal["a"], equal["b"]
    tuned = [at_fill(plans, "b", target, test_seed, steps=steps, zc=zc) for zc in tune_central]
    tuned = [t for t in tuned if t["reached"]]
    if tuned:
        tuned.append(b)  # the common factor is one of the choices
        equal["c"] = min(tuned, key=lambda t: t["on_hand_value"])
    return {
        "seed": seed,
        "lot_days": lot_days,
        "products": products,
        "placed_central_share": plans.central_stock_share,
        "model_ratio": plans.model_ratio,
        "central_cv_measured": float(
            (plans.central_measured["order_sd"] / plans.central_measured["order_mean"]).median()
        ),
        "nominal": nominal,
        "equal": equal,
        "ratio_on_hand": b["on_hand_value"] / a["on_hand_value"],
        "ratio_with_pipeline": (b["on_hand_value"] + b["pipeline_value"])
        / (a["on_hand_value"] + a["pipeline_value"]),
        "ratio_tuned": equal["c"]["on_hand_value"] / a["on_hand_value"] if tuned else np.nan,
        "reached": a["reached"] and b["reached"],
    }


def random_tree(nodes: int, seed: int):
    rng = np.random.default_rng(seed)
    names = [f"n{k}" for k in range(nodes)]
    arcs = [
        (names[int(rng.integers(0, k))], names[k], int(rng.integers(0, 3))) for k in range(1, nodes)
    ]
    net = Network(arcs)
    kw = dict(
        holding_cost={nd: float(rng.uniform(0.5, 5)) for nd in names},
        processing_time={nd: int(rng.integers(0, 4)) for nd in names},
        demand_sigma={nd: float(rng.uniform(1, 10)) for nd in net.leaves},
        inbound_service_time={"n0": 10},
    )
    return net, kw


def gsm_speed(nodes: int = 100, repeats: int = 5, seed: int = 3) -> dict:
    """Best of ``repeats``: gsm_place on a random tree, and the anchor gsm_cost (one given
    choice: every node quoting 0, the independent plans) on the same tree."""
    net, kw = random_tree(nodes, seed)
    place = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = gsm_place(net, **kw)
        place.append(time.perf_counter() - t0)
    cost = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        indep = gsm_cost(net, 0, **kw)
        cost.append(time.perf_counter() - t0)
    return {
        "nodes": nodes,
        "gsm_place_s": min(place),
        "gsm_cost_s": min(cost),
        "ratio": min(place) / min(cost),
        "placed_cost": float(res.cost.iloc[0]),
        "independent_cost": float(indep.cost.iloc[0]),
    }


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--products", type=int, default=100)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--lot-days", type=float, nargs="+", default=[0.0, 7.0])
    ap.add_argument("--target", type=float, default=0.97, help="customer fill rate")
    ap.add_argument("--periods", type=int, default=3000)
    ap.add_argument("--steps", type=int, default=9, help="bisection steps")
    ap.add_argument(
        "--tune-central",
        type=float,
        nargs="*",
        default=[],
        help="central safety factors to try on the placement (plan c), e.g. -1 -0.5 0 0.5 1",
    )
    args = ap.parse_args(argv)
    if not 0 < args.target < 1:
        ap.error("--target: a fill rate strictly between 0 and 1")
    started = time.time()
    results = []
    print(
        f"1 central + 3 regional warehouses, {args.products} products, {args.periods} days; "
        f"target customer fill rate {args.target:.1%} (demand-weighted, regional warehouses)"
    )
    for lot in args.lot_days:
        for seed in args.seeds:
            r = compare(
                args.products,
                seed,
                lot,
                args.target,
                args.periods,
                steps=args.steps,
                tune_central=args.tune_central,
            )
            results.append(r)
            print(
                f"\n== seed {seed}, regional order quantity {lot:g} days of demand; "
                f"placement holds central stock for {r['placed_central_share']:.0%} of products; "
                f"measured CV of the central's daily orders (median) {r['central_cv_measured']:.2f}; "
                f"GSM's own safety-stock value, placed / every node quoting 0: "
                f"{r['model_ratio']:.3f}"
            )
            print(
                f"  {'plan':14s} {'z':>6s} {'fill':>7s} {'ctr ready':>9s} {'on hand':>12s} "
                f"{'ctr share':>9s} {'pipeline':>12s}"
            )
            for label, rows in (("nominal z", r["nominal"]), ("equal fill", r["equal"])):
                for p, name in (("a", "independent"), ("b", "placed"), ("c", "tuned")):
                    if p not in rows:
                        continue
                    x = rows[p]
                    flag = "" if x.get("reached", True) else "  (target not reached)"
                    print(
                        f"  {name + ' ' + label[:7]:14s} {x['z']:6.3f} {100 * x['fill']:6.2f}% "
                        f"{100 * x['central_ready']:8.1f}% {x['on_hand_value']:12,.0f} "
                        f"{100 * x['central_share']:8.1f}% {x['pipeline_value']:12,.0f}{flag}"
                        + (f"  central z {x['zc']:.2f}" if p == "c" else "")
                    )
            print(
                f"  ratio placed / independent at equal fill: on hand {r['ratio_on_hand']:.3f}, "
                f"with pipeline {r['ratio_with_pipeline']:.3f}"
                + (
                    f"; tuned / independent, on hand {r['ratio_tuned']:.3f}"
                    if np.isfinite(r["ratio_tuned"])
                    else ""
                )
            )
    print("\n##### summary: stock value of the placement / independent plans at equal fill")
    tuned = bool(args.tune_central)
    print(
        f"  {'lot days':>8s} {'seed':>4s} {'on hand':>8s} {'+pipeline':>9s} {'fill':>7s}"
        + (f" {'tuned':>6s}" if tuned else "")
    )
    for r in results:
        print(
            f"  {r['lot_days']:8g} {r['seed']:4d} {r['ratio_on_hand']:8.3f} "
            f"{r['ratio_with_pipeline']:9.3f} {100 * args.target:6.2f}%"
            + (f" {r['ratio_tuned']:6.3f}" if tuned else "")
            + ("" if r["reached"] else "  (not at equal fill)")
        )
    sp = gsm_speed()
    print(
        f"\n##### speed: gsm_place on a {sp['nodes']}-node tree {sp['gsm_place_s'] * 1000:.1f} ms; "
        f"anchor gsm_cost (independent plans) on the same tree {sp['gsm_cost_s'] * 1000:.2f} ms; "
        f"ratio {sp['ratio']:.1f}; cost placed / independent "
        f"{sp['placed_cost'] / sp['independent_cost']:.3f}"
    )
    print(f"\n({time.time() - started:.0f} s)")
    return results


if __name__ == "__main__":
    main()
