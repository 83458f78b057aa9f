from odoo import fields, models

from .stock_planning_run_batch import LIVE_JOB_STATES


class StockPlanningRun(models.Model):
    _inherit = "stock.planning.run"

    queue_job_count = fields.Integer(
        "Queue Jobs",
        compute="_compute_queue_jobs",
        help="Jobs of the job queue that ran or will run the run's batches.",
    )
    queue_job_waiting = fields.Integer(
        "Jobs Waiting",
        compute="_compute_queue_jobs",
        help="Jobs of the run still waiting or running in the job queue.",
    )
    queue_job_failed = fields.Integer(
        "Jobs Failed",
        compute="_compute_queue_jobs",
        help="Jobs of the run the queue gave up on; the run's worker ran their batches itself.",
    )

    def _queue_jobs(self):
        self.ensure_one()
        return (
            self.env["stock.planning.run.batch"]
            .sudo()
            .search([("step_id.run_id", "=", self.id)])
            .queue_job_id
        )

    def _compute_queue_jobs(self):
        for run in self:
            jobs = run._queue_jobs() if run.id else self.env["queue.job"]
            run.queue_job_count = len(jobs)
            run.queue_job_waiting = len(jobs.filtered(lambda j: j.state in LIVE_JOB_STATES))
            run.queue_job_failed = len(jobs.filtered(lambda j: j.state == "failed"))

    def action_view_queue_jobs(self):
        """The queue jobs of the run's batches."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Queue Jobs of %s", self.name),
            "res_model": "queue.job",
            "view_mode": "list,form",
            "domain": [("id", "in", self._queue_jobs().ids)],
        }
