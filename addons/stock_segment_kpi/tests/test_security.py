from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import KpiCommon


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
