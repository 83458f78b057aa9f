import base64
import io
from datetime import date
from unittest.mock import patch

import openpyxl
from freezegun import freeze_time
from odoo import SUPERUSER_ID
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

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

    def test_rerun_on_unchanged_data_writes_nothing(self):
        self.run_march()
        rows = self.Snapshot.sudo().search([("company_id", "=", self.company.id)])
        self.assertEqual(len(rows), 2 + 1 + 31)  # two products, the segment, 31 days
        values = {r.id: r.read(FIELDS)[0] for r in rows}
        self.backdate("stock_kpi_snapshot", rows.ids)
        self.run_march()
        after = self.Snapshot.sudo().search([("company_id", "=", self.company.id)])
        self.assertEqual(after, rows, "the same rows, not deleted and inserted again")
        self.assertEqual({r.id: r.read(FIELDS)[0] for r in after}, values)
        dates = self.write_dates("stock_kpi_snapshot", rows.ids)
        self.assertEqual({str(d.date()) for d in dates.values()}, {"2000-01-01"})

    def test_rerun_updates_changed_rows_only(self):
        self.run_march()
        rows = self.Snapshot.sudo().search([("company_id", "=", self.company.id)])
        self.backdate("stock_kpi_snapshot", rows.ids)
        # B's cost doubles: B's row, the segment row and the day rows change, not A's.
        self.prod_b.with_company(self.company).standard_price = 8.0
        self.cost = {**self.cost, self.prod_b: 8.0}
        self.run_march()
        after = self.Snapshot.sudo().search([("company_id", "=", self.company.id)])
        self.assertEqual(after, rows)
        dates = self.write_dates("stock_kpi_snapshot", rows.ids)
        row_a, row_b = self.month_row(self.prod_a), self.month_row(self.prod_b)
        self.assertEqual(str(dates[row_a.id].date()), "2000-01-01")
        self.assertNotEqual(str(dates[row_b.id].date()), "2000-01-01")
        self.assert_kpis(row_b, self.expected([self.prod_b]))
        self.assert_kpis(self.month_row(), self.expected([self.prod_a, self.prod_b]))

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

    def test_one_failing_plan_does_not_hold_back_the_others(self):
        """The scheduled run with one plan failing: the other plans' rows are fresh, the
        failing plan keeps its last row, is counted on its segment and has a job-failure
        exception; the next complete run closes it."""
        self.run_march()
        row_a = self.month_row(self.prod_a)
        figures_a = row_a.read(FIELDS)[0]
        # B's cost changes: fresh rows must show it.
        self.prod_b.with_company(self.company).standard_price = 8.0
        self.cost = {**self.cost, self.prod_b: 8.0}
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
            freeze_time("2025-04-01 06:00:00"),
        ):
            # As the scheduled action does: its code, as its user, for yesterday.
            self.Snapshot.with_user(SUPERUSER_ID)._cron_snapshot()
        self.assert_kpis(self.month_row(self.prod_b), self.expected([self.prod_b]))
        segment = self.month_row()
        self.assert_kpis(segment, self.expected([self.prod_b]))
        self.assertEqual((segment.pair_count, segment.failed_count), (1, 1))
        self.assertEqual(self.month_row(self.prod_a), row_a, "its last row is kept")
        self.assertEqual(row_a.read(FIELDS)[0], figures_a)
        failure = self.Exception.sudo().search(
            [("profile_id", "=", plan.id), ("exception_type", "=", "job_failure")]
        )
        self.assertEqual(len(failure), 1)
        self.assertEqual(failure.source, "kpi_snapshot")
        self.assertIn("broken plan", failure.message)
        self.assertFalse(
            self.Exception.sudo().search(
                [("profile_id", "=", self.profile_b.id), ("exception_type", "=", "job_failure")]
            )
        )
        # The next complete run counts A again and closes the exception.
        self.run_march()
        segment = self.month_row()
        self.assert_kpis(segment, self.expected([self.prod_a, self.prod_b]))
        self.assertEqual((segment.pair_count, segment.failed_count), (2, 0))
        self.assertEqual(failure.state, "done")
        self.assertTrue(failure.resolved_by_job)

    def test_quarantined_plan_is_left_out_and_counted(self):
        """A quarantined plan with a cost of 1e15 does not make the segment's (hence the
        warehouse's and company's) stock value, turns or excess; the rows count it."""
        self.prod_b.with_company(self.company).standard_price = 1e15
        self.profile_b.sudo().write({"data_quarantine": True})
        self.run_march()
        segment = self.month_row()
        self.assert_kpis(segment, self.expected([self.prod_a]))
        self.assertEqual((segment.pair_count, segment.quarantined_count), (1, 1))
        row_b = self.month_row(self.prod_b)
        self.assertEqual((row_b.pair_count, row_b.quarantined_count), (0, 1))
        for fname in ("avg_inventory_value", "end_inventory_value", "cogs_value", "turns"):
            self.assertEqual(row_b[fname], 0.0, fname)
        days = self.Snapshot.sudo().search(
            [("period_type", "=", "day"), ("company_id", "=", self.company.id)]
        )
        self.assertLess(max(days.mapped("avg_inventory_value")), 1e6)
        self.assertAlmostEqual(
            sum(days.mapped("avg_inventory_value")) / 31, segment.avg_inventory_value
        )
        # The workbook a controller exports says so too.
        wizard = (
            self.env["stock.kpi.export.wizard"]
            .with_user(self.finance)
            .create(
                {
                    "date_from": MONTH_START,
                    "date_to": MONTH_END,
                    "company_ids": [(6, 0, self.company.ids)],
                }
            )
        )
        wizard.action_export()
        sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file_data)))["Inventory"]
        headers = [c.value for c in sheet[3]]
        column = headers.index("Quarantined plans (left out)")
        self.assertEqual(sheet.cell(row=4, column=column + 1).value, 1)
        # Out of quarantine (cost corrected): counted again.
        self.prod_b.with_company(self.company).standard_price = 4.0
        self.profile_b.sudo().write({"data_quarantine": False})
        self.run_march()
        segment = self.month_row()
        self.assert_kpis(segment, self.expected([self.prod_a, self.prod_b]))
        self.assertEqual((segment.pair_count, segment.quarantined_count), (2, 0))

    def _hostile_b_is_left_out(self, field_words):
        stats = self.run_march()
        self.assertEqual(stats[self.company.id]["failed"], 0)
        self.assert_no_nan_or_inf()
        # The other plan's figures are complete; B is counted, not summed.
        self.assert_kpis(self.month_row(self.prod_a), self.expected([self.prod_a]))
        segment = self.month_row()
        self.assert_kpis(segment, self.expected([self.prod_a]))
        self.assertEqual((segment.pair_count, segment.quarantined_count), (1, 1))
        days = self.Snapshot.sudo().search(
            [("period_type", "=", "day"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(len(days), 31)
        finding = self.Exception.sudo().search(
            [("profile_id", "=", self.profile_b.id), ("exception_type", "=", "data_quality")]
        )
        self.assertEqual(len(finding), 1)
        self.assertIn(field_words, finding.message)
        # A rerun changes nothing and raises nothing twice.
        rows = self.Snapshot.sudo().search([("company_id", "=", self.company.id)])
        self.backdate("stock_kpi_snapshot", rows.ids)
        self.backdate("stock_planning_exception", finding.ids)
        self.run_march()
        self.assertEqual(self.Snapshot.sudo().search([("company_id", "=", self.company.id)]), rows)
        dates = self.write_dates("stock_kpi_snapshot", rows.ids)
        dates.update(self.write_dates("stock_planning_exception", finding.ids))
        self.assertEqual({str(d.date()) for d in dates.values()}, {"2000-01-01"})
        return finding

    def test_nan_quantity_never_reaches_a_column(self):
        move = self.env["stock.move"].search(
            [
                ("product_id", "=", self.prod_b.id),
                ("location_dest_id", "=", self.customers.id),
                ("state", "=", "done"),
            ],
            limit=1,
        )
        self.env.cr.execute(
            "UPDATE stock_move SET quantity = 'NaN', product_qty = 'NaN' WHERE id = %s",
            [move.id],
        )
        self.env["stock.move"].invalidate_model()
        self._hostile_b_is_left_out("not a number")

    def test_infinite_cost_never_reaches_a_column(self):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE product_product SET standard_price = jsonb_build_object(%s, 'Infinity') "
                "WHERE id = %s",
                str(self.company.id),
                self.prod_b.id,
            )
        )
        self.env["product.product"].invalidate_model()
        finding = self._hostile_b_is_left_out("product cost")
        self.assertIn("infinite", finding.message)

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
