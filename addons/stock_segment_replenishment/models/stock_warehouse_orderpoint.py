from odoo import fields, models

PLANNED_FIELDS = ("product_min_qty", "product_max_qty", "replenishment_uom_id")


class StockWarehouseOrderpoint(models.Model):
    _inherit = "stock.warehouse.orderpoint"

    planning_profile_id = fields.Many2one(
        "stock.planning.profile",
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
        copy=False,
        help="Plan whose policy sets this rule's min, max and multiple.",
    )
    planning_locked = fields.Boolean(
        "Locked against Planning",
        copy=False,
        help="Set when a user edits min, max or multiple by hand: the nightly planning "
        "then reports its proposals for this rule instead of overwriting it.",
    )
    planning_locked_by_id = fields.Many2one("res.users", "Locked By", readonly=True, copy=False)
    planning_locked_date = fields.Datetime("Locked On", readonly=True, copy=False)

    def write(self, vals):
        # A manual edit of a planned rule locks it, unless the user unlocks in the same write.
        if (
            not self.env.context.get("stock_segment_planning_apply")
            and any(f in vals for f in PLANNED_FIELDS)
            and "planning_locked" not in vals
        ):
            planned = self.filtered(lambda op: op.planning_profile_id and not op.planning_locked)
            if planned:
                super(StockWarehouseOrderpoint, planned).write(
                    {
                        "planning_locked": True,
                        "planning_locked_by_id": self.env.uid,
                        "planning_locked_date": fields.Datetime.now(),
                    }
                )
        return super().write(vals)

    def action_planning_unlock(self):
        self.write(
            {
                "planning_locked": False,
                "planning_locked_by_id": False,
                "planning_locked_date": False,
            }
        )
        return True
