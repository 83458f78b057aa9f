import logging

from odoo import fields, models

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    customer_tier_id = fields.Many2one(
        "stock.customer.tier",
        related="partner_id.commercial_partner_id.customer_tier_id",
        help="The customer's tier: its promised lead time and allocation priority.",
    )

    promise_sla_missed = fields.Boolean(
        "SLA Missed",
        compute="_compute_promise_sla_missed",
        help="A line's promised date is later than the customer tier's promised lead time.",
    )

    def _compute_promise_sla_missed(self):
        for order in self:
            order.promise_sla_missed = any(order.order_line.mapped("promise_sla_missed"))

    def action_promise_dates(self):
        """Compute the promised date of every line (available to promise by tier)."""
        self.order_line._promise_dates()
        return True

    def action_confirm(self):
        """Confirm, then promise the lines; a promise that cannot be computed never
        blocks the confirmation (the lines keep no date and "Promise Dates" retries)."""
        result = super().action_confirm()
        try:
            with self.env.cr.savepoint():
                self.order_line._promise_dates()
        except (ValueError, TypeError, ArithmeticError) as error:
            _logger.warning("Promised dates of %s not computed: %s", self.ids, error)
        return result
