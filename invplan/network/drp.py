"""Push or pull by segment, and DRP netting along the resupply routes.

**Push or pull.** A node is planned by *pull* (reorder rules react to consumption) or by
*push* (distribution requirements planning from the forecast). Pull wherever the
customer waits at least the cumulative supply lead time (:math:`P \\le D`: nothing has
to be anticipated, Christopher's P:D ratio), and wherever demand is hard to predict
(coefficient of variation of demand per period above a threshold: a forecast pushed
out would be wrong more often than a reorder point); push where demand is predictable
and the lead time is longer than the customer waits. Sources: Christopher, M.,
*Logistics and Supply Chain Management*, 5th ed., Pearson 2016, ch. 5 (P:D ratio,
decoupling point); Simchi-Levi, D., Kaminsky, P. & Simchi-Levi, E., *Designing and
Managing the Supply Chain*, 3rd ed., McGraw-Hill 2008, ch. 6 ("push, pull and
push-pull": demand uncertainty against economies of scale).

**DRP netting.** For each node, downstream first, period by period (the MRP record of
Orlicky applied to distribution, Martin 1983):

.. math::

    NR_t &= \\max\\big(0,\\ GR_t + SS - (POH_{t-1} + SR_t)\\big)\\\\
    PR_t &= \\text{lot}(NR_t), \\qquad POH_t = POH_{t-1} + SR_t + PR_t - GR_t\\\\
    PO_{t - \\ell} &\\mathrel{+}= PR_t

with GR the gross requirements (the node's own forecast plus the planned releases of
the nodes it resupplies, times ``units``), SR the scheduled receipts, SS the safety stock,
POH the projected on hand, NR the net requirement, PR the planned receipts (rounded up
to the order multiple and at least the minimum) and PO the planned releases, offset by
the arc lead time :math:`\\ell` (or the outside supplier's lead time at a root). A
release that would fall before the first period is put in period 0 and flagged
``past_due``. Sources: Martin, A. J., *Distribution Resource Planning*, Oliver Wight,
1983; Vollmann, Berry, Whybark & Jacobs, *Manufacturing Planning and Control for Supply
Chain Management*, McGraw-Hill 2005, ch. "Distribution requirements planning";
Orlicky, J., *Material Requirements Planning*, McGraw-Hill 1975 (the netting record).

Both are vectorised over products: arrays of shape (products, periods) per node.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .graph import Network

__all__ = ["push_or_pull", "DRPPlan", "drp_netting"]


def push_or_pull(
    demand_cv, supply_lead_time, customer_lead_time=0.0, *, cv_threshold=0.5
) -> pd.DataFrame:
    """Plan by push (DRP) or pull (reorder rules), per item or segment.

    ``demand_cv``: coefficient of variation of demand per period (NaN: no demand data);
    ``supply_lead_time``: cumulative lead time to resupply the node; ``customer_lead_time``:
    the time customers accept to wait (same unit). Returns ``plan`` (``push`` or ``pull``)
    and ``reason`` (``customer_waits`` when the customer lead time covers supply,
    ``unpredictable`` when the CV is above ``cv_threshold`` or unknown, ``predictable``
    for push). Sources in the module docstring.
    """
    cv = np.atleast_1d(np.asarray(demand_cv, dtype=float))
    lt = np.atleast_1d(np.asarray(supply_lead_time, dtype=float))
    clt = np.atleast_1d(np.asarray(customer_lead_time, dtype=float))
    try:
        cv, lt, clt = np.broadcast_arrays(cv, lt, clt)
    except ValueError as exc:
        raise ValueError(
            "demand_cv / supply_lead_time / customer_lead_time: lengths differ"
        ) from exc
    if (cv < 0).any():
        raise ValueError("demand_cv: must be >= 0 (NaN for no data)")
    for name, a in (("supply_lead_time", lt), ("customer_lead_time", clt)):
        if not np.isfinite(a).all() or (a < 0).any():
            raise ValueError(f"{name}: must be finite and >= 0")
    if not np.isfinite(cv_threshold) or cv_threshold < 0:
        raise ValueError(f"cv_threshold: must be >= 0, got {cv_threshold!r}")
    waits = lt <= clt
    unpredictable = ~(cv <= cv_threshold)  # NaN (no data) counts as unpredictable
    plan = np.where(waits | unpredictable, "pull", "push")
    reason = np.where(
        waits, "customer_waits", np.where(unpredictable, "unpredictable", "predictable")
    )
    return pd.DataFrame({"plan": plan, "reason": reason})


@dataclass
class DRPPlan:
    """Time-phased records per node: dict node -> DataFrame-like arrays.

    ``records[node][field]`` has shape (products, periods) for the fields
    ``gross_requirements``, ``scheduled_receipts``, ``projected_on_hand``,
    ``net_requirements``, ``planned_receipts``, ``planned_releases``; ``past_due``
    (products,) is the quantity whose release fell before period 0 (released in period 0).
    """

    records: dict
    past_due: dict

    def table(self, node, product: int = 0) -> pd.DataFrame:
        """One node's record for one product, one column per period (a DRP grid)."""
        rec = self.records[str(node)]
        return pd.DataFrame({k: v[product] for k, v in rec.items()}).T


