from datetime import timedelta

from odoo.tests import tagged

from .common import MONTH_END, KpiCommon


@tagged("post_install", "-at_install")
class TestKpiControlChart(KpiCommon):
    def _day_rows(self, values, segment=None):
        """Day rows of a segment x warehouse ending at the month end, one per value."""
        start = MONTH_END - timedelta(days=len(values) - 1)
        self.Snapshot.sudo().create(
            [
                {
                    "period_type": "day",
                    "level": "segment",
                    "date_from": start + timedelta(days=i),
                    "date_to": start + timedelta(days=i),
                    "company_id": self.company.id,
                    "warehouse_id": self.wh.id,
                    "segment_id": (segment or self.segment).id,
                    "avg_inventory_value": v,
                }
                for i, v in enumerate(values)
            ]
        )

    def test_limits_and_alert_equal_hand_computation(self):
        base = [100, 104, 98, 101, 97, 103, 99, 102, 100, 96, 104, 101, 99, 98, 102]
        base = base * 2  # 30 points
        values = base[:-1] + [160.0]
        self._day_rows(values)
        n = len(values)
        center = sum(values) / n
        mr_bar = sum(abs(values[i] - values[i - 1]) for i in range(1, n)) / (n - 1)
        sigma = mr_bar / 1.128
        chart = self.Snapshot.sudo()._control_chart(self.company, MONTH_END)
        row = chart[chart["metric"] == "avg_inventory_value"].iloc[0]
        self.assertAlmostEqual(row["center"], center)
        self.assertAlmostEqual(row["ucl"], center + 3 * sigma)
        self.assertAlmostEqual(row["lcl"], center - 3 * sigma)
        self.assertGreater(160.0, center + 3 * sigma)  # the hand check: point beyond UCL
        self.assertIn("beyond_3_sigma", row["rules"])

        self.Snapshot.sudo()._run_spc(self.company, MONTH_END)
        alert = self.Exception.sudo().search(
            [("source", "=", "kpi_spc"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.exception_type, "kpi_control")
        self.assertEqual(alert.kpi_metric, "avg_inventory_value")
        self.assertEqual(alert.segment_id, self.segment)
        self.assertEqual(alert.severity, "high")
        self.assertAlmostEqual(alert.kpi_ucl, center + 3 * sigma, places=4)
        # Running again does not duplicate the alert, nor write it.
        self.backdate("stock_planning_exception", alert.ids)
        message = alert.message
        self.Snapshot.sudo()._run_spc(self.company, MONTH_END)
        count = self.Exception.sudo().search_count(
            [("source", "=", "kpi_spc"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(count, 1)
        self.assertEqual(alert.message, message)
        written = self.write_dates("stock_planning_exception", alert.ids)[alert.id]
        self.assertEqual(str(written.date()), "2000-01-01", "an unchanged alert is not written")

    def test_alert_in_plain_words(self):
        """The alert says what happened, in words (no rule codes), with its usual range,
        and an inventory-value alert carries the money above the upper limit."""
        base = [100, 104, 98, 101, 97, 103, 99, 102, 100, 96, 104, 101, 99, 98, 102] * 2
        self._day_rows(base[:-1] + [160.0])
        self.Snapshot.sudo()._run_spc(self.company, MONTH_END)
        alert = self.Exception.sudo().search(
            [("source", "=", "kpi_spc"), ("company_id", "=", self.company.id)]
        )
        self.assertTrue(
            alert.message.startswith(
                f"Inventory value above its usual range on 2025-03-31: 160 against "
                f"{alert.kpi_lcl:,.0f} to {alert.kpi_ucl:,.0f}."
            ),
            alert.message,
        )
        self.assertNotIn("_sigma", alert.message)
        self.assertNotIn("_", alert.kpi_rules)
        self.assertEqual(alert.kpi_rules, "beyond its control limits")
        self.assertAlmostEqual(alert.financial_impact, 160.0 - alert.kpi_ucl, places=2)
        self.assertTrue(alert.name.startswith("Inventory value outside its usual range"))
        # A fill rate falling below its lower limit says so.
        rates = [95, 96, 94, 95, 97, 95, 96, 94, 95, 96] * 3
        rates[-1] = 60.0
        self.Snapshot.sudo().search([("company_id", "=", self.company.id)]).unlink()
        self.Snapshot.sudo().create(
            [
                {
                    "period_type": "day",
                    "level": "segment",
                    "date_from": MONTH_END - timedelta(days=len(rates) - 1 - i),
                    "date_to": MONTH_END - timedelta(days=len(rates) - 1 - i),
                    "company_id": self.company.id,
                    "warehouse_id": self.wh.id,
                    "segment_id": self.segment.id,
                    "lines_total": 5,
                    "qty_fill_rate": v,
                }
                for i, v in enumerate(rates)
            ]
        )
        self.Snapshot.sudo()._run_spc(self.company, MONTH_END)
        alert = self.Exception.sudo().search(
            [
                ("source", "=", "kpi_spc"),
                ("company_id", "=", self.company.id),
                ("kpi_metric", "=", "qty_fill_rate"),
            ]
        )
        self.assertTrue(
            alert.message.startswith("Quantity fill rate below its usual range on 2025-03-31"),
            alert.message,
        )
        self.assertIn("60.0 %", alert.message)
        # Nothing promised nor issued in these rows: no money can be measured.
        self.assertEqual(alert.financial_impact, 0.0)
        self.assertEqual(alert.severity, "low")

    def test_alert_resolves_when_back_in_control(self):
        values = [100, 104, 98, 101, 97, 103, 99, 102, 100, 96] * 3
        values[-1] = 160.0
        self._day_rows(values)
        self.Snapshot.sudo()._run_spc(self.company, MONTH_END)
        alert = self.Exception.sudo().search(
            [("source", "=", "kpi_spc"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(alert.state, "new")
        # The last point comes back: the alert is closed by the job.
        last = self.Snapshot.sudo().search(
            [("date_from", "=", MONTH_END), ("period_type", "=", "day")]
        )
        last.write({"avg_inventory_value": 101.0})
        self.Snapshot.sudo()._run_spc(self.company, MONTH_END)
        self.assertEqual(alert.state, "done")
        self.assertTrue(alert.resolved_by_job)

    def test_run_rule_eight_on_one_side(self):
        # Small steady noise, then eight points just above the center: rule 4 fires on the
        # last point although no point leaves the 3-sigma limits.
        values = [100, 101, 99, 100, 101, 99, 100, 99, 101, 100, 99, 101, 100, 99, 100, 101]
        values += [99, 100, 99, 101, 99, 100]
        values += [100.6] * 8
        self._day_rows(values)
        chart = self.Snapshot.sudo()._control_chart(self.company, MONTH_END)
        row = chart[chart["metric"] == "avg_inventory_value"].iloc[0]
        center = sum(values) / len(values)
        self.assertTrue(all(v > center for v in values[-8:]))
        self.assertLess(values[-1], row["ucl"])
        self.assertIn("eight_same_side", row["rules"])
        self.assertNotIn("beyond_3_sigma", row["rules"])
