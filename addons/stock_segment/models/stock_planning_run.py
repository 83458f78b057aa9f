"""One nightly planning run per company: its steps in order, each step's batches stored
in the database so that any cron worker of any server can take the next one, and a run
stopped midway resumes where it stopped.

Each planning addon registers its step in :meth:`StockPlanningRun._planning_steps`
(classification, forecast, replenishment, stock aging, KPI snapshot). A step calls the
addon's existing company job under the run's context; the jobs' shared batch loop
(``stock.planning.profile._run_batches``) then stores the step's batches and claims them
one at a time (``FOR UPDATE SKIP LOCKED`` plus a session advisory lock held while the
batch runs), so that:

- two workers never run the same batch;
- a batch whose worker died (its advisory lock is gone) is taken again;
- a batch done is never redone when the run resumes.
"""

import json
import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta
from datetime import time as day_start

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from psycopg2 import errors as pg_errors

_logger = logging.getLogger(__name__)

RUN_STATES = [
    ("running", "Running"),
    ("done", "Done"),
    ("failed", "Done with failures"),
]
STEP_STATES = [
    ("waiting", "Waiting"),
    ("running", "Running"),
    ("done", "Done"),
    ("failed", "Failed"),
]
BATCH_STATES = [("todo", "To do"), ("running", "Running"), ("done", "Done")]
# First key of the advisory locks of the run's batches (the second is the batch id).
ADVISORY_CLASS = 0x504C52  # "PLR"
# First key of the advisory lock a worker holds while it executes a run.
RUN_ADVISORY_CLASS = 0x504C4E  # "PLN"
# Batches looked at per claim: the first whose advisory lock is free is taken.
CLAIM_WINDOW = 20
MANAGER_GROUP = "stock_segment.group_planning_manager"


def worker_name(cr):
    """This worker: host, process and database session, as shown on the batches it
    ran (two cron threads of one process have sessions of their own)."""
    cr.execute("SELECT pg_backend_pid()")
    return f"{socket.gethostname()}:{os.getpid()}:{cr.fetchone()[0]}"


