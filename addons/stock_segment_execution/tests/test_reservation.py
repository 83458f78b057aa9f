"""Reservation order by customer tier and segment, protected stock, cancellations."""

from odoo.tests import tagged

from .common import ExecutionCommon


@tagged("post_install", "-at_install")
class TestReservation(ExecutionCommon):
    def test_received_stock_goes_to_the_higher_tier_first(self):
        """Three sale orders wait for stock, the spot customer's first; a receipt of 5
        units reserves the key customer's delivery, not the spot customer's."""
        spot = self.sale(self.partners[self.spot], 5)
        standard = self.sale(self.partners[self.standard], 5)
        key = self.sale(self.partners[self.key], 5)
        for order in (spot, standard, key):
            self.assertEqual(order.picking_ids.state, "confirmed")
        self.receive(5)
        self.assertEqual(key.picking_ids.state, "assigned")
        self.assertEqual(spot.picking_ids.move_ids.quantity, 0.0)
        self.assertEqual(standard.picking_ids.move_ids.quantity, 0.0)
        # What the user sees: the tier on the order, the picking and the move.
        self.assertEqual(key.customer_tier_id, self.key)
        self.assertEqual(key.picking_ids.customer_tier_id, self.key)
        self.assertEqual(key.picking_ids.move_ids.customer_tier_id, self.key)
        self.assertEqual(key.picking_ids.move_ids.planning_segment_id, self.segment)

    def test_strategic_deliveries_are_starred(self):
        strategic = self.sale(self.partners[self.strategic], 1)
        standard = self.sale(self.partners[self.standard], 1)
        self.assertEqual(strategic.picking_ids.priority, "1")
        self.assertEqual(standard.picking_ids.priority, "0")

    def test_batch_assignment_follows_the_rank(self):
        """Pickings assigned together (the scheduler's way) are reserved by rank."""
        pickings = [
            self.delivery(self.partners[tier], 4) for tier in (self.spot, self.standard, self.key)
        ]
        self.set_stock(6)
        moves = pickings[0].move_ids | pickings[1].move_ids | pickings[2].move_ids
        moves._action_assign()
        self.assertEqual(pickings[2].move_ids.quantity, 4.0)  # key
        self.assertEqual(pickings[1].move_ids.quantity, 2.0)  # standard
        self.assertEqual(pickings[0].move_ids.quantity, 0.0)  # spot

    def test_protected_stock_refused_to_spot(self):
        """Free stock 8, critical level 8: the spot customer's delivery waits, with a
        message in the chatter; the strategic customer's is reserved."""
        self.plan.sudo().critical_level_qty = 8.0
        self.set_stock(8)
        spot = self.delivery(self.partners[self.spot], 3)
        self.assertEqual(spot.move_ids.quantity, 0.0)
        self.assertTrue(spot.move_ids.protected_wait)
        self.assertTrue(spot.protected_wait)
        self.assertIn(spot, self.env["stock.picking"].search([("protected_wait", "=", True)]))
        self.assertIn("critical level", spot.message_ids[:1].body)
        # Above the critical level only the excess is given.
        self.set_stock(2)
        spot.action_assign()
        self.assertEqual(spot.move_ids.quantity, 2.0)
        strategic = self.delivery(self.partners[self.strategic], 7)
        self.assertEqual(strategic.move_ids.quantity, 7.0)
        self.assertFalse(strategic.move_ids.protected_wait)

    def test_partner_without_tier_is_not_rationed(self):
        """A customer without a tier keeps Odoo's standard reservation."""
        self.plan.sudo().critical_level_qty = 8.0
        self.set_stock(8)
        picking = self.delivery(self.no_tier, 3)
        self.assertEqual(picking.move_ids.quantity, 3.0)
        self.assertFalse(picking.move_ids.customer_tier_id)

    def test_product_without_segment_and_negative_stock(self):
        """A product without a plan ranks last within the tier; negative stock reserves
        nothing and does not crash."""
        self.set_stock(-5, self.unplanned)
        picking = self.delivery(self.partners[self.spot], 2, product=self.unplanned)
        self.assertFalse(picking.move_ids.planning_segment_id)
        self.assertEqual(picking.move_ids.quantity, 0.0)
        self.assertEqual(picking.state, "confirmed")

    def test_cancelled_order_releases_to_the_next_by_priority(self):
        spot = self.delivery(self.partners[self.spot], 5)
        self.set_stock(5)
        spot.action_assign()
        standard = self.delivery(self.partners[self.standard], 5)
        key = self.delivery(self.partners[self.key], 5)
        self.assertEqual(key.move_ids.quantity, 0.0)
        spot.action_cancel()
        self.assertEqual(key.move_ids.quantity, 5.0)
        self.assertEqual(standard.move_ids.quantity, 0.0)
