"""The KPI cards of the planner's overview and where the KPI screens sit in the menus."""

from datetime import date

from odoo.addons.stock_segment.tests.common import new_company_user
from odoo.tests import tagged

from .common import MONTH_START
from .test_undefined_kpis import KpiIdleCommon


@tagged("post_install", "-at_install")
class TestKpiOverview(KpiIdleCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.planner = new_company_user(
            cls.env,
            "kpi_planner",
            "stock_segment.group_planning_user,stock.group_stock_user",
            cls.company,
        )

    def _card(self, kind):
        card = self.env["stock.planning.card"].search([("kind", "=", kind)], limit=1)
        self.assertTrue(card, f"no {kind} card")
        return card.with_user(self.planner).with_company(self.company)

    def test_service_card(self):
        card = self._card("kpi_service")
        self.assertEqual(card.detail, "No KPI snapshot yet")
        self.run_march()
        card.invalidate_recordset()
        # Two segments: one below target, the idle one without data (not counted).
        self.assertEqual(card.count, 0)
        self.assertEqual(card.detail, "0 of 1 segments on target (2025-03)")
        self.assertEqual(card.state, "danger")
        self.assertFalse(card.show_amount)
        action = card.action_open()
        self.assertEqual(action["res_model"], "stock.kpi.snapshot")
        self.assertEqual(action["domain"], [("date_from", "=", MONTH_START)])
        rows = (
            self.env["stock.kpi.snapshot"]
            .with_user(self.planner)
            .search(action["domain"] + [("level", "=", "segment"), ("period_type", "=", "month")])
        )
        self.assertEqual(set(rows.mapped("service_status")), {"red", "none"})
        # On target once the target is met.
        self.month_row().sudo().write({"service_status": "green"})
        card.invalidate_recordset()
        self.assertEqual(card.count, 1)
        self.assertEqual(card.detail, "1 of 1 segments on target (2025-03)")
        self.assertEqual(card.state, "ok")

    def test_stock_value_card(self):
        self.run_march()
        card = self._card("kpi_stock_value")
        days = self.Snapshot.sudo().search(
            [
                ("period_type", "=", "day"),
                ("level", "=", "segment"),
                ("company_id", "=", self.company.id),
            ]
        )
        last = sum(
            days.filtered(lambda r: r.date_from == date(2025, 3, 31)).mapped("end_inventory_value")
        )
        before = sum(
            days.filtered(lambda r: r.date_from == date(2025, 3, 1)).mapped("end_inventory_value")
        )
        self.assertGreater(before, 0.0)
        self.assertTrue(card.show_amount)
        self.assertAlmostEqual(card.amount, last, places=2)
        change = 100.0 * (last - before) / before
        self.assertEqual(card.detail, f"{change:+.1f} % over 30 days (2025-03-31)")
        self.assertEqual(card.count, 3, "products in the figure")
        action = card.action_open()
        self.assertEqual(
            action["id"], self.env.ref("stock_segment_kpi.action_stock_kpi_value_trend").id
        )
        self.assertIn("end_inventory_value", action["context"])

    def test_menus_under_planning_kpis(self):
        reporting = self.env.ref("stock_segment.menu_planning_reporting")
        for xmlid in (
            "menu_stock_kpi_dashboard",
            "menu_stock_kpi_scorecard",
            "menu_stock_kpi_trend",
            "menu_stock_kpi_product",
            "menu_stock_kpi_benchmark",
            "menu_stock_kpi_alerts",
            "menu_stock_kpi_export",
        ):
            self.assertEqual(self.env.ref(f"stock_segment_kpi.{xmlid}").parent_id, reporting, xmlid)
        visible = self.env["ir.ui.menu"].with_user(self.planner)._visible_menu_ids()
        self.assertIn(self.env.ref("stock_segment_kpi.menu_stock_kpi_scorecard").id, visible)
        # The finance app stays an app of its own.
        finance = self.env.ref("stock_segment_kpi.menu_stock_kpi_finance_root")
        self.assertFalse(finance.parent_id)
        self.assertEqual(
            self.env.ref("stock_segment_kpi.menu_stock_kpi_finance_export").parent_id, finance
        )
