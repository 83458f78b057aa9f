from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPlanningDashboardTour(HttpCase):
    def test_stock_manager_opens_the_dashboard(self):
        """A stock manager opens Inventory Planning in the Dashboards app: the
        spreadsheet renders (its JSON loads without error), every formula evaluates without
        error once its data is loaded, and the dashboard can be starred."""
        company = self.env.ref("base.main_company")
        user = new_test_user(
            self.env,
            login="dashboard_tour_manager",
            groups="stock.group_stock_manager",
            company_id=company.id,
            company_ids=[(6, 0, [company.id])],
        )
        dashboard = self.env.ref("stock_segment_dashboard.spreadsheet_dashboard_inventory_planning")
        # The field reads the current user's favorite only: read it as the user.
        self.assertFalse(dashboard.with_user(user).is_favorite)
        # Only this dashboard is shown: another addon's dashboard (whose file may be
        # missing in a database copied without its filestore) is never loaded first.
        self.env["spreadsheet.dashboard"].search([("id", "!=", dashboard.id)]).write(
            {"is_published": False}
        )
        self.start_tour(
            "/odoo/action-spreadsheet_dashboard.ir_actions_dashboard_action"
            f"?dashboard_id={dashboard.id}",
            "stock_segment_dashboard_open",
            login=user.login,
        )
        dashboard.invalidate_recordset(["favorite_user_ids", "is_favorite"])
        self.assertTrue(dashboard.with_user(user).is_favorite)
