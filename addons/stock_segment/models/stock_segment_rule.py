from odoo import api, fields, models

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

    @api.depends(
        "sequence",
        "segment_id",
        "abc_class",
        "xyz_class",
        "demand_pattern",
        "lifecycle_stage",
        "categ_id",
        "warehouse_id",
    )
    def _compute_display_name(self):
        """A rule reads as its conditions and its segment, e.g. "A, X, Smooth -> AX Fast"."""
        for rule in self:
            conditions = [
                rule._fields[name].convert_to_export(rule[name], rule)
                for name in ("abc_class", "xyz_class", "demand_pattern", "lifecycle_stage")
                if rule[name]
            ]
            if rule.categ_id:
                conditions.append(rule.categ_id.display_name)
            if rule.warehouse_id:
                conditions.append(rule.warehouse_id.name)
            when = ", ".join(conditions) or self.env._("Any plan")
            rule.display_name = self.env._(
                "Rule %(sequence)s: %(when)s \u2192 %(segment)s",
                sequence=rule.sequence,
                when=when,
                segment=rule.segment_id.name or "",
            )
