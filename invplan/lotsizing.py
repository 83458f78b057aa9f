"""Lot sizing: price breaks, planned backorders, production lots, joint orders, IMAPA.

Deterministic lot-sizing models that extend the plain EOQ of :mod:`invplan.policy`:

* :func:`quantity_discount` -- all-units and incremental price breaks (the optimal order
  quantity, the break it falls in and the annual cost), with :func:`discount_annual_cost`
  to cost any given quantity under a schedule;
* :func:`eoq_backorders` -- EOQ with planned backorders;
* :func:`epq` -- economic production quantity (finite production rate), optionally
  with planned backorders;
* :func:`joint_replenishment` and :func:`joint_cost` -- one supplier's items ordered on a
  common cycle, each item every k-th order, with a fixed cost per supplier order, an
  optional minimum order value and an optional capacity per order;
* :func:`supplier_order_cycles` -- the same per supplier of a whole table, in whole
  days or weeks, for review periods a scheduler can follow;
* :func:`imapa` -- intermittent demand forecast by multiple temporal aggregation
  (IMAPA), beside the single-level ADIDA of :mod:`invplan.forecast`.

Units: ``annual_demand`` and the rates are per year (any time unit works if every rate
uses it); ``holding_rate`` is a share of the unit price per year; ``holding_cost`` and
``backorder_cost`` are money per unit per year.

Bad input: every function raises ``ValueError`` naming the argument (negative or NaN
costs, empty or unsorted breaks, a production rate not above demand, ...). No function
returns NaN for bad input, in a batch either: one bad item stops the call, so the caller
screens its table first (the plausibility checks of :mod:`invplan.plausibility`).

Books cited:

- [SPP] Silver, Pyke & Peterson, *Inventory Management and Production Planning and
  Scheduling*, 3rd ed., Wiley 1998 (ch. 5: quantity discounts, finite replenishment
  rate, backorders; ch. 10: coordinated replenishment).
- [FSCT] Snyder & Shen, *Fundamentals of Supply Chain Theory*, 2nd ed., Wiley 2019,
  ch. 3 (EOQ with planned backorders, quantity discounts, production rate).
- [N] Nahmias, *Production and Operations Analysis*, McGraw-Hill, ch. 4 (finite
  production rate, all-units and incremental quantity discounts).
- [CM] Chopra & Meindl, *Supply Chain Management*, Pearson, chapter "Managing Economies
  of Scale in a Supply Chain: Cycle Inventory" (all-units and marginal unit discounts).
- [HL] Hillier & Lieberman, *Introduction to Operations Research*, McGraw-Hill, chapter
  "Inventory Theory" (EOQ model with planned shortages).
- [HR] Heizer & Render, *Operations Management*, Pearson, chapter "Inventory Management"
  (production order quantity model).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

# --------------------------------------------------------------------------- input checks


def _arr(value, name: str, *, lo: float = 0.0, strict: bool = True, inf_ok: bool = False):
    """``value`` as a float array; ``ValueError`` naming ``name`` if NaN or out of range."""
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected numbers, got {value!r:.80}") from exc
    if a.size == 0:
        raise ValueError(f"{name}: empty")
    if np.isnan(a).any():
        raise ValueError(f"{name}: NaN is not a valid value")
    if not inf_ok and np.isinf(a).any():
        raise ValueError(f"{name}: must be finite, got {a[np.isinf(a)].ravel()[0]!r}")
    bad = (a <= lo) if strict else (a < lo)
    if bad.any():
        sign = ">" if strict else ">="
        raise ValueError(f"{name}: must be {sign} {lo:g}, got {a[bad].ravel()[0]!r}")
    return a


def _items(*arrays):
    """Broadcast per-item arguments to one 1-D length; ``ValueError`` on a mismatch."""
    for a in arrays:
        if a.ndim > 1:
            raise ValueError(f"per-item inputs must be scalars or 1-D, got shape {a.shape}")
    try:
        return [np.atleast_1d(a) for a in np.broadcast_arrays(*arrays)]
    except ValueError as exc:
        sizes = sorted({a.size for a in arrays})
        raise ValueError(f"inputs have different lengths: {sizes}") from exc


# --------------------------------------------------------------------------- quantity discounts

DISCOUNT_KINDS = ("all_units", "incremental")


def _schedule(min_qty, unit_price, n_items: int | None, kind: str):
    """Validate a price-break schedule; returns (q, c) of shape (items, breaks)."""
    if kind not in DISCOUNT_KINDS:
        raise ValueError(f"kind: expected one of {DISCOUNT_KINDS}, got {kind!r}")
    q = _arr(min_qty, "min_qty", strict=False)
    c = _arr(unit_price, "unit_price")
    if q.ndim == 0 or c.ndim == 0:
        raise ValueError("min_qty / unit_price: give a list of breaks (one or more)")
    if q.ndim > 2 or c.ndim > 2:
        raise ValueError("min_qty / unit_price: expected breaks (1-D) or items x breaks (2-D)")
    if q.shape[-1] != c.shape[-1]:
        raise ValueError(
            f"min_qty / unit_price: {q.shape[-1]} minimum quantities for {c.shape[-1]} prices"
        )
    q2, c2 = np.atleast_2d(q), np.atleast_2d(c)
    rows = {q2.shape[0], c2.shape[0]} | ({n_items} if n_items else set())
    rows.discard(1)
    if len(rows) > 1:
        raise ValueError(f"min_qty / unit_price: one schedule row per item expected, got {rows}")
    n = rows.pop() if rows else 1
    q2 = np.broadcast_to(q2, (n, q2.shape[1])).copy()
    c2 = np.broadcast_to(c2, (n, c2.shape[1])).copy()
    steps = np.diff(q2, axis=1)
    if (steps < 0).any():
        raise ValueError("min_qty: break quantities must not decrease")
    # A repeated break (same quantity twice) pads a short schedule: it must repeat its price.
    if ((steps == 0) & (np.diff(c2, axis=1) != 0)).any():
        raise ValueError("min_qty: a repeated break quantity must repeat its unit_price")
    if kind == "all_units" and (np.diff(c2, axis=1) > 0).any():
        raise ValueError("unit_price: all-units prices must not increase with the quantity")
    return q2, c2


def _purchase_parts(q, c, kind: str):
    """Per segment j: marginal price c_j and fixed part F_j, C(Q) = F_j + c_j Q on segment j."""
    if kind == "all_units":
        return np.zeros_like(c)
    # V_j = cost of the first q_j units; F_j = V_j - c_j q_j (units below q_0 cost c_0).
    v = np.concatenate([c[:, :1] * q[:, :1], c[:, :-1] * np.diff(q, axis=1)], axis=1)
    return np.cumsum(v, axis=1) - c * q


def quantity_discount(
    annual_demand, ordering_cost, holding_rate, min_qty, unit_price, kind="all_units"
) -> pd.DataFrame:
    """Optimal order quantity under a price-break schedule (all-units or incremental).

    The schedule is a list of breaks: break j has a minimum quantity :math:`q_j`
    (increasing) and a unit price :math:`c_j`; quantities below :math:`q_0` cannot be
    ordered (a minimum order quantity). With D the annual demand, K the cost per order
    and I the holding rate per year on the value in stock, an order of Q in segment j
    (:math:`q_j \\le Q < q_{j+1}`) costs :math:`C(Q) = F_j + c_j Q` and the annual cost is

    .. math::

        G_j(Q) = D\\,c_j + \\frac{D\\,(K + F_j)}{Q} + \\frac{I\\,(F_j + c_j Q)}{2}

    *All units* (:math:`F_j = 0`): the price of the segment applies to every unit.
    The segment's minimiser is :math:`\\max(\\sqrt{2DK/(I c_j)},\\ q_j)`; it is a
    candidate only when below :math:`q_{j+1}` (otherwise the next break, at a lower
    price, is cheaper). Source: [SPP] ch. 5 (quantity discounts, all units);
    [N] ch. 4, all-units discounts; [CM] all-unit quantity discounts (Drugs Online:
    D = 120,000, K = 100, I = 0.2, prices 3.00 / 2.96 / 2.92 from 0 / 5,000 / 10,000
    give Q* = 10,000 and an annual cost of 354,520).

    *Incremental* (marginal units): price :math:`c_j` applies only to the units
    between :math:`q_j` and :math:`q_{j+1}`, so
    :math:`F_j = \\sum_{i<j} (c_i - c_j)(q_{i+1} - q_i) + (c_0 - c_j) q_0` and the
    segment's minimiser is :math:`\\sqrt{2D(K + F_j)/(I c_j)}` clipped to the segment.
    Source: [SPP] ch. 5 (quantity discounts); [N] ch. 4, incremental discounts; [CM] marginal unit
    quantity discounts (Drugs Online, same data: Q* = 16,961, annual cost 360,365).

    Every argument but the schedule may be a scalar or one value per item. ``min_qty``
    and ``unit_price`` are one schedule (1-D, shared by all items) or one row per item
    (2-D, items x breaks); pad a short row by repeating its last break.

    Returns one row per item: ``order_qty``, ``break_index`` (segment of the optimum),
    ``unit_price`` (its price; for incremental, the marginal one), ``avg_unit_price``
    (purchase cost of an order / Q), ``purchase_cost``, ``order_cost``, ``holding_cost``
    and ``annual_cost`` (their sum, per year), ``base_eoq`` (the EOQ at the first
    break's price, raised to :math:`q_0`), ``base_eoq_cost`` (its annual cost under the
    schedule) and ``saving`` (``base_eoq_cost - annual_cost``, >= 0).
    """
    D = _arr(annual_demand, "annual_demand")
    K = _arr(ordering_cost, "ordering_cost")
    rate = _arr(holding_rate, "holding_rate")
    D, K, rate = _items(D, K, rate)
    q, c = _schedule(min_qty, unit_price, D.size if D.size > 1 else None, kind)
    n = max(D.size, q.shape[0])
    if D.size not in (1, n):
        raise ValueError(f"inputs have different lengths: {sorted({D.size, n})}")
    D, K, rate = (np.broadcast_to(x, (n,)) for x in (D, K, rate))
    q, c = np.broadcast_to(q, (n, q.shape[1])), np.broadcast_to(c, (n, c.shape[1]))
    F = _purchase_parts(q, c, kind)
    q_next = np.concatenate([q[:, 1:], np.full((n, 1), np.inf)], axis=1)
    Dc, Kc, Ic = D[:, None], K[:, None], rate[:, None]
    fixed = np.maximum(Kc + F, 0.0)  # K + F_j >= K > 0 when prices do not rise
    stationary = np.sqrt(2.0 * Dc * fixed / (Ic * c))
    if kind == "all_units":
        Q = np.maximum(stationary, q)
        feasible = (Q < q_next) & (q_next > q)
    else:
        Q = np.clip(stationary, q, q_next)
        feasible = q_next > q  # padding (repeated) breaks are empty segments
    Q = np.maximum(Q, np.finfo(float).tiny)  # a first break at 0 with Q = 0 cannot occur (K > 0)
    cost = Dc * c + Dc * (Kc + F) / Q + Ic * (F + c * Q) / 2.0
    cost = np.where(feasible, cost, np.inf)
    j = np.argmin(cost, axis=1)
    r = np.arange(n)
    Qs, cs, Fs = Q[r, j], c[r, j], F[r, j]
    base = np.maximum(np.sqrt(2.0 * D * K / (rate * c[:, 0])), q[:, 0])
    base_cost = _discount_cost(base, D, K, rate, q, c, F, kind)
    out = pd.DataFrame(
        {
            "order_qty": Qs,
            "break_index": j,
            "unit_price": cs,
            "avg_unit_price": (Fs + cs * Qs) / Qs,
            "purchase_cost": D * (Fs + cs * Qs) / Qs,
            "order_cost": D * K / Qs,
            "holding_cost": rate * (Fs + cs * Qs) / 2.0,
        }
    )
    out["annual_cost"] = out["purchase_cost"] + out["order_cost"] + out["holding_cost"]
    out["base_eoq"] = base
    out["base_eoq_cost"] = base_cost
    out["saving"] = np.maximum(base_cost - out["annual_cost"].to_numpy(), 0.0)
    return out


def _discount_cost(Q, D, K, rate, q, c, F, kind):
    seg = (q <= Q[:, None] * (1 + 1e-12)).sum(axis=1) - 1
    r = np.arange(Q.size)
    cc, ff = c[r, seg], F[r, seg]
    return D * cc + D * (K + ff) / Q + rate * (ff + cc * Q) / 2.0


def discount_annual_cost(
    order_qty, annual_demand, ordering_cost, holding_rate, min_qty, unit_price, kind="all_units"
):
    """Annual cost (purchase + ordering + holding) of ordering ``order_qty`` each time.

    The cost :math:`G(Q)` of :func:`quantity_discount` for a given Q (one per item or
    shared), under the same schedule; Q below the first break's minimum quantity is not
    orderable and raises ``ValueError``. Used to explain a choice ("the EOQ at the base
    price would cost ...") and by the tests' brute-force enumeration.
    """
    Q = _arr(order_qty, "order_qty")
    D = _arr(annual_demand, "annual_demand")
    K = _arr(ordering_cost, "ordering_cost")
    rate = _arr(holding_rate, "holding_rate")
    Q, D, K, rate = _items(Q, D, K, rate)
    q, c = _schedule(min_qty, unit_price, Q.size if Q.size > 1 else None, kind)
    n = max(Q.size, q.shape[0])
    Q, D, K, rate = (np.broadcast_to(x, (n,)) for x in (Q, D, K, rate))
    q, c = np.broadcast_to(q, (n, q.shape[1])), np.broadcast_to(c, (n, c.shape[1]))
    if (Q < q[:, 0] * (1 - 1e-12)).any():
        raise ValueError("order_qty: below the first break's minimum quantity")
    return _discount_cost(Q, D, K, rate, q, c, _purchase_parts(q, c, kind), kind)


# --------------------------------------------------------------------------- backorders, EPQ


def eoq_backorders(annual_demand, ordering_cost, holding_cost, backorder_cost) -> pd.DataFrame:
    """EOQ with planned backorders (the EOQB model).

    Shortages are allowed and backordered at a cost p per unit short per year; h is the
    holding cost per unit per year. The optimal order quantity, backorder level just
    before an order arrives, and annual cost (ordering + holding + backorder) are

    .. math::

        Q^* = \\sqrt{\\frac{2KD\\,(h+p)}{h\\,p}}, \\qquad
        B^* = Q^* \\frac{h}{h+p}, \\qquad
        g^* = \\sqrt{\\frac{2KD\\,h\\,p}{h+p}}

    the maximum inventory is :math:`S^* = Q^* - B^*` and the share of time out of stock
    :math:`h/(h+p)`. ``backorder_cost = inf`` gives the plain EOQ (no backorders).
    Source: [FSCT] ch. 3 (EOQ with planned backorders); [SPP] ch. 5 (backorders
    allowed, cost per unit short per unit time); [HL] "EOQ model with planned
    shortages" (speakers: D = 8,000 per month, K = 12,000, h = 0.30 and p = 1.10 per
    unit-month give Q* = 28,540, S* = 22,424, a cycle of 3.6 months).

    Returns one row per item: ``order_qty``, ``backorder_level``, ``max_inventory``,
    ``cycle_time``, ``stockout_time_share``, ``order_cost``, ``holding_cost``,
    ``backorder_cost`` and ``annual_cost`` (per year).
    """
    D = _arr(annual_demand, "annual_demand")
    K = _arr(ordering_cost, "ordering_cost")
    h = _arr(holding_cost, "holding_cost")
    p = _arr(backorder_cost, "backorder_cost", inf_ok=True)
    D, K, h, p = _items(D, K, h, p)
    with np.errstate(invalid="ignore"):
        share = np.where(np.isinf(p), 0.0, h / (h + p))
    p_fin = np.where(np.isinf(p), 0.0, p)  # no backorders when p = inf
    Q = np.sqrt(2.0 * K * D / (h * (1.0 - share)))
    B = Q * share
    S = Q - B
    out = pd.DataFrame(
        {
            "order_qty": Q,
            "backorder_level": B,
            "max_inventory": S,
            "cycle_time": Q / D,
            "stockout_time_share": share,
            "order_cost": K * D / Q,
            "holding_cost": h * S**2 / (2.0 * Q),
            "backorder_cost": np.where(share > 0, p_fin * B**2 / (2.0 * Q), 0.0),
        }
    )
    out["annual_cost"] = out["order_cost"] + out["holding_cost"] + out["backorder_cost"]
    return out


def epq(annual_demand, setup_cost, holding_cost, production_rate, backorder_cost=np.inf):
    """Economic production quantity: a lot produced at a finite rate P > D.

    Stock builds up at rate P - D while the lot is produced, so the maximum inventory is
    :math:`Q(1 - D/P)` and

    .. math::

        Q^* = \\sqrt{\\frac{2KD}{h\\,(1 - D/P)}}, \\qquad
        g^* = \\sqrt{2KDh\\,(1 - D/P)}

    with K the setup cost per lot and h the holding cost per unit per year (P and D in
    the same unit of time). With planned backorders at p per unit per year, h is
    replaced by :math:`h p / (h + p)` and the backorder level is
    :math:`B^* = Q^*(1 - D/P)\\,h/(h+p)`. Source: [FSCT] ch. 3 (production rate);
    [SPP] ch. 5 (finite replenishment rate); [N] ch. 4 (EOQ with a finite
    production rate); [HR] production order quantity model (Nathan Manufacturing:
    D = 1,000 per year, K = 10, h = 0.50, production 8 and demand 4 units per day give
    Q* = 283 hubcaps).

    Returns one row per item: ``lot_size``, ``max_inventory``, ``backorder_level``,
    ``cycle_time``, ``production_time`` (time to produce a lot), ``setup_cost``,
    ``holding_cost``, ``backorder_cost`` and ``annual_cost`` (per year).
    """
    D = _arr(annual_demand, "annual_demand")
    K = _arr(setup_cost, "setup_cost")
    h = _arr(holding_cost, "holding_cost")
    P = _arr(production_rate, "production_rate")
    p = _arr(backorder_cost, "backorder_cost", inf_ok=True)
    D, K, h, P, p = _items(D, K, h, P, p)
    if (P <= D).any():
        i = int(np.flatnonzero(P <= D)[0])
        raise ValueError(
            f"production_rate: must exceed annual_demand (item {i}: {P[i]!r} <= {D[i]!r});"
            " a line that cannot keep up with demand has no economic lot"
        )
    rho = 1.0 - D / P
    with np.errstate(invalid="ignore"):
        share = np.where(np.isinf(p), 0.0, h / (h + p))
    p_fin = np.where(np.isinf(p), 0.0, p)  # no backorders when p = inf
    Q = np.sqrt(2.0 * K * D / (h * rho * (1.0 - share)))
    top = Q * rho  # inventory swing over a cycle (stock plus backorders)
    B = top * share
    out = pd.DataFrame(
        {
            "lot_size": Q,
            "max_inventory": top - B,
            "backorder_level": B,
            "cycle_time": Q / D,
            "production_time": Q / P,
            "setup_cost": K * D / Q,
            "holding_cost": h * (top - B) ** 2 / (2.0 * top),
            "backorder_cost": np.where(share > 0, p_fin * B**2 / (2.0 * top), 0.0),
        }
    )
    out["annual_cost"] = out["setup_cost"] + out["holding_cost"] + out["backorder_cost"]
    return out


# --------------------------------------------------------------------------- joint replenishment


@dataclass
class JointPlan:
    """A joint replenishment plan for one supplier (see :func:`joint_replenishment`).

    ``items`` has one row per item: ``multiple`` (k: the item is in every k-th supplier
    order), ``cycle`` (k T), ``order_qty`` (k T D), ``order_value`` (when unit values
    are given), ``own_eoq_cost`` (the item ordered alone on its own EOQ, paying the
    supplier's fixed cost with each of its orders). ``base_cycle`` is T (years between
    supplier orders), ``orders_per_year`` 1/T, ``annual_cost`` = ``supplier_order_cost``
    + ``item_order_cost`` + ``holding_cost`` (per year), ``independent_cost`` the sum of
    ``own_eoq_cost``, and ``limit`` says which constraint set T (``""``,
    ``"min_order_value"`` or ``"capacity"``).
    """

    items: pd.DataFrame
    base_cycle: float
    orders_per_year: float
    annual_cost: float
    supplier_order_cost: float
    item_order_cost: float
    holding_cost: float
    independent_cost: float
    limit: str


def joint_cost(
    multiples, base_cycle, annual_demand, holding_cost, item_order_cost, supplier_order_cost
):
    """Annual cost of a joint replenishment plan (k_i, T).

    .. math::

        TC(T, k) = \\frac{A + \\sum_i a_i / k_i}{T} + \\frac{T}{2} \\sum_i k_i h_i D_i

    A the supplier's fixed cost per order, a_i the item's own cost per order, h_i its
    holding cost per unit per year, D_i its annual demand. For fixed k the optimal T is
    :math:`\\sqrt{2(A + \\sum a_i/k_i) / \\sum k_i h_i D_i}` and the cost there is
    :math:`\\sqrt{2(A + \\sum a_i/k_i)\\sum k_i h_i D_i}`. Source: [SPP] section 10.4
    (eq. for the total relevant cost of a family); Goyal (1974), "Determination of
    optimum packaging frequency of items jointly replenished", *Management Science*
    21(4), 436-443.
    """
    k = _arr(multiples, "multiples")
    T = float(_arr(base_cycle, "base_cycle"))
    D, h, a = _items(
        _arr(annual_demand, "annual_demand"),
        _arr(holding_cost, "holding_cost"),
        _arr(item_order_cost, "item_order_cost", strict=False),
    )
    A = float(_arr(supplier_order_cost, "supplier_order_cost", strict=False))
    return (A + np.sum(a / k)) / T + T / 2.0 * np.sum(k * h * D)


def _best_multiples(T, a, hD):
    """Optimal integer k_i for a given T: k(k-1) <= 2a/(hD T^2) <= k(k+1) (Goyal 1974)."""
    x = 2.0 * a / (hD * T * T)
    return np.maximum(1, np.ceil((-1.0 + np.sqrt(1.0 + 4.0 * x)) / 2.0 - 1e-12)).astype(np.int64)


def _cycle_for(k, A, a, hD, lo_coef, hi_coef):
    """Optimal T for fixed k within the T bounds; (T, cost, limit) or None if infeasible.

    ``lo_coef`` / ``hi_coef``: per-item weights of the minimum-order-value and capacity
    constraints (None when not given).
    """
    fixed = A + np.sum(a / k)
    var = np.sum(k * hD)
    T = math.sqrt(2.0 * fixed / var)
    t_lo, t_hi, limit = 0.0, math.inf, ""
    if lo_coef is not None:  # smallest order: the items in every order (k = 1)
        v = np.sum(lo_coef[k == 1])
        t_lo = math.inf if v <= 0 else 1.0 / v
    if hi_coef is not None:  # largest order: every item at once
        t_hi = 1.0 / np.sum(k * hi_coef)
    if t_lo > t_hi * (1 + 1e-12):
        return None
    if T < t_lo:
        T, limit = t_lo, "min_order_value"
    elif T > t_hi:
        T, limit = t_hi, "capacity"
    return T, fixed / T + T / 2.0 * var, limit


def joint_replenishment(
    annual_demand,
    holding_cost,
    item_order_cost,
    supplier_order_cost,
    *,
    unit_value=None,
    min_order_value=None,
    unit_size=None,
    capacity=None,
    method="rand",
    grid=12,
    max_iter=50,
) -> JointPlan:
    """Joint replenishment of one supplier's items: a common cycle T and multiples k_i.

    Every T years the supplier is sent an order (fixed cost A); item i is in every
    k_i-th order (its own fixed cost a_i) with quantity :math:`k_i T D_i`. The cost
    :func:`joint_cost` is minimised by:

    1. *Silver's heuristic*: the item with the smallest :math:`a_i/(h_i D_i)` has
       k = 1, the others :math:`k_i = \\sqrt{\\frac{a_i}{h_i D_i}\\cdot
       \\frac{h_1 D_1}{A + a_1}}` rounded to the nearest integer (at least 1), and T is
       optimal for those k. Silver, E.A. (1976), "A simple method of determining order
       quantities in joint replenishments under deterministic demand", *Management
       Science* 22(12), 1351-1361; [SPP] section 10.4.
    2. *RAND* (Kaspi, M. & Rosenblatt, M.J. (1991), "On the economic ordering quantity
       for jointly replenished items", *International Journal of Production Research*
       29(1), 107-114): ``grid`` values of T between
       :math:`T_{min} = \\min_i \\sqrt{2 a_i / (h_i D_i)}` (here at least a tenth of
       :math:`T_{max}`) and :math:`T_{max} = \\sqrt{2(A + \\sum a_i)/\\sum h_i D_i}`;
       from each, and from Silver's solution, Goyal's iteration alternates the best
       integer k_i for T (:math:`k(k-1) \\le 2a_i/(h_i D_i T^2) \\le k(k+1)`) and the
       best T for k until k repeats. The cheapest result is kept; multiples with a
       common divisor g are divided by it (T times g).

    ``method="silver"`` stops after step 1 (Silver's multiples, T optimal for them);
    the default ``"rand"`` runs both and keeps the cheaper plan.

    Supplier limits (documented rule): a *minimum order value* M (needs ``unit_value``)
    applies to the smallest order, the one holding only the items with k = 1, so
    :math:`T \\ge M / \\sum_{k_i=1} D_i v_i`; a *capacity* C per order (in the units of
    ``unit_size``, default one per unit) applies to the largest order, every item at
    once, so :math:`T \\le C / \\sum_i k_i D_i w_i`. For each candidate k, T is the
    unconstrained optimum clipped to those bounds (the cost is convex in T), so T is
    rounded *up* to reach the minimum value and *down* to fit the truck. A k whose
    bounds cross is skipped; k = 1 for all items (smallest and largest order equal) is
    always tried, and if its bounds cross too, no common cycle meets both limits and
    ``ValueError`` is raised.

    Arguments are one value per item (``supplier_order_cost``, ``min_order_value`` and
    ``capacity`` are scalars: one supplier per call; group a table by supplier and call
    once per group). ``holding_cost`` is per unit per year (rate x unit value).
    """
    D, h, a = _items(
        _arr(annual_demand, "annual_demand"),
        _arr(holding_cost, "holding_cost"),
        _arr(item_order_cost, "item_order_cost", strict=False),
    )
    A_arr = _arr(supplier_order_cost, "supplier_order_cost", strict=False)
    if A_arr.size != 1:
        raise ValueError("supplier_order_cost: one value per supplier (call once per supplier)")
    A = float(A_arr.ravel()[0])
    n = D.size
    if A <= 0 and (a <= 0).any():
        raise ValueError(
            "item_order_cost: must be > 0 for every item when supplier_order_cost is 0"
            " (an item with no fixed cost at all has no economic order quantity)"
        )
    hD = h * D
    v = None
    if unit_value is not None:
        v = _items(_arr(unit_value, "unit_value"), D)[0]
    w = _items(_arr(unit_size, "unit_size"), D)[0] if unit_size is not None else np.ones(n)
    lo_coef = hi_coef = None
    M = C = None
    if min_order_value is not None:
        M = float(_arr(min_order_value, "min_order_value", strict=False).ravel()[0])
        if v is None:
            raise ValueError("unit_value: required with min_order_value")
        if M > 0:
            lo_coef = D * v / M  # T * sum(lo_coef[k == 1]) >= 1
    if capacity is not None:
        C = float(_arr(capacity, "capacity", inf_ok=True).ravel()[0])
        if math.isfinite(C):
            hi_coef = D * w / C  # T * sum(k * hi_coef) <= 1
    if method not in ("rand", "silver"):
        raise ValueError(f"method: expected 'rand' or 'silver', got {method!r}")
    grid = int(grid)
    if grid < 1:
        raise ValueError(f"grid: must be >= 1, got {grid}")

    def evaluate(k):
        return _cycle_for(k, A, a, hD, lo_coef, hi_coef)

    def goyal(T, k=None):
        best = None
        seen = set()
        for _ in range(max_iter):
            k = _best_multiples(T, a, hD) if k is None else k
            g = np.gcd.reduce(k)
            k = k // g
            key = k.tobytes()
            res = evaluate(k)
            if res is not None and (best is None or res[1] < best[1][1]):
                best = (k.copy(), res)
            if key in seen or res is None:
                break
            seen.add(key)
            T = res[0]
            k = None
        return best

    # Silver (1976) start.
    ratio = np.where(hD > 0, a / hD, np.inf)
    first = int(np.argmin(ratio))
    with np.errstate(divide="ignore", invalid="ignore"):
        k0 = np.sqrt(a / hD * hD[first] / (A + a[first]))
    k0 = np.clip(np.rint(np.nan_to_num(k0, nan=1.0, posinf=1.0)), 1, 1e6).astype(np.int64)
    k0[first] = 1
    if method == "silver":  # Silver's multiples as they are, T optimal for them
        res = evaluate(k0)
        starts = [None if res is None else (k0, res)]
    else:
        starts = [goyal(1.0, k0)]
        # RAND grid of base cycles.
        t_max = math.sqrt(2.0 * (A + a.sum()) / hD.sum())
        t_min = max(float(np.min(np.sqrt(2.0 * a / hD))), t_max / 10.0)
        t_min = min(t_min, t_max)
        for T in np.geomspace(t_min, t_max, grid) if grid > 1 else [t_max]:
            starts.append(goyal(float(T)))
        starts.append(goyal(1.0, np.ones(n, dtype=np.int64)))
    if all(s is None for s in starts):  # k = 1 for all: the widest feasible range of T
        ones = np.ones(n, dtype=np.int64)
        res = evaluate(ones)
        starts.append(None if res is None else (ones, res))
    found = [s for s in starts if s is not None]
    if not found:
        raise ValueError(
            "min_order_value / capacity: no common cycle meets both; the minimum order "
            f"value {M!r} needs more than the capacity {C!r} can carry"
        )
    k, (T, cost, limit) = min(found, key=lambda s: s[1][1])
    cycle = k * T
    qty = cycle * D
    items = pd.DataFrame({"multiple": k, "cycle": cycle, "order_qty": qty})
    if v is not None:
        items["order_value"] = qty * v
    own = np.sqrt(2.0 * (A + a) * hD)
    items["own_eoq_cost"] = own
    return JointPlan(
        items=items,
        base_cycle=T,
        orders_per_year=1.0 / T,
        annual_cost=float(cost),
        supplier_order_cost=A / T,
        item_order_cost=float(np.sum(a / cycle)),
        holding_cost=float(T / 2.0 * np.sum(k * hD)),
        independent_cost=float(own.sum()),
        limit=limit,
    )


DAYS_PER_YEAR = 365.0


def _grid_cycle(D, h, a, v, A, M, max_days, weekly):
    """The cheapest whole-day cycle of one supplier, exactly, with its multiples.

    For a fixed cycle T the joint cost of [SPP] 10.4,
    :math:`(A + \\sum a_i/k_i)/T + T/2 \\sum k_i h_i D_i`, separates per item, so each
    item's best multiple is Goyal's :math:`k(k-1) \\le 2a_i/(h_i D_i T^2) \\le k(k+1)`
    (Goyal 1974), capped at ``max_days // T``. Every whole number of days up to
    ``max_days`` (whole weeks from a week on when ``weekly``) is then costed and the
    cheapest kept: the exact optimum over the cycles a scheduler can follow. A cycle is
    valid when some item is in every order (otherwise the true cycle is longer and is
    costed as such) and, with a minimum order value M, when that smallest order reaches
    M at ``v``. Returns ``(days, multiples, cost, limit)`` or None if no cycle is
    valid; ``limit`` is ``"min_order_value"`` when M moved the choice."""
    days = np.arange(1, max_days + 1)
    if weekly:
        days = days[(days < 7) | (days % 7 == 0)]
    T = days[:, None] / DAYS_PER_YEAR
    hD = (h * D)[None, :]
    k = _best_multiples(T, a[None, :], hD)  # cycles x items
    k = np.maximum(np.minimum(k, (max_days // days)[:, None]), 1)
    cost = (A + np.sum(a[None, :] / k, axis=1)) / T[:, 0] + T[:, 0] / 2.0 * np.sum(k * hD, axis=1)
    valid = (k == 1).any(axis=1)
    free = np.where(valid, cost, np.inf)
    if M is not None:
        smallest = np.sum(np.where(k == 1, (D * v)[None, :], 0.0), axis=1) * T[:, 0]
        valid &= smallest >= M * (1 - 1e-12)
    cost = np.where(valid, cost, np.inf)
    if not np.isfinite(cost).any():
        return None
    best = int(np.argmin(cost))
    limit = "min_order_value" if M is not None and cost[best] > free.min() * (1 + 1e-12) else ""
    return int(days[best]), k[best], float(cost[best]), limit


def _write_cycle(row, out, sel, D, h, a, v, A, days, k, limit):
    """A supplier's cycle (``days``) and its items' multiples ``k`` into the supplier's
    summary ``row`` and the items' rows ``sel`` of ``out``: the costs per year of
    [SPP] 10.4 (vendor orders A/T, order lines sum a_i/(k_i T), cycle stock
    T/2 sum k_i h_i D_i) and, for comparison, each item on its own EOQ paying A with
    each of its orders, sum sqrt(2 (A + a_i) h_i D_i)."""
    T = days / DAYS_PER_YEAR
    hD = h[sel] * D[sel]
    cycle = k * T
    out.iloc[sel, out.columns.get_loc("multiple")] = k
    out.iloc[sel, out.columns.get_loc("review_days")] = k * days
    out.iloc[sel, out.columns.get_loc("order_qty")] = cycle * D[sel]
    supplier, lines, holding = A / T, float(np.sum(a[sel] / cycle)), float(T / 2.0 * np.sum(k * hD))
    row.update(
        base_days=int(days),
        orders_per_year=1.0 / T,
        order_value=float(np.sum(D[sel] * v[sel]) * T),
        supplier_order_cost=supplier,
        item_order_cost=lines,
        holding_cost=holding,
        annual_cost=supplier + lines + holding,
        independent_cost=float(np.sum(np.sqrt(2.0 * (A + a[sel]) * hD))),
        limit=limit,
    )


def _fixed_cycle(row, out, sel, D, h, a, v, A, M, days, max_days):
    """A supplier whose cycle the buyer fixed (``days``): each item's best multiple for
    that cycle by Goyal's condition :math:`k(k-1) \\le 2a_i/(h_i D_i T^2) \\le k(k+1)`
    (Goyal 1974, as in :func:`joint_replenishment`), capped at ``max_days``. A minimum
    order value the fixed cycle does not reach is reported in ``reason``; the cycle is
    kept (the buyer chose it)."""
    days = min(max(days, 1), max_days)
    T = days / DAYS_PER_YEAR
    k = _best_multiples(T, a[sel], h[sel] * D[sel])
    k = np.maximum(np.minimum(k, max_days // days), 1)
    smallest = float(np.sum((D[sel] * v[sel])[k == 1]) * T)
    _write_cycle(row, out, sel, D, h, a, v, A, days, k, "fixed")
    if M is not None and smallest < M * (1 - 1e-9):
        row["reason"] = (
            f"the fixed cycle of {days} days gives orders of {smallest:.2f}, below the "
            f"minimum order value {M:g}"
        )


def supplier_order_cycles(
    items: pd.DataFrame,
    suppliers: pd.DataFrame,
    *,
    weekly: bool = True,
    max_days: int = 365,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Order cycles in whole days for every supplier of a table, by joint replenishment.

    ``items``: one row per item with ``supplier``, ``annual_demand``, ``holding_cost``
    (per unit per year), ``item_order_cost`` and ``unit_value``. ``suppliers``: indexed
    by supplier, with ``order_cost`` (the fixed cost of one supplier order: transport,
    reception, administration) and optionally ``min_order_value`` (0 or NaN: none) and
    ``fixed_days`` (a cycle the buyer fixed: only the multiples are computed, see
    :func:`_fixed_cycle`).

    For each supplier the cycle is the cheapest whole number of days up to
    ``max_days``, or of whole weeks once it is a week or more (``weekly``: "every
    Monday" is how suppliers and buyers schedule; the order day is the weekday of the
    cycle's anchor), with each item's best multiple for it (:func:`_grid_cycle`: for a
    fixed cycle the cost of [SPP] section 10.4 separates per item, so enumerating the
    cycles gives the exact optimum over them, review periods k_i x T capped at
    ``max_days`` included). With a minimum order value, only cycles whose smallest order
    (the items in every order) reaches it at ``unit_value`` are kept. The continuous
    optimum of :func:`joint_replenishment` (RAND, Silver) is at most this cost; the
    whole-day optimum is within a few per cent of it (tier-1 tests).

    Items that cannot be planned jointly (no demand, no holding cost, no positive cost
    at all) are returned with ``multiple`` 0 and a ``reason``; a supplier none of whose
    items can be planned, or whose minimum order value cannot be met, gets an empty
    ``base_days`` (0) and a ``reason``. Nothing raises for one bad supplier: the caller
    plans the others.

    Returns ``(item_plan, supplier_plan)``: ``item_plan`` aligned with ``items`` with
    ``multiple``, ``review_days``, ``order_qty`` and ``reason``; ``supplier_plan``
    indexed by supplier with ``base_days``, ``orders_per_year``, ``items``,
    ``order_value`` (the average value of one supplier order), ``supplier_order_cost``,
    ``item_order_cost``, ``holding_cost`` and ``annual_cost`` (per year, at the
    rounded cycle), ``independent_cost`` (each item on its own EOQ, paying the supplier
    cost with each of its orders), ``limit`` and ``reason``.
    """
    need = {"supplier", "annual_demand", "holding_cost", "item_order_cost", "unit_value"}
    missing = need - set(items.columns)
    if missing:
        raise ValueError(f"items: missing columns {sorted(missing)}")
    if "order_cost" not in suppliers.columns:
        raise ValueError("suppliers: missing column 'order_cost'")
    max_days = int(max_days)
    if max_days < 1:
        raise ValueError(f"max_days: must be >= 1, got {max_days}")
    n = len(items)
    out = pd.DataFrame(
        {
            "multiple": np.zeros(n, dtype=np.int64),
            "review_days": np.zeros(n, dtype=np.int64),
            "order_qty": np.zeros(n),
            "reason": [""] * n,
        },
        index=items.index,
    )

    def num(col):
        return pd.to_numeric(items[col], errors="coerce").to_numpy(float)

    D, h, a, v = (
        num("annual_demand"),
        num("holding_cost"),
        num("item_order_cost"),
        num("unit_value"),
    )
    ok = np.isfinite(D) & (D > 0) & np.isfinite(h) & (h > 0) & np.isfinite(a) & (a >= 0)
    ok &= np.isfinite(v) & (v >= 0)
    out.loc[~ok, "reason"] = "no demand, holding cost or valid cost to plan jointly"
    sup = items["supplier"].to_numpy()
    rows = {}
    for key in pd.unique(sup):
        sel = np.flatnonzero((sup == key) & ok)
        row = {
            "base_days": 0,
            "orders_per_year": 0.0,
            "items": int(sel.size),
            "order_value": 0.0,
            "supplier_order_cost": 0.0,
            "item_order_cost": 0.0,
            "holding_cost": 0.0,
            "annual_cost": 0.0,
            "independent_cost": 0.0,
            "limit": "",
            "reason": "",
        }
        rows[key] = row
        A = float(suppliers["order_cost"].get(key, np.nan)) if key in suppliers.index else np.nan
        M = np.nan
        if "min_order_value" in suppliers.columns and key in suppliers.index:
            M = float(suppliers["min_order_value"].get(key, np.nan))
        if not sel.size:
            row["reason"] = "no item of this supplier can be planned"
            continue
        if not (math.isfinite(A) and A >= 0):
            row["reason"] = f"supplier order cost {A!r} is not a valid cost"
            out.iloc[sel, out.columns.get_loc("reason")] = row["reason"]
            continue
        M = M if math.isfinite(M) and M > 0 else None
        fixed = np.nan
        if "fixed_days" in suppliers.columns and key in suppliers.index:
            fixed = float(suppliers["fixed_days"].get(key, np.nan))
        if math.isfinite(fixed) and fixed > 0:
            _fixed_cycle(row, out, sel, D, h, a, v, A, M, int(round(fixed)), max_days)
            continue
        found = _grid_cycle(D[sel], h[sel], a[sel], v[sel], A, M, max_days, weekly)
        if found is None:
            row["reason"] = (
                f"the minimum order value {M:g} needs more than {max_days} days of demand"
                if M is not None
                else "no whole-day cycle within the longest review period"
            )
            out.iloc[sel, out.columns.get_loc("reason")] = row["reason"]
            continue
        days, k, _cost, limit = found
        _write_cycle(row, out, sel, D, h, a, v, A, days, k, limit)
    return out, pd.DataFrame.from_dict(rows, orient="index")


# --------------------------------------------------------------------------- IMAPA

IMAPA_METHODS = ("sba", "croston", "ses", "auto")


def imapa(y, max_level=None, min_level=1, method="sba", alpha=None, combine="mean"):
    """IMAPA: intermittent demand forecast by multiple temporal aggregation, combined.

    For each aggregation level k = ``min_level`` .. ``max_level`` the series is summed
    over non-overlapping buckets of k periods ending at the forecast origin (the oldest
    partial bucket dropped, as in ADIDA), the bucket series is forecast one bucket ahead
    and divided by k (per-period demand); the per-period forecasts of all levels are
    combined by their mean (or median). Petropoulos, F. & Kourentzes, N. (2015),
    "Forecast combinations for intermittent demand", *Journal of the Operational
    Research Society* 66(6), 914-924, section 3 (IMAPA). With a single level k it is
    ADIDA (Nikolopoulos et al. 2011), :class:`invplan.forecast.ADIDA`, whose bucketing
    it reuses.

    ``method``: the forecast at each level, ``"sba"`` (default), ``"croston"``,
    ``"ses"``, or ``"auto"``: per level and item, SBA when the bucket series' mean
    inter-demand interval exceeds 1.32, else SES (the Syntetos-Boylan-Croston cut-off;
    the paper selects with a refined classification, this is the simpler rule).
    ``alpha``: a fixed smoothing constant, else each method optimises its own.
    ``max_level``: default the mean inter-demand interval rounded (ADIDA's bucket size,
    at least 1, at most a third of the history), per item. A level with fewer than two
    buckets is left out.

    ``y`` is one series (1-D) or items x periods (2-D), demand >= 0 with no NaN (fill
    missing periods first). Returns the per-period forecast, one value per item.
    """
    from .forecast import ADIDA, SBA, SES, Croston

    if method not in IMAPA_METHODS:
        raise ValueError(f"method: expected one of {IMAPA_METHODS}, got {method!r}")
    if combine not in ("mean", "median"):
        raise ValueError(f"combine: expected 'mean' or 'median', got {combine!r}")
    Y = _arr(y, "y", strict=False)
    if Y.ndim == 1:
        Y = Y[None, :]
    if Y.ndim != 2:
        raise ValueError(f"y: expected a series or items x periods, got shape {Y.shape}")
    m, T = Y.shape
    if T < 2:
        raise ValueError(f"y: at least two periods are needed, got {T}")
    if alpha is not None:
        alpha = float(_arr(alpha, "alpha"))
        if not alpha < 1:
            raise ValueError(f"alpha: must be in (0, 1), got {alpha!r}")
    min_level = int(min_level)
    if min_level < 1:
        raise ValueError(f"min_level: must be >= 1, got {min_level}")
    if T // min_level < 2:
        raise ValueError(f"min_level: {min_level} leaves fewer than two buckets in {T} periods")
    if max_level is None:
        top = ADIDA()._choose_k(Y, np.ones(Y.shape, dtype=bool))
    else:
        top = _items(_arr(max_level, "max_level"), np.zeros(m))[0].astype(np.int64)
    top = np.maximum(top, min_level)
    top = np.minimum(top, max(min_level, T // 2))
    levels = np.arange(min_level, int(top.max()) + 1)
    fcs = np.full((m, levels.size), np.nan)
    for col, k in enumerate(levels):
        rows = np.flatnonzero((top >= k) & (T // k >= 2))
        if rows.size == 0:
            continue
        agg, _ = ADIDA._aggregate(Y[rows], None, int(k), T)
        fcs[rows, col] = _level_forecast(agg, method, alpha, SES, Croston, SBA) / k
    if combine == "mean":
        return np.nanmean(fcs, axis=1)
    return np.nanmedian(fcs, axis=1)


def _level_forecast(agg, method, alpha, SES, Croston, SBA):
    """One-step forecast of each bucket series with the chosen method."""
    makers = {"ses": SES, "croston": Croston, "sba": SBA}

    def run(name, rows):
        model = makers[name](alpha=alpha)
        part = agg[rows]
        return model.predict(part, model.fit(part), 1).forecast[:, 0]

    if method != "auto":
        return run(method, np.arange(agg.shape[0]))
    nz = np.count_nonzero(agg > 0, axis=1)
    adi = np.where(nz > 0, agg.shape[1] / np.maximum(nz, 1), np.inf)
    out = np.zeros(agg.shape[0])
    for name, mask in (("sba", adi > 1.32), ("ses", adi <= 1.32)):
        rows = np.flatnonzero(mask)
        if rows.size:
            out[rows] = run(name, rows)
    return out
