from datetime import date

from odoo import fields, models

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
        default=date(2025, 1, 6),
        help="Periodic review: reviews fall on this day and every Review Period days after.",
    )

    def _is_review_day(self, day):
        """True when ``day`` is a review day of this periodic-review segment."""
        self.ensure_one()
        period = max(self.review_period_days or 1, 1)
        anchor = self.review_anchor_date or date(2025, 1, 6)
        return (day - anchor).days % period == 0
