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
    network_push = fields.Boolean(
        "Push to Resupplied Warehouses (DRP)",
        default=False,
        help="Plan the warehouses resupplied from another by distribution requirements "
        "(time-phased transfers proposed for approval) instead of their reorder rules, "
        "which are proposed for archiving. Needs the network placement.",
    )
