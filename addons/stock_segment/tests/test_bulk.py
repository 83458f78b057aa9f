"""The bulk insert's company check against Odoo's own, record by record."""

import random

from odoo.addons.stock_segment.bulk import check_company, insert_records
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import StockSegmentCommon


@tagged("post_install", "-at_install")
class TestBulkCompanyCheck(StockSegmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.env["res.company"].create({"name": "Bulk check other company"})
        cls.env.user.company_ids |= cls.other
        cls.other_wh = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.other.id)], limit=1
        )
        cls.items = [
            cls._create_product(f"bulk check {i}", 10.0, 5.0, company=cls.company) for i in range(6)
        ]

    def _insert(self, pairs):
        return insert_records(
            self.env["stock.planning.profile"],
            [
                {"product_id": p.id, "warehouse_id": wh.id, "company_id": wh.company_id.id}
                for p, wh in pairs
            ],
        )

    def test_two_companies_in_one_insert(self):
        """Plans of two companies for products shared by both pass, as with create."""
        plans = self._insert([(p, self.wh1) for p in self.items] + [(self.items[0], self.other_wh)])
        self.assertEqual(len(plans), 7)
        self.assertEqual(set(plans.company_id.ids), {self.company.id, self.other.id})

    def test_refused_with_odoo_s_message(self):
        """A plan of one company for a product of the other is refused with the message
        Odoo's create gives for the same values."""
        product = self.items[1]
        product.company_id = self.company
        vals = {"product_id": product.id, "warehouse_id": self.other_wh.id}
        with self.assertRaises(UserError) as odoo_refusal, self.env.cr.savepoint():
            self.env["stock.planning.profile"].create(vals)
        with self.assertRaises(UserError) as bulk_refusal, self.env.cr.savepoint():
            self._insert([(self.items[0], self.wh1), (product, self.other_wh)])
        self.assertIn("company", str(bulk_refusal.exception).lower())
        self.assertEqual(str(bulk_refusal.exception), str(odoo_refusal.exception))

    def test_same_verdict_as_odoo_on_random_mixes(self):
        """Over random mixes of companies on plans and products, the set-based check
        refuses exactly when Odoo's record-by-record check refuses."""
        plans = self._insert(
            [(p, wh) for p in self.items for wh in (self.wh1, self.wh2, self.other_wh)]
        )
        rng = random.Random(7)
        choices = [False, self.company.id, self.other.id]
        verdicts = set()
        for _ in range(30):
            for product in self.items:
                product.company_id = rng.choices(choices, weights=[6, 1, 1])[0]
            sample = plans.browse(rng.sample(plans.ids, rng.randint(1, len(plans))))
            refused = []
            for check in (check_company, lambda recs: recs._check_company()):
                try:
                    check(sample)
                    refused.append(False)
                except UserError:
                    refused.append(True)
            self.assertEqual(refused[0], refused[1])
            verdicts.add(refused[0])
        # The draws met both verdicts: the comparison could fail either way.
        self.assertEqual(verdicts, {True, False})
