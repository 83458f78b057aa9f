"""The replenishment job and the command line compute rules by one engine path
(``invplan.planning.plan_policy``) with the same segment settings: a fill-rate target met
by a group of segments as a whole, and an order cycle in days of demand."""

import numpy as np
import pandas as pd
from freezegun import freeze_time
from odoo.tests import tagged

from invplan.planning import SEGMENT_COLUMNS, plan_policy

from .common import TODAY, ReplenishmentCommon


@tagged("post_install", "-at_install")
class TestPlanPolicy(ReplenishmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Segment = cls.env["stock.segment"]
        common = {
            "company_id": cls.company.id,
            "replenishment_policy": "sS",
            "service_metric": "fill_rate",
            "service_level_target": 98.0,
            "holding_cost_rate": 20.0,
            "ordering_cost": 40.0,
            "order_cover_days": 14.0,
            "allocate_service": True,
            "allocation_group": "A",
        }
        # Two segments of one group (as AX and AY): their plans share the 98 % target.
        cls.seg_ax = Segment.create(dict(common, name="Pooled steady", code="PAX"))
        cls.seg_ay = Segment.create(dict(common, name="Pooled variable", code="PAY"))
        # An order cycle of 14 days of demand, each item on its own target.
        cls.seg_cover = Segment.create(
            dict(
                common,
                name="Two-week orders",
                code="CV14",
                service_metric="cycle_service_level",
                service_level_target=95.0,
                allocate_service=False,
                allocation_group=False,
            )
        )
        # (name, unit cost, vendor delay, demand per day, daily sigma, segment)
        spec = [
            ("cheap fast", 2.0, 5, 10.0, 3.0, cls.seg_ax),
            ("cheap faster", 5.0, 7, 20.0, 5.0, cls.seg_ay),
            ("dear", 80.0, 10, 3.0, 2.0, cls.seg_ax),
            ("dearest", 200.0, 12, 1.5, 1.2, cls.seg_ay),
        ]
        cls.pooled = cls.env["product.product"]
        for name, cost, delay, d, s, segment in spec:
            product = cls._product(name, cost, vendor_delay=delay)
            profile = cls.Profile.create(
                {"product_id": product.id, "warehouse_id": cls.wh.id, "segment_id": segment.id}
            )
            cls.set_forecast(profile, d, s)
            cls.pooled |= product
        cls.cover = cls._product("two-week orders", 10.0, vendor_delay=6)
        profile = cls.Profile.create(
            {"product_id": cls.cover.id, "warehouse_id": cls.wh.id, "segment_id": cls.seg_cover.id}
        )
        cls.set_forecast(profile, 6.0, 2.0)

    def engine_rules(self, plans):
        """``plan_policy`` on the plans' inputs as the job stored them, with the segment
        table built here from the segment records."""
        segments = pd.DataFrame(
            [
                (
                    s.id,
                    s.name,
                    "fill_rate" if s.service_metric == "fill_rate" else "csl",
                    s.service_level_target / 100.0,
                    s.replenishment_policy,
                    0.0,
                    s.holding_cost_rate / 100.0,
                    s.order_cover_days,
                    s.allocate_service,
                    s.allocation_group or "",
                )
                for s in plans.segment_id
            ],
            columns=list(SEGMENT_COLUMNS),
        )
        return plan_policy(
            plans.mapped("policy_demand_used"),
            plans.mapped("demand_sigma_daily"),
            plans.mapped("policy_error_sigma"),
            plans.mapped("lead_time_days"),
            plans.mapped("lead_time_std_days"),
            np.array([p.segment_id.id for p in plans], dtype=object),
            segments,
            unit_cost=plans.mapped("unit_cost_used"),
            ordering_cost=[p.segment_id.ordering_cost for p in plans],
            moq=plans.mapped("moq_qty"),
            pack_multiple=plans.mapped("pack_multiple_qty"),
            as_of=pd.Timestamp(TODAY),
        )

    def plans(self, products):
        return self.Profile.browse([self.profile(p).id for p in products])

    def test_pooled_group_meets_its_target_as_a_whole(self):
        self.run_job()
        plans = self.plans(self.pooled)
        self.assertEqual(set(plans.mapped("policy_status")), {"ok"})
        d = np.array(plans.mapped("policy_demand_used"))
        fill = np.array(plans.mapped("expected_fill_rate"))
        group_fill = float((d * fill).sum() / d.sum())
        self.assertAlmostEqual(group_fill, 0.98, delta=0.005)
        # Cheap, fast items above the group's target, dear, slow ones below.
        self.assertGreater(fill[0], 0.98)
        self.assertGreater(fill[1], 0.98)
        self.assertLess(fill[2], 0.98)
        self.assertLess(fill[3], 0.98)
        # The same numbers by the engine on the inputs read back.
        expected = self.engine_rules(plans)
        np.testing.assert_allclose(fill, expected["expected_fill_rate"], atol=1e-4)
        self.assertIn("Target met over the group A", plans[0].policy_explanation)

    def test_order_cycle_in_days_of_demand(self):
        self.run_job()
        plan = self.profile(self.cover)
        self.assertEqual(plan.policy_status, "ok")
        self.assertAlmostEqual(plan.policy_demand_used, 6.0)
        # 14 days of demand, rounded up to whole units as the engine rounds (no pack).
        self.assertAlmostEqual(plan.order_qty, 84.0)
        op = self.orderpoint(self.cover)
        self.assertEqual(op.product_max_qty - op.product_min_qty, 84.0)
        self.assertIn("14 days of demand", plan.policy_explanation)

    def test_same_inputs_same_rule_as_the_engine(self):
        self.run_job()
        plans = self.plans(self.pooled | self.cover)
        expected = self.engine_rules(plans)
        for i, plan in enumerate(plans):
            row = expected.iloc[i]
            for fname, column in (
                ("safety_stock_qty", "safety_stock"),
                ("reorder_point_qty", "reorder_point"),
                ("order_qty", "order_qty"),
                ("max_qty", "order_up_to"),
                ("expected_fill_rate", "expected_fill_rate"),
                ("cycle_service_level", "expected_csl"),
                ("avg_stock_value", "avg_stock_value"),
            ):
                self.assertAlmostEqual(
                    plan[fname], row[column], places=3, msg=f"{plan.product_id.name} {fname}"
                )
            op = self.orderpoint(plan.product_id)
            self.assertEqual(op.product_min_qty, np.ceil(row["reorder_point"] - 1e-9))
            self.assertEqual(
                op.product_max_qty,
                max(np.ceil(row["order_up_to"] - 1e-9), np.ceil(row["reorder_point"] - 1e-9)),
            )

    def test_recompute_one_plan_keeps_its_pooled_target(self):
        """Recompute Policy on one plan of a pool computes it with its pool, as the
        nightly run does: its rule does not move."""
        self.run_job()
        plan = self.profile(self.pooled[0])
        before = (plan.reorder_point_qty, plan.max_qty, plan.expected_fill_rate)
        other = self.profile(self.pooled[2])
        other_date = other.write_date
        with freeze_time(TODAY):
            plan.with_user(self.manager).action_compute_policy_now()
        plan.invalidate_recordset()
        self.assertEqual((plan.reorder_point_qty, plan.max_qty, plan.expected_fill_rate), before)
        self.assertEqual(other.write_date, other_date)
