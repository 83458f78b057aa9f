from odoo import fields, models

EXECUTION_EXCEPTION_TYPES = [
    ("count_accuracy", "Inventory record accuracy below target"),
]


class StockPlanningException(models.Model):
    _inherit = "stock.planning.exception"

    exception_type = fields.Selection(
        selection_add=EXECUTION_EXCEPTION_TYPES,
        ondelete={key: "cascade" for key, _label in EXECUTION_EXCEPTION_TYPES},
    )
