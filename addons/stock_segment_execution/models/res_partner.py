from odoo import api, fields, models
from odoo.exceptions import AccessError

TIER_FIELDS = ("customer_tier_id", "customer_tier_locked")
TIER_GROUPS = ("stock_segment.group_planning_manager", "sales_team.group_sale_manager")


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

    def write(self, vals):
        """Only Planning Managers and Sales Managers set a customer's tier; a contact
        taking its company's tier (Odoo's commercial field sync) is always allowed."""
        if (
            not self.env.su
            and any(name in vals for name in TIER_FIELDS)
            and not any(self.env.user.has_group(group) for group in TIER_GROUPS)
            and not all(partner._is_tier_sync(vals) for partner in self)
        ):
            raise AccessError(
                self.env._("Only a Planning Manager or a Sales Manager sets a customer's tier.")
            )
        return super().write(vals)

    def _is_tier_sync(self, vals):
        """True when ``vals`` only copies the tier of the partner's company to it."""
        self.ensure_one()
        company = self.commercial_partner_id
        if company == self:
            return False
        if "customer_tier_id" in vals and (vals["customer_tier_id"] or False) != (
            company.customer_tier_id.id or False
        ):
            return False
        return not (
            "customer_tier_locked" in vals
            and bool(vals["customer_tier_locked"]) != company.customer_tier_locked
        )
