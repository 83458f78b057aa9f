from odoo import fields, models
from odoo.addons.stock_segment.models.product_template import LIFECYCLE_STAGES


class StockProvisionProposalLine(models.Model):
    _name = "stock.provision.proposal.line"
    _description = "Obsolescence Provision Line"
    _order = "proposal_id, bucket_sequence, lifecycle_stage"

    proposal_id = fields.Many2one(
        "stock.provision.proposal", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="proposal_id.company_id", store=True)
    currency_id = fields.Many2one(related="proposal_id.currency_id")
    bucket_id = fields.Many2one("stock.aging.bucket", "Aging Bucket", required=True)
    bucket_sequence = fields.Integer()
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES)
    quantity = fields.Float(digits="Product Unit")
    value = fields.Monetary("Value Basis", currency_field="currency_id")
    rate = fields.Float("Rate (%)", digits=(16, 2))
    amount = fields.Monetary("Provision", currency_field="currency_id")
