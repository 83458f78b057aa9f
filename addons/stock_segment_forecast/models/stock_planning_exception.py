from odoo import api, fields, models
from odoo.addons.stock_segment.bulk import insert_records
from odoo.exceptions import AccessError
from odoo.tools import SQL

EXCEPTION_TYPES = [
    # Kept for the exceptions raised before bias and tracking signal became one cause.
    ("tracking_signal", "Tracking signal out of bounds"),
    ("bias", "Forecast bias"),
    ("forecast_error", "Forecast error above the segment's limit"),
    ("demand_spike", "Demand spike"),
    ("no_history", "No demand history"),
    ("method_fallback", "Forecast method fell back"),
    ("data_quality", "Data quality"),
    ("job_failure", "Planning job failed on this plan"),
]
# Columns the jobs refresh on an existing exception, with their SQL cast.
SYNC_COLUMNS = {"message": "text", "severity": "varchar", "financial_impact": "numeric"}
SEVERITIES = [("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical")]
OPEN_STATES = ("new", "in_progress")
# Order of the states in the work list (stored ``state_sequence``).
STATE_SEQUENCE = {"new": 1, "in_progress": 2, "ignored": 3, "done": 4}
# Types that report a job that could not process a plan: always raised, whatever the
# segment's alert setting (they are not business alerts but a plan left unplanned).
ALWAYS_RAISED_TYPES = ("job_failure",)


