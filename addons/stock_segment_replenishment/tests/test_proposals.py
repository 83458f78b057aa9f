from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import TODAY, ReplenishmentCommon


@tagged("post_install", "-at_install")
class TestProposals(ReplenishmentCommon):
    def setUp(self):
        super().setUp()
        self.run_job()
        self.plan = self.profile(self.history)
        self.op = self.orderpoint(self.history)

    def _latest(self):
        return self.Proposal.search([("profile_id", "=", self.plan.id)], order="id desc", limit=1)

    def test_first_run_creates_rules_and_audit(self):
        self.assertTrue(self.op.active)
        self.assertEqual(self.op.planning_profile_id, self.plan)
        self.assertEqual(self.op.trigger, "auto")
        proposal = self._latest()
        self.assertEqual((proposal.action, proposal.state), ("create", "auto_applied"))
        audit = proposal.audit_ids
        self.assertEqual(len(audit), 1)
        self.assertEqual(audit.action, "create")
        self.assertEqual(audit.new_min_qty, self.op.product_min_qty)
        self.assertEqual(audit.new_max_qty, self.op.product_max_qty)

    def test_rules_the_run_created_are_ordered_by_odoo(self):
        """A rule the run created: Odoo's Replenishment screen shows, and its scheduler
        orders, the rule's max (no stock, nothing incoming)."""
        self.assertTrue(self.op.product_max_qty > 0)
        self.env["stock.warehouse.orderpoint"].with_company(self.company).action_open_orderpoints()
        self.op.invalidate_recordset()
        self.assertEqual(self.op.qty_to_order, self.op.product_max_qty)
        self.env["stock.rule"].run_scheduler(company_id=self.company.id)
        line = self.env["purchase.order.line"].search(
            [("product_id", "=", self.history.id), ("order_id.state", "=", "draft")]
        )
        self.assertEqual(line.product_qty, self.op.product_max_qty)

    def test_rules_created_in_bulk_hold_odoo_quantities(self):
        """The rules a run creates in bulk store the quantity to order and deadline that
        Odoo's own computation, rule by rule, gives; Odoo's Replenishment screen lists
        them and its scheduler orders their stored quantity."""
        ops = self.Orderpoint.search(
            [("company_id", "=", self.company.id), ("planning_profile_id", "!=", False)]
        )
        self.assertGreaterEqual(len(ops), 2)
        stored = {op.id: (op.qty_to_order_computed, op.deadline_date) for op in ops}
        # Several rules to order from, with different quantities (one has negative stock).
        to_order = {q for q, _d in stored.values() if q > 0}
        self.assertGreaterEqual(len(to_order), 2)
        # Odoo's computation again, without the planning job's context: one read per rule.
        fresh = self.Orderpoint.browse(ops.ids)
        fresh.invalidate_recordset()
        fresh._compute_qty_to_order_computed()
        fresh._compute_deadline_date()
        for op in fresh:
            self.assertAlmostEqual(op.qty_to_order_computed, stored[op.id][0], places=4)
            self.assertEqual(op.deadline_date, stored[op.id][1])
        self.env.invalidate_all()
        # The Replenishment screen's own domain finds the rule, with its quantity.
        action = self.Orderpoint.with_company(self.company).action_open_orderpoints()
        listed = self.Orderpoint.with_company(self.company).search(action.get("domain") or [])
        self.assertIn(self.op, listed)
        self.assertEqual(self.op.qty_to_order, stored[self.op.id][0])
        self.env["stock.rule"].run_scheduler(company_id=self.company.id)
        line = self.env["purchase.order.line"].search(
            [("product_id", "=", self.history.id), ("order_id.state", "=", "draft")]
        )
        self.assertEqual(line.product_qty, stored[self.op.id][0])

    def test_rules_the_run_updated_show_their_new_quantity(self):
        """A rule the run changed in SQL: Odoo's Replenishment screen shows the quantity
        to order of the new max, not of the old one."""
        old_max = self.op.product_max_qty
        self.set_forecast(self.plan, 12.4, 4.0)  # inside the tolerance: applied in SQL
        self.assertEqual(self.run_job()["auto_applied"], 1)
        self.op.invalidate_recordset()
        self.assertNotEqual(self.op.product_max_qty, old_max)
        self.env["stock.warehouse.orderpoint"].with_company(self.company).action_open_orderpoints()
        self.op.invalidate_recordset()
        self.assertEqual(self.op.qty_to_order, self.op.product_max_qty)

    def test_within_tolerance_auto_applies(self):
        old_min, old_max = self.op.product_min_qty, self.op.product_max_qty
        self.set_forecast(self.plan, 12.4, 4.0)  # about +3 %: inside the 10 % tolerance
        stats = self.run_job()
        proposal = self._latest()
        self.assertEqual(stats["auto_applied"], 1)
        self.assertEqual(proposal.state, "auto_applied")
        self.assertEqual(proposal.reason, "forecast")
        self.assertEqual((proposal.old_min_qty, proposal.old_max_qty), (old_min, old_max))
        self.assertEqual(self.op.product_min_qty, proposal.new_min_qty)
        self.assertNotEqual(self.op.product_min_qty, old_min)

    def test_beyond_tolerance_waits_then_approval_and_scheduler_orders(self):
        old_min, old_max = self.op.product_min_qty, self.op.product_max_qty
        self.set_forecast(self.plan, 18.0, 5.0)  # +50 %
        self.run_job()
        proposal = self._latest()
        self.assertEqual(proposal.state, "pending")
        self.assertEqual((self.op.product_min_qty, self.op.product_max_qty), (old_min, old_max))
        self.assertTrue(proposal.activity_ids, "an approval activity is scheduled")
        self.assertGreater(proposal.stock_value_change, 0)
        expected_value = (
            30.0 * (proposal.new_min_qty + proposal.new_max_qty - old_min - old_max) / 2.0
        )
        self.assertAlmostEqual(proposal.stock_value_change, expected_value, places=2)
        # A rerun keeps the one pending proposal.
        self.run_job()
        self.assertEqual(self._latest(), proposal)
        self.assertEqual(
            self.Proposal.search_count(
                [("profile_id", "=", self.plan.id), ("state", "=", "pending")]
            ),
            1,
        )
        # A Planning User cannot approve.
        with self.assertRaises(AccessError):
            proposal.with_user(self.user).action_approve()
        proposal.with_user(self.manager).action_approve()
        self.assertEqual(proposal.state, "approved")
        self.assertEqual(proposal.approved_by_id, self.manager)
        self.assertFalse(proposal.activity_ids)
        self.assertEqual(self.op.product_min_qty, proposal.new_min_qty)
        self.assertEqual(self.op.product_max_qty, proposal.new_max_qty)
        audit = proposal.audit_ids
        self.assertEqual((audit.old_min_qty, audit.new_min_qty), (old_min, proposal.new_min_qty))
        self.assertEqual(audit.approved_by_id, self.manager)

        # Odoo's own scheduler orders up to the max (no stock, nothing incoming).
        self.env["stock.rule"].run_scheduler(company_id=self.company.id)
        line = self.env["purchase.order.line"].search(
            [("product_id", "=", self.history.id), ("order_id.state", "=", "draft")]
        )
        self.assertEqual(len(line), 1)
        self.assertEqual(line.partner_id, self.vendor)
        self.assertEqual(line.product_qty, self.op.product_max_qty)

    def test_proposer_cannot_approve_own(self):
        proposal = self.Proposal.with_user(self.manager).create(
            {
                "profile_id": self.plan.id,
                "new_min_qty": self.op.product_min_qty + 50,
                "new_max_qty": self.op.product_max_qty + 80,
                "reason_detail": "Promotion next month",
            }
        )
        self.assertEqual(proposal.state, "pending")
        self.assertEqual(proposal.proposed_by_id, self.manager)
        with self.assertRaises(UserError):
            proposal.with_user(self.manager).action_approve()
        proposal.with_user(self.manager2).action_approve()
        self.assertEqual(proposal.state, "approved")
        self.assertEqual(self.op.product_min_qty, proposal.new_min_qty)

    def test_bulk_reject(self):
        self.set_forecast(self.plan, 18.0, 5.0)
        thin = self.profile(self.thin)
        self.set_forecast(thin, 10.0, 4.0)
        self.run_job()
        pending = self.Proposal.search(
            [("company_id", "=", self.company.id), ("state", "=", "pending")]
        )
        self.assertEqual(len(pending), 2)
        total = self.Proposal.with_company(self.company)._pending_value_total()
        self.assertAlmostEqual(total, sum(pending.mapped("stock_value_change")), places=2)
        old = self.op.product_min_qty
        pending.with_user(self.manager).action_reject()
        self.assertEqual(set(pending.mapped("state")), {"rejected"})
        self.assertEqual(self.op.product_min_qty, old)

    def test_locked_orderpoint_untouched(self):
        # A hand edit (not through a proposal) locks the rule.
        self.op.write({"product_min_qty": 5.0, "product_max_qty": 50.0})
        self.assertTrue(self.op.planning_locked)
        self.set_forecast(self.plan, 18.0, 5.0)
        self.run_job()
        self.assertEqual((self.op.product_min_qty, self.op.product_max_qty), (5.0, 50.0))
        self.assertEqual(len(self.open_exceptions(self.history, "orderpoint_locked")), 1)
        self.assertFalse(
            self.Proposal.search([("profile_id", "=", self.plan.id), ("state", "=", "pending")])
        )
        # Unlocked, the next run proposes again.
        self.op.action_planning_unlock()
        self.run_job()
        self.assertEqual(self._latest().state, "pending")
        self.assertFalse(self.open_exceptions(self.history, "orderpoint_locked"))

    def test_rollback_restores(self):
        old_min, old_max = self.op.product_min_qty, self.op.product_max_qty
        self.set_forecast(self.plan, 18.0, 5.0)
        self.run_job()
        proposal = self._latest()
        proposal.with_user(self.manager).action_approve()
        self.assertNotEqual(self.op.product_min_qty, old_min)
        with self.assertRaises(AccessError):
            proposal.with_user(self.user).action_rollback()
        proposal.with_user(self.manager2).action_rollback()
        self.assertEqual(proposal.state, "rolled_back")
        self.assertEqual((self.op.product_min_qty, self.op.product_max_qty), (old_min, old_max))
        rollback = proposal.audit_ids.filtered(lambda a: a.action == "rollback")
        self.assertEqual(rollback.new_min_qty, old_min)

    def test_periodic_review_uses_trigger_and_snooze(self):
        self.segment.write(
            {"replenishment_policy": "RS", "review_period_days": 7, "review_anchor_date": TODAY}
        )
        # Not a review day: manual and snoozed until the next review.
        self.run_job(today=TODAY.replace(day=6))
        self.assertEqual(self.op.trigger, "manual")
        self.assertEqual(str(self.op.snoozed_until), "2025-03-12")
        # Review day: automatic again.
        self.run_job(today=TODAY.replace(day=12))
        self.assertEqual(self.op.trigger, "auto")
        self.assertFalse(self.op.snoozed_until)

    def test_multi_company_rule(self):
        other = self.env["res.company"].create({"name": "Other Replenishment Co"})
        outsider = self.env["res.users"].create(
            {
                "name": "Outsider",
                "login": "repl_outsider",
                "company_id": other.id,
                "company_ids": [(6, 0, other.ids)],
                "group_ids": [(6, 0, [self.env.ref("stock_segment.group_planning_manager").id])],
            }
        )
        self.assertTrue(self.Proposal.search([("company_id", "=", self.company.id)]))
        self.assertFalse(self.Proposal.with_user(outsider).search([]))
        self.assertFalse(self.env["stock.replenishment.audit"].with_user(outsider).search([]))

    def _manual(self, user, **vals):
        return self.Proposal.with_user(user).create(
            {"profile_id": self.plan.id, "new_min_qty": 1.0, "new_max_qty": 2.0, **vals}
        )

    def test_manual_proposal_ignores_protected_values(self):
        other_op = self.orderpoint(self.thin)
        self.assertTrue(other_op)
        proposal = self._manual(
            self.user,
            state="approved",
            proposed_by_id=self.manager2.id,
            orderpoint_id=other_op.id,
            old_min_qty=999.0,
            old_max_qty=999.0,
            within_tolerance=True,
            reason="forecast",
        )
        self.assertEqual(proposal.state, "pending")
        self.assertEqual(proposal.proposed_by_id, self.user)
        self.assertEqual(proposal.orderpoint_id, self.op)
        self.assertEqual(proposal.old_min_qty, self.op.product_min_qty)
        self.assertEqual(proposal.old_max_qty, self.op.product_max_qty)
        self.assertFalse(proposal.within_tolerance)
        self.assertEqual(proposal.reason, "manual")
        for vals in (
            {"state": "approved"},
            {"proposed_by_id": self.manager.id},
            {"orderpoint_id": other_op.id},
            {"old_min_qty": 0.0},
            {"within_tolerance": True},
        ):
            with self.assertRaises(AccessError):
                proposal.with_user(self.user).write(vals)
        # A fake applied proposal cannot be made: rollback has nothing to write.
        self.assertEqual(proposal.state, "pending")

    def test_editing_a_proposal_makes_the_editor_its_proposer(self):
        self.set_forecast(self.plan, 18.0, 5.0)
        self.run_job()
        proposal = self._latest()
        self.assertEqual(proposal.state, "pending")
        proposal.with_user(self.manager).write({"new_min_qty": 1.0, "new_max_qty": 500.0})
        self.assertEqual(proposal.proposed_by_id, self.manager)
        with self.assertRaises(UserError):
            proposal.with_user(self.manager).action_approve()
        self.assertEqual(proposal.state, "pending")
        proposal.with_user(self.manager2).action_approve()
        self.assertEqual(proposal.state, "approved")
        self.assertEqual(self.op.product_max_qty, 500.0)
        with self.assertRaises(UserError):
            proposal.with_user(self.manager2).write({"new_max_qty": 1.0})

    def test_archived_rule_is_reactivated_not_duplicated(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "stock_segment_replenishment.auto_apply_new_rules", False
        )
        self.op.sudo().write({"active": False})
        self.run_job()
        proposal = self._latest()
        self.assertEqual(proposal.state, "pending")
        self.assertEqual(proposal.action, "update")
        self.assertEqual(proposal.orderpoint_id, self.op)
        self.assertFalse(self.op.active)
        proposal.with_user(self.manager).action_approve()
        self.assertEqual(proposal.state, "approved")
        self.assertTrue(self.op.active)
        self.assertEqual(len(self.orderpoint(self.history)), 1)
        proposal.with_user(self.manager2).action_rollback()
        self.assertFalse(self.op.active)

    def test_new_rule_respects_tolerance(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "stock_segment_replenishment.auto_apply_new_rules", False
        )
        fresh = self._product("fresh", 10.0, vendor_delay=5)
        plan = self.Profile.create(
            {"product_id": fresh.id, "warehouse_id": self.wh.id, "segment_id": self.segment.id}
        )
        self.set_forecast(plan, 6.0, 2.0)
        self.run_job()
        proposal = self.Proposal.search([("profile_id", "=", plan.id)])
        self.assertEqual((proposal.action, proposal.state), ("create", "pending"))
        self.assertFalse(self.orderpoint(fresh))
        # A segment accepting any change (100 %) applies it at once.
        self.segment.auto_apply_tolerance = 100.0
        fresh2 = self._product("fresh two", 10.0, vendor_delay=5)
        plan2 = self.Profile.create(
            {"product_id": fresh2.id, "warehouse_id": self.wh.id, "segment_id": self.segment.id}
        )
        self.set_forecast(plan2, 6.0, 2.0)
        self.run_job()
        proposal2 = self.Proposal.search([("profile_id", "=", plan2.id)])
        self.assertEqual((proposal2.action, proposal2.state), ("create", "auto_applied"))
        self.assertTrue(self.orderpoint(fresh2).active)

    def test_one_company_failing_does_not_stop_the_others(self):
        other = self.env["res.company"].create({"name": "Replenishment Other Co"})
        model_class = type(self.Profile)
        original = model_class._replenish_company
        broken = self.company

        def failing(model, company, *args, **kwargs):
            if company == broken:
                raise ValueError("broken company")
            return original(model, company, *args, **kwargs)

        with (
            patch.object(model_class, "_replenish_company", failing),
            mute_logger("odoo.addons.stock_segment_replenishment.models.stock_planning_profile"),
        ):
            stats = self.Profile.sudo()._run_replenishment(companies=broken | other, today=TODAY)
        self.assertNotIn(broken.id, stats)
        self.assertIn(other.id, stats)
