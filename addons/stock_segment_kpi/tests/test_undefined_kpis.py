"""Figures that are undefined are stored empty, said so, and left out of every average:
days of supply without issues, fill rates and service without delivery lines."""

import base64
import io
from datetime import date

import openpyxl
from odoo.tests import tagged
from odoo.tools import SQL

from .common import MONTH_END, MONTH_START, KpiCommon


class KpiIdleCommon(KpiCommon):
    """The March scenario plus an idle product in a segment of its own: stock received in
    February, nothing issued nor promised in March."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.idle_segment = cls.env["stock.segment"].create(
            {
                "name": "KPI test idle",
                "code": "KI",
                "company_id": cls.company.id,
                "service_metric": "cycle_service_level",
                "service_level_target": 90.0,
            }
        )
        cls.prod_d = cls._product("D idle", 5.0, cls.company)
        cls.profile_d = cls.env["stock.planning.profile"].create(
            {
                "product_id": cls.prod_d.id,
                "warehouse_id": cls.wh.id,
                "segment_id": cls.idle_segment.id,
            }
        )
        cls._insert_moves(
            [
                (
                    cls.prod_d,
                    cls.suppliers,
                    cls.wh.lot_stock_id,
                    date(2025, 2, 20),
                    30.0,
                    date(2025, 2, 20),
                )
            ],
            cls.company,
        )
        cls.env["stock.quant"].sudo()._update_available_quantity(
            cls.prod_d, cls.wh.lot_stock_id, 30.0
        )

    def idle_row(self):
        return self.Snapshot.sudo().search(
            [
                ("period_type", "=", "month"),
                ("level", "=", "segment"),
                ("date_from", "=", MONTH_START),
                ("segment_id", "=", self.idle_segment.id),
            ]
        )

    def nulls(self, rows, column):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM stock_kpi_snapshot WHERE id = ANY(%s) AND %s IS NULL",
                rows.ids,
                SQL.identifier(column),
            )
        )
        return {r[0] for r in self.env.cr.fetchall()}


@tagged("post_install", "-at_install")
class TestUndefinedKpis(KpiIdleCommon):
    def test_no_issues_no_days_of_supply(self):
        self.run_march()
        row_d = self.month_row(self.prod_d)
        idle = self.idle_row()
        self.assertTrue(row_d.no_demand)
        self.assertTrue(idle.no_demand)
        self.assertGreater(row_d.avg_inventory_value, 0.0, "stock without issues")
        # Stored empty (never 29,000 or 31,000 = 1,000 x the period, never 0).
        self.assertEqual(self.nulls(row_d | idle, "days_of_supply"), {row_d.id, idle.id})
        row_a, row_b = self.month_row(self.prod_a), self.month_row(self.prod_b)
        self.assertFalse(row_a.no_demand)
        self.assertFalse(self.nulls(row_a | row_b | self.month_row(), "days_of_supply"))
        self.assertLess(row_a.days_of_supply, 1000.0)
        # Averages (list group rows, benchmark, pivot) leave the idle rows out.
        [(avg,)] = self.Snapshot.sudo()._read_group(
            [
                ("level", "=", "product"),
                ("company_id", "=", self.company.id),
                ("date_from", "=", MONTH_START),
            ],
            [],
            ["days_of_supply:avg"],
        )
        self.assertAlmostEqual(avg, (row_a.days_of_supply + row_b.days_of_supply) / 2)
        groups = dict(
            self.Snapshot.sudo()._read_group(
                [
                    ("level", "=", "segment"),
                    ("period_type", "=", "month"),
                    ("company_id", "=", self.company.id),
                ],
                ["segment_id"],
                ["days_of_supply:avg"],
            )
        )
        self.assertFalse(groups[self.idle_segment], "no demand: no average, not 31,000")
        self.assertAlmostEqual(groups[self.segment], self.month_row().days_of_supply)
        # Filters find them.
        found = self.Snapshot.sudo().search(
            [
                ("no_demand", "=", True),
                ("level", "=", "product"),
                ("company_id", "=", self.company.id),
            ]
        )
        self.assertEqual(found, row_d)

    def test_no_delivery_line_no_fill_rate_and_no_data_status(self):
        self.run_march()
        idle = self.idle_row()
        self.assertEqual(idle.lines_total, 0)
        self.assertEqual(idle.service_status, "none")
        self.assertNotEqual(idle.service_status, "green")
        for column in ("qty_fill_rate", "line_fill_rate", "service_achieved", "rank_fill_rate"):
            self.assertEqual(self.nulls(idle, column), {idle.id}, column)
        labels = dict(idle._fields["service_status"]._description_selection(self.env))
        self.assertEqual(labels["none"], "No data")
        # The segment with lines keeps its figures, status and rank.
        main = self.month_row()
        self.assertFalse(self.nulls(main, "qty_fill_rate"))
        self.assertEqual(main.service_status, "red")
        self.assertEqual(main.rank_fill_rate, 1)
        # Out of the averages.
        [(avg,)] = self.Snapshot.sudo()._read_group(
            [("id", "in", (main | idle).ids)], [], ["qty_fill_rate:avg"]
        )
        self.assertAlmostEqual(avg, main.qty_fill_rate)
        # Day rows without a line promised have no fill rate either.
        days = self.Snapshot.sudo().search(
            [
                ("period_type", "=", "day"),
                ("segment_id", "=", self.segment.id),
                ("company_id", "=", self.company.id),
            ]
        )
        without = days.filtered(lambda r: r.lines_total == 0)
        self.assertTrue(without)
        self.assertEqual(self.nulls(without, "qty_fill_rate"), set(without.ids))
        self.assertEqual(set(without.mapped("service_status")), {"none"})

    def test_no_forecast_scored_no_wape(self):
        """Without a forecast accuracy of the month: no WAPE nor bias (0 % would read as a
        perfect forecast); with one, its figures."""
        self.env["stock.forecast.accuracy"].sudo().create(
            {
                "company_id": self.company.id,
                "warehouse_id": self.wh.id,
                "segment_id": self.segment.id,
                "month": MONTH_START,
                "wape": 20.0,
                "actual_qty": 100.0,
                "bias": 1.5,
                "bucket_count": 4,
            }
        )
        self.run_march()
        main, idle = self.month_row(), self.idle_row()
        self.assertTrue(main.forecast_scored)
        self.assertAlmostEqual(main.wape, 20.0)
        self.assertFalse(idle.forecast_scored)
        self.assertEqual(self.nulls(idle | main, "wape"), {idle.id})
        self.assertEqual(self.nulls(idle | main, "forecast_bias"), {idle.id})
        [(avg,)] = self.Snapshot.sudo()._read_group(
            [("id", "in", (main | idle).ids)], [], ["wape:avg"]
        )
        self.assertAlmostEqual(avg, 20.0)
        # Turns of a stock that never sold are 0 (a figure); the stockout rate is defined.
        self.assertFalse(self.nulls(idle, "turns"))
        self.assertFalse(self.nulls(idle, "stockout_rate"))

    def test_rerun_turns_a_stored_zero_into_no_value(self):
        """Rows written before (a 0 for no data) are rewritten empty by the next run."""
        self.run_march()
        idle = self.idle_row()
        self.env.cr.execute(
            SQL("UPDATE stock_kpi_snapshot SET qty_fill_rate = 0 WHERE id = %s", idle.id)
        )
        self.run_march()
        self.assertEqual(self.nulls(idle, "qty_fill_rate"), {idle.id})

    def test_workbook_says_no_demand_and_no_data(self):
        self.run_march()
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
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file_data)))
        inventory, service = book["Inventory"], book["Service"]
        rows = {inventory.cell(r, 4).value: r for r in range(4, inventory.max_row + 1)}
        idle_r = rows[self.idle_segment.display_name]
        main_r = rows[self.segment.display_name]
        self.assertEqual(inventory[f"J{idle_r}"].value, "no demand")
        self.assertAlmostEqual(inventory[f"J{main_r}"].value, self.month_row().days_of_supply)
        self.assertEqual(service[f"G{idle_r}"].value, "no data")
        self.assertEqual(service[f"L{idle_r}"].value, "No data")
        self.assertEqual(service[f"K{idle_r}"].value, "no data")
        self.assertEqual(book["Benchmark"][f"F{idle_r}"].value, "no data")


@tagged("post_install", "-at_install")
class TestKpiCharts(KpiIdleCommon):
    RATIO_FIELDS = (
        "turns",
        "days_of_supply",
        "line_fill_rate",
        "qty_fill_rate",
        "stockout_rate",
        "wape",
        "forecast_bias",
        "service_target",
        "service_achieved",
        "rank_fill_rate",
        "rank_turns",
        "period_days",
    )

    def test_rates_and_ranks_never_summed_in_views(self):
        fields_ = self.Snapshot._fields
        for fname in self.RATIO_FIELDS:
            self.assertNotEqual(fields_[fname].aggregator, "sum", fname)
        views = self.env["ir.ui.view"].search(
            [("model", "=", "stock.kpi.snapshot"), ("type", "in", ("graph", "pivot"))]
        )
        self.assertTrue(views)
        for view in views:
            arch = self.Snapshot.get_view(view.id, view.type)["arch"]
            if view.type == "graph":
                self.assertIn('stacked="0"', arch, view.name)
            for fname in self.RATIO_FIELDS:
                if f'name="{fname}"' in arch:
                    self.assertNotIn(f'name="{fname}" type="measure" operator="sum"', arch)
        # The daily trend opens the unstacked daily graph on the stockout rate.
        action = self.env.ref("stock_segment_kpi.action_stock_kpi_trend_daily")
        graph = action.view_ids.filtered(lambda v: v.view_mode == "graph").view_id
        self.assertEqual(
            graph, self.env.ref("stock_segment_kpi.stock_kpi_snapshot_view_graph_daily")
        )
        self.assertIn('stacked="0"', graph.arch_db)
        self.assertIn("'graph_measure': 'stockout_rate'", action.context)

    def test_workbook_charts_sum_only_what_adds_up(self):
        self.run_march()
        wizard = self.env["stock.kpi.export.wizard"].create(
            {
                "date_from": MONTH_START,
                "date_to": MONTH_END,
                "company_ids": [(6, 0, self.company.ids)],
            }
        )
        wizard.action_export()
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file_data)))
        rows = self.Snapshot.sudo().search(
            [
                ("level", "=", "segment"),
                ("period_type", "=", "month"),
                ("company_id", "=", self.company.id),
            ]
        )
        self.assertEqual(len(rows), 2)

        def helper(sheet):
            """(header, value of March) of the chart's month table: the first header
            cell right of the data reading "Month"."""
            for col in range(1, sheet.max_column + 1):
                if sheet.cell(3, col).value == "Month" and col > 4:
                    return sheet.cell(3, col + 1).value, sheet.cell(4, col + 1).value
            self.fail(f"no chart table on {sheet.title}")

        headers = {}
        for sheet in book.worksheets:
            self.assertEqual(len(sheet._charts), 2, sheet.title)
            head, value = helper(sheet)
            headers[sheet.title] = head
            lowered = head.lower()
            self.assertNotIn("rank", lowered, sheet.title)
            self.assertNotIn("bias", lowered, sheet.title)
        # Money adds up.
        head, value = helper(book["Inventory"])
        self.assertEqual(head, "Average inventory value (total)")
        self.assertAlmostEqual(value, sum(rows.mapped("avg_inventory_value")), places=2)
        # Rates are pooled: shipped on time / promised over both segments.
        head, value = helper(book["Service"])
        self.assertEqual(head, "Quantity fill rate (pooled)")
        expected = 100.0 * sum(rows.mapped("shipped_on_time_qty")) / sum(rows.mapped("ordered_qty"))
        self.assertAlmostEqual(value, expected, places=4)
        # The benchmark charts pooled turns, not the sum of ranks.
        head, value = helper(book["Benchmark"])
        self.assertEqual(head, "Turns (pooled)")
        expected = sum(rows.mapped("cogs_value")) / sum(rows.mapped("avg_inventory_value"))
        self.assertAlmostEqual(value, expected, places=4)
        self.assertLess(value, sum(rows.mapped("turns")) + 1e-9)
        # The forecast chart is an average (WAPE), the bias is not charted.
        self.assertEqual(headers["Forecast"], "WAPE (average)")
