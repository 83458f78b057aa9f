"""Period-by-period simulation of base-stock policies on a distribution network.

Checks a placement the way it will run: every node orders, each period, what was asked
of it (installation base stock, one for one), its supplier ships first come first served
(requests of the same period pro rata) from what it has on hand, and shipments arrive after the arc's lead time plus the
receiving node's processing time; the outside supplier of a root delivers after its
lead time, always in full. Customer demand per period is normal (rounded at 0: no
returns). A shortage upstream therefore delays the nodes below it, which the
guaranteed-service model leaves out (it assumes demand beyond its bound is met by other
means); the simulation shows what that costs in customer service.

Sequence of a period t: receive what arrives in t; customers' demand joins each node's
queue; every node orders the units asked of it in t from its supplier (their queue);
nodes serve their queue upstream first, oldest requests first, the requests of one
period shared pro rata when stock is short. Measured at the end of the period.

Sources: the base-stock dynamics of Zipkin, *Foundations of Inventory Management*,
McGraw-Hill 2000, ch. 8 (multi-stage systems, installation base stock, FCFS
allocation); Graves & Willems (2000), section 2 (the guaranteed-service assumptions the
simulation relaxes).
"""

from __future__ import annotations

import itertools
from collections import deque

import numpy as np
import pandas as pd

from .graph import Network
from .gsm import _per_node

__all__ = ["simulate_base_stock", "simulate_network"]


