from odoo import fields, models

PLANNING_USER = "stock_segment.group_planning_user"


class ResPartner(models.Model):
    _inherit = "res.partner"

    order_cycle_ids = fields.One2many(
        "stock.vendor.order.cycle", "partner_id", "Order Cycles", groups=PLANNING_USER
    )
    order_cycle_days = fields.Integer(
        "Order Cycle (days)",
        compute="_compute_order_cycle_days",
        groups=PLANNING_USER,
        help="Days between two orders to this vendor in the current company (0: the "
        "vendor's items are ordered apart).",
    )

    def _compute_order_cycle_days(self):
        cycles = self.env["stock.vendor.order.cycle"].search(
            [("partner_id", "in", self.ids), ("company_id", "=", self.env.company.id)]
        )
        days = {c.partner_id.id: c.cycle_days for c in cycles}
        for partner in self:
            partner.order_cycle_days = days.get(partner.id, 0)

    def action_view_order_cycle(self):
        """The vendor's order cycle in the current company, or a new one for it."""
        self.ensure_one()
        cycle = self.env["stock.vendor.order.cycle"].search(
            [("partner_id", "=", self.id), ("company_id", "=", self.env.company.id)], limit=1
        )
        action = {
            "type": "ir.actions.act_window",
            "name": self.env._("Order Cycle of %s", self.display_name),
            "res_model": "stock.vendor.order.cycle",
            "view_mode": "form",
            "context": {"default_partner_id": self.id},
        }
        if cycle:
            action["res_id"] = cycle.id
        return action
