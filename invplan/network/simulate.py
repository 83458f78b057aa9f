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

__all__ = ["simulate_base_stock"]


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