def simulate_base_stock(
    network: Network,
    base_stock: dict,
    *,
    demand_mean: dict,
    demand_sigma: dict,
    supplier_lead_time=0,
    processing_time=None,
    customer_service_time=None,
    periods: int = 10_000,
    warmup: int = 200,
    seed=None,
) -> pd.DataFrame:
    """Simulate one product; returns one row per node.

    Parameters
    ----------
    base_stock
        Node -> installation base-stock level (stock on hand + on order + in transit -
        owed), e.g. ``GSMResult.table().base_stock``.
    demand_mean, demand_sigma
        Node -> customers' demand per period (normal, cut at 0), for the nodes with
        customers.
    supplier_lead_time
        Periods the outside supplier of a root takes (scalar or dict; whole periods).
    processing_time
        Node -> whole periods between receipt and availability (default 0).
    customer_service_time
        Node -> periods a customer accepts to wait (default 0): a unit served within
        that time counts as on time.

    Returns columns ``on_hand`` (mean at the end of a period), ``owed`` (mean units
    asked and not yet served), ``on_time_rate`` (share of customer units served within
    the customer service time; NaN at nodes without customers), ``fill_rate`` (share of
    customer units served in the period they were asked) and ``ready_rate`` (share of
    periods ending with nothing owed).
    """
    net = network
    net.check_distribution()
    if periods < 1 or warmup < 0:
        raise ValueError("periods must be >= 1 and warmup >= 0")
    n = len(net.nodes)

    def per_node(value, name, default, whole=False):
        out = np.full(n, float(default))
        if isinstance(value, (dict, pd.Series)):
            for k, v in value.items():
                if str(k) not in net.index:
                    raise ValueError(f"{name}: unknown node {k!r}")
                out[net.index[str(k)]] = float(v)
        elif value is not None:
            out[:] = float(value)
        if not np.isfinite(out).all() or (out < 0).any():
            j = int(np.argmax(~np.isfinite(out) | (out < 0)))
            raise ValueError(f"{name}: must be finite and >= 0 at node {net.nodes[j]}")
        if whole and (out != np.round(out)).any():
            j = int(np.argmax(out != np.round(out)))
            raise ValueError(f"{name}: whole periods expected at node {net.nodes[j]}")
        return out

    S = per_node(base_stock, "base_stock", 0)
    mu = per_node(demand_mean, "demand_mean", 0)
    sd = per_node(demand_sigma, "demand_sigma", 0)
    T = per_node(processing_time, "processing_time", 0, whole=True).astype(int)
    lt_ext = per_node(supplier_lead_time, "supplier_lead_time", 0, whole=True).astype(int)
    wait = per_node(customer_service_time, "customer_service_time", 0, whole=True).astype(int)
    for leaf in net.leaves:
        if mu[net.index[leaf]] <= 0 and sd[net.index[leaf]] <= 0:
            raise ValueError(f"node {leaf}: resupplies no node and has no demand")
    for i, a in enumerate(net.arcs):
        if a.lead_time != round(a.lead_time):
            raise ValueError(f"arc {i} ({a.upstream} -> {a.downstream}): whole periods expected")
    supplier = [-1] * n
    delay = np.zeros(n, dtype=int)  # order to availability when the supplier has stock
    for j, node in enumerate(net.nodes):
        if net._pred[node]:
            a = net._pred[node][0]
            supplier[j] = net.index[a.upstream]
            delay[j] = int(a.lead_time) + T[j]
        else:
            delay[j] = lt_ext[j] + T[j]
    order = [net.index[x] for x in net.topological_order()]
    rng = np.random.default_rng(seed)
    demand = np.maximum(rng.normal(mu, sd, size=(periods + warmup, n)), 0.0)
    demand[:, (mu <= 0) & (sd <= 0)] = 0.0
    horizon = periods + warmup + int(delay.max()) + 1
    arriving = np.zeros((horizon, n))
    on_hand = S.copy()
    queues = [deque() for _ in range(n)]  # [qty, requester (-1 customer), period asked]
    owed = np.zeros(n)
    stats = {k: np.zeros(n) for k in ("on_hand", "owed", "ready", "asked", "on_time", "filled")}

    def _deliver(ship, entry, j, t):
        if entry[1] < 0:
            if t >= warmup and entry[2] >= warmup:
                if t - entry[2] <= wait[j]:
                    stats["on_time"][j] += ship
                if t == entry[2]:
                    stats["filled"][j] += ship
        else:
            k = entry[1]
            if delay[k] == 0:  # served downstream in this same period
                on_hand[k] += ship
            else:
                arriving[t + delay[k], k] += ship

    for t in range(periods + warmup):
        measure = t >= warmup
        on_hand += arriving[t]
        asked = demand[t].copy()
        for j in range(n):
            if asked[j] > 0:
                queues[j].append([asked[j], -1, t])
                owed[j] += asked[j]
        # one for one: each node orders what its customers and successors asked of it
        for j in reversed(order):
            q = asked[j]
            if q <= 0:
                continue
            i = supplier[j]
            if i < 0:
                if delay[j] == 0:
                    on_hand[j] += q
                else:
                    arriving[t + delay[j], j] += q
            else:
                queues[i].append([q, j, t])
                owed[i] += q
                asked[i] += q
        for j in order:
            queue = queues[j]
            while queue and on_hand[j] > 1e-12:
                # requests of the oldest period: in full, or shared pro rata when short
                head = list(itertools.takewhile(lambda e, p=queue[0][2]: e[2] == p, queue))
                total = sum(e[0] for e in head)
                share = min(1.0, on_hand[j] / total)
                for entry in head:
                    ship = entry[0] * share
                    entry[0] -= ship
                    _deliver(ship, entry, j, t)
                on_hand[j] -= total * share
                owed[j] -= total * share
                while queue and queue[0][0] <= 1e-12:
                    queue.popleft()
        if measure:
            stats["on_hand"] += on_hand
            stats["owed"] += owed
            stats["ready"] += owed <= 1e-9
            stats["asked"] += demand[t]
    has_customers = stats["asked"] > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        on_time = np.where(has_customers, stats["on_time"] / stats["asked"], np.nan)
        fill = np.where(has_customers, stats["filled"] / stats["asked"], np.nan)
    return pd.DataFrame(
        {
            "on_hand": stats["on_hand"] / periods,
            "owed": stats["owed"] / periods,
            "on_time_rate": on_time,
            "fill_rate": fill,
            "ready_rate": stats["ready"] / periods,
        },
        index=pd.Index(net.nodes, name="node"),
    )


