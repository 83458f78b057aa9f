from odoo import fields, models

from .product_template import LIFECYCLE_STAGES
from .stock_planning_profile import ABC_CLASSES, DEMAND_PATTERNS, XYZ_CLASSES


class StockSegmentRule(models.Model):
    _name = "stock.segment.rule"
    _description = "Planning Segment Rule"
    _order = "sequence, id"
    _check_company_auto = True

    sequence = fields.Integer(
        default=10, help="Rules are tried in this order; the first that matches wins."
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", help="Leave empty to apply the rule in every company."
    )
    segment_id = fields.Many2one(
        "stock.segment",
        required=True,
        ondelete="cascade",
        check_company=True,
        help="Segment given to the plans this rule matches.",
    )
    abc_class = fields.Selection(ABC_CLASSES, "ABC Class", help="Empty matches any class.")
    xyz_class = fields.Selection(XYZ_CLASSES, "XYZ Class", help="Empty matches any class.")
    demand_pattern = fields.Selection(DEMAND_PATTERNS, help="Empty matches any pattern.")
    lifecycle_stage = fields.Selection(
        LIFECYCLE_STAGES, help="Product lifecycle stage; empty matches any stage."
    )
    categ_id = fields.Many2one(
        "product.category",
        "Product Category",
        help="Matches this category and all its child categories; empty matches any.",
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", check_company=True, help="Empty matches any warehouse."
    )
    note = fields.Char()
