import logging
import math

import numpy as np
import pandas as pd
from odoo import api, fields, models
from odoo.tools import SQL

from invplan.network import Network, gsm_cost, gsm_place
from invplan.policy import safety_factor_cycle

from .stock_planning_exception import NETWORK_EXCEPTION_TYPES

_logger = logging.getLogger(__name__)

DEFAULT_HOLDING_RATE = 25.0  # % of the cost per year, when the segment gives none


class StockNetworkPlacement(models.Model):
    """Guaranteed-service placement of one product at one warehouse of the network."""

    _name = "stock.network.placement"
    _description = "Safety-stock Placement"
    _order = "product_id, sequence, warehouse_id"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one("product.product", required=True, index=True, readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", required=True, index=True, readonly=True)
    segment_id = fields.Many2one("stock.segment", index=True, readonly=True)
    profile_id = fields.Many2one("stock.planning.profile", "Plan", readonly=True, index=True)
    proposal_id = fields.Many2one(
        "stock.replenishment.proposal", readonly=True, ondelete="set null"
    )
    sequence = fields.Integer(readonly=True, help="Position of the node, suppliers first.")
    date = fields.Date("Placed On", readonly=True)
    inbound_service_time = fields.Integer(
        "Service Time In (days)",
        readonly=True,
        help="Days within which the node's supplier (or the vendor, at the central node) "
        "delivers: its service time plus the transit time.",
    )
    outbound_service_time = fields.Integer(
        "Service Time Out (days)",
        readonly=True,
        help="Days the node promises its customers or the warehouses it resupplies.",
    )
    net_replenishment_time = fields.Integer(
        "Covered Time (days)",
        readonly=True,
        help="Service time in minus service time out: the days of demand the node's stock covers.",
    )
    net_demand_mean = fields.Float(
        "Net Demand / Day",
        readonly=True,
        digits="Product Unit",
        help="Own customers' forecast plus the forecast of the warehouses it resupplies.",
    )
    net_demand_sigma = fields.Float("Net Demand Sigma / Day", readonly=True, digits="Product Unit")
    safety_stock = fields.Float(readonly=True, digits="Product Unit")
    base_stock = fields.Float(
        readonly=True,
        digits="Product Unit",
        help="Demand over the covered time plus the safety stock: the proposed min.",
    )
    holds_stock = fields.Boolean(readonly=True)
    independent_safety_stock = fields.Float(
        "Safety Stock (independent)",
        readonly=True,
        digits="Product Unit",
        help="Safety stock of today's independent plans: every warehouse promises 0 days "
        "and covers its full lead time.",
    )
    holding_cost_rate = fields.Float(
        "Holding Cost / Unit / Day", readonly=True, digits="Product Price"
    )
    placed_cost = fields.Monetary(
        "Safety-stock Cost / Day (placed)",
        currency_field="currency_id",
        readonly=True,
    )
    independent_cost = fields.Monetary(
        "Safety-stock Cost / Day (independent)",
        currency_field="currency_id",
        readonly=True,
    )
    saving = fields.Monetary(
        "Saving / Day",
        currency_field="currency_id",
        readonly=True,
        help="Independent plans' safety-stock holding cost minus the placement's.",
    )
    safety_stock_value = fields.Monetary(
        "Safety-stock Value (placed)", currency_field="currency_id", readonly=True
    )
    independent_value = fields.Monetary(
        "Safety-stock Value (independent)", currency_field="currency_id", readonly=True
    )

    # ------------------------------------------------------------------ job
    @api.model
    def _fetch_inputs(self, company, warehouse_ids):
        """The plans of opted-in segments at the network's warehouses: one query."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT p.id, p.product_id, p.warehouse_id, p.segment_id,
                   p.forecast_daily, p.demand_sigma_daily, p.lead_time_days,
                   p.reorder_point_qty, p.max_qty, p.unit_cost_used,
                   s.service_level_target, s.holding_cost_rate, s.network_push
              FROM stock_planning_profile p
              JOIN stock_segment s ON s.id = p.segment_id
             WHERE p.company_id = %s AND p.active AND s.network_placement
               AND p.warehouse_id = ANY(%s)
          ORDER BY p.product_id, p.warehouse_id
            """,
                company.id,
                list(warehouse_ids),
            )
        )
        cols = [d[0] for d in self.env.cr.description]
        return pd.DataFrame(self.env.cr.fetchall(), columns=cols)

    @api.model
    def _product_costs(self, company, product_ids):
        products = self.env["product.product"].with_company(company).browse(product_ids)
        return dict(zip(products.ids, products.mapped("standard_price"), strict=True))

    @api.model
    def _place_company(self, network):
        """Place the safety stock of the company's opted-in products on ``network``
        (valid), store the rows and propose the min / max of each node."""
        company = network.company_id
        code = {n.warehouse_id.id: n.warehouse_id.code for n in network.node_ids}
        wh_of = {c: w for w, c in code.items()}
        arcs = [
            (code[a.supplier_wh_id.id], code[a.warehouse_id.id], math.ceil(a.lead_time_days))
            for a in network.arc_ids
        ]
        connected = {a.supplier_wh_id.id for a in network.arc_ids} | {
            a.warehouse_id.id for a in network.arc_ids
        }
        rows = self._fetch_inputs(company, connected)
        self.sudo().search([("company_id", "=", company.id)]).unlink()
        stats = {"placed": 0, "proposals": 0, "skipped": 0}
        if rows.empty:
            self.env["stock.network.pooling"].sudo().search(
                [("company_id", "=", company.id)]
            ).unlink()
            return stats
        costs = self._product_costs(company, [int(p) for p in rows.product_id.unique()])
        rows["node"] = rows.warehouse_id.map(code)
        rows["mu"] = rows.forecast_daily.fillna(0.0).clip(lower=0.0)
        rows["sd"] = rows.demand_sigma_daily.fillna(0.0).clip(lower=0.0)
        cost = rows.unit_cost_used.where(rows.unit_cost_used > 0, rows.product_id.map(costs))
        rate = rows.holding_cost_rate.where(rows.holding_cost_rate > 0, DEFAULT_HOLDING_RATE)
        rows["h"] = cost.fillna(0.0) * rate / 100.0 / 365.0
        rows["cost"] = cost.fillna(0.0)
        target = rows.service_level_target.fillna(95.0).clip(50.0, 99.99) / 100.0
        rows["z"] = safety_factor_cycle(target.to_numpy())
        rows["lead"] = np.ceil(rows.lead_time_days.fillna(0.0).clip(lower=0.0))
        stats["pooling"] = self.env["stock.network.pooling"]._pool_company(company, rows, code)
        # Group products by the sub-network they span: one engine call per group.
        groups = {}
        for product_id, prows in rows.groupby("product_id", sort=True):
            kept = self._sub_network(arcs, prows)
            if not kept:
                stats["skipped"] += 1
                continue
            groups.setdefault(tuple(kept), []).append(product_id)
        today = fields.Date.context_today(self)
        vals = []
        for kept, product_ids in groups.items():
            net = Network(list(kept))
            sub = rows[rows.product_id.isin(product_ids) & rows.node.isin(net.nodes)]

            def frame(col, sub=sub, product_ids=product_ids, net=net):
                return (
                    sub.pivot(index="product_id", columns="node", values=col)
                    .reindex(index=product_ids, columns=list(net.nodes))
                    .fillna(0.0)
                )

            lead = frame("lead")
            roots = set(net.roots)
            si = lead.copy()
            si[[c for c in si.columns if c not in roots]] = 0.0
            inputs = {
                "holding_cost": frame("h"),
                "demand_mean": frame("mu"),
                "demand_sigma": frame("sd"),
                "z": frame("z").where(lambda f: f > 0, 1.6448536269514722),
                "inbound_service_time": si,
            }
            try:
                result = gsm_place(net, products=product_ids, **inputs)
            except ValueError as exc:
                # Bad data of a group never stops the company's other products.
                _logger.warning(
                    "Network placement of %s products of %s skipped: %s",
                    len(product_ids),
                    company.name,
                    exc,
                )
                stats["skipped"] += len(product_ids)
                continue
            placed = result.nodes.set_index(["product", "node"])
            by_key = sub.set_index(["product_id", "node"])
            for product_id in product_ids:
                one = {k: v.loc[product_id].to_dict() for k, v in inputs.items()}
                indep = gsm_cost(net, 0.0, **one).nodes.set_index("node")
                for seq, node in enumerate(net.topological_order()):
                    r = placed.loc[(product_id, node)]
                    i = indep.loc[node]
                    plan = by_key.loc[(product_id, node)]
                    vals.append(
                        {
                            "company_id": company.id,
                            "product_id": int(product_id),
                            "warehouse_id": wh_of[node],
                            "segment_id": int(plan.segment_id),
                            "profile_id": int(plan["id"]),
                            "sequence": seq,
                            "date": today,
                            "inbound_service_time": int(r.inbound_service_time),
                            "outbound_service_time": int(r.outbound_service_time),
                            "net_replenishment_time": int(r.net_replenishment_time),
                            "net_demand_mean": float(r.net_demand_mean),
                            "net_demand_sigma": float(r.net_demand_sigma),
                            "safety_stock": float(r.safety_stock),
                            "base_stock": float(r.base_stock),
                            "holds_stock": bool(r.holds_stock),
                            "independent_safety_stock": float(i.safety_stock),
                            "holding_cost_rate": float(r.holding_cost_rate),
                            "placed_cost": float(r.safety_stock_cost),
                            "independent_cost": float(i.safety_stock_cost),
                            "saving": float(i.safety_stock_cost - r.safety_stock_cost),
                            "safety_stock_value": float(r.safety_stock) * float(plan.cost),
                            "independent_value": float(i.safety_stock) * float(plan.cost),
                        }
                    )
        placements = self.sudo().create(vals)
        stats["placed"] = len(placements)
        plans = rows.set_index("id")
        suppliers = {a.warehouse_id.id: a.supplier_wh_id for a in network.arc_ids}
        stats["proposals"] = placements._propose(plans, suppliers)
        stats["exceptions"] = placements._sync_network_exceptions(plans, suppliers)
        stats["transfers"] = self.env["stock.network.distribution"]._plan_push(
            company, groups, rows, placements, wh_of
        )
        return stats

    def _sync_network_exceptions(self, plans, suppliers):
        """The network's exceptions of the placed plans: a resupplied warehouse whose
        reorder rule's min is below the stock needed for the time its supplier warehouse
        guarantees (its service time plus transit), and a placement whose yearly saving
        reaches the threshold but waits for approval."""
        threshold = float(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("stock_segment_network.saving_threshold", "100")
        )
        yearly = {}
        for placement in self:
            key = placement.product_id.id
            yearly[key] = yearly.get(key, 0.0) + 365.0 * placement.saving
        found = {}
        for placement in self:
            plan = plans.loc[placement.profile_id.id]
            base = {
                "product_id": placement.product_id.id,
                "warehouse_id": placement.warehouse_id.id,
                "segment_id": placement.segment_id.id,
                "company_id": placement.company_id.id,
            }
            supplier = suppliers.get(placement.warehouse_id.id)
            op = placement.profile_id.orderpoint_id
            current_min = op.product_min_qty if op and op.active else 0.0
            # A pushed warehouse has no rule: the distribution plan resupplies it.
            pushed = bool(plan.network_push)
            if supplier and not pushed and current_min < placement.base_stock - 1.0:
                found[(placement.profile_id.id, "network_inconsistent")] = dict(
                    base,
                    severity="high",
                    message=self.env._(
                        "The reorder rule's min (%(min).1f) is below the %(base).1f units "
                        "needed while %(supplier)s delivers within %(si)s days (its service "
                        "time plus transit).",
                        min=current_min,
                        base=placement.base_stock,
                        supplier=supplier.display_name,
                        si=placement.inbound_service_time,
                    ),
                    financial_impact=float(plan.cost or 0.0) * (placement.base_stock - current_min),
                )
            saving = yearly[placement.product_id.id]
            if placement.proposal_id.state == "pending" and saving >= threshold and saving > 0:
                found[(placement.profile_id.id, "network_saving_unapplied")] = dict(
                    base,
                    severity="medium",
                    message=self.env._(
                        "The network placement saves %(saving).2f a year of safety-stock "
                        "holding cost for this product; its proposal waits for approval.",
                        saving=saving,
                    ),
                    financial_impact=saving,
                )
        created, updated, resolved = self.env["stock.planning.exception"]._sync_exceptions(
            "network",
            [key for key, _label in NETWORK_EXCEPTION_TYPES],
            self.profile_id.ids,
            found,
        )
        return created + updated

    @staticmethod
    def _sub_network(arcs, prows):
        """The arcs between warehouses where the product has a plan, leaves without
        demand pruned (a warehouse that sells nothing of the product and resupplies no
        one needs no stock of it)."""
        nodes = set(prows.node)
        demand = set(prows.node[(prows.mu > 0) | (prows.sd > 0)])
        kept = [a for a in arcs if a[0] in nodes and a[1] in nodes]
        while True:
            ups = {a[0] for a in kept}
            drop = {a[1] for a in kept if a[1] not in ups and a[1] not in demand}
            if not drop:
                return kept
            kept = [a for a in kept if a[1] not in drop]

    def _propose(self, plans, suppliers=None):
        """A pending proposal per node whose placed min / max differ from its reorder
        rule: min = base stock (rounded up), max = min + the plan's order quantity.
        Pending proposals of the same plans are superseded."""
        if not self:
            return 0
        Proposal = self.env["stock.replenishment.proposal"]
        profiles = self.profile_id
        job_user = self.env.ref("base.user_root").id
        creates, targets = [], []
        for placement in self:
            profile = placement.profile_id
            plan = plans.loc[profile.id]
            band = max(0.0, (plan.max_qty or 0.0) - (plan.reorder_point_qty or 0.0))
            new_min = float(math.ceil(placement.base_stock - 1e-9))
            new_max = new_min + float(math.ceil(band - 1e-9))
            op = profile.orderpoint_id
            old_min = op.product_min_qty if op else 0.0
            old_max = op.product_max_qty if op else 0.0
            push = bool(plan.network_push) and placement.warehouse_id.id in (suppliers or {})
            if push:
                # A pushed warehouse is resupplied by the distribution plan: its rule
                # is proposed for archiving, never created.
                if not op or not op.active:
                    continue
                new_min = new_max = 0.0
            if (
                op
                and op.active
                and not push
                and abs(old_min - new_min) < 0.01
                and abs(old_max - new_max) < 0.01
            ):
                continue
            values = Proposal._rule_change_values(
                profile,
                new_min,
                new_max,
                float(plan.cost or 0.0),
                action="archive" if push else None,
            )
            creates.append(
                {
                    **values,
                    "reason": "network",
                    "reason_detail": self.env._(
                        "Network placement: service time in %(si)s, out %(so)s days; safety "
                        "stock %(ss).1f (independent plans: %(ind).1f).",
                        si=placement.inbound_service_time,
                        so=placement.outbound_service_time,
                        ss=placement.safety_stock,
                        ind=placement.independent_safety_stock,
                    ),
                    "proposed_by_id": job_user,
                }
            )
            targets.append(placement)
        proposals = Proposal._propose_in_place_of_pending(creates, profiles=profiles)
        if not proposals:
            return 0
        # One UPDATE for the links, not one per placement at the next flush.
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE stock_network_placement p SET proposal_id = v.proposal "
                "FROM (VALUES %s) AS v(id, proposal) WHERE p.id = v.id",
                SQL(", ").join(
                    SQL("(%s, %s)", placement.id, proposal.id)
                    for placement, proposal in zip(targets, proposals, strict=True)
                ),
            )
        )
        self.invalidate_recordset(["proposal_id"])
        return len(proposals)
