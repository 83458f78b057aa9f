from odoo import fields, models


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    lifecycle_flag = fields.Boolean(
        "Lifecycle Review",
        copy=False,
        help="Set by the planning job: the product is at the end of its life; check "
        "whether this open line is still needed.",
    )
    lifecycle_stage = fields.Selection(related="product_id.product_tmpl_id.lifecycle_stage")

    def action_clear_lifecycle_flag(self):
        self.write({"lifecycle_flag": False})
