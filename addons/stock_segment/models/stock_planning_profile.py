import logging
import math
import random
import time as time_module
from datetime import datetime, time, timedelta

import numpy as np
import pandas as pd
from odoo import api, fields, models, modules
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, split_every
from psycopg2 import errors as pg_errors

from invplan.classify import (
    assign_segments,
    classify_abc,
    classify_demand_pattern,
    classify_xyz,
    suggest_lifecycle,
)
from invplan.plausibility import finding_lines, signatures_of

from ..bulk import after_insert, default_columns
from .product_template import (
    DECIDED_STAGES,
    ENGINE_TO_PRODUCT_STAGE,
    LIFECYCLE_STAGES,
    STOCK_REMOVING_STAGES,
)

_logger = logging.getLogger(__name__)

ABC_CLASSES = [("A", "A"), ("B", "B"), ("C", "C")]
XYZ_CLASSES = [("X", "X"), ("Y", "Y"), ("Z", "Z")]
DEMAND_PATTERNS = [
    ("smooth", "Smooth"),
    ("erratic", "Erratic"),
    ("intermittent", "Intermittent"),
    ("lumpy", "Lumpy"),
    ("no_demand", "No demand"),
    ("insufficient_history", "Insufficient history"),
]
# Keys written by the engine (invplan.classify); labels a buyer reads.
CLASSIFICATION_STATUSES = [
    ("ok", "Classified"),
    ("no_demand", "No demand in the window"),
    ("insufficient_history", "Too short a history"),
    ("zero_value", "No value (zero cost or price)"),
    ("negative_value", "Negative value"),
    ("nan_input", "Missing value"),
    ("no_rule", "No segment rule matches"),
]
PERIOD_DAYS = 7  # classification works on weekly demand buckets
MANAGER_GROUP = "stock_segment.group_planning_manager"
LOCK_FIELDS = ("segment_id", "segment_locked", "segment_lock_reason")
# Fields of a plan the nightly jobs compute and own. A user changes a plan through an
# override or a proposal (tolerance and approval), never by writing these: only the jobs
# write them, in SQL or in superuser mode. Each addon extending the plan adds its own
# through ``_job_owned_fields``.
JOB_OWNED_FIELDS = frozenset(
    {
        "segment_rule_id",
        "segment_locked_by_id",
        "segment_locked_date",
        "abc_class",
        "xyz_class",
        "demand_pattern",
        "lifecycle_stage_suggested",
        "classification_date",
        "classification_status",
        "annual_value",
        "annual_revenue",
        "annual_margin",
        "annual_consumption_value",
        "order_line_count",
        "value_share",
        "value_cum_share",
        "demand_mean",
        "demand_std",
        "demand_cv",
        "demand_adi",
        "demand_cv2",
        "demand_period_count",
        "days_since_last_demand",
        "data_quarantine",
        "data_findings",
        "data_checked_date",
        "data_confirmed",
    }
)

# Columns the classification writes, with their SQL cast; floats are rounded before the
# comparison so a second run on unchanged data finds nothing to write.
CLASSIFICATION_COLUMNS = {
    "abc_class": "varchar",
    "xyz_class": "varchar",
    "demand_pattern": "varchar",
    "lifecycle_stage_suggested": "varchar",
    "segment_id": "int4",
    "segment_rule_id": "int4",
    "annual_value": "float8",
    "annual_revenue": "float8",
    "annual_margin": "float8",
    "annual_consumption_value": "float8",
    "order_line_count": "int4",
    "value_share": "float8",
    "value_cum_share": "float8",
    "demand_mean": "float8",
    "demand_std": "float8",
    "demand_cv": "float8",
    "demand_adi": "float8",
    "demand_cv2": "float8",
    "demand_period_count": "int4",
    "days_since_last_demand": "int4",
    "classification_status": "varchar",
    "data_quarantine": "bool",
    "data_findings": "text",
    "data_checked_date": "date",
}
# Columns of a plan the classification reads before it computes its changes.
PROFILE_READ_COLUMNS = (
    "id",
    "product_id",
    "warehouse_id",
    "segment_locked",
    *CLASSIFICATION_COLUMNS,
)
# Columns of the plausibility screen: written for a quarantined plan, whose classification
# columns keep their last good values.
SCREEN_COLUMNS = ("data_quarantine", "data_findings", "data_checked_date")
FLOAT_DIGITS = 6
# PostgreSQL errors that a second attempt on a fresh snapshot can clear.
PG_CONCURRENCY_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
    pg_errors.LockNotAvailable,
)
CONCURRENCY_RETRIES = 3


