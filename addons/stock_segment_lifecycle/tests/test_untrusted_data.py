"""Data the aging and the provisions must not trust: reruns write nothing, a cost that is
not a finite number is a data-quality finding, and quarantined or implausible values never
reach a stock value, a provision or an entry."""

import math
from datetime import timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import TODAY, LifecycleCommon


@tagged("post_install", "-at_install")
class TestUntrustedData(LifecycleCommon):
    def snapshot(self):
        """Physical row versions (ctid) of everything the aging job writes: any insert,
        update or delete changes it, even inside one transaction."""
        self.env.flush_all()
        out = {}
        for table, column, value in (
            ("stock_aging_report", "company_id", self.company.id),
            ("stock_planning_profile", "company_id", self.company.id),
            ("stock_reuse_suggestion", "company_id", self.company.id),
            ("stock_planning_exception", "company_id", self.company.id),
            ("stock_provision_proposal", "company_id", self.company.id),
            ("stock_provision_proposal_line", "company_id", self.company.id),
        ):
            self.env.cr.execute(
                SQL(
                    "SELECT id, ctid::text FROM %s WHERE %s = %s ORDER BY id",
                    SQL.identifier(table),
                    SQL.identifier(column),
                    value,
                )
            )
            out[table] = self.env.cr.fetchall()
        return out

    def set_cost(self, product, text):
        """A cost as stored by a broken import: NaN or Infinity in the JSON text."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """UPDATE product_product
                      SET standard_price = COALESCE(standard_price, '{}'::jsonb)
                                           || jsonb_build_object(%s, %s::text)
                    WHERE id = %s""",
                str(self.company.id),
                text,
                product.id,
            )
        )
        self.env.invalidate_all()

    def open_exceptions(self, product, exc_type):
        return self.Exception.sudo().search(
            [
                ("product_id", "=", product.id),
                ("exception_type", "=", exc_type),
                ("state", "in", ("new", "in_progress")),
            ]
        )

    # ------------------------------------------------------------------ reruns
    def test_rerun_on_unchanged_data_writes_nothing(self):
        self.old.product_tmpl_id.successor_product_id = self.fast
        self.profile(self.fast).sudo().write({"reorder_point_qty": 500, "max_qty": 600})
        self.run_aging()
        self.Proposal.sudo()._propose_provisions(self.company, today=TODAY)
        before = self.snapshot()
        self.assertTrue(before["stock_aging_report"])
        self.assertTrue(before["stock_planning_exception"])
        self.assertTrue(before["stock_reuse_suggestion"])
        self.assertTrue(before["stock_provision_proposal_line"])
        self.run_aging()
        self.Proposal.sudo()._propose_provisions(self.company, today=TODAY)
        self.assertEqual(self.snapshot(), before)
        # A new receipt changes the rows of that product only.
        rows_old = self.report_rows(self.old).ids
        self.insert_moves([(self.fast, 5.0, TODAY)])
        self.run_aging()
        self.assertEqual(self.report_rows(self.old).ids, rows_old)
        self.assertEqual(
            sum(self.report_rows(self.fast).mapped("quantity")),
            sum(q for p, q, _d in self.moves if p == self.fast) + 5.0,
        )

    # ------------------------------------------------------------------ NaN / inf
    def test_non_finite_cost_is_a_data_quality_exception(self):
        self.set_cost(self.mixed, "NaN")
        self.set_cost(self.fast, "Infinity")
        self.run_aging()
        for product in (self.mixed, self.fast):
            self.assertFalse(self.open_exceptions(product, "job_failure"))
            exc = self.open_exceptions(product, "data_quality")
            self.assertEqual(len(exc), 1, product.name)
            self.assertIn(product.display_name, exc.message)
            self.assertIn("cost", exc.message)
            plan = self.profile(product)
            self.assertEqual(plan.aging_value, 0.0)
            self.assertTrue(math.isfinite(plan.onhand_coverage_days))
            rows = self.report_rows(product)
            self.assertTrue(rows)
            self.assertTrue(all(r.left_out and r.value == 0.0 for r in rows))
        # The rest of the batch is aged and valued normally.
        old_rows = self.report_rows(self.old)
        self.assertAlmostEqual(
            sum(old_rows.mapped("value")), 30.0 * sum(old_rows.mapped("quantity"))
        )
        self.assertFalse(any(old_rows.mapped("left_out")))

    # ------------------------------------------------------------------ money
    def test_quarantined_plan_does_not_reach_money(self):
        self.old.with_company(self.company).standard_price = 1e15
        # Without the quarantine, the obsolete stock would be offered to its successor.
        self.old.product_tmpl_id.successor_product_id = self.fast
        self.profile(self.fast).sudo().write({"reorder_point_qty": 500, "max_qty": 600})
        plan = self.profile(self.old)
        plan.sudo().write({"data_quarantine": True})
        self.run_aging()
        self.assertFalse(
            self.env["stock.reuse.suggestion"].sudo().search([("source_profile_id", "=", plan.id)])
        )
        self.assertEqual(plan.aging_value, 0.0)
        self.assertIn("quarantined", plan.aging_note)
        rows = self.report_rows(self.old)
        self.assertTrue(rows)
        self.assertTrue(all(r.left_out and r.value == 0.0 and r.unit_cost == 0.0 for r in rows))
        proposals = self.Proposal.sudo()._propose_provisions(self.company, today=TODAY)
        self.assertTrue(all(abs(p.amount) < 1e6 for p in proposals))
        quarantined = proposals.filtered(lambda p: p.segment_id == self.segment_b)
        self.assertEqual(len(quarantined), 1)
        self.assertFalse(quarantined.line_ids)
        self.assertEqual(quarantined.amount, 0.0)
        self.assertEqual(quarantined.adjustment_amount, 0.0)
        self.assertIn(self.old.display_name, quarantined.left_out_note)
        self.assertIn("data to check", quarantined.left_out_note)
        # The other segment is provided for as usual.
        other = proposals - quarantined
        self.assertTrue(other.line_ids)
        self.assertFalse(other.left_out_note)

    def test_absurd_cost_without_quarantine_is_left_out(self):
        self.old.with_company(self.company).standard_price = 1e15
        self.old.product_tmpl_id.successor_product_id = self.fast
        self.profile(self.fast).sudo().write({"reorder_point_qty": 500, "max_qty": 600})
        self.run_aging()
        offered = (
            self.env["stock.reuse.suggestion"]
            .sudo()
            .search([("source_profile_id", "=", self.profile(self.old).id)])
        )
        self.assertTrue(offered)
        self.assertTrue(all(abs(v) <= 1e12 for v in offered.mapped("value")))
        plan = self.profile(self.old)
        self.assertEqual(plan.aging_value, 0.0)
        exc = self.open_exceptions(self.old, "data_quality")
        self.assertEqual(len(exc), 1)
        self.assertIn(self.old.display_name, exc.message)
        self.assertIn("stock value", exc.message)
        proposals = self.Proposal.sudo()._propose_provisions(self.company, today=TODAY)
        self.assertTrue(all(abs(p.amount) < 1e6 for p in proposals))
        self.assertIn(
            self.old.display_name,
            proposals.filtered(lambda p: p.segment_id == self.segment_b).left_out_note,
        )

    def test_provision_above_plausible_maximum_is_refused(self):
        self.run_aging()
        icp = self.env["ir.config_parameter"].sudo()
        icp.set_param("stock_segment.plausibility_max_amount", 50)
        proposals = self.Proposal.sudo()._propose_provisions(self.company, today=TODAY)
        self.assertTrue(proposals)
        self.assertTrue(all(abs(a) <= 50 for a in proposals.line_ids.mapped("amount")))
        self.assertTrue(any("plausib" in (p.left_out_note or "") for p in proposals))
        icp.set_param("stock_segment.plausibility_max_amount", 1e12)
        proposals = self.Proposal.sudo()._propose_provisions(self.company, today=TODAY)
        proposal = proposals.filtered(lambda p: p.segment_id == self.segment_b)
        self.assertGreater(proposal.amount, 0)
        # An amount that is not plausible is never approved, whoever approves.
        proposal.sudo().write({"amount": 7.4e17})
        with self.assertRaisesRegex(UserError, "not plausible"):
            proposal.with_user(self.finance_manager).action_approve()
        self.assertEqual(proposal.state, "draft")

    # ------------------------------------------------------------------ wizards
    def test_disposal_and_last_time_buy_against_a_quarantined_plan(self):
        self.profile(self.old).sudo().write({"data_quarantine": True})
        disposal = (
            self.env["stock.disposal"]
            .with_user(self.buyer)
            .create(
                {
                    "product_id": self.old.id,
                    "warehouse_id": self.wh.id,
                    "company_id": self.company.id,
                    "quantity": 2.0,
                    "unit_cost": 30.0,
                }
            )
        )
        with self.assertRaises(AccessError):
            disposal.with_user(self.buyer).action_done()
        with self.assertRaisesRegex(UserError, "quarantined"):
            disposal.with_user(self.manager).action_done()
        self.assertEqual(disposal.state, "draft")
        self.assertFalse(disposal.scrap_id)

        vendor = self.env["res.partner"].create({"name": "Quarantine vendor"})
        wizard = (
            self.env["stock.last.time.buy"]
            .with_user(self.buyer)
            .create(
                {
                    "product_id": self.old.id,
                    "warehouse_id": self.wh.id,
                    "vendor_id": vendor.id,
                    "service_end_date": self.env["stock.planning.run"]._planning_day()
                    + timedelta(days=730),
                    "demand_per_month": 10.0,
                    "unit_cost": 20.0,
                    "holding_cost": 4.0,
                    "shortage_cost": 100.0,
                }
            )
        )
        self.assertIn("quarantined", wizard.message)
        with self.assertRaisesRegex(UserError, "quarantined"):
            wizard.action_confirm()
        self.assertFalse(
            self.env["purchase.order.line"].sudo().search([("product_id", "=", self.old.id)])
        )
