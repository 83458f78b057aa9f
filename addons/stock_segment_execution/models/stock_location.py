from odoo import fields, models


class StockLocation(models.Model):
    _inherit = "stock.location"

    slotting_forward = fields.Boolean(
        "Forward Pick Location",
        help="A golden-zone location close to the pick front: the slotting proposes to "
        "store the fastest-moving products here (through putaway rules).",
    )
    slotting_capacity = fields.Float(
        "Forward Capacity (m³)",
        digits=(16, 3),
        help="Volume this forward location holds; the slotting fills it with the products "
        "of lowest cube-per-order index (their weekly quantity times unit volume).",
    )

    _slotting_capacity_positive = models.Constraint(
        "CHECK (slotting_capacity >= 0)", "A forward capacity cannot be negative."
    )
