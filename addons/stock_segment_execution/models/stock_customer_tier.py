import math

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class StockCustomerTier(models.Model):
    """A customer tier: the service the company commits to a group of customers and the
    order in which they are served when stock is short."""

    _name = "stock.customer.tier"
    _description = "Customer Tier"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Short code shown in lists, e.g. STR.")
    sequence = fields.Integer(
        "Allocation Priority",
        default=10,
        help="Lower is served first: reservation order and shortage allocation follow it.",
    )
    active = fields.Boolean(default=True)
    color = fields.Integer(default=0)
    company_id = fields.Many2one(
        "res.company", help="Leave empty to share the tier between all companies."
    )
    description = fields.Text(translate=True)
    target_fill_rate = fields.Float(
        "Target Fill Rate (%)",
        default=95.0,
        help="Share of the ordered quantity the company commits to ship on time.",
    )
    promised_lead_days = fields.Integer(
        "Promised Lead Time (days)",
        default=5,
        help="The service level agreement: days from order to delivery the customer is "
        "promised. A sale order line whose promised date is later gets a warning.",
    )
    may_consume_protected = fields.Boolean(
        "May Consume Protected Stock",
        default=False,
        help="Below a product's critical level (the stock protected for the tiers that may "
        "consume it), only moves of these tiers are reserved; the others wait.",
    )
    star_pickings = fields.Boolean(
        "Starred Pickings",
        default=False,
        help="Deliveries of this tier get Odoo's picking priority (the star): they are "
        "reserved and picked first.",
    )
    revenue_share = fields.Float(
        "Revenue Share (%)",
        default=0.0,
        help="Classification: the customers making up this cumulative share of the "
        "12-month revenue (from the top, after the tiers with a lower priority) are "
        "proposed this tier. 0 on the last tier: everyone left.",
    )
    partner_count = fields.Integer("Customers", compute="_compute_partner_count")

    _code_company_uniq = models.Constraint(
        "unique (code, company_id)",
        "The tier code must be unique per company.",
    )
    _target_fill_rate_range = models.Constraint(
        "CHECK (target_fill_rate >= 0 AND target_fill_rate <= 100)",
        "The target fill rate is a percentage between 0 and 100.",
    )
    _promised_lead_days_positive = models.Constraint(
        "CHECK (promised_lead_days >= 0)",
        "The promised lead time cannot be negative.",
    )
    _revenue_share_range = models.Constraint(
        "CHECK (revenue_share >= 0 AND revenue_share <= 100)",
        "The revenue share is a percentage between 0 and 100.",
    )

    @api.constrains("revenue_share")
    def _check_revenue_share(self):
        for tier in self:
            share = tier.revenue_share
            if share is not None and (not math.isfinite(share) or not 0.0 <= share <= 100.0):
                raise ValidationError(
                    self.env._(
                        "Tier %(tier)s: the revenue share is the cumulative share of revenue "
                        "(in %%) of the customers proposed this tier; it must be between 0 "
                        "and 100 (0 on the last tier), not %(share)s.",
                        tier=tier.display_name,
                        share=share,
                    )
                )

    def _compute_partner_count(self):
        groups = self.env["res.partner"]._read_group(
            [("customer_tier_id", "in", self.ids)], ["customer_tier_id"], ["__count"]
        )
        counts = {tier.id: count for tier, count in groups}
        for tier in self:
            tier.partner_count = counts.get(tier.id, 0)

    @api.depends("code", "name")
    def _compute_display_name(self):
        for tier in self:
            tier.display_name = f"[{tier.code}] {tier.name}" if tier.code else tier.name

    def action_view_partners(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Customers of %s", self.name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("customer_tier_id", "=", self.id)],
        }
