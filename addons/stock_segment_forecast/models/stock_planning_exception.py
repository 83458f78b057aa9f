from odoo import api, fields, models

EXCEPTION_TYPES = [
    ("tracking_signal", "Tracking signal out of bounds"),
    ("bias", "Forecast bias beyond threshold"),
    ("forecast_error", "Forecast error above the segment's limit"),
    ("demand_spike", "Demand spike"),
    ("no_history", "No demand history"),
    ("method_fallback", "Forecast method fell back"),
    ("data_quality", "Data quality"),
    ("job_failure", "Planning job failed on this plan"),
]
SEVERITIES = [("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical")]
OPEN_STATES = ("new", "in_progress")


class StockPlanningException(models.Model):
    """A planning exception to work: raised and resolved by the planning jobs.

    Shared by every planning addon: a job owns the types it raises (``source``) and syncs
    them with :meth:`_sync_exceptions`, so reruns never duplicate an exception."""

    _name = "stock.planning.exception"
    _description = "Planning Exception"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "state_sequence, financial_impact desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    exception_type = fields.Selection(EXCEPTION_TYPES, "Type", required=True, index=True)
    source = fields.Char(
        required=True,
        default="manual",
        index=True,
        help="Job that raised the exception (forecast, replenishment, ...); that job "
        "resolves it when the condition clears.",
    )
    severity = fields.Selection(SEVERITIES, required=True, default="medium", tracking=True)
    profile_id = fields.Many2one(
        "stock.planning.profile", "Plan", index=True, ondelete="cascade", check_company=True
    )
    product_id = fields.Many2one("product.product", index=True, ondelete="cascade")
    warehouse_id = fields.Many2one("stock.warehouse", ondelete="cascade")
    segment_id = fields.Many2one("stock.segment", ondelete="set null")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    message = fields.Text(required=True)
    state = fields.Selection(
        [
            ("new", "New"),
            ("in_progress", "In Progress"),
            ("done", "Done"),
            ("ignored", "Ignored"),
        ],
        required=True,
        default="new",
        index=True,
        tracking=True,
    )
    state_sequence = fields.Integer(compute="_compute_state_sequence", store=True)
    user_id = fields.Many2one("res.users", "Owner", tracking=True, index=True)
    financial_impact = fields.Monetary(
        currency_field="currency_id",
        help="Estimated value at stake, used to sort the work list.",
    )
    date_detected = fields.Datetime(
        "Detected On", required=True, default=fields.Datetime.now, readonly=True
    )
    date_resolved = fields.Datetime("Resolved On", readonly=True)
    resolved_by_job = fields.Boolean(readonly=True)

    @api.depends("exception_type", "product_id", "warehouse_id")
    def _compute_name(self):
        labels = dict(self._fields["exception_type"]._description_selection(self.env))
        for exc in self:
            parts = [labels.get(exc.exception_type, exc.exception_type or "")]
            if exc.product_id:
                parts.append(exc.product_id.display_name)
            if exc.warehouse_id:
                parts.append(exc.warehouse_id.code)
            exc.name = " - ".join(p for p in parts if p)

    @api.depends("state")
    def _compute_state_sequence(self):
        order = {"new": 1, "in_progress": 2, "ignored": 3, "done": 4}
        for exc in self:
            exc.state_sequence = order.get(exc.state, 9)

    # ------------------------------------------------------------------ actions
    def action_start(self):
        self.write({"state": "in_progress", "user_id": self.env.user.id})

    def action_assign_to_me(self):
        self.write({"user_id": self.env.user.id})

    def action_done(self):
        self.write({"state": "done", "date_resolved": fields.Datetime.now()})

    def action_ignore(self):
        self.write({"state": "ignored", "date_resolved": fields.Datetime.now()})

    def action_reopen(self):
        self.write({"state": "new", "date_resolved": False, "resolved_by_job": False})

    # ------------------------------------------------------------------ job API
    @api.model
    def _sync_exceptions(self, source, types, profile_ids, found):
        """Make the open exceptions of ``source`` match what a job just found.

        ``found`` maps (profile id, type) to a dict of values (message, severity,
        financial_impact, and product / warehouse / segment / company ids). For the
        ``profile_ids`` and ``types`` checked: a found condition with an open (or
        ignored) exception updates it only when its values changed; a new condition
        creates one exception; an open exception whose condition cleared is closed as
        done by the job. Three queries whatever the number of plans.

        Returns (created, updated, resolved) counts."""
        if not profile_ids:
            return 0, 0, 0
        existing = self.sudo().search(
            [
                ("source", "=", source),
                ("exception_type", "in", list(types)),
                ("profile_id", "in", list(profile_ids)),
                ("state", "in", [*OPEN_STATES, "ignored"]),
            ]
        )
        by_key = {}
        for exc in existing:
            by_key.setdefault((exc.profile_id.id, exc.exception_type), exc)
        to_create, to_resolve, updated = [], self.sudo().browse(), 0
        for key, exc in by_key.items():
            if key not in found and exc.state in OPEN_STATES:
                to_resolve |= exc
        for (profile_id, exc_type), vals in found.items():
            exc = by_key.get((profile_id, exc_type))
            if exc is None:
                to_create.append(
                    dict(vals, profile_id=profile_id, exception_type=exc_type, source=source)
                )
                continue
            changes = {}
            if exc.message != vals["message"]:
                changes["message"] = vals["message"]
            if exc.severity != vals["severity"]:
                changes["severity"] = vals["severity"]
            if round(exc.financial_impact, 2) != round(vals.get("financial_impact", 0.0), 2):
                changes["financial_impact"] = vals.get("financial_impact", 0.0)
            if changes:
                exc.with_context(tracking_disable=True).write(changes)
                updated += 1
        ctx = {"tracking_disable": True, "mail_create_nolog": True, "mail_create_nosubscribe": True}
        if to_create:
            self.sudo().with_context(**ctx).create(to_create)
        if to_resolve:
            to_resolve.with_context(**ctx).write(
                {"state": "done", "date_resolved": fields.Datetime.now(), "resolved_by_job": True}
            )
        return len(to_create), updated, len(to_resolve)

    @api.model
    def _raise_job_failure(self, source, profile, message):
        """Record that a job could not process ``profile`` (kept open until it can)."""
        found = {
            (profile.id, "job_failure"): {
                "message": message,
                "severity": "high",
                "financial_impact": 0.0,
                "product_id": profile.product_id.id,
                "warehouse_id": profile.warehouse_id.id,
                "segment_id": profile.segment_id.id,
                "company_id": profile.company_id.id,
            }
        }
        return self._sync_exceptions(source, ["job_failure"], [profile.id], found)
