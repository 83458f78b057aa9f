from odoo import fields, models


class StockReplenishmentProposal(models.Model):
    _inherit = "stock.replenishment.proposal"

    reason = fields.Selection(
        selection_add=[("network", "Network placement")], ondelete={"network": "cascade"}
    )
