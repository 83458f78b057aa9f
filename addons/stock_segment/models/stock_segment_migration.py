from odoo import fields, models

CHANGE_TYPES = [
    ("abc", "ABC class"),
    ("xyz", "XYZ class"),
    ("pattern", "Demand pattern"),
    ("lifecycle", "Lifecycle stage"),
    ("segment", "Segment"),
]
CAUSES = [
    ("classification", "Reclassification"),
    ("rule", "Segment rule"),
    ("manual_lock", "Manual lock"),
    ("lifecycle", "Lifecycle change"),
]


class StockSegmentMigration(models.Model):
    _name = "stock.segment.migration"
    _description = "Segment Migration Log"
    _order = "date desc, id desc"
    _rec_name = "profile_id"

    profile_id = fields.Many2one(
        "stock.planning.profile", "Plan", required=True, ondelete="cascade", index=True
    )
    product_id = fields.Many2one(related="profile_id.product_id", store=True)
    warehouse_id = fields.Many2one(related="profile_id.warehouse_id", store=True)
    company_id = fields.Many2one(related="profile_id.company_id", store=True)
    change_type = fields.Selection(CHANGE_TYPES, required=True)
    old_value = fields.Char()
    new_value = fields.Char()
    old_segment_id = fields.Many2one("stock.segment", ondelete="set null")
    new_segment_id = fields.Many2one("stock.segment", ondelete="set null")
    cause = fields.Selection(CAUSES, required=True)
    reason = fields.Char(help="Reason given for a manual lock.")
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user, required=True)
