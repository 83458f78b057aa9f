"""Manufactured items: the lot size by the economic production quantity from the bill of
materials' production rate and the work centre's setup cost, explained; items without
operations and bought items planned as before."""

import math

from odoo.addons.stock_segment.tests.common import backdate_rows, rewritten_rows
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from invplan.policy import compute_policy

from .common import ReplenishmentCommon

HOLDING = 0.20  # the common segment's holding rate
ORDERING = 40.0  # and ordering cost
COST = 20.0  # unit cost of the manufactured product
DEMAND = 10.0  # per day
SETUP_MIN, CLEANUP_MIN, COST_HOUR = 30.0, 15.0, 60.0
CYCLE_MIN, BOM_QTY = 6.0, 2.0
WORK_MIN_YEAR = 8 * 60 * 250


def hand_epq():
    """sqrt(2DK / (h (1 - D/P))), computed here from the Odoo data, not by the engine."""
    D = DEMAND * 365.0
    P = BOM_QTY / CYCLE_MIN * WORK_MIN_YEAR
    K = (SETUP_MIN + CLEANUP_MIN) / 60.0 * COST_HOUR + ORDERING
    h = HOLDING * COST
    return math.sqrt(2.0 * D * K / (h * (1.0 - D / P))), P, K


@tagged("post_install", "-at_install")
class TestProductionLots(ReplenishmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.has_mrp = "mrp.bom" in cls.env
        if not cls.has_mrp:
            return
        component = cls._product("lot component", 1.0, vendor_delay=None)
        cls.made = cls._product("made in lots", COST, vendor_delay=None)
        cls.plain = cls._product("made without operations", COST, vendor_delay=None)
        cls.workcenter = (
            cls.env["mrp.workcenter"]
            .with_company(cls.company)
            .create(
                {
                    "name": "Replenishment test press",
                    "company_id": cls.company.id,
                    "resource_calendar_id": cls.company.resource_calendar_id.id,
                    "time_start": SETUP_MIN,
                    "time_stop": CLEANUP_MIN,
                    "costs_hour": COST_HOUR,
                }
            )
        )
        for product, operations in ((cls.made, True), (cls.plain, False)):
            bom = cls.env["mrp.bom"].create(
                {
                    "product_tmpl_id": product.product_tmpl_id.id,
                    "product_qty": BOM_QTY,
                    "company_id": cls.company.id,
                    "produce_delay": 3,
                    "bom_line_ids": [(0, 0, {"product_id": component.id, "product_qty": 1})],
                }
            )
            if operations:
                cls.env["mrp.routing.workcenter"].create(
                    {
                        "name": "Press",
                        "bom_id": bom.id,
                        "workcenter_id": cls.workcenter.id,
                        "time_mode": "manual",
                        "time_cycle_manual": CYCLE_MIN,
                    }
                )
        cls.plan = cls.Profile.create(
            {"product_id": cls.made.id, "warehouse_id": cls.wh.id, "segment_id": cls.segment.id}
        )
        cls.plain_plan = cls.Profile.create(
            {"product_id": cls.plain.id, "warehouse_id": cls.wh.id, "segment_id": cls.segment.id}
        )

    def setUp(self):
        super().setUp()
        if not self.has_mrp:
            self.skipTest("mrp is not installed")

    def _run(self):
        for plan in (self.plan, self.plain_plan):
            self.set_forecast(plan, DEMAND, DEMAND / 3.0)
        self.run_job()
        (self.plan | self.plain_plan).invalidate_recordset()

    def test_order_quantity_is_the_epq(self):
        self._run()
        plan = self.plan
        self.assertEqual(plan.lead_time_source, "manufacturing")
        self.assertEqual(plan.policy_status, "ok")
        self.assertAlmostEqual(plan.policy_demand_used, DEMAND, places=6)
        q, P, K = hand_epq()
        self.assertAlmostEqual(plan.order_qty, q, places=4)
        self.assertAlmostEqual(plan.epq_qty, q, places=4)
        self.assertAlmostEqual(plan.epq_production_rate, P, places=4)
        self.assertAlmostEqual(plan.epq_setup_cost, K, places=4)
        self.assertAlmostEqual(plan.max_qty - plan.reorder_point_qty, q, places=4)
        text = plan.policy_explanation
        self.assertIn("economic production quantity, see below", text)
        self.assertIn("lot size by the economic production quantity", text)
        self.assertIn(f"EPQ = {q:.2f}", text)
        self.assertIn(f"setup cost K = {K:.2f} per lot", text)

    def test_without_operations_planned_as_before(self):
        self._run()
        plan = self.plain_plan
        self.assertEqual(plan.lead_time_source, "manufacturing")
        self.assertEqual(plan.policy_status, "ok")
        expected = compute_policy(
            plan.policy_demand_used,
            DEMAND / 3.0,
            3.0,
            policy="sS",
            unit_cost=COST,
            holding_rate=HOLDING,
            ordering_cost=ORDERING,
            error_std=plan.policy_error_sigma,
        ).iloc[0]
        eoq = math.sqrt(2 * DEMAND * 365.0 * ORDERING / (HOLDING * COST))
        self.assertAlmostEqual(plan.order_qty, expected["order_qty"], places=4)
        self.assertAlmostEqual(plan.order_qty, eoq, places=4)
        self.assertEqual(plan.epq_qty, 0.0)
        self.assertEqual(plan.epq_production_rate, 0.0)
        self.assertEqual(plan.epq_setup_cost, 0.0)
        self.assertIn(
            "no economic production quantity (its bill of materials has no operations",
            plan.policy_explanation,
        )

    def test_bought_item_untouched(self):
        self._run()
        bought = self.profile(self.history)
        self.assertNotEqual(bought.lead_time_source, "manufacturing")
        self.assertEqual(bought.epq_qty, 0.0)
        self.assertEqual(bought.epq_production_rate, 0.0)
        self.assertNotIn("Manufactured item", bought.policy_explanation or "")

    def test_rerun_on_unchanged_data_writes_nothing(self):
        self._run()
        self.assertGreater(self.plan.epq_qty, 0.0)
        self.env.flush_all()
        tables = (
            "stock_planning_profile",
            "stock_warehouse_orderpoint",
            "stock_replenishment_proposal",
        )
        before = backdate_rows(self.env, tables, self.company.id)
        stats = self.run_job()
        self.assertEqual(stats["proposals"], 0)
        self.assertEqual(rewritten_rows(self.env, tables, self.company.id, before), {})

    def test_planning_user_cannot_write_epq_fields(self):
        self._run()
        q = self.plan.epq_qty
        for vals in (
            {"epq_production_rate": 1.0},
            {"epq_setup_cost": 1.0},
            {"epq_qty": 1.0},
        ):
            with self.assertRaises(AccessError, msg=str(vals)):
                self.plan.with_user(self.user).write(vals)
        self.plan.invalidate_recordset()
        self.assertAlmostEqual(self.plan.epq_qty, q)


@tagged("post_install", "-at_install")
class TestDemoProductionLot(TransactionCase):
    """The economic production quantity of Odoo's own demo product *Table*, from its demo
    bill of materials (one operation of 120 minutes per table) and work centre (no setup
    time, so the setup cost is the segment's ordering cost)."""

    def test_epq_of_the_demo_table(self):
        bom = self.env.ref("mrp.mrp_bom_desk", raise_if_not_found=False)
        if not bom or not bom.operation_ids:
            self.skipTest("mrp demo data is not installed")
        company = bom.company_id or self.env.ref("base.main_company")
        operation = bom.operation_ids
        self.assertEqual(len(operation), 1)
        product = bom.product_tmpl_id.product_variant_id
        # A warehouse of its own: the demo's plans of the product keep their forecasts.
        warehouse = self.env["stock.warehouse"].create(
            {"name": "Demo production lots", "code": "DPLW", "company_id": company.id}
        )
        segment = self.env["stock.segment"].create(
            {
                "name": "Demo production lots",
                "code": "DPL",
                "company_id": company.id,
                "replenishment_policy": "sS",
                "service_metric": "cycle_service_level",
                "service_level_target": 95.0,
                "holding_cost_rate": 100 * HOLDING,
                "ordering_cost": ORDERING,
            }
        )
        Profile = self.env["stock.planning.profile"].sudo()
        plan = Profile.create(
            {"product_id": product.id, "warehouse_id": warehouse.id, "segment_id": segment.id}
        )
        demand = 1.5  # per day: below the line's rate
        plan.write(
            {
                "avg_daily_demand": demand,
                "demand_sigma_daily": demand / 3.0,
                "forecast_date": self.env["stock.planning.run"]._planning_day(),
            }
        )
        Profile.with_context(stock_segment_no_commit=True)._run_replenishment(
            companies=company, profile_ids=plan.ids
        )
        plan.invalidate_recordset()
        self.assertEqual(plan.lead_time_source, "manufacturing")
        self.assertEqual(plan.policy_status, "ok")
        # By hand from the demo data: P = BoM quantity / minutes per cycle (at the work
        # centre's efficiency) x 120,000 working minutes a year.
        center = operation.workcenter_id
        minutes = operation.time_cycle_manual / ((center.time_efficiency or 100.0) / 100.0)
        P = bom.product_qty / minutes * WORK_MIN_YEAR
        K = (center.time_start + center.time_stop) / 60.0 * center.costs_hour + ORDERING
        D = plan.policy_demand_used * 365.0
        h = HOLDING * product.with_company(company).standard_price
        q = math.sqrt(2.0 * D * K / (h * (1.0 - D / P)))
        self.assertAlmostEqual(plan.epq_production_rate, P, places=4)
        self.assertAlmostEqual(plan.epq_setup_cost, K, places=4)
        self.assertAlmostEqual(plan.epq_qty, q, places=4)
        self.assertAlmostEqual(plan.max_qty - plan.reorder_point_qty, q, places=4)
        self.assertIn(f"EPQ = {q:.2f}", plan.policy_explanation)
