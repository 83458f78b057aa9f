from datetime import timedelta

from odoo.addons.stock_segment.tests.common import new_company_user
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CURRENT, TODAY, ForecastCommon


@tagged("post_install", "-at_install")
class TestOverrides(ForecastCommon):
    def setUp(self):
        super().setUp()
        self.run_forecast()
        self.plan = self.profile(self.steady, self.wh1)
        self.future = self.plan.forecast_ids.filtered(lambda f: f.state == "forecast").sorted(
            "date_start"
        )
        self.assertEqual(len(self.future), 3)

    def _propose(self, user, percent, **kwargs):
        override = (
            self.env["stock.demand.override"]
            .with_user(user)
            .create(
                {
                    "profile_id": self.plan.id,
                    "date_from": self.future[0].date_start,
                    "date_to": self.future[1].date_start,
                    "override_type": "percent",
                    "percent": percent,
                    "reason_code": "customer",
                    "comment": "Test",
                    **kwargs,
                }
            )
        )
        override.with_user(user).action_submit()
        return override

    def test_beyond_tolerance_needs_another_manager(self):
        stat = self.future[:2].mapped("statistical_qty")
        override = self._propose(self.user, 50.0)
        self.assertEqual(override.state, "to_approve")
        self.assertFalse(override.auto_approved)
        self.assertAlmostEqual(override.statistical_qty, sum(stat), places=4)
        self.assertAlmostEqual(override.deviation_pct, 50.0, places=4)
        self.assertEqual(override.proposer_id, self.user)
        activities = override.activity_ids
        self.assertTrue(activities)
        self.assertIn(self.manager, activities.user_id)
        self.assertNotIn(self.user, activities.user_id)
        # Not applied before approval.
        self.assertFalse(any(self.future.mapped("has_override")))
        with self.assertRaises(AccessError):
            override.with_user(self.user).action_approve()
        override.with_user(self.manager).action_approve()
        self.assertEqual(override.state, "approved")
        self.assertEqual(override.approver_id, self.manager)
        self.assertFalse(override.activity_ids)
        for line, s in zip(self.future[:2], stat, strict=True):
            self.assertTrue(line.has_override)
            self.assertEqual(line.override_id, override)
            self.assertAlmostEqual(line.final_qty, s * 1.5, delta=0.006)
            self.assertAlmostEqual(line.statistical_qty, s, places=4)
        self.assertFalse(self.future[2].has_override)
        # The nightly job keeps applying it.
        self.run_forecast()
        self.assertAlmostEqual(self.future[0].final_qty, stat[0] * 1.5, delta=0.006)

    def test_forecast_per_day_follows_the_approved_override(self):
        """Forecast / Day is the open horizon's final forecast per day: it equals the sum
        of the open lines over their days, from the nightly run and again right after an
        approval, and an approved +50 % on two of three buckets shows at once."""
        lines = self.future
        days = 7.0 * len(lines)  # weekly buckets
        self.assertEqual(self.plan.forecast_bucket, "week")

        def expected():
            return sum(lines.mapped("final_qty")) / days

        self.assertAlmostEqual(self.plan.forecast_daily, expected(), delta=0.006)
        before = self.plan.forecast_daily
        stat = lines[:2].mapped("statistical_qty")
        override = self._propose(self.user, 50.0)
        override.with_user(self.manager).action_approve()
        self.assertAlmostEqual(self.plan.forecast_daily, expected(), delta=0.006)
        self.assertAlmostEqual(
            self.plan.forecast_daily - before, 0.5 * sum(stat) / days, delta=0.01
        )
        self.assertAlmostEqual(
            self.plan.forecast_horizon_qty, sum(lines.mapped("final_qty")), delta=0.006
        )

    def test_proposer_cannot_approve_own_override(self):
        override = self._propose(self.manager, 80.0)
        self.assertEqual(override.state, "to_approve")
        self.assertIn(self.manager2, override.activity_ids.user_id)
        self.assertNotIn(self.manager, override.activity_ids.user_id)
        with self.assertRaises(UserError):
            override.with_user(self.manager).action_approve()
        self.assertEqual(override.state, "to_approve")
        override.with_user(self.manager2).action_reject()
        self.assertEqual(override.state, "rejected")
        self.assertFalse(any(self.future.mapped("has_override")))

    def test_within_tolerance_applies_at_once(self):
        override = self._propose(self.user, 5.0)
        self.assertEqual(override.state, "approved")
        self.assertTrue(override.auto_approved)
        self.assertTrue(self.future[0].has_override)
        self.assertAlmostEqual(
            self.future[0].final_qty, self.future[0].statistical_qty * 1.05, delta=0.006
        )
        override.with_user(self.user).action_cancel()
        self.assertFalse(self.future[0].has_override)
        self.assertEqual(self.future[0].final_qty, self.future[0].statistical_qty)

    def test_expired_override_and_value_added(self):
        override = self._propose(self.user, 5.0, override_type="quantity", quantity=0.0)
        # A quantity of 0 is far from the statistical forecast: approval needed.
        self.assertEqual(override.state, "to_approve")
        override.with_user(self.manager).action_approve()
        line = self.future[0]
        self.assertEqual(line.final_qty, 0.0)
        # Two weeks later both buckets have closed and the override has expired.
        self.run_forecast(today=TODAY + timedelta(weeks=3))
        self.assertEqual(override.state, "expired")
        self.assertEqual(line.state, "closed")
        expected = abs(line.actual_qty - line.statistical_qty) - abs(line.actual_qty - 0.0)
        self.assertAlmostEqual(line.value_added_qty, expected, places=4)
        self.assertLess(line.value_added_qty, 0)  # forecasting zero made things worse
        self.assertEqual(override.closed_bucket_count, 2)
        # Buckets after the range no longer carry the override.
        later = self.plan.forecast_ids.filtered(
            lambda f: f.date_start > CURRENT + timedelta(weeks=3)
        )
        self.assertTrue(later)
        self.assertFalse(any(later.mapped("has_override")))

    def test_user_cannot_write_approval_fields(self):
        override = self._propose(self.user, 50.0)
        self.assertEqual(override.state, "to_approve")
        for vals in (
            {"state": "approved"},
            {"proposer_id": self.manager2.id},
            {"approver_id": self.manager.id},
            {"auto_approved": True},
            {"statistical_qty": 1.0},
            {"deviation_pct": 0.0},
        ):
            with self.assertRaises(AccessError):
                override.with_user(self.user).write(vals)
        with self.assertRaises(AccessError):
            override.with_user(self.manager).write({"proposer_id": self.manager2.id})
        self.assertEqual(override.state, "to_approve")
        self.assertEqual(override.proposer_id, self.user)
        self.assertFalse(any(self.future.mapped("has_override")))

    def test_create_forces_proposer_and_draft(self):
        override = (
            self.env["stock.demand.override"]
            .with_user(self.manager)
            .create(
                {
                    "profile_id": self.plan.id,
                    "date_from": self.future[0].date_start,
                    "date_to": self.future[1].date_start,
                    "override_type": "percent",
                    "percent": 80.0,
                    "reason_code": "customer",
                    "state": "approved",
                    "proposer_id": self.manager2.id,
                    "approver_id": self.manager2.id,
                    "auto_approved": True,
                }
            )
        )
        self.assertEqual(override.state, "draft")
        self.assertEqual(override.proposer_id, self.manager)
        self.assertFalse(override.approver_id)
        self.assertFalse(override.auto_approved)
        override.with_user(self.manager).action_submit()
        with self.assertRaises(UserError):
            override.with_user(self.manager).action_approve()

    def test_cancel_and_reset_ownership_and_state(self):
        override = self._propose(self.user, 50.0)
        other = new_company_user(
            self.env, "forecast_user2", "stock_segment.group_planning_user", self.company
        )
        with self.assertRaises(AccessError):
            override.with_user(other).action_cancel()
        with self.assertRaises(UserError):
            override.with_user(self.user).action_reset_to_draft()  # waiting, not rejected
        override.with_user(self.manager).action_cancel()
        self.assertEqual(override.state, "cancelled")
        with self.assertRaises(UserError):
            override.with_user(self.user).action_cancel()
        with self.assertRaises(AccessError):
            override.with_user(other).action_reset_to_draft()
        override.with_user(self.user).action_reset_to_draft()
        self.assertEqual(override.state, "draft")
