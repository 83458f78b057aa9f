"""Guaranteed-service model: where to hold safety stock in a tree network.

Each node j (a warehouse, a production stage) runs a base-stock policy and *guarantees*
its customers (downstream nodes, or outside customers) an outbound service time
:math:`S_j`: every order is filled within :math:`S_j` periods. It is resupplied within
its inbound service time

.. math:: SI_j = \\max_{i \\to j} (S_i + \\ell_{ij})

(the latest of its suppliers' service times plus the transit time of the arc; a root
gets :math:`SI_j` = its outside supplier's lead time), then needs its processing time
:math:`T_j`. Its stock covers the demand over the net replenishment time

.. math:: \\tau_j = SI_j + T_j - S_j \\ge 0,

so its base-stock level and safety stock are

.. math:: B_j = \\mu_j \\tau_j + z_j \\sigma_j \\sqrt{\\tau_j}, \\qquad
          SS_j = z_j \\sigma_j \\sqrt{\\tau_j},

with :math:`\\mu_j, \\sigma_j` the mean and standard deviation of the node's net demand
per period (its own customers plus, through each arc, ``units`` times the demand of the
node it resupplies; demands independent). The model chooses integer service times
:math:`0 \\le S_j \\le s_j` (:math:`s_j` the maximum service time promised to outside
customers) to minimise the safety-stock holding cost :math:`\\sum_j h_j SS_j`.
Pipeline stock :math:`\\mu_j T_j` does not depend on the choice and is reported apart.

Solved exactly by the dynamic programme of Graves & Willems over a spanning tree
(nodes labelled so that each has one neighbour of larger label; functions
:math:`f_k(S)` and :math:`g_k(SI)` over integer times), vectorised here over products:
one call places many products on the same network.

Sources:

- Graves, S. C. & Willems, S. P., "Optimizing strategic safety stock placement in
  supply chains", *Manufacturing & Service Operations Management* 2(1), 2000, 68-83
  (model, spanning-tree DP, section 4); erratum *M&SOM* 5(2), 2003, 176-177.
- Simpson, K. F., "In-process inventories", *Operations Research* 6(6), 1958 (serial).
- Simchi-Levi, D. & Zhao, Y., "Performance evaluation of stochastic multi-echelon
  inventory systems: a survey", *Advances in Operations Research*, 2012 (the tree form).
- Snyder, L. V. & Shen, Z.-J. M., *Fundamentals of Supply Chain Theory*, 2nd ed., Wiley
  2019 ("FSCT"), section 6.3 (Examples 6.3 serial and 6.5 tree, Figure 6.14).

Treating transit on an arc as a delay added to the supplier's service time is exact:
stock in transit cannot decouple, so a transit stage would always quote
:math:`S = SI + \\ell`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..policy import safety_factor_fill_rate
from .graph import Network

__all__ = ["GSMResult", "gsm_place", "gsm_cost", "net_demand"]


@dataclass
class GSMResult:
    """A placement: ``cost`` per product and one row per product x node in ``nodes``.

    ``nodes`` columns: ``product``, ``node``, ``inbound_service_time`` (SI),
    ``outbound_service_time`` (S), ``net_replenishment_time`` (tau), ``net_demand_mean``,
    ``net_demand_sigma``, ``safety_stock``, ``base_stock``, ``pipeline_stock``
    (:math:`\\mu T`, in process at the node), ``in_transit_stock`` (on the inbound
    arcs: :math:`\\sum_i u_{ij} \\mu_j \\ell_{ij}`, in the suppliers' units; neither
    depends on the placement), ``holding_cost_rate`` (h) and ``safety_stock_cost`` (h x SS);
    ``holds_stock`` is True where tau > 0. ``cost`` is a Series indexed by product.
    """

    cost: pd.Series
    nodes: pd.DataFrame

    def table(self, product=None) -> pd.DataFrame:
        """The rows of one product (the first when not given), indexed by node."""
        if product is None:
            product = self.cost.index[0]
        return self.nodes[self.nodes["product"] == product].set_index("node")


# ---------------------------------------------------------------------- inputs


def _per_node(
    value, name: str, net: Network, products, default=None, integer=False, optional=False
):
    """A per-node input as a float array (products x nodes).

    Accepts a scalar, a mapping / Series keyed by node (values scalars or one per
    product), a 1-D sequence in ``net.nodes`` order, or a DataFrame / 2-D array with
    one row per product and one column per node.
    """
    n = len(net.nodes)
    if value is None:
        if default is None:
            raise ValueError(f"{name}: missing")
        value = default
    if isinstance(value, pd.DataFrame):
        unknown = [c for c in value.columns if str(c) not in net.index]
        if unknown:
            raise ValueError(f"{name}: unknown node(s) {unknown[:5]}")
        cols = {str(c): c for c in value.columns}
        arr = np.full((len(value), n), np.nan if default is None else float(default))
        for node, col in cols.items():
            arr[:, net.index[node]] = value[col].to_numpy(dtype=float)
    elif isinstance(value, (dict, pd.Series)):
        items = dict(value.items()) if isinstance(value, pd.Series) else dict(value)
        unknown = [k for k in items if str(k) not in net.index]
        if unknown:
            raise ValueError(f"{name}: unknown node(s) {unknown[:5]}")
        cols = {}
        size = 1
        for k, v in items.items():
            try:
                a = np.atleast_1d(np.asarray(v, dtype=float))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{name}[{k}]: expected numbers, got {v!r:.60}") from exc
            if a.ndim != 1:
                raise ValueError(f"{name}[{k}]: expected a scalar or one value per product")
            cols[net.index[str(k)]] = a
            if a.size > 1:
                if size > 1 and a.size != size:
                    raise ValueError(f"{name}: nodes have different numbers of products")
                size = a.size
        fill = np.nan if default is None else float(default)
        arr = np.full((size, n), fill)
        for j, a in cols.items():
            arr[:, j] = a
    else:
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name}: expected numbers, got {value!r:.80}") from exc
        if arr.ndim == 0:
            arr = np.full((1, n), float(arr))
        elif arr.ndim == 1:
            if arr.size != n:
                raise ValueError(f"{name}: expected {n} values (one per node), got {arr.size}")
            arr = arr[None, :]
        elif arr.ndim != 2 or arr.shape[1] != n:
            raise ValueError(f"{name}: expected shape (products, {n}), got {arr.shape}")
    if products is not None and arr.shape[0] not in (1, products):
        raise ValueError(f"{name}: {arr.shape[0]} products, expected {products}")
    if optional:  # missing (NaN) means "no bound", infinity too
        arr = np.where(np.isnan(arr), np.inf, arr)
    bad = np.isnan(arr)
    if bad.any():
        p, j = np.argwhere(bad)[0]
        raise ValueError(f"{name}: missing for node {net.nodes[j]}")
    if (np.isinf(arr) & (not optional)).any() or (arr < 0).any():
        p, j = np.argwhere((np.isinf(arr) & (not optional)) | (arr < 0))[0]
        raise ValueError(
            f"{name}: must be a finite number >= 0, got {float(arr[p, j]):g} at node {net.nodes[j]}"
        )
    fin = np.isfinite(arr)
    if integer and (fin & (arr != np.round(np.where(fin, arr, 0)))).any():
        p, j = np.argwhere(fin & (arr != np.round(np.where(fin, arr, 0))))[0]
        raise ValueError(
            f"{name}: service and processing times are whole periods, got {float(arr[p, j]):g} "
            f"at node {net.nodes[j]}"
        )
    return arr


def net_demand(network: Network, demand_mean=0.0, demand_sigma=0.0):
    """Mean and standard deviation of each node's net demand per period.

    A node's net demand is its own customers' demand plus, for each node it resupplies,
    ``units`` x that node's net demand (variances add: demands independent):
    :math:`\\mu_j = d_j + \\sum_{j \\to k} u_{jk} \\mu_k`,
    :math:`\\sigma^2_j = s^2_j + \\sum_{j \\to k} u^2_{jk} \\sigma^2_k`
    (Graves & Willems 2000, section 3; FSCT section 6.3). Per-node inputs as in
    :func:`gsm_place`. Returns two arrays (products x nodes), in ``network.nodes`` order.
    """
    mu = _per_node(demand_mean, "demand_mean", network, None, default=0.0)
    sd = _per_node(demand_sigma, "demand_sigma", network, None, default=0.0)
    size = max(mu.shape[0], sd.shape[0])
    mu = np.broadcast_to(mu, (size, mu.shape[1])).copy()
    var = np.broadcast_to(sd**2, (size, sd.shape[1])).copy()
    for node in reversed(network.topological_order()):
        j = network.index[node]
        for a in network._succ[node]:
            k = network.index[a.downstream]
            mu[:, j] += a.units * mu[:, k]
            var[:, j] += a.units**2 * var[:, k]
    return mu, np.sqrt(var)


# ---------------------------------------------------------------------- the DP


def _labelling(net: Network, comp: list[str]):
    """Graves-Willems labelling of one tree: each node but the last has exactly one
    neighbour of larger label (repeatedly remove a leaf of the undirected tree)."""
    nbrs = {n: set(net._neighbours(n)) for n in comp}
    degree = {n: len(nbrs[n]) for n in comp}
    removed: set[str] = set()
    order: list[str] = []
    parent: dict[str, str | None] = {}
    queue = [n for n in comp if degree[n] <= 1]
    while queue:
        n = queue.pop(0)
        if n in removed:
            continue
        removed.add(n)
        order.append(n)
        rest = [m for m in nbrs[n] if m not in removed]
        parent[n] = rest[0] if rest else None
        for m in rest:
            degree[m] -= 1
            if degree[m] <= 1:
                queue.append(m)
    return order, parent


def _prefix_min(a: np.ndarray) -> np.ndarray:
    return np.minimum.accumulate(a, axis=-1)


def _suffix_min(a: np.ndarray) -> np.ndarray:
    return np.minimum.accumulate(a[..., ::-1], axis=-1)[..., ::-1]


def _shift(a: np.ndarray, by: int) -> np.ndarray:
    """``out[..., x] = a[..., x - by]`` (inf outside)."""
    out = np.full_like(a, np.inf)
    m = a.shape[-1]
    if by >= 0:
        if by < m:
            out[..., by:] = a[..., : m - by]
    else:
        if -by < m:
            out[..., : m + by] = a[..., -by:]
    return out


def _safety_stock(tau, z, sd, fill_rate, order_qty):
    """Safety stock of a node covering ``tau`` periods (arrays broadcast together).

    Where ``fill_rate`` is 0 the node meets a cycle service level: :math:`z \\sigma
    \\sqrt{\\tau}`. Where it is in (0, 1) the node meets a fill rate (type 2 service)
    with order quantity :math:`Q`: over the protection interval the sigma is
    :math:`\\sigma_P = \\sigma \\sqrt{\\tau}` and the safety factor solves
    :math:`G(k) = Q (1 - \\beta) / \\sigma_P` (:func:`invplan.policy.safety_factor_fill_rate`;
    Silver, Pyke & Peterson section 7.7.3). A negative :math:`k \\sigma_P` (the order
    quantity alone meets the fill rate) is held as 0: a node never plans negative
    safety stock. No cover (:math:`\\tau = 0`) or no variability needs none.
    """
    tau = np.maximum(np.asarray(tau, dtype=float), 0.0)
    sigma_p = sd * np.sqrt(tau)
    cycle = z * sigma_p
    beta = np.broadcast_to(fill_rate, np.broadcast(tau, fill_rate, sigma_p).shape)
    if not (beta > 0).any():
        return np.broadcast_to(cycle, beta.shape).copy()
    q = np.broadcast_to(order_qty, beta.shape)
    sp = np.broadcast_to(sigma_p, beta.shape)
    use = (beta > 0) & (sp > 0)
    k = np.zeros(beta.shape)
    if use.any():
        k[use] = safety_factor_fill_rate(beta[use], q[use], sp[use])
    fill = np.where(use, np.maximum(k * sp, 0.0), 0.0)
    return np.where(beta > 0, fill, np.broadcast_to(cycle, beta.shape))


def _solve_tree(net, comp, coef, T, si_ext, smax, M, table=None):
    """Exact DP on one tree component for every product; returns S, SI (products x n).

    The cost of node j covering tau periods is ``coef[:, j] * sqrt(tau)`` or, when
    ``table`` (products x nodes x periods) is given, ``table[:, j, tau]``."""
    P = coef.shape[0]
    grid = np.arange(M + 1)
    S_ax = grid[None, :, None]
    SI_ax = grid[None, None, :]
    order, parent = _labelling(net, comp)
    f_or_g: dict[str, np.ndarray] = {}
    arg: dict[str, np.ndarray] = {}
    # processed neighbours of each node: (child, child is upstream, arc lead time)
    kids: dict[str, list] = {n: [] for n in comp}
    for n in order:
        q = parent[n]
        if q is not None:
            up = any(a.downstream == q for a in net._succ[n])
            lt = int(round(net.arc(n, q).lead_time if up else net.arc(q, n).lead_time))
            kids[q].append((n, up, lt))
    total = None
    for n in order:
        j = net.index[n]
        tau = SI_ax + T[:, j, None, None] - S_ax
        feas = (tau >= 0) & (S_ax <= smax[:, j, None, None])
        if not net._pred[n]:
            feas &= SI_ax >= si_ext[:, j, None, None]
        if table is None:
            node_cost = coef[:, j, None, None] * np.sqrt(np.maximum(tau, 0))
        else:
            cover = np.clip(tau, 0, table.shape[2] - 1).astype(np.int64)
            node_cost = table[np.arange(P)[:, None, None], j, cover]
        c = np.where(feas, node_cost, np.inf)
        for child, up, lt in kids[n]:
            if up:  # child resupplies n: its S + lead time <= SI of n
                c = c + _shift(_prefix_min(f_or_g[child]), lt)[:, None, :]
            else:  # n resupplies child: child's SI >= S of n + lead time
                c = c + _shift(_suffix_min(f_or_g[child]), -lt)[:, :, None]
        q = parent[n]
        if q is None:
            flat = c.reshape(P, -1)
            best = np.argmin(flat, axis=1)
            total = flat[np.arange(P), best]
            S_last, SI_last = np.divmod(best, M + 1)
        elif any(a.downstream == q for a in net._succ[n]):  # n upstream of its parent
            arg[n] = np.argmin(c, axis=2)
            f_or_g[n] = np.min(c, axis=2)
        else:
            arg[n] = np.argmin(c, axis=1)
            f_or_g[n] = np.min(c, axis=1)
    if not np.isfinite(total).all():
        p = int(np.argmin(np.isfinite(total)))
        raise ValueError(
            f"product {p}: no feasible service times (a maximum service time below what "
            "the network can promise?)"
        )
    S = {order[-1]: S_last}
    SI = {order[-1]: SI_last}
    rows = np.arange(P)
    for n in reversed(order[:-1]):
        q = parent[n]
        lt = next(lt for child, _, lt in kids[q] if child == n)
        if any(a.downstream == q for a in net._succ[n]):
            masked = np.where(grid[None, :] + lt <= SI[q][:, None], f_or_g[n], np.inf)
            S[n] = np.argmin(masked, axis=1)
            SI[n] = arg[n][rows, S[n]]
        else:
            masked = np.where(grid[None, :] >= S[q][:, None] + lt, f_or_g[n], np.inf)
            SI[n] = np.argmin(masked, axis=1)
            S[n] = arg[n][rows, SI[n]]
    return S, total


def gsm_place(
    network: Network,
    *,
    holding_cost,
    demand_sigma,
    demand_mean=0.0,
    processing_time=0.0,
    max_service_time=None,
    z=1.6448536269514722,
    inbound_service_time=0.0,
    products=None,
    fill_rate=0.0,
    order_qty=0.0,
) -> GSMResult:
    """Optimal committed service times and safety stocks on a tree (guaranteed service).

    Parameters (per node: a scalar, a dict / Series keyed by node whose values are
    scalars or one value per product, a 1-D sequence in ``network.nodes`` order, or a
    DataFrame / 2-D array of products x nodes):

    holding_cost
        h, holding cost per unit per period at the node (>= 0).
    demand_sigma, demand_mean
        Standard deviation and mean of the node's *own* customers' demand per period
        (0 for a node without outside customers). Every leaf needs demand.
    processing_time
        T, whole periods the node needs after its inputs arrive (default 0).
    max_service_time
        s, the service time promised to outside customers (whole periods) at the nodes
        with own demand; default 0 there and unbounded elsewhere. A dict may give it for
        some nodes only (a bound on an inner node is allowed).
    z
        Safety factor(s), per node or one for all (default 1.645: 95 % cycle service).
    inbound_service_time
        Whole periods within which the outside supplier of a root delivers (default 0).
    products
        Optional labels of the products (rows of the per-product inputs).
    fill_rate, order_qty
        A fill-rate target (type 2 service, in (0, 1)) at a node, with the node's order
        quantity Q (> 0): there the safety factor is not ``z`` but the one that meets the
        fill rate over the node's net replenishment time, which the optimisation chooses
        (see :func:`_safety_stock`; Silver, Pyke & Peterson section 7.7.3). 0 (the
        default) keeps ``z`` (cycle service level).

    Arc lead times (``network``) must be whole periods. The network must be a forest
    (:meth:`Network.check_tree`): each connected part is solved on its own.

    Returns a :class:`GSMResult`. Source: Graves & Willems (2000), section 4 (see the
    module docstring); published checks in ``tests/test_network.py``: FSCT Examples
    6.3 and 6.5 and Figure 6.14.
    """
    net = network
    net.check_tree()
    for i, a in enumerate(net.arcs):
        if a.lead_time != round(a.lead_time):
            raise ValueError(
                f"arc {i} ({a.upstream} -> {a.downstream}): lead_time must be whole periods "
                f"for the guaranteed-service model, got {a.lead_time!r}"
            )
    h = _per_node(holding_cost, "holding_cost", net, None)
    mu_own = _per_node(demand_mean, "demand_mean", net, None, default=0.0)
    sd_own = _per_node(demand_sigma, "demand_sigma", net, None, default=0.0)
    T = _per_node(processing_time, "processing_time", net, None, default=0.0, integer=True)
    zz = _per_node(z, "z", net, None)
    si_ext = _per_node(
        inbound_service_time, "inbound_service_time", net, None, default=0.0, integer=True
    )
    beta, qq = _fill_rate_inputs(net, fill_rate, order_qty)
    has_demand = (mu_own > 0) | (sd_own > 0)
    P = max(x.shape[0] for x in (h, mu_own, sd_own, T, zz, si_ext, beta, qq))
    if max_service_time is None:
        smax = np.where(has_demand, 0.0, np.inf)
    else:
        given = _per_node(
            max_service_time, "max_service_time", net, None, integer=True, optional=True
        )
        # a node left out of a dict: 0 where it has customers, unbounded elsewhere
        left_out = np.isinf(given) & _left_out(max_service_time, net)
        smax = np.where(left_out & has_demand, 0.0, given)
    h, mu_own, sd_own, T, zz, si_ext, smax, has_demand, beta, qq = (
        np.broadcast_to(x, (P, len(net.nodes))).copy()
        for x in (h, mu_own, sd_own, T, zz, si_ext, smax, has_demand, beta, qq)
    )
    for leaf in net.leaves:
        j = net.index[leaf]
        if not has_demand[:, j].all():
            p = int(np.argmin(has_demand[:, j]))
            raise ValueError(
                f"node {leaf}: resupplies no node and has no demand (product {p}); "
                "give it demand_mean / demand_sigma or remove it"
            )
    mu, sd = net_demand(net, mu_own, sd_own)
    coef = h * zz * sd
    # Longest possible inbound time: roots' supplier time plus processing and transit.
    max_si = np.zeros((P, len(net.nodes)))
    for node in net.topological_order():
        j = net.index[node]
        if not net._pred[node]:
            max_si[:, j] = si_ext[:, j]
        for a in net._pred[node]:
            i = net.index[a.upstream]
            max_si[:, j] = np.maximum(max_si[:, j], max_si[:, i] + T[:, i] + a.lead_time)
    S = np.zeros((P, len(net.nodes)), dtype=np.int64)
    comps = net.components()
    fill = (beta > 0).any()
    for idx, M in _chunks((max_si + T).max(axis=1).astype(np.int64)):
        table = None
        if fill:  # cost of covering 0 .. M + T periods, per product and node
            cover = np.arange(M + int(T[idx].max()) + 1)[None, None, :]
            table = h[idx, :, None] * _safety_stock(
                cover,
                zz[idx, :, None],
                sd[idx, :, None],
                beta[idx, :, None],
                qq[idx, :, None],
            )
        for comp in comps:
            S_c, _ = _solve_tree(
                net, comp, coef[idx], T[idx], si_ext[idx], np.minimum(smax[idx], M), M, table
            )
            for n, v in S_c.items():
                S[idx, net.index[n]] = v
    S, SI, tau = _repair(net, S, T, si_ext)
    labels = pd.Index(range(P) if products is None else list(products), name="product")
    if len(labels) != P:
        raise ValueError(f"products: {len(labels)} labels for {P} products")
    return _result(net, labels, S, SI, tau, mu, sd, zz, h, T, beta, qq)


def _fill_rate_inputs(net: Network, fill_rate, order_qty):
    """Fill-rate targets and order quantities per node, checked: a target in [0, 1)
    (0: none), and an order quantity > 0 wherever a target is set."""
    beta = _per_node(fill_rate, "fill_rate", net, None, default=0.0)
    qq = _per_node(order_qty, "order_qty", net, None, default=0.0)
    if (beta >= 1).any():
        p, j = np.argwhere(beta >= 1)[0]
        raise ValueError(
            f"fill_rate: must be below 1, got {float(beta[p, j]):g} at node {net.nodes[j]}"
        )
    P = max(beta.shape[0], qq.shape[0])
    b, q = np.broadcast_to(beta, (P, beta.shape[1])), np.broadcast_to(qq, (P, qq.shape[1]))
    if ((b > 0) & (q <= 0)).any():
        p, j = np.argwhere((b > 0) & (q <= 0))[0]
        raise ValueError(
            f"order_qty: a fill-rate target needs an order quantity > 0, got "
            f"{float(q[p, j]):g} at node {net.nodes[j]}"
        )
    return beta, qq


_CHUNK_CELLS = 4_000_000  # products x (M + 1)^2 cost cells held at once


def _chunks(horizon: np.ndarray):
    """Products in groups of similar horizon M (longest service time), each group small
    enough that its cost arrays stay within a few tens of megabytes."""
    order = np.argsort(horizon, kind="stable")
    i, P = 0, horizon.size
    while i < P:
        end = i + 1
        while end < P and (end - i + 1) * (int(horizon[order[end]]) + 1) ** 2 <= _CHUNK_CELLS:
            end += 1
        idx = np.sort(order[i:end])
        yield idx, int(horizon[idx].max())
        i = end


def _left_out(value, net: Network) -> np.ndarray:
    """True for the nodes a dict / Series / DataFrame input does not name."""
    if isinstance(value, (dict, pd.Series)):
        named = {str(k) for k in value.keys()}
    elif isinstance(value, pd.DataFrame):
        named = {str(c) for c in value.columns}
    else:
        return np.zeros(len(net.nodes), dtype=bool)
    return np.array([n not in named for n in net.nodes])


def _repair(net: Network, S, T, si_ext):
    """Actual inbound times; a node quoting more than it can (only possible on ties of
    zero cost) quotes what it can, which never raises any cost."""
    S = S.astype(float)
    SI = np.zeros_like(S)
    for node in net.topological_order():
        j = net.index[node]
        if not net._pred[node]:
            SI[:, j] = si_ext[:, j]
        for a in net._pred[node]:
            i = net.index[a.upstream]
            SI[:, j] = np.maximum(SI[:, j], S[:, i] + a.lead_time)
        S[:, j] = np.minimum(S[:, j], SI[:, j] + T[:, j])
    return S, SI, SI + T - S


def _result(net, labels, S, SI, tau, mu, sd, zz, h, T, beta=0.0, qq=0.0) -> GSMResult:
    P, n = S.shape
    transit = np.zeros(n)
    for a in net.arcs:
        transit[net.index[a.downstream]] += a.units * a.lead_time
    ss = _safety_stock(tau, zz, sd, beta, qq)
    cost_ss = h * ss
    frame = pd.DataFrame(
        {
            "product": np.repeat(labels.to_numpy(), n),
            "node": np.tile(np.array(net.nodes, dtype=object), P),
            "inbound_service_time": SI.ravel(),
            "outbound_service_time": S.ravel(),
            "net_replenishment_time": tau.ravel(),
            "net_demand_mean": mu.ravel(),
            "net_demand_sigma": sd.ravel(),
            "safety_stock": ss.ravel(),
            "base_stock": (mu * tau + ss).ravel(),
            "pipeline_stock": (mu * T).ravel(),
            "in_transit_stock": (mu * transit[None, :]).ravel(),
            "holding_cost_rate": h.ravel(),
            "safety_stock_cost": cost_ss.ravel(),
            "holds_stock": (tau > 0).ravel(),
        }
    )
    return GSMResult(cost=pd.Series(cost_ss.sum(axis=1), index=labels, name="cost"), nodes=frame)


def gsm_cost(
    network: Network,
    outbound_service_time,
    *,
    holding_cost,
    demand_sigma,
    demand_mean=0.0,
    processing_time=0.0,
    z=1.6448536269514722,
    inbound_service_time=0.0,
    products=None,
    fill_rate=0.0,
    order_qty=0.0,
) -> GSMResult:
    """Evaluate given outbound service times: the same table as :func:`gsm_place`, for
    a planner's own choice or today's independent plans (every node quoting 0).

    Vectorised over products as :func:`gsm_place`: every per-node input (the service
    times too) may be one row per product (DataFrame or 2-D array, products x nodes),
    and the products sharing one network are costed in one call, without a Python loop
    over them. ``products`` labels the rows. Each product's net replenishment times
    :math:`\\tau_j = SI_j + T_j - S_j` and safety stocks
    :math:`z_j \\sigma_j \\sqrt{\\tau_j}` are those of Graves & Willems (2000), section 3
    (see the module docstring); ``fill_rate`` and ``order_qty`` as in :func:`gsm_place`.

    Raises ``ValueError`` naming the node (and the product, when there are several)
    whose service time is infeasible (:math:`S_j > SI_j + T_j`).
    """
    net = network
    S = _per_node(outbound_service_time, "outbound_service_time", net, None)
    h = _per_node(holding_cost, "holding_cost", net, None)
    mu_own = _per_node(demand_mean, "demand_mean", net, None, default=0.0)
    sd_own = _per_node(demand_sigma, "demand_sigma", net, None, default=0.0)
    T = _per_node(processing_time, "processing_time", net, None, default=0.0)
    zz = _per_node(z, "z", net, None)
    si_ext = _per_node(inbound_service_time, "inbound_service_time", net, None, default=0.0)
    beta, qq = _fill_rate_inputs(net, fill_rate, order_qty)
    n = len(net.nodes)
    P = max(x.shape[0] for x in (S, h, mu_own, sd_own, T, zz, si_ext, beta, qq))
    S, h, mu_own, sd_own, T, zz, si_ext, beta, qq = (
        np.broadcast_to(x, (P, n)).copy() for x in (S, h, mu_own, sd_own, T, zz, si_ext, beta, qq)
    )
    SI = np.zeros_like(S)
    for node in net.topological_order():
        j = net.index[node]
        SI[:, j] = si_ext[:, j] if not net._pred[node] else 0.0
        for a in net._pred[node]:
            SI[:, j] = np.maximum(SI[:, j], S[:, net.index[a.upstream]] + a.lead_time)
    tau = SI + T - S
    labels = pd.Index(range(P) if products is None else list(products), name="product")
    if len(labels) != P:
        raise ValueError(f"products: {len(labels)} labels for {P} products")
    if (tau < 0).any():
        p, j = (int(x) for x in np.argwhere(tau < 0)[0])
        which = f" (product {labels[p]})" if P > 1 else ""
        raise ValueError(
            f"node {net.nodes[j]}{which}: outbound service time {S[p, j]:g} exceeds inbound "
            f"{SI[p, j]:g} + processing {T[p, j]:g}"
        )
    mu, sd = net_demand(net, mu_own, sd_own)
    return _result(net, labels, S, SI, tau, mu, sd, zz, h, T, beta, qq)
