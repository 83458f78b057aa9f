from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestLifecycleMenus(TransactionCase):
    def test_menus_in_the_planning_sections(self):
        """Lifecycle screens under Inventory > Planning > Lifecycle, their settings under
        Inventory > Configuration > Planning (for Planning Managers)."""
        lifecycle = self.env.ref("stock_segment.menu_planning_lifecycle")
        config = self.env.ref("stock_segment.menu_planning_config")
        manager = self.env.ref("stock_segment.group_planning_manager")
        for xmlid in (
            "menu_stock_aging_report",
            "menu_stock_slow_moving",
            "menu_stock_last_time_buy",
            "menu_purchase_line_lifecycle",
            "menu_stock_provision_proposal",
            "menu_stock_reuse_suggestion",
            "menu_stock_disposal",
            "menu_stock_aging_export",
        ):
            menu = self.env.ref(f"stock_segment_lifecycle.{xmlid}")
            self.assertEqual(menu.parent_id, lifecycle, xmlid)
            self.assertTrue(menu.action, xmlid)
        for xmlid in (
            "menu_stock_aging_bucket",
            "menu_stock_provision_rate",
            "menu_stock_lifecycle_policy",
        ):
            menu = self.env.ref(f"stock_segment_lifecycle.{xmlid}")
            self.assertEqual(menu.parent_id, config, xmlid)
            self.assertEqual(menu.group_ids, manager, xmlid)
        # The former section menus are gone.
        for xmlid in ("menu_stock_lifecycle_root", "menu_stock_lifecycle_config"):
            self.assertFalse(
                self.env.ref(f"stock_segment_lifecycle.{xmlid}", raise_if_not_found=False)
            )
