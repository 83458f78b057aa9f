"""Customer tier classification from 12-month revenue, approval and audit."""

from unittest.mock import patch

import numpy as np
from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from invplan import execution

from .common import ExecutionCommon, call_button


def fields_today(env):
    return fields.Date.context_today(env["res.partner"])


@tagged("post_install", "-at_install")
class TestTiers(ExecutionCommon):
    def test_bad_revenue_share_refused_and_step_records_failure(self):
        """A revenue share over 100 or NaN is refused with a clear message; bad cuts
        that reach the engine anyway make the nightly step record a failure and a
        data-quality exception instead of raising."""
        for share in (150.0, -5.0, float("nan")):
            with self.assertRaises(ValidationError) as caught:
                self.key.revenue_share = share
            self.assertIn("between 0 and 100", str(caught.exception))
        customer = self.env["res.partner"].create(
            {"name": "Execution bad cuts", "is_company": True}
        )
        self.sale(customer, 5)
        step = next(
            s
            for s in self.env["stock.planning.run"]._planning_steps()
            if s["code"] == "customer_tiers"
        )
        with (
            patch.object(
                execution, "classify_customers", side_effect=ValueError("cuts: expected shares")
            ),
            self.assertLogs(
                "odoo.addons.stock_segment_execution.models.stock_customer_tier_proposal",
                "WARNING",
            ),
        ):
            result = step["run"](self.company, fields_today(self.env))
        self.assertGreater(result["failed"], 0)
        self.assertEqual(result["proposals"], 0)
        exc = self.env["stock.planning.exception"].search(
            [
                ("company_id", "=", self.company.id),
                ("source", "=", "execution"),
                ("exception_type", "=", "data_quality"),
            ]
        )
        self.assertEqual(len(exc), 1)
        self.assertIn("revenue shares", exc.message)

    def test_classification_proposes_and_manager_approves(self):
        """Five customers with revenue 600, 250, 100, 40 and 10: the proposals follow
        the engine's Pareto cuts on the same revenue, the partner changes only once a
        manager approves, and the change is audited."""
        Partner = self.env["res.partner"]
        amounts = [600, 250, 100, 40, 10]
        customers = Partner.create(
            [{"name": f"Execution ranked {a}", "is_company": True} for a in amounts]
        )
        for partner, amount in zip(customers, amounts, strict=True):
            self.sale(partner, amount / 20.0)  # list price 20
        Proposal = self.env["stock.customer.tier.proposal"]
        Proposal._run_classification(companies=self.company)
        proposals = Proposal.search([("partner_id", "in", customers.ids)])
        self.assertEqual(len(proposals), 5)
        tiers = self.strategic | self.key | self.standard | self.spot
        expected = execution.classify_customers(
            np.array(amounts, dtype=float), cuts=(0.50, 0.80, 0.95)
        )
        by_partner = {p.partner_id: p for p in proposals}
        for partner, code in zip(customers, expected, strict=True):
            self.assertEqual(by_partner[partner].proposed_tier_id, tiers[int(code)])
            self.assertFalse(partner.customer_tier_id)
        first = by_partner[customers[0]]
        self.assertEqual(first.revenue, 600.0)
        self.assertAlmostEqual(first.margin, 600.0 - 30 * 12.0)
        with self.assertRaises(UserError):
            call_button(first.with_user(self.user), "action_approve")
        call_button(first.with_user(self.manager), "action_approve")
        self.assertEqual(customers[0].customer_tier_id, tiers[int(expected[0])])
        audit = self.env["stock.execution.audit"].search(
            [("partner_id", "=", customers[0].id), ("action", "=", "tier_change")]
        )
        self.assertEqual(audit.approved_by_id, self.manager)
        # Rerun: no duplicate for the pending ones, none for the approved one.
        Proposal._run_classification(companies=self.company)
        self.assertEqual(
            Proposal.search_count([("partner_id", "in", customers.ids), ("state", "=", "pending")]),
            4,
        )

    def test_hand_set_customer_counts_in_the_curve(self):
        """A customer set by hand gets no proposal but its revenue still counts: with a
        hand-set customer of 900 and another of 100, the other one is at a cumulative
        share of 90% before it, past the Key cut (80%): Standard, not Strategic."""
        big = self.env["res.partner"].create(
            {
                "name": "Execution big hand-set",
                "is_company": True,
                "customer_tier_id": self.strategic.id,
                "customer_tier_locked": True,
            }
        )
        small = self.env["res.partner"].create({"name": "Execution small", "is_company": True})
        self.sale(big, 45)
        self.sale(small, 5)
        Proposal = self.env["stock.customer.tier.proposal"]
        Proposal._run_classification(companies=self.company)
        self.assertFalse(Proposal.search([("partner_id", "=", big.id)]))
        self.assertEqual(
            Proposal.search([("partner_id", "=", small.id)]).proposed_tier_id, self.standard
        )

    def test_manual_tier_is_kept(self):
        partner = self.env["res.partner"].create(
            {
                "name": "Execution hand-set",
                "is_company": True,
                "customer_tier_id": self.spot.id,
                "customer_tier_locked": True,
            }
        )
        self.sale(partner, 100)
        Proposal = self.env["stock.customer.tier.proposal"]
        Proposal._run_classification(companies=self.company)
        self.assertFalse(Proposal.search([("partner_id", "=", partner.id)]))

    def test_only_managers_set_tiers(self):
        salesman = self.env["res.users"].create(
            {
                "name": "Execution salesman",
                "login": "exec_salesman",
                "company_id": self.company.id,
                "company_ids": [(6, 0, self.company.ids)],
                "group_ids": [
                    (
                        6,
                        0,
                        [
                            self.env.ref("sales_team.group_sale_salesman").id,
                            self.env.ref("base.group_partner_manager").id,
                        ],
                    )
                ],
            }
        )
        spot = self.partners[self.spot].with_user(salesman)
        with self.assertRaises(AccessError):
            spot.write({"customer_tier_id": self.strategic.id})
        self.assertEqual(spot.customer_tier_id, self.spot)
        # A contact the salesman adds under a tiered company takes the company's tier.
        contact = (
            self.env["res.partner"]
            .with_user(salesman)
            .create({"name": "Buyer at spot", "parent_id": spot.id})
        )
        self.assertEqual(contact.customer_tier_id, self.spot)
        self.partners[self.spot].customer_tier_id = self.key
        self.assertEqual(contact.customer_tier_id, self.key)

    def test_contacts_follow_their_company(self):
        contact = self.env["res.partner"].create(
            {"name": "Buyer at strategic", "parent_id": self.partners[self.strategic].id}
        )
        self.assertEqual(contact.customer_tier_id, self.strategic)
        order = self.sale(contact, 1)
        self.assertEqual(order.customer_tier_id, self.strategic)
        self.assertEqual(order.picking_ids.customer_tier_id, self.strategic)

    def test_critical_level_from_protected_history(self):
        """Daily deliveries to the strategic customer over 13 weeks give the critical
        level the engine computes from the same mean and deviation."""
        self.env.cr.execute(
            "UPDATE stock_planning_profile SET lead_time_days = 9, safety_stock_qty = 1000"
            " WHERE id = %s",
            [self.plan.id],
        )
        self.plan.invalidate_recordset()
        self.set_stock(400)
        quantities = [4.0 if d % 2 else 2.0 for d in range(30)]
        for qty in quantities:
            picking = self.delivery(self.partners[self.strategic], qty)
            picking.move_ids.quantity = qty
            picking.move_ids.picked = True
            picking.button_validate()
        self.env["stock.planning.profile"]._run_critical_levels(companies=self.company)
        daily = np.zeros(91)
        daily[-1] = sum(quantities)  # all validated today
        expected = execution.critical_level(
            np.array([daily.mean()]),
            np.array([daily.std(ddof=1)]),
            np.array([9.0]),
            np.array([self.strategic.target_fill_rate / 100.0]),
            safety_stock=np.array([1000.0]),
        )[0]
        self.assertGreater(self.plan.critical_level_qty, 0.0)
        self.assertAlmostEqual(self.plan.critical_level_qty, expected, delta=0.01)
