"""The whole nightly chain on a hostile catalogue, twice (issue: hostile data and users).

Classification (with its plausibility screen), forecast, replenishment, aging and
provisions, KPI snapshot: run through the scheduled actions' entry points on a company
whose catalogue holds every case of absurd data met so far, beside the demo company.
"""

import math

from odoo import fields
from odoo.addons.stock_segment.tests.common import (
    HOSTILE_CASES,
    backdate_rows,
    build_hostile_catalogue,
    new_company_user,
    rewritten_rows,
    row_snapshot,
    snapshot_diff,
)
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

# Tables of the planning addons whose rows belong to a company.
CHAIN_TABLES = [
    "stock_planning_profile",
    "stock_warehouse_orderpoint",
    "stock_planning_exception",
    "stock_demand_forecast",
    "stock_forecast_accuracy",
    "stock_replenishment_proposal",
    "stock_kpi_snapshot",
]
# With the lifecycle addon (always, in the full tier-2 run).
LIFECYCLE_TABLES = ["stock_aging_report", "stock_provision_proposal", "stock_disposal"]
ABSURD = 1e9


@tagged("post_install", "-at_install")
class TestHostileCatalogue(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env["res.users"].browse(cls.env.uid))
        cls.data = build_hostile_catalogue(cls.env, cls.today)
        cls.company = cls.data["company"]
        cls.products = cls.data["products"]
        cls.Profile = cls.env["stock.planning.profile"]
        Orderpoint = cls.env["stock.warehouse.orderpoint"].with_context(active_test=False)
        cls.rules_before = {
            op.product_id.id: (op.product_min_qty, op.product_max_qty, op.trigger, op.active)
            for op in Orderpoint.search([("company_id", "=", cls.company.id)])
        }

    @property
    def with_lifecycle(self):
        """The lifecycle addon does not depend on this one nor this one on it: its steps
        run when it is installed (always in the full tier-2 run, which installs all)."""
        return "stock.provision.proposal" in self.env

    @property
    def tables(self):
        return CHAIN_TABLES + (LIFECYCLE_TABLES if self.with_lifecycle else [])

    def run_chain(self):
        """The scheduled actions, in the nightly order."""
        self.Profile._cron_classify()
        self.Profile._cron_forecast()
        self.Profile._cron_replenishment()
        if self.with_lifecycle:
            self.Profile._cron_aging()
            self.env["stock.provision.proposal"]._cron_propose_provisions()
        self.env["stock.kpi.snapshot"]._cron_snapshot()
        self.env.flush_all()

    def plan(self, name):
        return self.Profile.search(
            [
                ("product_id", "=", self.products[name].id),
                ("warehouse_id", "=", self.data["warehouse"].id),
            ]
        )

    def float_columns(self):
        self.env.cr.execute(
            """SELECT c.table_name, c.column_name FROM information_schema.columns c
                WHERE c.table_schema = 'public'
                  AND c.data_type IN ('double precision', 'numeric', 'real')
                  AND (c.table_name LIKE 'stock\\_planning%%' OR c.table_name LIKE 'stock\\_segment%%'
                       OR c.table_name LIKE 'stock\\_demand%%' OR c.table_name LIKE 'stock\\_kpi%%'
                       OR c.table_name LIKE 'stock\\_aging%%' OR c.table_name LIKE 'stock\\_provision%%'
                       OR c.table_name LIKE 'stock\\_replenishment%%'
                       OR c.table_name LIKE 'stock\\_disposal%%'
                       OR c.table_name LIKE 'stock\\_forecast%%'
                       OR c.table_name = 'stock_warehouse_orderpoint')
                  AND c.table_name IN (SELECT table_name FROM information_schema.tables
                                        WHERE table_type = 'BASE TABLE')"""
        )
        return self.env.cr.fetchall()

    def test_the_chain_quarantines_what_it_cannot_trust_and_reruns_write_nothing(self):
        self.run_chain()
        Exception_ = self.env["stock.planning.exception"]
        # 1. Every hostile product: quarantined, with an exception naming its field.
        for name, (what, field) in HOSTILE_CASES.items():
            plan = self.plan(name)
            self.assertTrue(plan, f"{name}: planned")
            self.assertTrue(plan.data_quarantine, f"{name} ({what}) is quarantined")
            exc = Exception_.search(
                [
                    ("profile_id", "=", plan.id),
                    ("exception_type", "=", "data_quality"),
                    ("state", "in", ("new", "in_progress")),
                ]
            )
            self.assertEqual(len(exc), 1, f"{name}: one data-quality exception")
            self.assertIn(field, exc.message, f"{name}: the exception names {field}")
        # 2. No quarantined product changed its reorder rule.
        Orderpoint = self.env["stock.warehouse.orderpoint"].with_context(active_test=False)
        for name in HOSTILE_CASES:
            product = self.products[name]
            ops = Orderpoint.search([("product_id", "=", product.id)])
            now = {
                op.product_id.id: (op.product_min_qty, op.product_max_qty, op.trigger, op.active)
                for op in ops
            }
            self.assertEqual(
                now.get(product.id),
                self.rules_before[product.id],
                f"{name}: the last good rule stays",
            )
        # 3. Nothing absurd, NaN or infinite in any float column of the planning tables.
        for table, column in self.float_columns():
            self.env.cr.execute(
                f"""SELECT COUNT(*) FROM "{table}"
                     WHERE "{column}"::float8 = 'NaN'
                        OR "{column}"::float8 IN ('Infinity', '-Infinity')"""
            )
            self.assertEqual(self.env.cr.fetchone()[0], 0, f"NaN or inf in {table}.{column}")
        for op in Orderpoint.search([("company_id", "=", self.company.id)]):
            for value in (op.product_min_qty, op.product_max_qty):
                self.assertTrue(
                    math.isfinite(value) and 0 <= value <= ABSURD,
                    f"{op.product_id.display_name}: a rule of {value}",
                )
        # 4. The cases that are not absurd values.
        archived = Orderpoint.search([("product_id", "=", self.products["archived"].id)])
        self.assertFalse(archived.filtered("active"), "an archived product has no active rule")
        returns = self.plan("returns_only")
        for fname in (
            "demand_mean",
            "avg_daily_demand",
            "forecast_horizon_qty",
            "policy_demand_used",
            "safety_stock_qty",
            "reorder_point_qty",
        ):
            self.assertGreaterEqual(returns[fname], 0.0, f"returns only: {fname}")
        impacts = Exception_.search([("company_id", "=", self.company.id)]).mapped(
            "financial_impact"
        )
        self.assertTrue(all(i >= 0 for i in impacts), "no negative impact")
        tiny = self.plan("tiny_demand")
        for fname in ("safety_stock_qty", "reorder_point_qty", "max_qty"):
            self.assertGreaterEqual(tiny[fname], 0.0, f"tiny demand: {fname}")
        new = self.products["new_product"]
        self.assertNotIn(new.product_tmpl_id.lifecycle_stage, ("obsolete", "phase_out"))
        self.assertTrue(
            Orderpoint.search([("product_id", "=", new.id), ("active", "=", True)]),
            "a new product's hand-set rule stays",
        )
        self.assertTrue(self.plan("no_category"), "a product without category is planned")
        # 5. The second run on unchanged data writes nothing.
        before = backdate_rows(self.env, self.tables, self.company.id)
        values = row_snapshot(self.env, self.tables, self.company.id)
        self.run_chain()
        changed = rewritten_rows(self.env, self.tables, self.company.id, before)
        self.assertEqual(
            changed,
            {},
            "(table: rewritten, added, removed ids) on the second run; values changed: "
            f"{snapshot_diff(values, row_snapshot(self.env, self.tables, self.company.id))}",
        )

    def test_each_role_does_what_the_docs_say(self):
        self.run_chain()
        company = self.company
        clerk = new_company_user(self.env, "hostile_clerk", "stock.group_stock_user", company)
        buyer = new_company_user(
            self.env, "hostile_buyer", "stock_segment.group_planning_user", company
        )
        manager = new_company_user(
            self.env, "hostile_manager", "stock_segment.group_planning_manager", company
        )
        plan = self.plan("cost_1e15")
        # A plain Inventory user: segments yes, plans and exceptions no.
        with self.assertRaises(AccessError):
            self.Profile.with_user(clerk).search([("id", "=", plan.id)])
        with self.assertRaises(AccessError):
            self.env["stock.planning.exception"].with_user(clerk).search([])
        # Buyers and managers: no job-computed field, no quarantine bypass.
        for user in (buyer, manager):
            for vals in (
                {"data_quarantine": False},
                {"abc_class": "A"},
                {"data_confirmed": "unit_cost=1e+15"},
            ):
                with self.assertRaises(AccessError):
                    plan.with_user(user).write(vals)
        self.assertTrue(plan.data_quarantine)
        # The buyer confirms the value through the button; it is logged.
        plan.with_user(buyer).action_confirm_data_findings()
        self.assertFalse(plan.data_quarantine)
        self.assertIn(buyer.name, plan.message_ids[0].body)
        # Only a manager confirms a stage that removes stock.
        tmpl = self.products["normal 0"].product_tmpl_id.sudo()
        tmpl.write({"lifecycle_stage_suggested": "obsolete"})
        with self.assertRaises(AccessError):
            tmpl.with_user(buyer).action_confirm_lifecycle_suggestion()
        tmpl.with_user(manager).action_confirm_lifecycle_suggestion()
        self.assertEqual(tmpl.lifecycle_stage, "obsolete")
