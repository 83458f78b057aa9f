"""Execution KPIs by tier and segment against a hand computation."""

from odoo.tests import TransactionCase, tagged

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


@tagged("post_install", "-at_install")
class TestExecutionDemo(TransactionCase):
    def test_demo_has_counts_and_kpi_snapshot(self):
        """Right after install with demo data, Record Accuracy has counts applied through
        Physical Inventory and Execution by Tier has a snapshot of the main company."""
        if not self.env.ref("stock_segment_execution.demo_product_drill", False):
            self.skipTest("installed without demo data")
        company = self.env.ref("stock.warehouse0").company_id
        counts = self.env["stock.count.result"].search(
            [("company_id", "=", company.id), ("segment_id", "!=", False)]
        )
        self.assertTrue(counts)
        snapshot = self.env["stock.execution.kpi"].search([("company_id", "=", company.id)])
        self.assertTrue(snapshot.filtered("tier_id"))
        by_segment = snapshot.filtered(lambda row: row.segment_id and not row.tier_id)
        self.assertEqual(set(by_segment.segment_id.ids), set(counts.segment_id.ids))
        self.assertEqual(sum(by_segment.mapped("counts")), len(counts))
