"""Vendor price breaks in the order quantity: the break taken when it pays, the saving
against the EOQ at the base price, untrusted price list lines left out and explained."""

import math

from odoo.addons.stock_segment.tests.common import backdate_rows, rewritten_rows
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL

from invplan.policy import compute_policy

from .common import ReplenishmentCommon

HOLDING = 0.20  # the common segment's holding rate
ORDERING = 40.0  # and ordering cost
BREAKS = [(1.0, 10.0), (100.0, 9.0), (500.0, 8.5)]


def annual_cost(q, price, demand):
    """Purchase + ordering + holding per year of ordering q at the unit price."""
    return demand * price + demand * ORDERING / q + HOLDING * price * q / 2.0


def price_at(q):
    return min(c for m, c in BREAKS if m <= q)


@tagged("post_install", "-at_install")
class TestPriceBreaks(ReplenishmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bulk = cls._product("price breaks", 10.0, vendor_delay=None)
        cls.lines = cls.env["product.supplierinfo"].create(
            [
                {
                    "partner_id": cls.vendor.id,
                    "product_tmpl_id": cls.bulk.product_tmpl_id.id,
                    "delay": 5,
                    "min_qty": min_qty,
                    "price": price,
                    "company_id": cls.company.id,
                    "currency_id": cls.company.currency_id.id,
                }
                for min_qty, price in BREAKS
            ]
        )
        cls.plan = cls.Profile.create(
            {"product_id": cls.bulk.id, "warehouse_id": cls.wh.id, "segment_id": cls.segment.id}
        )

    def _run(self, demand):
        self.set_forecast(self.plan, demand, demand / 3.0)
        self.run_job()
        self.plan.invalidate_recordset()
        return self.plan

    def test_break_taken_when_it_pays(self):
        plan = self._run(10.0)
        self.assertEqual(plan.policy_status, "ok")
        # Hand computation: the EOQ at the base price 10.00 falls in the 100 break (so it
        # is bought at 9.00); ordering 500 at 8.50 costs less.
        D = 10.0 * 365.0
        q0 = math.sqrt(2 * D * ORDERING / (HOLDING * 10.0))
        self.assertTrue(100.0 <= q0 < 500.0)
        base = annual_cost(q0, price_at(q0), D)
        # All units: in each break, the EOQ at its price raised to its minimum quantity,
        # kept when it stays below the next break.
        candidates = []
        for k, (m, c) in enumerate(BREAKS):
            q = max(math.sqrt(2 * D * ORDERING / (HOLDING * c)), m)
            if k + 1 == len(BREAKS) or q < BREAKS[k + 1][0]:
                candidates.append(annual_cost(q, c, D))
        best = min(candidates)
        taken = annual_cost(500.0, 8.5, D)
        self.assertAlmostEqual(best, taken)
        self.assertAlmostEqual(plan.order_qty, 500.0, places=4)
        self.assertAlmostEqual(plan.price_break_min_qty, 500.0)
        self.assertAlmostEqual(plan.price_break_price, 8.5)
        self.assertAlmostEqual(plan.price_break_saving, base - taken, places=3)
        self.assertGreater(plan.price_break_saving, 1000.0)
        # The max is s + Q, and the reorder rule carries it rounded up.
        self.assertAlmostEqual(plan.max_qty - plan.reorder_point_qty, 500.0, places=4)
        op = self.orderpoint(self.bulk)
        self.assertEqual(op.product_min_qty, math.ceil(plan.reorder_point_qty - 1e-9))
        self.assertEqual(op.product_max_qty, math.ceil(plan.max_qty - 1e-9))
        proposal = self.Proposal.search([("profile_id", "=", plan.id)], order="id desc", limit=1)
        self.assertEqual(proposal.new_max_qty, op.product_max_qty)
        text = plan.policy_explanation
        self.assertIn("The break from 500 at 8.50 pays", text)
        self.assertIn(
            f"(bought at 9.00, the price of that quantity), a saving of {base - taken:.2f} a year",
            text,
        )

    def test_no_break_when_it_does_not_pay(self):
        plan = self._run(0.05)
        self.assertEqual(plan.policy_status, "ok")
        D = 0.05 * 365.0
        q0 = math.sqrt(2 * D * ORDERING / (HOLDING * 10.0))
        self.assertLess(q0, 100.0)
        self.assertGreater(annual_cost(100.0, 9.0, D), annual_cost(q0, 10.0, D))
        expected = compute_policy(
            0.05,
            0.05 / 3.0,
            5.0,
            policy="sS",
            unit_cost=10.0,
            holding_rate=HOLDING,
            ordering_cost=ORDERING,
            error_std=0.05 / 3.0,
        ).iloc[0]
        self.assertAlmostEqual(plan.order_qty, expected["order_qty"], places=4)
        self.assertAlmostEqual(plan.order_qty, q0, places=4)
        self.assertEqual(plan.price_break_min_qty, 0.0)
        self.assertEqual(plan.price_break_price, 0.0)
        self.assertEqual(plan.price_break_saving, 0.0)
        self.assertIn("No break pays", plan.policy_explanation)
        self.assertIn("Saving 0", plan.policy_explanation)

    def test_untrusted_lines_ignored_and_explained(self):
        bad = self.env["product.supplierinfo"].create(
            [
                {
                    "partner_id": self.vendor.id,
                    "product_tmpl_id": self.bulk.product_tmpl_id.id,
                    "delay": 5,
                    "min_qty": min_qty,
                    "price": 1.0,
                    "company_id": self.company.id,
                    "currency_id": self.company.currency_id.id,
                }
                for min_qty in (50.0, 1000.0, 200.0)
            ]
        )
        self.env.flush_all()
        # Not a number, negative, and a dearer price at a higher quantity.
        for line, price in zip(bad, ("NaN", "-4", "9.5"), strict=True):
            self.env.cr.execute(
                SQL(
                    "UPDATE product_supplierinfo SET price = %s::numeric WHERE id = %s",
                    price,
                    line.id,
                )
            )
        self.env.invalidate_all()
        plan = self._run(10.0)
        self.assertEqual(plan.policy_status, "ok")
        self.assertAlmostEqual(plan.order_qty, 500.0, places=4)
        self.assertAlmostEqual(plan.price_break_price, 8.5)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT count(*) FROM stock_planning_profile
                    WHERE company_id = %s
                      AND ('NaN' IN (price_break_min_qty, price_break_price,
                                     price_break_saving, order_qty, max_qty))""",
                self.company.id,
            )
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.assertTrue(all(math.isfinite(plan[f]) for f in ("price_break_saving", "max_qty")))
        text = plan.policy_explanation
        self.assertIn("Data quality of the price list", text)
        self.assertIn("the line from 50 at nan is ignored: its price is not a number", text)
        self.assertIn("the line from 1000 at -4 is ignored: its price is negative", text)
        self.assertIn("the line from 200 at 9.5 is ignored", text)
        self.assertIn("minimum quantities must rise as prices fall", text)

    def test_rerun_on_unchanged_data_writes_nothing(self):
        self._run(10.0)
        self.assertAlmostEqual(self.plan.price_break_min_qty, 500.0)
        self.env.flush_all()
        tables = (
            "stock_planning_profile",
            "stock_warehouse_orderpoint",
            "stock_replenishment_proposal",
        )
        before = backdate_rows(self.env, tables, self.company.id)
        stats = self.run_job()
        self.assertEqual(stats["proposals"], 0)
        self.assertEqual(rewritten_rows(self.env, tables, self.company.id, before), {})

    def test_planning_user_cannot_write_break_fields(self):
        self._run(10.0)
        for vals in (
            {"price_break_min_qty": 1.0},
            {"price_break_price": 1.0},
            {"price_break_saving": 0.0},
        ):
            with self.assertRaises(AccessError, msg=str(vals)):
                self.plan.with_user(self.user).write(vals)
        self.plan.invalidate_recordset()
        self.assertAlmostEqual(self.plan.price_break_min_qty, 500.0)

    def test_other_company_line_not_read(self):
        """A cheaper break of the same vendor for another company is not this company's
        price: the plan keeps 500 at 8.50."""
        other = self.env["res.company"].create({"name": "Price Breaks Other Co"})
        self.env["product.supplierinfo"].create(
            {
                "partner_id": self.vendor.id,
                "product_tmpl_id": self.bulk.product_tmpl_id.id,
                "delay": 5,
                "min_qty": 300.0,
                "price": 5.0,
                "company_id": other.id,
                "currency_id": self.company.currency_id.id,
            }
        )
        plan = self._run(10.0)
        self.assertAlmostEqual(plan.price_break_min_qty, 500.0)
        self.assertAlmostEqual(plan.price_break_price, 8.5)
        self.assertNotIn("5.00", plan.policy_explanation.split("Price breaks", 1)[1])
