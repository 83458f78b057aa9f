from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    customer_tier_id = fields.Many2one(
        "stock.customer.tier",
        tracking=True,
        index="btree_not_null",
        ondelete="restrict",
        help="Service commitment and allocation priority of this customer. Set on the "
        "company (commercial partner); its contacts and addresses follow it.",
    )
    customer_tier_locked = fields.Boolean(
        "Tier Set by Hand",
        tracking=True,
        help="The nightly classification proposes no other tier for this customer.",
    )
    customer_tier_proposal_ids = fields.One2many(
        "stock.customer.tier.proposal", "partner_id", "Tier Proposals"
    )

    @api.model
    def _commercial_fields(self):
        return [*super()._commercial_fields(), "customer_tier_id", "customer_tier_locked"]
