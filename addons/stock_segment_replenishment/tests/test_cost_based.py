"""A stockout cost instead of a service target: what the cost buys in service, on the
plan's calculation and on the segment, recomputed here from the plan's own numbers."""

import math

from odoo.tests import tagged

from invplan.costopt import rq_service_normal

from .common import ReplenishmentCommon


@tagged("post_install", "-at_install")
class TestCostBasedService(ReplenishmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.costed = cls.segment.copy(
            {"name": "Cost-based", "code": "CB", "replenishment_policy": "sQ", "stockout_cost": 2.0}
        )
        cls.plans = cls.profile(cls.history) | cls.profile(cls.thin)
        cls.plans.sudo().write({"segment_id": cls.costed.id})

    def test_implied_service_shown_and_moves_with_the_cost(self):
        self.run_job()
        self.plans.invalidate_recordset()
        for plan in self.plans:
            self.assertEqual(plan.policy_status, "ok")
            self.assertEqual(plan.policy_method, "cost_based")
            # sigma_P = sqrt(sigma_F^2 + d^2 sigma_L^2), as the calculation states it.
            sigma_p = math.hypot(
                plan.policy_error_sigma, plan.policy_demand_used * plan.lead_time_std_days
            )
            self.assertIn(f"sigma_P = {sigma_p:.2f}", plan.policy_explanation)
            # r = mu_P + SS: the reorder point before the daily check's undershoot.
            r = plan.policy_protection_qty + plan.safety_stock_qty
            self.assertLess(r, plan.reorder_point_qty)
            fill, csl = rq_service_normal(r, plan.order_qty, plan.policy_protection_qty, sigma_p)
            self.assertIn(
                f"The stockout cost implies a fill rate of {100 * fill:.2f} % and a cycle "
                f"service of {100 * csl:.1f} %",
                plan.policy_explanation,
            )
        weights = self.plans.mapped("avg_daily_demand")
        expected = sum(
            p.expected_fill_rate * w for p, w in zip(self.plans, weights, strict=True)
        ) / sum(weights)
        segment = self.costed.with_user(self.user)
        self.assertAlmostEqual(segment.implied_fill_rate, 100 * expected, delta=0.05)  # 1 decimal
        self.assertGreater(segment.implied_cycle_service, 0.0)
        low = segment.implied_fill_rate
        # A dearer stockout buys more service.
        self.costed.stockout_cost = 50.0
        self.run_job()
        self.costed.invalidate_recordset()
        self.assertGreater(self.costed.implied_fill_rate, low)
        # A segment with a service target shows no implied service.
        self.assertEqual(self.segment.implied_fill_rate, 0.0)
