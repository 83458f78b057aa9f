from odoo import fields, models

AUDIT_ACTIONS = [
    ("create", "Reorder rule created"),
    ("update", "Reorder rule updated"),
    ("archive", "Reorder rule archived"),
    ("rollback", "Rolled back"),
]


class StockReplenishmentAudit(models.Model):
    """One applied change of a reorder rule: what it was, what it became, who and why."""

    _name = "stock.replenishment.audit"
    _description = "Reorder Rule Change Audit"
    _order = "date desc, id desc"
    _check_company_auto = True

    proposal_id = fields.Many2one(
        "stock.replenishment.proposal", index=True, ondelete="set null", check_company=True
    )
    orderpoint_id = fields.Many2one(
        "stock.warehouse.orderpoint",
        "Reorder Rule",
        index=True,
        ondelete="set null",
        check_company=True,
    )
    profile_id = fields.Many2one(
        "stock.planning.profile", "Plan", index=True, ondelete="set null", check_company=True
    )
    product_id = fields.Many2one("product.product", ondelete="set null")
    warehouse_id = fields.Many2one("stock.warehouse", ondelete="set null")
    company_id = fields.Many2one("res.company", required=True, index=True)
    action = fields.Selection(AUDIT_ACTIONS, required=True)
    old_min_qty = fields.Float("Old Min", digits="Product Unit")
    new_min_qty = fields.Float("New Min", digits="Product Unit")
    old_max_qty = fields.Float("Old Max", digits="Product Unit")
    new_max_qty = fields.Float("New Max", digits="Product Unit")
    old_multiple_id = fields.Many2one("uom.uom")
    new_multiple_id = fields.Many2one("uom.uom")
    old_active = fields.Boolean("Was Active")
    new_active = fields.Boolean("Active After")
    proposed_by_id = fields.Many2one("res.users")
    approved_by_id = fields.Many2one(
        "res.users", help="Empty when applied automatically within tolerance."
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    reason = fields.Char(help="Why the change was made.")
