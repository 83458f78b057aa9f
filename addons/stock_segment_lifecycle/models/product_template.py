from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    successor_product_id = fields.Many2one(
        "product.product",
        help="Product that takes over the demand when this one is phased out.",
    )
    supply_end_date = fields.Date(
        help="Last date the product can be bought (supplier discontinuation); the "
        "last-time buy covers demand after it.",
    )
    service_end_date = fields.Date(
        help="End of the service life: demand is expected until this date.",
    )
