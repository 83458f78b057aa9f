import numpy as np
from odoo import api, fields, models
from odoo.fields import Domain

from invplan import execution


class StockMove(models.Model):
    _inherit = "stock.move"

    customer_tier_id = fields.Many2one(
        "stock.customer.tier",
        compute="_compute_customer_tier_id",
        search="_search_customer_tier_id",
        help="Tier of the customer the move delivers (the sale order's customer, else the "
        "transfer's partner).",
    )
    planning_segment_id = fields.Many2one(
        "stock.segment",
        "Segment",
        compute="_compute_planning_segment_id",
        help="Segment of the product's plan at the move's warehouse.",
    )
    protected_wait = fields.Boolean(
        "Waits for Protected Stock",
        readonly=True,
        copy=False,
        help="The product's free stock is at or below its critical level, kept for the "
        "tiers that may consume protected stock: this move's tier may not, so it waits "
        "for the next receipt.",
    )

    @api.depends(
        "sale_line_id.order_id.partner_id.commercial_partner_id.customer_tier_id",
        "picking_id.partner_id.commercial_partner_id.customer_tier_id",
        "partner_id.commercial_partner_id.customer_tier_id",
    )
    def _compute_customer_tier_id(self):
        for move in self:
            partner = move.sale_line_id.order_id.partner_id or move.picking_id.partner_id
            move.customer_tier_id = (
                partner or move.partner_id
            ).commercial_partner_id.customer_tier_id

    def _search_customer_tier_id(self, operator, value):
        partners = Domain("commercial_partner_id.customer_tier_id", operator, value)
        return Domain.OR(
            [
                Domain("sale_line_id.order_id.partner_id", "any", partners),
                Domain("sale_line_id", "=", False)
                & Domain("picking_id.partner_id", "any", partners),
            ]
        )

    @api.depends("product_id", "location_id", "warehouse_id")
    def _compute_planning_segment_id(self):
        segment_of = self._execution_plans()
        for move in self:
            plan = segment_of.get((move.product_id.id, move._execution_warehouse().id))
            move.planning_segment_id = plan.segment_id if plan else False

    # ------------------------------------------------------------------ helpers
    def _execution_warehouse(self):
        self.ensure_one()
        return self.location_id.warehouse_id or self.warehouse_id

    def _execution_plans(self):
        """{(product id, warehouse id): plan} of the moves, in one search."""
        warehouses = self.location_id.warehouse_id | self.warehouse_id
        if not self or not warehouses:
            return {}
        plans = (
            self.env["stock.planning.profile"]
            .sudo()
            .search(
                [
                    ("product_id", "in", self.product_id.ids),
                    ("warehouse_id", "in", warehouses.ids),
                ]
            )
        )
        return {(p.product_id.id, p.warehouse_id.id): p for p in plans}

    def _execution_is_delivery(self):
        self.ensure_one()
        return self.location_dest_id.usage == "customer" and self.location_id.usage == "internal"

    def _execution_ranks(self):
        """{move id: reservation rank} from the engine (tier, segment, requested date)."""
        if not self:
            return {}
        plans = self._execution_plans()
        today = fields.Date.context_today(self)
        tier_rank, segment_rank, day = [], [], []
        for move in self:
            tier = move.customer_tier_id
            tier_rank.append(float(tier.sequence) if tier else np.nan)
            plan = plans.get((move.product_id.id, move._execution_warehouse().id))
            segment_rank.append(
                float(plan.segment_id.allocation_priority) if plan and plan.segment_id else np.nan
            )
            requested = move.date_deadline or move.date
            day.append(
                float((fields.Date.to_date(requested) - today).days) if requested else np.nan
            )
        ranks = execution.reservation_rank(
            np.array(tier_rank), np.array(segment_rank), np.array(day)
        )
        return dict(zip(self.ids, (int(r) for r in ranks), strict=True))

    def _sorted_for_reservation(self):
        """The moves in reservation order: a starred move first (Odoo's own urgency),
        then the engine's rank (customer tier, product segment, requested date)."""
        ranks = self._execution_ranks()
        return self.sorted(lambda m: (-int(m.priority or 0), ranks.get(m.id, 0), m.id))

    # ------------------------------------------------------------------ reservation
    def _action_assign(self, force_qty=False):
        """Reserve in the order of customer tier and product segment, and keep the stock
        below the critical level for the tiers allowed to consume it."""
        moves = self
        if len(self) > 1 and not force_qty:
            moves = self._sorted_for_reservation()
        if force_qty or self.env.context.get("execution_no_protection"):
            return super(StockMove, moves)._action_assign(force_qty=force_qty)
        refused = set()
        result = super(StockMove, moves.with_context(execution_refused=refused))._action_assign(
            force_qty=force_qty
        )
        moves = moves.with_env(self.env)
        newly = moves.filtered(lambda m: m.id in refused and not m.protected_wait)
        cleared = moves.filtered(lambda m: m.protected_wait and m.id not in refused)
        if cleared:
            cleared.sudo().write({"protected_wait": False})
        if newly:
            newly.sudo().write({"protected_wait": True})
            newly._execution_post_protected_wait()
        return result

    def _update_reserved_quantity(
        self, need, location_id, lot_id=None, package_id=None, owner_id=None, strict=True
    ):
        refused = self.env.context.get("execution_refused")
        if refused is not None:
            limit = self._execution_protected_limit(location_id)
            if limit is not None and limit < need:
                refused.add(self.id)
                if limit <= 0:
                    return 0
                need = limit
        return super()._update_reserved_quantity(
            need,
            location_id,
            lot_id=lot_id,
            package_id=package_id,
            owner_id=owner_id,
            strict=strict,
        )

    def _execution_protected_limit(self, location):
        """What this move may reserve (product unit) without going below the critical
        level, or None when it is not rationed (its tier may consume protected stock,
        no tier, not a delivery, or no critical level)."""
        self.ensure_one()
        tier = self.customer_tier_id
        if not tier or tier.may_consume_protected or not self._execution_is_delivery():
            return None
        warehouse = self._execution_warehouse()
        plan = self._execution_plans().get((self.product_id.id, warehouse.id))
        critical = plan.critical_level_qty if plan else 0.0
        if not critical or critical <= 0:
            return None
        free = self.env["stock.quant"]._get_available_quantity(self.product_id, location)
        return max(free - critical, 0.0)

    def _execution_post_protected_wait(self):
        plans = self._execution_plans()
        for move in self:
            plan = plans.get((move.product_id.id, move._execution_warehouse().id))
            body = self.env._(
                "%(product)s is not reserved for %(customer)s (tier %(tier)s): its free "
                "stock is at or below the critical level of %(critical)s kept for the "
                "tiers that may consume protected stock. It waits for the next receipt "
                "or for a Planning User's shortage allocation.",
                product=move.product_id.display_name,
                customer=(move.picking_id.partner_id or move.partner_id).display_name or "-",
                tier=move.customer_tier_id.name,
                critical=plan.critical_level_qty if plan else 0.0,
            )
            if move.picking_id:
                move.picking_id.message_post(body=body)

    # ------------------------------------------------------------------ cancellation
    def _action_cancel(self):
        """Give the quantity a cancelled move held to the next waiting moves, in
        reservation order."""
        released = self.filtered(lambda m: m.state not in ("done", "cancel") and m.quantity)
        keys = [(m.product_id.id, m.location_id.id) for m in released]
        result = super()._action_cancel()
        if keys:
            waiting = self.env["stock.move"].search(
                Domain.OR(
                    [
                        Domain("product_id", "=", product) & Domain("location_id", "=", location)
                        for product, location in set(keys)
                    ]
                )
                & Domain("state", "in", ["confirmed", "partially_available"])
                & Domain("procure_method", "=", "make_to_stock")
                & Domain("id", "not in", self.ids)
            )
            if waiting:
                waiting._action_assign()
        return result
