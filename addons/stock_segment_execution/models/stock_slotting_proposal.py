from datetime import timedelta

import numpy as np
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from invplan import execution

MANAGER_GROUP = "stock_segment.group_planning_manager"
# Days of picks the velocity is measured on.
VELOCITY_DAYS = 91
ZONES = [("forward", "Forward pick"), ("reserve", "Reserve")]


class StockSlottingProposal(models.Model):
    """Where a product should be stored in a warehouse, by pick velocity: fast movers
    to the forward pick locations, slow movers to reserve. Applied as Odoo putaway rules
    once a Planning Manager approves."""

    _name = "stock.slotting.proposal"
    _description = "Slotting Proposal"
    _inherit = ["mail.thread"]
    _order = "state_sequence, warehouse_id, rank, id"
    _check_company_auto = True

    product_id = fields.Many2one(
        "product.product", required=True, readonly=True, index=True, ondelete="cascade"
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, readonly=True, index=True, check_company=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    pick_lines = fields.Integer(
        "Picks (13 weeks)",
        readonly=True,
        help="Done delivery moves (order lines picked) over the last 13 weeks.",
    )
    velocity_class = fields.Selection(
        [("A", "A"), ("B", "B"), ("C", "C")],
        "Velocity",
        readonly=True,
        help="Velocity ABC on pick lines: A = the products making 80% of the picks.",
    )
    coi = fields.Float(
        "Cube per Order",
        readonly=True,
        digits=(16, 5),
        help="Cube-per-order index: forward space needed over pick lines; lowest first.",
    )
    rank = fields.Integer(readonly=True, help="1 = first candidate for forward space.")
    space = fields.Float("Forward Space (m³)", readonly=True, digits=(16, 4))
    current_zone = fields.Selection(ZONES, readonly=True)
    proposed_zone = fields.Selection(ZONES, required=True, readonly=True)
    current_location_id = fields.Many2one("stock.location", readonly=True)
    location_id = fields.Many2one(
        "stock.location",
        "Proposed Location",
        readonly=True,
        help="Forward location proposed (empty: the warehouse's stock, i.e. reserve).",
    )
    travel_saving_m = fields.Float(
        "Estimated Travel Saving (m)",
        readonly=True,
        digits=(16, 0),
        help="Pick travel this product's move saves over 13 weeks: one round trip per "
        "pick line to a forward (10 m) or reserve (40 m) zone; negative when the product "
        "goes back to reserve.",
    )
    travel_saving_pct = fields.Float(
        "Warehouse Travel Saving (%)",
        readonly=True,
        help="Pick travel saved by the whole proposal of the warehouse (the same on every "
        "row of a run), single-command round trips to a forward (10 m) or reserve (40 m) "
        "zone.",
    )
    putaway_rule_id = fields.Many2one("stock.putaway.rule", readonly=True)
    state = fields.Selection(
        [("proposed", "Proposed"), ("applied", "Applied"), ("rejected", "Rejected")],
        required=True,
        default="proposed",
        tracking=True,
    )
    state_sequence = fields.Integer(compute="_compute_state_sequence", store=True)
    approved_by_id = fields.Many2one("res.users", readonly=True)

    @api.depends("state")
    def _compute_state_sequence(self):
        for proposal in self:
            proposal.state_sequence = 0 if proposal.state == "proposed" else 1

    # ------------------------------------------------------------------ buttons
    def _check_manager(self):
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            raise AccessError(self.env._("Only a Planning Manager approves a slotting."))
        if self.filtered(lambda p: p.state != "proposed"):
            raise UserError(self.env._("Only proposed slottings can be decided."))

    def action_approve(self):
        """Write the putaway rules: a forward product is stored in its forward location
        on receipt; a product back to reserve loses the rule sending it forward."""
        self._check_manager()
        Rule = self.env["stock.putaway.rule"].sudo()
        Audit = self.env["stock.execution.audit"].sudo()
        for proposal in self:
            stock = proposal.warehouse_id.lot_stock_id
            old_rules = proposal._forward_rules()
            vals = {"approved_by_id": self.env.user.id, "state": "applied"}
            if proposal.proposed_zone == "forward":
                old_rules.filtered(lambda r, p=proposal: r.location_out_id != p.location_id).write(
                    {"active": False}
                )
                rule = old_rules.filtered(lambda r, p=proposal: r.location_out_id == p.location_id)
                if not rule:
                    rule = Rule.create(
                        {
                            "product_id": proposal.product_id.id,
                            "location_in_id": stock.id,
                            "location_out_id": proposal.location_id.id,
                            "company_id": proposal.company_id.id,
                        }
                    )
                vals["putaway_rule_id"] = rule[:1].id
            else:
                old_rules.write({"active": False})
            Audit.create(
                {
                    "action": "slotting_applied",
                    "company_id": proposal.company_id.id,
                    "product_id": proposal.product_id.id,
                    "warehouse_id": proposal.warehouse_id.id,
                    "old_value": proposal.current_location_id.display_name
                    or dict(ZONES).get(proposal.current_zone or "reserve"),
                    "new_value": proposal.location_id.display_name
                    or dict(ZONES)[proposal.proposed_zone],
                    "approved_by_id": self.env.user.id,
                    "res_model": self._name,
                    "res_id": proposal.id,
                }
            )
            proposal.write(vals)
        return True

    def action_reject(self):
        self._check_manager()
        self.write({"state": "rejected", "approved_by_id": self.env.user.id})
        return True

    def _forward_rules(self):
        """Active putaway rules of the product from the warehouse's stock to one of its
        forward locations."""
        self.ensure_one()
        return (
            self.env["stock.putaway.rule"]
            .sudo()
            .search(
                [
                    ("product_id", "=", self.product_id.id),
                    ("location_in_id", "=", self.warehouse_id.lot_stock_id.id),
                    ("location_out_id.slotting_forward", "=", True),
                ]
            )
        )

    # ------------------------------------------------------------------ the run
    def action_run_slotting(self):
        """Button of the list (any selection): propose the current company's slotting."""
        if not (self.env.su or self.env.user.has_group("stock_segment.group_planning_user")):
            raise AccessError(self.env._("Only Planning Users run the slotting."))
        self.sudo()._run_slotting(companies=self.env.company)
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    @api.model
    def _run_slotting(self, companies=None, day=None):
        """Propose the slotting of each warehouse with forward pick locations: velocity
        ABC on pick lines (:func:`invplan.execution.pick_velocity_class`), forward
        locations for the allowed classes by cube-per-order index within each location's
        capacity (:func:`invplan.execution.slotting_locations`), the travel saving per
        product and for the warehouse (:func:`invplan.execution.slotting_travel`). Only changes are proposed; a
        proposal not decided is replaced. Returns {company id: counters}."""
        day = day or fields.Date.context_today(self)
        results = {}
        for company in companies or self.env["res.company"].search([("active", "=", True)]):
            created = 0
            warehouses = (
                self.env["stock.warehouse"].sudo().search([("company_id", "=", company.id)])
            )
            for warehouse in warehouses:
                created += self._slot_warehouse(warehouse, day)
            results[company.id] = {"pairs": len(warehouses), "failed": 0, "proposals": created}
        return results

    @api.model
    def _pick_lines(self, warehouse, day):
        """{product id: (pick lines, quantity)} of done deliveries from the warehouse over
        the last 13 weeks, one query."""
        self.env["stock.move"].flush_model(
            ["state", "location_id", "location_dest_id", "date", "product_qty"]
        )
        date_to = day + timedelta(days=1)
        # One done delivery move is one pick line (one order line picked).
        self.env.cr.execute(
            SQL(
                """
            SELECT m.product_id, COUNT(*), SUM(m.product_qty)
              FROM stock_move m
              JOIN stock_location src ON src.id = m.location_id
              JOIN stock_location dst ON dst.id = m.location_dest_id
             WHERE m.state = 'done' AND src.warehouse_id = %(wh)s
               AND src.usage = 'internal' AND dst.usage = 'customer'
               AND m.date >= %(date_from)s AND m.date < %(date_to)s
          GROUP BY m.product_id
                """,
                wh=warehouse.id,
                date_from=date_to - timedelta(days=VELOCITY_DAYS),
                date_to=date_to,
            )
        )
        return {row[0]: (int(row[1]), float(row[2] or 0.0)) for row in self.env.cr.fetchall()}

    @api.model
    def _forward_classes(self):
        """Velocity classes given forward space: the setting
        ``stock_segment_execution.slotting_forward_classes`` (letters, default AB: the C
        items go to reserve)."""
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("stock_segment_execution.slotting_forward_classes", "AB")
        )
        return {c for c in (value or "").upper() if c in "ABC"}

    @api.model
    def _slot_warehouse(self, warehouse, day):
        forward_locations = (
            self.env["stock.location"]
            .sudo()
            .search(
                [
                    ("warehouse_id", "=", warehouse.id),
                    ("slotting_forward", "=", True),
                    ("usage", "=", "internal"),
                ],
                order="complete_name, id",
            )
        )
        if not forward_locations:
            return 0
        stock = warehouse.lot_stock_id
        picks = self._pick_lines(warehouse, day)
        rules = (
            self.env["stock.putaway.rule"]
            .sudo()
            .search(
                [
                    ("location_in_id", "=", stock.id),
                    ("location_out_id", "in", forward_locations.ids),
                    ("product_id", "!=", False),
                ]
            )
        )
        current = {rule.product_id.id: rule.location_out_id for rule in rules}
        product_ids = sorted(set(picks) | set(current))
        if not product_ids:
            return 0
        products = self.env["product.product"].browse(product_ids)
        hits = np.array([picks.get(pid, (0, 0.0))[0] for pid in product_ids], dtype=float)
        weekly = np.array(
            [picks.get(pid, (0, 0.0))[1] * 7.0 / VELOCITY_DAYS for pid in product_ids]
        )
        volume = np.array([p.volume or np.nan for p in products], dtype=float)
        is_forward = np.array([pid in current for pid in product_ids], dtype=bool)
        classes = execution.pick_velocity_class(hits)
        # Forward space only for the velocity classes allowed (slow movers to reserve):
        # the others are slotted as products without picks.
        allowed = self._forward_classes()
        eligible = np.array([str(c) in allowed for c in classes], dtype=bool)
        # Forward locations in order (closest to the pick front first), each filled by
        # cube-per-order index within its own capacity.
        where = execution.slotting_locations(
            np.where(eligible, hits, 0.0),
            volume,
            np.array(forward_locations.mapped("slotting_capacity"), dtype=float),
            forward_qty=np.ceil(weekly),
            current_forward=is_forward,
            min_gain=0.1,
        )
        # Cube-per-order index, rank and space shown on the rows (the same ranking).
        plan = execution.slotting_plan(
            hits,
            volume,
            0.0,
            forward_qty=np.ceil(weekly),
            current_forward=is_forward,
            min_gain=0.1,
        )
        new_forward = where >= 0
        # Each product's own pick travel before and after, over the velocity period.
        saving_m = np.array(
            [
                execution.slotting_travel(hits[i : i + 1], is_forward[i : i + 1])
                - execution.slotting_travel(hits[i : i + 1], new_forward[i : i + 1])
                for i in range(len(product_ids))
            ]
        )
        before = execution.slotting_travel(hits, is_forward)
        after = execution.slotting_travel(hits, new_forward)
        saving = (1.0 - after / before) * 100.0 if before > 0 else 0.0
        target = {
            pid: forward_locations[int(where[i])]
            for i, pid in enumerate(product_ids)
            if where[i] >= 0
        }
        old = self.search([("warehouse_id", "=", warehouse.id), ("state", "=", "proposed")])
        old.unlink()
        vals_list = []
        for i, pid in enumerate(product_ids):
            loc = target.get(pid)
            cur = current.get(pid)
            if (loc or False) == (cur or False) or (loc and cur and loc == cur):
                continue
            vals_list.append(
                {
                    "product_id": pid,
                    "warehouse_id": warehouse.id,
                    "company_id": warehouse.company_id.id,
                    "pick_lines": int(hits[i]),
                    "velocity_class": str(classes[i]),
                    "coi": float(plan.coi[i]) if np.isfinite(plan.coi[i]) else 0.0,
                    "rank": int(plan.rank[i]),
                    "space": float(plan.space[i]),
                    "current_zone": "forward" if cur else "reserve",
                    "current_location_id": cur.id if cur else False,
                    "proposed_zone": "forward" if loc else "reserve",
                    "location_id": loc.id if loc else False,
                    "travel_saving_m": float(saving_m[i]),
                    "travel_saving_pct": saving,
                }
            )
        self.sudo().with_context(mail_create_nolog=True).create(vals_list)
        return len(vals_list)
