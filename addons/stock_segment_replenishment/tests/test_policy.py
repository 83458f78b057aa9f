from unittest.mock import patch

import numpy as np
from odoo.exceptions import AccessError
from odoo.tests import tagged

from invplan.policy import compute_policy

from .common import ReplenishmentCommon


@tagged("post_install", "-at_install")
class TestPolicy(ReplenishmentCommon):
    def test_profile_values_equal_direct_engine_call(self):
        self.run_job()
        profile = self.profile(self.history)
        lts = np.array(
            [lt for p, v, _c, lt in self.receipts if p == self.history and v == self.vendor]
        )
        d, s = self.demand[self.history]
        expected = compute_policy(
            d,
            s,
            lts.mean(),
            lts.std(ddof=1),
            policy="sS",
            service_metric="csl",
            service_target=0.95,
            unit_cost=30.0,
            holding_rate=0.20,
            ordering_cost=40.0,
            error_std=s,
            review_interval=1.0,
        ).iloc[0]
        self.assertEqual(profile.policy_status, "ok")
        self.assertEqual(profile.policy_method, expected["method"])
        for fname, column in (
            ("safety_stock_qty", "safety_stock"),
            ("reorder_point_qty", "reorder_point"),
            ("order_qty", "order_qty"),
            ("max_qty", "order_up_to"),
            ("expected_fill_rate", "expected_fill_rate"),
            ("cycle_service_level", "expected_csl"),
            ("avg_stock_qty", "avg_stock"),
            ("avg_stock_value", "avg_stock_value"),
        ):
            self.assertAlmostEqual(profile[fname], expected[column], places=4, msg=fname)
        self.assertAlmostEqual(profile.coverage_days, expected["avg_stock"] / d, places=3)
        # The explanation names inputs, formula and result.
        text = profile.policy_explanation
        self.assertIn("Inputs:", text)
        self.assertIn("sigma_P", text)
        self.assertIn("Result:", text)
        # The reorder rule carries the rounded-up min and max.
        op = self.orderpoint(self.history)
        self.assertEqual(op.product_min_qty, np.ceil(expected["reorder_point"]))
        self.assertEqual(op.product_max_qty, np.ceil(expected["order_up_to"]))

    def test_slow_mover_discrete_and_mto(self):
        slow = self.profile(self.thin)
        self.set_forecast(slow, 0.2, 0.3)
        self.run_job()
        self.assertIn(slow.policy_method, ("poisson", "negbin"))
        self.assertEqual(slow.reorder_point_qty, round(slow.reorder_point_qty))
        # End of life: no stock, the reorder rule archived (never deleted).
        op = self.orderpoint(self.thin)
        self.assertTrue(op.active)
        self.thin.product_tmpl_id.lifecycle_stage = "end_of_life"
        self.run_job()
        self.assertEqual(slow.policy_status, "make_to_order")
        # With the lifecycle addon, a rule archived for a stage waits for a manager.
        waiting = self.Proposal.search(
            [("profile_id", "=", slow.id), ("state", "=", "pending"), ("action", "=", "archive")]
        )
        if waiting:
            self.assertIn("stock.lifecycle.policy", self.env)
            waiting.with_user(self.manager).action_approve()
        op = self.orderpoint(self.thin)
        self.assertTrue(op.exists())
        self.assertFalse(op.active)

    def test_bad_data_exception_and_no_orderpoint_change(self):
        # A buyer's rule on the negative-stock product must stay as it is.
        op = self.Orderpoint.create(
            {
                "product_id": self.negative.id,
                "warehouse_id": self.wh.id,
                "location_id": self.wh.lot_stock_id.id,
                "company_id": self.company.id,
                "product_min_qty": 3.0,
                "product_max_qty": 9.0,
            }
        )
        self.run_job()
        for product, status in (
            (self.no_vendor, "invalid_lead_time"),
            (self.zero_lt, "invalid_lead_time"),
            (self.no_cost, "invalid_cost"),
        ):
            profile = self.profile(product)
            self.assertEqual(profile.policy_status, status, product.name)
            self.assertEqual(len(self.open_exceptions(product, "replenishment_data")), 1)
            self.assertFalse(self.orderpoint(product), product.name)
        self.assertIn("no vendor", self.open_exceptions(self.no_vendor).message)
        exc = self.open_exceptions(self.negative, "replenishment_data")
        self.assertEqual(len(exc), 1)
        self.assertIn("negative stock", exc.message)
        self.assertEqual((op.product_min_qty, op.product_max_qty), (3.0, 9.0))
        self.assertFalse(
            self.Proposal.search([("profile_id", "=", self.profile(self.negative).id)])
        )
        # Fixing the data resolves the exception on the next run.
        self.no_cost.with_company(self.company).standard_price = 4.0
        self.run_job()
        self.assertFalse(self.open_exceptions(self.no_cost, "replenishment_data"))
        self.assertTrue(self.orderpoint(self.no_cost))

    def test_rerun_changes_nothing(self):
        self.run_job()
        Profile = type(self.env["stock.planning.profile"])
        written = []
        original = Profile._write_policy

        def spy(profile_model, updates, today):
            written.extend(updates)
            return original(profile_model, updates, today)

        def snapshot():
            self.env.flush_all()
            queries = {
                "orderpoints": "SELECT id, product_min_qty, product_max_qty, active, trigger,"
                " replenishment_uom_id FROM stock_warehouse_orderpoint WHERE company_id = %s"
                " ORDER BY id",
                "proposals": "SELECT id, state, new_min_qty, new_max_qty"
                " FROM stock_replenishment_proposal WHERE company_id = %s ORDER BY id",
                "audits": "SELECT id FROM stock_replenishment_audit WHERE company_id = %s",
                "exceptions": "SELECT id, state, message, severity FROM stock_planning_exception"
                " WHERE company_id = %s ORDER BY id",
                "lead_times": "SELECT id, lead_time_mean, receipt_count FROM"
                " stock_supplier_lead_time WHERE company_id = %s ORDER BY id",
            }
            out = {}
            for key, query in queries.items():
                self.env.cr.execute(query, [self.company.id])
                out[key] = self.env.cr.fetchall()
            return out

        before = snapshot()
        self.assertTrue(before["orderpoints"])
        with patch.object(Profile, "_write_policy", spy):
            stats = self.run_job()
        self.assertEqual(stats["proposals"], 0)
        self.assertEqual(written, [], "a rerun on unchanged data rewrites no plan")
        self.assertEqual(snapshot(), before)

    def test_product_without_category_planned_in_the_batch(self):
        """Odoo 19 allows a product without a category: its plan gets its rule in the
        batch run, the batch is not rerun plan by plan and no job failure is raised."""
        product = self._product("no category", 10.0, vendor_delay=4)
        product.product_tmpl_id.categ_id = False
        self.assertFalse(product.categ_id)
        profile = self.Profile.create(
            {"product_id": product.id, "warehouse_id": self.wh.id, "segment_id": self.segment.id}
        )
        self.set_forecast(profile, 3.0, 1.0)
        Profile = type(self.env["stock.planning.profile"])
        batches = []
        original = Profile._replenish_batch

        def spy(profile_model, ctx, profile_ids):
            batches.append(list(profile_ids))
            return original(profile_model, ctx, profile_ids)

        with patch.object(Profile, "_replenish_batch", spy):
            self.run_job()
        seen, rerun = set(), []
        for batch in batches:
            rerun += [pid for pid in batch if pid in seen]
            seen.update(batch)
        self.assertIn(profile.id, seen)
        self.assertEqual(rerun, [], "no batch is rerun plan by plan")
        self.assertEqual(profile.policy_status, "ok")
        self.assertTrue(self.orderpoint(product), "the plan without category gets its rule")
        self.assertFalse(
            self.Exception.sudo().search(
                [("exception_type", "=", "job_failure"), ("company_id", "=", self.company.id)]
            )
        )

    def test_users_and_managers_cannot_write_forecast_or_policy_fields(self):
        """A buyer or a manager cannot edit the demand or the policy of a plan (the next
        run would apply rules built on it): they go through overrides and proposals."""
        self.run_job()
        profile = self.profile(self.history)
        before = (profile.avg_daily_demand, profile.safety_stock_qty, profile.unit_cost_used)
        for user in (self.user, self.manager):
            for vals in (
                {"avg_daily_demand": 500.0},
                {"demand_sigma_daily": 0.0},
                {"safety_stock_qty": 0.0},
                {"reorder_point_qty": 1.0, "max_qty": 2.0},
                {"unit_cost_used": 0.01},
                {"policy_status": "ok"},
                {"forecast_horizon_qty": 1e6},
            ):
                with self.assertRaises(AccessError, msg=f"{user.login} {vals}"):
                    profile.with_user(user).write(vals)
        profile.invalidate_recordset()
        self.assertEqual(
            (profile.avg_daily_demand, profile.safety_stock_qty, profile.unit_cost_used), before
        )
        # The jobs still write them: a new forecast gives a new policy.
        self.set_forecast(profile, 24.0, 8.0)
        self.run_job()
        self.assertEqual(profile.avg_daily_demand, 24.0)
        self.assertGreater(profile.safety_stock_qty, before[1])
