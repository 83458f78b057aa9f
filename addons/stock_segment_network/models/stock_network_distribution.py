import logging
from datetime import datetime, time, timedelta

import numpy as np
from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from invplan.network import Network, drp_netting

_logger = logging.getLogger(__name__)

HORIZON_DAYS = 28
DISTRIBUTION_STATES = [
    ("pending", "Pending Approval"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
]
MANAGER_GROUP = "stock_segment.group_planning_manager"


class StockNetworkDistribution(models.Model):
    """A planned inter-warehouse transfer of a push segment (DRP), released by
    approval into Odoo's own resupply route."""

    _name = "stock.network.distribution"
    _description = "Distribution Proposal"
    _order = "date_release, product_id, warehouse_id"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    product_id = fields.Many2one("product.product", required=True, index=True, readonly=True)
    segment_id = fields.Many2one("stock.segment", index=True, readonly=True)
    supplier_wh_id = fields.Many2one("stock.warehouse", "Ship From", required=True, readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", "Ship To", required=True, readonly=True)
    date_release = fields.Date(
        "Ship On", readonly=True, help="Day the supplier warehouse ships (release)."
    )
    date_arrival = fields.Date("Arrives On", readonly=True)
    quantity = fields.Float(readonly=True, digits="Product Unit")
    state = fields.Selection(DISTRIBUTION_STATES, default="pending", readonly=True, index=True)
    approved_by_id = fields.Many2one("res.users", "Decided By", readonly=True)

    # ------------------------------------------------------------------ actions
    def _check_manager(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only a Planning Manager can approve or reject transfers.")
            )

    def action_approve(self):
        """Release the pending transfers through the resupply route of their
        warehouse: Odoo's rules create the transfer from the supplier warehouse."""
        self._check_manager()
        pending = self.filtered(lambda d: d.state == "pending").sudo()
        Rule = self.env["stock.rule"].sudo()
        routes = (
            self.env["stock.route"]
            .sudo()
            .search(
                [
                    ("supplied_wh_id", "in", pending.warehouse_id.ids),
                    ("supplier_wh_id", "in", pending.supplier_wh_id.ids),
                ]
            )
        )
        route_of = {(r.supplier_wh_id.id, r.supplied_wh_id.id): r for r in routes}
        procurements = []
        for d in pending:
            route = route_of.get((d.supplier_wh_id.id, d.warehouse_id.id))
            procurements.append(
                Rule.Procurement(
                    d.product_id,
                    d.quantity,
                    d.product_id.uom_id,
                    d.warehouse_id.lot_stock_id,
                    d.product_id.display_name,
                    self.env._("Distribution plan"),
                    d.company_id,
                    {
                        "warehouse_id": d.warehouse_id,
                        "route_ids": route,
                        "date_planned": datetime.combine(d.date_arrival, time(12)),
                    },
                )
            )
        if procurements:
            Rule.with_company(pending.company_id[:1]).run(procurements)
        pending.write({"state": "approved", "approved_by_id": self.env.user.id})
        return True

    def action_reject(self):
        self._check_manager()
        self.filtered(lambda d: d.state == "pending").sudo().write(
            {"state": "rejected", "approved_by_id": self.env.user.id}
        )
        return True

    # ------------------------------------------------------------------ job
    @api.model
    def _fetch_stock(self, company, product_ids, warehouse_ids, today, horizon):
        """On hand per (product, warehouse) and the open receipts per day of the
        horizon, in two queries."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                """
            SELECT q.product_id, l.warehouse_id, SUM(q.quantity)
              FROM stock_quant q JOIN stock_location l ON l.id = q.location_id
             WHERE q.company_id = %s AND l.usage = 'internal'
               AND q.product_id = ANY(%s) AND l.warehouse_id = ANY(%s)
          GROUP BY q.product_id, l.warehouse_id
                """,
                company.id,
                product_ids,
                warehouse_ids,
            )
        )
        on_hand = {(p, w): q for p, w, q in cr.fetchall()}
        cr.execute(
            SQL(
                """
            SELECT m.product_id, dst.warehouse_id,
                   GREATEST(0, LEAST(%s, (m.date::date - %s::date))), SUM(m.product_qty)
              FROM stock_move m
              JOIN stock_location dst ON dst.id = m.location_dest_id
              JOIN stock_location src ON src.id = m.location_id
             WHERE m.company_id = %s AND m.product_id = ANY(%s)
               AND m.state NOT IN ('draft', 'done', 'cancel')
               AND dst.warehouse_id = ANY(%s) AND dst.usage = 'internal'
               AND src.warehouse_id IS DISTINCT FROM dst.warehouse_id
          GROUP BY 1, 2, 3
                """,
                horizon - 1,
                today,
                company.id,
                product_ids,
                warehouse_ids,
            )
        )
        receipts = {}
        for p, w, t, q in cr.fetchall():
            receipts.setdefault((p, w), np.zeros(horizon))[int(t)] += q
        return on_hand, receipts

    @api.model
    def _plan_push(self, company, groups, rows, placements, wh_of, today=None):
        """DRP for the products of push segments (``placements``: the placement rows of
        the batch): time-phased transfers along the network's arcs, one ``drp_netting``
        call per sub-network, released from ``today`` (default: the planning day).
        Returns the number of pending transfers proposed (the previous pending ones were
        removed before the batches)."""
        push = set(rows.product_id[rows.network_push.fillna(False).astype(bool)])
        if not push:
            return 0
        today = today or self.env["stock.planning.run"]._planning_day()
        horizon = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("stock_segment_network.drp_horizon_days", HORIZON_DAYS)
        )
        ss = {(p["product_id"], p["warehouse_id"]): p["safety_stock"] for p in placements}
        on_hand, receipts = self._fetch_stock(
            company, [int(p) for p in push], list(wh_of.values()), today, horizon
        )
        by_key = rows.set_index(["product_id", "node"])
        vals = []
        for kept, product_ids in groups.items():
            ids = [p for p in product_ids if p in push]
            if not ids:
                continue
            net = Network(list(kept))
            try:
                net.check_distribution()
            except ValueError as exc:
                _logger.warning("DRP of %s skipped: %s", company.name, exc)
                continue

            def per_node(fn, ids=ids, net=net):
                return {n: np.array([fn(p, n) for p in ids], dtype=float) for n in net.nodes}

            def mu(p, n, by_key=by_key):
                return float(by_key.loc[(p, n)].mu) if (p, n) in by_key.index else 0.0

            forecast = {n: np.repeat(v[:, None], horizon, axis=1) for n, v in per_node(mu).items()}
            plan = drp_netting(
                net,
                forecast,
                on_hand=per_node(lambda p, n: max(0.0, on_hand.get((p, wh_of[n]), 0.0))),
                safety_stock=per_node(lambda p, n: ss.get((p, wh_of[n]), 0.0)),
                scheduled_receipts={
                    n: np.array([receipts.get((p, wh_of[n]), np.zeros(horizon)) for p in ids])
                    for n in net.nodes
                },
                # The roots' purchase plan is the replenishment's; the transfers do not
                # depend on the vendor lead time (the engine takes one per root only).
            )
            for arc in net.arcs:
                releases = plan.records[arc.downstream]["planned_releases"]
                for k, t in zip(*np.nonzero(releases > 1e-9), strict=True):
                    ship = today + timedelta(days=int(t))
                    seg = by_key.loc[(ids[k], arc.downstream)].segment_id
                    vals.append(
                        {
                            "company_id": company.id,
                            "product_id": int(ids[k]),
                            "segment_id": int(seg),
                            "supplier_wh_id": wh_of[arc.upstream],
                            "warehouse_id": wh_of[arc.downstream],
                            "date_release": ship,
                            "date_arrival": ship + timedelta(days=int(arc.lead_time)),
                            "quantity": float(np.ceil(releases[k, t] - 1e-9)),
                        }
                    )
        return len(self.sudo().create(vals))
