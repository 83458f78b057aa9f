from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestShortageTour(HttpCase):
    """A buyer applies the demo shortage allocation from the web client."""

    def test_buyer_applies_demo_shortage(self):
        drill = self.env.ref("stock_segment_execution.demo_product_drill")
        allocation = self.env["stock.shortage.allocation"].search(
            [("product_id", "=", drill.id), ("state", "=", "proposed")]
        )
        if not allocation:
            self.skipTest("No demo data")
        company = self.env.ref("base.main_company")
        new_test_user(
            self.env,
            login="tour_execution_buyer",
            groups="base.group_user,stock.group_stock_user,stock_segment.group_planning_user",
            company_id=company.id,
        )
        self.start_tour(
            "/odoo/action-stock_segment_execution.action_stock_shortage_allocation",
            "stock_segment_execution_apply_shortage",
            login="tour_execution_buyer",
        )
        self.assertEqual(allocation.state, "applied")
        strategic = self.env.ref("stock_segment_execution.demo_partner_strategic")
        moves = self.env["stock.move"].search(
            [("product_id", "=", drill.id), ("picking_id.partner_id", "=", strategic.id)]
        )
        self.assertEqual(moves.quantity, 8.0)