class StockPlanningException(models.Model):
    """A planning exception to work: raised and resolved by the planning jobs.

    Shared by every planning addon: a job owns the types it raises (``source``) and syncs
    them with :meth:`_sync_exceptions`, so reruns never duplicate an exception."""

    _name = "stock.planning.exception"
    _description = "Planning Exception"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    # The top financial impact first: the buyer works the list from row 1.
    _order = "financial_impact desc nulls last, state_sequence, id desc"
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
        names = self._exception_names(
            [(exc.exception_type, exc.product_id.id, exc.warehouse_id.id) for exc in self]
        )
        for exc, name in zip(self, names, strict=True):
            exc.name = name

    @api.model
    def _exception_names(self, keys):
        """The names of exceptions from their (type, product id, warehouse id): the
        type's label, the product's display name and the warehouse's code. The names of
        many exceptions cost a constant number of queries."""
        labels = dict(self._fields["exception_type"]._description_selection(self.env))
        products = self.env["product.product"].browse({k[1] for k in keys if k[1]})
        warehouses = self.env["stock.warehouse"].browse({k[2] for k in keys if k[2]})
        product_names = dict(zip(products.ids, products.mapped("display_name"), strict=True))
        warehouse_codes = dict(zip(warehouses.ids, warehouses.mapped("code"), strict=True))
        names = []
        for exc_type, product_id, warehouse_id in keys:
            parts = [labels.get(exc_type, exc_type or "")]
            if product_id:
                parts.append(product_names[product_id])
            if warehouse_id:
                parts.append(warehouse_codes[warehouse_id])
            names.append(" - ".join(p for p in parts if p))
        return names

    @api.depends("state")
    def _compute_state_sequence(self):
        for exc in self:
            exc.state_sequence = STATE_SEQUENCE.get(exc.state, 9)

    # ------------------------------------------------------------------ actions
    def _job_owned_fields(self):
        """Fields only the planning jobs write (they run as superuser). People own an
        exception (``user_id``), work it through its buttons and discuss it in the chatter;
        they never move it to another company nor rewrite what the job detected."""
        return {
            "company_id",
            "date_detected",
            "resolved_by_job",
            "exception_type",
            "source",
            "profile_id",
            "product_id",
            "warehouse_id",
            "segment_id",
            "financial_impact",
            "message",
        }

    def write(self, vals):
        if not self.env.su:
            refused = sorted(
                fname
                for fname in set(vals) & self._job_owned_fields()
                if any(
                    self._fields[fname].convert_to_write(exc[fname], exc) != vals[fname]
                    for exc in self
                )
            )
            if refused:
                labels = ", ".join(
                    self._fields[f].get_description(self.env)["string"] for f in refused
                )
                raise AccessError(
                    self.env._(
                        "Planning exceptions are raised and resolved by the planning jobs: "
                        "%(fields)s cannot be changed by hand. Assign an owner, work the "
                        "exception with its buttons or write in its chatter instead.",
                        fields=labels,
                    )
                )
        return super().write(vals)

    def action_start(self):
        """Start working the exception. An owner already assigned keeps it; the current
        user becomes the owner only of the exceptions nobody owns."""
        unassigned = self.filtered(lambda exc: not exc.user_id)
        (self - unassigned).write({"state": "in_progress"})
        unassigned.write({"state": "in_progress", "user_id": self.env.user.id})

    def action_assign_to_me(self):
        self.write({"user_id": self.env.user.id})

    def action_done(self):
        self.write({"state": "done", "date_resolved": fields.Datetime.now()})

    def action_ignore(self):
        self.write({"state": "ignored", "date_resolved": fields.Datetime.now()})

    def action_reopen(self):
        self.write({"state": "new", "date_resolved": False})
        # Reopened by a person: the job no longer counts as the one that resolved it.
        self.filtered("resolved_by_job").sudo().write({"resolved_by_job": False})

    # ------------------------------------------------------------------ job API
    @api.model
    def _sync_exceptions(self, source, types, profile_ids, found):
        """Make the open exceptions of ``source`` match what a job just found.

        ``found`` maps (profile id, type) to a dict of values (message, severity,
        financial_impact, and product / warehouse / segment / company ids). For the
        ``profile_ids`` and ``types`` checked: a found condition with an open (or
        ignored) exception updates it only when its values changed; a new condition
        creates one exception; an open exception whose condition cleared is closed as
        done by the job. A constant number of queries whatever the number of plans:
        one search, one ``UPDATE ... FROM (VALUES ...)`` for the changed exceptions, one
        bulk create and one write for the resolved ones.

        Returns (created, updated, resolved) counts."""
        if not profile_ids:
            return 0, 0, 0
        # Alert-fatigue controls of the segments: a filtered condition is not raised,
        # and its open exception, if any, is closed by the job as cleared.
        found = self._filter_by_segment_alerts(found)
        existing = self.sudo().search_fetch(
            [
                ("source", "=", source),
                ("exception_type", "in", list(types)),
                ("profile_id", "in", list(profile_ids)),
                ("state", "in", [*OPEN_STATES, "ignored"]),
            ],
            ["profile_id", "exception_type", "state", "message", "severity"]
            + ["financial_impact", "company_id"],
        )
        currencies = {c.id: c.currency_id for c in existing.company_id}
        by_key = {}
        for exc in existing:
            by_key.setdefault((exc.profile_id.id, exc.exception_type), exc)
        to_create, to_resolve, updates = [], self.sudo().browse(), []
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
            impact = vals.get("financial_impact", 0.0) or 0.0
            currency = currencies.get(exc.company_id.id)
            if currency:  # rounded as the ORM stores a monetary value
                impact = currency.round(impact)
            if (
                exc.message != vals["message"]
                or exc.severity != vals["severity"]
                or round(exc.financial_impact, 2) != round(impact, 2)
            ):
                updates.append((exc.id, vals["message"], vals["severity"], impact))
        self._write_synced(updates)
        self._create_exceptions(to_create)
        self._resolve_by_job(to_resolve)
        return len(to_create), len(updates), len(to_resolve)

    @api.model
    def _create_exceptions(self, vals_list):
        """Raise many exceptions at once: one INSERT whatever their number.

        ``vals_list``: the values of each exception (``exception_type``, ``source``,
        ``message``, ``severity``, ``financial_impact``, ``profile_id``, ``product_id``,
        ``warehouse_id``, ``segment_id``, ``company_id``); the other fields get their
        defaults. The job's ORM create posted nothing in the chatter (no creation message,
        follower nor tracking): neither does this. The stored name and state sequence are
        computed here as the ORM's create would store them (and the financial impact
        rounded in the company's currency). Returns the exceptions."""
        if not vals_list:
            return self.browse()
        Exception_ = self.sudo().with_context(
            tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
        )
        company_default = self.env.company.id
        rows = []
        for vals in vals_list:
            row = dict(vals)
            row.setdefault("company_id", company_default)
            row.setdefault("state", "new")
            row.setdefault("severity", "medium")
            row.setdefault("source", "manual")
            row.setdefault("date_detected", fields.Datetime.now())
            rows.append(row)
        names = Exception_._exception_names(
            [(r["exception_type"], r.get("product_id"), r.get("warehouse_id")) for r in rows]
        )
        for row, name in zip(rows, names, strict=True):
            row["name"] = name
            row["state_sequence"] = STATE_SEQUENCE.get(row["state"], 9)
        return insert_records(Exception_, rows)

    def _resolve_by_job(self, exceptions):
        """Close ``exceptions`` as done by the job (their condition cleared) in one
        UPDATE, as the job's write without tracking did (no chatter message)."""
        if not exceptions:
            return
        names = ["state", "state_sequence", "date_resolved", "resolved_by_job"]
        exceptions.flush_recordset(names)
        self.env.cr.execute(
            SQL(
                """
            UPDATE stock_planning_exception
               SET state = 'done', state_sequence = %(sequence)s, date_resolved = %(now)s,
                   resolved_by_job = TRUE, write_uid = %(uid)s, write_date = %(tx_now)s
             WHERE id = ANY(%(ids)s)
                """,
                sequence=STATE_SEQUENCE["done"],
                now=fields.Datetime.now(),
                tx_now=self.env.cr.now(),
                uid=self.env.uid,
                ids=exceptions.ids,
            )
        )
        exceptions.invalidate_recordset([*names, "write_uid", "write_date"])
        exceptions.modified(names)

    @api.model
    def _filter_by_segment_alerts(self, found):
        """``found`` without the conditions their segment does not want raised.

        The shared gate of every planning addon: each segment says whether its plans
        raise all exceptions, only those whose financial impact reaches a threshold, or
        none (:attr:`stock.segment.exception_alert_mode`). ``found`` maps a key whose
        first item is a plan id (or any key) to the values of the exception; the segment
        is ``segment_id`` of the values, else the plan's segment. Job failures are always
        kept. One query for the plans without a segment in their values, one read of
        the segments."""
        if not found:
            return found
        missing = {
            key[0]
            for key, vals in found.items()
            if not vals.get("segment_id") and isinstance(key, tuple) and isinstance(key[0], int)
        }
        plan_segment = {}
        if missing:
            plans = self.env["stock.planning.profile"].sudo().browse(missing)
            plan_segment = {p.id: p.segment_id.id for p in plans.exists()}
        segment_of = {}
        for key, vals in found.items():
            seg = vals.get("segment_id") or (
                plan_segment.get(key[0]) if isinstance(key, tuple) else False
            )
            if seg:
                segment_of[key] = seg
        if not segment_of:
            return found
        segments = self.env["stock.segment"].sudo().browse(set(segment_of.values()))
        settings = {
            s.id: (s.exception_alert_mode or "all", s.exception_impact_threshold or 0.0)
            for s in segments.exists()
        }
        kept = {}
        for key, vals in found.items():
            exc_type = vals.get("exception_type") or (
                key[1] if isinstance(key, tuple) and len(key) > 1 else None
            )
            mode, threshold = settings.get(segment_of.get(key), ("all", 0.0))
            if exc_type not in ALWAYS_RAISED_TYPES:
                if mode == "none":
                    continue
                if mode == "threshold" and (vals.get("financial_impact") or 0.0) < threshold:
                    continue
            kept[key] = vals
        return kept

    @api.model
    def _write_synced(self, updates):
        """Message, severity and impact of existing exceptions in one UPDATE.

        ``updates``: [(id, message, severity, financial_impact)]. The row is written
        directly, as the job's ORM write always was with tracking disabled: a severity
        changed by a job leaves no tracking value in the chatter (the job is not the
        author of the change; the next run states the current figures again)."""
        if not updates:
            return
        columns = list(SYNC_COLUMNS)
        # Pending ORM values of these columns must not overwrite the update at flush.
        self.flush_model(columns)
        rows = SQL(", ").join(
            SQL(
                "(%s, %s)",
                exc_id,
                SQL(", ").join(
                    SQL("%s::%s", value, SQL(SYNC_COLUMNS[column]))
                    for column, value in zip(columns, values, strict=True)
                ),
            )
            for exc_id, *values in updates
        )
        self.env.cr.execute(
            SQL(
                """
            UPDATE stock_planning_exception AS e
               SET %(assignments)s,
                   write_date = now() AT TIME ZONE 'UTC',
                   write_uid = %(uid)s
              FROM (VALUES %(rows)s) AS v(id, %(names)s)
             WHERE e.id = v.id
            """,
                assignments=SQL(", ").join(
                    SQL("%s = v.%s", SQL.identifier(c), SQL.identifier(c)) for c in columns
                ),
                uid=self.env.uid,
                rows=rows,
                names=SQL(", ").join(SQL.identifier(c) for c in columns),
            )
        )
        self.env["stock.planning.exception"].browse([u[0] for u in updates]).invalidate_recordset(
            [*columns, "write_date", "write_uid"]
        )

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
