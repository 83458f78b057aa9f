import numpy as np
from odoo.tests import tagged

from .common import ReplenishmentCommon


@tagged("post_install", "-at_install")
class TestLeadTime(ReplenishmentCommon):
    def _independent(self, product, vendor):
        """Mean, sample std and on-time share of the generated receipts, computed here."""
        lts = np.array(
            [lt for p, v, _c, lt in self.receipts if p == product and v == vendor], dtype=float
        )
        promised = 8.0  # the fixture promises delivery 8 days after confirmation
        return lts.mean(), lts.std(ddof=1), 100.0 * np.mean(lts <= promised), len(lts)

    def test_statistics_equal_independent_computation(self):
        self.run_job()
        mean, std, on_time, n = self._independent(self.history, self.vendor)
        stat = self.env["stock.supplier.lead.time"].search(
            [("partner_id", "=", self.vendor.id), ("product_id", "=", self.history.id)]
        )
        self.assertEqual(stat.source, "history")
        self.assertEqual(stat.receipt_count, n)
        self.assertAlmostEqual(stat.lead_time_mean, mean, places=6)
        self.assertAlmostEqual(stat.lead_time_std, std, places=6)
        self.assertAlmostEqual(stat.on_time_rate, on_time, places=6)
        profile = self.profile(self.history)
        # The warehouse's receipts from the main vendor only (vendor B's are not used).
        self.assertEqual(profile.lead_time_source, "history_warehouse")
        self.assertAlmostEqual(profile.lead_time_days, mean, places=5)
        self.assertAlmostEqual(profile.lead_time_std_days, std, places=5)
        self.assertEqual(profile.lead_time_receipts, n)
        self.assertEqual(profile.vendor_id, self.vendor)

    def test_thin_history_falls_back_to_vendor_delay(self):
        self.run_job()
        profile = self.profile(self.thin)
        self.assertEqual(profile.lead_time_source, "vendor_delay")
        self.assertEqual(profile.lead_time_days, 6.0)
        self.assertEqual(profile.lead_time_std_days, 0.0)
        # With the minimum count lowered to one receipt, history wins.
        self.env["ir.config_parameter"].sudo().set_param(
            "stock_segment_replenishment.lead_time_min_count", 1
        )
        self.run_job()
        self.assertEqual(profile.lead_time_source, "history_warehouse")
        self.assertEqual(profile.lead_time_days, 11.0)

    def test_drift_and_on_time_exceptions(self):
        self.run_job()
        drift = self.open_exceptions(self.drifting, "lead_time_drift")
        self.assertEqual(len(drift), 1)
        self.assertIn("days", drift.message)
        on_time = self.open_exceptions(self.drifting, "supplier_on_time")
        self.assertEqual(len(on_time), 1)
        self.assertIn("60 %", on_time.message)
        # The steady vendor of the history product raises no drift.
        self.assertFalse(self.open_exceptions(self.history, "lead_time_drift"))
        # A rerun does not duplicate them.
        self.run_job()
        self.assertEqual(len(self.open_exceptions(self.drifting, "lead_time_drift")), 1)

    def test_manufacturing_and_resupply_lead_times(self):
        if "mrp.bom" in self.env:
            made = self._product("made here", 10.0, vendor_delay=None)
            component = self._product("component", 1.0, vendor_delay=None)
            self.env["mrp.bom"].create(
                {
                    "product_tmpl_id": made.product_tmpl_id.id,
                    "company_id": self.company.id,
                    "produce_delay": 4,
                    "days_to_prepare_mo": 2,
                    "bom_line_ids": [(0, 0, {"product_id": component.id, "product_qty": 1})],
                }
            )
            profile = self.Profile.create(
                {"product_id": made.id, "warehouse_id": self.wh.id, "segment_id": self.segment.id}
            )
            self.set_forecast(profile, 2.0, 1.0)
            self.run_job()
            self.assertEqual(profile.lead_time_source, "manufacturing")
            self.assertEqual(profile.lead_time_days, 6.0)
        # Resupply from a second warehouse: the route's rule delays.
        wh2 = self.env["stock.warehouse"].create(
            {
                "name": "Replenishment Satellite",
                "code": "RSAT",
                "company_id": self.company.id,
                "resupply_wh_ids": [(6, 0, self.wh.ids)],
            }
        )
        route = self.env["stock.route"].search([("supplied_wh_id", "=", wh2.id)], limit=1)
        self.assertTrue(route)
        route.rule_ids.write({"delay": 3})
        self.history.route_ids = [(4, route.id)]
        profile = self.Profile.create(
            {"product_id": self.history.id, "warehouse_id": wh2.id, "segment_id": self.segment.id}
        )
        self.set_forecast(profile, 2.0, 1.0)
        self.run_job()
        self.assertEqual(profile.lead_time_source, "resupply")
        self.assertEqual(profile.lead_time_days, 3.0 * len(route.rule_ids))
