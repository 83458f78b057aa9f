from odoo.addons.stock_segment.tests.common import new_company_user
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import TODAY, ForecastCommon, week_day


@tagged("post_install", "-at_install")
class TestSecurity(ForecastCommon):
    def test_planning_user_reads_and_proposes_but_does_not_write_forecasts(self):
        self.run_forecast()
        forecasts = self.Forecast.with_user(self.user).search([])
        self.assertTrue(forecasts)
        with self.assertRaises(AccessError):
            forecasts[:1].write({"final_qty": 1.0})
        exceptions = self.Exception.with_user(self.user).search([])
        self.assertTrue(exceptions)
        exceptions[:1].action_assign_to_me()
        self.assertEqual(exceptions[:1].user_id, self.user)
        with self.assertRaises(AccessError):
            exceptions[:1].unlink()
        event = (
            self.env["stock.demand.event"]
            .with_user(self.user)
            .create(
                {
                    "name": "Shutdown",
                    "event_type": "shutdown",
                    "date_from": TODAY,
                    "date_to": TODAY,
                }
            )
        )
        self.assertEqual(event.company_id, self.company)

    def test_stock_user_without_planning_rights(self):
        clerk = new_company_user(self.env, "forecast_clerk", "stock.group_stock_user", self.company)
        for model in (
            "stock.demand.forecast",
            "stock.planning.exception",
            "stock.demand.override",
            "stock.forecast.accuracy",
        ):
            with self.assertRaises(AccessError, msg=model):
                self.env[model].with_user(clerk).search([])

    def test_multi_company_isolation(self):
        other = self.env["res.company"].create({"name": "Forecast Other Co"})
        self.env.user.company_ids |= other
        wh = self.env["stock.warehouse"].search([("company_id", "=", other.id)], limit=1)
        product = self._product("other company", 5.0, 2.0, company=other)
        self.insert_moves(
            [
                (product, wh.lot_stock_id, self.customers, week_day(w), 5.0)
                for w in range(0, 104, 2)
            ],
            company=other,
        )
        foreign = self.Profile.create({"product_id": product.id, "warehouse_id": wh.id})
        stats = self.Profile.sudo()._run_forecast(
            companies=self.company | other, today=TODAY, force=True
        )
        self.assertEqual(stats[other.id]["profiles"], 1)
        self.assertEqual(stats[self.company.id]["profiles"], len(self.profiles))
        self.assertTrue(foreign.forecast_ids)
        self.assertEqual(set(foreign.forecast_ids.mapped("company_id")), {other})
        for model in ("stock.demand.forecast", "stock.planning.exception", "stock.demand.chart"):
            records = self.env[model].with_user(self.user).search([])
            self.assertTrue(records, model)
            self.assertEqual(set(records.mapped("company_id")), {self.company}, model)
        self.assertFalse(
            self.env["stock.demand.forecast"]
            .with_user(self.user)
            .search([("profile_id", "=", foreign.id)])
        )

    def test_planning_user_cannot_rewrite_what_the_job_detected(self):
        other = self.env["res.company"].create({"name": "Exception Other Co"})
        self.user.sudo().company_ids |= other
        alert = (
            self.Exception.sudo()
            .create(
                {
                    "exception_type": "data_quality",
                    "source": "control_chart",
                    "message": "A company-level alert without a plan.",
                    "company_id": self.company.id,
                }
            )
            .with_user(self.user)
            .with_context(allowed_company_ids=[self.company.id, other.id])
        )
        detected = alert.date_detected
        for vals in (
            {"company_id": other.id},
            {"resolved_by_job": True},
            {"date_detected": "2020-01-01 00:00:00"},
        ):
            with self.assertRaises(AccessError, msg=str(vals)):
                alert.write(vals)
        alert.invalidate_recordset()
        self.assertEqual(alert.sudo().company_id, self.company)
        self.assertFalse(alert.sudo().resolved_by_job)
        self.assertEqual(alert.sudo().date_detected, detected)
        # What a buyer legitimately does still works: own it, work it, reopen it.
        alert.action_start()
        self.assertEqual((alert.state, alert.user_id), ("in_progress", self.user))
        alert.write({"user_id": False})
        alert.action_done()
        self.assertEqual(alert.state, "done")
        alert.sudo().resolved_by_job = True
        alert.action_reopen()
        self.assertEqual(alert.state, "new")
        self.assertFalse(alert.resolved_by_job)
        alert.message_post(body="Checked with the warehouse.")
        # The jobs write in superuser mode.
        alert.sudo().write({"resolved_by_job": True, "company_id": other.id})
        self.assertEqual(alert.sudo().company_id, other)
