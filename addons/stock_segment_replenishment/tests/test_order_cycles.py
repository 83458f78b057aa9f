"""Supplier order groups: a vendor's order cycle from joint replenishment becomes the
review days of its items' reorder rules; the minimum order value, a cycle fixed by the
buyer, an item leaving the vendor, access rights and companies."""

import math
from datetime import timedelta

import numpy as np
import pandas as pd
from odoo import fields
from odoo.addons.stock_segment.tests.common import new_company_user
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from invplan.lotsizing import supplier_order_cycles

from .common import TODAY, ReplenishmentCommon

HOLDING = 0.20  # the common segment's holding rate
ORDERING = 40.0  # and ordering cost per order line
# name: (demand per day, unit cost)
ITEMS = {"fast": (40.0, 10.0), "medium": (20.0, 25.0), "slow": (3.0, 8.0), "rare": (0.5, 30.0)}
ORDER_COST = 200.0
MONDAY, WEDNESDAY = "0", "2"


@tagged("post_install", "-at_install")
class TestOrderCycles(ReplenishmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.grouped_vendor = cls.env["res.partner"].create({"name": "Grouped Vendor"})
        cls.items = {}
        for name, (demand, cost) in ITEMS.items():
            product = cls._product(f"cycle {name}", cost, vendor_delay=None)
            cls.env["product.supplierinfo"].create(
                {
                    "partner_id": cls.grouped_vendor.id,
                    "product_tmpl_id": product.product_tmpl_id.id,
                    "delay": 5,
                    "price": cost,
                    "company_id": cls.company.id,
                }
            )
            plan = cls.Profile.create(
                {"product_id": product.id, "warehouse_id": cls.wh.id, "segment_id": cls.segment.id}
            )
            cls.set_forecast(plan, demand, demand / 3.0)
            cls.items[name] = (product, plan)
        cls.cycle = cls.env["stock.vendor.order.cycle"].create(
            {
                "partner_id": cls.grouped_vendor.id,
                "company_id": cls.company.id,
                "order_cost": ORDER_COST,
                "order_weekday": MONDAY,
            }
        )

    def expected(self, **supplier):
        """The engine's cycle on the same inputs, computed here from the fixture's
        numbers (not from what the job read)."""
        table = pd.DataFrame(
            {
                "supplier": "v",
                "annual_demand": [d * 365.0 for d, _c in ITEMS.values()],
                "holding_cost": [HOLDING * c for _d, c in ITEMS.values()],
                "item_order_cost": ORDERING,
                "unit_value": [c for _d, c in ITEMS.values()],
            }
        )
        sup = pd.DataFrame({"order_cost": [ORDER_COST], **supplier}, index=["v"])
        return supplier_order_cycles(table, sup, weekly=True, max_days=182)

    def plans(self):
        plans = self.Profile.browse([plan.id for _p, plan in self.items.values()])
        plans.invalidate_recordset()
        return plans

    def test_cycle_becomes_review_days_of_the_rules(self):
        self.run_job()
        self.cycle.invalidate_recordset()
        item_plan, summary = self.expected()
        base = int(summary.base_days["v"])
        self.assertGreaterEqual(base, 7)
        self.assertEqual(base % 7, 0)
        self.assertEqual(self.cycle.cycle_days, base)
        self.assertEqual(self.cycle.item_count, len(ITEMS))
        self.assertAlmostEqual(self.cycle.annual_cost, summary.annual_cost["v"], places=2)
        self.assertAlmostEqual(
            self.cycle.annual_saving,
            summary.independent_cost["v"] - summary.annual_cost["v"],
            places=2,
        )
        self.assertGreater(self.cycle.annual_saving, 0.0)
        self.assertLess(self.cycle.annual_cost, self.cycle.independent_cost)
        self.assertGreater(item_plan.multiple.max(), 1, "the rare item joins every n-th order")
        anchor = self.cycle._anchor()
        self.assertEqual(anchor.weekday(), 0)
        for (name, (product, plan)), k in zip(self.items.items(), item_plan.multiple, strict=True):
            review = int(k) * base
            self.assertEqual(plan.order_cycle_id, self.cycle, name)
            self.assertEqual(plan.cycle_multiple, int(k), name)
            self.assertEqual(plan.cycle_review_days, review, name)
            # Periodic review: the protection period is lead time + review period.
            self.assertAlmostEqual(plan.policy_protection_days, 5.0 + review, places=6)
            self.assertIn("Vendor order cycle: Grouped Vendor", plan.policy_explanation)
            self.assertIn(f"reviewed every {review} days", plan.policy_explanation)
            op = self.orderpoint(product)
            self.assertTrue(op.active, name)
            self.assertEqual(op.product_max_qty, math.ceil(plan.max_qty - 1e-9), name)
            # Today (a Wednesday) is not an order day: the rule waits, snoozed until the
            # next review, which is a Monday and a whole number of reviews away.
            self.assertEqual(op.trigger, "manual", name)
            self.assertEqual(op.snoozed_until.weekday(), 0, name)
            self.assertGreater(op.snoozed_until, TODAY)
            self.assertEqual((op.snoozed_until - anchor).days % review, 0, name)
        self.assertIn("Orders go out every", self.cycle.explanation)
        # On an order day the rules trigger by themselves.
        monday = min(self.orderpoint(product).snoozed_until for product, _p in self.items.values())
        days_from_epoch = (monday - anchor).days
        due = [
            product
            for name, (product, plan) in self.items.items()
            if days_from_epoch % plan.cycle_review_days == 0
        ]
        self.assertTrue(due)
        self.run_job(today=monday)
        for product in due:
            self.assertEqual(self.orderpoint(product).trigger, "auto")

    def test_minimum_order_value_lengthens_the_cycle(self):
        _plan, free = self.expected()
        minimum = 4.0 * free.order_value["v"]
        self.cycle.min_order_value = minimum
        self.run_job()
        self.cycle.invalidate_recordset()
        _plan, bound = self.expected(min_order_value=[minimum])
        self.assertEqual(self.cycle.set_by, "min_order_value")
        self.assertEqual(self.cycle.cycle_days, int(bound.base_days["v"]))
        self.assertGreater(self.cycle.cycle_days, int(free.base_days["v"]))
        # The smallest order (the items in every order) reaches the minimum.
        plans = self.plans()
        smallest = sum(
            ITEMS[name][0] * ITEMS[name][1] * self.cycle.cycle_days
            for name, plan in zip(ITEMS, plans, strict=True)
            if plan.cycle_multiple == 1
        )
        self.assertGreaterEqual(smallest, minimum * (1 - 1e-9))
        self.assertIn("minimum order value", self.cycle.explanation)

    def test_fixed_cycle_every_n_days(self):
        self.cycle.write(
            {"mode": "fixed", "fixed_cycle_days": 10, "order_on": "days", "anchor_date": TODAY}
        )
        self.run_job()
        self.cycle.invalidate_recordset()
        self.assertEqual(self.cycle.cycle_days, 10)
        self.assertEqual(self.cycle.set_by, "fixed")
        item_plan, _summary = self.expected(fixed_days=[10])
        for plan, k in zip(self.plans(), item_plan.multiple, strict=True):
            self.assertEqual(plan.cycle_review_days, 10 * int(k))
        # Today is the first order day: every rule of the cycle triggers.
        for product, _plan in self.items.values():
            self.assertEqual(self.orderpoint(product).trigger, "auto")
        # The next order day, seen from the real today, is a whole number of cycles away.
        next_day = self.cycle.next_order_date
        self.assertGreaterEqual(next_day, fields.Date.context_today(self.cycle))
        self.assertEqual((next_day - TODAY).days % 10, 0)

    def test_item_leaving_the_vendor_is_released(self):
        self.run_job()
        product, plan = self.items["fast"]
        self.assertEqual(plan.order_cycle_id, self.cycle)
        # Another vendor becomes the main vendor (first line by sequence).
        self.env["product.supplierinfo"].create(
            {
                "partner_id": self.vendor_b.id,
                "product_tmpl_id": product.product_tmpl_id.id,
                "delay": 5,
                "price": 10.0,
                "sequence": 0,
                "company_id": self.company.id,
            }
        )
        self.run_job()
        plan.invalidate_recordset()
        self.assertFalse(plan.order_cycle_id)
        self.assertEqual(plan.cycle_review_days, 0)
        self.assertAlmostEqual(plan.policy_protection_days, 5.0, places=6)
        self.assertNotIn("Vendor order cycle", plan.policy_explanation)
        self.assertEqual(self.orderpoint(product).trigger, "auto")
        self.cycle.invalidate_recordset()
        self.assertEqual(self.cycle.item_count, len(ITEMS) - 1)
        # Archiving the cycle releases every item.
        self.cycle.active = False
        self.run_job()
        self.assertFalse(self.plans().order_cycle_id)

    def test_segment_leaving_periodic_review_releases_its_rules(self):
        """A segment moved from periodic review back to min / max: its rules trigger by
        themselves again, unsnoozed (they stayed manual and snoozed before)."""
        self.segment.write(
            {
                "replenishment_policy": "RS",
                "review_period_days": 7,
                "review_anchor_date": TODAY - timedelta(days=2),
            }
        )
        self.run_job()
        op = self.orderpoint(self.history)
        self.assertEqual((op.trigger, op.snoozed_until), ("manual", TODAY + timedelta(days=5)))
        self.assertTrue(self.profile(self.history).review_calendar)
        self.segment.replenishment_policy = "sS"
        self.run_job()
        op.invalidate_recordset()
        self.assertEqual((op.trigger, op.snoozed_until), ("auto", False))
        self.assertFalse(self.profile(self.history).review_calendar)
        # A buyer's own snooze (Odoo snoozes manual rules only) is not the calendar's.
        op.trigger = "manual"
        op.snoozed_until = TODAY + timedelta(days=3)
        self.run_job()
        op.invalidate_recordset()
        self.assertEqual((op.trigger, op.snoozed_until), ("manual", TODAY + timedelta(days=3)))

    def test_no_item_is_an_issue_not_a_crash(self):
        lonely = self.env["res.partner"].create({"name": "Vendor without items"})
        cycle = self.env["stock.vendor.order.cycle"].create(
            {"partner_id": lonely.id, "company_id": self.company.id, "order_cost": 50.0}
        )
        self.run_job()
        cycle.invalidate_recordset()
        self.assertEqual(cycle.cycle_days, 0)
        self.assertIn("No item has this vendor", cycle.issue)
        self.assertIn("not computed", cycle.message_ids[0].body)

    def test_absurd_values_refused(self):
        Cycle = self.env["stock.vendor.order.cycle"].with_user(self.manager)
        for vals in (
            {"order_cost": 1e15},
            {"order_cost": -5.0},
            {"min_order_value": 1e15},
            {"mode": "fixed", "fixed_cycle_days": 10_000},
            {"max_review_days": 3},
        ):
            with self.assertRaises(ValidationError, msg=str(vals)):
                Cycle.create(
                    {"partner_id": self.vendor_b.id, "company_id": self.company.id, **vals}
                )

    def test_access_rights_and_companies(self):
        # A planning user reads the cycle, from the vendor's form too, but cannot change it.
        cycle = self.cycle.with_user(self.user)
        self.assertEqual(cycle.partner_id, self.grouped_vendor)
        partner = self.grouped_vendor.with_user(self.user)
        action = partner.action_view_order_cycle()
        self.assertEqual(action["res_id"], self.cycle.id)
        self.run_job()
        partner.invalidate_recordset()
        self.assertEqual(partner.order_cycle_days, self.cycle.cycle_days)
        with self.assertRaises(AccessError):
            cycle.write({"order_cost": 10.0})
        with self.assertRaises(AccessError):
            self.env["stock.vendor.order.cycle"].with_user(self.user).create(
                {"partner_id": self.vendor_b.id, "company_id": self.company.id}
            )
        with self.assertRaises(UserError):
            cycle.action_compute_now()
        # Nobody writes the job's results on a plan.
        _product, plan = self.items["fast"]
        for vals in ({"cycle_review_days": 3}, {"order_cycle_id": False}):
            with self.assertRaises(AccessError, msg=str(vals)):
                plan.with_user(self.manager).write(vals)
        # A manager changes the terms and recomputes now, as the form's button does.
        manager_cycle = self.cycle.with_user(self.manager)
        manager_cycle.write({"mode": "fixed", "fixed_cycle_days": 14})
        manager_cycle.action_compute_now()
        self.assertEqual(self.cycle.cycle_days, 14)
        self.assertEqual(plan.cycle_review_days % 14, 0)
        # Another company's cycle for the same vendor is its own, and out of sight.
        other = self.env["res.company"].create({"name": "Other Cycle Co"})
        theirs = self.env["stock.vendor.order.cycle"].create(
            {"partner_id": self.grouped_vendor.id, "company_id": other.id, "order_cost": 5.0}
        )
        other_user = new_company_user(
            self.env, "cycle_other", "stock_segment.group_planning_user", other
        )
        seen = self.env["stock.vendor.order.cycle"].with_user(self.user).search([])
        self.assertIn(self.cycle, seen)
        self.assertNotIn(theirs, seen)
        self.assertEqual(
            self.env["stock.vendor.order.cycle"].with_user(other_user).search([]), theirs
        )
        # The other company's (empty) cycle run does not touch this company's plans.
        self.Profile.sudo()._run_replenishment(companies=other, today=TODAY)
        self.assertEqual(plan.order_cycle_id, self.cycle)
        self.assertTrue(np.isfinite(plan.max_qty))
