"""The nightly plausibility screen: absurd values are quarantined, not planned."""

from datetime import datetime, time, timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger
from psycopg2 import errors as pg_errors

from .common import (
    DATE_TO,
    StockSegmentCommon,
    backdate_rows,
    new_company_user,
    rewritten_rows,
)


@tagged("post_install", "-at_install")
class TestScreen(StockSegmentCommon):
    def _classes(self, exclude=()):
        plans = self.Profile.search([("company_id", "=", self.company.id)])
        return {
            (p.product_id.id, p.warehouse_id.id): (p.abc_class, p.segment_id.id)
            for p in plans
            if p.product_id not in exclude
        }

    def _set_cost(self, product, cost):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE product_product SET standard_price = jsonb_build_object(%s::text, %s::float8)"
            " WHERE id = %s",
            [str(self.company.id), cost, product.id],
        )
        self.env.invalidate_all()

    def test_absurd_cost_is_quarantined_and_ranks_nobody(self):
        self.classify()
        steady = self.products["steady"]
        before = self._classes()
        plan = self.profile(steady, self.wh1)
        self.assertFalse(plan.data_quarantine)
        last_good = (plan.abc_class, plan.segment_id, plan.annual_value)
        self._set_cost(steady, 1e15)
        self.classify()
        self.assertTrue(plan.data_quarantine)
        self.assertIn("[error] unit_cost=1e+15", plan.data_findings)
        self.assertEqual(
            (plan.abc_class, plan.segment_id, plan.annual_value), last_good, "last good kept"
        )
        self.assertEqual(self._classes(), before, "no other plan moved")

    def test_absurd_sale_price_does_not_reclass_the_catalogue(self):
        self.classify()
        before = self._classes()
        wobbly = self.products["wobbly"]
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE product_template SET list_price = 1e15 WHERE id = %s",
            [wobbly.product_tmpl_id.id],
        )
        self.env.invalidate_all()
        self.classify()
        for wh in (self.wh1, self.wh2):
            plan = self.profile(wobbly, wh)
            self.assertTrue(plan.data_quarantine)
            self.assertIn("unit_price=1e+15", plan.data_findings)
        after = self._classes()
        self.assertEqual(after, before, "the 1e15 price ranked nobody")

    def test_vendor_lead_time_moq_and_unit(self):
        small = self.products["small"]
        vendor_far = self.env["res.partner"].create({"name": "Far Away Supplies"})
        vendor_near = self.env["res.partner"].create({"name": "Near Supplies"})
        kg = self.env.ref("uom.product_uom_kgm")
        self.env["product.supplierinfo"].create(
            [
                {
                    "partner_id": vendor_far.id,
                    "product_tmpl_id": small.product_tmpl_id.id,
                    "delay": 10000,
                    "company_id": self.company.id,
                },
                {
                    "partner_id": vendor_near.id,
                    "product_tmpl_id": small.product_tmpl_id.id,
                    "delay": 5,
                    "min_qty": 1e12,
                    "product_uom_id": kg.id,
                    "company_id": False,
                },
            ]
        )
        self.classify()
        plan = self.profile(small, self.wh1)
        self.assertTrue(plan.data_quarantine)
        text = plan.data_findings
        self.assertIn("vendor lead time (Far Away Supplies)=10000", text)
        self.assertIn("vendor minimum quantity (Near Supplies)=1e+12", text)
        self.assertIn("vendor unit (Near Supplies)=not convertible", text)
        self.assertNotIn("Near Supplies)=5", text, "the plausible delay is no finding")

    def test_one_huge_delivery_weeks_back_is_quarantined(self):
        steady = self.products["steady"]
        self.insert_moves([(steady, self.wh1, self.week_date(46), 1e9, "out")])
        self.classify()
        plan = self.profile(steady, self.wh1)
        self.assertTrue(plan.data_quarantine)
        self.assertIn("[error] quantity=1e+09", plan.data_findings)
        self.assertFalse(self.profile(steady, self.wh2).data_quarantine, "one warehouse only")

    def test_huge_on_hand_is_quarantined(self):
        rare = self.products["rare"]
        self.env["stock.quant"]._update_available_quantity(rare, self.wh2.lot_stock_id, 1e12)
        self.classify()
        self.assertTrue(self.profile(rare, self.wh2).data_quarantine)
        self.assertIn("on_hand=1e+12", self.profile(rare, self.wh2).data_findings)
        self.assertFalse(self.profile(rare, self.wh1).data_quarantine)

    def test_buyer_confirms_a_real_value_until_it_changes(self):
        steady = self.products["steady"]
        self._set_cost(steady, 1e15)
        self.classify()
        plan = self.profile(steady, self.wh1)
        self.assertTrue(plan.data_quarantine)
        # Nobody writes the confirmation or the quarantine directly.
        for vals in ({"data_confirmed": "unit_cost=1e+15"}, {"data_quarantine": False}):
            for user in (self.user, self.manager):
                with self.assertRaises(AccessError):
                    plan.with_user(user).write(vals)
        plan.with_user(self.user).action_confirm_data_findings()
        self.assertFalse(plan.data_quarantine)
        self.assertIn("unit_cost=1e+15", plan.data_confirmed)
        self.assertIn("confirmed these values", plan.message_ids[0].body)
        self.classify()
        self.assertFalse(plan.data_quarantine, "a confirmed value is accepted")
        self._set_cost(steady, 2e15)
        self.classify()
        self.assertTrue(plan.data_quarantine, "a changed value is checked again")

    def test_correcting_the_data_lifts_the_quarantine_and_reruns_write_nothing(self):
        steady = self.products["steady"]
        self._set_cost(steady, 1e15)
        self.classify()
        plan = self.profile(steady, self.wh1)
        self.assertTrue(plan.data_quarantine)
        # Same transaction, same now(): back-date the rows to see any rewrite.
        before = backdate_rows(self.env, ["stock_planning_profile"], self.company.id)
        stats = self.classify()
        self.assertEqual(stats["changed"], 0)
        self.assertEqual(
            rewritten_rows(self.env, ["stock_planning_profile"], self.company.id, before),
            {},
            "the rerun wrote nothing",
        )
        self._set_cost(steady, 60.0)
        self.classify()
        self.assertFalse(plan.data_quarantine)
        self.assertFalse(plan.data_findings)

    def test_thresholds_are_settings(self):
        steady = self.products["steady"]
        self._set_cost(steady, 5e6)  # within the default limit, far from the others
        self.env["ir.config_parameter"].sudo().set_param(
            "stock_segment.plausibility_outlier_factor", "1e9"
        )
        self.classify()
        self.assertFalse(self.profile(steady, self.wh1).data_quarantine)
        self.env["ir.config_parameter"].sudo().set_param(
            "stock_segment.plausibility_max_unit_cost", "1e6"
        )
        self.classify()
        self.assertTrue(self.profile(steady, self.wh1).data_quarantine)

    def test_new_product_without_delivery_is_new_not_obsolete(self):
        icp = self.env["ir.config_parameter"].sudo()
        icp.set_param("stock_segment.lifecycle_auto_apply", "True")
        icp.set_param("stock_segment.window_days", 728)
        today = DATE_TO.date() - timedelta(days=1)
        fresh = self._create_product("fresh", 10.0, 5.0)
        fresh.product_tmpl_id.lifecycle_introduction_date = today - timedelta(days=4)
        old = self._create_product("forgotten", 10.0, 5.0)
        old.product_tmpl_id.lifecycle_introduction_date = today - timedelta(days=900)
        self.env["stock.warehouse.orderpoint"].with_company(self.company).create(
            [
                {
                    "product_id": p.id,
                    "warehouse_id": self.wh1.id,
                    "product_min_qty": 1,
                    "product_max_qty": 2,
                }
                for p in (fresh, old)
            ]
        )
        self.classify()
        self.assertEqual(fresh.product_tmpl_id.lifecycle_stage_suggested, "new")
        self.assertEqual(fresh.product_tmpl_id.lifecycle_stage, "new")
        self.assertEqual(
            fresh.product_tmpl_id.lifecycle_introduction_date,
            today - timedelta(days=4),
            "confirming the stage keeps the introduction date",
        )
        self.assertEqual(old.product_tmpl_id.lifecycle_stage_suggested, "obsolete")
        self.assertFalse(old.product_tmpl_id.lifecycle_stage, "obsolete waits for a manager")

    def test_a_catalogue_imported_today_with_its_history_is_not_new(self):
        """Products created today (an import) with a year of deliveries: their age
        comes from their first move, and older demand overrides a wrong age."""
        today = self.env["stock.planning.run"]._planning_day()
        imported = self._create_product("imported", 10.0, 5.0)
        start = datetime.combine(today, time(12)) - timedelta(days=360)
        self.insert_moves(
            [(imported, self.wh1, start + timedelta(days=7 * w), 10.0, "out") for w in range(52)]
        )
        self.classify(date_to=datetime.combine(today + timedelta(days=1), time.min))
        tmpl = imported.product_tmpl_id
        self.assertEqual(tmpl.lifecycle_stage_suggested, "mature")

    def test_plain_inventory_user_sees_segments_not_plans(self):
        self.classify()
        clerk = new_company_user(
            self.env, "plain_stock_user", "stock.group_stock_user", self.company
        )
        segment = self.env.ref("stock_segment.segment_ax").with_user(clerk)
        self.assertTrue(segment.name, "the segment names are readable")
        with self.assertRaises(AccessError):
            self.Profile.with_user(clerk).search([])
        # The stock screens a clerk works in load with every field they show.
        for model in (
            "product.template",
            "product.product",
            "stock.warehouse.orderpoint",
            "stock.picking",
            "stock.move",
            "stock.quant",
        ):
            Model = self.env[model].with_user(clerk)
            views = Model.get_views([(False, "list"), (False, "form")])
            # The fields the planning addons add to these screens (Odoo's own are Odoo's).
            names = [
                n
                for n in views["models"][model]["fields"]
                if n in Model._fields
                and (Model._fields[n]._module or "").startswith("stock_segment")
            ]
            Model.search_read([], names or ["id"], limit=3)

    def test_concurrent_update_is_retried_before_it_fails(self):
        calls = []

        def flaky(ids):
            calls.append(list(ids))
            if len(calls) < 3:
                raise pg_errors.SerializationFailure("could not serialize access")

        failures = []
        quiet = mute_logger("odoo.addons.stock_segment.models.stock_planning_profile")
        with (
            quiet,
            patch.object(self.env.cr, "rollback", lambda: None),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", lambda *a, **k: 0.0),
            patch("time.sleep", lambda s: None),
        ):
            failed = self.Profile._run_batches(
                "Test", [[1, 2]], flaky, on_failure=lambda i, e: failures.append(i), may_commit=True
            )
        self.assertEqual(failed, [])
        self.assertEqual(failures, [])
        self.assertEqual(calls, [[1, 2]] * 3, "two retries of the whole batch, then success")

        calls.clear()

        def always(ids):
            calls.append(list(ids))
            raise pg_errors.SerializationFailure("could not serialize access")

        with (
            quiet,
            patch.object(self.env.cr, "rollback", lambda: None),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", lambda *a, **k: 0.0),
            patch("time.sleep", lambda s: None),
        ):
            failed = self.Profile._run_batches("Test", [[7]], always, may_commit=True)
        self.assertEqual(failed, [7], "a batch that keeps failing is recorded, not lost")
        self.assertEqual(len(calls), 1 + 3 + 1 + 3, "batch with retries, then id with retries")
