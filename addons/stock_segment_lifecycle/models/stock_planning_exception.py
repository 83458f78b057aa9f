from odoo import fields, models

LIFECYCLE_EXCEPTION_TYPES = [
    ("slow_moving", "Slow-moving stock review"),
    ("disposal_review", "Disposal review"),
    ("lifecycle_purchase", "Open purchase of an end-of-life product"),
]


class StockPlanningException(models.Model):
    _inherit = "stock.planning.exception"

    exception_type = fields.Selection(
        selection_add=LIFECYCLE_EXCEPTION_TYPES,
        ondelete={key: "cascade" for key, _label in LIFECYCLE_EXCEPTION_TYPES},
    )
