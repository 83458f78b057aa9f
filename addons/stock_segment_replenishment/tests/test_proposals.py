from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

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
