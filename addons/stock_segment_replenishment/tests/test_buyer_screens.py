"""What a buyer sees: the plan form and list, the product's planning tab, safety stock
never below zero, no data instead of 0 %, human labels, the overview card."""

import math
from datetime import timedelta
from unittest.mock import patch

from lxml import etree
from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from ..models import stock_planning_profile as profile_module
from .common import ReplenishmentCommon

# The columns a buyer acts on, visible by default on the plans list.
BUYER_COLUMNS = {
    "product_id",
    "warehouse_id",
    "segment_id",
    "forecast_daily",
    "safety_stock_display",
    "reorder_point_qty",
    "max_qty",
    "qty_on_hand",
    "policy_status",
}


@tagged("post_install", "-at_install")
class TestBuyerScreens(ReplenishmentCommon):
    def _arch(self, model, view_type):
        view = self.env[model].with_user(self.manager).get_view(view_type=view_type)
        return etree.fromstring(view["arch"])

    # ------------------------------------------------------------------ 1. stat button
    def test_pending_proposals_stat_button_has_value_and_label(self):
        arch = self._arch("stock.planning.profile", "form")
        buttons = arch.xpath("//button[@name='action_view_proposals']")
        self.assertEqual(len(buttons), 1)
        button = buttons[0]
        self.assertIn("oe_stat_button", button.get("class"))
        self.assertTrue(button.xpath("ancestor::div[hasclass('oe_button_box')]"))
        value = button.xpath(".//span[hasclass('o_stat_value')]/field")
        self.assertEqual([f.get("name") for f in value], ["pending_proposal_count"])
        self.assertIsNone(value[0].get("widget"), "no statinfo widget glued to its label")
        label = button.xpath(".//span[hasclass('o_stat_text')]")
        self.assertEqual(label[0].text.strip(), "Pending Proposals")

    # ------------------------------------------------------------------ 2. plan header
    def test_plan_header_right_after_title(self):
        arch = self._arch("stock.planning.profile", "form")
        title = arch.xpath("//div[hasclass('oe_title')]")[0]
        summary = title.getnext()
        self.assertEqual(summary.get("name"), "replenishment_summary")
        names = {f.get("name") for f in summary.iter("field")}
        for name in (
            "segment_id",
            "forecast_daily",
            "safety_stock_display",
            "reorder_point_qty",
            "max_qty",
            "qty_on_hand",
            "qty_forecasted",
            "next_receipt_date",
            "next_receipt_qty",
        ):
            self.assertIn(name, names)

    def test_stock_position_and_next_receipt(self):
        self.run_job()
        plan = self.profile(self.history)
        self.env["stock.quant"]._update_available_quantity(self.history, self.wh.lot_stock_id, 7.0)
        expected = fields.Datetime.now().replace(microsecond=0) + timedelta(days=4)
        order = (
            self.env["purchase.order"]
            .with_company(self.company)
            .create(
                {
                    "partner_id": self.vendor.id,
                    "company_id": self.company.id,
                    "picking_type_id": self.wh.in_type_id.id,
                    "order_line": [
                        fields.Command.create(
                            {
                                "product_id": self.history.id,
                                "product_qty": 25.0,
                                "price_unit": 30.0,
                                "date_planned": expected,
                            }
                        )
                    ],
                }
            )
        )
        order.with_context(tracking_disable=True).button_confirm()
        plan.invalidate_recordset()
        plan = plan.with_company(self.company)
        self.assertEqual(plan.qty_on_hand, 7.0)
        self.assertEqual(plan.qty_forecasted, 32.0)
        self.assertEqual(plan.next_receipt_qty, 25.0)
        self.assertEqual(plan.next_receipt_date, expected)
        self.assertFalse(plan.next_receipt_late)
        # Below the safety stock: flagged for the buyer.
        self.assertGreater(plan.safety_stock_display, 7.0)
        self.assertTrue(plan.below_safety_stock)
        # A plan with nothing on order shows no receipt.
        thin = self.profile(self.thin).with_company(self.company)
        self.assertFalse(thin.next_receipt_date)
        self.assertEqual(thin.next_receipt_qty, 0.0)

    def test_product_planning_tab_lists_min_max_per_warehouse(self):
        self.run_job()
        arch = self._arch("product.template", "form")
        page = arch.xpath("//page[@name='planning']")[0]
        columns = [
            f.get("name")
            for f in page.xpath(".//field[@name='replenishment_plan_ids']/list/field")
            if f.get("column_invisible") != "1"
        ]
        for name in (
            "warehouse_id",
            "reorder_point_qty",
            "max_qty",
            "safety_stock_display",
            "qty_on_hand",
        ):
            self.assertIn(name, columns)
        template = self.history.product_tmpl_id.with_company(self.company)
        plan = self.profile(self.history)
        self.assertEqual(template.replenishment_plan_ids, plan)
        op = self.orderpoint(self.history)
        self.assertEqual(op.product_min_qty, math.ceil(plan.reorder_point_qty - 1e-9))
        self.assertEqual(op.product_max_qty, math.ceil(plan.max_qty - 1e-9))

    # ------------------------------------------------------------------ 3. safety stock
    def test_negative_safety_stock_is_shown_as_zero_and_reorder_point_kept(self):
        """Under a fill-rate target the engine may give a negative safety stock: the plan
        keeps the signed value and the engine's reorder point, buyers see 0."""
        original = profile_module.plan_policy
        engine = {}

        def negative_safety_stock(*args, **kwargs):
            result = original(*args, **kwargs)
            ok = result["status"].eq("ok")
            result.loc[ok, "safety_stock"] = -1.53
            engine["reorder_point"] = result["reorder_point"].copy()
            return result

        with patch.object(profile_module, "plan_policy", negative_safety_stock):
            self.run_job()
        plan = self.profile(self.history)
        self.assertEqual(plan.policy_status, "ok")
        self.assertAlmostEqual(plan.safety_stock_qty, -1.53, places=6)
        self.assertEqual(plan.safety_stock_display, 0.0)
        self.assertIn(
            round(plan.reorder_point_qty, 6),
            {round(float(v), 6) for v in engine["reorder_point"]},
            "the reorder point is the engine's",
        )
        self.assertGreater(plan.reorder_point_qty, 0.0)
        self.assertIn("safety stock 0.00 (the reorder point is 1.53 below", plan.policy_explanation)
        self.assertFalse(self.open_exceptions(self.history, "data_quality"))
        # The reorder rule carries the engine's reorder point.
        self.assertEqual(
            self.orderpoint(self.history).product_min_qty,
            math.ceil(plan.reorder_point_qty - 1e-9),
        )
        # The field help says why the reorder point can sit below the lead-time demand.
        help_text = self.Profile._fields["safety_stock_display"].help
        self.assertIn("below the demand over the lead time", help_text)
        # Every screen shows the displayed value; the signed one only as a hidden column.
        for model, view_type in (("stock.planning.profile", "list"),):
            arch = self._arch(model, view_type)
            signed = arch.xpath("//field[@name='safety_stock_qty']")
            self.assertTrue(all(f.get("optional") == "hide" for f in signed))
        form = self._arch("stock.planning.profile", "form")
        signed = form.xpath("//field[@name='safety_stock_qty']")
        self.assertTrue(signed)
        for field in signed:
            self.assertEqual(field.get("invisible"), "1", "debug mode only")

    # ------------------------------------------------------------------ 4. no data
    def test_on_time_rate_without_receipts_is_no_data(self):
        self.run_job()
        Stat = self.env["stock.supplier.lead.time"]
        empty = Stat.search([("product_id", "=", self.zero_lt.id)])
        self.assertEqual(empty.receipt_count, 0)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT on_time_rate, recent_mean FROM stock_supplier_lead_time WHERE id = %s",
                empty.id,
            )
        )
        self.assertEqual(self.env.cr.fetchone(), (None, None), "NULL, not 0")
        self.assertEqual(empty.on_time_display, "no data")
        history = Stat.search(
            [("product_id", "=", self.history.id), ("partner_id", "=", self.vendor.id)]
        )
        self.assertEqual(history.on_time_display, f"{history.on_time_rate:.1f} %")
        # The average leaves the vendors without receipts out.
        company_stats = Stat.search([("company_id", "=", self.company.id)])
        with_data = company_stats.filtered("receipt_count")
        self.assertLess(len(with_data), len(company_stats))
        [[average]] = Stat._read_group(
            [("company_id", "=", self.company.id)], [], ["on_time_rate:avg"]
        )
        self.assertAlmostEqual(
            average, sum(with_data.mapped("on_time_rate")) / len(with_data), places=6
        )
        # The plan's supplier on-time rate: no data without receipts, set with them.
        self.env.cr.execute(
            SQL(
                "SELECT supplier_on_time_rate FROM stock_planning_profile WHERE id = %s",
                self.profile(self.zero_lt).id,
            )
        )
        self.assertIsNone(self.env.cr.fetchone()[0])
        self.assertTrue(self.profile(self.history).supplier_on_time_rate)

    def test_rates_of_unplanned_plans_are_no_data(self):
        self.run_job()
        plan = self.profile(self.no_cost)
        self.assertNotIn(plan.policy_status, ("ok", "conflicting_limits"))
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT expected_fill_rate, cycle_service_level, coverage_days
                     FROM stock_planning_profile WHERE id = %s""",
                plan.id,
            )
        )
        self.assertEqual(self.env.cr.fetchone(), (None, None, None))
        # A segment without planned items with demand has no implied service.
        self.segment.stockout_cost = 50.0
        self.segment.invalidate_recordset()
        self.assertTrue(self.segment.implied_service_known)
        empty = self.segment.copy({"name": "Empty cost-based", "code": "EC"})
        empty.stockout_cost = 50.0
        self.assertFalse(empty.implied_service_known)
        self.assertFalse(empty.implied_fill_rate)

    def test_change_from_zero_has_no_percentage(self):
        self.run_job()
        created = self.Proposal.search(
            [("company_id", "=", self.company.id), ("action", "=", "create")]
        )
        self.assertTrue(created)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT min_change_pct, max_change_pct FROM stock_replenishment_proposal
                    WHERE id = ANY(%s)""",
                created.ids,
            )
        )
        self.assertEqual(set(self.env.cr.fetchall()), {(None, None)})
        # A change of an existing rule has its percentage.
        plan = self.profile(self.history)
        self.set_forecast(plan, 18.0, 5.0)
        self.run_job()
        update = self.Proposal.search(
            [("profile_id", "=", plan.id), ("action", "=", "update")], order="id desc", limit=1
        )
        expected = (update.new_min_qty - update.old_min_qty) / update.old_min_qty * 100.0
        self.assertAlmostEqual(update.min_change_pct, round(abs(expected), 1), places=1)

    # ------------------------------------------------------------------ 5. labels
    def test_selections_have_human_labels(self):
        method = dict(self.Profile._fields["policy_method"].selection)
        self.assertEqual(method["negbin"], "Negative binomial (slow mover)")
        self.assertEqual(method["normal"], "Normal")
        self.assertEqual(dict(self.Profile._fields["policy_status"].selection)["ok"], "Planned")
        checked = 0
        for model in self.env.registry.values():
            for field in model._fields.values():
                if field.type != "selection" or field._module != "stock_segment_replenishment":
                    continue
                selection = field.selection
                if not isinstance(selection, list):
                    continue
                for key, label in selection:
                    checked += 1
                    self.assertTrue(label, f"{model._name}.{field.name}: {key} has no label")
                    self.assertNotEqual(
                        label, key, f"{model._name}.{field.name}: label is the key {key}"
                    )
                    self.assertNotIn("_", label, f"{model._name}.{field.name}: {label}")
        self.assertGreater(checked, 20)
        # Engine statuses written by the job are all known to the selection.
        from invplan.policy import STATUSES

        self.assertLessEqual(
            set(STATUSES), set(dict(self.Profile._fields["policy_status"].selection))
        )
        # Rates are shown with one decimal.
        for view_type in ("form", "list"):
            arch = self._arch("stock.planning.profile", view_type)
            for name in ("expected_fill_rate", "cycle_service_level"):
                for field in arch.xpath(f"//field[@name='{name}'][@widget='percentage']"):
                    self.assertEqual(field.get("digits"), "[16, 1]")

    def test_explanation_uses_labels(self):
        self.run_job()
        text = self.profile(self.history).policy_explanation
        self.assertIn("source Receipts of this warehouse", text)
        self.assertNotIn("source history_warehouse", text)
        self.assertIn("cycle service target", text)

    # ------------------------------------------------------------------ 6. plans list
    def test_plans_list_shows_what_the_buyer_acts_on(self):
        own = etree.fromstring(
            self.env.ref(
                "stock_segment_replenishment.stock_planning_profile_view_list_replenishment"
            ).arch
        )
        shown = set()
        for field in own.iter("field"):
            name = field.get("name")
            if field.get("column_invisible") == "1":
                continue
            if field.get("optional") == "hide":
                continue
            shown.add(name)
        self.assertEqual(
            shown,
            {
                "safety_stock_display",
                "reorder_point_qty",
                "max_qty",
                "qty_on_hand",
                "policy_status",
            },
        )
        arch = self._arch("stock.planning.profile", "list")
        visible = {
            f.get("name")
            for f in arch.xpath("/list/field")
            if f.get("optional") != "hide"
            and f.get("column_invisible") not in ("1", "True")
            and f.get("groups") != "base.group_multi_company"
        }
        self.assertLessEqual(BUYER_COLUMNS - {"warehouse_id"}, visible)
        # Narrow enough for one screen (about 1,200 px).
        self.assertLessEqual(len(visible), 11)

    # ------------------------------------------------------------------ 9. card
    def test_pending_proposals_card(self):
        self.run_job()
        plan = self.profile(self.history)
        self.set_forecast(plan, 18.0, 5.0)  # +50 %: the change waits for approval
        self.run_job()
        pending = self.Proposal.search(
            [("state", "=", "pending"), ("company_id", "=", self.company.id)]
        )
        self.assertTrue(pending)
        card = (
            self.env["stock.planning.card"]
            .with_company(self.company)
            .create({"name": "Pending Proposals", "kind": "pending_proposals"})
        )
        self.assertEqual(card.count, len(pending))
        self.assertAlmostEqual(card.amount, sum(pending.mapped("stock_value_change")), places=2)
        self.assertIn("raise stock", card.detail)
        self.assertEqual(card.state, "warning")
        action = card.action_open()
        self.assertEqual(action["res_model"], "stock.replenishment.proposal")
        self.assertEqual(
            self.Proposal.search(action["domain"] + [("company_id", "=", self.company.id)]),
            pending,
        )
        # Decided: the card is clear.
        pending.sudo().write({"state": "rejected"})
        card.invalidate_recordset()
        self.assertEqual((card.count, card.state), (0, "ok"))
        self.assertTrue(self.env.ref("stock_segment_replenishment.planning_card_pending_proposals"))

    # ------------------------------------------------------------------ 8. menus
    def test_menus_sit_in_their_sections(self):
        for menu, parent in (
            ("menu_stock_replenishment_proposal", "stock_segment.menu_planning_work"),
            ("menu_stock_replenishment_audit", "stock_segment.menu_planning_analysis"),
            ("menu_stock_supplier_lead_time", "stock_segment.menu_planning_analysis"),
            ("menu_stock_vendor_order_cycle", "stock_segment.menu_planning_config"),
        ):
            self.assertEqual(
                self.env.ref(f"stock_segment_replenishment.{menu}").parent_id,
                self.env.ref(parent),
            )


