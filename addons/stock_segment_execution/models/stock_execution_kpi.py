from datetime import timedelta

import numpy as np
from odoo import api, fields, models
from odoo.tools import SQL

from invplan import execution

# Days of orders, deliveries and counts a snapshot measures.
KPI_DAYS = 91


class StockExecutionKpi(models.Model):
    """Execution KPIs of one customer tier and product segment, over the 13 weeks before
    the snapshot date: fill rate and on time against the promised date, the share of
    delivery moves that shipped, allocation overrides and count accuracy."""

    _name = "stock.execution.kpi"
    _description = "Execution KPIs by Tier and Segment"
    _order = "date desc, tier_id, segment_id"

    date = fields.Date(required=True, readonly=True, index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    tier_id = fields.Many2one("stock.customer.tier", readonly=True, index=True)
    segment_id = fields.Many2one("stock.segment", readonly=True, index=True)
    lines = fields.Integer("Order Lines", readonly=True, help="Promised sale order lines.")
    ordered_qty = fields.Float(readonly=True, digits="Product Unit")
    shipped_qty = fields.Float(readonly=True, digits="Product Unit")
    fill_rate = fields.Float(
        "Fill Rate (%)", readonly=True, aggregator="avg", help="Shipped over ordered quantity."
    )
    on_time_rate = fields.Float(
        "On Time (%)",
        readonly=True,
        aggregator="avg",
        help="Share of lines shipped no later than their promised date.",
    )
    otif_rate = fields.Float(
        "On Time in Full (%)",
        readonly=True,
        aggregator="avg",
        help="Share of lines shipped complete by their promised date.",
    )
    moves_done = fields.Integer("Deliveries Shipped", readonly=True)
    moves_cancelled = fields.Integer("Deliveries Cancelled", readonly=True)
    conversion_rate = fields.Float(
        "Reservation to Shipment (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the delivery moves closed in the period that shipped rather than "
        "being cancelled.",
    )
    overrides = fields.Integer(
        "Allocation Overrides",
        readonly=True,
        help="Shortage allocation lines given more than proposed by a buyer's override.",
    )
    counts = fields.Integer(readonly=True, help="Counts applied in the period.")
    count_accuracy = fields.Float(
        "Count Accuracy (%)",
        readonly=True,
        aggregator="avg",
        help="Share of counts within the segment's tolerance (segment rows without tier).",
    )

    def action_refresh(self):
        """Button of the list (any selection): today's snapshot of the current company."""
        self.sudo()._run_kpi(companies=self.env.company)
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    @api.model
    def _run_kpi(self, companies=None, day=None):
        """Replace the snapshot of ``day`` for each company (engine
        :func:`invplan.execution.fill_and_on_time` and
        :func:`invplan.execution.record_accuracy`). Returns {company id: counters}."""
        day = day or fields.Date.context_today(self)
        results = {}
        for company in companies or self.env["res.company"].search([("active", "=", True)]):
            self.sudo().search([("company_id", "=", company.id), ("date", "=", day)]).unlink()
            rows = self._kpi_rows(company, day)
            self.sudo().create(list(rows.values()))
            results[company.id] = {"pairs": len(rows), "failed": 0, "rows": len(rows)}
        return results

    @api.model
    def _kpi_rows(self, company, day):
        date_from = day - timedelta(days=KPI_DAYS)
        rows = {}

        def row(tier_id, segment_id):
            key = (tier_id or False, segment_id or False)
            if key not in rows:
                rows[key] = {
                    "date": day,
                    "company_id": company.id,
                    "tier_id": key[0],
                    "segment_id": key[1],
                }
            return rows[key]

        self.env.flush_all()
        # Promised lines: ordered, shipped, promised and last shipping day per line.
        self.env.cr.execute(
            SQL(
                """
            SELECT cp.customer_tier_id, pr.segment_id, sol.promised_date,
                   sol.product_uom_qty, sol.qty_delivered,
                   (SELECT MAX(m.date)::date FROM stock_move m
                     WHERE m.sale_line_id = sol.id AND m.state = 'done')
              FROM sale_order_line sol
              JOIN sale_order so ON so.id = sol.order_id
              JOIN res_partner rp ON rp.id = so.partner_id
              JOIN res_partner cp ON cp.id = COALESCE(rp.commercial_partner_id, rp.id)
         LEFT JOIN stock_planning_profile pr
                ON pr.product_id = sol.product_id AND pr.warehouse_id = so.warehouse_id
             WHERE so.company_id = %(company)s AND so.state = 'sale'
               AND sol.promised_date IS NOT NULL
               AND so.date_order >= %(date_from)s AND so.date_order < %(date_to)s
                """,
                company=company.id,
                date_from=date_from,
                date_to=day + timedelta(days=1),
            )
        )
        lines = self.env.cr.fetchall()
        if lines:
            keys = sorted({(t or 0, s or 0) for t, s, *_rest in lines})
            code = {key: k for k, key in enumerate(keys)}
            result = execution.fill_and_on_time(
                np.array([r[2].toordinal() for r in lines], dtype=float),
                np.array([r[5].toordinal() if r[5] else np.nan for r in lines], dtype=float),
                np.array([float(r[3] or 0.0) for r in lines]),
                np.array([float(r[4] or 0.0) for r in lines]),
                group=np.array([code[(r[0] or 0, r[1] or 0)] for r in lines]),
                n_groups=len(keys),
            )
            ordered, shipped = {}, {}
            for r in lines:
                key = (r[0] or 0, r[1] or 0)
                ordered[key] = ordered.get(key, 0.0) + float(r[3] or 0.0)
                shipped[key] = shipped.get(key, 0.0) + min(float(r[4] or 0.0), float(r[3] or 0.0))
            for key, k in code.items():
                row(*key).update(
                    {
                        "lines": int(result.n_lines[k]),
                        "ordered_qty": ordered[key],
                        "shipped_qty": shipped[key],
                        "fill_rate": float(result.fill_rate[k]) * 100.0,
                        "on_time_rate": float(result.on_time_rate[k]) * 100.0,
                        "otif_rate": float(result.otif_rate[k]) * 100.0,
                    }
                )
        # Delivery moves closed in the period: shipped or cancelled.
        self.env.cr.execute(
            SQL(
                """
            SELECT cp.customer_tier_id, pr.segment_id,
                   COUNT(*) FILTER (WHERE m.state = 'done'),
                   COUNT(*) FILTER (WHERE m.state = 'cancel')
              FROM stock_move m
              JOIN stock_location src ON src.id = m.location_id
              JOIN stock_location dst ON dst.id = m.location_dest_id
              JOIN stock_picking pk ON pk.id = m.picking_id
              JOIN res_partner rp ON rp.id = pk.partner_id
              JOIN res_partner cp ON cp.id = COALESCE(rp.commercial_partner_id, rp.id)
         LEFT JOIN stock_planning_profile pr
                ON pr.product_id = m.product_id AND pr.warehouse_id = src.warehouse_id
             WHERE m.company_id = %(company)s AND m.state IN ('done', 'cancel')
               AND src.usage = 'internal' AND dst.usage = 'customer'
               AND m.write_date >= %(date_from)s AND m.write_date < %(date_to)s
          GROUP BY 1, 2
                """,
                company=company.id,
                date_from=date_from,
                date_to=day + timedelta(days=1),
            )
        )
        for tier_id, segment_id, done, cancelled in self.env.cr.fetchall():
            total = done + cancelled
            row(tier_id, segment_id).update(
                {
                    "moves_done": done,
                    "moves_cancelled": cancelled,
                    "conversion_rate": 100.0 * done / total if total else 0.0,
                }
            )
        # Overrides: allocation lines given more than proposed.
        overridden = (
            self.env["stock.shortage.allocation.line"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("allocation_id.state", "in", ("to_approve", "applied")),
                    ("allocation_id.create_date", ">=", date_from),
                ]
            )
            .filtered(lambda line: line.allocated_qty > line.proposed_qty)
        )
        for line in overridden:
            values = row(line.tier_id.id, line.allocation_id.segment_id.id)
            values["overrides"] = values.get("overrides", 0) + 1
        # Count accuracy per segment (rows without tier).
        counts = (
            self.env["stock.count.result"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("date", ">=", date_from),
                    ("segment_id", "!=", False),
                ]
            )
        )
        if counts:
            segments = counts.segment_id
            index = {seg.id: k for k, seg in enumerate(segments)}
            accuracy = execution.record_accuracy(
                np.array(counts.mapped("system_qty"), dtype=float),
                np.array(counts.mapped("counted_qty"), dtype=float),
                abs_tolerance=np.array([c.segment_id.count_abs_tolerance for c in counts]),
                pct_tolerance=np.array([c.segment_id.count_pct_tolerance / 100.0 for c in counts]),
                group=np.array([index[c.segment_id.id] for c in counts]),
                n_groups=len(segments),
            )
            for seg in segments:
                k = index[seg.id]
                row(False, seg.id).update(
                    {
                        "counts": int(accuracy.n_valid[k]),
                        "count_accuracy": float(accuracy.accuracy[k]) * 100.0,
                    }
                )
        return rows
