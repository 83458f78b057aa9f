"""Analogous-product forecast of new products, written by the forecast job."""

from odoo.addons.stock_segment_forecast.tests.common import HISTORY_WEEKS, ForecastCommon
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestAnalogForecast(ForecastCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.newbie = cls._product("newbie", 50.0, 20.0)
        cls.newbie.product_tmpl_id.write(
            {"lifecycle_stage": "new", "analog_product_id": cls.steady.id, "analog_factor": 0.5}
        )
        cls.new_profile = cls.Profile.create(
            {"product_id": cls.newbie.id, "warehouse_id": cls.wh1.id, "segment_id": cls.segment.id}
        )

    def lines(self, product, wh):
        return self.Forecast.search(
            [("profile_id", "=", self.profile(product, wh).id), ("state", "!=", "closed")],
            order="date_start",
        )

    def deliver(self, weeks, qty):
        rows = [
            (self.newbie, self.wh1.lot_stock_id, self.customers, when, float(qty)) for when in weeks
        ]
        self.insert_moves(rows)

    def test_new_product_takes_reference_forecast_times_factor(self):
        self.run_forecast()
        ref = self.lines(self.steady, self.wh1)
        own = self.lines(self.newbie, self.wh1)
        self.assertTrue(ref and own)
        self.assertGreater(sum(ref.mapped("final_qty")), 100.0)
        self.assertEqual(own.mapped("date_start"), ref.mapped("date_start"))
        for mine, theirs in zip(own, ref, strict=True):
            self.assertAlmostEqual(mine.statistical_qty, 0.5 * theirs.final_qty, places=2)
            self.assertAlmostEqual(mine.final_qty, 0.5 * theirs.final_qty, places=2)
            self.assertEqual(mine.method, "analog")
        profile = self.new_profile
        self.assertEqual(profile.forecast_method, "analog")
        self.assertAlmostEqual(
            profile.forecast_horizon_qty, 0.5 * sum(ref.mapped("final_qty")), places=1
        )
        self.assertGreater(profile.avg_daily_demand, 0.0)
        # The reference at another warehouse is not used: no plan there, no analog.
        self.assertFalse(self.lines(self.newbie, self.wh2))

    def test_short_history_keeps_analog_then_own_forecast(self):
        from odoo.addons.stock_segment_forecast.tests.common import week_day

        # 3 weeks of demand of 4 a week: still below the 8 weeks required.
        self.deliver([week_day(w) for w in range(HISTORY_WEEKS - 3, HISTORY_WEEKS)], 4)
        self.run_forecast()
        own = self.lines(self.newbie, self.wh1)
        self.assertEqual(set(own.mapped("method")), {"analog"})
        self.assertGreater(min(own.mapped("final_qty")), 15.0)
        # With 10 weeks of history the product gets its own statistical forecast.
        self.deliver([week_day(w) for w in range(HISTORY_WEEKS - 10, HISTORY_WEEKS - 3)], 4)
        self.run_forecast()
        # The started bucket stays frozen as written; the open buckets are re-forecast.
        own = self.lines(self.newbie, self.wh1).filtered(lambda ln: ln.state == "forecast")
        self.assertTrue(own)
        self.assertNotIn("analog", own.mapped("method"))
        self.assertNotEqual(self.new_profile.forecast_method, "analog")
        for line in own:
            # Its own demand (4 a week), far below half the reference (about 25).
            self.assertLess(line.final_qty, 8.0)
            self.assertEqual(line.final_qty, line.statistical_qty)

    def test_threshold_parameter_and_stage(self):
        from odoo.addons.stock_segment_forecast.tests.common import week_day

        self.deliver([week_day(w) for w in range(HISTORY_WEEKS - 3, HISTORY_WEEKS)], 4)
        self.env["ir.config_parameter"].sudo().set_param(
            "stock_segment_lifecycle.analog_min_weeks", 2
        )
        self.run_forecast()
        self.assertNotIn("analog", self.lines(self.newbie, self.wh1).mapped("method"))
        # A mature product ignores its reference whatever its history.
        self.env["ir.config_parameter"].sudo().set_param(
            "stock_segment_lifecycle.analog_min_weeks", 8
        )
        self.newbie.product_tmpl_id.lifecycle_stage = "mature"
        self.run_forecast()
        open_lines = self.lines(self.newbie, self.wh1).filtered(lambda ln: ln.state == "forecast")
        self.assertNotIn("analog", open_lines.mapped("method"))
        self.newbie.product_tmpl_id.lifecycle_stage = "new"
        self.run_forecast()
        self.assertEqual(set(self.lines(self.newbie, self.wh1).mapped("method")), {"analog"})
