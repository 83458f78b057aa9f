"""Promised dates on sale order lines against a hand-built time-phased plan."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import ExecutionCommon

LEAD_TIME = 14


def hand_promise(qty, on_hand, receipts, committed, protected, lead_time, horizon=40):
    """Cumulative ATP with look-ahead, by hand: net position per day, the least future
    position from each day on, the first day it covers the line above the protected
    quantity, else the replenishment lead time."""
    net = []
    position = on_hand
    for day in range(horizon):
        position += receipts.get(day, 0.0) - committed.get(day, 0.0)
        net.append(position)
    supply_day = next((day for day in range(horizon) if min(net[day:]) - protected >= qty), None)
    return lead_time if supply_day is None else min(supply_day, lead_time)


@tagged("post_install", "-at_install")
class TestPromising(ExecutionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.cr.execute(
            "UPDATE stock_planning_profile SET lead_time_days = %s, critical_level_qty = 5"
            " WHERE id = %s",
            [LEAD_TIME, cls.plan.id],
        )
        cls.plan.invalidate_recordset()
        cls.today = fields.Date.context_today(cls.env["sale.order"])
        cls.set_stock(10)
        # A delivery to another customer tomorrow (8) and a receipt in 3 days (20).
        out = cls.delivery(cls.no_tier, 8, confirm=False)
        out.scheduled_date = fields.Datetime.now() + timedelta(days=1)
        out.action_confirm()
        receipt = cls.env["stock.picking"].create(
            {
                "picking_type_id": cls.warehouse.in_type_id.id,
                "location_id": cls.supplier_loc.id,
                "location_dest_id": cls.stock.id,
                "scheduled_date": fields.Datetime.now() + timedelta(days=3),
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": cls.product.id,
                            "product_uom_qty": 20,
                            "location_id": cls.supplier_loc.id,
                            "location_dest_id": cls.stock.id,
                        },
                    )
                ],
            }
        )
        receipt.action_confirm()
        cls.receipts = {3: 20.0}
        cls.committed = {1: 8.0}

    def quotation(self, tier, qty):
        return self.env["sale.order"].create(
            {
                "partner_id": self.partners[tier].id,
                "company_id": self.company.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [(0, 0, {"product_id": self.product.id, "product_uom_qty": qty})],
            }
        )

    def test_promised_date_equals_hand_computation(self):
        for tier, protected in ((self.strategic, 0.0), (self.spot, 5.0)):
            order = self.quotation(tier, 18)
            order.action_promise_dates()
            day = hand_promise(18, 10.0, self.receipts, self.committed, protected, LEAD_TIME)
            self.assertEqual(
                order.order_line.promised_date, self.today + timedelta(days=day), tier.name
            )
        # The two cases differ: the strategic line from the receipt on day 3, the spot
        # line (5 protected) only after the lead time.
        self.assertEqual(hand_promise(18, 10.0, self.receipts, self.committed, 0.0, LEAD_TIME), 3)
        self.assertEqual(
            hand_promise(18, 10.0, self.receipts, self.committed, 5.0, LEAD_TIME), LEAD_TIME
        )

    def test_sla_warning_shown(self):
        order = self.quotation(self.spot, 18)
        order.action_promise_dates()
        self.assertTrue(order.order_line.promise_sla_missed)
        self.assertTrue(order.promise_sla_missed)
        self.assertIn("10 days", order.order_line.promise_note)
        small = self.quotation(self.spot, 2)
        small.action_promise_dates()
        # 2 free today but 5 protected: the spot line waits for the receipt on day 3.
        day = hand_promise(2, 10.0, self.receipts, self.committed, 5.0, LEAD_TIME)
        self.assertEqual(day, 3)
        self.assertEqual(small.order_line.promised_date, self.today + timedelta(days=day))
        self.assertTrue(small.order_line.promise_from_stock)
        self.assertFalse(small.order_line.promise_sla_missed)

    def test_confirmation_promises_and_untiered_is_safe(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.no_tier.id,
                "company_id": self.company.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    (0, 0, {"product_id": self.product.id, "product_uom_qty": 1}),
                    (0, 0, {"product_id": self.unplanned.id, "product_uom_qty": 3}),
                ],
            }
        )
        order.action_confirm()
        planned, unplanned = order.order_line
        self.assertEqual(planned.promised_date, self.today)
        # No stock, no receipt, no lead time: no date, a note, no crash.
        self.assertFalse(unplanned.promised_date)
        self.assertTrue(unplanned.promise_note)
        self.assertFalse(unplanned.promise_sla_missed)
