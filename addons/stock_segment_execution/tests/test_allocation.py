"""The shortage allocation: proposal by tier, apply, overrides with approval, access
rights and multi-company."""

from odoo.addons.stock_segment.tests.common import new_company_user
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import ExecutionCommon, call_button


@tagged("post_install", "-at_install")
class TestAllocation(ExecutionCommon):
    def _shortage(self):
        """12 units taken by the spot and standard customers who ordered first; the
        strategic (8) and key (4) customers wait."""
        self.set_stock(12)
        self.spot_pick = self.delivery(self.partners[self.spot], 6)
        self.std_pick = self.delivery(self.partners[self.standard], 6)
        self.str_pick = self.delivery(self.partners[self.strategic], 8)
        self.key_pick = self.delivery(self.partners[self.key], 4)
        self.Allocation = self.env["stock.shortage.allocation"]
        self.Allocation._run_allocation(companies=self.company)
        return self.Allocation.search(
            [("product_id", "=", self.product.id), ("state", "=", "proposed")]
        )

    def line_of(self, allocation, picking):
        return allocation.line_ids.filtered(lambda line: line.move_id.picking_id == picking)

    def test_nightly_step_proposes_without_moving_stock(self):
        """The planning run's step finds the shortage and proposes the allocation; the
        reservations stay as they are until a buyer applies it."""
        self.set_stock(12)
        spot = self.delivery(self.partners[self.spot], 6)
        std = self.delivery(self.partners[self.standard], 6)
        strategic = self.delivery(self.partners[self.strategic], 8)
        reserved = {p: p.move_ids.quantity for p in (spot, std, strategic)}
        step = next(
            s
            for s in self.env["stock.planning.run"]._planning_steps()
            if s["code"] == "shortage_allocation"
        )
        result = step["run"](self.company, None)
        self.assertEqual(result["failed"], 0)
        allocation = self.env["stock.shortage.allocation"].search(
            [("product_id", "=", self.product.id), ("state", "=", "proposed")]
        )
        self.assertEqual(len(allocation), 1)
        self.assertEqual(self.line_of(allocation, strategic).proposed_qty, 8.0)
        for picking, qty in reserved.items():
            self.assertEqual(picking.move_ids.quantity, qty)
        self.assertEqual(spot.move_ids.quantity + std.move_ids.quantity, 12.0)

    def test_proposal_and_apply(self):
        allocation = self._shortage()
        self.assertEqual(len(allocation), 1)
        self.assertEqual(allocation.available_qty, 12.0)
        self.assertEqual(allocation.demand_qty, 24.0)
        self.assertEqual(allocation.shortage_qty, 12.0)
        self.assertEqual(allocation.demand_by_tier, "STR 8 / KEY 4 / STD 6 / SPOT 6")
        proposed = {
            picking: self.line_of(allocation, picking).proposed_qty
            for picking in (self.str_pick, self.key_pick, self.std_pick, self.spot_pick)
        }
        self.assertEqual(list(proposed.values()), [8.0, 4.0, 0.0, 0.0])
        self.assertFalse(allocation.needs_approval)
        call_button(allocation.with_user(self.user), "action_apply")
        self.assertEqual(allocation.state, "applied")
        self.assertEqual(self.str_pick.move_ids.quantity, 8.0)
        self.assertEqual(self.key_pick.move_ids.quantity, 4.0)
        self.assertEqual(self.spot_pick.move_ids.quantity, 0.0)
        self.assertEqual(self.std_pick.move_ids.quantity, 0.0)
        audit = self.env["stock.execution.audit"].search(
            [("res_model", "=", allocation._name), ("res_id", "=", allocation.id)]
        )
        self.assertEqual(audit.action, "allocation_applied")

    def test_override_favouring_lower_tier_needs_approval(self):
        allocation = self._shortage().with_user(self.user)
        self.line_of(allocation, self.str_pick).allocated_qty = 2.0
        self.line_of(allocation, self.spot_pick).allocated_qty = 6.0
        allocation.override_reason = "Spot buyer's trade show"
        self.assertTrue(allocation.needs_approval)
        call_button(allocation, "action_apply")
        self.assertEqual(allocation.state, "to_approve")
        # Nothing moved yet.
        self.assertEqual(self.spot_pick.move_ids.quantity, 6.0)
        self.assertEqual(self.str_pick.move_ids.quantity, 0.0)
        with self.assertRaises(AccessError):
            call_button(allocation, "action_approve_override")
        with self.assertRaises(UserError):
            # The requester cannot approve even as a manager.
            self.user.group_ids |= self.env.ref("stock_segment.group_planning_manager")
            call_button(allocation.with_user(self.user), "action_approve_override")
        self.user.group_ids -= self.env.ref("stock_segment.group_planning_manager")
        call_button(allocation.with_user(self.manager), "action_approve_override")
        self.assertEqual(allocation.state, "applied")
        self.assertEqual(self.str_pick.move_ids.quantity, 2.0)
        self.assertEqual(self.spot_pick.move_ids.quantity, 6.0)
        self.assertEqual(self.key_pick.move_ids.quantity, 4.0)
        actions = (
            self.env["stock.execution.audit"]
            .search([("res_model", "=", allocation._name), ("res_id", "=", allocation.id)])
            .mapped("action")
        )
        self.assertEqual(
            sorted(actions), ["allocation_applied", "override_approved", "override_requested"]
        )
        requested = self.env["stock.execution.audit"].search(
            [("res_id", "=", allocation.id), ("action", "=", "override_requested")]
        )
        self.assertEqual(requested.proposed_by_id, self.user)
        self.assertEqual(requested.reason, "Spot buyer's trade show")

    def test_buyer_cannot_forge_an_approval(self):
        allocation = self._shortage().with_user(self.user)
        with self.assertRaises(AccessError):
            allocation.write({"approved_by_id": self.manager.id})
        with self.assertRaises(AccessError):
            allocation.write({"state": "applied"})
        with self.assertRaises(AccessError):
            allocation.line_ids[:1].write({"proposed_qty": 99.0})
        allocation.override_reason = "Allowed"
        self.assertEqual(allocation.override_reason, "Allowed")

    def test_stock_user_cannot_apply(self):
        allocation = self._shortage()
        with self.assertRaises(AccessError):
            call_button(allocation.with_user(self.stock_user), "action_apply")
        self.assertEqual(allocation.state, "proposed")

    def test_other_company_user_sees_nothing(self):
        allocation = self._shortage()
        other = self.env["res.company"].create({"name": "Execution Other Co"})
        outsider = new_company_user(
            self.env, "exec_outsider", "stock_segment.group_planning_manager", other
        )
        as_outsider = allocation.with_user(outsider).with_context(allowed_company_ids=other.ids)
        found = as_outsider.search([])
        self.assertNotIn(allocation, found)
        with self.assertRaises(AccessError):
            as_outsider.read(["state"])

    def test_negative_stock_gives_zero_not_nan(self):
        self.set_stock(-3)
        self.delivery(self.partners[self.spot], 2)
        self.delivery(self.no_tier, 2)
        Allocation = self.env["stock.shortage.allocation"]
        Allocation._run_allocation(companies=self.company)
        allocation = Allocation.search([("product_id", "=", self.product.id)])
        self.assertEqual(allocation.available_qty, 0.0)
        self.assertEqual(allocation.line_ids.mapped("proposed_qty"), [0.0, 0.0])
