"""The forecast reaches the reorder rule.

Two products are forecast by the real forecast job from generated weekly deliveries: one
whose demand grows (its forecast runs above its history mean) and one whose demand is
flat (a moving-average forecast, the same in every bucket). The expected rules are
computed here with the engine's functions on the numbers read back from the forecast
lines and the plan, and for the flat forecast also by hand."""

import math
import random
from datetime import datetime, timedelta

from freezegun import freeze_time
from odoo.tests import Form, tagged
from odoo.tools import SQL

from invplan.policy import compute_policy
from invplan.window import protection_demand, sigma_over

from .common import TODAY, ReplenishmentCommon

HISTORY_WEEKS = 52
HORIZON_WEEKS = 13
LEAD_TIME = 10.0  # the vendor's delay: no receipts, so the plan uses it with deviation 0
CURRENT = TODAY - timedelta(days=TODAY.weekday())  # Monday of the week holding TODAY
GONE = (TODAY - CURRENT).days  # days of the current week already gone on TODAY
SEGMENT = {
    "company_id": None,
    "replenishment_policy": "sS",
    "service_metric": "cycle_service_level",
    "service_level_target": 95.0,
    "holding_cost_rate": 20.0,
    "ordering_cost": 40.0,
    "auto_apply_tolerance": 10.0,
    "forecast_bucket": "week",
}
ENGINE = {
    "service_metric": "csl",
    "service_target": 0.95,
    "unit_cost": 20.0,
    "holding_rate": 0.20,
    "ordering_cost": 40.0,
    "review_interval": 1.0,
}


def _ceil(x):
    return float(math.ceil(x - 1e-9))


