from odoo import api, fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    customer_tier_id = fields.Many2one(
        "stock.customer.tier",
        related="partner_id.commercial_partner_id.customer_tier_id",
        store=True,
        index="btree_not_null",
        help="Tier of the customer: the order in which deliveries are reserved.",
    )
    protected_wait = fields.Boolean(
        "Waits for Protected Stock",
        compute="_compute_protected_wait",
        search="_search_protected_wait",
        help="A product of the delivery waits: its free stock is kept for higher tiers.",
    )

    @api.depends("move_ids.protected_wait")
    def _compute_protected_wait(self):
        for picking in self:
            picking.protected_wait = any(picking.move_ids.mapped("protected_wait"))

    def _search_protected_wait(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        positive = (operator == "=") == value
        return (
            [("move_ids.protected_wait", "=", True)]
            if positive
            else [("move_ids.protected_wait", "!=", True)]
        )

    @api.model_create_multi
    def create(self, vals_list):
        pickings = super().create(vals_list)
        pickings._apply_tier_priority()
        return pickings

    def write(self, vals):
        result = super().write(vals)
        if "partner_id" in vals:
            self._apply_tier_priority()
        return result

    def _apply_tier_priority(self):
        """Star the deliveries of tiers with starred pickings: Odoo then reserves and
        lists them first."""
        starred = self.filtered(
            lambda p: (
                p.customer_tier_id.star_pickings
                and p.picking_type_code == "outgoing"
                and p.priority != "1"
                and p.state not in ("done", "cancel")
            )
        )
        if starred:
            starred.write({"priority": "1"})