class StockPlanningRun(models.Model):
    """A nightly planning run of one company."""

    _name = "stock.planning.run"
    _description = "Planning Run"
    _inherit = ["mail.thread"]
    _order = "date_start desc, id desc"

    name = fields.Char(required=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, default=lambda s: s.env.company
    )
    run_date = fields.Date(
        required=True, readonly=True, help="The day the run plans for (its 'today')."
    )
    state = fields.Selection(RUN_STATES, required=True, default="running", readonly=True)
    trigger = fields.Selection(
        [("scheduled", "Scheduled"), ("manual", "Started by hand")],
        required=True,
        default="scheduled",
        readonly=True,
    )
    date_start = fields.Datetime("Started", readonly=True)
    date_end = fields.Datetime("Ended", readonly=True)
    duration = fields.Float(
        "Duration (s)", readonly=True, digits=(16, 1), help="Seconds from start to end."
    )
    step_ids = fields.One2many("stock.planning.run.step", "run_id", "Steps", readonly=True)
    items = fields.Integer(
        "Items Processed", compute="_compute_totals", help="Plans processed, all steps."
    )
    failures = fields.Integer(compute="_compute_totals", help="Plans that failed, all steps.")
    exception_count = fields.Integer("Exceptions", compute="_compute_exception_count")

    @api.depends("step_ids.items", "step_ids.failures")
    def _compute_totals(self):
        for run in self:
            run.items = sum(run.step_ids.mapped("items"))
            run.failures = sum(run.step_ids.mapped("failures"))

    def _exception_domain(self):
        self.ensure_one()
        domain = [("company_id", "=", self.company_id.id)]
        if self.date_start:
            domain.append(("create_date", ">=", self.date_start))
        if self.date_end:
            domain.append(("create_date", "<=", self.date_end))
        return domain

    def _compute_exception_count(self):
        Exception_ = self.env["stock.planning.exception"]
        for run in self:
            run.exception_count = (
                Exception_.search_count(run._exception_domain()) if run.date_start else 0
            )

    # ------------------------------------------------------------------ steps
    @api.model
    def _planning_steps(self):
        """The steps of a run, each ``{"code", "name", "sequence", "run"}`` where
        ``run(company, day)`` runs the step's job for one company and returns its
        counters (or None when the company's job failed as a whole). Each planning addon
        adds its own; they run by ``sequence``. A step with ``"shared": False`` (its job
        gathers every batch before writing) is run by the run's worker only: helping
        workers do not join it."""
        Profile = self.env["stock.planning.profile"]
        return [
            {
                "code": "classification",
                "name": self.env._("Classification and segments"),
                "sequence": 10,
                # Whole weeks ending at the midnight after the run's day.
                "run": lambda company, day: Profile._run_classification(
                    companies=company,
                    date_to=datetime.combine(day + timedelta(days=1), day_start.min),
                ).get(company.id),
            }
        ]

    # ------------------------------------------------------------------ buttons
    def action_view_exceptions(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Exceptions of %s", self.name),
            "res_model": "stock.planning.exception",
            "view_mode": "list,form",
            "domain": self._exception_domain(),
        }

    @api.model
    def action_start_run(self):
        """Start today's run of the current company now (or show the one running):
        the run is created here and executed by the scheduled action, triggered at once,
        so that a long run does not hold the user's request. Planning Managers only."""
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            raise UserError(self.env._("Only a Planning Manager can start a planning run."))
        run = self.sudo()._open_run(self.env.company, trigger="manual")
        run.message_post(
            body=self.env._("Started by %s; the scheduled action runs it.", self.env.user.name)
        )
        cron = self.env.ref("stock_segment.ir_cron_planning_run", False)
        if cron:
            cron.sudo()._trigger()
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.planning.run",
            "view_mode": "form",
            "res_id": run.id,
        }

    # ------------------------------------------------------------------ the run
    def _may_commit(self):
        return self.env["stock.planning.profile"]._may_commit()

    @api.model
    def _cron_run(self):
        """The scheduled action: every active company's run, one after the other."""
        for company in self.env["res.company"].search([("active", "=", True)]):
            self._run_company(company)

    @api.model
    def _run_company(self, company, day=None, trigger="scheduled"):
        """Today's run of ``company``: resumed if one is still running, otherwise a new
        one. Returns the run."""
        run = self._open_run(company, day=day, trigger=trigger)
        if any(step.state != "waiting" for step in run.step_ids):
            run.message_post(body=self.env._("The run resumes where it stopped."))
        if self._may_commit():
            # The run and its steps are seen by the other workers.
            self.env["ir.cron"]._commit_progress()
        run._execute()
        return run

    @api.model
    def _planning_day(self):
        """The day planning calls 'today': the day in the time zone of the superuser,
        whom the scheduled actions run as, so that the nightly run, a run started from
        the menu and every screen that plans for today (approvals, lifecycle stages, the
        last-time buy) agree, whoever presses the button and wherever they are. A user
        whose time zone is another day around midnight still gets the run's day."""
        root = self.env.ref("base.user_root", raise_if_not_found=False)
        tz = (root and root.sudo().tz) or "UTC"
        return fields.Date.context_today(self.with_context(tz=tz))

    @api.model
    def _open_run(self, company, day=None, trigger="scheduled"):
        """The company's run still running, or a new one with its steps waiting."""
        day = day or self._planning_day()
        run = self.search(
            [("company_id", "=", company.id), ("state", "=", "running")],
            order="id desc",
            limit=1,
        )
        if not run:
            run = self.create(
                {
                    "name": self.env._("%(company)s, %(day)s", company=company.name, day=day),
                    "company_id": company.id,
                    "run_date": day,
                    "trigger": trigger,
                    "date_start": fields.Datetime.now(),
                    "step_ids": [
                        (0, 0, {"code": s["code"], "name": s["name"], "sequence": s["sequence"]})
                        for s in sorted(self._planning_steps(), key=lambda s: s["sequence"])
                    ],
                }
            )
        return run

    def _lock(self):
        """Take the run's session advisory lock: False when another worker executes it."""
        self.env.cr.execute(SQL("SELECT pg_try_advisory_lock(%s, %s)", RUN_ADVISORY_CLASS, self.id))
        return self.env.cr.fetchone()[0]

    def _unlock(self):
        self.env.cr.execute(SQL("SELECT pg_advisory_unlock(%s, %s)", RUN_ADVISORY_CLASS, self.id))

    def _execute(self):
        """Run the steps not done yet, in order; each step's failures are recorded on
        it and the run goes on. A run another worker executes is left to it."""
        self.ensure_one()
        if not self._lock():
            return False
        try:
            self._execute_steps()
        finally:
            self._unlock()
        return True

    def _execute_steps(self):
        start = time.monotonic()
        for step in self.step_ids.sorted("sequence"):
            if step.state not in ("done", "failed"):
                step._execute()
        failed = any(s.state == "failed" or s.failures for s in self.step_ids)
        self.write(
            {
                "state": "failed" if failed else "done",
                "date_end": fields.Datetime.now(),
                "duration": (self.duration or 0.0) + time.monotonic() - start,
            }
        )
        if self._may_commit():
            self.env["ir.cron"]._commit_progress()

    @api.model
    def _cron_work(self):
        """A helping worker: resumes a running run that no worker executes any more, or
        joins the running step of a run another worker executes and takes its batches
        still to do, then returns. Started by the run at each step and on its schedule;
        with several cron workers or servers the night is shorter."""
        for run in self.search([("state", "=", "running")]):
            # A run nobody executes any more (its worker stopped) is resumed here.
            if run._execute():
                continue
            if self.env["stock.planning.run.batch"]._dispatching():
                continue  # another executor (the job queue) runs the stored batches
            shared = {s["code"] for s in self._planning_steps() if s.get("shared", True)}
            for step in run.step_ids.filtered(lambda s: s.state == "running"):
                # Only where batches wait: joining runs the step's company-wide
                # preparation again, worth it only for batches still to take.
                if step.code in shared and step._batches_to_do():
                    step._join()


