from datetime import timedelta

from odoo.addons.stock_segment_replenishment.tests.common import TODAY, ReplenishmentCommon
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestLifecyclePolicy(ReplenishmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Policy = cls.env["stock.lifecycle.policy"]
        Policy.create(
            {
                "lifecycle_stage": "decline",
                "company_id": cls.company.id,
                "demand_factor": 0.5,
                "service_level_cap": 85.0,
            }
        )
        Policy.create(
            {"lifecycle_stage": "phase_out", "company_id": cls.company.id, "block_purchases": True}
        )
        Policy.create(
            {
                "lifecycle_stage": "end_of_life",
                "company_id": cls.company.id,
                "block_purchases": True,
                "flag_purchase_lines": True,
            }
        )

    def test_decline_lowers_service_target_and_quantities(self):
        self.run_job()
        profile = self.profile(self.history)
        mature = (profile.reorder_point_qty, profile.safety_stock_qty, profile.order_qty)
        self.assertAlmostEqual(profile.policy_service_target, 0.95)
        self.assertAlmostEqual(profile.policy_demand_used, 12.0)
        self.history.product_tmpl_id.lifecycle_stage = "decline"
        self.run_job()
        self.assertAlmostEqual(profile.policy_service_target, 0.85)
        self.assertAlmostEqual(profile.policy_demand_used, 6.0)
        self.assertLess(profile.reorder_point_qty, mature[0])
        self.assertLess(profile.safety_stock_qty, mature[1])
        self.assertLess(profile.order_qty, mature[2])

    def test_decline_damps_the_forecast_the_rule_uses(self):
        """A plan with forecast lines: the stage's demand factor scales the final
        forecast over the protection interval and its error sigma alike."""
        profile = self.profile(self.history)
        current = TODAY - timedelta(days=TODAY.weekday())
        self.env["stock.demand.forecast"].sudo().create(
            [
                {
                    "profile_id": profile.id,
                    "product_id": self.history.id,
                    "warehouse_id": self.wh.id,
                    "company_id": self.company.id,
                    "bucket": "week",
                    "date_start": current + timedelta(weeks=k),
                    "date_end": current + timedelta(weeks=k + 1),
                    "state": "frozen" if k == 0 else "forecast",
                    "statistical_qty": qty,
                    "final_qty": qty,
                }
                for k, qty in enumerate((70.0, 84.0, 98.0, 112.0))
            ]
        )
        profile.sudo().write(
            {
                "forecast_bucket": "week",
                "forecast_sigma": 20.0,
                "forecast_sigma_horizon": 60.0,
                "forecast_sigma_buckets": 4,
            }
        )
        self.run_job()
        self.assertEqual(profile.policy_demand_source, "forecast")
        mature = (
            profile.policy_demand_used,
            profile.policy_error_sigma,
            profile.reorder_point_qty,
            profile.safety_stock_qty,
        )
        self.history.product_tmpl_id.lifecycle_stage = "decline"
        self.run_job()
        self.assertEqual(profile.policy_demand_source, "forecast")
        self.assertAlmostEqual(profile.policy_demand_used, 0.5 * mature[0], places=5)
        self.assertAlmostEqual(profile.policy_error_sigma, 0.5 * mature[1], places=5)
        self.assertAlmostEqual(profile.policy_service_target, 0.85)
        self.assertLess(profile.reorder_point_qty, mature[2])
        self.assertLess(profile.safety_stock_qty, mature[3])

    def test_phase_out_archives_the_reorder_rule(self):
        self.run_job()
        op = self.orderpoint(self.history)
        self.assertTrue(op.active)
        self.history.product_tmpl_id.lifecycle_stage = "phase_out"
        self.run_job()
        self.assertEqual(self.profile(self.history).policy_status, "make_to_order")
        # Archiving takes stock away: a proposal a Planning Manager approves.
        self.assertTrue(op.active)
        proposal = self.Proposal.sudo().search(
            [("orderpoint_id", "=", op.id), ("action", "=", "archive"), ("state", "=", "pending")]
        )
        self.assertEqual(len(proposal), 1)
        proposal.with_user(self.manager).action_approve()
        self.assertFalse(op.active, "no new purchases in phase-out")

    def test_end_of_life_flags_open_purchase_lines(self):
        order = (
            self.env["purchase.order"]
            .with_company(self.company)
            .create(
                {
                    "partner_id": self.vendor.id,
                    "company_id": self.company.id,
                    "picking_type_id": self.wh.in_type_id.id,
                    "order_line": [(0, 0, {"product_id": self.zero_lt.id, "product_qty": 20.0})],
                }
            )
        )
        self.run_job()
        self.assertFalse(order.order_line.lifecycle_flag)
        self.assertFalse(self.open_exceptions(self.zero_lt, "lifecycle_purchase"))
        self.zero_lt.product_tmpl_id.lifecycle_stage = "end_of_life"
        self.run_job()
        self.assertTrue(order.order_line.lifecycle_flag)
        exc = self.open_exceptions(self.zero_lt, "lifecycle_purchase")
        self.assertEqual(len(exc), 1)
        self.assertIn("1 open purchase line(s) for 20.0 units", exc.message)
        self.assertIn("in stage End of life:", exc.message)
        self.assertNotIn("end_of_life", exc.message)
        # Rerun: the same exception, no duplicate; cancelling the order resolves it.
        self.run_job()
        self.assertEqual(len(self.open_exceptions(self.zero_lt, "lifecycle_purchase")), 1)
        order.button_cancel()
        self.run_job(today=TODAY)
        self.assertFalse(self.open_exceptions(self.zero_lt, "lifecycle_purchase"))
