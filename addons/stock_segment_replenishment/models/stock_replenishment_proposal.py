import logging

from odoo import api, fields, models
from odoo.addons.stock_segment.bulk import insert_records
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.float_utils import float_round

from invplan.kpi_report import working_capital_effect

# Order of the states in lists (pending first).
STATE_SEQUENCE = {"pending": 1, "approved": 2, "auto_applied": 3}
_logger = logging.getLogger(__name__)

MANAGER_GROUP = "stock_segment.group_planning_manager"
PROPOSAL_STATES = [
    ("pending", "Pending Approval"),
    ("auto_applied", "Auto-applied"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("superseded", "Superseded"),
    ("rolled_back", "Rolled Back"),
]
APPLIED_STATES = ("auto_applied", "approved")
PROPOSAL_ACTIONS = [
    ("create", "Create reorder rule"),
    ("update", "Update reorder rule"),
    ("archive", "Archive reorder rule"),
]
REASONS = [
    ("new", "New reorder rule"),
    ("forecast", "Forecast change"),
    ("lead_time", "Lead-time change"),
    ("segment", "Segment change"),
    ("service", "Service target change"),
    ("cost", "Cost or order quantity change"),
    ("obsolete", "Make to order or obsolete"),
    ("recompute", "Recomputation"),
    ("manual", "Manual proposal"),
]
# Set by the planning job and the actions (under sudo) only, never by a user directly.
PROTECTED_FIELDS = frozenset(
    {
        "profile_id",
        "segment_id",
        "orderpoint_id",
        "action",
        "reason",
        "state",
        "within_tolerance",
        "proposed_by_id",
        "approved_by_id",
        "date_proposed",
        "date_decided",
        "old_min_qty",
        "old_max_qty",
        "old_multiple_id",
        "min_change_pct",
        "max_change_pct",
        "unit_cost",
        "stock_value_change",
        "abs_value_change",
        "keep_until_decided",
    }
)
# What a buyer proposes; editing them makes the editor the proposer.
PROPOSED_FIELDS = frozenset({"new_min_qty", "new_max_qty", "new_multiple_id", "new_trigger"})


class StockReplenishmentProposal(models.Model):
    """A proposed change of a reorder rule (min, max, multiple), applied within the
    segment's tolerance, approved by a Planning Manager beyond it."""

    _name = "stock.replenishment.proposal"
    _description = "Reorder Rule Proposal"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "state_sequence, abs_value_change desc, id desc"
    _check_company_auto = True

    profile_id = fields.Many2one(
        "stock.planning.profile",
        "Plan",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    # Computed before the insert (precompute): the job's bulk create writes them in its
    # INSERT, not in one more UPDATE per 100 proposals.
    product_id = fields.Many2one(
        related="profile_id.product_id", store=True, index=True, string="Product", precompute=True
    )
    warehouse_id = fields.Many2one(
        related="profile_id.warehouse_id", store=True, index=True, precompute=True
    )
    segment_id = fields.Many2one("stock.segment", index=True, ondelete="set null")
    company_id = fields.Many2one(
        related="profile_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    buyer_id = fields.Many2one("res.users", index=True, help="Buyer of the product's main vendor.")
    orderpoint_id = fields.Many2one(
        "stock.warehouse.orderpoint",
        "Reorder Rule",
        index=True,
        ondelete="set null",
        check_company=True,
    )
    action = fields.Selection(PROPOSAL_ACTIONS, required=True, default="update")
    old_min_qty = fields.Float("Current Min", digits="Product Unit", readonly=True)
    new_min_qty = fields.Float("Proposed Min", digits="Product Unit")
    old_max_qty = fields.Float("Current Max", digits="Product Unit", readonly=True)
    new_max_qty = fields.Float("Proposed Max", digits="Product Unit")
    old_multiple_id = fields.Many2one("uom.uom", "Current Multiple", readonly=True)
    new_multiple_id = fields.Many2one("uom.uom", "Proposed Multiple")
    new_trigger = fields.Selection([("auto", "Auto"), ("manual", "Manual")], default="auto")
    min_change_pct = fields.Float(
        "Min Change (%)",
        digits=(16, 1),
        readonly=True,
        help="Change of the min against the rule's; empty when the rule had no min.",
    )
    max_change_pct = fields.Float(
        "Max Change (%)",
        digits=(16, 1),
        readonly=True,
        help="Change of the max against the rule's; empty when the rule had no max.",
    )
    unit_cost = fields.Float(digits="Product Price", readonly=True)
    stock_value_change = fields.Monetary(
        currency_field="currency_id",
        readonly=True,
        help="Change of the average stock value (working capital), valuing the midpoint "
        "of the min / max band at the product cost: cost x (new min + new max - old min - "
        "old max) / 2.",
    )
    abs_value_change = fields.Float(readonly=True)
    reason = fields.Selection(REASONS, required=True, default="manual")
    reason_detail = fields.Text("Why", help="What changed since the rule was last set.")
    state = fields.Selection(
        PROPOSAL_STATES, required=True, default="pending", index=True, tracking=True
    )
    state_sequence = fields.Integer(compute="_compute_state_sequence", store=True, precompute=True)
    within_tolerance = fields.Boolean(readonly=True)
    keep_until_decided = fields.Boolean(
        readonly=True,
        help="A proposal a manager's decision stands behind (a scenario's pilot): the "
        "nightly run neither supersedes it nor proposes over it; it waits for approval "
        "or rejection like any other.",
    )
    proposed_by_id = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True)
    approved_by_id = fields.Many2one("res.users", "Decided By", readonly=True)
    date_proposed = fields.Datetime(default=fields.Datetime.now, readonly=True)
    date_decided = fields.Datetime("Decided On", readonly=True)
    audit_ids = fields.One2many("stock.replenishment.audit", "proposal_id")

    @api.depends("product_id", "warehouse_id")
    def _compute_display_name(self):
        for proposal in self:
            proposal.display_name = (
                f"{proposal.product_id.display_name} @ {proposal.warehouse_id.code or ''}"
            )

    @api.depends("state")
    def _compute_state_sequence(self):
        for proposal in self:
            proposal.state_sequence = STATE_SEQUENCE.get(proposal.state, 9)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            vals_list = [self._manual_proposal_vals(vals) for vals in vals_list]
        # A buyer's manual proposal starts from the rule as it is now.
        for vals in vals_list:
            if vals.get("reason", "manual") != "manual" or not vals.get("profile_id"):
                continue
            profile = self.env["stock.planning.profile"].browse(vals["profile_id"])
            op = profile.orderpoint_id
            vals.setdefault("segment_id", profile.segment_id.id)
            vals.setdefault("orderpoint_id", op.id)
            vals.setdefault("action", "update" if op else "create")
            vals.setdefault("old_min_qty", op.product_min_qty)
            vals.setdefault("old_max_qty", op.product_max_qty)
            vals.setdefault("old_multiple_id", op.replenishment_uom_id.id)
            vals.setdefault("new_multiple_id", op.replenishment_uom_id.id)
            vals.setdefault("new_trigger", op.trigger or "auto")
            vals.setdefault("unit_cost", profile.product_id.standard_price)
            cost = vals["unit_cost"] or 0.0
            change = (
                cost
                * (
                    vals.get("new_min_qty", 0.0)
                    + vals.get("new_max_qty", 0.0)
                    - vals["old_min_qty"]
                    - vals["old_max_qty"]
                )
                / 2.0
            )
            vals.setdefault("stock_value_change", change)
            vals.setdefault("abs_value_change", abs(change))
        proposals = super().create(vals_list)
        proposals._clear_change_from_zero()
        manual = proposals.filtered(lambda p: p.state == "pending" and p.reason == "manual")
        if manual:
            manual._schedule_approval_activities()
        return proposals

    @api.model
    def _insert_job_proposals(self, vals_list):
        """The nightly job's proposals in one INSERT, whatever their number.

        Stores what the ORM's create stores for them under the job's context (no
        creation message, follower nor tracking): the plan's product, warehouse and
        company, the state's sequence, the defaults of the other fields, and no change
        percentage for a min or max raised from zero (see
        :meth:`_clear_change_from_zero`). Returns the proposals."""
        if not vals_list:
            return self.browse()
        profiles = (
            self.env["stock.planning.profile"]
            .sudo()
            .browse({vals["profile_id"] for vals in vals_list})
        )
        profiles.fetch(["product_id", "warehouse_id", "company_id"])
        # Each quantity field's digits, looked up once for the batch.
        digits = {
            name: self._fields[name].get_digits(self.env)
            for name in ("old_min_qty", "new_min_qty", "old_max_qty", "new_max_qty")
        }

        def is_zero(vals, name):
            # Compared as stored (rounded to the field's digits, as the field's
            # convert_to_column rounds it), as the SQL of _clear_change_from_zero
            # compares.
            value = float(vals.get(name) or 0.0)
            if digits[name]:
                value = float_round(value, precision_digits=digits[name][1])
            return value == 0.0

        rows = []
        for vals in vals_list:
            profile = profiles.browse(vals["profile_id"])
            row = dict(
                vals,
                product_id=profile.product_id.id,
                warehouse_id=profile.warehouse_id.id,
                company_id=profile.company_id.id,
            )
            row.setdefault("state", "pending")
            row["state_sequence"] = STATE_SEQUENCE.get(row["state"], 9)
            for pct, old, new in (
                ("min_change_pct", "old_min_qty", "new_min_qty"),
                ("max_change_pct", "old_max_qty", "new_max_qty"),
            ):
                if is_zero(row, old) and not is_zero(row, new):
                    row.pop(pct, None)  # NULL: "from zero"
                else:
                    row.setdefault(pct, 0.0)
            rows.append(row)
        return insert_records(self, rows)

    def _clear_change_from_zero(self):
        """A min or max raised from zero has no percentage change: NULL (shown as "from
        zero"), not 0 % nor an infinite one. One UPDATE for the records."""
        if not self:
            return
        self.flush_recordset(["old_min_qty", "new_min_qty", "old_max_qty", "new_max_qty"])
        self.env.cr.execute(
            SQL(
                """
            UPDATE stock_replenishment_proposal
               SET min_change_pct = CASE WHEN COALESCE(old_min_qty, 0) = 0
                                          AND COALESCE(new_min_qty, 0) != 0
                                         THEN NULL ELSE min_change_pct END,
                   max_change_pct = CASE WHEN COALESCE(old_max_qty, 0) = 0
                                          AND COALESCE(new_max_qty, 0) != 0
                                         THEN NULL ELSE max_change_pct END
             WHERE id = ANY(%s)
            """,
                self.ids,
            )
        )
        self.invalidate_recordset(["min_change_pct", "max_change_pct"])

    def _manual_proposal_vals(self, vals):
        """A user's proposal: pending, in their name, on the plan's own reorder rule."""
        user_action = vals.get("action")
        vals = {k: v for k, v in vals.items() if k not in PROTECTED_FIELDS or k == "profile_id"}
        profile = self.env["stock.planning.profile"].browse(vals.get("profile_id"))
        op = profile.orderpoint_id
        vals.update(
            reason="manual",
            state="pending",
            within_tolerance=False,
            proposed_by_id=self.env.user.id,
            orderpoint_id=op.id,
            action=(user_action if user_action in ("update", "archive") else "update")
            if op
            else "create",
        )
        return vals

    def write(self, vals):
        if self.env.su:
            return super().write(vals)
        if PROTECTED_FIELDS & set(vals):
            raise AccessError(
                self.env._(
                    "The rule, state, current values and proposer of a proposal are set by "
                    "planning only."
                )
            )
        if not PROPOSED_FIELDS & set(vals):
            return super().write(vals)
        if any(p.state != "pending" for p in self):
            raise UserError(self.env._("Only pending proposals can be changed."))
        res = super().write(vals)
        # The editor now proposes the change: another manager has to approve it.
        for proposal in self.sudo():
            change = (
                proposal.unit_cost
                * (
                    proposal.new_min_qty
                    + proposal.new_max_qty
                    - proposal.old_min_qty
                    - proposal.old_max_qty
                )
                / 2.0
            )
            proposal.write(
                {
                    "proposed_by_id": self.env.user.id,
                    "date_proposed": fields.Datetime.now(),
                    "within_tolerance": False,
                    "stock_value_change": change,
                    "abs_value_change": abs(change),
                }
            )
        return res

    # ------------------------------------------------------------------ actions
    def action_approve(self):
        """Apply pending proposals; only a Planning Manager who did not propose them."""
        self._check_can_decide()
        pending = self.filtered(lambda p: p.state == "pending")
        pending._check_not_quarantined()
        pending.sudo()._apply(approved_by=self.env.user)
        pending.sudo()._set_review_triggers()
        return True

    def _set_review_triggers(self):
        """A periodic-review rule created or reactivated by an approval gets its
        review-day trigger and snooze at once, as the nightly job sets them."""
        toggles = []
        for p in self.filtered(lambda p: p.action != "archive" and p.orderpoint_id.active):
            segment = p.profile_id.segment_id
            if segment.replenishment_policy != "RS":
                continue
            op = p.orderpoint_id
            toggles.append(
                (
                    {"id": op.id, "trigger": op.trigger, "snoozed_until": op.snoozed_until},
                    {"segment_id": segment.id},
                )
            )
        if toggles:
            self.env["stock.planning.profile"]._apply_review_calendar(
                {"today": self.env["stock.planning.run"]._planning_day()}, toggles
            )

    def _check_not_quarantined(self):
        """A quarantined plan keeps its last good rule: its proposals cannot be applied
        until its data is corrected or confirmed and the nightly screen releases it."""
        quarantined = self.sudo().profile_id.filtered("data_quarantine")
        if not quarantined:
            return
        raise UserError(
            self.env._(
                "The plan is quarantined: the nightly data screen does not trust its data, "
                "so its reorder rule stays as it is and no proposal of it can be approved. "
                "Correct the data, or have a buyer confirm the values, then approve after "
                "the next nightly run.\n%(plans)s",
                plans="\n".join(
                    self.env._(
                        "%(plan)s: %(findings)s",
                        plan=plan.display_name,
                        findings=plan.data_findings or self.env._("no findings recorded"),
                    )
                    for plan in quarantined
                ),
            )
        )

    def action_reject(self):
        self._check_can_decide()
        pending = self.filtered(lambda p: p.state == "pending")
        pending.sudo().write(
            {
                "state": "rejected",
                "approved_by_id": self.env.user.id,
                "date_decided": fields.Datetime.now(),
            }
        )
        pending.sudo()._close_activities()
        return True

    def action_rollback(self):
        """Restore the reorder rule values that were in force before these proposals."""
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            raise AccessError(self.env._("Only a Planning Manager can roll back a change."))
        applied = self.filtered(lambda p: p.state in APPLIED_STATES)
        applied.sudo()._rollback()
        return True

    def _check_can_decide(self):
        if self.env.su:
            return
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only a Planning Manager can approve or reject proposals.")
            )
        own = self.filtered(lambda p: p.proposed_by_id == self.env.user)
        if own:
            raise UserError(
                self.env._(
                    "You proposed %s yourself: another Planning Manager must decide.",
                    ", ".join(own.mapped("display_name")),
                )
            )

    # ------------------------------------------------------------------ apply
    def _apply(self, approved_by=None, recompute=True):
        """Write the proposals to Odoo's reorder rules in bulk and leave audit rows.

        Updates are one UPDATE ... FROM unnest(...) whatever their number; new rules are
        inserted in one statement (``stock.warehouse.orderpoint._planning_create``).
        Odoo's quantity to order and deadline of the created rules, and of the updated
        ones when ``recompute``, are recomputed here in one pass for all of them
        (``stock.warehouse.orderpoint._planning_recompute``: Odoo's computation, without
        its second read per rule); without it the Replenishment screen would show the
        old values until Odoo's scheduler runs."""
        if not self:
            return
        Orderpoint = (
            self.env["stock.warehouse.orderpoint"]
            .sudo()
            .with_context(stock_segment_planning_apply=True, active_test=False)
        )
        now = fields.Datetime.now()
        # The proposals and their rules in cache in one query each (reading them one by
        # one would fetch 1,000 at a time).
        self.fetch(
            ["profile_id", "product_id", "warehouse_id", "company_id", "orderpoint_id"]
            + ["action", "state", "new_min_qty", "new_max_qty", "new_multiple_id"]
            + ["new_trigger", "old_min_qty", "old_max_qty", "old_multiple_id"]
            + ["proposed_by_id", "reason", "reason_detail"]
        )
        Orderpoint.browse(self.orderpoint_id.ids).fetch(["active"])
        creates = self.filtered(lambda p: p.action == "create" and not p.orderpoint_id)
        updates = self - creates
        audits = []
        if creates:
            created = Orderpoint._planning_create(
                [
                    {
                        # Named after the plan: one sequence call per rule would make the
                        # queries of a batch grow with its size.
                        "name": f"OP/PLN/{p.profile_id.id}",
                        "product_id": p.product_id.id,
                        "warehouse_id": p.warehouse_id.id,
                        "location_id": p.warehouse_id.lot_stock_id.id,
                        "company_id": p.company_id.id,
                        "product_min_qty": p.new_min_qty,
                        "product_max_qty": p.new_max_qty,
                        "replenishment_uom_id": p.new_multiple_id.id,
                        "trigger": p.new_trigger or "auto",
                        "planning_profile_id": p.profile_id.id,
                    }
                    for p in creates
                ]
            )
            # Odoo's quantity to order of the new rules, stored in one UPDATE.
            created._planning_recompute()
            # One UPDATE for the links, not one per 100 proposals at the next flush.
            self.env.flush_all()
            self.env.cr.execute(
                SQL(
                    """
                UPDATE stock_replenishment_proposal p SET orderpoint_id = v.op
                  FROM unnest(%s::int4[], %s::int4[]) AS v(id, op) WHERE p.id = v.id
                """,
                    creates.ids,
                    created.ids,
                )
            )
            creates.invalidate_recordset(["orderpoint_id"])
            creates.fetch(["orderpoint_id"])
            for proposal in creates:
                audits.append(proposal._audit_vals("create", approved_by, old_active=False))
        rows = []
        for p in updates:
            active = p.action != "archive"
            rows.append(
                (
                    p.orderpoint_id.id,
                    p.new_min_qty,
                    p.new_max_qty,
                    p.new_multiple_id.id or None,
                    active,
                    p.profile_id.id,
                )
            )
            audits.append(
                p._audit_vals(
                    "archive" if not active else "update",
                    approved_by,
                    old_active=p.orderpoint_id.active,
                )
            )
        if rows:
            self._write_orderpoints(rows, recompute=recompute)
        self.env["stock.replenishment.audit"].sudo()._insert(audits)
        self.invalidate_recordset(["audit_ids"])
        auto = self.filtered(lambda p: p.state != "pending" or not approved_by)
        decided = self - auto
        if auto and self.env.context.get("tracking_disable"):
            # The nightly job (no tracking): one UPDATE, not one per 100 proposals.
            self.env.flush_all()
            self.env.cr.execute(
                SQL(
                    """
                UPDATE stock_replenishment_proposal
                   SET state = 'auto_applied', state_sequence = %s, date_decided = %s,
                       write_date = now() AT TIME ZONE 'UTC', write_uid = %s
                 WHERE id = ANY(%s)
                    """,
                    STATE_SEQUENCE["auto_applied"],
                    now,
                    self.env.uid,
                    auto.ids,
                )
            )
            auto.invalidate_recordset(
                ["state", "state_sequence", "date_decided", "write_date", "write_uid"]
            )
        elif auto:
            auto.write({"state": "auto_applied", "date_decided": now})
        if decided:
            decided.write(
                {"state": "approved", "approved_by_id": approved_by.id, "date_decided": now}
            )
            decided._close_activities()
        self.profile_id.invalidate_recordset(["orderpoint_id"])

    def _write_orderpoints(self, rows, recompute=True):
        """Min, max, multiple, active flag and plan of reorder rules in one UPDATE ...
        FROM unnest(...); ``rows``: [(rule id, min, max, multiple id or None, active,
        plan id)]."""
        self.env.flush_all()
        ids, min_qty, max_qty, multiple, active, profile = (
            list(c) for c in zip(*rows, strict=True)
        )
        self.env.cr.execute(
            SQL(
                """
            UPDATE stock_warehouse_orderpoint op
               SET product_min_qty = v.min_qty, product_max_qty = v.max_qty,
                   replenishment_uom_id = v.multiple, active = v.active,
                   planning_profile_id = v.profile,
                   write_date = now() AT TIME ZONE 'UTC', write_uid = %s
              FROM unnest(%s::int4[], %s::float8[], %s::float8[], %s::int4[], %s::bool[],
                          %s::int4[]) AS v(id, min_qty, max_qty, multiple, active, profile)
             WHERE op.id = v.id
         RETURNING op.id
            """,
                self.env.uid,
                ids,
                min_qty,
                max_qty,
                multiple,
                active,
                profile,
            )
        )
        ids = [r[0] for r in self.env.cr.fetchall()]
        Orderpoint = self.env["stock.warehouse.orderpoint"].sudo()
        Orderpoint.invalidate_model()
        if recompute and ids:
            Orderpoint.browse(ids)._planning_recompute()

    def _audit_vals(self, action, approved_by, old_active=True):
        self.ensure_one()
        return {
            "proposal_id": self.id,
            "orderpoint_id": self.orderpoint_id.id,
            "profile_id": self.profile_id.id,
            "product_id": self.product_id.id,
            "warehouse_id": self.warehouse_id.id,
            "company_id": self.company_id.id,
            "action": action,
            "old_min_qty": self.old_min_qty,
            "new_min_qty": self.new_min_qty if action != "archive" else self.old_min_qty,
            "old_max_qty": self.old_max_qty,
            "new_max_qty": self.new_max_qty if action != "archive" else self.old_max_qty,
            "old_multiple_id": self.old_multiple_id.id,
            "new_multiple_id": self.new_multiple_id.id,
            "old_active": old_active,
            "new_active": action != "archive",
            "proposed_by_id": self.proposed_by_id.id,
            "approved_by_id": approved_by.id if approved_by else False,
            "reason": self.reason_detail or dict(REASONS).get(self.reason),
        }

    def _rollback(self):
        rows, audits = [], []
        for p in self:
            op = p.orderpoint_id
            if not op:
                continue
            # A rule gets back its old values and the active flag it had before the proposal
            # (a rule it created or reactivated is archived).
            applied = p.audit_ids.filtered(lambda a: a.action != "rollback").sorted("id")[:1]
            active = applied.old_active if applied else p.action != "create"
            rows.append(
                (
                    op.id,
                    p.old_min_qty,
                    p.old_max_qty,
                    p.old_multiple_id.id or None,
                    active,
                    p.profile_id.id,
                )
            )
            audits.append(
                {
                    "proposal_id": p.id,
                    "orderpoint_id": op.id,
                    "profile_id": p.profile_id.id,
                    "product_id": p.product_id.id,
                    "warehouse_id": p.warehouse_id.id,
                    "company_id": p.company_id.id,
                    "action": "rollback",
                    "old_min_qty": op.product_min_qty,
                    "new_min_qty": p.old_min_qty,
                    "old_max_qty": op.product_max_qty,
                    "new_max_qty": p.old_max_qty,
                    "old_multiple_id": op.replenishment_uom_id.id,
                    "new_multiple_id": p.old_multiple_id.id,
                    "old_active": op.active,
                    "new_active": active,
                    "proposed_by_id": p.proposed_by_id.id,
                    "approved_by_id": self.env.user.id,
                    "reason": self.env._("Rollback of proposal %s", p.id),
                }
            )
        if rows:
            self._write_orderpoints(rows)
        self.env["stock.replenishment.audit"].sudo().create(audits)
        self.write({"state": "rolled_back"})

    # ------------------------------------------------------------------ approval
    def _approver(self):
        """The Planning Manager who receives the approval activity."""
        icp = self.env["ir.config_parameter"].sudo()
        approver_id = int(icp.get_param("stock_segment_replenishment.approver_id", 0) or 0)
        approver = self.env["res.users"].sudo().browse(approver_id).exists()
        if approver:
            return approver
        group = self.env.ref(MANAGER_GROUP)
        candidates = group.sudo().all_user_ids.filtered(
            lambda u: u.active and not u._is_superuser() and u.share is False
        )
        return candidates.sorted("id")[:1]

    @api.model
    def _rule_change_values(self, profile, new_min, new_max, unit_cost, action=None):
        """The figures a proposal stores for changing ``profile``'s reorder rule to
        ``new_min`` / ``new_max``: old and new values, the changes in percent (none from
        zero) and the change of stock value at ``unit_cost``
        (:func:`invplan.kpi_report.working_capital_effect`). For the addons that propose
        a rule outside the nightly job (network placement, scenario pilots)."""
        op = profile.orderpoint_id
        old_min = op.product_min_qty if op else 0.0
        old_max = op.product_max_qty if op else 0.0
        change = float(working_capital_effect(old_min, old_max, new_min, new_max, unit_cost)[0])

        def pct(old, new):
            return abs(new - old) / abs(old) * 100.0 if old else 0.0

        return {
            "profile_id": profile.id,
            "segment_id": profile.segment_id.id,
            "orderpoint_id": op.id,
            "action": action or ("update" if op else "create"),
            "old_min_qty": old_min,
            "new_min_qty": new_min,
            "old_max_qty": old_max,
            "new_max_qty": new_max,
            "old_multiple_id": op.replenishment_uom_id.id,
            "new_multiple_id": op.replenishment_uom_id.id,
            "new_trigger": op.trigger or "auto",
            "min_change_pct": pct(old_min, new_min),
            "max_change_pct": pct(old_max, new_max),
            "unit_cost": unit_cost,
            "stock_value_change": change,
            "abs_value_change": abs(change),
            "state": "pending",
            "within_tolerance": False,
        }

    @api.model
    def _propose_in_place_of_pending(self, vals_list, profiles=None):
        """Create pending proposals made outside the nightly job (``vals_list``), in place
        of what waits for approval on the same plans (or on ``profiles``): two pending
        changes of one rule would leave the approver to guess. Returns the proposals,
        each with its approval activity."""
        Proposal = self.sudo().with_context(
            tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
        )
        if profiles is None:
            profile_ids = [v["profile_id"] for v in vals_list]
        else:
            profile_ids = profiles.ids
        replaced = Proposal.search([("profile_id", "in", profile_ids), ("state", "=", "pending")])
        if replaced:
            replaced.write({"state": "superseded", "date_decided": fields.Datetime.now()})
            replaced._close_activities()
        proposals = Proposal.create(vals_list) if vals_list else Proposal
        proposals._schedule_approval_activities()
        return proposals

    def _schedule_approval_activities(self):
        """One to-do activity per pending proposal for the approver (not the proposer)."""
        if not self:
            return  # finding the approver alone takes seven queries
        approver = self._approver()
        if not approver:
            return
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        model = self.env["ir.model"]._get_id(self._name)
        # Names in one read: the activity would otherwise read each proposal's product.
        names = dict(zip(self.ids, self.mapped("display_name"), strict=True))
        vals = []
        for p in self:
            user = approver
            if user == p.proposed_by_id:
                continue
            vals.append(
                {
                    "res_model_id": model,
                    "res_id": p.id,
                    "res_name": names[p.id],
                    "activity_type_id": todo.id if todo else False,
                    "summary": self.env._("Approve reorder rule change"),
                    "user_id": user.id,
                    "date_deadline": fields.Date.context_today(self),
                }
            )
        if vals:
            self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
                vals
            )

    def _close_activities(self):
        # One search for all the proposals (reading their activities fetches 1,000
        # proposals at a time).
        self.env["mail.activity"].sudo().search(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)]
        ).unlink()

    def _supersede_by_job(self):
        """Proposals replaced by a newer one of the nightly job, in one UPDATE (the
        job's write had tracking disabled: no chatter message), their approval
        activities closed."""
        if not self:
            return
        names = ["state", "state_sequence", "date_decided"]
        self.flush_recordset(names)
        self.env.cr.execute(
            SQL(
                """
            UPDATE stock_replenishment_proposal
               SET state = 'superseded', state_sequence = %(sequence)s,
                   date_decided = %(now)s, write_uid = %(uid)s, write_date = %(tx_now)s
             WHERE id = ANY(%(ids)s)
                """,
                sequence=STATE_SEQUENCE.get("superseded", 9),
                now=fields.Datetime.now(),
                uid=self.env.uid,
                tx_now=self.env.cr.now(),
                ids=self.ids,
            )
        )
        self.invalidate_recordset([*names, "write_uid", "write_date"])
        self.modified(names)
        self._close_activities()

    @api.model
    def _pending_value_total(self):
        """Stock value effect of all pending proposals of the current companies."""
        groups = self._read_group(
            [("state", "=", "pending"), ("company_id", "in", self.env.companies.ids)],
            [],
            ["stock_value_change:sum"],
        )
        return groups[0][0] if groups else 0.0
