import math
from datetime import timedelta

from odoo import fields
from odoo.addons.stock_segment.tests.common import far_apart_time_zones
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import LifecycleCommon


def poisson_quantile(mu, q):
    x, term = 0, math.exp(-mu)
    cdf = term
    while cdf < q:
        x += 1
        term *= mu / x
        cdf += term
    return x


def negbin_quantile(mu, var, q):
    """Negative binomial by its pmf recursion: p = mu / var, n = mu^2 / (var - mu)."""
    p = mu / var
    n = mu * mu / (var - mu)
    x, term = 0, p**n
    cdf = term
    while cdf < q:
        term *= (n + x) / (x + 1) * (1 - p)
        x += 1
        cdf += term
    return x


@tagged("post_install", "-at_install")
class TestLastTimeBuy(LifecycleCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vendor = cls.env["res.partner"].create({"name": "Last-time buy vendor"})

    def _wizard(self, **vals):
        today = self.env["stock.planning.run"]._planning_day()
        defaults = {
            "product_id": self.fast.id,
            "warehouse_id": self.wh.id,
            "vendor_id": self.vendor.id,
            "service_end_date": today + timedelta(days=1461),  # four years: 48 months
            "demand_per_month": 10.0,
            "decline_rate": 5.0,
            "variance_ratio": 1.0,
            "unit_cost": 20.0,
            "holding_cost": 4.0,
            "shortage_cost": 100.0,
            "disposal_value": 2.0,
            "on_hand_qty": 30.0,
            "on_order_qty": 10.0,
        }
        defaults.update(vals)
        return self.env["stock.last.time.buy"].with_user(self.manager).create(defaults)

    def test_months_count_from_the_run_s_day_in_any_time_zone(self):
        """The months left run from the nightly run's day, not from the manager's (a
        day apart in another time zone around midnight)."""
        far_apart_time_zones(self.env, self.manager)
        manager_today = fields.Date.context_today(
            self.env["stock.last.time.buy"].with_user(self.manager)
        )
        self.assertNotEqual(manager_today, self.env["stock.planning.run"]._planning_day())
        self.assertAlmostEqual(self._wizard().months, 48.0, places=9)

    def test_quantity_is_the_critical_fractile_quantile_poisson(self):
        wiz = self._wizard()
        months = wiz.months
        # Independent residual mean: the sum of a geometric decline, month by month.
        self.assertAlmostEqual(months, 48.0, places=9)
        mean = sum(10.0 * 0.95**t for t in range(1, 49))
        self.assertAlmostEqual(wiz.residual_mean, mean, places=9)
        ratio = (100.0 - 20.0) / ((100.0 - 20.0) + (20.0 + 4.0 - 2.0))
        self.assertAlmostEqual(wiz.critical_ratio, ratio, places=6)
        target = poisson_quantile(wiz.residual_mean, ratio)
        self.assertEqual(wiz.target_level, target)
        self.assertEqual(wiz.order_qty, target - 40.0)
        self.assertEqual(wiz.distribution, "poisson")
        self.assertEqual(wiz.quantile_50, poisson_quantile(wiz.residual_mean, 0.5))
        self.assertLessEqual(wiz.quantile_10, wiz.quantile_50)
        self.assertLessEqual(wiz.quantile_50, wiz.quantile_90)
        # Expected leftover and shortage differ by target - mean: E[(S-D)+] - E[(D-S)+].
        self.assertAlmostEqual(
            wiz.expected_leftover - wiz.expected_shortage, target - wiz.residual_mean, places=6
        )
        action = wiz.action_confirm()
        order = self.env["purchase.order"].browse(action["res_id"])
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.partner_id, self.vendor)
        self.assertEqual(order.order_line.product_qty, target - 40.0)
        self.assertEqual(order.picking_type_id, self.wh.in_type_id)

    def test_quantity_is_the_critical_fractile_quantile_negative_binomial(self):
        wiz = self._wizard(variance_ratio=3.0, decline_rate=0.0, on_hand_qty=0, on_order_qty=0)
        self.assertEqual(wiz.distribution, "negative_binomial")
        mu = wiz.residual_mean
        self.assertAlmostEqual(mu, 10.0 * wiz.months, places=6)
        target = negbin_quantile(mu, 3.0 * mu, wiz.critical_ratio)
        self.assertEqual(wiz.target_level, target)
        self.assertEqual(wiz.order_qty, target)

    def test_zero_cost_and_no_demand_are_explained(self):
        wiz = self._wizard(unit_cost=0.0, holding_cost=0.0, disposal_value=0.0)
        self.assertEqual(wiz.status, "invalid_cost")
        self.assertIn("unit cost is zero", wiz.message)
        self.assertEqual(wiz.order_qty, 0.0)
        with self.assertRaisesRegex(UserError, "unit cost"):
            wiz.action_confirm()
        wiz = self._wizard(demand_per_month=0.0)
        self.assertIn("No residual demand", wiz.message)
        self.assertEqual(wiz.order_qty, 0.0)
        with self.assertRaises(UserError):
            wiz.action_confirm()

    def test_defaults_from_the_plan(self):
        today = self.env["stock.planning.run"]._planning_day()
        self.fast.product_tmpl_id.service_end_date = today + timedelta(days=365)
        # The plan's forecast for this month: 2 a day (the month's days x 2).
        start = today.replace(day=1)
        days = ((start + timedelta(days=32)).replace(day=1) - start).days
        self.set_forecast(self.fast, 2.0 * days, today)
        wiz = (
            self.env["stock.last.time.buy"]
            .with_user(self.manager)
            .with_context(default_product_id=self.fast.id, default_warehouse_id=self.wh.id)
            .create({})
        )
        self.assertAlmostEqual(wiz.demand_per_month, 2.0 * 365.25 / 12, places=4)
        self.assertEqual(wiz.unit_cost, 12.0)
        self.assertGreater(wiz.residual_mean, 0)

    def test_other_company_warehouse_or_product_is_refused(self):
        """A user of one company cannot run the last-time buy on another company's
        warehouse or product (its costs, stock and plans), nor order for it."""
        other = self.env["res.company"].create({"name": "Last-time buy Other Co"})
        wh_other = self.env["stock.warehouse"].search([("company_id", "=", other.id)], limit=1)
        product_other = self.env["product.product"].create(
            {"name": "Other company part", "type": "consu", "company_id": other.id}
        )
        with self.assertRaises(UserError):
            self._wizard(warehouse_id=wh_other.id)
        with self.assertRaises(UserError):
            self._wizard(product_id=product_other.id)
        with self.assertRaises(UserError):
            self.env["stock.last.time.buy"].with_user(self.manager).with_context(
                default_product_id=self.fast.id, default_warehouse_id=wh_other.id
            ).default_get(["product_id", "warehouse_id", "unit_cost"])
        self.assertTrue(self._wizard())
