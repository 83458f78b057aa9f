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
    analog_product_id = fields.Many2one(
        "product.product",
        "Reference Product",
        help="Analogous product: while this product is new and has too little demand "
        "history, its forecast is the reference's forecast at the same warehouse times "
        "the scale factor.",
    )
    analog_factor = fields.Float(
        "Reference Scale Factor",
        default=1.0,
        digits=(16, 3),
        help="Expected demand of this product relative to its reference product.",
    )

    _analog_factor_positive = models.Constraint(
        "CHECK (analog_factor >= 0)", "The reference scale factor cannot be negative."
    )
