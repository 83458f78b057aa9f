from odoo import fields, models

REPLENISHMENT_EXCEPTION_TYPES = [
    ("replenishment_data", "Replenishment data missing or invalid"),
    ("lead_time_drift", "Lead-time drift"),
    ("supplier_on_time", "Supplier on-time rate below threshold"),
    ("orderpoint_locked", "Reorder rule locked by a manual edit"),
    ("out_of_policy_purchase", "Out-of-policy purchase"),
]


class StockPlanningException(models.Model):
    _inherit = "stock.planning.exception"

    exception_type = fields.Selection(
        selection_add=REPLENISHMENT_EXCEPTION_TYPES,
        ondelete={key: "cascade" for key, _label in REPLENISHMENT_EXCEPTION_TYPES},
    )
