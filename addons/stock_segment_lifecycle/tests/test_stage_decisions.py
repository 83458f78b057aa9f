"""Stages that take stock away (phase-out, end of life, obsolete) are acted on only when a
person confirmed them, never when a job applied its suggestion; a new product is never
treated as obsolete; archiving a reorder rule for a stage waits for a Planning Manager."""

from datetime import datetime, timedelta

import numpy as np
from odoo.addons.stock_segment_replenishment.tests.common import TODAY, ReplenishmentCommon
from odoo.tests import tagged
from odoo.tools import SQL

from ..models.product_template import JOB_STAGE_CONTEXT


@tagged("post_install", "-at_install")
class TestStageDecisions(ReplenishmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supplier = cls.env.ref("stock.stock_location_suppliers")
        cls.customer = cls.env.ref("stock.stock_location_customers")
        # A new product: first receipt 10 days ago, first sale 4 days ago, and a reorder
        # rule a buyer set by hand.
        cls.fresh = cls._product("fresh", 10.0, vendor_delay=5)
        cls.fresh_plan = cls.Profile.create(
            {"product_id": cls.fresh.id, "warehouse_id": cls.wh.id, "segment_id": cls.segment.id}
        )
        cls.set_forecast(cls.fresh_plan, 2.0, 1.0)
        cls.moves([(cls.fresh, 30.0, 10), (cls.fresh, -3.0, 4)])
        cls.fresh_rule = cls.Orderpoint.with_company(cls.company).create(
            {
                "company_id": cls.company.id,
                "product_id": cls.fresh.id,
                "warehouse_id": cls.wh.id,
                "location_id": cls.wh.lot_stock_id.id,
                "product_min_qty": 5.0,
                "product_max_qty": 20.0,
            }
        )

    @classmethod
    def moves(cls, moves):
        """Done moves of past dates (days before TODAY) in SQL, and the stock they leave."""
        onhand = {}
        for product, qty, days_ago in moves:
            src, dest = (cls.supplier, cls.wh.lot_stock_id)
            if qty < 0:
                src, dest = dest, cls.customer
            cls.env.cr.execute(
                SQL(
                    """INSERT INTO stock_move (product_id, product_uom, location_id,
                           location_dest_id, company_id, date, product_uom_qty, product_qty,
                           quantity, state, procure_method)
                       VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'done', 'make_to_stock')""",
                    product.id,
                    product.uom_id.id,
                    src.id,
                    dest.id,
                    cls.company.id,
                    datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time()),
                    abs(qty),
                    abs(qty),
                    abs(qty),
                )
            )
            onhand[product] = onhand.get(product, 0.0) + qty
        cls.env.invalidate_all()
        for product, qty in onhand.items():
            cls.env["stock.quant"].sudo()._update_available_quantity(
                product, cls.wh.lot_stock_id, qty
            )

    def job_sets_stage(self, product, stage):
        """The stage written the way the classification job applies a suggestion."""
        product.product_tmpl_id.sudo().with_context(**{JOB_STAGE_CONTEXT: True}).write(
            {"lifecycle_stage": stage}
        )

    def run_aging(self):
        return self.Profile.sudo()._run_aging(companies=self.company, today=TODAY)

    def archives(self, product, states):
        return self.Proposal.sudo().search(
            [
                ("profile_id", "=", self.profile(product).id),
                ("action", "=", "archive"),
                ("state", "in", states),
            ]
        )

    def test_new_product_set_obsolete_by_the_job_keeps_its_rule(self):
        self.job_sets_stage(self.fresh, "obsolete")
        self.run_job()
        self.run_aging()
        self.assertTrue(self.fresh_rule.active, "the hand-set rule stays")
        self.assertFalse(self.archives(self.fresh, ["auto_applied", "approved", "pending"]))
        self.assertNotEqual(self.fresh_plan.policy_status, "make_to_order")
        self.assertFalse(self.open_exceptions(self.fresh, "disposal_review"))
        self.assertFalse(self.open_exceptions(self.fresh, "slow_moving"))
        self.assertIn("not confirmed", self.fresh_plan.aging_note)
        rows = (
            self.env["stock.aging.report"].sudo().search([("profile_id", "=", self.fresh_plan.id)])
        )
        self.assertTrue(rows)
        self.assertNotIn("obsolete", rows.mapped("lifecycle_stage"))
        # Even confirmed by a person, a product first sold 4 days ago is not obsolete.
        self.fresh.product_tmpl_id.lifecycle_stage = "obsolete"
        self.assertEqual(self.fresh.product_tmpl_id.lifecycle_stage_confirmed, "obsolete")
        self.run_job()
        self.run_aging()
        self.assertTrue(self.fresh_rule.active)
        self.assertFalse(self.archives(self.fresh, ["auto_applied", "approved", "pending"]))
        self.assertFalse(self.open_exceptions(self.fresh, "disposal_review"))
        self.assertIn("New product", self.fresh_plan.aging_note)

    def test_confirmed_obsolete_archive_waits_for_a_planning_manager(self):
        self.run_job()
        rule = self.orderpoint(self.history)
        self.assertTrue(rule.active)
        self.history.product_tmpl_id.lifecycle_stage = "obsolete"  # a person's decision
        self.run_job()
        self.assertTrue(rule.active, "archiving for a stage is never automatic")
        self.assertFalse(self.archives(self.history, ["auto_applied", "approved"]))
        proposal = self.archives(self.history, ["pending"])
        self.assertEqual(len(proposal), 1)
        self.assertFalse(proposal.within_tolerance)
        self.assertEqual(self.profile(self.history).policy_status, "make_to_order")
        # A rerun keeps the one proposal waiting.
        self.run_job()
        self.assertEqual(self.archives(self.history, ["pending"]), proposal)
        proposal.with_user(self.manager).action_approve()
        self.assertFalse(rule.active)
        self.assertEqual(proposal.state, "approved")

    def test_job_applied_stage_keeps_the_end_of_life_decision(self):
        self.thin.product_tmpl_id.lifecycle_stage = "end_of_life"
        self.moves([(self.thin, 12.0, 400)])
        self.job_sets_stage(self.thin, "obsolete")
        self.run_aging()
        plan = self.profile(self.thin)
        self.assertFalse(self.open_exceptions(self.thin, "disposal_review"))
        rows = self.env["stock.aging.report"].sudo().search([("profile_id", "=", plan.id)])
        self.assertEqual(set(rows.mapped("lifecycle_stage")), {"end_of_life"})
        # The classification's own writes are the job's: its stage is not confirmed.
        tmpl = self.thin.product_tmpl_id
        products = {self.thin.id: {"tmpl_id": tmpl.id, "stage": "end_of_life", "suggested": None}}
        params = {"auto_apply": True, "new_days": 90, "dormant_days": 180, "obsolete_days": 365}
        ctx = {"params": params, "today": TODAY, "company": self.company}
        self.Profile.sudo()._apply_lifecycle_suggestions(
            ctx, [tmpl.id], np.array(["obsolete"], dtype=object), products
        )
        self.assertEqual(tmpl.lifecycle_stage_confirmed, "end_of_life")

    def test_first_nightly_run_with_a_successor_and_an_end_of_life_product(self):
        """The demo's case: a successor without a stage and recent receipts, its obsolete
        predecessor, and an end-of-life product, through the nightly classification with
        lifecycle suggestions applied automatically, replenishment and aging."""
        self.env["ir.config_parameter"].sudo().set_param(
            "stock_segment.lifecycle_auto_apply", "True"
        )
        halogen = self._product("halogen lamp", 22.0)
        led = self._product("LED lamp", 18.0)
        cabinet = self._product("legacy cabinet", 85.0)
        halogen.product_tmpl_id.write(
            {"lifecycle_stage": "obsolete", "successor_product_id": led.id}
        )
        cabinet.product_tmpl_id.lifecycle_stage = "end_of_life"
        self.Profile.create(
            [
                {"product_id": p.id, "warehouse_id": self.wh.id, "segment_id": self.segment.id}
                for p in (halogen, led, cabinet)
            ]
        )
        self.moves(
            [
                (halogen, 30.0, 500),
                (halogen, 20.0, 260),
                (led, 25.0, 75),
                (led, 40.0, 20),
                (cabinet, 12.0, 420),
                (cabinet, 6.0, 200),
                (cabinet, 3.0, 40),
            ]
        )
        self.Profile.sudo().with_context(stock_segment_no_commit=True)._run_classification(
            companies=self.company
        )
        self.run_job()
        self.run_aging()
        for product in (led, cabinet):
            self.assertFalse(
                self.open_exceptions(product, "disposal_review"),
                f"{product.name}: no disposal review without a confirmed obsolete stage",
            )
            self.assertFalse(self.archives(product, ["auto_applied", "approved"]))
        report = self.env["stock.aging.report"].sudo()
        led_rows = report.search([("product_id", "=", led.id)])
        self.assertTrue(led_rows)
        self.assertNotIn("obsolete", led_rows.mapped("lifecycle_stage"))
        self.assertFalse(self.profile(led).is_slow_moving)
        cabinet_rows = report.search([("product_id", "=", cabinet.id)])
        self.assertEqual(set(cabinet_rows.mapped("lifecycle_stage")), {"end_of_life"})
        self.assertEqual(cabinet.product_tmpl_id.lifecycle_stage_confirmed, "end_of_life")
        # The predecessor a person made obsolete gets its disposal review.
        self.assertEqual(len(self.open_exceptions(halogen, "disposal_review")), 1)
