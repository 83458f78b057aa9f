"""The nightly planning run: its steps in order and recorded, a failing batch or step
isolated, a run stopped midway resumed without redoing what was done, two workers that
never take the same batch, a rerun that writes nothing, and who may do what."""

from datetime import timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields, sql_db
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from ..models.stock_planning_run import _BatchCalls
from .common import (
    DATE_TO,
    StockSegmentCommon,
    backdate_rows,
    far_apart_time_zones,
    rewritten_rows,
)

RUN_DAY = DATE_TO.date() - timedelta(days=1)  # classification's weeks end at DATE_TO
LOGGER = "odoo.addons.stock_segment.models.stock_planning_run"


class Stop(BaseException):
    """A worker stopped midway (a server restart): not an error the loop catches."""


@tagged("post_install", "-at_install")
class TestPlanningRun(StockSegmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Run = cls.env["stock.planning.run"]
        cls.Batch = cls.env["stock.planning.run.batch"]

    def start(self):
        return self.Run.sudo()._run_company(self.company, day=RUN_DAY)

    def traced_steps(self, calls, fail=None):
        """The registered steps, each recording its code when it runs; ``fail`` raises."""
        original = type(self.Run)._planning_steps

        def steps(model):
            out = []
            for step in original(model):

                def run(company, day, step=step):
                    calls.append(step["code"])
                    if step["code"] == fail:
                        raise ValueError("broken step")
                    return step["run"](company, day)

                out.append(dict(step, run=run))
            return out

        return patch.object(type(self.Run), "_planning_steps", steps)

    def test_steps_run_in_order_and_are_recorded(self):
        calls = []
        with self.traced_steps(calls):
            run = self.start()
        codes = [s["code"] for s in sorted(self.Run._planning_steps(), key=lambda s: s["sequence"])]
        self.assertEqual(calls, codes)
        self.assertEqual(run.step_ids.sorted("sequence").mapped("code"), codes)
        self.assertEqual(run.state, "done")
        self.assertTrue(all(s.state == "done" for s in run.step_ids))
        starts = run.step_ids.sorted("sequence").mapped("date_start")
        self.assertEqual(starts, sorted(starts))
        classification = run.step_ids.filtered(lambda s: s.code == "classification")
        plans = self.Profile.search_count([("company_id", "=", self.company.id)])
        self.assertGreater(plans, 5)
        self.assertEqual(classification.items, plans)
        self.assertEqual(classification.batches_done, classification.batch_count)
        self.assertGreaterEqual(classification.batch_count, 1)
        self.assertEqual(classification.workers, 1)
        self.assertTrue(classification.stats)
        self.assertTrue(run.date_end and run.duration >= 0.0)
        # The run's classification is the job's: the plans are classified.
        self.assertFalse(
            self.Profile.search(
                [("company_id", "=", self.company.id), ("classification_date", "=", False)]
            )
        )

    def test_failing_step_and_record_are_isolated(self):
        calls = []
        steps = sorted(self.Run._planning_steps(), key=lambda s: s["sequence"])
        broken = steps[0]["code"]
        with self.traced_steps(calls, fail=broken), mute_logger(LOGGER):
            run = self.start()
        self.assertEqual(calls, [s["code"] for s in steps], "the next steps still run")
        step = run.step_ids.filtered(lambda s: s.code == broken)
        self.assertEqual(step.state, "failed")
        self.assertIn("broken step", step.note)
        self.assertEqual(run.state, "failed")
        # One failing record inside a batch: the others of the batch are done.
        step = run.step_ids[0]
        Profile = self.Profile.with_context(planning_run_step_id=step.id)
        done = []

        def work(ids):
            if 13 in ids:
                raise ValueError("bad record")
            done.extend(ids)

        with mute_logger("odoo.addons.stock_segment.models.stock_planning_profile"):
            failed = Profile._run_batches("Test", [[11, 12], [13, 14], [15]], work)
        self.assertEqual(failed, [13])
        self.assertEqual(sorted(done), [11, 12, 14, 15])
        batches = self.Batch.search([("step_id", "=", step.id), ("job", "=", "Test")])
        self.assertEqual(batches.mapped("state"), ["done"] * 3)
        self.assertEqual(batches.mapped("failed"), [0, 1, 0])
        self.assertEqual(batches.mapped("failed_record_ids"), [[], [13], []])
        self.assertEqual(self.Batch._failed_ids(step.id, "Test", 0), [13])

    def test_stopped_run_resumes_without_redoing_batches(self):
        run = self.Run.sudo().create(
            {
                "name": "stopped",
                "company_id": self.company.id,
                "run_date": RUN_DAY,
                "step_ids": [(0, 0, {"code": "test", "name": "Test", "state": "running"})],
            }
        )
        Profile = self.Profile.with_context(planning_run_step_id=run.step_ids.id)
        seen = []

        def stop_at_second(ids):
            if ids == [3, 4]:
                raise Stop
            seen.append(ids)

        batches = [[1, 2], [3, 4], [5]]
        stopped = False
        # (Not assertRaises: it rolls back what the block did, the batches included.)
        try:
            Profile._run_batches("Test", batches, stop_at_second)
        except Stop:
            stopped = True
        self.assertTrue(stopped)
        self.assertEqual(seen, [[1, 2]])
        # The server restarts: the stopped batch's worker (a session) is gone.
        self.env.cr.execute(
            SQL(
                "UPDATE stock_planning_run_batch SET worker = 'gone:1:1' "
                "WHERE step_id = %s AND state = 'running'",
                run.step_ids.id,
            )
        )
        # Resumed: the batch done is not redone, even if the ids are computed anew.
        seen.clear()
        _BatchCalls.reset(self.env.cr.dbname, run.step_ids.id)
        Profile._run_batches("Test", [[1, 2, 99], [3, 4], [5]], seen.append)
        self.assertEqual(seen, [[3, 4], [5]])
        # A whole run resumes at its first step not done.
        calls = []
        run = self.Run.sudo().create(
            {
                "name": "resumed",
                "company_id": self.company.id,
                "run_date": RUN_DAY,
                "step_ids": [
                    (0, 0, {"code": s["code"], "name": s["name"], "sequence": s["sequence"]})
                    for s in self.Run._planning_steps()
                ],
            }
        )
        first = run.step_ids.sorted("sequence")[0]
        first.state = "done"
        with self.traced_steps(calls):
            resumed = self.start()
        self.assertEqual(resumed, run)
        self.assertNotIn(first.code, calls)
        self.assertEqual(len(calls), len(run.step_ids) - 1)
        self.assertEqual(run.state, "done")
        self.assertIn("resumes", run.message_ids[0].body)

    def test_two_workers_never_take_the_same_batch(self):
        """Two connections to the database claim batches of one committed step: each
        batch goes to one of them only, and a batch whose worker is gone (its lock
        released without being done) is taken again."""
        db = sql_db.db_connect(self.env.cr.dbname)
        with db.cursor() as setup_cr:
            env = api.Environment(setup_cr, SUPERUSER_ID, {})
            run = env["stock.planning.run"].create(
                {
                    "name": "two workers",
                    # Committed: a company of the test transaction is not seen here.
                    "company_id": env.ref("base.main_company").id,
                    "run_date": RUN_DAY,
                    "step_ids": [(0, 0, {"code": "test", "name": "Test"})],
                }
            )
            step_id = run.step_ids.id
            env["stock.planning.run.batch"]._store(step_id, "Test", 0, [[1], [2], [3]])
            setup_cr.commit()
        cr_a, cr_b = db.cursor(), db.cursor()
        try:
            a = api.Environment(cr_a, SUPERUSER_ID, {})["stock.planning.run.batch"]
            b = api.Environment(cr_b, SUPERUSER_ID, {})["stock.planning.run.batch"]
            first = a._claim(step_id, "Test", 0)
            second = b._claim(step_id, "Test", 0)
            self.assertEqual(first[1], [1])
            self.assertEqual(second[1], [2], "the batch held by the first worker is skipped")
            # Each worker commits its claim, as the loop does: the row locks go, the
            # advisory locks stay until the batches are released.
            cr_a.commit()
            cr_b.commit()
            third = b._claim(step_id, "Test", 0, fresh=True)
            self.assertEqual(third[1], [3])
            cr_b.commit()
            self.assertIsNone(b._claim(step_id, "Test", 0, fresh=True), "all are held")
            self.assertIsNone(a._claim(step_id, "Test", 0, fresh=True), "all are held")
            cr_a.commit()
            cr_b.commit()
            # The first worker dies: its lock goes with it, its batch is free again.
            a._release(first[0])
            cr_a.commit()
            again = b._claim(step_id, "Test", 0, fresh=True)
            self.assertEqual(again[0], first[0])
            for batch_id in (second[0], third[0], again[0]):
                b._release(batch_id)
            cr_b.commit()
        finally:
            cr_a.close()
            cr_b.close()
            with db.cursor() as cleanup_cr:
                cleanup_cr.execute(SQL("DELETE FROM stock_planning_run WHERE id = %s", run.id))
                cleanup_cr.commit()

    def test_helping_worker_joins_shared_steps_only(self):
        """The run worker joins a running step another worker executes, unless the step
        does not share its batches."""
        steps = self.Run._planning_steps()
        run = self.Run.sudo().create(
            {
                "name": "joined",
                "company_id": self.company.id,
                "run_date": RUN_DAY,
                "step_ids": [
                    (
                        0,
                        0,
                        {
                            "code": s["code"],
                            "name": s["name"],
                            "sequence": s["sequence"],
                            "state": "running",
                        },
                    )
                    for s in steps
                ],
            }
        )
        joined = []
        StepModel = type(self.env["stock.planning.run.step"])
        # Another worker executes the run (its lock is taken); batches wait everywhere;
        # no other executor (a job queue) runs them.
        with (
            patch.object(type(self.Batch), "_dispatching", lambda batch: False),
            patch.object(type(self.Run), "_execute", lambda run: False),
            patch.object(StepModel, "_batches_to_do", lambda step: 1),
            patch.object(StepModel, "_join", lambda step: joined.append(step.code)),
        ):
            self.Run.sudo()._cron_work()
        shared = [s["code"] for s in steps if s.get("shared", True)]
        self.assertEqual(sorted(joined), sorted(shared))
        self.assertIn("classification", joined)
        if "kpi" in {s["code"] for s in steps}:
            self.assertNotIn("kpi", joined)
        # No batch waits (none stored yet, or all taken): nobody joins.
        joined.clear()
        with (
            patch.object(type(self.Batch), "_dispatching", lambda batch: False),
            patch.object(type(self.Run), "_execute", lambda run: False),
            patch.object(StepModel, "_join", lambda step: joined.append(step.code)),
        ):
            self.Run.sudo()._cron_work()
        self.assertEqual(joined, [])
        # A joiner takes stored batches only: it never stores the step's batches, and
        # its failure is not the step's.
        step = run.step_ids.sorted("sequence")[0]
        seen = []
        self.Profile.with_context(
            planning_run_step_id=step.id, planning_run_joining=True
        )._run_batches("Test", [[1], [2]], seen.append)
        self.assertEqual(seen, [])
        self.assertFalse(self.Batch.search([("step_id", "=", step.id)]))
        original = type(self.Run)._planning_steps

        def broken(model):
            return [dict(s, run=lambda company, day: 1 / 0) for s in original(model)]

        with patch.object(type(self.Run), "_planning_steps", broken), mute_logger(LOGGER):
            step._join()
        self.assertFalse(step.note)
        self.assertEqual(step.state, "running")
        self.assertEqual(run.state, "running")

    def test_rerun_on_unchanged_data_writes_nothing(self):
        self.start()
        tables = ["stock_planning_profile", "stock_warehouse_orderpoint"]
        before = backdate_rows(self.env, tables, self.company.id)
        run = self.start()
        self.assertEqual(run.state, "done")
        changed = rewritten_rows(self.env, tables, self.company.id, before)
        for table, (rewritten, added, removed) in changed.items():
            self.assertFalse(rewritten or added or removed, f"{table}: {changed[table]}")

    def test_run_started_by_hand_plans_for_the_nightly_day(self):
        """A manager whose time zone is another day than the superuser's (whom the
        scheduled actions run as) starts a run for the nightly day, and a lifecycle stage
        the manager confirms is dated that day too: one 'today' for the whole planning."""
        far_apart_time_zones(self.env, self.manager)
        day = self.Run._planning_day()
        self.assertEqual(day, fields.Date.context_today(self.Run.with_user(SUPERUSER_ID)))
        as_manager = self.Run.with_user(self.manager).with_company(self.company)
        self.assertNotEqual(day, fields.Date.context_today(as_manager))
        started = self.Run.browse(as_manager.action_start_run()["res_id"])
        self.assertEqual(started.run_date, day)
        tmpl = self.env["product.template"].create({"name": "Stage dated by the run's day"})
        tmpl.with_user(self.manager).sudo().lifecycle_stage = "phase_out"
        self.assertEqual(tmpl.lifecycle_stage_date, day)
        self.assertEqual(tmpl.lifecycle_phase_out_date, day)

    def test_access(self):
        run = self.start()
        # A planning user reads runs and their steps but starts and changes nothing.
        as_user = run.with_user(self.user)
        self.assertTrue(as_user.step_ids.mapped("name"))
        with self.assertRaises(UserError):
            self.Run.with_user(self.user).action_start_run()
        with self.assertRaises(AccessError):
            as_user.write({"state": "done"})
        with self.assertRaises(AccessError):
            self.Run.with_user(self.user).create(
                {"name": "x", "company_id": self.company.id, "run_date": RUN_DAY}
            )
        # A plain inventory user sees no run.
        with self.assertRaises(AccessError):
            run.with_user(self.env.ref("base.user_demo")).read(["name"])
        # A planning manager starts today's run of the company from the list's action:
        # the run is created, and the scheduled action (triggered) executes it.
        action = self.Run.with_user(self.manager).with_company(self.company).action_start_run()
        started = self.Run.browse(action["res_id"])
        self.assertEqual(started.company_id, self.company)
        self.assertEqual(started.trigger, "manual")
        self.assertEqual(started.state, "running")
        self.assertEqual(set(started.step_ids.mapped("state")), {"waiting"})
        cron = self.env.ref("stock_segment.ir_cron_planning_run")
        self.assertTrue(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]),
            "the scheduled action is triggered",
        )
        # What the scheduled action does for the company: the run started by hand.
        self.assertEqual(self.Run.sudo()._run_company(self.company), started)
        self.assertIn(started.state, ("done", "failed"))
        self.assertNotIn("resumes", started.message_ids[0].body)
        # Runs of another company are out of sight.
        other = self.env["res.company"].create({"name": "Other Run Co"})
        theirs = self.Run.sudo().create(
            {"name": "theirs", "company_id": other.id, "run_date": RUN_DAY}
        )
        self.assertNotIn(theirs, self.Run.with_user(self.user).search([]))
