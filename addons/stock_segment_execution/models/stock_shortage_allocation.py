import numpy as np
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare

from invplan import execution

USER_GROUP = "stock_segment.group_planning_user"
# The only allocation field a buyer edits; the rest is written by the application.
USER_FIELDS = frozenset({"override_reason", "line_ids"})
MANAGER_GROUP = "stock_segment.group_planning_manager"
ALLOCATION_STATES = [
    ("proposed", "Proposed"),
    ("to_approve", "Override to approve"),
    ("applied", "Applied"),
    ("cancelled", "Cancelled"),
]


class StockShortageAllocation(models.Model):
    """A product short at a warehouse: its open deliveries, the stock they can share and
    the engine's allocation by customer tier, for a buyer to review and apply."""

    _name = "stock.shortage.allocation"
    _description = "Shortage Allocation"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "state_sequence, shortage_qty desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    product_id = fields.Many2one(
        "product.product", required=True, index=True, readonly=True, check_company=True
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, index=True, readonly=True, check_company=True
    )
    location_id = fields.Many2one(
        "stock.location", "Source Location", required=True, readonly=True, check_company=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    segment_id = fields.Many2one("stock.segment", readonly=True, index=True)
    uom_id = fields.Many2one(related="product_id.uom_id")
    available_qty = fields.Float(
        "Available",
        readonly=True,
        digits="Product Unit",
        help="Free stock plus what the open deliveries already reserved: what they share.",
    )
    demand_qty = fields.Float(
        "Open Demand", readonly=True, digits="Product Unit", help="Open deliveries' quantity."
    )
    shortage_qty = fields.Float("Short", readonly=True, digits="Product Unit")
    critical_level_qty = fields.Float(
        "Protected",
        readonly=True,
        digits="Product Unit",
        help="Critical level kept for the tiers that may consume protected stock.",
    )
    demand_by_tier = fields.Char(
        readonly=True, help="Open demand per customer tier, highest priority first."
    )
    state = fields.Selection(ALLOCATION_STATES, required=True, default="proposed", tracking=True)
    state_sequence = fields.Integer(compute="_compute_state_sequence", store=True)
    line_ids = fields.One2many("stock.shortage.allocation.line", "allocation_id")
    needs_approval = fields.Boolean(
        compute="_compute_needs_approval",
        help="A line was given more than proposed while a line of a higher priority gets "
        "less: a Planning Manager must approve this preferential treatment.",
    )
    override_reason = fields.Char(tracking=True, help="Why the proposal was changed.")
    requested_by_id = fields.Many2one("res.users", "Override Requested By", readonly=True)
    approved_by_id = fields.Many2one("res.users", "Override Approved By", readonly=True)
    applied_by_id = fields.Many2one("res.users", readonly=True)
    applied_date = fields.Datetime("Applied On", readonly=True)

    @api.depends("product_id", "warehouse_id")
    def _compute_name(self):
        for allocation in self:
            allocation.name = (
                f"{allocation.warehouse_id.code or ''}: {allocation.product_id.display_name or ''}"
            )

    @api.depends("state")
    def _compute_state_sequence(self):
        order = {"to_approve": 0, "proposed": 1, "applied": 2, "cancelled": 3}
        for allocation in self:
            allocation.state_sequence = order.get(allocation.state, 9)

    @api.depends("line_ids.allocated_qty", "line_ids.proposed_qty", "line_ids.rank")
    def _compute_needs_approval(self):
        for allocation in self:
            allocation.needs_approval = allocation._favours_lower_tier()

    def _favours_lower_tier(self):
        """True when a line gets more than proposed while a line served before it (a
        lower rank: higher tier) gets less than proposed."""
        self.ensure_one()
        rounding = self.product_id.uom_id.rounding or 0.01
        lines = self.line_ids
        cut = [
            line.rank
            for line in lines
            if float_compare(line.allocated_qty, line.proposed_qty, precision_rounding=rounding) < 0
        ]
        if not cut:
            return False
        return any(
            float_compare(line.allocated_qty, line.proposed_qty, precision_rounding=rounding) > 0
            and line.rank > min(cut)
            for line in lines
        )

    def write(self, vals):
        """Buyers give a reason and change line quantities; states, requesters and
        approvers are written by the application only (no forged approval)."""
        if not self.env.su:
            forbidden = {
                name
                for name in vals
                if name not in USER_FIELDS and not name.startswith(("message_", "activity_"))
            }
            if forbidden:
                raise AccessError(
                    self.env._(
                        "These allocation fields are set by the application only: %s",
                        ", ".join(sorted(forbidden)),
                    )
                )
        return super().write(vals)

    # ------------------------------------------------------------------ buttons
    def _check_user(self):
        if not (self.env.su or self.env.user.has_group(USER_GROUP)):
            raise AccessError(self.env._("Only Planning Users apply shortage allocations."))

    def action_apply(self):
        """Apply the allocation: a change favouring a lower tier goes to a Planning
        Manager first; otherwise the reservations are redone line by line."""
        self._check_user()
        for allocation in self:
            if allocation.state not in ("proposed", "to_approve"):
                raise UserError(self.env._("Only a proposed allocation can be applied."))
            if allocation.state == "to_approve" or (
                allocation.needs_approval and not allocation.approved_by_id
            ):
                allocation._request_override()
                continue
            allocation._apply()
        return True

    def action_approve_override(self):
        """A Planning Manager (not the one who asked) approves a preferential override,
        which is then applied."""
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            raise AccessError(
                self.env._("Only a Planning Manager approves an allocation override.")
            )
        for allocation in self:
            if allocation.state != "to_approve":
                raise UserError(self.env._("This allocation has no override to approve."))
            if allocation.requested_by_id == self.env.user and not self.env.su:
                raise UserError(self.env._("Whoever requested an override cannot approve it."))
            allocation._audit("override_approved", allocation.requested_by_id, self.env.user)
            allocation.sudo().write({"approved_by_id": self.env.user.id})
            allocation._apply()
        return True

    def action_reject_override(self):
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            raise AccessError(self.env._("Only a Planning Manager rejects an allocation override."))
        for allocation in self.filtered(lambda a: a.state == "to_approve"):
            allocation._audit("override_rejected", allocation.requested_by_id, self.env.user)
            for line in allocation.line_ids.with_context(execution_reset=True):
                line.allocated_qty = line.proposed_qty
            allocation.sudo().write({"state": "proposed", "requested_by_id": False})
        return True

    def action_reset_to_proposal(self):
        self._check_user()
        for allocation in self.filtered(lambda a: a.state == "proposed"):
            for line in allocation.line_ids:
                line.allocated_qty = line.proposed_qty
        return True

    def action_cancel(self):
        self._check_user()
        self.filtered(lambda a: a.state in ("proposed", "to_approve")).sudo().write(
            {"state": "cancelled"}
        )
        return True

    def _request_override(self):
        self.ensure_one()
        if self.state != "to_approve":
            self._audit("override_requested", self.env.user, False)
            self.sudo().write({"state": "to_approve", "requested_by_id": self.env.user.id})
            self.message_post(
                body=self.env._(
                    "%(user)s changed the proposal in favour of a lower customer tier "
                    "(reason: %(reason)s). A Planning Manager must approve it.",
                    user=self.env.user.name,
                    reason=self.override_reason or "-",
                )
            )

    def _audit(self, action, proposed_by, approved_by):
        self.ensure_one()
        changed = self.line_ids.filtered(lambda line: line._qty_changed())
        self.env["stock.execution.audit"].sudo().create(
            {
                "action": action,
                "company_id": self.company_id.id,
                "product_id": self.product_id.id,
                "warehouse_id": self.warehouse_id.id,
                "old_value": ", ".join(
                    f"{line.partner_id.display_name or '-'}: {line.proposed_qty:g}"
                    for line in changed
                )[:250],
                "new_value": ", ".join(
                    f"{line.partner_id.display_name or '-'}: {line.allocated_qty:g}"
                    for line in changed
                )[:250],
                "reason": self.override_reason,
                "proposed_by_id": proposed_by.id if proposed_by else False,
                "approved_by_id": approved_by.id if approved_by else False,
                "res_model": self._name,
                "res_id": self.id,
            }
        )

    def _apply(self):
        """Redo the reservations of the lines: those that get less first (their stock is
        freed), then those that get more, in reservation order."""
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line.move_id.state not in ("done", "cancel"))
        for line in lines.sorted("rank"):
            move = line.move_id.sudo()
            current = move.quantity
            if (
                float_compare(
                    line.allocated_qty, current, precision_rounding=move.product_uom.rounding
                )
                < 0
            ):
                move._do_unreserve()
                if line.allocated_qty > 0:
                    move.with_context(execution_no_protection=True)._action_assign(
                        force_qty=line.allocated_qty
                    )
        for line in lines.sorted("rank"):
            move = line.move_id.sudo()
            missing = line.allocated_qty - move.quantity
            if float_compare(missing, 0.0, precision_rounding=move.product_uom.rounding) > 0:
                move.with_context(execution_no_protection=True)._action_assign(force_qty=missing)
            move.protected_wait = False
        self._audit(
            "allocation_applied", self.requested_by_id or self.env.user, self.approved_by_id
        )
        self.sudo().write(
            {
                "state": "applied",
                "applied_by_id": self.env.user.id,
                "applied_date": fields.Datetime.now(),
            }
        )
        self.message_post(body=self.env._("Allocation applied by %s.", self.env.user.name))

    # ------------------------------------------------------------------ the run
    def action_run_allocation(self):
        """Button of the list (any selection): compute the current company's shortages
        now."""
        self._check_user()
        self.sudo()._run_allocation(companies=self.env.company)
        return {
            "type": "ir.actions.client",
            "tag": "soft_reload",
        }

    @api.model
    def _run_allocation(self, companies=None):
        """Find each product x source location whose open deliveries exceed what they can
        share (free stock plus their reservations) and propose the engine's allocation
        (:func:`invplan.execution.allocate_shortage`: strict priority by reservation rank,
        fair share within a rank, minimum line fill, protected stock). A proposal not
        decided yet is replaced. Returns {company id: counters}."""
        results = {}
        icp = self.env["ir.config_parameter"].sudo()
        try:
            min_fill = float(icp.get_param("stock_segment_execution.min_line_fill", "0.0"))
        except ValueError:
            min_fill = 0.0
        min_fill = min(max(min_fill, 0.0), 1.0)
        for company in companies or self.env["res.company"].search([("active", "=", True)]):
            moves = self._open_deliveries(company)
            old = self.search(
                [("company_id", "=", company.id), ("state", "in", ("proposed", "to_approve"))]
            )
            old.filtered(lambda a: a.state == "proposed").unlink()
            keep = {(a.product_id.id, a.location_id.id) for a in old.exists()}
            groups = {}
            for move in moves:
                key = (move.product_id.id, move.location_id.id)
                if key not in keep:
                    groups.setdefault(key, self.env["stock.move"])
                    groups[key] |= move
            created = self._propose(company, groups, min_fill)
            results[company.id] = {"pairs": len(groups), "failed": 0, "lines": created}
        return results

    @api.model
    def _open_deliveries(self, company):
        return (
            self.env["stock.move"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("state", "in", ("confirmed", "partially_available", "assigned")),
                    ("location_id.usage", "=", "internal"),
                    ("location_dest_id.usage", "=", "customer"),
                    ("procure_method", "=", "make_to_stock"),
                    ("product_id.is_storable", "=", True),
                ]
            )
        )

    @api.model
    def _propose(self, company, groups, min_fill):
        if not groups:
            return 0
        Quant = self.env["stock.quant"].sudo()
        keys = list(groups)
        all_moves = (
            self.env["stock.move"].sudo().browse([m.id for key in keys for m in groups[key]])
        )
        ranks = all_moves._execution_ranks()
        plans = all_moves._execution_plans()
        short = []
        for code, key in enumerate(keys):
            moves = groups[key]
            product = moves[:1].product_id
            location = moves[:1].location_id
            free = Quant._get_available_quantity(product, location)
            pool = max(free, 0.0) + sum(moves.mapped("quantity"))
            demand = sum(moves.mapped("product_qty"))
            if float_compare(pool, demand, precision_rounding=product.uom_id.rounding) >= 0:
                continue
            short.append((code, key, pool, demand))
        if not short:
            return 0
        line_group, line_demand, line_rank, line_protected, line_moves = [], [], [], [], []
        available, protected, meta = [], [], []
        for g, (_code, key, pool, demand) in enumerate(short):
            moves = groups[key]
            warehouse = moves[:1]._execution_warehouse()
            plan = plans.get((key[0], warehouse.id))
            available.append(pool)
            protected.append(plan.critical_level_qty if plan else 0.0)
            meta.append((key, pool, demand, warehouse, plan))
            for move in moves:
                line_group.append(g)
                line_demand.append(move.product_qty)
                line_rank.append(ranks.get(move.id, 0))
                tier = move.customer_tier_id
                line_protected.append(not tier or tier.may_consume_protected)
                line_moves.append(move)
        allocated = execution.allocate_shortage(
            np.array(line_group),
            np.array(line_demand, dtype=float),
            np.array(line_rank, dtype=float),
            np.array(available, dtype=float),
            may_use_protected=np.array(line_protected, dtype=bool),
            protected=np.array(protected, dtype=float),
            min_line_fill=min_fill,
            sequence=np.array([m.date.timestamp() if m.date else 0.0 for m in line_moves]),
        )
        vals_list = []
        for g, (key, pool, demand, warehouse, plan) in enumerate(meta):
            lines = []
            by_tier = {}
            for i, move in enumerate(line_moves):
                if line_group[i] != g:
                    continue
                tier = move.customer_tier_id
                by_tier.setdefault((tier.sequence if tier else 999, tier.code or "-"), 0.0)
                by_tier[(tier.sequence if tier else 999, tier.code or "-")] += move.product_qty
                qty = move.product_id.uom_id.round(float(allocated[i]))
                lines.append(
                    (
                        0,
                        0,
                        {
                            "move_id": move.id,
                            "rank": line_rank[i],
                            "demand_qty": move.product_qty,
                            "reserved_qty": move.quantity,
                            "proposed_qty": qty,
                            "allocated_qty": qty,
                        },
                    )
                )
            vals_list.append(
                {
                    "product_id": key[0],
                    "location_id": key[1],
                    "warehouse_id": warehouse.id,
                    "company_id": company.id,
                    "segment_id": plan.segment_id.id if plan else False,
                    "available_qty": pool,
                    "demand_qty": demand,
                    "shortage_qty": demand - pool,
                    "critical_level_qty": plan.critical_level_qty if plan else 0.0,
                    "demand_by_tier": " / ".join(
                        f"{code} {qty:g}" for (_seq, code), qty in sorted(by_tier.items())
                    ),
                    "line_ids": lines,
                }
            )
        self.sudo().with_context(mail_create_nolog=True).create(vals_list)
        return len(line_moves)