@tagged("post_install", "-at_install")
class TestDemoScreens(TransactionCase):
    """After install with demo data every plan screen has something true to show."""

    def setUp(self):
        super().setUp()
        self.Profile = self.env["stock.planning.profile"]
        if not self.env.ref("stock_segment_replenishment.demo_seller_ladder", False):
            self.skipTest("no demo data")
        self.main = self.env.ref("base.main_company")
        self.demo_plans = self.Profile.with_company(self.main).search(
            [("company_id", "=", self.main.id)]
        )

    def _plan(self, xmlid, wh_ref="stock.warehouse0"):
        product = self.env.ref(xmlid).product_variant_id
        return self.demo_plans.filtered(
            lambda p: p.product_id == product and p.warehouse_id == self.env.ref(wh_ref)
        )

    def test_demo_plans_have_stock_on_hand(self):
        planned = self.demo_plans.filtered(
            lambda p: p.policy_status in ("ok", "conflicting_limits")
        )
        self.assertTrue(planned)
        self.assertFalse(planned.filtered(lambda p: p.qty_on_hand <= 0))
        self.assertTrue(self.demo_plans.filtered(lambda p: p.qty_forecasted > p.qty_on_hand))

    def test_demo_open_receipts_and_late_vendors(self):
        bolt = self._plan("stock_segment.demo_product_bolt")
        self.assertTrue(bolt.next_receipt_date)
        self.assertGreater(bolt.next_receipt_date, fields.Datetime.now())
        self.assertGreater(bolt.next_receipt_qty, 0)
        stats = self.env["stock.supplier.lead.time"].search(
            [("company_id", "=", self.main.id), ("receipt_count", ">", 0)]
        )
        late = stats.filtered(lambda s: s.on_time_rate < 80)
        self.assertTrue(late, "some vendors deliver late")
        self.assertTrue(stats - late, "others on time")
        ladder = self._plan("stock_segment.demo_product_ladder")
        self.assertEqual(ladder.lead_time_source, "history_warehouse")
        self.assertLess(ladder.supplier_on_time_rate, 80)

    def test_demo_shortage_with_late_receipt(self):
        ladder = self._plan("stock_segment.demo_product_ladder")
        self.assertTrue(ladder.below_safety_stock)
        self.assertLess(ladder.qty_on_hand, ladder.safety_stock_display)
        self.assertTrue(ladder.next_receipt_date)
        self.assertLess(ladder.next_receipt_date, fields.Datetime.now(), "the receipt is late")
        self.assertTrue(ladder.next_receipt_late)
