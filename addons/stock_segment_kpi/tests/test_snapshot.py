from datetime import date
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import MONTH_END, MONTH_START, KpiCommon

FIELDS = (
    "avg_inventory_value",
    "avg_inventory_qty",
    "cogs_value",
    "turns",
    "days_of_supply",
    "line_fill_rate",
    "qty_fill_rate",
    "stockout_days",
    "stockout_rate",
    "backorder_qty",
    "excess_value",
)


@tagged("post_install", "-at_install")
class TestKpiSnapshot(KpiCommon):
    def assert_kpis(self, row, expected):
        self.assertEqual(len(row), 1)
        for fname in FIELDS:
            self.assertAlmostEqual(row[fname], expected[fname], places=4, msg=fname)

    def test_product_rows_equal_independent_computation(self):
        self.run_march()
        for product in (self.prod_a, self.prod_b):
            self.assert_kpis(self.month_row(product), self.expected([product]))
        # The scenario is not trivial: B ran out three days with demand open, A is late once.
        self.assertEqual(self.month_row(self.prod_b).stockout_days, 3)
        self.assertEqual(self.month_row(self.prod_a).backorder_qty, 7.0)

    def test_segment_row_pools_the_products(self):
        self.run_march()
        row = self.month_row()
        self.assert_kpis(row, self.expected([self.prod_a, self.prod_b]))
        self.assertEqual(row.pair_count, 2)
        self.assertEqual(row.date_to, MONTH_END)
        # Fill-rate segment: service achieved is the quantity fill rate, against 95 %.
        self.assertAlmostEqual(row.service_achieved, row.qty_fill_rate)
        self.assertEqual(row.service_target, 95.0)
        self.assertEqual(row.service_status, "red")
        self.assertEqual(row.rank_fill_rate, 1)

    def test_day_rows_add_up_to_the_month(self):
        self.run_march()
        days = self.Snapshot.sudo().search(
            [
                ("period_type", "=", "day"),
                ("company_id", "=", self.company.id),
                ("segment_id", "=", self.segment.id),
            ]
        )
        self.assertEqual(len(days), 31)
        month = self.month_row()
        self.assertAlmostEqual(sum(days.mapped("cogs_value")), month.cogs_value)
        self.assertEqual(sum(days.mapped("stockout_days")), month.stockout_days)
        self.assertAlmostEqual(
            sum(days.mapped("avg_inventory_value")) / 31, month.avg_inventory_value
        )
        day12 = days.filtered(lambda r: r.date_from == date(2025, 3, 12))
        self.assertAlmostEqual(day12.stockout_rate, 50.0)

    def test_forecast_accuracy_and_working_capital(self):
        # One accuracy row per segment x warehouse x month (the forecast job's key).
        self.env["stock.forecast.accuracy"].sudo().create(
            {
                "company_id": self.company.id,
                "warehouse_id": self.wh.id,
                "segment_id": self.segment.id,
                "month": MONTH_START,
                "wape": 25.0,
                "actual_qty": 150.0,
                "bias": -0.5,
                "bucket_count": 4,
            }
        )
        self.env["stock.replenishment.audit"].sudo().create(
            {
                "company_id": self.company.id,
                "product_id": self.prod_a.id,
                "warehouse_id": self.wh.id,
                "action": "update",
                "old_min_qty": 10.0,
                "old_max_qty": 30.0,
                "new_min_qty": 20.0,
                "new_max_qty": 50.0,
                "date": "2025-03-14 09:00:00",
            }
        )
        self.run_march()
        row = self.month_row()
        self.assertAlmostEqual(row.wape, 25.0)
        self.assertAlmostEqual(row.forecast_bias, -0.5)
        # 10 x (20 + 50 - 10 - 30) / 2
        self.assertAlmostEqual(row.wc_effect_value, 150.0)
        self.assertAlmostEqual(self.month_row(self.prod_a).wc_effect_value, 150.0)

    def test_rerun_replaces_rows(self):
        self.run_march()
        before = self.Snapshot.sudo().search([("company_id", "=", self.company.id)])
        values = sorted(before.mapped("avg_inventory_value"))
        self.run_march()
        after = self.Snapshot.sudo().search([("company_id", "=", self.company.id)])
        self.assertEqual(len(after), len(before))
        self.assertEqual(sorted(after.mapped("avg_inventory_value")), values)
        self.assertFalse(before.exists())

    def test_drill_down_to_products_and_moves(self):
        self.run_march()
        row = self.month_row()
        products = self.Snapshot.search(row.action_view_products()["domain"])
        self.assertEqual(set(products.mapped("product_id")), {self.prod_a, self.prod_b})
        moves = self.env["stock.move"].search(
            self.month_row(self.prod_b).action_view_moves()["domain"]
        )
        # B: the March receipts and the four deliveries, all dated in March.
        self.assertEqual(len(moves), 6)
        self.assertEqual(set(moves.mapped("product_id")), {self.prod_b})

    def test_failing_plan_keeps_the_month_and_raises_an_exception(self):
        self.run_march()
        before = self.Snapshot.sudo().search([("company_id", "=", self.company.id)])
        self.assertTrue(before)
        plan = self.profile_a
        Snapshot = type(self.env["stock.kpi.snapshot"])
        original = Snapshot._snapshot_batch

        def failing(model, ctx, batch):
            if plan.id in batch:
                raise ValueError("broken plan")
            return original(model, ctx, batch)

        with (
            patch.object(Snapshot, "_snapshot_batch", failing),
            mute_logger("odoo.addons.stock_segment_kpi.models.stock_kpi_snapshot"),
        ):
            stats = self.run_march()
        self.assertEqual(stats[self.company.id]["failed"], 1)
        after = self.Snapshot.sudo().search([("company_id", "=", self.company.id)])
        self.assertEqual(after, before, "the month's rows are kept when a plan failed")
        failure = self.env["stock.planning.exception"].search(
            [("profile_id", "=", plan.id), ("exception_type", "=", "job_failure")]
        )
        self.assertEqual(len(failure), 1)
        self.assertIn("broken plan", failure.message)
        # The next complete run replaces the rows and closes the exception.
        self.run_march()
        self.assertFalse(before.exists())
        self.assertNotEqual(failure.state, "new")

    def test_one_company_failing_does_not_stop_the_others(self):
        Snapshot = type(self.env["stock.kpi.snapshot"])
        original = Snapshot._snapshot_company
        company = self.company

        def failing(model, comp, *args, **kwargs):
            if comp == company:
                raise ValueError("broken company")
            return original(model, comp, *args, **kwargs)

        with (
            patch.object(Snapshot, "_snapshot_company", failing),
            mute_logger("odoo.addons.stock_segment_kpi.models.stock_kpi_snapshot"),
        ):
            stats = self.run_march(companies=self.company | self.company2)
        self.assertNotIn(self.company.id, stats)
        self.assertTrue(self.Snapshot.sudo().search([("company_id", "=", self.company2.id)]))