def _series(value, name: str, node: str, P: int, H: int) -> np.ndarray:
    """Scalar, (periods,) or (products, periods) -> (P, H)."""
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}[{node}]: expected numbers") from exc
    if a.ndim > 2 or (a.ndim >= 1 and a.shape[-1] != H):
        raise ValueError(f"{name}[{node}]: expected {H} periods, got shape {a.shape}")
    try:
        a = np.broadcast_to(a, (P, H))
    except ValueError as exc:
        raise ValueError(f"{name}[{node}]: expected (periods,) or ({P}, {H})") from exc
    if not np.isfinite(a).all() or (a < 0).any():
        raise ValueError(f"{name}[{node}]: must be finite and >= 0")
    return a


def _scalar_per_node(value, name, node, P, default):
    if isinstance(value, dict):
        value = value.get(node, default)
    a = np.broadcast_to(np.asarray(value if value is not None else default, dtype=float), (P,))
    if not np.isfinite(a).all() or (a < 0).any():
        raise ValueError(f"{name}[{node}]: must be finite and >= 0")
    return a


def drp_netting(
    network: Network,
    forecast: dict,
    *,
    on_hand=0.0,
    safety_stock=0.0,
    scheduled_receipts: dict | None = None,
    supplier_lead_time=0,
    order_multiple=0.0,
    min_order_qty=0.0,
) -> DRPPlan:
    """Time-phased net requirements and planned releases along a distribution network.

    ``forecast``: node -> demand per period of the node's own customers, shape (periods,)
    or (products, periods); nodes left out have none. ``on_hand``, ``safety_stock``,
    ``order_multiple``, ``min_order_qty``: a scalar or a dict node -> scalar or one
    value per product. ``scheduled_receipts``: node -> (periods,) or (products, periods).
    ``supplier_lead_time``: whole periods at the roots (scalar or dict). Arc lead times
    must be whole periods. The network must give each node one supplier
    (:meth:`Network.check_distribution`). The roots' planned releases are the purchase
    plan; every other node's are the transfers its supplier must ship.
    """
    net = network
    net.check_distribution()
    unknown = [k for k in forecast if str(k) not in net.index]
    if unknown:
        raise ValueError(f"forecast: unknown node(s) {unknown[:5]}")
    forecast = {str(k): v for k, v in forecast.items()}
    shapes = [np.shape(v) for v in forecast.values()]
    if not shapes:
        raise ValueError("forecast: give at least one node's demand")
    H = shapes[0][-1]
    P = max((s[0] if len(s) == 2 else 1) for s in shapes)
    for i, a in enumerate(net.arcs):
        if a.lead_time != round(a.lead_time):
            raise ValueError(
                f"arc {i} ({a.upstream} -> {a.downstream}): lead_time must be whole periods"
            )
    sched = {str(k): v for k, v in (scheduled_receipts or {}).items()}
    records: dict[str, dict[str, np.ndarray]] = {}
    past_due: dict[str, np.ndarray] = {}
    for node in reversed(net.topological_order()):
        gross = np.zeros((P, H))
        if node in forecast:
            gross = gross + _series(forecast[node], "forecast", node, P, H)
        for a in net._succ[node]:
            gross = gross + a.units * records[a.downstream]["planned_releases"]
        sr = _series(sched.get(node, 0.0), "scheduled_receipts", node, P, H)
        poh = _scalar_per_node(on_hand, "on_hand", node, P, 0.0).copy()
        ss = _scalar_per_node(safety_stock, "safety_stock", node, P, 0.0)
        mult = _scalar_per_node(order_multiple, "order_multiple", node, P, 0.0)
        moq = _scalar_per_node(min_order_qty, "min_order_qty", node, P, 0.0)
        if net._pred[node]:
            lt = int(round(net._pred[node][0].lead_time))
        else:
            lt_value = _scalar_per_node(supplier_lead_time, "supplier_lead_time", node, 1, 0)[0]
            if lt_value != round(lt_value):
                raise ValueError(f"supplier_lead_time[{node}]: whole periods expected")
            lt = int(lt_value)
        rec = {
            k: np.zeros((P, H))
            for k in (
                "projected_on_hand",
                "net_requirements",
                "planned_receipts",
                "planned_releases",
            )
        }
        late = np.zeros(P)
        for t in range(H):
            available = poh + sr[:, t]
            need = np.maximum(0.0, gross[:, t] + ss - available)
            qty = np.where(need > 0, np.maximum(need, moq), 0.0)
            qty = np.where(
                (mult > 0) & (qty > 0),
                np.ceil(qty / np.where(mult > 0, mult, 1) - 1e-9) * mult,
                qty,
            )
            poh = available + qty - gross[:, t]
            rec["projected_on_hand"][:, t] = poh
            rec["net_requirements"][:, t] = need
            rec["planned_receipts"][:, t] = qty
            release = t - lt
            if release >= 0:
                rec["planned_releases"][:, release] += qty
            else:
                rec["planned_releases"][:, 0] += qty
                late += qty
        records[node] = {"gross_requirements": gross, "scheduled_receipts": np.array(sr), **rec}
        past_due[node] = late
    order = {n: records[n] for n in net.nodes}
    return DRPPlan(records=order, past_due={n: past_due[n] for n in net.nodes})
