import math
import random
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import CURRENT, HISTORY_WEEKS, HORIZON_WEEKS, TODAY, ForecastCommon


@tagged("post_install", "-at_install")
class TestForecastJob(ForecastCommon):
    def _catalogue(self, n=24):
        rng = random.Random(11)
        shapes = ("smooth", "trend", "intermittent", "seasonal", "empty")
        products = self.env["product.product"]
        first = len(self.moves)
        for k in range(n):
            product = self._product(f"catalogue {k}", 10.0 + k, 5.0 + k)
            products |= product
            shape = shapes[k % len(shapes)]
            for w in range(HISTORY_WEEKS):
                if shape == "smooth":
                    qty = 20 + rng.randint(-4, 4)
                elif shape == "trend":
                    qty = 5 + w // 4
                elif shape == "intermittent":
                    qty = rng.choice([0, 0, 0, 3, 8])
                elif shape == "seasonal":
                    qty = round(15 + 10 * math.sin(2 * math.pi * w / 52))
                else:
                    qty = 0
                if qty:
                    self._move(product, self.wh1 if k % 2 else self.wh2, "out", w, qty)
        self.insert_moves(self.moves[first:])
        del self.moves[first:]
        return self.Profile.create(
            [
                {"product_id": p.id, "warehouse_id": wh.id, "segment_id": self.segment.id}
                for p in products
                for wh in (self.wh1, self.wh2)
            ]
        )

    def test_every_profile_of_a_catalogue_gets_forecasts(self):
        catalogue = self._catalogue()
        stats = self.run_forecast(batch_size=7)
        self.assertEqual(stats["failed"], 0)
        profiles = self.Profile.search([("company_id", "=", self.company.id)])
        self.assertEqual(len(profiles), len(catalogue) + len(self.profiles))
        starts = [CURRENT + timedelta(weeks=k) for k in range(HORIZON_WEEKS)]
        for profile in profiles:
            if not profile.product_id.active:
                continue
            lines = profile.forecast_ids.sorted("date_start")
            self.assertEqual(lines.mapped("date_start"), starts, profile.display_name)
            self.assertEqual(lines[0].state, "frozen")
            self.assertEqual(set(lines[1:].mapped("state")), {"forecast"})
            self.assertTrue(profile.forecast_method)
            self.assertEqual(profile.forecast_date, TODAY)
            for line in lines:
                self.assertTrue(math.isfinite(line.final_qty))
                self.assertGreaterEqual(line.final_qty, 0.0)
                self.assertEqual(line.final_qty, line.statistical_qty)
                self.assertEqual(line.method, profile.forecast_method)
        steady = self.profile(self.steady, self.wh1)
        # Roughly 50 out + transfers + consumption - returns a week.
        self.assertTrue(
            40 < steady.forecast_ids[1].final_qty < 75, steady.forecast_ids[1].final_qty
        )
        self.assertGreater(steady.forecast_sigma, 0)
        self.assertEqual(steady.forecast_horizon_qty, sum(steady.forecast_ids.mapped("final_qty")))

    def test_bad_series_give_exceptions_not_a_crash(self):
        # NaN unit cost, archived product, a series of zeros.
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE product_product SET standard_price = jsonb_build_object(%s, 'NaN')"
                " WHERE id = %s",
                str(self.company.id),
                self.spiky.id,
            )
        )
        self.env["product.product"].invalidate_model()
        self.stockout.active = False
        stats = self.run_forecast()
        self.assertEqual(stats["failed"], 0)
        for wh in (self.wh1, self.wh2):
            self.assertTrue(self.open_exceptions(self.profile(self.spiky, wh), "data_quality"))
            self.assertTrue(self.open_exceptions(self.profile(self.zero, wh), "no_history"))
            archived = self.profile(self.stockout, wh)
            self.assertTrue(self.open_exceptions(archived, "data_quality"))
            self.assertFalse(archived.forecast_ids)
        self.assertTrue(self.profile(self.spiky, self.wh1).forecast_ids)
        self.assertFalse(self.open_exceptions(self.profile(self.steady, self.wh1), "data_quality"))

    def test_failing_record_is_isolated(self):
        bad = self.profile(self.steady, self.wh2)
        registry_class = type(self.Profile)
        original = registry_class._demand_matrices

        def failing(self_, ctx, rows):
            if any(r["id"] == bad.id for r in rows):
                raise ValueError("corrupted history")
            return original(self_, ctx, rows)

        with (
            patch.object(registry_class, "_demand_matrices", failing),
            mute_logger("odoo.addons.stock_segment_forecast.models.stock_planning_profile"),
        ):
            stats = self.run_forecast()
        self.assertEqual(stats["failed"], 1)
        failure = self.open_exceptions(bad, "job_failure")
        self.assertEqual(len(failure), 1)
        self.assertIn("corrupted history", failure.message)
        self.assertFalse(bad.forecast_ids)
        self.assertTrue(self.profile(self.steady, self.wh1).forecast_ids)
        # Once the plan can be forecast again, the job closes its exception.
        stats = self.run_forecast()
        self.assertEqual(stats["failed"], 0)
        self.assertEqual(failure.state, "done")
        self.assertTrue(failure.resolved_by_job)
        self.assertTrue(bad.forecast_ids)

    def _snapshot(self):
        self.env.flush_all()
        self.env.invalidate_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT id, state, statistical_qty, final_qty, method, sigma_qty, write_date"
                " FROM stock_demand_forecast WHERE company_id = %s ORDER BY id",
                self.company.id,
            )
        )
        lines = cr.fetchall()
        cr.execute(
            SQL(
                "SELECT id, write_date FROM stock_planning_profile WHERE company_id = %s"
                " ORDER BY id",
                self.company.id,
            )
        )
        profiles = cr.fetchall()
        cr.execute(
            SQL(
                "SELECT id, state, message, write_date FROM stock_planning_exception"
                " WHERE company_id = %s ORDER BY id",
                self.company.id,
            )
        )
        exceptions = cr.fetchall()
        cr.execute(
            SQL(
                "SELECT id, wape, write_date FROM stock_forecast_accuracy WHERE company_id = %s",
                self.company.id,
            )
        )
        return lines, profiles, exceptions, cr.fetchall()

    def test_rerun_changes_nothing(self):
        self.run_forecast(today=TODAY - timedelta(weeks=2))
        self.run_forecast()
        before = self._snapshot()
        self.assertTrue(before[0] and before[2] and before[3])
        stats = self.run_forecast()
        self.assertEqual(stats["lines"], 0)
        self.assertEqual(self._snapshot(), before)
        # Not due again the same day without force.
        self.assertEqual(self.run_forecast(force=False)["profiles"], 0)

    def test_refresh_frequency_per_segment(self):
        daily = self.env["stock.segment"].create(
            {
                "name": "Daily",
                "code": "FTD",
                "company_id": self.company.id,
                "forecast_refresh_days": 1,
            }
        )
        fast = self.profile(self.steady, self.wh1)
        fast.sudo().segment_id = daily
        self.run_forecast()
        stats = self.run_forecast(today=TODAY + timedelta(days=1), force=False)
        self.assertEqual(stats["profiles"], 1)
        self.assertEqual(fast.forecast_date, TODAY + timedelta(days=1))
        self.assertEqual(self.profile(self.steady, self.wh2).forecast_date, TODAY)
        stats = self.run_forecast(today=TODAY + timedelta(days=7), force=False)
        self.assertEqual(stats["profiles"], len(self.profiles))

    def test_queries_per_batch_do_not_grow_with_batch_size(self):
        Profile = self.Profile.sudo()
        ctx = Profile._forecast_context(
            self.company, TODAY, Profile._forecast_params(), self.segment, "week", "auto"
        )
        # Warm the caches (company, segment, defaults) on a plan measured in neither batch.
        warm = self.profile(self.spiky, self.wh2)
        Profile._forecast_batch(ctx, warm.ids)
        # Both batches raise exceptions (series of zeros); the second is twice as large.
        small = self.profile(self.zero, self.wh1) | self.profile(self.steady, self.wh1)
        large = self.profiles - small - warm
        self.assertEqual(len(large), 2 * len(small) + 1)
        counts = []
        for batch in (small, large):
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            Profile._forecast_batch(ctx, batch.ids)
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - start)
        self.assertEqual(counts[0], counts[1], counts)

    def test_cron_entry_point_does_not_commit(self):
        cron = self.env.ref("stock_segment_forecast.ir_cron_forecast")
        self.assertEqual(cron.code.strip(), "model._cron_forecast()")
        with patch.object(type(self.env.cr), "commit", side_effect=AssertionError("commit")):
            self.Profile.sudo()._cron_forecast()
        for profile in self.profiles:
            self.assertTrue(profile.forecast_date, profile.display_name)
            if profile.product_id.active:
                self.assertTrue(profile.forecast_ids, profile.display_name)

    def test_one_company_failing_does_not_stop_the_others(self):
        other = self.env["res.company"].create({"name": "Forecast Other Co"})
        model_class = type(self.Profile)
        original = model_class._forecast_company
        broken = self.company

        def failing(model, company, *args, **kwargs):
            if company == broken:
                raise ValueError("broken company")
            return original(model, company, *args, **kwargs)

        with (
            patch.object(model_class, "_forecast_company", failing),
            mute_logger("odoo.addons.stock_segment_forecast.models.stock_planning_profile"),
        ):
            stats = self.Profile.sudo()._run_forecast(
                companies=broken | other, today=TODAY, force=True
            )
        self.assertNotIn(broken.id, stats)
        self.assertIn(other.id, stats)

    def test_failing_accuracy_report_keeps_the_forecasts(self):
        model_class = type(self.Profile)

        def failing(model, company):
            raise ValueError("broken report")

        with (
            patch.object(model_class, "_update_accuracy_report", failing),
            mute_logger("odoo.addons.stock_segment_forecast.models.stock_planning_profile"),
        ):
            stats = self.run_forecast()
        self.assertGreater(stats["lines"], 0)
        self.assertTrue(self.profile(self.steady, self.wh1).forecast_ids)

    def test_nan_sale_price_is_a_data_quality_exception_of_the_classification(self):
        date_to = datetime.combine(TODAY + timedelta(days=1), datetime.min.time())
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE product_template SET list_price = 'NaN' WHERE id = %s",
            [self.steady.product_tmpl_id.id],
        )
        self.env.invalidate_all()
        self.Profile.sudo()._run_classification(companies=self.company, date_to=date_to)
        plan = self.profile(self.steady, self.wh1)
        self.assertTrue(math.isfinite(plan.annual_revenue))
        self.assertTrue(math.isfinite(plan.annual_margin))
        exc = self.open_exceptions(plan, "data_quality")
        self.assertEqual(len(exc), 1)
        self.assertIn("annual_revenue", exc.message)
        self.assertEqual(exc.source, "classification")
        self.Profile.sudo()._run_classification(companies=self.company, date_to=date_to)
        self.assertEqual(self.open_exceptions(plan, "data_quality"), exc, "no duplicate")
        self.env.cr.execute(
            "UPDATE product_template SET list_price = 100 WHERE id = %s",
            [self.steady.product_tmpl_id.id],
        )
        self.env.invalidate_all()
        self.Profile.sudo()._run_classification(companies=self.company, date_to=date_to)
        self.assertFalse(self.open_exceptions(plan, "data_quality"))
        self.assertEqual(exc.state, "done")
