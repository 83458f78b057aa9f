"""The planner's overview, the menu a planner opens and the rules' names, as users see them."""

from datetime import date, timedelta

from odoo.tests import HttpCase, tagged

from .common import StockSegmentCommon, new_company_user


@tagged("post_install", "-at_install")
class TestOverview(StockSegmentCommon):
    def _card(self, kind, user):
        card = self.env["stock.planning.card"].search([("kind", "=", kind)], limit=1)
        self.assertTrue(card, f"no {kind} card")
        return card.with_user(user).with_company(self.company)

    def test_plans_card_counts_what_its_list_shows(self):
        self.classify()
        user = new_company_user(
            self.env,
            "ovw_user",
            "stock_segment.group_planning_user,stock.group_stock_user",
            self.company,
        )
        card = self._card("plans", user)
        plans = self.Profile.search([("company_id", "=", self.company.id)])
        self.assertTrue(plans)
        self.assertEqual(card.count, len(plans))
        self.assertEqual(card.state, "ok")
        self.assertFalse(card.show_amount, "a count of plans has no amount")
        # A quarantined plan turns the card red and is named in its detail.
        plans[0].data_quarantine = True
        card.invalidate_recordset()
        self.assertEqual(card.state, "danger")
        self.assertIn("1", card.detail)
        action = card.action_open()
        self.assertEqual(action["res_model"], "stock.planning.profile")

    def test_every_card_computes_and_opens_for_a_planning_user(self):
        """Every card any planning addon installs computes for a plain planning user and
        opens a window on a model that user can read."""
        user = new_company_user(
            self.env,
            "ovw_user2",
            "stock_segment.group_planning_user,stock.group_stock_user",
            self.company,
        )
        cards = self.env["stock.planning.card"].search([]).with_user(user)
        self.assertTrue(cards)
        for card in cards:
            self.assertIsInstance(card.count, int, card.kind)
            self.assertIn(card.state, ("ok", "warning", "danger"), card.kind)
            action = card.action_open()
            self.assertEqual(action["type"], "ir.actions.act_window", card.kind)
            model = self.env[action["res_model"]].with_user(user)
            model.search_count(action.get("domain") or [])

    def test_menu_work_queue_first(self):
        """Planning opens on a work queue (Overview, Plans, ...); sections follow; the
        segments are under Configuration."""
        user = new_company_user(
            self.env,
            "ovw_user3",
            "stock_segment.group_planning_user,stock.group_stock_user",
            self.company,
        )
        menus = self.env["ir.ui.menu"].with_user(user).load_menus(debug=False)
        root = self.env.ref("stock_segment.menu_stock_planning_root")
        work = self.env.ref("stock_segment.menu_planning_work")
        self.assertEqual(menus[root.id]["children"][0], work.id)
        first = menus[work.id]["children"][0]
        self.assertEqual(first, self.env.ref("stock_segment.menu_stock_planning_overview").id)
        visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        config = self.env.ref("stock_segment.menu_planning_config")
        segments = self.env.ref("stock_segment.menu_stock_segment")
        self.assertEqual(segments.parent_id, config)
        self.assertEqual(config.parent_id, self.env.ref("stock.menu_stock_config_settings"))
        self.assertIn(segments.id, visible)

    def test_rule_display_name(self):
        segment = self.env["stock.segment"].create(
            {"name": "Overview AX", "code": "OVAX", "company_id": self.company.id}
        )
        rule = self.env["stock.segment.rule"].create(
            {
                "segment_id": segment.id,
                "company_id": self.company.id,
                "abc_class": "A",
                "xyz_class": "X",
                "sequence": 7,
                "demand_pattern": "smooth",
            }
        )
        self.assertEqual(rule.display_name, "Rule 7: A, X, Smooth \u2192 Overview AX")
        self.assertNotIn("stock.segment.rule", rule.display_name)


@tagged("post_install", "-at_install")
class TestClassifyTour(HttpCase):
    """A planning manager presses "Classify now" in the browser, from the list and the form."""

    def _run(self, tour):
        Profile = self.env["stock.planning.profile"]
        plans = Profile.search([("company_id", "=", self.env.company.id)])
        self.assertTrue(plans, "the demo has plans")
        old = date.today() - timedelta(days=30)
        self.env.cr.execute(
            "UPDATE stock_planning_profile SET classification_date = %s WHERE id = ANY(%s)",
            [old, plans.ids],
        )
        plans.invalidate_recordset()
        self.start_tour(
            "/odoo/action-stock_segment.action_stock_planning_profile",
            tour,
            login="admin",
            timeout=120,
        )
        plans.invalidate_recordset()
        fresh = plans.filtered(lambda p: p.classification_date and p.classification_date > old)
        self.assertTrue(fresh, "the button classified the plans again")

    def test_classify_from_list(self):
        self._run("stock_segment_classify_from_list")

    def test_classify_from_form(self):
        self._run("stock_segment_classify_from_form")
