"""What a buyer meets first: the exception list, its owner, one exception per cause, the
segments' alert settings, readable labels and pooled accuracy totals."""

from datetime import date

from odoo.tests import tagged
from odoo.tools import SQL

from ..models.res_company import DEMAND_SOURCES
from ..models.stock_demand_chart import SERIES
from ..models.stock_demand_event import EVENT_TYPES
from ..models.stock_demand_forecast import BUCKETS, FORECAST_METHODS, FORECAST_STATUSES, LINE_STATES
from ..models.stock_demand_override import REASON_CODES
from ..models.stock_planning_exception import EXCEPTION_TYPES, SEVERITIES
from ..models.stock_segment import EXCEPTION_ALERT_MODES
from .common import CURRENT, HORIZON_WEEKS, ForecastCommon


@tagged("post_install", "-at_install")
class TestBuyerFixes(ForecastCommon):
    def _exception(self, profile, impact, **vals):
        return (
            self.Exception.sudo()
            .with_context(tracking_disable=True)
            .create(
                {
                    "exception_type": "data_quality",
                    "source": "test",
                    "profile_id": profile.id,
                    "product_id": profile.product_id.id,
                    "warehouse_id": profile.warehouse_id.id,
                    "segment_id": profile.segment_id.id,
                    "company_id": self.company.id,
                    "message": "Test",
                    "financial_impact": impact,
                    **vals,
                }
            )
        )

    def _bias_history(self, plan):
        """Six closed weeks where the forecast was half the demand."""
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

    # ------------------------------------------------------------------ 1. sorted by impact
    def test_exception_list_sorted_by_impact(self):
        plans = self.profiles
        low = self._exception(plans[0], 10.0)
        started = self._exception(plans[1], 500.0, state="in_progress")
        top = self._exception(plans[2], 9000.0)
        unknown = self._exception(plans[3], False)
        middle = self._exception(plans[4], 700.0)
        found = self.Exception.with_user(self.user).search(
            [("source", "=", "test"), ("state", "in", ["new", "in_progress"])]
        )
        # The top impact is row 1, whatever the state; an unknown impact comes last.
        self.assertEqual(list(found), [top, middle, started, low, unknown])
        # The menu's action opens that same order (no order of its own in the list view).
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_segment_forecast.action_stock_planning_exception"
        )
        view = self.env.ref("stock_segment_forecast.stock_planning_exception_view_list")
        self.assertEqual(action["view_id"][0], view.id)
        self.assertNotIn("default_order", view.arch_db)

    # ------------------------------------------------------------------ 2. start keeps owner
    def test_start_keeps_the_assigned_owner(self):
        assigned = self._exception(self.profiles[0], 100.0, user_id=self.manager.id)
        free = self._exception(self.profiles[1], 50.0)
        (assigned | free).with_user(self.user).action_start()
        self.assertEqual(assigned.state, "in_progress")
        self.assertEqual(assigned.user_id, self.manager)
        self.assertEqual(free.state, "in_progress")
        self.assertEqual(free.user_id, self.user)

    # ------------------------------------------------------------------ 3. one cause, once
    def test_biased_plan_has_one_open_exception_counted_once(self):
        self.run_forecast()
        plan = self.profile(self.steady, self.wh1)
        # As the previous version raised it: a tracking-signal exception still open.
        legacy = self._exception(
            plan, 12630.0, exception_type="tracking_signal", source="forecast", severity="high"
        )
        self._bias_history(plan)
        self.run_forecast()
        self.assertEqual(legacy.state, "done")
        self.assertTrue(legacy.resolved_by_job)
        bias_causes = self.Exception.sudo().search(
            [
                ("profile_id", "=", plan.id),
                ("exception_type", "in", ["bias", "tracking_signal"]),
                ("state", "in", ["new", "in_progress"]),
            ]
        )
        self.assertEqual(len(bias_causes), 1, bias_causes.mapped("message"))
        self.assertEqual(bias_causes.exception_type, "bias")
        self.assertIn("tracking signal", bias_causes.message)
        self.assertIn("too low", bias_causes.message)
        # The impact of the cause, once: mean error 50 a unit over the horizon at cost 60.
        impact = 50.0 * HORIZON_WEEKS * 60.0
        self.assertAlmostEqual(bias_causes.financial_impact, impact, places=2)
        total = sum(
            self.Exception.sudo()
            .search([("profile_id", "=", plan.id), ("state", "in", ["new", "in_progress"])])
            .filtered(lambda e: e.exception_type in ("bias", "tracking_signal"))
            .mapped("financial_impact")
        )
        self.assertAlmostEqual(total, impact, places=2)
        # The overview card counts it once too.
        card = (
            self.env["stock.planning.card"].with_company(self.company).new({"kind": "exceptions"})
        )
        open_all = self.Exception.sudo().search(
            [("company_id", "=", self.company.id), ("state", "in", ["new", "in_progress"])]
        )
        self.assertEqual(card.count, len(open_all))
        self.assertAlmostEqual(card.amount, sum(open_all.mapped("financial_impact")), places=2)
        self.assertEqual(card.state, "danger")  # the bias exception is high
        self.assertIn("high", card.detail)

    # ------------------------------------------------------------------ 4. alert settings
    def _found(self, plan, impact, exc_type="data_quality"):
        return {
            (plan.id, exc_type): {
                "message": "Found",
                "severity": "medium",
                "financial_impact": impact,
                "product_id": plan.product_id.id,
                "warehouse_id": plan.warehouse_id.id,
                "segment_id": plan.segment_id.id,
                "company_id": self.company.id,
            }
        }

    def _open(self, plan, source):
        return self.Exception.sudo().search(
            [
                ("profile_id", "=", plan.id),
                ("source", "=", source),
                ("state", "in", ["new", "in_progress"]),
            ]
        )

    def test_segment_alert_threshold_applies_to_every_source(self):
        Exc = self.Exception.sudo()
        plan, other = self.profiles[0], self.profiles[1]
        self.segment.write(
            {"exception_alert_mode": "threshold", "exception_impact_threshold": 1000.0}
        )
        # Another addon's job raising through the shared path: below the threshold, no
        # exception; at or above it, one.
        types = ["data_quality", "job_failure"]
        found = {**self._found(plan, 999.99), **self._found(other, 1000.0)}
        Exc._sync_exceptions("another_addon", types, [plan.id, other.id], found)
        self.assertFalse(self._open(plan, "another_addon"))
        self.assertEqual(len(self._open(other, "another_addon")), 1)
        # The impact falls below the threshold: the open exception is closed as cleared.
        Exc._sync_exceptions("another_addon", types, [other.id], self._found(other, 20.0))
        self.assertFalse(self._open(other, "another_addon"))
        # A plan whose values carry no segment: the plan's segment decides.
        no_segment = self._found(plan, 10.0)
        no_segment[(plan.id, "data_quality")]["segment_id"] = False
        Exc._sync_exceptions("another_addon", types, [plan.id], no_segment)
        self.assertFalse(self._open(plan, "another_addon"))
        # A job failure is always raised.
        Exc._raise_job_failure("another_addon", plan, "Boom")
        self.assertEqual(self._open(plan, "another_addon").exception_type, "job_failure")

    def test_segment_alert_none_and_all(self):
        Exc = self.Exception.sudo()
        plan = self.profiles[0]
        self.segment.exception_alert_mode = "none"
        Exc._sync_exceptions("another_addon", ["data_quality"], [plan.id], self._found(plan, 1e6))
        self.assertFalse(self._open(plan, "another_addon"))
        self.segment.exception_alert_mode = "all"
        Exc._sync_exceptions("another_addon", ["data_quality"], [plan.id], self._found(plan, 0.0))
        self.assertEqual(len(self._open(plan, "another_addon")), 1)

    def test_forecast_job_respects_the_segment_threshold(self):
        self.run_forecast()
        plan = self.profile(self.steady, self.wh1)
        self._bias_history(plan)
        impact = 50.0 * HORIZON_WEEKS * 60.0
        self.segment.write(
            {"exception_alert_mode": "threshold", "exception_impact_threshold": impact + 1}
        )
        self.run_forecast()
        self.assertFalse(self.open_exceptions(plan, "bias"))
        self.segment.exception_impact_threshold = impact - 1
        self.run_forecast()
        self.assertEqual(len(self.open_exceptions(plan, "bias")), 1)

    # ------------------------------------------------------------------ 5. labels
    def test_selections_have_human_labels(self):
        Profile = self.env["stock.planning.profile"]
        methods = dict(Profile._fields["forecast_method"]._description_selection(self.env))
        self.assertEqual(methods["holt_damped"], "Holt (damped trend)")
        self.assertEqual(methods["adida"], "ADIDA (aggregated)")
        self.assertEqual(methods["sba"], "Syntetos-Boylan (intermittent)")
        statuses = dict(Profile._fields["forecast_status"]._description_selection(self.env))
        self.assertEqual(statuses["ok"], "OK")
        self.assertEqual(statuses["no_backtest"], "Not enough history to back-test")
        # Every selection this addon defines: no label that is a code.
        own = [
            ("stock.planning.exception", "exception_type", EXCEPTION_TYPES),
            ("stock.planning.exception", "severity", SEVERITIES),
            ("stock.planning.exception", "state", None),
            ("stock.demand.forecast", "bucket", BUCKETS),
            ("stock.demand.forecast", "state", LINE_STATES),
            ("stock.demand.forecast", "method", FORECAST_METHODS),
            ("stock.demand.override", "override_type", None),
            ("stock.demand.override", "reason_code", REASON_CODES),
            ("stock.demand.override", "state", None),
            ("stock.demand.event", "event_type", EVENT_TYPES),
            ("stock.demand.chart", "series", SERIES),
            ("stock.planning.profile", "forecast_method", FORECAST_METHODS),
            ("stock.planning.profile", "forecast_status", FORECAST_STATUSES),
            ("stock.planning.profile", "forecast_bucket", BUCKETS),
            ("stock.segment", "exception_alert_mode", EXCEPTION_ALERT_MODES),
            ("res.company", "forecast_demand_source", DEMAND_SOURCES),
        ]
        for model, fname, selection in own:
            labels = dict(self.env[model]._fields[fname]._description_selection(self.env))
            keys = [k for k, _label in selection] if selection else list(labels)
            for key in keys:
                label = labels[key]
                self.assertNotIn("_", label, f"{model}.{fname}: {key}")
                self.assertTrue(label[:1].isupper(), f"{model}.{fname}: {key} {label!r}")
        # The forecast job stores keys of those selections.
        self.run_forecast()
        plan = self.profile(self.steady, self.wh1)
        self.assertIn(plan.forecast_method, methods)
        self.assertIn(plan.forecast_status, statuses)
        self.assertEqual(plan.forecast_bucket, "week")

    # ------------------------------------------------------------------ 6. pooled WAPE
    def test_accuracy_totals_are_pooled(self):
        Accuracy = self.env["stock.forecast.accuracy"].sudo()
        rows = [
            # month, actual, mad, buckets, wape (a row's own pooled figure)
            (date(2024, 10, 1), 10.0, 2.5, 4, 100.0),
            (date(2024, 11, 1), 500.0, 50.02, 5, 50.02),
            (date(2024, 12, 1), 4000.0, 97.7, 4, 9.77),
        ]
        Accuracy.create(
            [
                {
                    "company_id": self.company.id,
                    "segment_id": self.segment.id,
                    "warehouse_id": self.wh1.id,
                    "month": month,
                    "actual_qty": actual,
                    "mad": mad,
                    "bucket_count": n,
                    "wape": wape,
                    "wape_statistical": wape,
                    "bias": 1.0,
                }
                for month, actual, mad, n, wape in rows
            ]
        )
        abs_error = sum(mad * n for _m, _a, mad, n, _w in rows)
        actual = sum(a for _m, a, _mad, _n, _w in rows)
        pooled = 100.0 * abs_error / actual
        self.assertNotAlmostEqual(pooled, (100 + 50.02 + 9.77) / 3, places=1)
        domain = [("company_id", "=", self.company.id)]
        # List group rows.
        groups = Accuracy.formatted_read_group(domain, ["segment_id"], ["wape:avg", "mad:avg"])
        self.assertEqual(len(groups), 1)
        self.assertAlmostEqual(groups[0]["wape:avg"], pooled, places=6)
        self.assertAlmostEqual(groups[0]["mad:avg"], abs_error / 13, places=6)
        # Pivot total (grouping sets) and the plain total.
        [(total_wape, value_added)] = Accuracy._read_group(
            domain, [], ["wape:avg", "value_added:avg"]
        )
        self.assertAlmostEqual(total_wape, pooled, places=6)
        self.assertAlmostEqual(value_added, 0.0, places=6)
        sets = Accuracy.formatted_read_grouping_sets(domain, [["segment_id"], []], ["wape:avg"])
        self.assertAlmostEqual(sets[1][0]["wape:avg"], pooled, places=6)
        # No demand: no WAPE rather than 0.
        [(empty,)] = Accuracy._read_group(domain + [("id", "=", 0)], [], ["wape:avg"])
        self.assertFalse(empty)

    def test_accuracy_totals_match_the_forecast_lines(self):
        from datetime import timedelta

        from .common import TODAY

        for k in range(6):
            self.run_forecast(today=TODAY + timedelta(weeks=k))
        lines = self.Forecast.search(
            [("company_id", "=", self.company.id), ("state", "=", "closed")]
        )
        self.assertTrue(lines)
        expected = (
            100.0
            * sum(abs(line.actual_qty - line.final_qty) for line in lines)
            / sum(lines.mapped("actual_qty"))
        )
        [(wape,)] = self.env["stock.forecast.accuracy"]._read_group(
            [("company_id", "=", self.company.id)], [], ["wape:avg"]
        )
        self.assertAlmostEqual(wape, expected, places=4)
