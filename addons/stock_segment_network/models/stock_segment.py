from odoo import fields, models


class StockSegment(models.Model):
    _inherit = "stock.segment"

    network_placement = fields.Boolean(
        "Place Safety Stock across the Network",
        default=False,
        help="Plan the safety stock of this segment's products across the warehouses that "
        "resupply each other (guaranteed-service placement) instead of each warehouse "
        "alone. The placement proposes the reorder rules' min / max through the usual "
        "approval.",
    )
