from odoo import fields, models

AUDIT_ACTIONS = [
    ("tier_change", "Customer tier changed"),
    ("allocation_applied", "Shortage allocation applied"),
    ("override_requested", "Allocation override requested"),
    ("override_approved", "Allocation override approved"),
    ("override_rejected", "Allocation override rejected"),
    ("slotting_applied", "Slotting applied"),
]


class StockExecutionAudit(models.Model):
    """One decision of the execution layer: what it was, what it became, who and why.
    Rows are written by the application only; nobody edits or deletes them."""

    _name = "stock.execution.audit"
    _description = "Execution Decision Audit"
    _order = "date desc, id desc"

    action = fields.Selection(AUDIT_ACTIONS, required=True, readonly=True, index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True, ondelete="set null")
    product_id = fields.Many2one("product.product", readonly=True, ondelete="set null")
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True, ondelete="set null")
    move_id = fields.Many2one("stock.move", readonly=True, ondelete="set null")
    old_value = fields.Char(readonly=True)
    new_value = fields.Char(readonly=True)
    reason = fields.Char(readonly=True)
    proposed_by_id = fields.Many2one("res.users", readonly=True)
    approved_by_id = fields.Many2one("res.users", readonly=True)
    res_model = fields.Char("Source Model", readonly=True)
    res_id = fields.Integer("Source Record", readonly=True)