class StockPlanningProfile(models.Model):
    _name = "stock.planning.profile"
    _description = "Planning Profile (product x warehouse)"
    _inherit = ["mail.thread"]
    _order = "annual_value desc, id"
    _check_company_auto = True

    product_id = fields.Many2one(
        "product.product",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        domain=[("is_storable", "=", True)],
    )
    product_tmpl_id = fields.Many2one(
        related="product_id.product_tmpl_id", store=True, index=True, string="Product Template"
    )
    categ_id = fields.Many2one(related="product_id.categ_id", store=True, string="Product Category")
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(
        related="warehouse_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    active = fields.Boolean(default=True)

    # Segment
    segment_id = fields.Many2one(
        "stock.segment",
        index=True,
        tracking=True,
        check_company=True,
        help="Segment from the first matching rule, or set by a manager with a lock.",
    )
    segment_rule_id = fields.Many2one(
        "stock.segment.rule", "Matched Rule", readonly=True, ondelete="set null"
    )
    segment_locked = fields.Boolean(
        "Locked",
        tracking=True,
        help="A locked segment is kept by the nightly classification.",
    )
    segment_lock_reason = fields.Char("Reason for the Lock", tracking=True)
    segment_locked_by_id = fields.Many2one("res.users", "Locked By", readonly=True)
    segment_locked_date = fields.Datetime("Locked On", readonly=True)

    # Classification
    abc_class = fields.Selection(ABC_CLASSES, "ABC", readonly=True, index=True)
    xyz_class = fields.Selection(XYZ_CLASSES, "XYZ", readonly=True, index=True)
    demand_pattern = fields.Selection(DEMAND_PATTERNS, readonly=True, index=True)
    # Not tracked here: the product's chatter logs its stage changes; a related field
    # takes the tracking of the product's field, which logged the same change again on
    # every plan of the product (one message per plan, most of a recompute night's
    # classification time).
    lifecycle_stage = fields.Selection(
        related="product_tmpl_id.lifecycle_stage",
        store=True,
        string="Lifecycle Stage",
        tracking=False,
    )
    lifecycle_stage_suggested = fields.Selection(
        LIFECYCLE_STAGES,
        "Suggested Stage",
        readonly=True,
        help="Stage the demand history of this warehouse suggests.",
    )
    classification_date = fields.Date(
        "Classified On", readonly=True, help="Date the classification of this plan last changed."
    )
    classification_status = fields.Selection(
        CLASSIFICATION_STATUSES,
        readonly=True,
        help="Classified, or why a class fell back to a default (no demand, too short a history).",
    )

    # Inputs of the classification (annualised over the window)
    annual_value = fields.Float(
        readonly=True, help="ABC measure per year (revenue, margin, consumption or lines)."
    )
    annual_revenue = fields.Float(
        readonly=True, help="Customer deliveries valued at the sale price, per year."
    )
    annual_margin = fields.Float(readonly=True, help="Revenue minus cost of sales, per year.")
    annual_consumption_value = fields.Float(
        readonly=True, help="Manufacturing consumption valued at cost, per year."
    )
    order_line_count = fields.Integer(
        "Order Lines", readonly=True, help="Demand lines in the window."
    )
    value_share = fields.Float("Share of Value", readonly=True, digits=(16, 6))
    value_cum_share = fields.Float("Cumulative Share", readonly=True, digits=(16, 6))
    demand_mean = fields.Float("Mean Weekly Demand", readonly=True, digits="Product Unit")
    demand_std = fields.Float("Weekly Demand Std. Dev.", readonly=True, digits="Product Unit")
    demand_cv = fields.Float(
        "Demand CV", readonly=True, digits=(16, 3), help="Std. dev. / mean of weekly demand."
    )
    demand_adi = fields.Float(
        "ADI", readonly=True, digits=(16, 3), help="Average inter-demand interval, in weeks."
    )
    demand_cv2 = fields.Float(
        "CV²", readonly=True, digits=(16, 3), help="Squared CV of the non-zero demand sizes."
    )
    demand_period_count = fields.Integer("Weeks of History", readonly=True)
    days_since_last_demand = fields.Integer(readonly=True)
    migration_ids = fields.One2many("stock.segment.migration", "profile_id", "Migrations")

    # Plausibility screen (run by the classification, before anything is planned)
    data_quarantine = fields.Boolean(
        "Quarantined",
        readonly=True,
        index=True,
        help="The nightly screen found a value it cannot trust (a cost, price, lead time, "
        "quantity or unit far outside what is plausible). The plan keeps its last good "
        "reorder rule, no proposal is applied, and the item is left out of the company's "
        "ABC ranking until the data is corrected or a buyer confirms the value.",
    )
    data_findings = fields.Text(
        "Findings",
        readonly=True,
        help="What the nightly screen found: one line per field, with its value and what to do.",
    )
    data_checked_date = fields.Date("Screened On", readonly=True)
    data_confirmed = fields.Text(
        "Confirmed Values",
        copy=False,
        help="Values a buyer confirmed as real (one per line, field=value): the screen "
        "accepts them until they change.",
    )

    _product_warehouse_uniq = models.Constraint(
        "unique (product_id, warehouse_id)",
        "A product has one planning profile per warehouse.",
    )

    @api.depends("product_id", "warehouse_id")
    def _compute_display_name(self):
        for profile in self:
            profile.display_name = (
                f"{profile.product_id.display_name} @ {profile.warehouse_id.code or ''}"
            )

    @api.constrains("segment_locked", "segment_lock_reason", "segment_id")
    def _check_lock_reason(self):
        for profile in self:
            if profile.segment_locked and not (
                profile.segment_id and (profile.segment_lock_reason or "").strip()
            ):
                raise ValidationError(
                    self.env._(
                        "Locking the segment of %s needs a segment and a reason.",
                        profile.display_name,
                    )
                )

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        self._check_job_owned_fields(vals_list)
        if any(k in vals for vals in vals_list for k in ("segment_locked", "segment_lock_reason")):
            self._check_planning_manager()
        return super().create(vals_list)

    def write(self, vals):
        self._check_job_owned_fields([vals])
        if not any(k in vals for k in LOCK_FIELDS):
            return super().write(vals)
        self._check_planning_manager()
        if vals.get("segment_locked"):
            vals = dict(
                vals,
                segment_locked_by_id=self.env.uid,
                segment_locked_date=fields.Datetime.now(),
            )
        old = {p.id: p.segment_id for p in self}
        res = super().write(vals)
        logs = [
            {
                "profile_id": p.id,
                "change_type": "segment",
                "old_value": old[p.id].code or False,
                "new_value": p.segment_id.code or False,
                "old_segment_id": old[p.id].id,
                "new_segment_id": p.segment_id.id,
                "cause": "manual_lock" if p.segment_locked else "rule",
                "reason": p.segment_lock_reason,
            }
            for p in self
            if old[p.id] != p.segment_id
        ]
        if logs:
            self.env["stock.segment.migration"].sudo().create(logs)
        return res

    @api.model
    def _job_owned_fields(self):
        """Names of the plan fields only the nightly jobs write; extended by each addon
        that adds job-computed fields to the plan."""
        return JOB_OWNED_FIELDS

    def _check_job_owned_fields(self, vals_list):
        """Refuse a user's write of job-computed fields (Planning Users and Managers
        alike). The jobs write them in SQL or in superuser mode (cron, sudo), which a
        client cannot request, unlike a context key."""
        if self.env.su:
            return
        owned = self._job_owned_fields()
        names = sorted({name for vals in vals_list for name in vals if name in owned})
        if names:
            labels = ", ".join(self._fields[name].string for name in names)
            raise AccessError(
                self.env._(
                    "These plan fields are computed by the nightly planning jobs and cannot "
                    "be edited: %(fields)s. Change a plan through a forecast override or a "
                    "replenishment proposal.",
                    fields=labels,
                )
            )

    # ------------------------------------------------------------------ actions
    def action_unlock_segment(self):
        self.write({"segment_locked": False, "segment_lock_reason": False})
        return True

    def action_classify_now(self):
        """Classify the current companies now, in this transaction.

        A record method: the list header button passes the selected plans (or none),
        the form its plan; the run covers the current companies whatever the selection."""
        self._check_planning_manager()
        self.sudo().with_context(stock_segment_no_commit=True)._run_classification(
            companies=self.env.companies
        )
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def action_confirm_data_findings(self):
        """The buyer says the values the screen found are real (a truly long lead time,
        a truly expensive item): they are accepted until they change, the quarantine is
        lifted, and the confirmation is logged on the plan's chatter."""
        if not self.env.user.has_group("stock_segment.group_planning_user"):
            raise UserError(self.env._("Only planning users can confirm the data of a plan."))
        todo = self.filtered("data_findings")
        if not todo:
            raise UserError(self.env._("There is nothing to confirm: the screen found nothing."))
        for plan in todo:
            current = signatures_of(plan.data_findings)
            kept = [s for s in (plan.data_confirmed or "").splitlines() if s.strip()]
            confirmed = "\n".join(dict.fromkeys(kept + current))
            plan.sudo().write({"data_confirmed": confirmed, "data_quarantine": False})
            plan.message_post(
                body=self.env._(
                    "%(user)s confirmed these values as real; the plan is planned again:\n%(list)s",
                    user=self.env.user.name,
                    list="\n".join(current),
                )
            )
        return True

    def _check_planning_manager(self):
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        raise AccessError(
            self.env._("Only a Planning Manager can set, lock or unlock plan segments.")
        )

    # ------------------------------------------------------------------ nightly job
    @api.model
    def _cron_classify(self):
        self._run_classification()

    @api.model
    def _run_classification(self, companies=None, date_to=None, batch_size=None):
        """Classify every product x warehouse plan of ``companies`` and assign segments.

        Returns per company a dict of counters (pairs, batches, changed, failed).
        """
        if not companies:
            # Every company with a warehouse.
            companies = self.env["res.company"].browse(
                company.id
                for (company,) in self.env["stock.warehouse"].sudo()._read_group([], ["company_id"])
            )
        stats = {}
        for company in companies:
            result = self._run_company_isolated(
                company,
                "Classification",
                lambda company=company: self.with_company(company)._classify_company(
                    company, date_to=date_to, batch_size=batch_size
                ),
            )
            if result is not None:
                stats[company.id] = result
        return stats

    @api.model
    def _run_company_isolated(self, company, job, run, may_commit=None, logger=None):
        """``run()`` for one company of a scheduled job: on an error the company's
        unsaved work is undone, the error logged, and None returned so the job goes on
        with the other companies. Every nightly job of the planning addons uses it,
        logging to its own module's ``logger``."""
        logger = logger or _logger
        if may_commit is None:
            may_commit = self._may_commit()
        try:
            if may_commit:
                # The company's batches commit their progress: no savepoint spans them.
                return run()
            with self.env.cr.savepoint():
                return run()
        except Exception:  # noqa: BLE001  (isolate one company, the job goes on)
            if may_commit:
                self.env.cr.rollback()
            self.env.invalidate_all()
            logger.exception("%s of company %s failed", job, company.name)
            return None

    @api.model
    def _run_batches(
        self, job, batches, run, on_failure=None, may_commit=None, logger=None, shared=True
    ):
        """``run(ids)`` for each batch of ids, the shared loop of the nightly jobs.

        Each batch runs in a savepoint; a failing batch is retried id by id, and an id
        that still fails is logged, handed to ``on_failure(id, error)`` (e.g. to raise a
        planning exception) and skipped. When the job may commit, progress is committed
        after each batch (Odoo's cron progress). Messages go to the calling job's
        ``logger``. Returns the ids that failed.

        Inside a planning run (``planning_run_step_id`` in the context) and when the
        job's batches stand on their own (``shared``: each batch writes its results; a
        job that gathers the batches' results and writes them at the end passes
        False), the batches are stored on the run's step and claimed one at a time, so
        that other workers share them and a resumed run skips those done (see
        ``stock.planning.run``)."""
        logger = logger or _logger
        if may_commit is None:
            may_commit = self._may_commit()
        step_id = self.env.context.get("planning_run_step_id")
        if step_id and shared:
            return self._run_claimed_batches(
                step_id, job, batches, run, on_failure, may_commit, logger
            )
        if may_commit:
            self.env["ir.cron"]._commit_progress(remaining=sum(len(b) for b in batches))
        failed = []
        for batch in batches:
            failed += self._run_one_batch(job, batch, run, on_failure, may_commit, logger)
            if may_commit:
                self.env["ir.cron"]._commit_progress(len(batch))
        return failed

    @api.model
    def _run_one_batch(self, job, batch, run, on_failure, may_commit, logger):
        """One batch of :meth:`_run_batches`, retried id by id when it fails. Returns
        the ids that still failed."""
        try:
            self._run_batch_retrying(job, batch, run, may_commit, logger)
            return []
        except Exception:  # noqa: BLE001  (isolate the failing ids, the job goes on)
            logger.exception("%s batch of %d failed; retrying one by one", job, len(batch))
            self.env.invalidate_all()
        failed = []
        for record_id in batch:
            try:
                self._run_batch_retrying(job, [record_id], run, may_commit, logger)
            except Exception as error:  # noqa: BLE001
                self.env.invalidate_all()
                failed.append(record_id)
                logger.exception("%s of id %s skipped", job, record_id)
                if on_failure:
                    on_failure(record_id, error)
        return failed

    @api.model
    def _run_claimed_batches(self, step_id, job, batches, run, on_failure, may_commit, logger):
        """The batches of a planning run's step: stored once (the first worker's ids,
        or those of the run that stopped), then claimed one by one until none is left.
        A batch is marked done in the transaction of its own work, so a batch is done
        exactly when its results are saved.

        Where another executor runs the stored batches (the job queue, through its
        bridge addon), the run's worker hands them over and waits for them, then
        claims only those the executor gave up. A queued job of one batch
        (``planning_run_batch_id``) takes its own batch first, then any still waiting,
        and skips the other calls of the step's job."""
        from .stock_planning_run import _BatchCalls

        Batch = self.env["stock.planning.run.batch"].sudo()
        only = self.env.context.get("planning_run_batch_id")
        call_no = _BatchCalls.next(self.env.cr.dbname, step_id, job, only)
        if only and not Batch._is_of_call(only, job, call_no):
            return []
        dispatched = False
        # A helping worker only takes batches the run's worker stored: two workers
        # storing at once would conflict.
        if not self.env.context.get("planning_run_joining"):
            Batch._store(step_id, job, call_no, batches)
            dispatched = Batch._dispatch(step_id, job, call_no, may_commit)
            if may_commit:
                self.env["ir.cron"]._commit_progress()
            if dispatched:
                Batch._wait_for_call(step_id, job, call_no, may_commit)
        failed = []
        while True:
            claimed = Batch._claim(step_id, job, call_no, fresh=may_commit, prefer=only)
            if claimed is None:
                break
            batch_id, ids = claimed
            try:
                if may_commit:
                    # Others see it running; its advisory lock stays.
                    self.env["ir.cron"]._commit_progress()
                lost = self._run_one_batch(job, ids, run, on_failure, may_commit, logger)
                failed += lost
                Batch._finish(batch_id, len(lost), lost)
                if may_commit:
                    self.env["ir.cron"]._commit_progress(len(ids))
            finally:
                Batch._release(batch_id)
        if dispatched:
            return Batch._failed_ids(step_id, job, call_no)
        return failed

    @api.model
    def _run_batch_retrying(self, job, batch, run, may_commit, logger):
        """``run(batch)`` in a savepoint. When the job commits its progress and the batch
        hits a concurrency error of PostgreSQL (serialization failure, deadlock, lock
        not available: another run or a user wrote the same rows), the batch's
        transaction is rolled back and the batch retried on a fresh snapshot, up to
        ``CONCURRENCY_RETRIES`` times with a growing random pause, before it counts as
        failed. Without commits a retry would see the same snapshot: no retry then."""
        attempt = 0
        while True:
            try:
                with self.env.cr.savepoint():
                    return run(batch)
            except PG_CONCURRENCY_ERRORS:
                attempt += 1
                if not may_commit or attempt > CONCURRENCY_RETRIES:
                    raise
                logger.info(
                    "%s batch of %d: concurrent update, retry %d of %d",
                    job,
                    len(batch),
                    attempt,
                    CONCURRENCY_RETRIES,
                )
                self.env.cr.rollback()
                self.env.invalidate_all()
                time_module.sleep(random.uniform(0.1, 0.5) * 2**attempt)

    @api.model
    def _config_param(self, module, key, default, cast):
        """System parameter ``module.key`` cast by ``cast``; ``default`` when it is not
        set or cannot be read (a typo in a setting must not stop a nightly job)."""
        value = self.env["ir.config_parameter"].sudo().get_param(f"{module}.{key}", default)
        try:
            return cast(value)
        except (TypeError, ValueError):
            return default

    def _classification_params(self):
        def param(key, default, cast):
            return self._config_param("stock_segment", key, default, cast)

        return {
            "window_days": max(param("window_days", 365, int), PERIOD_DAYS),
            "abc_measure": param("abc_measure", "revenue", str),
            "abc_cutoffs": (
                param("abc_cutoff_a", 80.0, float) / 100.0,
                param("abc_cutoff_b", 95.0, float) / 100.0,
            ),
            "xyz_thresholds": (
                param("xyz_threshold_x", 0.5, float),
                param("xyz_threshold_y", 1.0, float),
            ),
            "new_days": param("lifecycle_new_days", 90, int),
            "dormant_days": param("lifecycle_dormant_days", 180, int),
            "obsolete_days": param("lifecycle_obsolete_days", 365, int),
            "auto_apply": param("lifecycle_auto_apply", "False", str) in ("True", "1", "true"),
            "batch_size": max(param("batch_size", 2000, int), 1),
        }

    def _may_commit(self):
        return not (
            modules.module.current_test
            or self.env.context.get("stock_segment_no_commit")
            or self.env.context.get("install_mode")
        )

    def _classify_company(self, company, date_to=None, batch_size=None):
        params = self._classification_params()
        if batch_size:
            params["batch_size"] = batch_size
        # Whole weeks ending at the next midnight: runs of the same day see the same buckets.
        if date_to is None:
            today = self.env["stock.planning.run"]._planning_day()
            date_to = datetime.combine(today + timedelta(days=1), time.min)
        n_periods = math.ceil(params["window_days"] / PERIOD_DAYS)
        date_from = date_to - timedelta(days=n_periods * PERIOD_DAYS)
        ctx = {
            "company": company,
            "params": params,
            "date_from": date_from,
            "date_to": date_to,
            "n_periods": n_periods,
            "today": date_to.date() - timedelta(days=1),
        }

        # 1. The whole population and its value measure, in one aggregate query, so that
        #    ABC is computed over the company and not per batch.
        measures = self._extract_value_measures(ctx)
        if not measures:
            return {"pairs": 0, "batches": 0, "changed": 0, "failed": 0}
        keys = np.array([(r[0], r[1]) for r in measures], dtype=np.int64)
        annualise = 365.0 / (n_periods * PERIOD_DAYS)
        # A NaN or infinite price, cost or quantity never reaches a column (and NaN, never
        # equal to itself, would rewrite the plan on every run): the measure counts as 0,
        # which leaves the item out of the ABC value, and the plan gets a data-quality
        # exception where the exception model is installed.
        ctx["non_finite"] = {}
        columns = {}
        for pos, fname in (
            (2, "annual_revenue"),
            (3, "cost_of_sales"),
            (4, "annual_consumption_value"),
            (5, "order_line_count"),
        ):
            column = np.array([float(r[pos]) for r in measures], dtype=float)
            if pos != 5:
                column = column * annualise
            for i in np.flatnonzero(~np.isfinite(column)):
                key = (int(keys[i][0]), int(keys[i][1]))
                ctx["non_finite"].setdefault(key, []).append(fname)
            columns[fname] = np.where(np.isfinite(column), column, 0.0)
        # The plausibility screen, before the ranking: a quarantined item's value is left
        # out of the company's ABC (it would push every other item down).
        self.env["stock.planning.screen"]._screen_company(ctx, keys, measures, annualise)
        quarantined = np.array([(int(p), int(w)) in ctx["quarantine"] for p, w in keys], dtype=bool)
        revenue = columns["annual_revenue"]
        cost = columns["cost_of_sales"]
        consumption = columns["annual_consumption_value"]
        lines = columns["order_line_count"]
        measure = {
            "revenue": revenue,
            "margin": revenue - cost,
            "consumption_value": consumption,
            "order_lines": lines * annualise,
        }.get(params["abc_measure"], revenue)
        # A quarantined item counts with its last good value (0 for a new plan): the
        # untrusted one would move the others, and dropping it would move them too.
        if quarantined.any():
            last_good = self._last_good_values(company, ctx["quarantine"])
            measure = np.where(
                quarantined,
                [last_good.get((int(p), int(w)), 0.0) for p, w in keys],
                measure,
            )
        abc = classify_abc(measure, params["abc_cutoffs"], ids=np.arange(len(keys)))
        ctx["population"] = {
            (int(p), int(w)): {
                "abc_class": abc_class,
                "annual_value": float(value),
                "annual_revenue": float(rev),
                "annual_margin": float(rev - cst),
                "annual_consumption_value": float(cons),
                "order_line_count": int(nb),
                "value_share": float(share),
                "value_cum_share": float(cum),
            }
            for (p, w), abc_class, value, rev, cst, cons, nb, share, cum in zip(
                keys,
                abc["abc"],
                abc["value"],
                revenue,
                cost,
                consumption,
                lines,
                abc["share"],
                abc["cum_share"],
                strict=True,
            )
        }
        ctx["rules"] = self._segment_rules_frame(company)

        # 2. Per batch of products: demand series, engine, bulk write, commit.
        product_ids = sorted({int(p) for p in keys[:, 0]})
        batches = list(split_every(params["batch_size"], product_ids, list))
        stats = {"pairs": len(keys), "batches": len(batches), "changed": 0, "failed": 0}

        def run(ids):
            stats["changed"] += self._classify_batch(ctx, ids)

        stats["failed"] = len(self._run_batches("Classification", batches, run))
        _logger.info(
            "Classification of %s: %d plans in %d batches, %d changed, %d failed",
            company.name,
            stats["pairs"],
            stats["batches"],
            stats["changed"],
            stats["failed"],
        )
        return stats

    def _onhand_by_warehouse(self, company_id, product_ids):
        """``{(product, warehouse): quantity}`` in the internal locations of each
        warehouse of the company, in one query (shared by the screen and the jobs)."""
        self.env.cr.execute(
            SQL(
                """
            SELECT q.product_id, l.warehouse_id, SUM(q.quantity)
              FROM stock_quant q
              JOIN stock_location l ON l.id = q.location_id
             WHERE l.usage = 'internal' AND l.warehouse_id IS NOT NULL
               AND q.company_id = %s AND q.product_id = ANY(%s)
          GROUP BY 1, 2
            """,
                company_id,
                list(product_ids),
            )
        )
        return {(p, w): q for p, w, q in self.env.cr.fetchall()}

    def _median_demand_lines(self, ctx, product_ids):
        """``{(product, warehouse): median positive demand line}`` of the window for
        ``product_ids`` (the screen asks only for its spike candidates)."""
        if not product_ids:
            return {}
        self.env.cr.execute(
            SQL(
                """
            WITH demand AS (%(moves)s)
            SELECT product_id, warehouse_id,
                   PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY qty)
              FROM demand
             WHERE qty > 0 AND warehouse_id IS NOT NULL
          GROUP BY 1, 2
            """,
                moves=self._demand_moves_sql(ctx, product_ids),
            )
        )
        return {(p, w): float(m) for p, w, m in self.env.cr.fetchall()}

    def _last_good_values(self, company, keys):
        """The stored ABC measure (``annual_value``) of the plans of ``keys``."""
        self.env.cr.execute(
            """SELECT product_id, warehouse_id, annual_value FROM stock_planning_profile
                WHERE company_id = %s AND product_id = ANY(%s)""",
            [company.id, sorted({p for p, _w in keys})],
        )
        return {
            (r[0], r[1]): float(r[2] or 0.0) for r in self.env.cr.fetchall() if (r[0], r[1]) in keys
        }

    # ------------------------------------------------------------------ extraction
    def _demand_moves_sql(self, ctx, product_ids=None):
        """Done demand moves of the window: customer deliveries and manufacturing
        consumption (positive), customer returns (negative), in the product's unit."""
        company = ctx["company"]
        product_filter = (
            SQL("AND m.product_id = ANY(%s)", list(product_ids)) if product_ids else SQL()
        )
        return SQL(
            """
            SELECT m.id, m.product_id, m.date, m.sale_line_id,
                   CASE WHEN ls.usage = 'internal' THEN ls.warehouse_id
                        ELSE ld.warehouse_id END AS warehouse_id,
                   CASE WHEN ld.usage = 'production' THEN 'consumption' ELSE 'sale' END AS kind,
                   CASE WHEN ls.usage = 'internal' THEN 1 ELSE -1 END
                     * m.quantity * COALESCE(m.product_qty / NULLIF(m.product_uom_qty, 0), 1)
                     AS qty
              FROM stock_move m
              JOIN stock_location ls ON ls.id = m.location_id
              JOIN stock_location ld ON ld.id = m.location_dest_id
             WHERE m.state = 'done'
               AND m.company_id = %(company)s
               AND m.date >= %(date_from)s AND m.date < %(date_to)s
               AND ((ls.usage = 'internal' AND ld.usage IN ('customer', 'production'))
                    OR (ls.usage = 'customer' AND ld.usage = 'internal'))
               %(product_filter)s
            """,
            company=company.id,
            date_from=ctx["date_from"],
            date_to=ctx["date_to"],
            product_filter=product_filter,
        )

    def _extract_value_measures(self, ctx):
        """One row per product x warehouse of the population: (product, warehouse,
        revenue, cost of sales, consumption value, order lines, quantity sold, demand
        quantity (the sum of the positive demand lines), largest and number of positive
        demand lines), sorted by key.

        The population is every storable product with demand in the window, a reorder
        rule, or an existing plan, in a warehouse of the company."""
        company = ctx["company"]
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            WITH demand AS (%(moves)s),
            valued AS (
                SELECT d.product_id, d.warehouse_id, d.kind, d.qty, d.sale_line_id,
                       d.qty * COALESCE(
                           sol.price_subtotal / NULLIF(sol.product_uom_qty, 0),
                           pt.list_price, 0) AS sale_value,
                       d.qty * COALESCE((pp.standard_price ->> %(company_key)s)::float8, 0)
                           AS cost_value
                  FROM demand d
                  JOIN product_product pp ON pp.id = d.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
             LEFT JOIN sale_order_line sol ON sol.id = d.sale_line_id
                 WHERE pt.is_storable AND d.warehouse_id IS NOT NULL
            ),
            -- One row per order line (moves without one: per kind) first: the distinct
            -- count of order lines then runs on these rows, not on every move.
            per_line AS (
                SELECT product_id, warehouse_id, sale_line_id, kind,
                       SUM(sale_value) AS sale_value, SUM(cost_value) AS cost_value,
                       SUM(qty) AS qty,
                       SUM(qty) FILTER (WHERE qty > 0) AS qty_pos,
                       MAX(qty) FILTER (WHERE qty > 0) AS qty_max,
                       COUNT(*) FILTER (WHERE qty > 0) AS n_pos
                  FROM valued
              GROUP BY product_id, warehouse_id, sale_line_id, kind
            ),
            measures AS (
                SELECT product_id, warehouse_id,
                       SUM(sale_value) FILTER (WHERE kind = 'sale') AS revenue,
                       SUM(cost_value) FILTER (WHERE kind = 'sale') AS cost_of_sales,
                       SUM(cost_value) FILTER (WHERE kind = 'consumption') AS consumption,
                       COUNT(DISTINCT sale_line_id) FILTER (WHERE n_pos > 0)
                         + COALESCE(SUM(n_pos) FILTER (WHERE sale_line_id IS NULL), 0)
                         AS lines,
                       SUM(qty) FILTER (WHERE kind = 'sale') AS sold_qty,
                       SUM(qty_pos) AS demand_qty,
                       MAX(qty_max) AS line_max,
                       SUM(n_pos) AS line_count
                  FROM per_line
              GROUP BY product_id, warehouse_id
            ),
            pairs AS (
                SELECT product_id, warehouse_id FROM measures
                 UNION
                SELECT op.product_id, op.warehouse_id
                  FROM stock_warehouse_orderpoint op
                  JOIN product_product pp ON pp.id = op.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE op.active AND op.company_id = %(company)s
                   AND pt.is_storable AND pp.active
                 UNION
                SELECT product_id, warehouse_id FROM stock_planning_profile
                 WHERE company_id = %(company)s
            )
            SELECT p.product_id, p.warehouse_id,
                   COALESCE(m.revenue, 0), COALESCE(m.cost_of_sales, 0),
                   COALESCE(m.consumption, 0), COALESCE(m.lines, 0),
                   COALESCE(m.sold_qty, 0), COALESCE(m.demand_qty, 0),
                   COALESCE(m.line_max, 0), COALESCE(m.line_count, 0)
              FROM pairs p
              JOIN stock_warehouse w ON w.id = p.warehouse_id AND w.company_id = %(company)s
         LEFT JOIN measures m
                ON m.product_id = p.product_id AND m.warehouse_id = p.warehouse_id
          ORDER BY p.product_id, p.warehouse_id
            """,
                moves=self._demand_moves_sql(ctx),
                company=company.id,
                company_key=str(company.id),
            )
        )
        return self.env.cr.fetchall()

    def _extract_demand_series(self, ctx, product_ids):
        """Weekly net demand per product x warehouse of the batch, in one query:
        rows (product, warehouse, bucket index, quantity). The quantity comes as a
        float (the same value as the numeric sum converted in Python, without a
        ``Decimal`` per row)."""
        self.env.cr.execute(
            SQL(
                """
            WITH demand AS (%(moves)s)
            SELECT product_id, warehouse_id,
                   FLOOR(EXTRACT(EPOCH FROM (date - %(date_from)s)) / %(period)s)::int AS bucket,
                   SUM(qty)::float8
              FROM demand
             WHERE warehouse_id IS NOT NULL
          GROUP BY 1, 2, 3
            """,
                moves=self._demand_moves_sql(ctx, product_ids),
                date_from=ctx["date_from"],
                period=PERIOD_DAYS * 86400,
            )
        )
        return self.env.cr.fetchall()

    def _segment_rules_frame(self, company):
        """Active rules of the company as the engine's decision table (first hit wins)."""
        rules = (
            self.env["stock.segment.rule"]
            .sudo()
            .search(
                [
                    ("company_id", "in", [company.id, False]),
                    ("segment_id.active", "=", True),
                ],
                order="sequence, id",
            )
        )
        categories = rules.categ_id
        children = {}
        if categories:
            for categ in categories:
                children[categ.id] = frozenset(
                    self.env["product.category"]
                    .with_context(active_test=False)
                    .search([("id", "child_of", categ.id)])
                    .ids
                )
        frame = pd.DataFrame(
            {
                "segment": [r.segment_id.id for r in rules],
                "rule_id": rules.ids,
                "abc": [r.abc_class or None for r in rules],
                "xyz": [r.xyz_class or None for r in rules],
                "pattern": [r.demand_pattern or None for r in rules],
                "lifecycle": [r.lifecycle_stage or None for r in rules],
                "category": [children.get(r.categ_id.id) for r in rules],
                "warehouse": [r.warehouse_id.id or None for r in rules],
            }
        )
        return frame

    # ------------------------------------------------------------------ one batch
    def _classify_batch(self, ctx, product_ids):
        """Classify the plans of ``product_ids``; return the number of plans changed.

        A constant number of queries whatever the batch size: one for the demand
        series, one for the products, one for the current plans, one bulk insert of
        missing plans, grouped writes of lifecycle suggestions, one bulk update, one
        bulk insert of migrations."""
        params = ctx["params"]
        population = ctx["population"]
        n_periods = ctx["n_periods"]
        batch = set(product_ids)
        keys = [k for k in population if k[0] in batch]
        if not keys:
            return 0
        index = {k: i for i, k in enumerate(keys)}

        demand = np.zeros((len(keys), n_periods))
        for product_id, warehouse_id, bucket, qty in self._extract_demand_series(ctx, product_ids):
            row = index.get((product_id, warehouse_id))
            if row is not None and 0 <= bucket < n_periods:
                qty = float(qty or 0.0)
                if not math.isfinite(qty):
                    key = keys[row]
                    fields_ = ctx["non_finite"].setdefault(key, [])
                    if "demand_quantity" not in fields_:
                        fields_.append("demand_quantity")
                    continue
                demand[row, bucket] += qty

        products = self._fetch_products(product_ids)
        profiles = self._fetch_or_create_profiles(ctx, keys)

        xyz = classify_xyz(demand, thresholds=params["xyz_thresholds"])
        pattern = classify_demand_pattern(demand)
        life_kwargs = {
            "new_days": params["new_days"],
            "dormant_days": params["dormant_days"],
            "obsolete_days": params["obsolete_days"],
        }

        # A product cannot go without demand for longer than it exists: its age (from its
        # introduction date, else its creation) protects new products from "obsolete".
        def age(tmpl_since):
            return (ctx["today"] - tmpl_since).days if tmpl_since else float("nan")

        key_age = [age(products[p]["since"]) for p, _w in keys]
        life = suggest_lifecycle(demand, PERIOD_DAYS, age_days=key_age, **life_kwargs)

        # Product-level lifecycle from the demand of all its warehouses together.
        templates = sorted({products[p]["tmpl_id"] for p, _w in keys})
        tmpl_row = {t: i for i, t in enumerate(templates)}
        tmpl_demand = np.zeros((len(templates), n_periods))
        rows_by_tmpl = np.array([tmpl_row[products[p]["tmpl_id"]] for p, _w in keys])
        np.add.at(tmpl_demand, rows_by_tmpl, np.where(demand > 0, demand, 0.0))
        since = {products[p]["tmpl_id"]: products[p]["since"] for p, _w in keys}
        tmpl_life = suggest_lifecycle(
            tmpl_demand, PERIOD_DAYS, age_days=[age(since[t]) for t in templates], **life_kwargs
        )
        stages = self._apply_lifecycle_suggestions(
            ctx, templates, tmpl_life["lifecycle"].to_numpy(), products
        )

        items = pd.DataFrame(
            {
                "abc": [population[k]["abc_class"] for k in keys],
                "xyz": xyz["xyz"].to_numpy(),
                "pattern": pattern["pattern"].to_numpy(),
                "lifecycle": [stages.get(products[p]["tmpl_id"]) for p, _w in keys],
                "category": [products[p]["categ_id"] for p, _w in keys],
                "warehouse": [w for _p, w in keys],
            }
        )
        rules = ctx["rules"]
        if len(rules):
            assigned = assign_segments(items, rules.drop(columns=["rule_id"]))
            rule_pos = assigned["rule_index"].to_numpy()
            rule_ids = rules["rule_id"].to_numpy()
            segment_ids = [int(s) if s is not None else None for s in assigned["segment"]]
            matched_rules = [int(rule_ids[i]) if i >= 0 else None for i in rule_pos]
        else:
            segment_ids = matched_rules = [None] * len(keys)

        status = np.where(
            xyz["status"].to_numpy() == "ok",
            pattern["status"].to_numpy(),
            xyz["status"].to_numpy(),
        )
        rounded = {
            "demand_mean": np.round(xyz["demand_mean"].to_numpy(), FLOAT_DIGITS),
            "demand_std": np.round(xyz["demand_std"].to_numpy(), FLOAT_DIGITS),
            "demand_cv": np.round(xyz["demand_cv"].to_numpy(), FLOAT_DIGITS),
            "demand_adi": np.round(pattern["adi"].to_numpy(), FLOAT_DIGITS),
            "demand_cv2": np.round(pattern["cv2"].to_numpy(), FLOAT_DIGITS),
        }
        # Plain lists, read once: a DataFrame lookup per plan and column costs more than
        # the engine's whole classification.
        xyz_classes = xyz["xyz"].tolist()
        patterns = pattern["pattern"].tolist()
        suggested_stages = life["lifecycle"].tolist()
        period_counts = xyz["n_periods"].tolist()
        days_since = life["days_since_last_demand"].tolist()
        updates, migrations = [], []
        stage_before = {p["tmpl_id"]: p["stage"] for p in products.values()}
        lifecycle_changed = {t for t, s in stages.items() if s != stage_before.get(t)}
        for i, key in enumerate(keys):
            old = profiles[key]
            values = dict(population[key])
            for fname in (
                "annual_value",
                "annual_revenue",
                "annual_margin",
                "annual_consumption_value",
                "value_share",
                "value_cum_share",
            ):
                values[fname] = round(values[fname], FLOAT_DIGITS)
            values.update(
                {
                    "xyz_class": xyz_classes[i],
                    "demand_pattern": patterns[i],
                    "lifecycle_stage_suggested": ENGINE_TO_PRODUCT_STAGE.get(suggested_stages[i]),
                    "demand_period_count": int(period_counts[i]),
                    "days_since_last_demand": int(days_since[i]),
                    "classification_status": str(status[i]),
                    "segment_rule_id": matched_rules[i],
                    "segment_id": segment_ids[i],
                }
            )
            for fname, column in rounded.items():
                values[fname] = float(column[i])
            if old["segment_locked"]:
                values["segment_id"] = old["segment_id"]
                values["segment_rule_id"] = old["segment_rule_id"]
            quarantined = key in ctx["quarantine"]
            if quarantined:
                # The last good classification stays until the data is fixed or confirmed.
                values = {f: old[f] for f in CLASSIFICATION_COLUMNS if f not in SCREEN_COLUMNS}
            found = ctx["findings"].get(key)
            values["data_quarantine"] = quarantined
            values["data_findings"] = finding_lines(found) if found else None
            screen_changed = not (
                _same(old["data_quarantine"], quarantined)
                and _same(old["data_findings"], values["data_findings"])
            )
            values["data_checked_date"] = (
                ctx["today"] if screen_changed else old["data_checked_date"]
            )
            changed = {f: v for f, v in values.items() if not _same(old[f], v)}
            if not changed:
                continue
            updates.append((old["id"], values))
            for fname, change_type in (
                ("abc_class", "abc"),
                ("xyz_class", "xyz"),
                ("demand_pattern", "pattern"),
            ):
                if fname in changed and old[fname]:
                    migrations.append(
                        {
                            "profile_id": old["id"],
                            "change_type": change_type,
                            "old_value": old[fname],
                            "new_value": values[fname],
                            "cause": "classification",
                        }
                    )
            if "segment_id" in changed and old["segment_id"]:
                class_changed = any(
                    f in changed for f in ("abc_class", "xyz_class", "demand_pattern")
                )
                tmpl = products[key[0]]["tmpl_id"]
                cause = "lifecycle" if tmpl in lifecycle_changed and not class_changed else "rule"
                migrations.append(
                    {
                        "profile_id": old["id"],
                        "change_type": "segment",
                        "old_segment_id": old["segment_id"],
                        "new_segment_id": values["segment_id"],
                        "cause": cause,
                    }
                )
        self._write_classification(updates, ctx["today"])
        self._log_migrations(migrations)
        self._report_data_quality(ctx, keys, profiles, segment_ids)
        return len(updates)

    def _report_data_quality(self, ctx, keys, profiles, segment_ids):
        """Data-quality exceptions for the plans of the batch with screen findings (NaN
        or infinite measures included), one per plan naming each field and value,
        closed once the data is clean or confirmed. Nothing to do when the exception
        model is not installed."""
        if "stock.planning.exception" not in self.env:
            return
        findings = ctx.get("findings") or {}
        found = {}
        for key, segment_id in zip(keys, segment_ids, strict=True):
            rows = findings.get(key)
            if not rows:
                continue
            quarantined = key in ctx["quarantine"]
            if quarantined:
                segment_id = profiles[key]["segment_id"]
            found[(profiles[key]["id"], "data_quality")] = {
                "message": self.env["stock.planning.screen"]._data_quality_message(
                    rows, quarantined
                ),
                "severity": "high" if quarantined else "low",
                "financial_impact": 0.0,
                "product_id": key[0],
                "warehouse_id": key[1],
                "segment_id": segment_id,
                "company_id": ctx["company"].id,
            }
        self.env["stock.planning.exception"].sudo()._sync_exceptions(
            "classification", ["data_quality"], [profiles[k]["id"] for k in keys], found
        )

    def _fetch_products(self, product_ids):
        self.env.cr.execute(
            SQL(
                """
            SELECT pp.id, pp.product_tmpl_id, pt.categ_id, pt.lifecycle_stage,
                   pt.lifecycle_stage_suggested,
                   COALESCE(
                       pt.lifecycle_introduction_date,
                       (SELECT MIN(m.date) FROM stock_move m WHERE m.product_id = pp.id)::date,
                       pt.create_date::date
                   )
              FROM product_product pp
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE pp.id = ANY(%s)
            """,
                list(product_ids),
            )
        )
        return {
            row[0]: {
                "tmpl_id": row[1],
                "categ_id": row[2],
                "stage": row[3],
                "suggested": row[4],
                "since": row[5],
            }
            for row in self.env.cr.fetchall()
        }

    def _fetch_or_create_profiles(self, ctx, keys):
        """Current values of the plans of ``keys``, creating the missing plans in bulk:
        one query to read them, and for a batch with new plans one ``INSERT ... SELECT``
        (see :meth:`_create_profiles`), whatever the batch size."""
        product_ids = sorted({p for p, _w in keys})
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM stock_planning_profile WHERE product_id = ANY(%s)",
                SQL(", ").join(SQL.identifier(c) for c in PROFILE_READ_COLUMNS),
                product_ids,
            )
        )
        found = {(r["product_id"], r["warehouse_id"]): r for r in self.env.cr.dictfetchall()}
        missing = [k for k in keys if k not in found]
        if missing:
            found.update(self._create_profiles(missing))
        return found

    @api.model
    def _create_profiles(self, pairs):
        """Create the plans of ``pairs`` (product, warehouse) in one ``INSERT ... SELECT
        FROM unnest(...)``; return ``{(product, warehouse): row}`` with the columns the
        classification reads (:data:`PROFILE_READ_COLUMNS`).

        The rows are those the ORM's ``create`` of the nightly job stored (sudo, no
        tracking, no creation message nor follower, tracking discarded for the
        transaction): the stored related fields
        (template, category, company, lifecycle stage) are joined in the same statement,
        every other stored field gets its default (one ``default_get``), and a stored
        computed field of another addon is left to the ORM to compute, as ``create``
        does. As after ``create``, the new plans are marked created for the fields that
        depend on them, their constraints and the company consistency of product and
        warehouse are checked (in SQL; the ORM's check only for a product of another
        company, which raises as ``create`` would). The ORM's ``create`` would send one
        INSERT per 100 plans and one UPDATE per stored related field and 1,000 plans."""
        Profile = self.sudo().with_context(
            tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
        )
        joined = {
            "product_tmpl_id": SQL("pp.product_tmpl_id"),
            "categ_id": SQL("pt.categ_id"),
            "company_id": SQL("w.company_id"),
            "lifecycle_stage": SQL("pt.lifecycle_stage"),
        }
        plain = default_columns(Profile, ("product_id", "warehouse_id"))
        defaults = {
            name: Profile._fields[name].convert_to_column_insert(value, Profile)
            for name, value in Profile.default_get(plain).items()
            if name in plain
        }
        names = ["product_id", "warehouse_id", *joined, *defaults]
        values = [
            SQL("u.product_id"),
            SQL("u.warehouse_id"),
            *joined.values(),
            *(
                SQL("%s::%s", value, SQL(Profile._fields[name].column_type[1]))
                for name, value in defaults.items()
            ),
        ]
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO stock_planning_profile
                   (%(names)s, create_uid, write_uid, create_date, write_date)
            SELECT %(values)s, %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM unnest(%(products)s::int4[], %(warehouses)s::int4[])
                   WITH ORDINALITY AS u(product_id, warehouse_id, ord)
              JOIN product_product pp ON pp.id = u.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              JOIN stock_warehouse w ON w.id = u.warehouse_id
          ORDER BY u.ord
         RETURNING %(read)s
            """,
                names=SQL(", ").join(SQL.identifier(n) for n in names),
                values=SQL(", ").join(values),
                uid=self.env.uid,
                now=now,
                products=[p for p, _w in pairs],
                warehouses=[w for _p, w in pairs],
                read=SQL(", ").join(
                    SQL("stock_planning_profile.%s", SQL.identifier(c))
                    for c in PROFILE_READ_COLUMNS
                ),
            )
        )
        rows = self.env.cr.fetchall()
        created = {}
        for row in rows:
            values = dict(zip(PROFILE_READ_COLUMNS, row, strict=True))
            created[(values["product_id"], values["warehouse_id"])] = values
        records = Profile.browse([row[0] for row in rows])
        # The ORM computes the other stored computed fields (none in this addon).
        for name, field in Profile._fields.items():
            if field.store and field.compute and name not in joined:
                self.env.add_to_compute(field, records)
        # Incompatible companies (a product of another company) refused as create does;
        # tracking discarded under tracking_disable, as create without tracking: no
        # tracking message for the new plans in this transaction (their stage follows the
        # product's stage write of the same batch).
        after_insert(records, names)
        return created

    def _apply_lifecycle_suggestions(self, ctx, templates, engine_stages, products):
        """Store the product-level suggestion; auto-apply it when configured.

        Writes are grouped by stage, so their number does not grow with the batch.
        Returns the confirmed stage per template after this step."""
        by_tmpl = {}
        for product in products.values():
            by_tmpl[product["tmpl_id"]] = product
        suggested = {
            t: ENGINE_TO_PRODUCT_STAGE.get(s) for t, s in zip(templates, engine_stages, strict=True)
        }
        confirmed = {t: by_tmpl[t]["stage"] for t in templates}
        Template = self.env["product.template"].sudo().with_context(active_test=False)
        to_suggest, to_apply = {}, {}
        for tmpl, stage in suggested.items():
            if stage != by_tmpl[tmpl]["suggested"]:
                to_suggest.setdefault(stage, []).append(tmpl)
            current = confirmed[tmpl]
            # Auto-apply never takes a stage that removes stock (phase-out, end of life,
            # obsolete: those are proposals a Planning Manager confirms) and never
            # overwrites a stage people decided.
            if (
                ctx["params"]["auto_apply"]
                and stage
                and stage != current
                and stage not in STOCK_REMOVING_STAGES
                and current not in DECIDED_STAGES + STOCK_REMOVING_STAGES
            ):
                to_apply.setdefault(stage, []).append(tmpl)
                confirmed[tmpl] = stage
        for stage, ids in to_suggest.items():
            Template.browse(ids).write(
                {"lifecycle_stage_suggested": stage, "lifecycle_suggestion_date": ctx["today"]}
            )
        for stage, ids in to_apply.items():
            Template.browse(ids)._write_lifecycle_stage_logged(stage)
        return confirmed

    def _write_classification(self, updates, today):
        """One UPDATE ... FROM unnest(column arrays) for all changed plans of the batch:
        the statement does not grow with the batch, and no SQL is composed per plan."""
        if not updates:
            return
        columns = list(CLASSIFICATION_COLUMNS)
        assignments = SQL(", ").join(
            SQL("%s = v.%s", SQL.identifier(c), SQL.identifier(c)) for c in columns
        )
        arrays = SQL(", ").join(
            [
                SQL("%s::int4[]", [pid for pid, _vals in updates]),
                *(
                    SQL("%s::%s[]", [vals[c] for _pid, vals in updates], SQL(cast))
                    for c, cast in CLASSIFICATION_COLUMNS.items()
                ),
            ]
        )
        self.env.cr.execute(
            SQL(
                """
            UPDATE stock_planning_profile p
               SET %(assignments)s,
                   classification_date = %(today)s,
                   write_date = now() AT TIME ZONE 'UTC',
                   write_uid = %(uid)s
              FROM unnest(%(arrays)s) AS v(id, %(names)s)
             WHERE p.id = v.id
            """,
                assignments=assignments,
                today=today,
                uid=self.env.uid,
                arrays=arrays,
                names=SQL(", ").join(SQL.identifier(c) for c in columns),
            )
        )
        self.env["stock.planning.profile"].invalidate_model()

    def _log_migrations(self, migrations):
        if not migrations:
            return
        segments = self.env["stock.segment"].sudo().with_context(active_test=False)
        codes = {
            s.id: s.code
            for s in segments.browse(
                {m[f] for m in migrations for f in ("old_segment_id", "new_segment_id") if m.get(f)}
            )
        }
        for m in migrations:
            if m["change_type"] == "segment":
                m["old_value"] = codes.get(m["old_segment_id"])
                m["new_value"] = codes.get(m["new_segment_id"])
        self.env["stock.segment.migration"].sudo().create(migrations)


def _same(old, new):
    if isinstance(new, bool):
        return bool(old) == new
    if isinstance(new, float) or isinstance(old, float):
        if old is None or new is None:
            return old is None and new is None
        return math.isclose(float(old), float(new), rel_tol=1e-9, abs_tol=1e-9)
    return (old or None) == (new or None) if not isinstance(new, int | float) else old == new
