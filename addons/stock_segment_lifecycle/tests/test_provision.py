from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import TODAY, LifecycleCommon


@tagged("post_install", "-at_install")
class TestProvision(LifecycleCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Rate = cls.env["stock.provision.rate"]
        # The company's own matrix: a default per bucket and an obsolete row.
        cls.rates = {}
        for bucket, default, obsolete in zip(
            cls.buckets, (1.0, 10.0, 30.0, 60.0), (40.0, 70.0, 90.0, 100.0), strict=True
        ):
            Rate.create({"bucket_id": bucket.id, "rate": default, "company_id": cls.company.id})
            Rate.create(
                {
                    "bucket_id": bucket.id,
                    "lifecycle_stage": "obsolete",
                    "rate": obsolete,
                    "company_id": cls.company.id,
                }
            )
            cls.rates[(bucket.id, False)] = default
            cls.rates[(bucket.id, "obsolete")] = obsolete

    def _propose(self):
        self.Profile.sudo()._run_aging(companies=self.company, today=TODAY)
        return self.Proposal.sudo()._propose_provisions(self.company, today=TODAY)

    def test_provisions_sum_bucket_values_times_rates(self):
        proposals = self._propose()
        self.assertEqual(set(proposals.segment_id), {self.segment, self.segment_b})
        rows = self.Report.sudo().search([("company_id", "=", self.company.id)])
        for proposal in proposals:
            mine = rows.filtered(lambda r, p=proposal: r.segment_id == p.segment_id)
            expected = sum(
                r.value
                * self.rates.get(
                    (r.bucket_id.id, r.lifecycle_stage or False),
                    self.rates[(r.bucket_id.id, False)],
                )
                / 100.0
                for r in mine
            )
            # Cents: each line is rounded to the currency.
            cents = 0.01 * len(mine)
            self.assertAlmostEqual(proposal.amount, expected, delta=cents)
            self.assertAlmostEqual(proposal.value_basis, sum(mine.mapped("value")), delta=cents)
            self.assertAlmostEqual(
                proposal.amount, sum(proposal.line_ids.mapped("amount")), delta=cents
            )
            self.assertEqual(proposal.state, "draft")
            self.assertEqual(proposal.date.month, TODAY.month)
        self.assertGreater(sum(proposals.mapped("amount")), 0)
        # Recomputing on unchanged data keeps the proposals still to approve as they are;
        # a change replaces them.
        again = self.Proposal.sudo()._propose_provisions(self.company, today=TODAY)
        self.assertEqual(again, proposals)
        same = proposals.filtered(lambda p: p.segment_id == self.segment)
        moved = proposals - same
        self.insert_moves([(self.old, 4.0, TODAY)])
        self.Profile.sudo()._run_aging(companies=self.company, today=TODAY)
        changed = self.Proposal.sudo()._propose_provisions(self.company, today=TODAY)
        self.assertEqual(len(changed), 2)
        self.assertIn(same, changed)
        self.assertFalse(moved.exists())

    def test_missing_rate_is_a_clear_error(self):
        self.env["stock.provision.rate"].sudo().search(
            [
                ("company_id", "in", [self.company.id, False]),
                ("bucket_id", "=", self.buckets[-1].id),
            ]
        ).unlink()
        with self.assertRaisesRegex(UserError, "no rate for an aging bucket"):
            self._propose()

    def test_access_rights(self):
        proposal = self._propose().filtered(lambda p: p.segment_id == self.segment_b)
        # Buyers read but cannot approve or post.
        as_buyer = proposal.with_user(self.buyer)
        self.assertTrue(as_buyer.amount)
        with self.assertRaises(AccessError):
            as_buyer.action_approve()
        with self.assertRaises(AccessError):
            as_buyer.action_post()
        with self.assertRaises(AccessError):
            as_buyer.write({"state": "posted"})
        # Finance readers read the proposals and their lines.
        as_reader = proposal.with_user(self.finance_reader)
        self.assertTrue(as_reader.line_ids.mapped("amount"))
        with self.assertRaises(AccessError):
            as_reader.action_approve()
        # The finance manager approves; the planning manager cannot post.
        proposal.with_user(self.finance_manager).action_approve()
        self.assertEqual(proposal.state, "approved")
        self.assertEqual(proposal.approved_by_id, self.finance_manager)
        with self.assertRaises(AccessError):
            proposal.with_user(self.manager).action_post()
        # Without accounts, posting says what to set.
        with self.assertRaisesRegex(UserError, "provision journal and accounts"):
            proposal.with_user(self.finance_manager).action_post()

    def test_proposer_cannot_approve_and_post_entry(self):
        self.Profile.sudo()._run_aging(companies=self.company, today=TODAY)
        proposals = self.Proposal.with_user(self.manager).with_company(self.company)
        proposals.action_recompute()
        proposal = self.Proposal.sudo().search(
            [("company_id", "=", self.company.id), ("segment_id", "=", self.segment_b.id)]
        )
        self.assertEqual(proposal.proposed_by_id, self.manager)
        with self.assertRaisesRegex(UserError, "cannot approve"):
            proposal.with_user(self.manager).action_approve()
        proposal.with_user(self.finance_manager).action_approve()
        Account = self.env["account.account"].sudo().with_company(self.company)
        expense = Account.create(
            {"name": "Provision expense", "code": "LT6100", "account_type": "expense"}
        )
        contra = Account.create(
            {"name": "Inventory provision", "code": "LT1390", "account_type": "asset_current"}
        )
        journal = (
            self.env["account.journal"]
            .sudo()
            .create(
                {
                    "name": "Provisions",
                    "code": "LTPR",
                    "type": "general",
                    "company_id": self.company.id,
                }
            )
        )
        self.company.write(
            {
                "provision_journal_id": journal.id,
                "provision_expense_account_id": expense.id,
                "provision_account_id": contra.id,
            }
        )
        proposal.with_user(self.finance_manager).action_post()
        self.assertEqual(proposal.state, "posted")
        move = proposal.move_id
        self.assertEqual(move.state, "posted")
        debit = move.line_ids.filtered(lambda line: line.account_id == expense)
        self.assertAlmostEqual(debit.debit, proposal.amount, places=2)

    def test_disposal_takes_stock_out(self):
        self._propose()
        disposal = (
            self.env["stock.disposal"]
            .with_user(self.manager)
            .create(
                {
                    "product_id": self.old.id,
                    "warehouse_id": self.wh.id,
                    "company_id": self.company.id,
                    "quantity": 2.0,
                    "unit_cost": 30.0,
                    "value_recovered": 15.0,
                    "disposal_type": "liquidation",
                    "reason": "obsolete",
                }
            )
        )
        self.assertEqual(disposal.value, 60.0)
        self.assertEqual(disposal.loss, 45.0)
        before = self.old.with_context(warehouse_id=self.wh.id).qty_available
        disposal.action_done()
        self.assertEqual(disposal.state, "done")
        self.assertEqual(disposal.scrap_id.state, "done")
        after = self.old.with_context(warehouse_id=self.wh.id).qty_available
        self.assertAlmostEqual(before - after, 2.0)

    def test_buyer_cannot_dispose_and_managers_cannot_rewrite_provisions(self):
        """The checks live in the methods, not only on the buttons: a buyer calling the
        disposal directly is refused, and no one rewrites a proposal's amount or state
        outside the approval actions."""
        proposal = self._propose()[:1]
        disposal = self.env["stock.disposal"].create(
            {
                "product_id": self.old.id,
                "warehouse_id": self.wh.id,
                "company_id": self.company.id,
                "quantity": 1.0,
                "unit_cost": 30.0,
                "disposal_type": "liquidation",
                "reason": "obsolete",
            }
        )
        with self.assertRaises(AccessError):
            disposal.with_user(self.buyer).action_done()
        self.assertEqual(disposal.state, "draft")
        for user in (self.manager, self.finance_manager):
            with self.assertRaises(AccessError):
                proposal.with_user(user).write({"amount": 1.0})
            with self.assertRaises(AccessError):
                proposal.with_user(user).write({"state": "approved"})
        self.assertEqual(proposal.state, "draft")

    def test_disposal_state_changes_through_actions_only(self):
        """Nobody sets a disposal to done without the scrap, nor resets a done disposal to
        draft (it would be scrapped twice): a direct write of the state, as a Planning User
        or a Planning Manager, is refused; the actions still work."""
        vals = {
            "product_id": self.old.id,
            "warehouse_id": self.wh.id,
            "company_id": self.company.id,
            "quantity": 1.0,
            "unit_cost": 30.0,
            "disposal_type": "scrap",
            "reason": "obsolete",
        }
        Disposal = self.env["stock.disposal"]
        draft = Disposal.create(vals)
        for user in (self.buyer, self.manager):
            for state in ("done", "cancelled"):
                with self.assertRaises(UserError):
                    draft.with_user(user).write({"state": state})
            with self.assertRaises(UserError):
                Disposal.with_user(user).create(dict(vals, state="done"))
        self.assertEqual(draft.state, "draft")
        self.assertFalse(draft.scrap_id)

        draft.with_user(self.manager).action_done()
        self.assertEqual(draft.state, "done")
        scrap = draft.scrap_id
        self.assertEqual(scrap.state, "done")
        for user in (self.buyer, self.manager):
            with self.assertRaises(UserError):
                draft.with_user(user).write({"state": "draft"})
            with self.assertRaises(UserError):
                draft.with_user(user).write({"scrap_id": False})
        with self.assertRaises(UserError):
            draft.write({"state": "draft"})  # not even the superuser
        self.assertEqual(draft.state, "done")
        self.assertEqual(draft.scrap_id, scrap)
        with self.assertRaises(UserError):
            draft.with_user(self.manager).action_done()

        other = Disposal.create(vals)
        other.with_user(self.buyer).action_cancel()
        self.assertEqual(other.state, "cancelled")
