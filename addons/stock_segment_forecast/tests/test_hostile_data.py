"""Hostile data (issue 12): quarantined plans, returns, segment changes, NaN and inf,
one exception per cause."""

import math
from datetime import datetime, time, timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL

from .common import CURRENT, HISTORY_WEEKS, HORIZON_WEEKS, TODAY, ForecastCommon

# Float columns of the addon's tables (and the plan) that must never hold NaN or inf.
FLOAT_TYPES = ("double precision", "numeric", "real")


@tagged("post_install", "-at_install")
class TestHostileData(ForecastCommon):
    # ------------------------------------------------------------------ helpers
    def _plans_snapshot(self, plans, exception_filter=None):
        """Everything the forecast job writes for ``plans``, read from the database."""
        self.env.flush_all()
        self.env.invalidate_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT id, state, statistical_qty, override_qty, final_qty, actual_qty,"
                " has_override, write_date FROM stock_demand_forecast"
                " WHERE profile_id = ANY(%s) ORDER BY id",
                plans.ids,
            )
        )
        lines = cr.fetchall()
        cr.execute(
            SQL(
                "SELECT id, write_date, forecast_date, forecast_method, avg_daily_demand,"
                " forecast_horizon_qty, demand_history::text FROM stock_planning_profile"
                " WHERE id = ANY(%s) ORDER BY id",
                plans.ids,
            )
        )
        profiles = cr.fetchall()
        cr.execute(
            SQL(
                "SELECT id, exception_type, state, severity, message, financial_impact,"
                " write_date FROM stock_planning_exception"
                " WHERE profile_id = ANY(%s) %s ORDER BY id",
                plans.ids,
                exception_filter or SQL(),
            )
        )
        return lines, profiles, cr.fetchall()

    def _company_snapshot(self):
        self.env.flush_all()
        self.env.invalidate_all()
        cr = self.env.cr
        result = []
        for query in (
            "SELECT id, state, statistical_qty, final_qty, method, sigma_qty, segment_id,"
            " write_date FROM stock_demand_forecast WHERE company_id = %s ORDER BY id",
            "SELECT id, write_date FROM stock_planning_profile WHERE company_id = %s ORDER BY id",
            "SELECT id, state, message, financial_impact, write_date"
            " FROM stock_planning_exception WHERE company_id = %s ORDER BY id",
            "SELECT id, wape, write_date FROM stock_forecast_accuracy WHERE company_id = %s"
            " ORDER BY id",
        ):
            cr.execute(SQL(query, self.company.id))
            result.append(cr.fetchall())
        return result

    def _add_moves(self, builder):
        first = len(self.moves)
        builder()
        self.insert_moves(self.moves[first:])
        del self.moves[first:]

    def _non_finite_columns(self):
        """(table, column, rows) of the company's rows holding NaN or inf in a float column
        of the forecast addon's tables, its chart and the plans."""
        self.env.flush_all()
        cr = self.env.cr
        found = []
        for table in (
            "stock_planning_profile",
            "stock_demand_forecast",
            "stock_forecast_accuracy",
            "stock_planning_exception",
            "stock_demand_override",
            "stock_demand_chart",
        ):
            cr.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = %s AND data_type IN %s",
                [table, FLOAT_TYPES],
            )
            columns = [r[0] for r in cr.fetchall()]
            self.assertTrue(columns, table)
            for column in columns:
                cr.execute(
                    SQL(
                        "SELECT COUNT(*) FROM %s WHERE company_id = %s AND %s::float8"
                        " IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)",
                        SQL.identifier(table),
                        self.company.id,
                        SQL.identifier(column),
                    )
                )
                count = cr.fetchone()[0]
                if count:
                    found.append((table, column, count))
        return found

    # ------------------------------------------------------------------ 1. quarantine
    def test_quarantined_plan_keeps_its_last_forecast(self):
        """The cron's entry point leaves a quarantined plan as it was: no forecast, no
        closed line, no exception changed (data quality aside), no override auto-applied."""
        self.run_forecast()
        never_sold = self.profile(self.zero, self.wh1)
        steady = self.profile(self.steady, self.wh1)
        quarantined = never_sold | steady
        trusted = self.profile(self.zero, self.wh2)
        self.assertTrue(self.open_exceptions(never_sold, "no_history"))
        quarantined.sudo().write({"data_quarantine": True})
        # Hostile data arrives: a delivery of a billion units ten days ago.
        today = fields.Date.context_today(self.Profile)
        when = datetime.combine(today - timedelta(days=10), time(12))
        self.insert_moves(
            [
                (product, self.wh1.lot_stock_id, self.customers, when, 1e9)
                for product in (self.zero, self.steady)
            ]
        )
        # A buyer's override within the segment's tolerance is not applied on its own.
        line = steady.forecast_ids.filtered(lambda f: f.state == "forecast").sorted("date_start")[
            :1
        ]
        override = (
            self.env["stock.demand.override"]
            .with_user(self.user)
            .create(
                {
                    "profile_id": steady.id,
                    "date_from": line.date_start,
                    "date_to": line.date_start,
                    "override_type": "percent",
                    "percent": 5.0,
                    "reason_code": "correction",
                }
            )
        )
        override.with_user(self.user).action_submit()
        self.assertEqual(override.state, "to_approve")
        self.assertFalse(override.auto_approved)
        self.assertFalse(line.has_override)
        before = self._plans_snapshot(quarantined, SQL("AND exception_type <> 'data_quality'"))
        self.assertTrue(before[0] and before[2])

        self.Profile.sudo()._cron_forecast()

        self.assertEqual(
            self._plans_snapshot(quarantined, SQL("AND exception_type <> 'data_quality'")),
            before,
        )
        self.assertFalse(quarantined.forecast_ids.filtered(lambda f: f.state == "closed"))
        self.assertEqual(override.state, "to_approve")
        # The job did run: the trusted plan of the same product was forecast today.
        self.assertEqual(trusted.forecast_date, today)
        # Forecast Now skips it too.
        before = self._plans_snapshot(steady)
        steady.with_user(self.manager).action_forecast_now()
        self.assertEqual(self._plans_snapshot(steady), before)
        self.assertEqual(steady.forecast_date, TODAY)

    # ------------------------------------------------------------------ 2. returns
    def test_returns_never_make_a_negative_demand(self):
        returns_only = self._product("returns only", 10.0, 6.0)
        mixed = self._product("more returns than sales", 10.0, 6.0)

        def moves():
            for w in range(HISTORY_WEEKS):
                if w % 3 == 0:
                    self._move(returns_only, self.wh1, "return", w, 2)
                self._move(mixed, self.wh1, "out", w, 5)
                if w % 4 == 0:
                    self._move(mixed, self.wh1, "return", w, 12, day=3)

        self._add_moves(moves)
        plans = self.Profile.create(
            [
                {"product_id": p.id, "warehouse_id": self.wh1.id, "segment_id": self.segment.id}
                for p in (returns_only, mixed)
            ]
        )
        # The classification valued the returns as a negative yearly value.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE stock_planning_profile SET annual_value = -120 WHERE id = %s", [plans[0].id]
        )
        self.env.invalidate_all()
        self.assertEqual(self.run_forecast()["failed"], 0)
        for plan in plans:
            self.assertGreaterEqual(plan.avg_daily_demand, 0.0, plan.display_name)
            self.assertGreaterEqual(plan.forecast_horizon_qty, 0.0, plan.display_name)
            self.assertTrue(all(q >= 0 for q in plan.demand_history), plan.display_name)
            self.assertTrue(plan.forecast_ids, plan.display_name)
            for line in plan.forecast_ids:
                self.assertGreaterEqual(line.statistical_qty, 0.0)
                self.assertGreaterEqual(line.final_qty, 0.0)
        self.assertEqual(plans[0].avg_daily_demand, 0.0)
        # Week 0: 5 delivered, 12 returned: the bucket is 0, not -7. Week 1: 5.
        self.assertEqual(plans[1].demand_history[:2], [0.0, 5.0])
        self.assertTrue(self.open_exceptions(plans[0], "no_history"))
        exceptions = self.Exception.sudo().search([("company_id", "=", self.company.id)])
        self.assertTrue(exceptions)
        for exc in exceptions:
            self.assertGreaterEqual(exc.financial_impact, 0.0, exc.name)

    def test_overrides_never_make_the_final_forecast_negative_or_nan(self):
        self.run_forecast()
        plan = self.profile(self.steady, self.wh1)
        future = plan.forecast_ids.filtered(lambda f: f.state == "forecast").sorted("date_start")
        self.assertEqual(len(future), 3)
        Override = self.env["stock.demand.override"].sudo()
        overrides = Override.create(
            [
                {
                    "profile_id": plan.id,
                    "date_from": line.date_start,
                    "date_to": line.date_start,
                    "override_type": otype,
                    "quantity": 1.0,
                    "percent": 1.0,
                    "reason_code": "other",
                }
                for line, otype in zip(future, ("quantity", "percent", "quantity"), strict=True)
            ]
        )
        # A hostile import bypasses the constraints: -40 units, -300 %, NaN units.
        self.env.flush_all()
        for override, column, value in zip(
            overrides,
            ("quantity", "percent", "quantity"),
            (-40.0, -300.0, float("nan")),
            strict=True,
        ):
            self.env.cr.execute(
                SQL(
                    "UPDATE stock_demand_override SET %s = %s, state = 'approved',"
                    " approved_date = now() WHERE id = %s",
                    SQL.identifier(column),
                    value,
                    override.id,
                )
            )
        self.env.invalidate_all()
        self.env["stock.demand.forecast"]._refresh_overrides(plan.ids)
        self.run_forecast()
        for line in plan.forecast_ids:
            for qty in (line.final_qty, line.override_qty, line.statistical_qty):
                self.assertTrue(math.isfinite(qty), line.date_start)
                self.assertGreaterEqual(qty, 0.0, line.date_start)
        # Only the hostile figure itself: nothing the job wrote.
        self.assertEqual(self._non_finite_columns(), [("stock_demand_override", "quantity", 1)])
        self.assertFalse(plan.forecast_ids.filtered(lambda f: f.override_id == overrides[2]))
        self.assertEqual(future[0].final_qty, 0.0)
        self.assertEqual(future[1].final_qty, 0.0)

    # ------------------------------------------------------------------ 3. segment change
    def test_segment_change_triggers_a_reforecast(self):
        self.assertEqual(self.run_forecast(force=False)["profiles"], len(self.profiles))
        self.assertEqual(self.run_forecast(force=False)["profiles"], 0)
        plan = self.profile(self.steady, self.wh1)
        self.assertNotEqual(plan.forecast_method, "naive")
        moved_to = self.env["stock.segment"].create(
            {
                "name": "Forecast test naive",
                "code": "FTN",
                "company_id": self.company.id,
                "forecast_method": "naive",
                "forecast_bucket": "week",
                "forecast_refresh_days": 7,
            }
        )
        # The classification moves the plan in SQL; its demand is unchanged.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE stock_planning_profile SET segment_id = %s WHERE id = %s",
            [moved_to.id, plan.id],
        )
        self.env.invalidate_all()
        self.assertEqual(self.run_forecast(force=False)["profiles"], 1)
        self.assertEqual(plan.forecast_method, "naive")
        future = plan.forecast_ids.filtered(lambda f: f.state == "forecast")
        self.assertEqual(len(future), HORIZON_WEEKS - 1)
        self.assertEqual(set(future.mapped("method")), {"naive"})
        self.assertEqual(future.segment_id, moved_to)

        # Same demand, same segment: nothing is due and a forced rerun writes nothing.
        before = self._company_snapshot()
        self.assertEqual(self.run_forecast(force=False)["profiles"], 0)
        self.assertEqual(self.run_forecast()["lines"], 0)
        self.assertEqual(self._company_snapshot(), before)

        # A change of the segment's forecasting parameters re-forecasts its plans.
        moved_to.forecast_method = "moving_average"
        self.assertEqual(self.run_forecast(force=False)["profiles"], 1)
        self.assertEqual(plan.forecast_method, "moving_average")
        self.assertEqual(self.run_forecast(force=False)["profiles"], 0)

    # ------------------------------------------------------------------ 4. NaN and inf
    def test_nan_and_inf_never_reach_a_column(self):
        nan_product = self._product("NaN quantity", 10.0, 6.0)
        inf_product = self._product("inf quantity", 10.0, 6.0)

        def moves():
            for w in range(HISTORY_WEEKS + 1):
                for product in (nan_product, inf_product):
                    self._move(product, self.wh1, "out", w, 10)
            # Hostile rows: in old weeks and in the weeks the second run closes.
            for w in (20, HISTORY_WEEKS - 1):
                self._move(nan_product, self.wh1, "out", w, float("nan"), day=4)
                self._move(inf_product, self.wh1, "out", w, float("inf"), day=4)
            self._move(inf_product, self.wh1, "return", HISTORY_WEEKS - 2, float("inf"), day=4)
            self._move(nan_product, self.wh1, "return", 30, float("-inf"), day=4)

        self._add_moves(moves)
        # NaN sale price, infinite cost.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE product_template SET list_price = 'NaN' WHERE id = %s",
            [nan_product.product_tmpl_id.id],
        )
        self.env.cr.execute(
            SQL(
                "UPDATE product_product SET standard_price = jsonb_build_object(%s, 'Infinity')"
                " WHERE id = %s",
                str(self.company.id),
                inf_product.id,
            )
        )
        self.env.invalidate_all()
        plans = self.Profile.create(
            [
                {"product_id": p.id, "warehouse_id": wh.id, "segment_id": self.segment.id}
                for p in (nan_product, inf_product)
                for wh in (self.wh1, self.wh2)
            ]
        )
        self.assertEqual(self.run_forecast(today=TODAY - timedelta(weeks=2))["failed"], 0)
        self.assertEqual(self.run_forecast()["failed"], 0)
        self.assertFalse(
            self.Exception.sudo().search(
                [("company_id", "=", self.company.id), ("exception_type", "=", "job_failure")]
            )
        )
        self.assertEqual(self._non_finite_columns(), [])
        for plan in plans.filtered(lambda p: p.warehouse_id == self.wh1):
            exc = self.open_exceptions(plan, "data_quality")
            self.assertEqual(len(exc), 1, plan.display_name)
            self.assertIn("quantity", exc.message)
            # The hostile buckets are left out: the forecast stays near 10 a week.
            final = plan.forecast_ids.filtered(lambda f: f.state == "forecast")[:1].final_qty
            self.assertTrue(5.0 < final < 15.0, (plan.display_name, final))
            self.assertTrue(all(math.isfinite(q) for q in plan.demand_history))
            closed = plan.forecast_ids.filtered(lambda f: f.state == "closed")
            self.assertEqual(len(closed), 2, plan.display_name)
        self.assertTrue(
            self.env["stock.forecast.accuracy"].search([("company_id", "=", self.company.id)])
        )
        # A rerun on the same hostile data writes nothing.
        before = self._company_snapshot()
        self.assertEqual(self.run_forecast()["lines"], 0)
        self.assertEqual(self._company_snapshot(), before)

    # ------------------------------------------------------------------ 5. one cause, once
    def test_bias_and_tracking_signal_are_one_exception(self):
        self.run_forecast()
        plan = self.profile(self.steady, self.wh1)
        # Six closed weeks where the forecast was half the demand: biased and tracking.
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO stock_demand_forecast
                (profile_id, product_id, warehouse_id, company_id, segment_id, bucket,
                 date_start, date_end, state, statistical_qty, override_qty, has_override,
                 final_qty, actual_qty, error_qty, abs_error_qty, forecast_date)
            SELECT %s, %s, %s, %s, %s, 'week', d, d + 7, 'closed', 50, 0, false,
                   50, 100, 50, 50, d
              FROM (SELECT %s::date - 7 * k AS d FROM generate_series(1, 6) k) w
                """,
                plan.id,
                plan.product_id.id,
                plan.warehouse_id.id,
                self.company.id,
                self.segment.id,
                CURRENT,
            )
        )
        self.env.invalidate_all()
        self.run_forecast()
        found = self.Exception.sudo().search(
            [
                ("profile_id", "=", plan.id),
                ("exception_type", "in", ["bias", "tracking_signal"]),
                ("state", "in", ["new", "in_progress"]),
            ]
        )
        self.assertEqual(len(found), 1, found.mapped("message"))
        self.assertEqual(found.exception_type, "bias")
        self.assertEqual(found.severity, "high")
        # The one exception names both signals.
        self.assertIn("tracking signal", found.message)
        self.assertIn("too low", found.message)
        self.assertEqual(found.message.count("exceeded"), 2, found.message)
        # Mean error 50 a week over the 4 weeks of the horizon at a unit cost of 60, once.
        self.assertAlmostEqual(found.financial_impact, 50.0 * HORIZON_WEEKS * 60.0, places=2)
        # A rerun keeps that one exception as it is.
        write_date = found.write_date
        self.run_forecast()
        self.env.invalidate_all()
        self.assertEqual(found.write_date, write_date)
        self.assertEqual(found.state, "new")

    # ------------------------------------------------------------------ 6. reruns, queries
    def _hostile_catalogue(self):
        """A NaN, an infinite and a returns-only product next to the fixture's."""
        nan_product = self._product("hostile NaN", 10.0, 6.0)
        inf_product = self._product("hostile inf", 10.0, 6.0)
        returns_only = self._product("hostile returns only", 10.0, 6.0)

        def moves():
            for w in range(HISTORY_WEEKS + 1):
                self._move(nan_product, self.wh1, "out", w, 10)
                self._move(inf_product, self.wh1, "out", w, 10)
                if w % 3 == 0:
                    self._move(returns_only, self.wh1, "return", w, 2)
            for w in (40, HISTORY_WEEKS - 1):
                self._move(nan_product, self.wh1, "out", w, float("nan"), day=4)
                self._move(inf_product, self.wh1, "out", w, float("inf"), day=4)

        self._add_moves(moves)
        self.Profile.create(
            [
                {"product_id": p.id, "warehouse_id": self.wh1.id, "segment_id": self.segment.id}
                for p in (nan_product, inf_product, returns_only)
            ]
        )
        return nan_product, inf_product, returns_only

    def test_rerun_on_hostile_data_writes_nothing(self):
        """Everything the job writes (forecast lines, plans, exceptions, accuracy rows,
        overrides) is left as it is by a rerun on unchanged hostile data."""
        self._hostile_catalogue()
        self.profile(self.zero, self.wh2).sudo().write({"data_quarantine": True})
        self.run_forecast(today=TODAY - timedelta(weeks=1))
        plan = self.profile(self.steady, self.wh1)
        line = plan.forecast_ids.filtered(lambda f: f.state == "forecast").sorted("date_start")[-1]
        override = (
            self.env["stock.demand.override"]
            .with_user(self.user)
            .create(
                {
                    "profile_id": plan.id,
                    "date_from": line.date_start,
                    "date_to": line.date_start,
                    "override_type": "percent",
                    "percent": 5.0,
                    "reason_code": "customer",
                }
            )
        )
        override.with_user(self.user).action_submit()
        self.assertEqual(override.state, "approved")
        self.run_forecast()
        self.assertTrue(line.has_override)

        def snapshot():
            self.env.cr.execute(
                SQL(
                    "SELECT id, state, write_date FROM stock_demand_override"
                    " WHERE company_id = %s ORDER BY id",
                    self.company.id,
                )
            )
            overrides = self.env.cr.fetchall()
            return [*self._company_snapshot(), overrides]

        before = snapshot()
        lines, _profiles, exceptions, accuracy, _overrides = before
        self.assertTrue(lines and exceptions and accuracy)
        self.assertIn(
            "data_quality",
            self.Exception.sudo()
            .search([("company_id", "=", self.company.id)])
            .mapped("exception_type"),
        )
        stats = self.run_forecast()
        self.assertEqual((stats["lines"], stats["failed"]), (0, 0))
        self.assertEqual(snapshot(), before)
        self.assertEqual(self.run_forecast(force=False)["profiles"], 0)
        self.assertEqual(snapshot(), before)

    def test_queries_per_batch_do_not_grow_with_hostile_plans(self):
        nan_product, inf_product, returns_only = self._hostile_catalogue()
        Profile = self.Profile.sudo()
        ctx = Profile._forecast_context(
            self.company, TODAY, Profile._forecast_params(), self.segment, "week", "auto"
        )
        Profile._forecast_batch(ctx, self.profile(self.spiky, self.wh2).ids)
        # Both batches raise exceptions; the second holds more hostile plans.
        small = self.profile(nan_product, self.wh1) | self.profile(self.zero, self.wh1)
        large = (
            self.profile(inf_product, self.wh1)
            | self.profile(returns_only, self.wh1)
            | self.profile(self.steady, self.wh1)
            | self.profile(self.zero, self.wh2)
            | self.profile(self.stockout, self.wh1)
        )
        counts = []
        for batch in (small, large):
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            Profile._forecast_batch(ctx, batch.ids)
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - start)
        self.assertEqual(counts[0], counts[1], counts)
        self.assertTrue(self.open_exceptions(self.profile(inf_product, self.wh1), "data_quality"))
