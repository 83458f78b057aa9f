"""Inventory simulation: replay a policy on demand paths to measure the service it reaches.

Used to compare policies on the quality of their numbers: achieved fill rate and cycle
service per unit of average stock, on the same demand and lead-time draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class SimulationResult:
    """Per item: achieved service and stock over the simulated horizon."""

    table: pd.DataFrame
    on_hand: np.ndarray | None = None
    #: With ``keep_orders``: items x periods, True where the item placed an order at the
    #: end of that period (every period, the warm-up included).
    order_placed: np.ndarray | None = None


def simulate_policy(
    demand,
    lead_times,
    reorder_point,
    order_up_to=None,
    order_qty=None,
    review_period=1,
    initial_on_hand=None,
    warmup: int = 0,
    keep_path: bool = False,
    lost_sales: bool = False,
    keep_orders: bool = False,
) -> SimulationResult:
    """Simulate a periodic or continuous reorder-point policy with backorders, all items at once.

    Each period t, in this order: receipts due at t arrive and first clear backorders;
    demand is served from stock on hand (the part served at once counts for the fill
    rate; the rest is backordered); then, on review periods (every ``review_period``
    periods; 1 = continuous review of a daily system), the inventory position
    ``IP = on hand + on order - backorders`` is compared with the reorder point s:

    - **(s, Q)** (``order_qty`` given): when IP <= s, order the smallest multiple of Q
      that lifts IP above s;
    - **(s, S)** / **(R, S)** (``order_up_to`` given): when IP <= s, order S - IP.

    ``reorder_point``, ``order_up_to`` and ``order_qty`` may be given per item (m,) or
    per item and period (m, T), for a policy recomputed during the horizon.

    An order placed at the end of period t (after its demand) arrives at the start of
    period ``t + L + 1`` with ``L = lead_times[i, t]`` (drawn per item and period, so
    lead-time variability is replayed): the inventory position at ordering covers the
    demand of exactly L periods, as in the continuous formulas. This is the standard
    discrete-event logic of periodic/continuous review systems with backordering
    (Axsäter, *Inventory Control*, 3rd ed., ch. 5; SPP ch. 7), written as a loop over
    periods vectorised over items.

    With ``lost_sales`` the demand not served from stock is lost instead of backordered
    (the inventory position is then on hand + on order).

    Metrics per item, after ``warmup`` periods: fill rate (demand served from stock on
    hand / demand), cycle service level (``cycle_service``: the share of replenishment
    cycles, from one arrival to the next, without a shortage; ``cycles`` counts them),
    the share of demand periods without a shortage (``period_service``), average on-hand
    stock, average backorders, number of orders.

    ``keep_path`` keeps the on-hand stock per item and period (``on_hand``);
    ``keep_orders`` keeps when each item ordered (``order_placed``, a boolean items x
    periods matrix, warm-up included: its row sums over the periods after ``warmup``
    are the ``orders`` column), so that orders of several items can be counted
    together, e.g. the days on which a supplier receives at least one order.
    """
    D = np.asarray(demand, dtype=float)
    if D.ndim != 2:
        raise ValueError(f"demand: expected items x periods, got shape {D.shape}")
    m, T = D.shape
    D = np.where(np.isfinite(D) & (D > 0), D, 0.0)
    L = (
        np.broadcast_to(np.asarray(lead_times, dtype=float), (m, T))
        if np.ndim(lead_times) == 2
        else (np.broadcast_to(np.asarray(lead_times, dtype=float).reshape(-1, 1), (m, T)))
    )
    Lr = np.maximum(np.rint(L), 0).astype(np.int64)
    if (order_up_to is None) == (order_qty is None):
        raise ValueError("give exactly one of order_up_to (s,S / R,S) or order_qty (s,Q)")
    s_t = _per_period(reorder_point, m, T, "reorder_point")
    S_t = None if order_up_to is None else _per_period(order_up_to, m, T, "order_up_to")
    Q_t = None if order_qty is None else np.maximum(_per_period(order_qty, m, T, "order_qty"), 1e-9)
    s, S, Q = s_t[:, 0], None if S_t is None else S_t[:, 0], None if Q_t is None else Q_t[:, 0]
    R = np.broadcast_to(np.asarray(review_period, dtype=np.int64), (m,))
    R = np.maximum(R, 1)
    on_hand = (
        (S if S is not None else s + Q).copy()
        if initial_on_hand is None
        else np.broadcast_to(np.asarray(initial_on_hand, dtype=float), (m,)).copy()
    )
    maxL = int(Lr.max(initial=0)) + 1
    pipeline = np.zeros((m, T + maxL + 1))
    on_order = np.zeros(m)
    backorder = np.zeros(m)
    rows = np.arange(m)

    served = np.zeros(m)
    demanded = np.zeros(m)
    stock_sum = np.zeros(m)
    back_sum = np.zeros(m)
    short_periods = np.zeros(m)
    demand_periods = np.zeros(m)
    n_orders = np.zeros(m)
    cycles = np.zeros(m)
    short_cycles = np.zeros(m)
    short_now = np.zeros(m, dtype=bool)
    path = np.zeros((m, T)) if keep_path else None
    placed_path = np.zeros((m, T), dtype=bool) if keep_orders else None

    for t in range(T):
        arrive = pipeline[:, t]
        on_order -= arrive
        if t >= warmup:
            came = arrive > 0
            cycles += came
            short_cycles += came & short_now
            short_now &= ~came
        avail = on_hand + arrive
        clear = np.minimum(avail, backorder)
        backorder -= clear
        avail -= clear
        d = D[:, t]
        got = np.minimum(avail, d)
        on_hand = avail - got
        short = d - got
        if not lost_sales:
            backorder += short
        short_now |= short > 0
        if t >= warmup:
            served += got
            demanded += d
            stock_sum += on_hand
            back_sum += backorder
            demand_periods += d > 0
            short_periods += short > 0
        review = (t % R) == 0
        s = s_t[:, t]
        if S_t is not None:
            S = S_t[:, t]
        else:
            Q = Q_t[:, t]
        ip = on_hand + on_order - backorder
        trigger = review & (ip <= s)
        if S is not None:
            qty = np.where(trigger, np.maximum(S - ip, 0.0), 0.0)
        else:
            n = np.floor((s - ip) / Q) + 1
            qty = np.where(trigger, n * Q, 0.0)
        placed = qty > 0
        if placed.any():
            # Placed after today's demand, it covers the next L periods' demand from the
            # stock in the position now and arrives at the start of period t + L + 1.
            due = t + Lr[:, t] + 1
            np.add.at(pipeline, (rows[placed], due[placed]), qty[placed])
            on_order += qty
            if t >= warmup:
                n_orders += placed
        if keep_path:
            path[:, t] = on_hand
        if keep_orders:
            placed_path[:, t] = placed
    n_obs = max(T - warmup, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(demanded > 0, served / demanded, 1.0)
        psl = np.where(demand_periods > 0, 1 - short_periods / demand_periods, 1.0)
        csl = np.where(cycles > 0, 1 - short_cycles / cycles, np.where(short_periods > 0, 0.0, 1.0))
    table = pd.DataFrame(
        {
            "fill_rate": fill,
            "cycle_service": csl,
            "cycles": cycles,
            "period_service": psl,
            "avg_on_hand": stock_sum / n_obs,
            "avg_backorder": back_sum / n_obs,
            "orders": n_orders,
            "demand": demanded,
        }
    )
    return SimulationResult(table, path, placed_path)


def _per_period(value, m: int, T: int, name: str) -> np.ndarray:
    """A policy parameter per item (m,) or per item and period (m, T), as (m, T)."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 2:
        if a.shape != (m, T):
            raise ValueError(f"{name}: expected shape {(m, T)}, got {a.shape}")
        return a
    return np.broadcast_to(np.broadcast_to(a, (m,))[:, None], (m, T))


def ddmrp_buffer(
    adu, dlt, lead_time_factor=0.5, variability_factor=0.5, moq=0.0, order_cycle_days=0.0
):
    """DDMRP buffer zones (top of red, yellow, green) for comparison runs.

    .. math::

        Y = ADU \\cdot DLT, \\quad
        R = Y\\,LTF\\,(1 + VF), \\quad
        G = \\max(Y\\,LTF,\\ MOQ,\\ ADU \\cdot \\text{order cycle})

    Source: Ptak & Smith, *Demand Driven Material Requirements Planning (DDMRP)*,
    Industrial Press 2016, ch. 7 (buffer zone calculations). Returns (top of red = the
    reorder point on net flow, top of yellow, top of green = the order-up-to level).
    """
    adu, dlt, ltf, vf, moq, oc = (
        np.asarray(x, dtype=float)
        for x in (adu, dlt, lead_time_factor, variability_factor, moq, order_cycle_days)
    )
    yellow = adu * dlt
    red = yellow * ltf * (1 + vf)
    green = np.maximum.reduce([yellow * ltf, moq * np.ones_like(yellow), adu * oc])
    return red, red + yellow, red + yellow + green
