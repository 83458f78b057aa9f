import base64
import io

import openpyxl
from odoo.addons.stock_segment.tests.common import new_company_user
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import MONTH_END, MONTH_START, KpiCommon


@tagged("post_install", "-at_install")
class TestKpiSecurity(KpiCommon):
    def test_finance_reads_but_cannot_edit(self):
        self.run_march()
        rows = self.Snapshot.with_user(self.finance).search([])
        self.assertTrue(rows)
        rows.read(["avg_inventory_value", "segment_id", "warehouse_id"])
        with self.assertRaises(AccessError):
            rows[0].write({"turns": 99.0})
        with self.assertRaises(AccessError):
            self.Snapshot.with_user(self.finance).create(
                {
                    "period_type": "month",
                    "level": "segment",
                    "date_from": "2025-03-01",
                    "date_to": "2025-03-31",
                    "company_id": self.company.id,
                }
            )
        with self.assertRaises(AccessError):
            rows[0].unlink()

    def test_multi_company_isolation(self):
        self.run_march(companies=self.company | self.company2)
        other = self.Snapshot.sudo().search([("company_id", "=", self.company2.id)])
        self.assertTrue(other, "the other company has its own rows")
        seen = self.Snapshot.with_user(self.finance).search([])
        self.assertTrue(seen)
        self.assertEqual(set(seen.mapped("company_id")), {self.company})
        with self.assertRaises(AccessError):
            other.with_user(self.finance).read(["turns"])
        # Each company's figures come from its own warehouses only.
        row_c = self.month_row(self.prod_c, self.company2)
        self.assertAlmostEqual(row_c.cogs_value, 9.0 * 2.0)

    def test_export_wizard_refuses_other_companies(self):
        """A user of one company who passes another company, or its warehouse or
        segment, to the workbook export gets a clear error, not the other's figures."""
        self.run_march(companies=self.company | self.company2)
        Wizard = self.env["stock.kpi.export.wizard"].with_user(self.finance)
        base = {"date_from": MONTH_START, "date_to": MONTH_END}
        for companies in (self.company2, self.company | self.company2):
            with self.assertRaises(AccessError):
                Wizard.create(dict(base, company_ids=[(6, 0, companies.ids)])).action_export()
        for extra in (
            {"company_ids": [(6, 0, self.company.ids)], "warehouse_ids": [(6, 0, self.wh2.ids)]},
            {"warehouse_ids": [(6, 0, (self.wh | self.wh2).ids)]},
            {"segment_ids": [(6, 0, self.segment2.ids)]},
        ):
            with self.assertRaises(AccessError):
                Wizard.create(dict(base, **extra)).action_export()
        wizard = Wizard.create(dict(base, company_ids=[(6, 0, self.company.ids)]))
        wizard.action_export()
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file_data)))
        companies = {c.value for c in book["Inventory"]["B"][3:] if c.value}
        self.assertEqual(companies, {self.company.name})

    def test_planning_user_exports_only_own_company(self):
        """A plain Planning User of one company: the workbook of the other company is
        refused, and the export of every company the wizard offers holds only rows of
        its own; the other company's rows are not readable."""
        self.run_march(companies=self.company | self.company2)
        buyer = new_company_user(
            self.env, "kpi_buyer", "stock_segment.group_planning_user", self.company
        )
        Wizard = self.env["stock.kpi.export.wizard"].with_user(buyer)
        base = {"date_from": MONTH_START, "date_to": MONTH_END}
        with self.assertRaises(AccessError):
            Wizard.create(dict(base, company_ids=[(6, 0, self.company2.ids)])).action_export()
        with self.assertRaises(AccessError):
            Wizard.create(dict(base, warehouse_ids=[(6, 0, self.wh2.ids)])).action_export()
        wizard = Wizard.create(dict(base))  # default companies: the user's
        wizard.action_export()
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file_data)))
        for sheet in book.worksheets:
            companies = {c.value for c in sheet["B"][3:] if c.value}
            self.assertEqual(companies, {self.company.name}, sheet.title)
        other = self.Snapshot.sudo().search([("company_id", "=", self.company2.id)])
        self.assertFalse(self.Snapshot.with_user(buyer).search([("id", "in", other.ids)]))
        with self.assertRaises(AccessError):
            other.with_user(buyer).read(["turns"])
