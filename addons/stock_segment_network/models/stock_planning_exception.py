from odoo import fields, models

NETWORK_EXCEPTION_TYPES = [
    ("network_inconsistent", "Plan inconsistent with its supplier warehouse"),
    ("network_saving_unapplied", "Network placement saving not applied"),
]


class StockPlanningException(models.Model):
    _inherit = "stock.planning.exception"

    exception_type = fields.Selection(
        selection_add=NETWORK_EXCEPTION_TYPES,
        ondelete={key: "cascade" for key, _label in NETWORK_EXCEPTION_TYPES},
    )
