from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestNetworkTour(HttpCase):
    """A planning manager opens the resupply network and runs the placement from it."""

    def test_manager_runs_placement(self):
        company = self.env.ref("base.main_company")
        central = self.env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
        regional = self.env["stock.warehouse"].create(
            {
                "name": "Tour Regional",
                "code": "TREG",
                "company_id": company.id,
                "resupply_wh_ids": [(6, 0, central.ids)],
            }
        )
        segment = self.env["stock.segment"].create(
            {"name": "Tour network", "code": "TNW", "network_placement": True}
        )
        product = self.env["product.product"].create(
            {"name": "Tour Network Product", "type": "consu", "is_storable": True}
        )
        for wh, mu in ((central, 3.0), (regional, 5.0)):
            plan = self.env["stock.planning.profile"].create(
                {"product_id": product.id, "warehouse_id": wh.id, "segment_id": segment.id}
            )
            plan.sudo().write(
                {"forecast_daily": mu, "demand_sigma_daily": 2.0, "lead_time_days": 6.0}
            )
        new_test_user(
            self.env,
            login="tour_network_manager",
            groups="base.group_user,stock.group_stock_user,stock_segment.group_planning_manager",
            company_id=company.id,
        )
        self.start_tour(
            "/odoo/action-stock_segment_network.action_stock_network_company",
            "stock_segment_network_run_placement",
            login="tour_network_manager",
        )
        rows = self.env["stock.network.placement"].search([("product_id", "=", product.id)])
        self.assertEqual(rows.warehouse_id, central | regional)
        self.assertTrue(rows.proposal_id)
