from odoo import api, fields, models
from odoo.addons.stock_segment.models.product_template import LIFECYCLE_STAGES


class StockLifecyclePolicy(models.Model):
    """What a lifecycle stage does to replenishment; the nightly policy job applies it."""

    _name = "stock.lifecycle.policy"
    _description = "Lifecycle Stage Policy"
    _order = "company_id, lifecycle_stage"

    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, required=True)
    company_id = fields.Many2one(
        "res.company", help="Leave empty for a policy every company uses unless it has its own."
    )
    active = fields.Boolean(default=True)
    demand_factor = fields.Float(
        default=1.0,
        digits=(16, 3),
        help="Share of the forecast the policy plans for (damped demand): below 1 lowers "
        "safety stock and order quantity.",
    )
    service_level_cap = fields.Float(
        "Service Target Cap (%)",
        help="Upper limit of the service target in this stage; 0 keeps the segment's.",
    )
    block_purchases = fields.Boolean(
        help="No new purchases: the reorder rule is archived and stock runs out by the "
        "run-out plan (phase-out).",
    )
    flag_purchase_lines = fields.Boolean(
        "Flag Open Purchase Lines",
        help="Open purchase order lines of products in this stage are flagged for review.",
    )
    disposal_review = fields.Boolean(
        help="Stock on hand in this stage raises a disposal review for the planner."
    )
    note = fields.Text()

    _stage_company_unique = models.Constraint(
        "UNIQUE NULLS NOT DISTINCT (lifecycle_stage, company_id)",
        "One policy per stage and company.",
    )
    _factor_positive = models.Constraint(
        "CHECK (demand_factor >= 0)", "The demand factor cannot be negative."
    )

    @api.model
    def _policies_for(self, company):
        """stage -> policy values for ``company`` (its own policy first, else shared)."""
        out = {}
        for policy in self.sudo().search(
            [("company_id", "in", [company.id, False])], order="company_id nulls first"
        ):
            out[policy.lifecycle_stage] = {
                "demand_factor": policy.demand_factor,
                "service_cap": policy.service_level_cap / 100.0,
                "block_purchases": policy.block_purchases,
                "flag_purchase_lines": policy.flag_purchase_lines,
                "disposal_review": policy.disposal_review,
            }
        return out
