"""Data the replenishment job must not trust: quarantined plans, archived products,
absurd vendor data, absurd results, tiny and negative demand, a periodic review without
a review period, and the review calendar of a rule created today."""

from datetime import timedelta

from odoo import SUPERUSER_ID, fields
from odoo.addons.stock_segment.tests.common import far_apart_time_zones
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import TODAY, ReplenishmentCommon

POLICY_FIELDS = (
    "safety_stock_qty",
    "reorder_point_qty",
    "order_qty",
    "max_qty",
    "policy_demand_used",
    "lead_time_days",
    "policy_status",
    "policy_date",
    "policy_explanation",
)


@tagged("post_install", "-at_install")
class TestHostileData(ReplenishmentCommon):
    def _plan(self, product, demand=3.0, sigma=1.0, segment=None):
        plan = self.Profile.create(
            {
                "product_id": product.id,
                "warehouse_id": self.wh.id,
                "segment_id": (segment or self.segment).id,
            }
        )
        self.set_forecast(plan, demand, sigma)
        return plan

    def _rule(self, op):
        op.invalidate_recordset()
        return (op.product_min_qty, op.product_max_qty, op.active, op.trigger, op.snoozed_until)

    def _policy(self, plan):
        plan.invalidate_recordset()
        return {f: plan[f] for f in POLICY_FIELDS}

    def _exceptions(self, product, exc_type):
        return self.Exception.sudo().search(
            [
                ("product_id", "=", product.id),
                ("source", "=", "replenishment"),
                ("exception_type", "=", exc_type),
                ("state", "in", ["new", "in_progress"]),
            ]
        )

    # ------------------------------------------------------------------ quarantine
    def test_quarantined_plan_left_alone_by_the_nightly_job(self):
        """A quarantined plan keeps its rule and its policy through the scheduled job,
        gets no proposal applied, and a quarantined plan without a rule gets none."""
        self.run_job()
        plan = self.profile(self.history)
        op = self.orderpoint(self.history)
        self.assertTrue(op.active)
        rule_before = self._rule(op.with_user(self.user))
        policy_before = self._policy(plan)
        applied_before = self.Proposal.search_count(
            [("profile_id", "=", plan.id), ("state", "in", ["auto_applied", "approved"])]
        )
        findings = "standard_price = 1e+15: far above the other products of the company"
        plan.sudo().write({"data_quarantine": True, "data_findings": findings})
        # A new quarantined product, never planned: it must not get a first rule.
        fresh = self._product("quarantined new", 10.0, vendor_delay=4)
        fresh_plan = self._plan(fresh)
        fresh_plan.sudo().write({"data_quarantine": True, "data_findings": findings})
        # The (untrusted) demand moved: without the quarantine a new rule would follow.
        self.set_forecast(plan, 12.3, 4.0)
        self.Profile.sudo()._cron_replenishment()
        # As a buyer sees the rule.
        self.assertEqual(
            self._rule(self.Orderpoint.with_user(self.user).browse(op.id)), rule_before
        )
        self.assertEqual(self._policy(plan), policy_before)
        self.assertEqual(
            self.Proposal.search_count(
                [("profile_id", "=", plan.id), ("state", "in", ["auto_applied", "approved"])]
            ),
            applied_before,
        )
        self.assertFalse(self.orderpoint(fresh), "a quarantined plan gets no first rule")
        self.assertFalse(self.Proposal.search([("profile_id", "=", fresh_plan.id)]))
        # Out of quarantine, the job plans it again.
        plan.sudo().write({"data_quarantine": False, "data_findings": False})
        self.Profile.sudo()._cron_replenishment()
        self.assertNotEqual(self._policy(plan), policy_before)

    def test_approving_a_proposal_of_a_quarantined_plan_is_refused(self):
        self.run_job()
        plan = self.profile(self.history)
        op = self.orderpoint(self.history)
        rule_before = self._rule(op)
        self.set_forecast(plan, 30.0, 9.0)  # far beyond the tolerance: waits for approval
        self.run_job()
        proposal = self.Proposal.search(
            [("profile_id", "=", plan.id), ("state", "=", "pending")], limit=1
        )
        self.assertTrue(proposal)
        findings = "seller_ids.delay = 10000: above the plausible maximum of 730 days"
        plan.sudo().write({"data_quarantine": True, "data_findings": findings})
        with self.assertRaises(UserError) as caught:
            proposal.with_user(self.manager).action_approve()
        message = str(caught.exception)
        self.assertIn("quarantined", message)
        self.assertIn(findings, message)
        self.assertEqual(proposal.state, "pending")
        self.assertEqual(self._rule(op), rule_before)
        # The job run on the quarantined plan applies nothing either.
        self.run_job()
        self.assertEqual(self._rule(op), rule_before)

    def test_recompute_policy_of_a_quarantined_plan_is_refused(self):
        self.run_job()
        plan = self.profile(self.history)
        policy_before = self._policy(plan)
        plan.sudo().write({"data_quarantine": True, "data_findings": "standard_price = 1e+15"})
        self.set_forecast(plan, 30.0, 9.0)
        with self.assertRaises(UserError) as caught:
            plan.with_user(self.manager).action_compute_policy_now()
        self.assertIn("1e+15", str(caught.exception))
        # With a plan that is not quarantined, that one alone is recomputed.
        other = self.profile(self.drifting)
        self.set_forecast(other, 40.0, 12.0)
        (plan | other).with_user(self.manager).action_compute_policy_now()
        self.assertEqual(self._policy(plan), policy_before)
        self.assertEqual(other.policy_demand_used, 40.0)

    # ------------------------------------------------------------------ archived products
    def test_archived_product_never_gets_an_active_rule(self):
        archived = self._product("archived before planning", 10.0, vendor_delay=4)
        self._plan(archived)
        archived.product_tmpl_id.active = False
        # A planned product archived by a direct write of its template (an import):
        # Odoo's own archiving of its rules did not run.
        planned = self._product("archived after planning", 10.0, vendor_delay=4)
        self._plan(planned)
        # A planned product archived through the ORM: Odoo archives its rules.
        orm = self._product("archived by the user", 10.0, vendor_delay=4)
        self._plan(orm)
        self.run_job()
        self.assertFalse(self.orderpoint(archived).filtered("active"))
        self.assertTrue(self.orderpoint(planned).active)
        self.assertTrue(self.orderpoint(orm).active)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE product_template SET active = false WHERE id = %s",
            [planned.product_tmpl_id.id],
        )
        self.env.invalidate_all()
        orm.active = False
        self.assertFalse(self.orderpoint(orm).active, "Odoo archives the rule itself")
        self.run_job()
        self.run_job(today=TODAY + timedelta(days=1))
        for product in (archived, planned, orm):
            rules = self.orderpoint(product)
            self.assertFalse(rules.filtered("active"), product.name)
        self.assertTrue(self.orderpoint(planned), "archived, never deleted")

    # ------------------------------------------------------------------ vendor data
    def test_implausible_vendor_lead_time_never_chosen(self):
        both = self._product("two vendors", 10.0, vendor_delay=None)
        SupplierInfo = self.env["product.supplierinfo"]
        for sequence, vendor, delay in ((1, self.vendor, 10000), (2, self.vendor_b, 5)):
            SupplierInfo.create(
                {
                    "partner_id": vendor.id,
                    "product_tmpl_id": both.product_tmpl_id.id,
                    "delay": delay,
                    "price": 10.0,
                    "sequence": sequence,
                    "company_id": self.company.id,
                }
            )
        only = self._product("absurd vendor only", 10.0, vendor_delay=10000)
        both_plan, only_plan = self._plan(both), self._plan(only)
        self.run_job()
        self.assertEqual(both_plan.vendor_id, self.vendor_b)
        self.assertEqual(both_plan.lead_time_days, 5.0)
        # Five days of lead time (a 10,000-day one gave a rule in the tens of thousands).
        self.assertLess(self.orderpoint(both).product_max_qty, 1000)
        # The only vendor is implausible: no rule, a data-quality exception naming it.
        self.assertFalse(self.orderpoint(only))
        self.assertLess(only_plan.lead_time_days, 730)
        exc = self._exceptions(only, "data_quality")
        self.assertEqual(len(exc), 1)
        self.assertIn(self.vendor.name, exc.message)
        self.assertIn("10000", exc.message)
        self.assertIn("delay", exc.message.lower())

    def test_declared_delay_far_from_receipts_is_a_warning(self):
        product = self._product("declared far from observed", 10.0, vendor_delay=60)
        self._plan(product)
        start = TODAY - timedelta(days=200)
        self.insert_receipts(
            [(product, self.vendor, start + timedelta(days=30 * k), 6) for k in range(4)]
        )
        self.run_job()
        plan = self.profile(product)
        self.assertEqual(plan.lead_time_source, "history_warehouse")
        exc = self._exceptions(product, "data_quality")
        self.assertEqual(len(exc), 1)
        self.assertIn("60", exc.message)
        self.assertIn(self.vendor.name, exc.message)
        self.assertIn("6.0", exc.message)

    # ------------------------------------------------------------------ last guard
    def test_absurd_results_never_written(self):
        moq = self._product("absurd moq", 10.0, vendor_delay=4)
        huge = self._product("absurd demand", 10.0, vendor_delay=4)
        moq_plan, huge_plan = self._plan(moq), self._plan(huge)
        self.run_job()
        rules = {p: self._rule(self.orderpoint(p)) for p in (moq, huge)}
        policies = {p: self._policy(plan) for p, plan in ((moq, moq_plan), (huge, huge_plan))}
        self.assertTrue(all(r[2] for r in rules.values()))
        moq.product_tmpl_id.seller_ids.min_qty = 1e12
        self.set_forecast(huge_plan, 5e8, 1e8)
        self.run_job()
        for product, plan in ((moq, moq_plan), (huge, huge_plan)):
            self.assertEqual(self._rule(self.orderpoint(product)), rules[product], product.name)
            self.assertEqual(self._policy(plan), policies[product], product.name)
            exc = self._exceptions(product, "data_quality")
            self.assertEqual(len(exc), 1, product.name)
            self.assertIn("plausible maximum", exc.message)
        self.assertIn("1e+12", self._exceptions(moq, "data_quality").message)

    # ------------------------------------------------------------------ tiny / negative
    def test_tiny_demand_never_negative(self):
        plan = self.profile(self.thin)
        # 0.001 a week, as a forecast leaves it (the form rounds it to the unit's digits).
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE stock_planning_profile SET avg_daily_demand = %s, demand_sigma_daily = %s"
            " WHERE id = %s",
            [0.001 / 7.0, 0.001, plan.id],
        )
        self.env.invalidate_all()
        self.run_job()
        self.assertEqual(plan.policy_status, "ok")
        for fname in ("safety_stock_qty", "reorder_point_qty", "max_qty", "order_qty"):
            self.assertGreaterEqual(plan[fname], 0.0, fname)
        op = self.orderpoint(self.thin)
        self.assertGreaterEqual(op.product_min_qty, 0.0)
        self.assertGreaterEqual(op.product_max_qty, 0.0)

    def test_negative_demand_never_plans(self):
        returns = self._product("returns only", 10.0, vendor_delay=4)
        plan = self._plan(returns, -0.71, 0.5)
        self.run_job()
        self.assertGreaterEqual(plan.policy_demand_used, 0.0)
        self.assertGreaterEqual(plan.policy_protection_qty, 0.0)
        self.assertGreaterEqual(plan.policy_error_sigma, 0.0)
        self.assertEqual(plan.policy_status, "no_demand")
        self.assertFalse(self.orderpoint(returns).filtered("active"))
        impacts = self.Exception.sudo().search(
            [("company_id", "=", self.company.id), ("financial_impact", "<", 0)]
        )
        self.assertFalse(impacts)

    # ------------------------------------------------------------------ periodic review
    def test_periodic_review_without_period_names_the_segment(self):
        segment = self.segment.copy(
            {"name": "No review period", "code": "RT0", "replenishment_policy": "RS"}
        )
        # Written as old data or an import would leave it (a form may refuse it).
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE stock_segment SET review_period_days = 0 WHERE id = %s", [segment.id]
        )
        segment.invalidate_recordset()
        product = self._product("periodic without period", 10.0, vendor_delay=4)
        self._plan(product, segment=segment)
        self.run_job()
        exc = self._exceptions(product, "replenishment_data")
        self.assertEqual(len(exc), 1)
        self.assertIn("review period", exc.message)
        self.assertIn(segment.name, exc.message)
        self.assertNotIn("vendor", exc.message)
        self.assertFalse(self.orderpoint(product))

    def test_periodic_review_rule_created_on_a_non_review_day_is_manual(self):
        segment = self.segment.copy(
            {
                "name": "Weekly review",
                "code": "RTW",
                "replenishment_policy": "RS",
                "review_period_days": 7,
                "review_anchor_date": TODAY,
                "auto_apply_tolerance": 100.0,
            }
        )
        product = self._product("weekly review", 10.0, vendor_delay=4)
        self._plan(product, demand=5.0, sigma=2.0, segment=segment)
        day = TODAY + timedelta(days=1)
        self.run_job(today=day)
        op = self.orderpoint(product)
        self.assertTrue(op.active)
        self.assertEqual(op.trigger, "manual")
        self.assertEqual(op.snoozed_until, TODAY + timedelta(days=7))
        # The second run on the same day changes nothing.
        before = (op.write_date, self._rule(op))
        self.run_job(today=day)
        op.invalidate_recordset()
        self.assertEqual((op.write_date, self._rule(op)), before)

    def test_periodic_review_rule_created_by_an_approval_is_manual_off_review_day(self):
        self._check_review_rule_approved_off_review_day()

    def test_approval_in_another_time_zone_keeps_the_run_s_review_day(self):
        """A manager whose day is not the nightly run's (another time zone around
        midnight) sets the same review trigger and snooze as the run would."""
        far_apart_time_zones(self.env, self.manager)
        self._check_review_rule_approved_off_review_day()

    def _check_review_rule_approved_off_review_day(self):
        today = self.env["stock.planning.run"]._planning_day()
        self.assertEqual(today, fields.Date.context_today(self.Profile.with_user(SUPERUSER_ID)))
        segment = self.segment.copy(
            {
                "name": "Weekly review, approved",
                "code": "RTA",
                "replenishment_policy": "RS",
                "review_period_days": 7,
                "review_anchor_date": today - timedelta(days=1),
                "auto_apply_tolerance": 0.0,
            }
        )
        self.env["ir.config_parameter"].sudo().set_param(
            "stock_segment_replenishment.auto_apply_new_rules", False
        )
        product = self._product("weekly review approved", 10.0, vendor_delay=4)
        plan = self._plan(product, demand=5.0, sigma=2.0, segment=segment)
        self.run_job(today=today)
        proposal = self.Proposal.search([("profile_id", "=", plan.id), ("state", "=", "pending")])
        self.assertEqual(proposal.action, "create")
        proposal.with_user(self.manager).action_approve()
        op = self.orderpoint(product)
        self.assertTrue(op.active)
        self.assertEqual(op.trigger, "manual")
        self.assertEqual(op.snoozed_until, today + timedelta(days=6))
