"""The controller exports the KPI workbook from the web client."""

import base64
import io

import openpyxl
from odoo.addons.stock_segment.tests.common import new_company_user
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestKpiWorkbookTour(HttpCase):
    def test_controller_exports_the_workbook(self):
        company = self.env.company
        controller = new_company_user(
            self.env, "kpi_controller", "stock_segment_kpi.group_kpi_finance", company
        )
        self.start_tour(
            "/odoo/action-stock_segment_kpi.action_stock_kpi_export_wizard",
            "stock_segment_kpi_workbook_export",
            login=controller.login,
        )
        wizard = self.env["stock.kpi.export.wizard"].search(
            [("create_uid", "=", controller.id)], order="id desc", limit=1
        )
        self.assertTrue(wizard, "the export wizard was saved by the button")
        self.assertTrue(wizard.file_data, "the workbook is produced")
        self.assertTrue(wizard.file_name.endswith(".xlsx"))
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file_data)))
        self.assertEqual(
            book.sheetnames, ["Inventory", "Service", "Forecast", "Working capital", "Benchmark"]
        )
