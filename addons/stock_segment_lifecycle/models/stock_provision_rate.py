from odoo import api, fields, models
from odoo.addons.stock_segment.models.product_template import LIFECYCLE_STAGES
from odoo.exceptions import UserError


class StockProvisionRate(models.Model):
    """One cell of the provision matrix: aging bucket x lifecycle stage -> rate."""

    _name = "stock.provision.rate"
    _description = "Obsolescence Provision Rate"
    _order = "company_id, bucket_id, lifecycle_stage"

    bucket_id = fields.Many2one("stock.aging.bucket", required=True, ondelete="cascade")
    lifecycle_stage = fields.Selection(
        LIFECYCLE_STAGES, help="Leave empty for the rate of every stage without its own."
    )
    rate = fields.Float("Rate (%)", required=True, help="Share of the stock value provided for.")
    company_id = fields.Many2one("res.company", help="Leave empty to share the rate.")

    _rate_range = models.Constraint(
        "CHECK (rate >= 0 AND rate <= 100)", "A provision rate lies between 0 and 100 %."
    )
    _cell_unique = models.Constraint(
        "UNIQUE NULLS NOT DISTINCT (bucket_id, lifecycle_stage, company_id)",
        "One rate per bucket, stage and company.",
    )

    @api.model
    def _rates_for(self, company, buckets, stages):
        """stage -> {bucket id (as text): rate as a fraction}; a cell without a rate of
        its own takes the bucket's rate for every stage, else it is left out (the engine
        then refuses to compute rather than provide nothing)."""
        cells = {}
        for rate in self.sudo().search(
            [("company_id", "in", [company.id, False]), ("bucket_id", "in", buckets.ids)],
            order="company_id nulls first",
        ):
            cells[(rate.bucket_id.id, rate.lifecycle_stage or False)] = rate.rate / 100.0
        out = {}
        for stage in stages:
            rates = {}
            for bucket in buckets:
                value = cells.get((bucket.id, stage or False), cells.get((bucket.id, False)))
                if value is not None:
                    rates[str(bucket.id)] = value
            out[stage] = rates
        return out

    @api.model
    def _missing_rate_error(self, error):
        return UserError(
            self.env._(
                "The provision matrix has no rate for an aging bucket that holds stock: "
                "add a rate for every bucket (with no stage for a default). %s",
                str(error),
            )
        )
