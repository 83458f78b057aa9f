"""Control-chart alerts a planner can act on: plain words, money at stake, a severity
that matches it, limits a non-negative measure can reach."""

from datetime import timedelta

from odoo.tests import tagged

from .common import MONTH_END, KpiCommon

NOISE = [100, 104, 98, 101, 97, 103, 99, 102, 100, 96, 104, 101, 99, 98, 102] * 2


@tagged("post_install", "-at_install")
class TestKpiAlerts(KpiCommon):
    def _day_rows(self, values, segment=None, **extra):
        """Day rows of a segment x warehouse ending at the month end: ``values`` are dicts
        of figures (or numbers, the inventory value)."""
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
                    **(v if isinstance(v, dict) else {"avg_inventory_value": v}),
                    **extra,
                }
                for i, v in enumerate(values)
            ]
        )

    def _alerts(self, metric=None):
        domain = [("source", "=", "kpi_spc"), ("company_id", "=", self.company.id)]
        if metric:
            domain.append(("kpi_metric", "=", metric))
        return self.Exception.sudo().search(domain)

    def _chart_row(self, metric):
        chart = self.Snapshot.sudo()._control_chart(self.company, MONTH_END)
        return chart[chart["metric"] == metric].iloc[0]

    def test_value_above_range_for_days_with_excess_at_stake(self):
        values = NOISE[:27] + [150.0, 150.0, 150.0]
        self._day_rows(values)
        row = self._chart_row("avg_inventory_value")
        self.assertGreater(150.0, row["ucl"])
        self.assertEqual(row["run_days"], 3)
        self.Snapshot.sudo()._run_spc(self.company, MONTH_END)
        alert = self._alerts("avg_inventory_value")
        self.assertEqual(len(alert), 1)
        self.assertTrue(
            alert.message.startswith(
                f"Inventory value above its usual range for 3 days: 150 against "
                f"{row['lcl']:,.0f} to {row['ucl']:,.0f}."
            ),
            alert.message,
        )
        self.assertIn("At stake:", alert.message)
        self.assertIn("stock value above the upper limit", alert.message)
        # The money: the stock value above the upper limit; large against the usual stock.
        self.assertAlmostEqual(alert.financial_impact, 150.0 - row["ucl"], places=2)
        self.assertGreater(alert.financial_impact, 0.10 * sum(values) / len(values))
        self.assertEqual(alert.severity, "high")
        labels = dict(
            self.env["stock.planning.exception"]
            ._fields["exception_type"]
            ._description_selection(self.env)
        )
        self.assertEqual(labels["kpi_control"], "KPI outside its usual range")

    def test_small_drift_is_low_severity(self):
        values = [100, 101, 99, 100, 101, 99, 100, 99, 101, 100, 99, 101, 100, 99, 100, 101]
        values += [99, 100, 99, 101, 99, 100]
        values += [100.6] * 8
        self._day_rows(values)
        self.Snapshot.sudo()._run_spc(self.company, MONTH_END)
        alert = self._alerts("avg_inventory_value")
        self.assertEqual(len(alert), 1)
        self.assertTrue(
            alert.message.startswith("Inventory value above its average for 8 days in a row"),
            alert.message,
        )
        self.assertEqual(alert.kpi_rules, "above its average for 8 days in a row")
        center = sum(values) / len(values)
        self.assertAlmostEqual(alert.financial_impact, 100.6 - center, places=2)
        self.assertGreater(alert.financial_impact, 0.0)
        self.assertEqual(alert.severity, "low", "0.4 against a stock of 100 is small")

    def test_lower_limit_never_negative(self):
        """A stock value swinging between 0 and 20: the 3-sigma band reaches below 0,
        the lower limit stays at 0; a rate's upper limit stays at 100 %."""
        swings = [0.0, 20.0] * 15
        self._day_rows(
            [
                {"avg_inventory_value": v, "stockout_rate": 100.0 - v * 5, "observed_days": 1}
                for v in swings
            ]
        )
        value = self._chart_row("avg_inventory_value")
        self.assertLess(value["center"] - 3 * value["sigma"], 0.0)
        self.assertEqual(value["lcl"], 0.0)
        rate = self._chart_row("stockout_rate")
        self.assertGreater(rate["center"] + 3 * rate["sigma"], 100.0)
        self.assertEqual(rate["ucl"], 100.0)
        self.assertEqual(rate["lcl"], 0.0)
        # The alert on the last point (a spike to 60) shows the clipped limits.
        self.Snapshot.sudo().search(
            [("company_id", "=", self.company.id), ("date_from", "=", MONTH_END)]
        ).write({"avg_inventory_value": 80.0})
        self.Snapshot.sudo()._run_spc(self.company, MONTH_END)
        alert = self._alerts("avg_inventory_value")
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.kpi_lcl, 0.0)
        self.assertIn("against 0 to", alert.message)

    def test_stockout_rise_values_lost_sales_and_fall_has_none(self):
        rates = [5, 6, 4, 5, 7, 5, 6, 4, 5, 6] * 3
        rates[-1] = 40.0
        figures = [
            {
                "stockout_rate": r,
                "observed_days": 10,
                "cogs_value": 200.0,
                "issued_qty": 20.0,
                "avg_inventory_value": 1000.0,
                "avg_inventory_qty": 100.0,
            }
            for r in rates
        ]
        self._day_rows(figures)
        self.Snapshot.sudo()._run_spc(self.company, MONTH_END)
        alert = self._alerts("stockout_rate")
        self.assertEqual(len(alert), 1)
        center = sum(rates) / len(rates)
        # (40 % - usual %) of 10 product-days more out of stock, each 200 / 10 at cost.
        expected = (40.0 - center) / 100.0 * 10 * (200.0 / 10)
        self.assertAlmostEqual(alert.financial_impact, expected, places=2)
        self.assertEqual(alert.severity, "medium")  # about 7 % of a stock of 1,000
        self.assertTrue(
            alert.message.startswith("Stockout rate above its usual range on 2025-03-31: 40.0 %"),
            alert.message,
        )
        self.assertIn("lost sales at cost", alert.message)
        self.assertTrue(alert.name.startswith("Stockout rate outside its usual range"))
        # No inventory alert: the value did not move.
        self.assertFalse(self._alerts("avg_inventory_value"))
        # Fewer stockouts than usual: no money at stake, low.
        rates2 = [30, 32, 28, 31, 29] * 6
        rates2[-1] = 0.0
        self.Snapshot.sudo().search([("company_id", "=", self.company.id)]).unlink()
        self._day_rows([dict(f, stockout_rate=r) for f, r in zip(figures, rates2, strict=True)])
        self.Snapshot.sudo()._run_spc(self.company, MONTH_END)
        alert = self._alerts("stockout_rate").filtered(lambda a: a.state == "new")
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.financial_impact, 0.0)
        self.assertEqual(alert.severity, "low")
        self.assertIn("No money at stake measured", alert.message)

    def test_fill_rate_fall_values_the_quantity_short(self):
        rates = [95, 96, 94, 95, 97, 95, 96, 94, 95, 96] * 3
        rates[-1] = 60.0
        self._day_rows(
            [
                {
                    "qty_fill_rate": r,
                    "lines_total": 5,
                    "ordered_qty": 50.0,
                    "issued_qty": 40.0,
                    "cogs_value": 400.0,
                    "avg_inventory_value": 2000.0,
                    "avg_inventory_qty": 200.0,
                }
                for r in rates
            ]
        )
        self.Snapshot.sudo()._run_spc(self.company, MONTH_END)
        alert = self._alerts("qty_fill_rate")
        center = sum(rates) / len(rates)
        # (usual - 60) % of the 50 promised, at the unit cost of the issues (10).
        expected = (center - 60.0) / 100.0 * 50.0 * 10.0
        self.assertAlmostEqual(alert.financial_impact, expected, places=2)
        self.assertEqual(alert.severity, "medium")  # 170.5 is 8.5 % of a stock of 2,000
        self.assertIn("units not shipped on time", alert.message)

    def test_segment_alert_setting_applies_to_control_alerts(self):
        """A segment that alerts only above an impact threshold gets no control alert
        below it, and its open one is closed; "all" raises it again."""
        values = NOISE[:27] + [150.0, 150.0, 150.0]
        self._day_rows(values)
        self.Snapshot.sudo()._run_spc(self.company, MONTH_END)
        alert = self._alerts("avg_inventory_value")
        self.assertEqual(len(alert), 1)
        self.assertGreater(alert.financial_impact, 0.0)
        self.segment.write(
            {
                "exception_alert_mode": "threshold",
                "exception_impact_threshold": alert.financial_impact * 10,
            }
        )
        self.Snapshot.sudo()._run_spc(self.company, MONTH_END)
        self.assertEqual(alert.state, "done")
        self.assertFalse(self._alerts("avg_inventory_value").filtered(lambda a: a.state != "done"))
        self.segment.exception_alert_mode = "all"
        self.Snapshot.sudo()._run_spc(self.company, MONTH_END)
        self.assertTrue(self._alerts("avg_inventory_value").filtered(lambda a: a.state == "new"))
