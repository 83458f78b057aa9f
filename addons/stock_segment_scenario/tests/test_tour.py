from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestScenarioTour(HttpCase):
    """A planning manager creates and evaluates a scenario in the browser and reads the
    side-by-side results once the background job has run."""

    def test_manager_creates_evaluates_and_reads_a_scenario(self):
        company = self.env.ref("base.main_company")
        segment = self.env.ref("stock_segment.segment_ax")
        new_test_user(
            self.env,
            login="tour_scenario_manager",
            groups="base.group_user,stock.group_stock_user,stock_segment.group_planning_manager",
            company_id=company.id,
        )
        Scenario = self.env["stock.planning.scenario"]
        self.start_tour(
            "/odoo/action-stock_segment_scenario.action_stock_planning_scenario",
            "stock_segment_scenario_create_evaluate",
            login="tour_scenario_manager",
        )
        scenario = Scenario.search([("name", "=", "Tour: A-X to 99 %")])
        self.assertEqual(len(scenario), 1)
        self.assertEqual(scenario.user_id.login, "tour_scenario_manager")
        self.assertEqual(scenario.job_state, "queued")
        self.assertEqual(scenario.state, "draft")
        self.assertEqual(scenario.change_ids.segment_id, segment)
        self.assertEqual(scenario.change_ids.kind, "service_target")
        self.assertEqual(scenario.change_ids.value, 99.0)
        # The scheduled action the Evaluate button triggered.
        Scenario._cron_evaluate()
        self.assertEqual(scenario.state, "evaluated")
        ax = scenario.result_ids.filtered(lambda r: r.segment_id == segment)
        self.assertTrue(ax)
        self.assertGreater(
            sum(ax.mapped("scenario_stock_value")), sum(ax.mapped("current_stock_value"))
        )
        self.start_tour(
            f"/odoo/action-stock_segment_scenario.action_stock_planning_scenario/{scenario.id}",
            "stock_segment_scenario_results",
            login="tour_scenario_manager",
        )
