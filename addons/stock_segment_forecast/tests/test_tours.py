"""Buyer journeys in the browser: work the top exception, override a forecast and have it
approved, forecast plans now from the list and from the form."""

from odoo.tests import HttpCase, tagged

from .common import ForecastCommon


@tagged("post_install", "-at_install")
class TestForecastTours(ForecastCommon, HttpCase):
    def _exception(self, profile, impact):
        return (
            self.Exception.sudo()
            .with_context(tracking_disable=True)
            .create(
                {
                    "exception_type": "forecast_error",
                    "source": "test",
                    "profile_id": profile.id,
                    "product_id": profile.product_id.id,
                    "warehouse_id": profile.warehouse_id.id,
                    "segment_id": profile.segment_id.id,
                    "company_id": self.company.id,
                    "message": "Test",
                    "financial_impact": impact,
                }
            )
        )

    def _plan_url(self, plan):
        return f"/odoo/action-stock_segment.action_stock_planning_profile/{plan.id}"

    def test_buyer_starts_the_top_exception(self):
        low = self._exception(self.profiles[0], 150.0)
        top = self._exception(self.profiles[1], 9000.0)
        middle = self._exception(self.profiles[2], 700.0)
        self.start_tour(
            "/odoo/action-stock_segment_forecast.action_stock_planning_exception",
            "stock_segment_forecast_exception_start",
            login=self.user.login,
        )
        self.assertEqual(top.state, "in_progress")
        self.assertEqual(top.user_id, self.user)
        self.assertEqual((low | middle).mapped("state"), ["new", "new"])

    def test_override_beyond_tolerance_is_approved(self):
        self.run_forecast()
        plan = self.profile(self.steady, self.wh1)
        open_lines = plan.forecast_ids.filtered(lambda f: f.state == "forecast")
        before = dict(zip(open_lines.ids, open_lines.mapped("final_qty"), strict=True))
        self.assertTrue(all(qty < 400 for qty in before.values()))
        self.start_tour(
            self._plan_url(plan), "stock_segment_forecast_override_propose", login=self.user.login
        )
        override = self.env["stock.demand.override"].search([("profile_id", "=", plan.id)])
        self.assertEqual(len(override), 1)
        self.assertEqual(override.state, "to_approve")
        self.assertEqual(override.proposer_id, self.user)
        self.assertGreater(override.deviation_pct, override.tolerance_pct)
        self.start_tour(
            f"/odoo/action-stock_segment_forecast.action_stock_demand_override/{override.id}",
            "stock_segment_forecast_override_approve",
            login=self.manager.login,
        )
        self.assertEqual(override.state, "approved")
        self.assertEqual(override.approver_id, self.manager)
        # The plan's forecast now uses the override over the buckets it covers.
        self.env.invalidate_all()
        covered = open_lines.filtered(
            lambda f: override.date_from <= f.date_start <= override.date_to
        )
        self.assertTrue(covered)
        for line in covered:
            self.assertTrue(line.has_override)
            self.assertAlmostEqual(line.final_qty, 500.0, places=2)
            self.assertNotAlmostEqual(line.final_qty, before[line.id], places=2)

    def test_forecast_now_from_the_plans_list(self):
        self.assertFalse(any(self.profiles.mapped("forecast_date")))
        self.start_tour(
            "/odoo/action-stock_segment.action_stock_planning_profile",
            "stock_segment_forecast_now_list",
            login=self.manager.login,
        )
        self.env.invalidate_all()
        self.assertEqual(len(self.profiles.filtered("forecast_date")), 1)

    def test_forecast_now_from_the_plan_form(self):
        plan = self.profile(self.steady, self.wh1)
        self.assertFalse(plan.forecast_date)
        self.start_tour(
            self._plan_url(plan), "stock_segment_forecast_now_form", login=self.manager.login
        )
        self.env.invalidate_all()
        self.assertTrue(plan.forecast_date)
        self.assertTrue(plan.forecast_ids)
        self.assertEqual(len(self.profiles.filtered("forecast_date")), 1)
