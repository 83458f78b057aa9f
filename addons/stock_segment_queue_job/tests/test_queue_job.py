"""The planning run's batches as queue jobs: one job per stored batch in the planning
channel, run by the queue (its direct test mode), the run's steps done in order, a
failing plan recorded, and the jobs the run's worker waits for."""

from datetime import timedelta
from unittest.mock import patch

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.stock_segment.tests.common import DATE_TO, StockSegmentCommon
from odoo.tests import tagged
from odoo.tools import mute_logger

RUN_DAY = DATE_TO.date() - timedelta(days=1)
PROFILE_LOGGER = "odoo.addons.stock_segment.models.stock_planning_profile"


@tagged("post_install", "-at_install")
class TestPlanningRunQueueJob(StockSegmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Run = cls.env["stock.planning.run"]
        cls.Batch = cls.env["stock.planning.run.batch"]
        # Two products a batch: the classification of the fixture's six has three.
        cls.env["ir.config_parameter"].sudo().set_param("stock_segment.batch_size", 2)

    def setUp(self):
        super().setUp()
        # The jobs run in a cursor of their own: in tests, one on the test's transaction.
        self.registry_enter_test_mode()

    def run_queued(self):
        """Today's run of the test company, its batches run by the queue at once."""
        with trap_jobs() as trap:
            run = (
                self.Run.sudo()
                .with_context(queue_job__no_delay=True)
                ._run_company(self.company, day=RUN_DAY)
            )
        return run, trap

    def test_batches_run_as_queue_jobs_and_the_run_completes_in_order(self):
        run, trap = self.run_queued()
        batches = self.Batch.sudo().search([("step_id.run_id", "=", run.id)])
        classification = run.step_ids.filtered(lambda s: s.code == "classification")
        own = batches.filtered(lambda b: b.step_id == classification)
        self.assertEqual(len(own), 3)
        # One job per stored batch, in the planning channel.
        trap.assert_jobs_count(len(batches))
        self.assertEqual({job.method_name for job in trap.enqueued_jobs}, {"_run_queued"})
        self.assertEqual(
            sorted(job.recordset.id for job in trap.enqueued_jobs), sorted(batches.ids)
        )
        self.assertEqual({job.channel for job in trap.enqueued_jobs}, {"root.planning"})
        # The jobs ran the batches: the first job of a call took its own batch, then the
        # others waiting; the jobs of the batches it took found them done.
        results = [job.result for job in trap.enqueued_jobs]
        self.assertTrue(all(results), results)
        first = next(j for j in trap.enqueued_jobs if j.recordset.id == own[0].id)
        self.assertRegex(first.result, r"done, 0 failed of 2")
        for batch in own[1:]:
            job = next(j for j in trap.enqueued_jobs if j.recordset.id == batch.id)
            self.assertIn("already done", job.result)
        self.assertEqual(set(batches.mapped("state")), {"done"})
        # The run went through its steps in order and recorded them.
        steps = run.step_ids.sorted("sequence")
        self.assertEqual(run.state, "done")
        self.assertEqual(set(steps.mapped("state")), {"done"})
        starts = steps.mapped("date_start")
        self.assertEqual(starts, sorted(starts))
        plans = self.Profile.search_count([("company_id", "=", self.company.id)])
        self.assertEqual(classification.items, plans)
        self.assertEqual(classification.batch_count, 3)
        self.assertEqual(classification.batches_done, 3)
        self.assertFalse(
            self.Profile.search(
                [("company_id", "=", self.company.id), ("classification_date", "=", False)]
            )
        )

    def test_failing_plan_in_a_queued_batch_is_recorded(self):
        bad = self.products["spiky"]
        ProfileModel = type(self.Profile)
        original = ProfileModel._classify_batch

        def classify_batch(profile, ctx, product_ids):
            if bad.id in product_ids:
                raise ValueError("broken product")
            return original(profile, ctx, product_ids)

        with (
            patch.object(ProfileModel, "_classify_batch", classify_batch),
            mute_logger(PROFILE_LOGGER),
        ):
            run, trap = self.run_queued()
        self.assertTrue(trap.enqueued_jobs)
        step = run.step_ids.filtered(lambda s: s.code == "classification")
        batches = self.Batch.sudo().search([("step_id", "=", step.id)])
        failing = batches.filtered(lambda b: bad.id in b.record_ids)
        self.assertEqual(failing.failed, 1)
        self.assertEqual(failing.failed_record_ids, [bad.id])
        self.assertEqual(set(batches.mapped("state")), {"done"})
        self.assertEqual(step.failures, 1)
        self.assertEqual(run.state, "failed", "done with failures")
        # The run went on: the next steps ran.
        self.assertEqual(set(run.step_ids.mapped("state")), {"done"})

    def test_the_run_waits_for_live_jobs_and_requeues_the_others(self):
        """The committing path: stored jobs, counted while the queue will run them; a
        batch whose job failed is queued again, the others not twice."""
        run = self.Run.sudo()._open_run(self.company, day=RUN_DAY)
        step = run.step_ids.sorted("sequence")[0]
        step.state = "running"
        Batch = self.Batch.sudo()
        Batch._store(step.id, "Test", 0, [[1], [2], [3]])
        self.assertTrue(Batch._dispatch(step.id, "Test", 0, may_commit=True))
        batches = Batch.search([("step_id", "=", step.id)])
        jobs = batches.queue_job_id
        self.assertEqual(len(jobs), 3)
        self.assertEqual(set(jobs.mapped("channel")), {"root.planning"})
        self.assertEqual(set(jobs.mapped("state")), {"pending"})
        self.assertEqual(Batch._dispatched_pending(step.id, "Test", 0), 3)
        self.assertEqual((run.queue_job_count, run.queue_job_waiting), (3, 3))
        batches[0].queue_job_id.state = "failed"
        self.assertEqual(Batch._dispatched_pending(step.id, "Test", 0), 2)
        run.invalidate_recordset()
        self.assertEqual((run.queue_job_waiting, run.queue_job_failed), (2, 1))
        Batch._dispatch(step.id, "Test", 0, may_commit=True)
        self.assertEqual(len(batches.queue_job_id), 3)
        self.assertNotIn(jobs[0], batches.queue_job_id, "the failed job's batch is queued again")
        self.assertEqual(Batch._dispatched_pending(step.id, "Test", 0), 3)
        # A batch done leaves the count, whatever its job's state.
        Batch._finish(batches[1].id, 0)
        self.assertEqual(Batch._dispatched_pending(step.id, "Test", 0), 2)
        # Without commits and without the queue's direct mode, the run's worker keeps
        # its batches: no job.
        Batch._store(step.id, "Other", 0, [[4]])
        self.assertFalse(Batch._dispatch(step.id, "Other", 0, may_commit=False))

    def test_helping_cron_workers_leave_batches_to_the_queue(self):
        run = self.Run.sudo()._open_run(self.company, day=RUN_DAY)
        run.step_ids.write({"state": "running"})
        joined = []
        StepModel = type(self.env["stock.planning.run.step"])
        with (
            patch.object(type(self.Run), "_execute", lambda run: False),
            patch.object(StepModel, "_batches_to_do", lambda step: 1),
            patch.object(StepModel, "_join", lambda step: joined.append(step.code)),
        ):
            self.Run.sudo()._cron_work()
        self.assertEqual(joined, [])
