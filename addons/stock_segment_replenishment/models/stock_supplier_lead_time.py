from odoo import api, fields, models

LEAD_TIME_SOURCES = [
    ("history", "Receipt history"),
    ("fallback", "Vendor price list delay"),
    ("none", "No data"),
]


class StockSupplierLeadTime(models.Model):
    """Lead-time statistics of one vendor x product, from received purchase orders."""

    _name = "stock.supplier.lead.time"
    _description = "Supplier Lead-time Statistics"
    _order = "partner_id, product_id"
    _check_company_auto = True

    partner_id = fields.Many2one("res.partner", "Vendor", required=True, index=True)
    product_id = fields.Many2one(
        "product.product", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    receipt_count = fields.Integer(
        "Receipts", help="Received purchase order lines in the history window."
    )
    lead_time_mean = fields.Float(
        "Mean Lead Time (days)",
        digits=(16, 2),
        help="Mean days from order confirmation to receipt done.",
    )
    lead_time_std = fields.Float(
        "Lead-time Std. Dev. (days)", digits=(16, 2), help="Sample standard deviation."
    )
    on_time_rate = fields.Float(
        "On-time Rate (%)",
        digits=(16, 1),
        aggregator="avg",
        help="Share of receipts done on or before the promised (planned) date; empty (no "
        "data) without receipts, and then left out of averages.",
    )
    recent_mean = fields.Float(
        "Recent Mean (days)",
        digits=(16, 2),
        help="Mean of the most recent receipts; empty (no data) without receipts.",
    )
    on_time_display = fields.Char(
        "On Time",
        compute="_compute_on_time_display",
        help="On-time rate of the receipts, or no data when there is no receipt.",
    )
    drift = fields.Boolean(help="Recent receipts deviate from the long-run mean.")
    source = fields.Selection(LEAD_TIME_SOURCES, required=True, default="none")
    date_computed = fields.Date("Computed On")

    _vendor_product_uniq = models.Constraint(
        "unique (company_id, partner_id, product_id)",
        "One lead-time record per vendor, product and company.",
    )

    @api.depends("on_time_rate", "receipt_count")
    def _compute_on_time_display(self):
        for stat in self:
            stat.on_time_display = (
                f"{stat.on_time_rate:.1f} %" if stat.receipt_count else self.env._("no data")
            )