class StockShortageAllocationLine(models.Model):
    """One open delivery of a shortage: what it asks, holds, and is proposed."""

    _name = "stock.shortage.allocation.line"
    _description = "Shortage Allocation Line"
    _order = "allocation_id, rank, id"
    _check_company_auto = True

    allocation_id = fields.Many2one(
        "stock.shortage.allocation", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="allocation_id.company_id", store=True, index=True)
    move_id = fields.Many2one("stock.move", required=True, readonly=True, ondelete="cascade")
    picking_id = fields.Many2one(related="move_id.picking_id", string="Transfer")
    partner_id = fields.Many2one(related="move_id.picking_id.partner_id", string="Customer")
    tier_id = fields.Many2one(related="move_id.customer_tier_id", string="Tier")
    date = fields.Datetime(related="move_id.date", string="Requested")
    state = fields.Selection(related="allocation_id.state")
    rank = fields.Integer(readonly=True, help="Reservation order: 0 is served first.")
    demand_qty = fields.Float("Demand", readonly=True, digits="Product Unit")
    reserved_qty = fields.Float("Reserved Now", readonly=True, digits="Product Unit")
    proposed_qty = fields.Float("Proposed", readonly=True, digits="Product Unit")
    allocated_qty = fields.Float(
        "To Allocate",
        digits="Product Unit",
        help="What the line gets when applied: the proposal, or the buyer's override.",
    )
    change_qty = fields.Float(
        "Change",
        compute="_compute_change_qty",
        digits="Product Unit",
        help="Reservation to add (positive) or remove (negative) when applied.",
    )

    _allocated_qty_positive = models.Constraint(
        "CHECK (allocated_qty >= 0)", "An allocated quantity cannot be negative."
    )

    @api.depends("allocated_qty", "reserved_qty")
    def _compute_change_qty(self):
        for line in self:
            line.change_qty = line.allocated_qty - line.reserved_qty

    @api.constrains("allocated_qty", "demand_qty")
    def _check_allocated_qty(self):
        for line in self:
            if line.allocated_qty > line.demand_qty + 1e-9:
                raise UserError(
                    self.env._("A line cannot get more than its demand (%s).", line.demand_qty)
                )

    def _qty_changed(self):
        rounding = self.move_id.product_uom.rounding or 0.01
        return (
            float_compare(self.allocated_qty, self.proposed_qty, precision_rounding=rounding) != 0
        )

    def write(self, vals):
        if not self.env.su and set(vals) - {"allocated_qty"}:
            raise AccessError(self.env._("Only the quantity to allocate of a line can be changed."))
        if (
            "allocated_qty" in vals
            and not self.env.context.get("execution_reset")
            and any(line.allocation_id.state != "proposed" for line in self)
        ):
            raise UserError(
                self.env._(
                    "Only a proposed allocation can change: an override waiting for approval, "
                    "an applied or a cancelled allocation cannot."
                )
            )
        return super().write(vals)