class StockPlanningRunStep(models.Model):
    """One step of a run: its state, timing and counters."""

    _name = "stock.planning.run.step"
    _description = "Planning Run Step"
    _order = "run_id, sequence, id"

    run_id = fields.Many2one("stock.planning.run", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    run_date = fields.Date(related="run_id.run_date", store=True)
    code = fields.Char(required=True)
    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    state = fields.Selection(STEP_STATES, required=True, default="waiting")
    date_start = fields.Datetime("Started")
    date_end = fields.Datetime("Ended")
    duration = fields.Float("Duration (s)", digits=(16, 1))
    items = fields.Integer("Items Processed")
    written = fields.Integer(
        "Records Written",
        help="What the step's jobs report as written or changed, helping workers included.",
    )
    helper_written = fields.Integer(help="Records written by helping workers.")
    failures = fields.Integer(help="Plans whose processing failed; each has an exception.")
    batch_count = fields.Integer("Batches")
    batches_done = fields.Integer()
    workers = fields.Integer(help="Workers that ran at least one batch of the step.")
    stats = fields.Text("Counters", help="The job's counters, as it reported them.")
    note = fields.Text()

    def _context(self):
        return {"planning_run_step_id": self.id}

    def _execute(self):
        """Run the step's job, wait for the batches other workers still hold, record."""
        self.ensure_one()
        may_commit = self.run_id._may_commit()
        self.write({"state": "running", "date_start": self.date_start or fields.Datetime.now()})
        if may_commit:
            self.env["ir.cron"]._commit_progress()
            # Helping workers join the step now.
            cron = self.env.ref("stock_segment.ir_cron_planning_run_worker", False)
            if cron:
                cron._trigger()
        start = time.monotonic()
        result = self._work()
        self._wait_for_batches(may_commit)
        self._record(result, time.monotonic() - start)
        if may_commit:
            self.env["ir.cron"]._commit_progress()

    def _batches_to_do(self):
        """Batches of the step nobody took yet."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM stock_planning_run_batch WHERE step_id = %s "
                "AND state = 'todo'",
                self.id,
            )
        )
        return self.env.cr.fetchone()[0]

    def _join(self):
        """A helping worker's share of the step: the job under the step's context as a
        joiner (it takes stored batches only, never stores any). Its failure is logged,
        not recorded on the step: the run's worker does the step and records it. What
        the joiner wrote is added to the step's count."""
        self.ensure_one()
        result = self.with_context(planning_run_joining=True)._work(record_failure=False)
        written = _written(result)
        if written:
            self.env.cr.execute(
                SQL(
                    "UPDATE stock_planning_run_step SET helper_written = "
                    "COALESCE(helper_written, 0) + %s WHERE id = %s",
                    written,
                    self.id,
                )
            )
            if self.run_id._may_commit():
                self.env["ir.cron"]._commit_progress()

    def _work(self, record_failure=True):
        """The step's job for the run's company, under the step's context (the batch loop
        then shares the step's batches). Returns the job's counters, or None when the
        job failed as a whole (recorded in the step's note unless ``record_failure`` is
        False)."""
        self.ensure_one()
        company = self.run_id.company_id
        Run = (
            self.env["stock.planning.run"]
            .with_context(planning_run_step_id=self.id)
            .with_company(company)
        )
        definition = {s["code"]: s for s in Run._planning_steps()}.get(self.code)
        if definition is None:
            self.note = self.env._("The step no longer exists (its addon was uninstalled).")
            return None
        _BatchCalls.reset(
            self.env.cr.dbname, self.id, self.env.context.get("planning_run_batch_id")
        )
        try:
            result = definition["run"](company, self.run_id.run_date)
        except Exception as error:  # noqa: BLE001  (a step must not stop the run)
            if self.run_id._may_commit():
                self.env.cr.rollback()
            self.env.invalidate_all()
            _logger.exception("Planning run step %s of %s failed", self.code, company.name)
            if record_failure:
                self.note = str(error)[:2000]
            return None
        if result is None and record_failure:
            self.note = self.env._("The step's job failed for the company; see the server log.")
        return result

    def _wait_for_batches(self, may_commit, timeout=6 * 3600):
        """Until no batch of the step is held by another worker. Without commits (tests,
        on-demand runs) nothing runs beside this worker."""
        if not may_commit:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.env.cr.execute(
                SQL(
                    "SELECT count(*) FROM stock_planning_run_batch WHERE step_id = %s "
                    "AND state <> 'done'",
                    self.id,
                )
            )
            if not self.env.cr.fetchone()[0]:
                return
            self.env["ir.cron"]._commit_progress()
            time.sleep(1.0)

    def _record(self, result, seconds):
        self.env.cr.execute(
            SQL(
                """
            SELECT count(*), count(*) FILTER (WHERE state = 'done'),
                   COALESCE(sum(size) FILTER (WHERE state = 'done'), 0),
                   COALESCE(sum(failed) FILTER (WHERE state = 'done'), 0),
                   count(DISTINCT worker)
              FROM stock_planning_run_batch WHERE step_id = %s
            """,
                self.id,
            )
        )
        count, done, items, failed, workers = self.env.cr.fetchone()
        result = result or {}
        self.invalidate_recordset(["helper_written"])
        written = _written(result) + (self.helper_written or 0)
        # Items are plans: the job's own count where it gives one (a job may batch by
        # product), else the ids of its batches.
        items = int(result.get("profiles") or result.get("pairs") or items)
        if not count:  # a job that does not share its batches (or had none)
            failed = int(result.get("failed") or 0)
        self.write(
            {
                "state": "failed" if result is None or self.note else "done",
                "date_end": fields.Datetime.now(),
                "duration": (self.duration or 0.0) + seconds,
                "items": items,
                "failures": failed,
                "written": written,
                "batch_count": count,
                "batches_done": done,
                "workers": workers,
                "stats": json.dumps(result, default=str, sort_keys=True) if result else False,
            }
        )


# Counters of the jobs that count records written.
WRITTEN_COUNTERS = frozenset({"changed", "lines", "proposals", "rows", "written", "alerts"})


def _written(result):
    """Records written, from a job's counters."""
    return sum(
        int(v)
        for k, v in (result or {}).items()
        if k in WRITTEN_COUNTERS and isinstance(v, int | float)
    )


class _BatchCalls:
    """How many times the batch loop was called per job within one step execution of
    this thread: the key of a call's stored batches is (step, job, call number), the
    same in every worker and on resume, since a step's job calls the loop in the same
    order each time. Counted per thread (cron and job-queue threads of one process run
    steps side by side) and per batch a queued job runs (``only``)."""

    _counts: dict = {}

    @classmethod
    def reset(cls, dbname, step_id, only=None):
        mine = (dbname, step_id, threading.get_ident(), only)
        for key in [k for k in cls._counts if k[:4] == mine]:
            del cls._counts[key]

    @classmethod
    def next(cls, dbname, step_id, job, only=None):
        key = (dbname, step_id, threading.get_ident(), only, job)
        cls._counts[key] = cls._counts.get(key, -1) + 1
        return cls._counts[key]


class StockPlanningRunBatch(models.Model):
    """A batch of a step: the ids it covers, who ran it and when."""

    _name = "stock.planning.run.batch"
    _description = "Planning Run Batch"
    _order = "step_id, job, call_no, sequence"

    step_id = fields.Many2one(
        "stock.planning.run.step", required=True, ondelete="cascade", index=True
    )
    job = fields.Char(required=True)
    call_no = fields.Integer(required=True, default=0)
    sequence = fields.Integer(required=True)
    size = fields.Integer()
    record_ids = fields.Json()
    state = fields.Selection(BATCH_STATES, required=True, default="todo")
    worker = fields.Char()
    failed = fields.Integer()
    failed_record_ids = fields.Json(help="The ids that failed, each recorded as an exception.")
    date_done = fields.Datetime()

    _batch_uniq = models.Constraint(
        "unique (step_id, job, call_no, sequence)", "A batch is stored once per step."
    )

    @api.model
    def _store(self, step_id, job, call_no, batches):
        """The step's batches for this call of the loop, stored once: a worker that
        comes second (or a resumed run) finds them and uses them as they are."""
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM stock_planning_run_batch "
                "WHERE step_id = %s AND job = %s AND call_no = %s",
                step_id,
                job,
                call_no,
            )
        )
        if self.env.cr.fetchone()[0] or not batches:
            return
        rows = SQL(", ").join(
            SQL(
                "(%s, %s, %s, %s, %s, %s::jsonb, 'todo', now() AT TIME ZONE 'UTC', %s)",
                step_id,
                job,
                call_no,
                seq,
                len(ids),
                json.dumps([int(i) for i in ids]),
                self.env.uid,
            )
            for seq, ids in enumerate(batches)
        )
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO stock_planning_run_batch
                   (step_id, job, call_no, sequence, size, record_ids, state, create_date,
                    create_uid)
            VALUES %s
            ON CONFLICT (step_id, job, call_no, sequence) DO NOTHING
            """,
                rows,
            )
        )

    @api.model
    def _claim(self, step_id, job, call_no, fresh=False, prefer=None):
        """The next batch of the call nobody holds: ``(id, ids)`` with its advisory
        lock taken and its state 'running', or None when none is left. The batch
        ``prefer`` (a queued job's own batch) is taken first when free.

        With ``fresh`` (the caller committed just before: nothing of its own is
        pending) a serialization failure of PostgreSQL's repeatable read, met when
        another worker marked a batch after this transaction began, is answered by a
        new transaction and another try."""
        for attempt in range(5):
            try:
                with self.env.cr.savepoint(flush=False):
                    return self._claim_once(step_id, job, call_no, prefer)
            except pg_errors.SerializationFailure:
                if not fresh or attempt == 4:
                    raise
                self.env.cr.rollback()
        return None

    @api.model
    def _claim_once(self, step_id, job, call_no, prefer=None):
        me = worker_name(self.env.cr)
        tried = []
        for _attempt in range(CLAIM_WINDOW):
            # One row at a time: FOR UPDATE locks every row it returns.
            self.env.cr.execute(
                SQL(
                    """
                SELECT id, record_ids FROM stock_planning_run_batch
                 WHERE step_id = %s AND job = %s AND call_no = %s AND state <> 'done'
                   AND NOT id = ANY(%s)
                   -- A session's advisory locks are its own again: skip what it runs.
                   AND NOT (state = 'running' AND worker = %s)
              ORDER BY id = %s DESC, sequence
                 LIMIT 1
                   FOR UPDATE SKIP LOCKED
                """,
                    step_id,
                    job,
                    call_no,
                    tried,
                    me,
                    prefer or 0,
                )
            )
            row = self.env.cr.fetchone()
            if row is None:
                return None
            batch_id, ids = row
            self.env.cr.execute(
                SQL("SELECT pg_try_advisory_lock(%s, %s)", ADVISORY_CLASS, batch_id)
            )
            if not self.env.cr.fetchone()[0]:
                tried.append(batch_id)  # running in another worker
                continue
            self.env.cr.execute(
                SQL(
                    "UPDATE stock_planning_run_batch SET state = 'running', worker = %s "
                    "WHERE id = %s",
                    me,
                    batch_id,
                )
            )
            return batch_id, ids
        return None

    @api.model
    def _finish(self, batch_id, failed, failed_ids=None):
        self.env.cr.execute(
            SQL(
                """
            UPDATE stock_planning_run_batch
               SET state = 'done', failed = %s, failed_record_ids = %s::jsonb,
                   date_done = now() AT TIME ZONE 'UTC'
             WHERE id = %s
            """,
                failed,
                json.dumps([int(i) for i in failed_ids or []]),
                batch_id,
            )
        )

    @api.model
    def _failed_ids(self, step_id, job, call_no):
        """The ids that failed in the call's batches, whoever ran them."""
        self.env.cr.execute(
            SQL(
                "SELECT failed_record_ids FROM stock_planning_run_batch "
                "WHERE step_id = %s AND job = %s AND call_no = %s ORDER BY sequence",
                step_id,
                job,
                call_no,
            )
        )
        return [int(i) for (ids,) in self.env.cr.fetchall() for i in ids or []]

    # ------------------------------------------------------------ other executors
    # Where another executor (the job queue, with its bridge addon) runs the stored
    # batches, the run's worker hands them over and waits for them instead of
    # claiming them. Without one, these hooks leave the cron workers to claim them.
    @api.model
    def _dispatching(self):
        """True where another executor runs the stored batches: helping cron workers
        then leave them to it."""
        return False

    @api.model
    def _dispatch(self, step_id, job, call_no, may_commit):
        """Hand the call's stored batches to another executor. Returns True when they
        were handed over (the run's worker then waits for them), False to let the
        cron workers claim them."""
        return False

    @api.model
    def _dispatched_pending(self, step_id, job, call_no):
        """Batches of the call not done that the other executor will still run."""
        return 0

    @api.model
    def _wait_for_call(self, step_id, job, call_no, may_commit, timeout=6 * 3600):
        """Until the call's batches are done, or none of those left will be run by the
        other executor (its job failed or was cancelled): the run's worker then claims
        what is left. Without commits nothing runs beside this worker."""
        if not may_commit:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.env.cr.execute(
                SQL(
                    "SELECT count(*) FROM stock_planning_run_batch WHERE step_id = %s "
                    "AND job = %s AND call_no = %s AND state <> 'done'",
                    step_id,
                    job,
                    call_no,
                )
            )
            if not self.env.cr.fetchone()[0]:
                return
            if not self._dispatched_pending(step_id, job, call_no):
                return
            self.env["ir.cron"]._commit_progress()
            time.sleep(1.0)

    @api.model
    def _is_of_call(self, batch_id, job, call_no):
        self.env.cr.execute(
            SQL(
                "SELECT 1 FROM stock_planning_run_batch WHERE id = %s AND job = %s "
                "AND call_no = %s",
                batch_id,
                job,
                call_no,
            )
        )
        return bool(self.env.cr.fetchone())

    @api.model
    def _release(self, batch_id):
        self.env.cr.execute(SQL("SELECT pg_advisory_unlock(%s, %s)", ADVISORY_CLASS, batch_id))
