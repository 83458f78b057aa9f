from odoo import api, fields, models
from odoo.exceptions import UserError


class StockAgingBucket(models.Model):
    """An age band of stock on hand (days since receipt, first in first out)."""

    _name = "stock.aging.bucket"
    _description = "Stock Aging Bucket"
    _order = "sequence, max_age_days, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    max_age_days = fields.Integer(
        "Up to (days)",
        required=True,
        help="Oldest age in days this bucket holds; 0 for the last, open-ended bucket "
        "(stock of unknown origin goes there too).",
    )
    company_id = fields.Many2one(
        "res.company", help="Leave empty to share the buckets between companies."
    )
    active = fields.Boolean(default=True)

    _max_age_positive = models.Constraint(
        "CHECK (max_age_days >= 0)", "A bucket's upper age cannot be negative."
    )

    @api.model
    def _buckets_for(self, company):
        """The company's own buckets, else the shared ones, youngest first, with the
        engine limits (the bounded buckets' upper ages)."""
        buckets = self.sudo().search([("company_id", "=", company.id)])
        if not buckets:
            buckets = self.sudo().search([("company_id", "=", False)])
        bounded = buckets.filtered(lambda b: b.max_age_days > 0).sorted("max_age_days")
        open_ended = buckets.filtered(lambda b: b.max_age_days == 0)
        if not bounded or len(open_ended) != 1:
            raise UserError(
                self.env._(
                    "Aging buckets of %s: define at least one bucket with an upper age and "
                    "exactly one open-ended bucket (upper age 0).",
                    company.name,
                )
            )
        limits = bounded.mapped("max_age_days")
        if len(set(limits)) != len(limits):
            raise UserError(self.env._("Two aging buckets have the same upper age."))
        return bounded + open_ended, limits
