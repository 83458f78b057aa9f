import math
from datetime import timedelta

from odoo import fields
from odoo.addons.stock_segment.tests.common import far_apart_time_zones
from odoo.addons.stock_segment_lifecycle.models.stock_planning_profile import (
    HORIZON_DAYS,
    RECENT_DEMAND_DAYS,
)
from odoo.addons.stock_segment_lifecycle.wizards.stock_last_time_buy import DAYS_PER_MONTH
from odoo.tests import Form, tagged

from .common import TODAY, LifecycleCommon


def month_days(day):
    start = day.replace(day=1)
    return ((start + timedelta(days=32)).replace(day=1) - start).days


@tagged("post_install", "-at_install")
class TestCurrentDemand(LifecycleCommon):
    """The demand per day the run-out and the last-time buy use is today's: the plan's
    forecast for the period that contains today, else the deliveries of a recent window
    ending today; never the mean of the past periods that had demand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Sold 5 a week for a year, nothing for the last seven months: like the demo's
        # discontinued belt sander. Its forecast's history mean (over the weeks with
        # demand, the weeks out of stock censored) still says about 0.7 a day.
        cls.stopped = cls._product("stopped", 70.0, stage="phase_out")
        cls.Profile.create(
            {"product_id": cls.stopped.id, "warehouse_id": cls.wh.id, "segment_id": cls.segment.id}
        )
        moves = [(cls.stopped, 300.0, TODAY - timedelta(days=600))]
        moves += [(cls.stopped, -5.0, TODAY - timedelta(days=210 + 7 * k)) for k in range(52)]
        cls.insert_moves(moves)
        cls.profile(cls.stopped).sudo().avg_daily_demand = 1.02

    def test_demand_stopped_months_ago_with_a_zero_forecast(self):
        self.set_forecast(self.stopped, 0.0, TODAY)
        self.run_aging()
        plan = self.profile(self.stopped)
        self.assertEqual(plan.aging_qty, 40.0)
        self.assertEqual(plan.current_daily_demand, 0.0)
        self.assertEqual(plan.current_demand_source, "forecast")
        # No demand: the stock never runs out within the horizon.
        self.assertFalse(plan.run_out_date)
        self.assertEqual(plan.onhand_coverage_days, float(HORIZON_DAYS))

    def test_demand_stopped_months_ago_without_a_forecast(self):
        self.run_aging()
        plan = self.profile(self.stopped)
        self.assertEqual(plan.current_daily_demand, 0.0)
        self.assertEqual(plan.current_demand_source, "recent")
        self.assertFalse(plan.run_out_date)

    def test_recent_window_ends_today(self):
        """Without a forecast: deliveries of the last 90 days up to today over 90 days,
        days without a delivery included; an older delivery does not count."""
        product = self._product("recent", 10.0)
        self.Profile.create(
            {"product_id": product.id, "warehouse_id": self.wh.id, "segment_id": self.segment.id}
        )
        self.insert_moves(
            [
                (product, 500.0, TODAY - timedelta(days=400)),
                (product, -100.0, TODAY - timedelta(days=RECENT_DEMAND_DAYS + 5)),
                (product, -30.0, TODAY - timedelta(days=RECENT_DEMAND_DAYS - 1)),
                (product, -15.0, TODAY - timedelta(days=10)),
                (product, -9.0, TODAY),
            ]
        )
        self.run_aging()
        plan = self.profile(product)
        rate = (30.0 + 15.0 + 9.0) / RECENT_DEMAND_DAYS
        self.assertAlmostEqual(plan.current_daily_demand, rate, places=6)
        self.assertEqual(plan.current_demand_source, "recent")
        self.assertAlmostEqual(plan.onhand_coverage_days, 346.0 / rate, places=1)
        # A forecast for today takes over: 31 units in March, 1 a day.
        self.set_forecast(product, 31.0, TODAY)
        self.run_aging()
        self.assertAlmostEqual(plan.current_daily_demand, 1.0, places=6)
        self.assertEqual(plan.current_demand_source, "forecast")
        self.assertAlmostEqual(plan.onhand_coverage_days, 346.0, places=1)

    def test_last_time_buy_reads_the_current_demand(self):
        today = self.env["stock.planning.run"]._planning_day()
        self.stopped.product_tmpl_id.service_end_date = today + timedelta(days=730)
        self.set_forecast(self.stopped, 0.0, today)
        wiz = (
            self.env["stock.last.time.buy"]
            .with_user(self.manager)
            .with_context(default_product_id=self.stopped.id, default_warehouse_id=self.wh.id)
            .create({})
        )
        # Not 1.02 a day (31 a month): the demand stopped, nothing to buy.
        self.assertEqual(wiz.demand_per_month, 0.0)
        self.assertEqual(wiz.demand_source, "forecast")
        self.assertEqual(wiz.order_qty, 0.0)
        self.assertIn("No residual demand", wiz.message)


@tagged("post_install", "-at_install")
class TestLastTimeBuyInput(LifecycleCommon):
    """The wizard asks for what it lacks instead of warning about defaults, and computes
    once it has it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = cls.env["stock.planning.run"]._planning_day()
        cls.vendor = cls.env["res.partner"].create({"name": "Final order vendor"})
        cls.env["product.supplierinfo"].create(
            {
                "partner_id": cls.vendor.id,
                "product_tmpl_id": cls.fast.product_tmpl_id.id,
                "price": 12.0,
                "company_id": cls.company.id,
            }
        )
        cls.set_forecast(cls.fast, 3.0 * month_days(cls.today), cls.today)  # 3 a day

    def test_from_the_menu_no_warning_before_input(self):
        form = Form(self.env["stock.last.time.buy"].with_user(self.manager))
        self.assertFalse(form.message)
        self.assertIn("Choose the product and the warehouse", form.missing_input)
        form.product_id = self.fast
        form.warehouse_id = self.wh
        # Its plan is read: cost, current demand; still no warning, the date is asked.
        self.assertEqual(form.unit_cost, 12.0)
        self.assertAlmostEqual(form.demand_per_month, 3.0 * DAYS_PER_MONTH, places=2)
        self.assertEqual(form.demand_source, "forecast")
        self.assertFalse(form.message)
        self.assertIn("service end date", form.missing_input)
        form.service_end_date = self.today + timedelta(days=365)
        self.assertFalse(form.missing_input)
        self.assertFalse(form.message)
        self.assertGreater(form.order_qty, 0.0)
        self.assertEqual(form.distribution, "poisson")

    def test_end_of_life_plan_without_service_end_date_asks_for_it(self):
        self._check_end_of_life_asks_for_service_end()

    def test_end_of_life_confirmed_in_another_time_zone_is_no_service_end(self):
        """The stage's date and the wizard's today are the nightly run's day: a manager
        whose day differs (another time zone around midnight) is still asked."""
        far_apart_time_zones(self.env, self.manager)
        today = self.env["stock.planning.run"]._planning_day()
        self.assertNotEqual(
            today,
            fields.Date.context_today(self.env["stock.last.time.buy"].with_user(self.manager)),
        )
        if today.replace(day=1) != self.today.replace(day=1):
            self.set_forecast(self.fast, 3.0 * month_days(today), today)
        self._check_end_of_life_asks_for_service_end()

    def _check_end_of_life_asks_for_service_end(self):
        today = self.env["stock.planning.run"]._planning_day()
        tmpl = self.fast.product_tmpl_id
        tmpl.write({"lifecycle_stage": "end_of_life"})
        # The stage's date is today (the day it was confirmed), not a service end.
        self.assertFalse(tmpl.service_end_date)
        action = self.profile(self.fast).with_user(self.manager).action_open_last_time_buy()
        form = Form(
            self.env["stock.last.time.buy"]
            .with_user(self.manager)
            .with_context(**action["context"])
        )
        self.assertFalse(form.service_end_date)
        self.assertIn("Enter the service end date", form.missing_input)
        self.assertIn(self.fast.display_name, form.missing_input)
        self.assertFalse(form.message)
        form.service_end_date = today + timedelta(days=365)
        self.assertFalse(form.missing_input)
        self.assertEqual(form.status, "ok")
        # No decline: the residual demand is the monthly demand over the 12 months left.
        self.assertAlmostEqual(form.months, 365 / DAYS_PER_MONTH, places=6)
        self.assertAlmostEqual(form.residual_mean, form.demand_per_month * form.months, places=6)
        self.assertAlmostEqual(form.residual_mean, 3.0 * 365, places=1)
        self.assertGreater(form.order_qty, 0.0)
        wiz = form.save()
        result = wiz.action_confirm()
        order = self.env["purchase.order"].browse(result["res_id"])
        self.assertEqual(order.partner_id, self.vendor)
        self.assertEqual(order.order_line.product_qty, math.ceil(wiz.order_qty - 1e-9))
