"""The planning run's stored batches as queue jobs: the run's worker hands each batch of
a step to the job queue (one job per batch, in the ``root.planning`` channel, whose
capacity limits how many run at once) and waits until they are done; the cron workers
no longer claim them."""

from odoo import api, fields, models
from odoo.addons.queue_job.utils import must_run_without_delay
from odoo.tools import SQL

# Job states in which the queue will still run the job.
LIVE_JOB_STATES = ("wait_dependencies", "pending", "enqueued", "started")


class StockPlanningRunBatch(models.Model):
    _inherit = "stock.planning.run.batch"

    queue_job_id = fields.Many2one(
        "queue.job",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The job of the queue that runs the batch.",
    )

    @api.model
    def _dispatching(self):
        return True

    @api.model
    def _dispatch(self, step_id, job, call_no, may_commit):
        """One queue job per batch of the call not done and not in the queue already.

        A run that does not commit (one transaction: tests, installation) keeps its
        batches to its own worker, since no other could see them; except where the
        queue runs its jobs at once (its ``queue_job__no_delay`` test mode): then the
        jobs run here, one after the other, in this transaction."""
        direct = must_run_without_delay(self.env)
        if not may_commit and not direct:
            return False
        batches = self.search(
            [
                ("step_id", "=", step_id),
                ("job", "=", job),
                ("call_no", "=", call_no),
                ("state", "!=", "done"),
            ]
        ).filtered(lambda b: b.queue_job_id.state not in LIVE_JOB_STATES)
        if not batches:
            return True
        step = batches.step_id
        if direct:
            # The jobs read what this transaction wrote, in a cursor of their own.
            self.env.flush_all()
        count = self.search_count(
            [("step_id", "=", step_id), ("job", "=", job), ("call_no", "=", call_no)]
        )
        for batch in batches.sorted("sequence"):
            queued = batch.with_delay(
                description=f"{step.run_id.name}: {step.name}, "
                f"batch {batch.sequence + 1} of {count}",
            )._run_queued()
            record = None if direct else queued.db_record()
            if record:
                batch.queue_job_id = record
        if direct:
            self.env.invalidate_all()
        return True

    @api.model
    def _dispatched_pending(self, step_id, job, call_no):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT count(*) FROM stock_planning_run_batch b
              JOIN queue_job q ON q.id = b.queue_job_id
             WHERE b.step_id = %s AND b.job = %s AND b.call_no = %s
               AND b.state <> 'done' AND q.state IN %s
            """,
                step_id,
                job,
                call_no,
                LIVE_JOB_STATES,
            )
        )
        return self.env.cr.fetchone()[0]

    def _run_queued(self):
        """Run a batch of a planning run's step (the job of the batch).

        The step's job runs as a helping worker's would, restricted to this call of its
        batch loop: it takes this batch first, then any batch of the call still
        waiting, so that the step's company-wide preparation runs once per job that
        works rather than once per batch. A failing plan is retried alone and recorded
        as an exception, as in a cron worker. Returns what was done, for the job's
        result."""
        self.ensure_one()
        batch = self.sudo()
        step = batch.step_id
        if batch.state == "done":
            return f"Batch {batch.id} was already done."
        if step.state != "running" or step.run_id.state != "running":
            return f"Batch {batch.id} left: its step is {step.state}."
        step.with_context(planning_run_batch_id=batch.id)._join()
        batch.invalidate_recordset(["state", "failed"])
        return f"Batch {batch.id}: {batch.state}, {batch.failed or 0} failed of {batch.size}."
