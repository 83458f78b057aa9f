from datetime import timedelta

import numpy as np
from odoo import api, fields, models

from invplan import execution

# Weeks of counts the record accuracy of a segment is measured on.
ACCURACY_DAYS = 91


class StockCountResult(models.Model):
    """One applied inventory count: what the record said, what was counted, whether it
    was within the segment's tolerance and the value of the adjustment."""

    _name = "stock.count.result"
    _description = "Inventory Count Result"
    _order = "date desc, id desc"
    _check_company_auto = True

    date = fields.Date(required=True, readonly=True, index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one(
        "product.product", required=True, readonly=True, index=True, ondelete="cascade"
    )
    location_id = fields.Many2one(
        "stock.location", required=True, readonly=True, index=True, ondelete="cascade"
    )
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True, index=True)
    segment_id = fields.Many2one("stock.segment", readonly=True, index=True)
    user_id = fields.Many2one("res.users", "Counted By", readonly=True)
    system_qty = fields.Float("On Record", readonly=True, digits="Product Unit")
    counted_qty = fields.Float("Counted", readonly=True, digits="Product Unit")
    adjustment_qty = fields.Float("Adjustment", readonly=True, digits="Product Unit")
    unit_cost = fields.Float(readonly=True, digits="Product Price")
    adjustment_value = fields.Monetary(readonly=True)
    abs_adjustment_value = fields.Monetary("Absolute Adjustment Value", readonly=True)
    within_tolerance = fields.Boolean(readonly=True)
    accuracy_pct = fields.Float(
        "Record Accuracy (%)",
        readonly=True,
        aggregator="avg",
        help="100 for a count within tolerance, 0 otherwise: its average over counts is "
        "the inventory record accuracy.",
    )

    @api.model
    def _record_counts(self, rows):
        """Store counts ``rows`` = [(quant, system qty, counted qty)] with the engine's
        verdict (:func:`invplan.execution.record_accuracy`) under each product's
        segment tolerances."""
        if not rows:
            return self.browse()
        quants = self.env["stock.quant"].browse([row[0].id for row in rows])
        plans = quants._cycle_count_plans()
        segments = []
        for quant in quants:
            plan = plans.get((quant.product_id.id, quant.location_id.warehouse_id.id))
            segments.append(plan.segment_id if plan else self.env["stock.segment"])
        costs = [q.product_id.with_company(q.company_id).standard_price for q in quants]
        result = execution.record_accuracy(
            np.array([row[1] for row in rows], dtype=float),
            np.array([row[2] for row in rows], dtype=float),
            abs_tolerance=np.array([s.count_abs_tolerance for s in segments], dtype=float),
            pct_tolerance=np.array([s.count_pct_tolerance / 100.0 for s in segments], dtype=float),
            unit_cost=np.array(costs, dtype=float),
        )
        today = fields.Date.context_today(self)
        vals = []
        for i, (quant, system, counted) in enumerate(rows):
            if not result.valid[i]:
                continue
            vals.append(
                {
                    "date": today,
                    "company_id": quant.company_id.id or self.env.company.id,
                    "product_id": quant.product_id.id,
                    "location_id": quant.location_id.id,
                    "warehouse_id": quant.location_id.warehouse_id.id,
                    "segment_id": segments[i].id,
                    "user_id": self.env.user.id,
                    "system_qty": system,
                    "counted_qty": counted,
                    "unit_cost": costs[i],
                    "adjustment_qty": float(result.adjustment_qty[i]),
                    "adjustment_value": float(result.adjustment_value[i]),
                    "abs_adjustment_value": abs(float(result.adjustment_value[i])),
                    "within_tolerance": bool(result.within[i]),
                    "accuracy_pct": 100.0 if result.within[i] else 0.0,
                }
            )
        return self.sudo().create(vals)

    @api.model
    def _check_accuracy(self, company, day):
        """Raise an exception for each segment whose record accuracy over the last 13
        weeks is below its target (engine :func:`invplan.execution.record_accuracy` per
        segment); resolve those that recovered. Returns the counters."""
        date_from = day - timedelta(days=ACCURACY_DAYS)
        counts = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("date", ">=", date_from),
                ("segment_id", "!=", False),
            ]
        )
        segments = counts.segment_id
        index = {seg.id: k for k, seg in enumerate(segments)}
        below = {}
        if counts:
            result = execution.record_accuracy(
                np.array(counts.mapped("system_qty"), dtype=float),
                np.array(counts.mapped("counted_qty"), dtype=float),
                abs_tolerance=np.array(
                    [c.segment_id.count_abs_tolerance for c in counts], dtype=float
                ),
                pct_tolerance=np.array(
                    [c.segment_id.count_pct_tolerance / 100.0 for c in counts], dtype=float
                ),
                unit_cost=np.array(counts.mapped("unit_cost"), dtype=float),
                group=np.array([index[c.segment_id.id] for c in counts]),
                n_groups=len(segments),
            )
            for seg in segments:
                k = index[seg.id]
                if result.n_valid[k] and result.accuracy[k] * 100.0 < seg.record_accuracy_target:
                    below[seg.id] = (
                        float(result.accuracy[k]) * 100.0,
                        int(result.n_valid[k]),
                        float(result.abs_adjustment_value[k]),
                    )
        Exception_ = self.env["stock.planning.exception"].sudo()
        open_excs = Exception_.search(
            [
                ("company_id", "=", company.id),
                ("source", "=", "execution"),
                ("exception_type", "=", "count_accuracy"),
                ("state", "in", ("new", "in_progress")),
            ]
        )
        by_segment = {exc.segment_id.id: exc for exc in open_excs}
        created = 0
        for seg_id, (accuracy, n, value) in below.items():
            segment = self.env["stock.segment"].browse(seg_id)
            message = self.env._(
                "Record accuracy of segment %(segment)s is %(accuracy).1f%% over the last "
                "%(n)s counts (target %(target).1f%%); adjustments worth %(value).2f.",
                segment=segment.display_name,
                accuracy=accuracy,
                n=n,
                target=segment.record_accuracy_target,
                value=value,
            )
            exc = by_segment.pop(seg_id, None)
            if exc:
                if exc.message != message:
                    exc.write({"message": message, "financial_impact": value})
                continue
            Exception_.with_context(mail_create_nolog=True).create(
                {
                    "exception_type": "count_accuracy",
                    "source": "execution",
                    "severity": "high"
                    if accuracy < segment.record_accuracy_target - 10
                    else "medium",
                    "segment_id": seg_id,
                    "company_id": company.id,
                    "message": message,
                    "financial_impact": value,
                }
            )
            created += 1
        for exc in by_segment.values():
            exc.write(
                {"state": "done", "date_resolved": fields.Datetime.now(), "resolved_by_job": True}
            )
        return {"alerts": created}
