from odoo import api, fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    replenishment_plan_ids = fields.One2many(
        "stock.planning.profile",
        compute="_compute_replenishment_plan_ids",
        string="Min / Max per Warehouse",
        groups="stock_segment.group_planning_user",
        help="The product's plans, one per warehouse: the min and max of its reorder "
        "rule, its safety stock and the stock on hand there.",
    )

    @api.depends("planning_profile_ids")
    def _compute_replenishment_plan_ids(self):
        for template in self:
            template.replenishment_plan_ids = template.planning_profile_ids.sorted(
                lambda p: (p.warehouse_id.sequence, p.warehouse_id.id, p.product_id.id)
            )
