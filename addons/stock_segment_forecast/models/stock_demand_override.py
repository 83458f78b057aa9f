from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

MANAGER_GROUP = "stock_segment.group_planning_manager"
REASON_CODES = [
    ("promotion", "Promotion / marketing action"),
    ("customer", "Customer information"),
    ("market", "Market intelligence"),
    ("new_business", "New business / listing"),
    ("lost_business", "Lost business / delisting"),
    ("supply", "Supply constraint"),
    ("correction", "Correction of the statistical forecast"),
    ("other", "Other"),
]
# Set only by the actions (under sudo) and the scheduled jobs, never by a user directly.
PROTECTED_FIELDS = frozenset(
    {
        "state",
        "proposer_id",
        "proposed_date",
        "approver_id",
        "approved_date",
        "auto_approved",
        "statistical_qty",
        "override_total_qty",
        "deviation_pct",
        "tolerance_pct",
    }
)


class StockDemandOverride(models.Model):
    """A buyer's correction of the forecast of one plan over a range of buckets."""

    _name = "stock.demand.override"
    _description = "Demand Forecast Override"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    profile_id = fields.Many2one(
        "stock.planning.profile",
        "Plan",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        tracking=True,
    )
    product_id = fields.Many2one(related="profile_id.product_id", store=True)
    warehouse_id = fields.Many2one(related="profile_id.warehouse_id", store=True)
    segment_id = fields.Many2one(related="profile_id.segment_id", store=True)
    company_id = fields.Many2one(
        related="profile_id.company_id", store=True, index=True, precompute=True
    )
    date_from = fields.Date(
        "From", required=True, tracking=True, help="First bucket start covered."
    )
    date_to = fields.Date("To", required=True, tracking=True, help="Last bucket start covered.")
    override_type = fields.Selection(
        [("quantity", "Quantity per bucket"), ("percent", "Percent of statistical")],
        "Type",
        required=True,
        default="quantity",
        tracking=True,
    )
    quantity = fields.Float(digits="Product Unit", tracking=True)
    percent = fields.Float(
        "Change (%)", tracking=True, help="+20 raises the statistical forecast by 20%."
    )
    reason_code = fields.Selection(REASON_CODES, "Reason", required=True, tracking=True)
    comment = fields.Text()
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("to_approve", "To Approve"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
            ("cancelled", "Cancelled"),
            ("expired", "Expired"),
        ],
        required=True,
        default="draft",
        tracking=True,
        index=True,
    )
    proposer_id = fields.Many2one(
        "res.users", "Proposed By", required=True, default=lambda self: self.env.user, readonly=True
    )
    proposed_date = fields.Datetime("Proposed On", readonly=True)
    approver_id = fields.Many2one("res.users", "Approved By", readonly=True, tracking=True)
    approved_date = fields.Datetime("Approved On", readonly=True)
    auto_approved = fields.Boolean(
        readonly=True, help="Within the segment's tolerance: applied without approval."
    )
    statistical_qty = fields.Float(
        "Replaced Statistical Qty",
        digits="Product Unit",
        readonly=True,
        help="Statistical forecast over the range when the override was proposed.",
    )
    override_total_qty = fields.Float(
        "Override Qty", digits="Product Unit", readonly=True, help="Override over the range."
    )
    deviation_pct = fields.Float(
        "Deviation (%)", readonly=True, help="Change from the statistical forecast."
    )
    tolerance_pct = fields.Float("Tolerance (%)", readonly=True)
    closed_bucket_count = fields.Integer(compute="_compute_value_added")
    value_added_qty = fields.Float(
        "Forecast Value Added",
        compute="_compute_value_added",
        digits="Product Unit",
        help="Over the closed buckets: absolute error of the statistical forecast minus "
        "absolute error with this override. Positive: the override helped.",
    )

    _date_range_valid = models.Constraint(
        "CHECK (date_to >= date_from)", "An override cannot end before it starts."
    )

    @api.depends("profile_id", "date_from", "date_to")
    def _compute_name(self):
        for override in self:
            override.name = self.env._(
                "%(plan)s: %(start)s to %(end)s",
                plan=override.profile_id.display_name or "",
                start=override.date_from or "",
                end=override.date_to or "",
            )

    def _compute_value_added(self):
        groups = self.env["stock.demand.forecast"]._read_group(
            [("override_id", "in", self.ids), ("state", "=", "closed")],
            ["override_id"],
            ["__count", "value_added_qty:sum"],
        )
        data = {override: (count, fva) for override, count, fva in groups}
        for override in self:
            count, fva = data.get(override, (0, 0.0))
            override.closed_bucket_count = count
            override.value_added_qty = fva

    @api.constrains("override_type", "quantity", "percent")
    def _check_values(self):
        for override in self:
            if override.override_type == "quantity" and override.quantity < 0:
                raise ValidationError(self.env._("An override quantity cannot be negative."))
            if override.override_type == "percent" and override.percent < -100:
                raise ValidationError(
                    self.env._("An override cannot lower the forecast below zero.")
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            # A user proposes a draft in their own name; the workflow fields are the actions'.
            vals_list = [
                {
                    **{k: v for k, v in vals.items() if k not in PROTECTED_FIELDS},
                    "state": "draft",
                    "proposer_id": self.env.user.id,
                }
                for vals in vals_list
            ]
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and PROTECTED_FIELDS & set(vals):
            raise AccessError(
                self.env._(
                    "The state, proposer and approval of an override are set by its actions only."
                )
            )
        locked = {"profile_id", "date_from", "date_to", "override_type", "quantity", "percent"}
        if locked & set(vals) and any(o.state not in ("draft", "rejected") for o in self):
            raise UserError(self.env._("Only draft or rejected overrides can be changed."))
        return super().write(vals)

    # ------------------------------------------------------------------ actions
    def action_submit(self):
        """Apply within tolerance, otherwise ask the Planning Managers to approve."""
        self.check_access("write")
        for override in self:
            if override.state not in ("draft", "rejected"):
                raise UserError(self.env._("Only draft or rejected overrides can be submitted."))
            statistical, total, count = override._compare_with_statistical()
            if not count:
                raise UserError(
                    self.env._("No open forecast bucket starts in the range of the override.")
                )
            tolerance = override.profile_id.segment_id.auto_apply_tolerance or 0.0
            if statistical > 0:
                deviation = abs(total - statistical) / statistical * 100.0
            else:
                deviation = 0.0 if total == 0 else 100.0
            vals = {
                "statistical_qty": statistical,
                "override_total_qty": total,
                "deviation_pct": deviation,
                "tolerance_pct": tolerance,
                "proposer_id": self.env.user.id,
                "proposed_date": fields.Datetime.now(),
                "approver_id": False,
                "approved_date": False,
            }
            # A quarantined plan's data is under review: every override waits for approval.
            quarantined = override.profile_id.data_quarantine
            if deviation <= tolerance and statistical > 0 and not quarantined:
                vals.update(
                    state="approved", auto_approved=True, approved_date=fields.Datetime.now()
                )
                override.sudo().write(vals)
                override.message_post(body=self.env._("Within the segment's tolerance: applied."))
            else:
                vals.update(state="to_approve", auto_approved=False)
                override.sudo().write(vals)
                override._schedule_approval_activities()
        self._refresh_forecast_lines()
        return True

    def action_approve(self):
        self._check_can_approve()
        now = fields.Datetime.now()
        for override in self:
            if override.state != "to_approve":
                raise UserError(self.env._("Only overrides waiting for approval can be approved."))
            override.sudo().write(
                {"state": "approved", "approver_id": self.env.user.id, "approved_date": now}
            )
        self.activity_feedback(["mail.mail_activity_data_todo"], feedback=self.env._("Approved"))
        self._refresh_forecast_lines()
        return True

    def action_reject(self):
        self._check_can_approve()
        for override in self:
            if override.state != "to_approve":
                raise UserError(self.env._("Only overrides waiting for approval can be rejected."))
        self.sudo().write({"state": "rejected"})
        self.activity_feedback(["mail.mail_activity_data_todo"], feedback=self.env._("Rejected"))
        return True

    def action_cancel(self):
        """The proposer or a Planning Manager withdraws a pending or applied override."""
        self._check_owner_or_manager()
        for override in self:
            if override.state not in ("draft", "to_approve", "approved"):
                raise UserError(
                    self.env._(
                        "Only draft, waiting or approved overrides can be cancelled: %s.",
                        override.name,
                    )
                )
        self.sudo().write({"state": "cancelled"})
        self.activity_unlink(["mail.mail_activity_data_todo"])
        self._refresh_forecast_lines()
        return True

    def action_reset_to_draft(self):
        """The proposer or a Planning Manager reopens a rejected or cancelled override."""
        self._check_owner_or_manager()
        for override in self:
            if override.state not in ("rejected", "cancelled"):
                raise UserError(
                    self.env._(
                        "Only rejected or cancelled overrides can go back to draft: %s.",
                        override.name,
                    )
                )
        self.sudo().write({"state": "draft"})
        return True

    # ------------------------------------------------------------------ helpers
    def _check_owner_or_manager(self):
        self.check_access("write")
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        for override in self:
            if override.proposer_id != self.env.user:
                raise AccessError(
                    self.env._(
                        "Only the proposer or a Planning Manager can change the override %s.",
                        override.name,
                    )
                )

    def _check_can_approve(self):
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            raise AccessError(
                self.env._("Only a Planning Manager can approve or reject overrides.")
            )
        for override in self:
            if override.proposer_id == self.env.user:
                raise UserError(
                    self.env._(
                        "You proposed the override %s: another manager must approve it.",
                        override.name,
                    )
                )

    def _compare_with_statistical(self):
        """(statistical total, override total, bucket count) over the open lines in the range."""
        self.ensure_one()
        lines = (
            self.env["stock.demand.forecast"]
            .sudo()
            .search(
                [
                    ("profile_id", "=", self.profile_id.id),
                    ("state", "=", "forecast"),
                    ("date_start", ">=", self.date_from),
                    ("date_start", "<=", self.date_to),
                ]
            )
        )
        statistical = sum(lines.mapped("statistical_qty"))
        if self.override_type == "percent":
            total = max(statistical * (1.0 + self.percent / 100.0), 0.0)
        else:
            total = self.quantity * len(lines)
        return statistical, total, len(lines)

    def _schedule_approval_activities(self):
        managers = (
            self.env.ref(MANAGER_GROUP)
            .sudo()
            .all_user_ids.filtered(lambda u: u.active and not u.share and u != self.proposer_id)
        )
        # Without another manager the activity still goes to the group's first member.
        managers = managers or self.env.ref(MANAGER_GROUP).sudo().all_user_ids[:1]
        if self.profile_id.data_quarantine:
            note = self.env._(
                "The plan is quarantined (its data is under review): every override needs "
                "approval. Deviation %(dev).1f%%, tolerance %(tol).1f%%.",
                dev=self.deviation_pct,
                tol=self.tolerance_pct,
            )
        else:
            note = self.env._(
                "Deviation %(dev).1f%% is above the tolerance of %(tol).1f%%.",
                dev=self.deviation_pct,
                tol=self.tolerance_pct,
            )
        for user in managers:
            self.sudo().activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Approve forecast override"),
                note=note,
                user_id=user.id,
            )

    def _refresh_forecast_lines(self):
        self.env["stock.demand.forecast"]._refresh_overrides(self.profile_id.ids)

    @api.model
    def _expire_overrides(self, today, company=None):
        """Approved overrides (of ``company``, else all) whose range is over stop applying."""
        domain = [("state", "=", "approved"), ("date_to", "<", today)]
        if company:
            domain.append(("company_id", "=", company.id))
        expired = self.sudo().search(domain)
        if expired:
            expired.write({"state": "expired"})
        return len(expired)
