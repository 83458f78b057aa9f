from odoo import fields, models
from odoo.tools import SQL

from .review_calendar import EPOCH

TRIGGERS = [("auto", "Auto"), ("manual", "Manual")]


class StockSegment(models.Model):
    _inherit = "stock.segment"

    orderpoint_trigger = fields.Selection(
        TRIGGERS,
        "Reorder Rule Trigger",
        default="auto",
        required=True,
        help="Auto: Odoo's scheduler orders when the forecast falls below the minimum. "
        "Manual: the buyer orders from the Replenishment screen. Periodic-review segments "
        "are switched to manual (and snoozed) on the days that are not review days.",
    )
    review_anchor_date = fields.Date(
        "First Review Day",
        default=EPOCH,
        help="Periodic review: reviews fall on this day and every Review Period days after.",
    )

    implied_fill_rate = fields.Float(
        "Implied Fill Rate (%)",
        compute="_compute_implied_service",
        digits=(16, 1),
        help="Cost-based segments: the fill rate the stockout cost buys, over the "
        "segment's planned items (expected fill rate of each plan, weighted by its "
        "demand). Change the stockout cost to move it.",
    )
    implied_cycle_service = fields.Float(
        "Implied Cycle Service (%)",
        compute="_compute_implied_service",
        digits=(16, 1),
        help="Cost-based segments: the share of replenishment cycles without a "
        "stockout that the stockout cost buys, weighted by demand.",
    )

    implied_service_known = fields.Boolean(
        compute="_compute_implied_service",
        help="Technical: the segment has planned items with demand to weigh.",
    )

    def _compute_implied_service(self):
        """Demand-weighted means of the plans' expected fill rate and cycle service, in
        one query for the segments with a stockout cost."""
        costed = self.filtered(lambda s: s.id and s.stockout_cost > 0)
        found = {}
        if costed:
            self.env["stock.planning.profile"].flush_model()
            self.env.cr.execute(
                SQL(
                    """
                SELECT segment_id,
                       SUM(expected_fill_rate * avg_daily_demand) / NULLIF(SUM(avg_daily_demand), 0),
                       SUM(cycle_service_level * avg_daily_demand) / NULLIF(SUM(avg_daily_demand), 0)
                  FROM stock_planning_profile
                 WHERE segment_id = ANY(%s) AND active AND policy_status = 'ok'
                   AND avg_daily_demand > 0
              GROUP BY segment_id
                """,
                    costed.ids,
                )
            )
            found = {sid: (fill, csl) for sid, fill, csl in self.env.cr.fetchall()}
        for segment in self:
            fill, csl = found.get(segment.id, (None, None))
            # No planned item with demand: no data, not 0 %.
            segment.implied_fill_rate = 100.0 * fill if fill is not None else False
            segment.implied_cycle_service = 100.0 * csl if csl is not None else False
            segment.implied_service_known = fill is not None
