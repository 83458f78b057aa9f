"""Execution KPIs by tier and segment against a hand computation."""

from odoo.tests import tagged

from .common import ExecutionCommon


@tagged("post_install", "-at_install")
class TestExecutionKpi(ExecutionCommon):
    def ship(self, order, qty):
        picking = order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        picking.move_ids.quantity = qty
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=True).button_validate()

    def test_fill_rate_on_time_and_conversion(self):
        """Two strategic lines of 5 and 10, promised today: the first shipped in full, the
        second half, both today. Fill rate 10/15, on time 2/2, in full 1/2; the spot
        customer's cancelled delivery makes its conversion 0 %."""
        self.set_stock(15)
        first = self.sale(self.partners[self.strategic], 5)
        second = self.sale(self.partners[self.strategic], 10)
        spot = self.sale(self.partners[self.spot], 1)
        self.ship(first, 5)
        self.ship(second, 5)
        spot.picking_ids.action_cancel()
        Kpi = self.env["stock.execution.kpi"]
        Kpi._run_kpi(companies=self.company)
        row = Kpi.search(
            [("company_id", "=", self.company.id), ("tier_id", "=", self.strategic.id)]
        )
        self.assertEqual(len(row), 1)
        self.assertEqual(row.segment_id, self.segment)
        self.assertEqual(row.lines, 2)
        self.assertAlmostEqual(row.fill_rate, 100.0 * 10 / 15, places=4)
        self.assertAlmostEqual(row.on_time_rate, 100.0)
        self.assertAlmostEqual(row.otif_rate, 50.0)
        self.assertEqual(row.moves_done, 2)
        self.assertAlmostEqual(row.conversion_rate, 100.0)
        spot_row = Kpi.search(
            [("company_id", "=", self.company.id), ("tier_id", "=", self.spot.id)]
        )
        self.assertEqual(spot_row.moves_cancelled, 1)
        self.assertAlmostEqual(spot_row.conversion_rate, 0.0)
        # Rerun the same day: replaced, not duplicated.
        Kpi._run_kpi(companies=self.company)
        self.assertEqual(
            Kpi.search_count(
                [("company_id", "=", self.company.id), ("tier_id", "=", self.strategic.id)]
            ),
            1,
        )