@tagged("post_install", "-at_install")
class TestForecastReachesPolicy(ReplenishmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        icp = cls.env["ir.config_parameter"].sudo()
        icp.set_param("stock_segment_forecast.history_days", HISTORY_WEEKS * 7)
        icp.set_param("stock_segment_forecast.horizon_days", HORIZON_WEEKS * 7)
        Segment = cls.env["stock.segment"]
        base = dict(SEGMENT, company_id=cls.company.id)
        cls.trend_segment = Segment.create(
            dict(base, name="Growing demand", code="FRG", forecast_method="holt_damped")
        )
        cls.flat_segment = Segment.create(
            dict(base, name="Flat demand", code="FRF", forecast_method="moving_average")
        )
        cls.trend = cls._product("growing demand", 20.0, vendor_delay=int(LEAD_TIME))
        cls.flat = cls._product("flat demand", 20.0, vendor_delay=int(LEAD_TIME))
        cls.trend_plan, cls.flat_plan = cls.Profile.create(
            [
                {
                    "product_id": cls.trend.id,
                    "warehouse_id": cls.wh.id,
                    "segment_id": cls.trend_segment.id,
                },
                {
                    "product_id": cls.flat.id,
                    "warehouse_id": cls.wh.id,
                    "segment_id": cls.flat_segment.id,
                },
            ]
        )
        # Weekly customer deliveries of the complete weeks before TODAY's week.
        rng = random.Random(3)
        weekly = {
            cls.trend: [20.0 + 1.5 * w + rng.randint(-2, 2) for w in range(HISTORY_WEEKS)],
            cls.flat: [35.0 + rng.randint(-4, 4) for _w in range(HISTORY_WEEKS)],
        }
        first = datetime.combine(CURRENT - timedelta(weeks=HISTORY_WEEKS), datetime.min.time())
        stock = cls.wh.lot_stock_id
        customers = cls.env.ref("stock.stock_location_customers")
        values = [
            SQL(
                "(%s, %s, %s, %s, %s, %s::timestamp, %s::numeric)",
                product.id,
                product.uom_id.id,
                stock.id,
                customers.id,
                cls.company.id,
                first + timedelta(weeks=w, days=2, hours=12),
                qty,
            )
            for product, quantities in weekly.items()
            for w, qty in enumerate(quantities)
        ]
        cls.env.flush_all()
        cls.env.cr.execute(
            SQL(
                """INSERT INTO stock_move (product_id, product_uom, location_id, location_dest_id,
                       company_id, date, product_uom_qty, product_qty, quantity, state,
                       procure_method)
                   SELECT p, u, l, d, c, dt, q, q, q, 'done', 'make_to_stock'
                     FROM (VALUES %s) AS v(p, u, l, d, c, dt, q)""",
                SQL(", ").join(values),
            )
        )
        cls.env["stock.move"].invalidate_model()
        # Enough on hand that no week of the history reads as a stockout.
        for product in weekly:
            cls.env["stock.quant"].sudo()._update_available_quantity(product, stock, 5000.0)

    # ------------------------------------------------------------------ helpers
    def press(self, record, button, user):
        """A button of a form, pressed by ``user`` on TODAY."""
        with freeze_time(TODAY):
            return getattr(record.with_user(user), button)()

    def plan_numbers(self, plan):
        """The forecast-error sigmas the forecast job stored on the plan, as stored."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT forecast_sigma, forecast_sigma_horizon, demand_sigma_daily,"
                " avg_daily_demand FROM stock_planning_profile WHERE id = %s",
                plan.id,
            )
        )
        return self.env.cr.fetchone()

    def open_lines(self, plan):
        return self.env["stock.demand.forecast"].search(
            [
                ("profile_id", "=", plan.id),
                ("state", "!=", "closed"),
                ("date_end", ">", TODAY),
            ],
            order="date_start",
        )

    def expected(self, plan, policy="sS", review=0.0):
        """The rule the formula gives for ``plan``: its final forecast lines from the
        bucket holding TODAY over the protection interval (lead time, plus the review
        period for periodic review), the forecast-error sigma over that interval, then
        the policy, as the command line's planning run computes it."""
        lines = self.open_lines(plan)
        self.assertEqual(lines[:1].date_start, CURRENT, "a line holds today's bucket")
        sigma_1, sigma_h, sigma_daily, _avg = self.plan_numbers(plan)
        protection = LEAD_TIME + review
        d, total = protection_demand([lines.mapped("final_qty")], 7.0, GONE, protection)
        sigma_p = float(sigma_over(protection / 7.0, sigma_1, sigma_h, HORIZON_WEEKS))
        rule = compute_policy(
            d,
            sigma_daily,
            LEAD_TIME,
            0.0,
            policy=policy,
            review_period=review,
            error_std=sigma_p,
            error_std_is_horizon=True,
            **ENGINE,
        ).iloc[0]
        return float(d[0]), float(total[0]), sigma_p, rule

    def assert_plan_carries(self, plan, product, expected):
        d, total, sigma_p, rule = expected
        self.assertEqual((plan.lead_time_days, plan.lead_time_source), (LEAD_TIME, "vendor_delay"))
        self.assertAlmostEqual(plan.policy_demand_used, d, places=5)
        for fname, column in (
            ("safety_stock_qty", "safety_stock"),
            ("reorder_point_qty", "reorder_point"),
            ("max_qty", "order_up_to"),
            ("order_qty", "order_qty"),
        ):
            self.assertAlmostEqual(plan[fname], rule[column], places=4, msg=fname)
        op = self.orderpoint(product)
        self.assertEqual(op.product_min_qty, _ceil(rule["reorder_point"]))
        self.assertEqual(op.product_max_qty, _ceil(rule["order_up_to"]))
        self.assertEqual(plan.policy_demand_source, "forecast")
        self.assertAlmostEqual(plan.policy_protection_qty, total, places=4)
        self.assertAlmostEqual(plan.policy_error_sigma, sigma_p, places=4)

    # ------------------------------------------------------------------ tests
    def test_trend_in_forecast_reaches_the_rule(self):
        plan = self.trend_plan
        self.press(plan, "action_forecast_now", self.manager)
        self.press(plan, "action_compute_policy_now", self.manager)
        expected = self.expected(plan)
        d, total, sigma_p, rule = expected
        history_mean = self.plan_numbers(plan)[3]
        # The fixture's point: the forecast of a growing demand runs above its history.
        self.assertGreater(d, 1.2 * history_mean)
        self.assert_plan_carries(plan, self.trend, expected)
        # The rule is above what the history mean alone would give.
        from_history = compute_policy(
            history_mean,
            self.plan_numbers(plan)[2],
            LEAD_TIME,
            0.0,
            policy="sS",
            error_std=self.plan_numbers(plan)[2],
            **ENGINE,
        ).iloc[0]
        self.assertGreater(
            self.orderpoint(self.trend).product_min_qty, from_history["reorder_point"]
        )
        # The calculation shows the forecast over the protection interval and sigma_P.
        text = plan.policy_explanation
        self.assertIn("final forecast", text)
        self.assertIn(f"{total:.2f}, i.e. d = {d:.3f} per day", text)
        self.assertIn(f"sigma_F = {sigma_p:.2f}", text)
        self.assertIn(f"P = lead time {LEAD_TIME:.1f} = {LEAD_TIME:.1f} days", text)
        self.assertIn("sigma_P = sqrt(sigma_F^2 + d^2 x sigma_L^2)", text)

    def test_approved_override_moves_min_and_max(self):
        plan = self.flat_plan
        self.press(plan, "action_forecast_now", self.manager)
        self.press(plan, "action_compute_policy_now", self.manager)
        op = self.orderpoint(self.flat)
        old = (op.product_min_qty, op.product_max_qty, plan.reorder_point_qty, plan.max_qty)
        before = self.expected(plan)

        # The buyer opens a new override from the plan form: +60 % on the open buckets.
        action = self.press(plan, "action_new_override", self.user)
        Override = self.env["stock.demand.override"].with_user(self.user)
        with freeze_time(TODAY):
            form = Form(Override.with_context(**action["context"]))
            form.override_type = "percent"
            form.percent = 60.0
            form.reason_code = "promotion"
            override = form.save()
        self.press(override, "action_submit", self.user)
        self.assertEqual(override.state, "to_approve")
        self.press(override, "action_approve", self.manager)
        self.assertEqual(override.state, "approved")
        # The forecast is rerun, then the policy recomputed; the change waits for approval.
        self.press(plan, "action_forecast_now", self.manager)
        self.press(plan, "action_compute_policy_now", self.manager)
        proposals = self.Proposal.search([("profile_id", "=", plan.id), ("state", "=", "pending")])
        self.press(proposals, "action_approve", self.manager2)

        after = self.expected(plan)
        rule_before, rule_after = before[3], after[3]
        moved_min = _ceil(rule_after["reorder_point"]) - _ceil(rule_before["reorder_point"])
        moved_max = _ceil(rule_after["order_up_to"]) - _ceil(rule_before["order_up_to"])
        self.assertGreater(moved_min, 0)
        self.assertGreater(moved_max, 0)
        self.assertEqual(op.product_min_qty - old[0], moved_min, "min moved by the formula")
        self.assertEqual(op.product_max_qty - old[1], moved_max, "max moved by the formula")
        self.assertAlmostEqual(
            plan.reorder_point_qty - old[2],
            rule_after["reorder_point"] - rule_before["reorder_point"],
            places=4,
        )
        self.assertAlmostEqual(
            plan.max_qty - old[3], rule_after["order_up_to"] - rule_before["order_up_to"], places=4
        )
        self.assert_plan_carries(plan, self.flat, after)

        # By hand, for the flat forecast f: the current week's line was frozen when the
        # week began and keeps f; the next weeks carry f x 1.6. The interval covers the
        # rest of this week, then the next days at the overridden rate.
        lines = self.open_lines(plan)
        f = lines[0].statistical_qty
        self.assertEqual(set(lines.mapped("statistical_qty")), {f}, "a flat forecast")
        self.assertEqual(lines[0].final_qty, f)
        for line in lines[1:]:
            self.assertEqual(line.override_id, override)
            self.assertAlmostEqual(line.final_qty, 1.6 * f, delta=0.006)
        rest = 7 - GONE
        by_hand = rest * f / 7 + (LEAD_TIME - rest) * 1.6 * f / 7
        self.assertAlmostEqual(plan.policy_protection_qty, by_hand, delta=0.01)
        self.assertAlmostEqual(plan.policy_demand_used, by_hand / LEAD_TIME, delta=0.001)
        self.assertEqual(plan.policy_demand_source, "forecast")

    def test_periodic_review_protects_lead_time_plus_review(self):
        self.trend_segment.write({"replenishment_policy": "RS", "review_period_days": 14})
        plan = self.trend_plan
        self.press(plan, "action_forecast_now", self.manager)
        self.press(plan, "action_compute_policy_now", self.manager)
        expected = self.expected(plan, policy="RS", review=14.0)
        self.assertEqual(plan.policy_protection_days, LEAD_TIME + 14.0)
        self.assert_plan_carries(plan, self.trend, expected)
        self.assertIn(
            f"P = lead time {LEAD_TIME:.1f} + review period 14 = {LEAD_TIME + 14:.1f} days",
            plan.policy_explanation,
        )

    def test_plan_without_forecast_uses_history_and_says_so(self):
        plan = self.profile(self.history)
        self.assertFalse(self.open_lines(plan))
        self.run_job()
        self.assertEqual(plan.policy_demand_source, "history")
        self.assertAlmostEqual(plan.policy_demand_used, self.demand[self.history][0])
        self.assertIn("no forecast line holds today's bucket", plan.policy_explanation)
        # Never forecast at all.
        plan.sudo().forecast_date = False
        self.run_job()
        self.assertIn("the plan has never been forecast", plan.policy_explanation)
        self.assertIn("historical average", plan.policy_explanation)
