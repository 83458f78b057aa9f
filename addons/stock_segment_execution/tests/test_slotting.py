"""Slotting: fast movers proposed for the forward location, putaway rules on approval,
the next receipt put away there."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import ExecutionCommon, call_button


@tagged("post_install", "-at_install")
class TestSlotting(ExecutionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.golden = cls.env["stock.location"].create(
            {
                "name": "Golden zone",
                "location_id": cls.stock.id,
                "usage": "internal",
                "slotting_forward": True,
                "slotting_capacity": 0.015,
            }
        )
        Product = cls.env["product.product"].with_company(cls.company)
        cls.fast = Product.create({"name": "Execution fast", "is_storable": True, "volume": 0.01})
        cls.slow = Product.create({"name": "Execution slow", "is_storable": True, "volume": 0.01})
        cls.set_stock(100, cls.fast)
        cls.set_stock(100, cls.slow)
        # 6 picks of the fast mover, 1 of the slow one.
        for product, picks in ((cls.fast, 6), (cls.slow, 1)):
            for _k in range(picks):
                picking = cls.delivery(cls.no_tier, 1, product=product)
                picking.move_ids.quantity = 1
                picking.move_ids.picked = True
                picking.button_validate()

    def test_approval_creates_putaway_and_receipt_goes_forward(self):
        Slotting = self.env["stock.slotting.proposal"]
        call_button(Slotting.with_user(self.user), "action_run_slotting")
        proposals = Slotting.search([("warehouse_id", "=", self.warehouse.id)])
        fast = proposals.filtered(lambda p: p.product_id == self.fast)
        self.assertEqual(fast.proposed_zone, "forward")
        self.assertEqual(fast.location_id, self.golden)
        self.assertEqual(fast.velocity_class, "A")
        self.assertGreater(fast.travel_saving_pct, 0.0)
        # The slow mover does not fit what is left: no change, no proposal.
        self.assertFalse(proposals.filtered(lambda p: p.product_id == self.slow))
        with self.assertRaises(AccessError):
            call_button(fast.with_user(self.user), "action_approve")
        self.assertFalse(fast.putaway_rule_id)
        call_button(fast.with_user(self.manager), "action_approve")
        rule = fast.putaway_rule_id
        self.assertEqual(rule.location_out_id, self.golden)
        self.assertEqual(rule.location_in_id, self.stock)
        receipt = self.receive(5, product=self.fast)
        self.assertEqual(receipt.move_ids.move_line_ids.location_dest_id, self.golden)
        slow_receipt = self.receive(5, product=self.slow)
        self.assertEqual(slow_receipt.move_ids.move_line_ids.location_dest_id, self.stock)
        # Rerun: the fast mover is in place, nothing more to propose.
        Slotting._run_slotting(companies=self.company)
        self.assertFalse(
            Slotting.search([("warehouse_id", "=", self.warehouse.id), ("state", "=", "proposed")])
        )

    def test_forward_locations_by_velocity_class_and_capacity(self):
        """Each forward location is filled within its own capacity (the slow mover goes
        to the second one); a class left out of the forward classes goes to reserve; each
        row shows its own product's travel saving."""
        golden2 = self.env["stock.location"].create(
            {
                "name": "Golden zone 2",
                "location_id": self.stock.id,
                "usage": "internal",
                "slotting_forward": True,
                "slotting_capacity": 0.015,
            }
        )
        Slotting = self.env["stock.slotting.proposal"]
        Slotting._run_slotting(companies=self.company)
        proposals = Slotting.search([("warehouse_id", "=", self.warehouse.id)])
        fast = proposals.filtered(lambda p: p.product_id == self.fast)
        slow = proposals.filtered(lambda p: p.product_id == self.slow)
        self.assertEqual(fast.location_id, self.golden)
        self.assertEqual(slow.velocity_class, "B")
        self.assertEqual(slow.location_id, golden2)
        # Single-command round trips: 2 x picks x (reserve 40 m - forward 10 m).
        self.assertAlmostEqual(fast.travel_saving_m, 2 * 6 * (40 - 10))
        self.assertAlmostEqual(slow.travel_saving_m, 2 * 1 * (40 - 10))
        self.env["ir.config_parameter"].set_param(
            "stock_segment_execution.slotting_forward_classes", "A"
        )
        Slotting._run_slotting(companies=self.company)
        proposals = Slotting.search(
            [("warehouse_id", "=", self.warehouse.id), ("state", "=", "proposed")]
        )
        self.assertEqual(proposals.product_id, self.fast)
        self.assertEqual(proposals.location_id, self.golden)

    def test_warehouse_without_forward_location_gets_nothing(self):
        self.golden.slotting_forward = False
        Slotting = self.env["stock.slotting.proposal"]
        Slotting._run_slotting(companies=self.company)
        self.assertFalse(Slotting.search([("warehouse_id", "=", self.warehouse.id)]))
