from odoo import fields, models
from odoo.addons.stock_segment.models.product_template import LIFECYCLE_STAGES


class StockAgingReport(models.Model):
    """Stock on hand per product x warehouse x aging bucket, as of the last aging run."""

    _name = "stock.aging.report"
    _description = "Stock Aging"
    _order = "snapshot_date desc, warehouse_id, product_id, bucket_sequence"
    _check_company_auto = True

    snapshot_date = fields.Date("As of", required=True, index=True, readonly=True)
    profile_id = fields.Many2one(
        "stock.planning.profile", "Plan", index=True, ondelete="cascade", readonly=True
    )
    product_id = fields.Many2one(
        "product.product", required=True, index=True, ondelete="cascade", readonly=True
    )
    categ_id = fields.Many2one("product.category", "Product Category", readonly=True)
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, index=True, ondelete="cascade", readonly=True
    )
    segment_id = fields.Many2one("stock.segment", index=True, ondelete="set null", readonly=True)
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, readonly=True)
    bucket_id = fields.Many2one(
        "stock.aging.bucket", "Aging Bucket", required=True, ondelete="cascade", readonly=True
    )
    bucket_sequence = fields.Integer(readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    quantity = fields.Float(digits="Product Unit", readonly=True, aggregator="sum")
    unit_cost = fields.Float(digits="Product Price", readonly=True, aggregator="avg")
    value = fields.Monetary(currency_field="currency_id", readonly=True, aggregator="sum")
    unknown_origin = fields.Boolean(
        readonly=True,
        help="Quantity on hand that no receipt explains (opening stock, adjustments): "
        "reported in the oldest bucket.",
    )

    def action_export_xlsx(self):
        return self.env["stock.aging.export"].create({})._export(self)
