"""Cycle count dates from the segment frequency, record accuracy and its exception."""

import math
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import ExecutionCommon


def working_days(start, count):
    """Monday to Friday from ``start`` on (the default company calendar)."""
    dates, day = [], start
    while len(dates) < count:
        if day.weekday() < 5:
            dates.append(day)
        day += timedelta(days=1)
    return dates


@tagged("post_install", "-at_install")
class TestCycleCounts(ExecutionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.segment.write(
            {
                "cycle_counts_per_year": 10,
                "count_abs_tolerance": 1.0,
                "record_accuracy_target": 90.0,
            }
        )
        cls.segment_c = cls.env["stock.segment"].create(
            {
                "name": "Execution C",
                "code": "EC",
                "company_id": cls.company.id,
                "cycle_counts_per_year": 1,
            }
        )
        Product = cls.env["product.product"].with_company(cls.company)
        cls.a_products = cls.product | Product.create(
            [
                {"name": f"Execution A{k}", "is_storable": True, "standard_price": 10.0}
                for k in range(2)
            ]
        )
        cls.c_product = Product.create(
            {"name": "Execution C0", "is_storable": True, "standard_price": 1.0}
        )
        Profile = cls.env["stock.planning.profile"]
        for product in cls.a_products[1:]:
            Profile.create(
                {
                    "product_id": product.id,
                    "warehouse_id": cls.warehouse.id,
                    "segment_id": cls.segment.id,
                }
            )
        Profile.create(
            {
                "product_id": cls.c_product.id,
                "warehouse_id": cls.warehouse.id,
                "segment_id": cls.segment_c.id,
            }
        )
        for product in cls.a_products | cls.c_product | cls.unplanned:
            cls.set_stock(20, product)
        cls.today = fields.Date.context_today(cls.env["stock.quant"])

    def quant(self, product):
        return self.env["stock.quant"].search(
            [("product_id", "=", product.id), ("location_id", "=", self.stock.id)]
        )

    def test_dates_follow_segment_frequency(self):
        """Three A items (10 a year: every T = 250/10 = 25 working days) get evenly spaced
        phases floor(j/3 * T); the C item is due today, the unplanned product keeps Odoo's
        date."""
        untouched = self.quant(self.unplanned).inventory_date
        self.env["stock.quant"]._schedule_cycle_counts(companies=self.company, day=self.today)
        interval = 250 / 10
        calendar = working_days(self.today, 300)
        index = {date: k for k, date in enumerate(calendar)}
        got = sorted(index[self.quant(p).inventory_date] for p in self.a_products)
        # Evenly spaced phases floor(j/3 * T), possibly rotated within the interval to
        # even out the load with the other classes.
        phases = [math.floor(j / 3 * interval) for j in range(3)]
        rotations = [sorted((p + r) % 25 for p in phases) for r in range(25)]
        self.assertIn(got, rotations)
        self.assertEqual(len(set(got)), 3)
        self.assertLess(index[self.quant(self.c_product).inventory_date], 250)
        self.assertEqual(self.quant(self.unplanned).inventory_date, untouched)

    def test_count_records_accuracy_and_next_date(self):
        quant = self.quant(self.product)
        quant.inventory_quantity = 17.0  # 3 off, tolerance 1
        quant.action_apply_inventory()
        result = self.env["stock.count.result"].search([("product_id", "=", self.product.id)])
        self.assertEqual(len(result), 1)
        self.assertFalse(result.within_tolerance)
        self.assertEqual(result.adjustment_qty, -3.0)
        self.assertAlmostEqual(result.adjustment_value, -36.0)  # cost 12
        self.assertEqual(result.segment_id, self.segment)
        # Next count one interval (25 working days) after today.
        self.assertEqual(quant.inventory_date, working_days(self.today + timedelta(days=1), 25)[-1])
        other = self.quant(self.a_products[1])
        other.inventory_quantity = 20.5  # within 1 unit
        other.action_apply_inventory()
        # One of two counts within tolerance: 50% < 90% target -> exception.
        self.env["stock.count.result"]._check_accuracy(self.company, self.today)
        exc = self.env["stock.planning.exception"].search(
            [("exception_type", "=", "count_accuracy"), ("segment_id", "=", self.segment.id)]
        )
        self.assertEqual(len(exc), 1)
        self.assertIn("50.0%", exc.message)
        # Rerun: no duplicate.
        self.env["stock.count.result"]._check_accuracy(self.company, self.today)
        self.assertEqual(
            self.env["stock.planning.exception"].search_count(
                [("exception_type", "=", "count_accuracy"), ("segment_id", "=", self.segment.id)]
            ),
            1,
        )