def simulate_network(
    network: Network,
    base_stock,
    *,
    demand_mean,
    demand_sigma,
    supplier_lead_time=0,
    processing_time=None,
    customer_service_time=None,
    order_quantity=None,
    periods: int = 10_000,
    warmup: int = 200,
    seed=None,
    products=None,
) -> pd.DataFrame:
    """:func:`simulate_base_stock` for many products at once (vectorised over products),
    with an optional order quantity per node.

    Per-node inputs as in :func:`~invplan.network.gsm.gsm_place`: a scalar, a dict keyed
    by node (scalars or one value per product), a 1-D sequence in ``network.nodes``
    order, or a DataFrame / 2-D array of products x nodes. The rules and the sequence of
    a period are those of :func:`simulate_base_stock` (same demand draws for one product
    and the same seed), and:

    order_quantity
        Q per node (default 0). With Q = 0 the node orders one for one what was asked of
        it (installation base stock). With Q > 0 it runs (s, nQ): when its inventory
        position (on hand + on order - owed) falls below ``base_stock`` it orders the
        smallest multiple of Q that lifts the position back to ``base_stock`` or above
        (the (r, nQ) policy of Hadley & Whitin, *Analysis of Inventory Systems*, 1963, and
        Axsater, *Inventory Control*, Springer). That is how a min / max
        reorder rule with a fixed order size batches the orders its supplier sees.

    Returns one row per product x node (MultiIndex ``product``, ``node``): the columns
    of :func:`simulate_base_stock` plus ``demand`` (mean customer demand per period, 0
    without customers), ``order_mean`` and ``order_sd`` (mean and standard deviation of
    the quantity the node orders from its supplier per period: the order stream its
    supplier sees).
    """
    net = network
    net.check_distribution()
    if periods < 1 or warmup < 0:
        raise ValueError("periods must be >= 1 and warmup >= 0")
    n = len(net.nodes)
    raw = {
        "base_stock": _per_node(base_stock, "base_stock", net, None, default=0.0),
        "demand_mean": _per_node(demand_mean, "demand_mean", net, None, default=0.0),
        "demand_sigma": _per_node(demand_sigma, "demand_sigma", net, None, default=0.0),
        "processing_time": _per_node(
            processing_time, "processing_time", net, None, default=0.0, integer=True
        ),
        "supplier_lead_time": _per_node(
            supplier_lead_time, "supplier_lead_time", net, None, default=0.0, integer=True
        ),
        "customer_service_time": _per_node(
            customer_service_time, "customer_service_time", net, None, default=0.0, integer=True
        ),
        "order_quantity": _per_node(order_quantity, "order_quantity", net, None, default=0.0),
    }
    P = max(a.shape[0] for a in raw.values())
    S, mu, sd, T, lt_ext, wait, lot = (
        np.broadcast_to(raw[k], (P, n)).copy()
        for k in (
            "base_stock",
            "demand_mean",
            "demand_sigma",
            "processing_time",
            "supplier_lead_time",
            "customer_service_time",
            "order_quantity",
        )
    )
    T, lt_ext, wait = T.astype(int), lt_ext.astype(int), wait.astype(int)
    for leaf in net.leaves:
        j = net.index[leaf]
        if ((mu[:, j] <= 0) & (sd[:, j] <= 0)).any():
            raise ValueError(f"node {leaf}: resupplies no node and has no demand")
    for i, a in enumerate(net.arcs):
        if a.lead_time != round(a.lead_time):
            raise ValueError(f"arc {i} ({a.upstream} -> {a.downstream}): whole periods expected")
    supplier = np.full(n, -1)
    delay = np.zeros((P, n), dtype=int)
    children: list[list[int]] = [[] for _ in range(n)]
    for j, node in enumerate(net.nodes):
        if net._pred[node]:
            a = net._pred[node][0]
            supplier[j] = net.index[a.upstream]
            children[supplier[j]].append(j)
            delay[:, j] = int(a.lead_time) + T[:, j]
        else:
            delay[:, j] = lt_ext[:, j] + T[:, j]
    order = [net.index[x] for x in net.topological_order()]
    rows = np.arange(P)
    rng = np.random.default_rng(seed)
    H = periods + warmup
    D = int(delay.max()) + 1  # ring of arrivals
    arriving = np.zeros((D, P, n))
    on_hand = S.copy() + lot
    position = on_hand.copy()
    pend_cust = np.zeros((H, P, n))  # customer units asked in period t, not yet served
    pend_order = np.zeros((H, P, n))  # node j's order of period t, not yet served by its supplier
    lo = np.zeros(n, dtype=int)  # oldest period with something owed, per node
    names = ("on_hand", "owed", "ready", "asked", "on_time", "filled", "ord", "ord2")
    stats = {k: np.zeros((P, n)) for k in names}
    has_cust = (mu > 0) | (sd > 0)
    for t in range(H):
        measure = t >= warmup
        slot = t % D
        on_hand += arriving[slot]
        arriving[slot] = 0.0
        demand = np.where(has_cust, np.maximum(rng.normal(mu, sd, size=(P, n)), 0.0), 0.0)
        pend_cust[t] = demand
        asked = demand.copy()
        for j in reversed(order):
            a = asked[:, j]
            position[:, j] -= a
            gap = S[:, j] - position[:, j]
            with np.errstate(invalid="ignore", divide="ignore"):
                batched = np.where(gap > 1e-12, np.ceil(gap / lot[:, j] - 1e-9) * lot[:, j], 0.0)
            q = np.where(lot[:, j] > 0, batched, a)
            position[:, j] += q
            if measure:
                stats["ord"][:, j] += q
                stats["ord2"][:, j] += q * q
            i = supplier[j]
            if i < 0:
                now = delay[:, j] == 0
                on_hand[now, j] += q[now]
                later = ~now
                arriving[(t + delay[later, j]) % D, rows[later], j] += q[later]
            else:
                pend_order[t, :, j] = q
                asked[:, i] += q
        for i in order:
            a0 = lo[i]
            kids = children[i]
            cust = pend_cust[a0 : t + 1, :, i]
            tot = cust.copy()
            if kids:
                kid = pend_order[a0 : t + 1, :, kids]
                tot += kid.sum(axis=2)
            cum = np.cumsum(tot, axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                frac = np.where(
                    tot > 1e-12, np.clip((on_hand[None, :, i] - (cum - tot)) / tot, 0.0, 1.0), 0.0
                )
            served_c = cust * frac
            pend_cust[a0 : t + 1, :, i] = cust - served_c
            on_hand[:, i] -= (tot * frac).sum(axis=0)
            np.maximum(on_hand[:, i], 0.0, out=on_hand[:, i])
            if measure and has_cust[:, i].any():
                asked_at = np.arange(a0, t + 1)[:, None]
                counted = served_c * (asked_at >= warmup)
                stats["filled"][:, i] += counted[-1]
                stats["on_time"][:, i] += (counted * (t - asked_at <= wait[None, :, i])).sum(0)
            if kids:
                served_k = kid * frac[:, :, None]
                pend_order[a0 : t + 1, :, kids] = kid - served_k
                shipped = served_k.sum(axis=0)
                for c, k in enumerate(kids):
                    now = delay[:, k] == 0
                    on_hand[now, k] += shipped[now, c]
                    later = ~now
                    arriving[(t + delay[later, k]) % D, rows[later], k] += shipped[later, c]
            left = tot * (1.0 - frac)
            owed = left.sum(axis=0)
            rest = left.max(axis=1) > 1e-9
            if rest.any():
                lo[i] = a0 + int(np.argmax(rest))
            else:
                lo[i] = t + 1
            if measure:
                stats["owed"][:, i] += owed
                stats["ready"][:, i] += owed <= 1e-9
        if measure:
            stats["on_hand"] += on_hand
            stats["asked"] += demand
    with np.errstate(invalid="ignore", divide="ignore"):
        fill = np.where(has_cust, stats["filled"] / stats["asked"], np.nan)
        on_time = np.where(has_cust, stats["on_time"] / stats["asked"], np.nan)
    m = stats["ord"] / periods
    var = np.maximum(stats["ord2"] / periods - m * m, 0.0) * periods / max(periods - 1, 1)
    labels = list(range(P)) if products is None else list(products)
    if len(labels) != P:
        raise ValueError(f"products: {len(labels)} labels for {P} products")
    index = pd.MultiIndex.from_product([labels, net.nodes], names=["product", "node"])
    return pd.DataFrame(
        {
            "on_hand": (stats["on_hand"] / periods).ravel(),
            "owed": (stats["owed"] / periods).ravel(),
            "on_time_rate": on_time.ravel(),
            "fill_rate": fill.ravel(),
            "ready_rate": (stats["ready"] / periods).ravel(),
            "demand": (stats["asked"] / periods).ravel(),
            "order_mean": m.ravel(),
            "order_sd": np.sqrt(var).ravel(),
        },
        index=index,
    )
