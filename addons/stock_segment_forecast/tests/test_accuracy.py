from datetime import timedelta

from odoo.tests import tagged

from .common import CURRENT, TODAY, ForecastCommon


@tagged("post_install", "-at_install")
class TestAccuracy(ForecastCommon):
    def _weekly_actual(self, product, wh, start):
        """Independent net demand of one week from the generated rows."""
        end = start + timedelta(weeks=1)
        total = 0.0
        for p, src, dst, when, qty in self.moves:
            if p != product or not (start <= when.date() < end):
                continue
            if src == wh.lot_stock_id and dst.usage in ("customer", "production", "internal"):
                total += qty
            elif dst == wh.lot_stock_id and src.usage == "customer":
                total -= qty
        return total

    def test_accuracy_after_bucket_close_matches_hand_computation(self):
        plan = self.profile(self.steady, self.wh1)
        frozen = {}
        for k in range(6):
            self.run_forecast(today=TODAY + timedelta(weeks=k))
            for line in plan.forecast_ids.filtered(lambda f: f.state == "frozen"):
                frozen.setdefault(line.date_start, line.final_qty)
        closed = plan.forecast_ids.filtered(lambda f: f.state == "closed").sorted("date_start")
        self.assertEqual(
            closed.mapped("date_start"), [CURRENT + timedelta(weeks=k) for k in range(5)]
        )
        actual, forecast = [], []
        for line in closed:
            # The snapshot is the forecast frozen when the bucket started.
            self.assertEqual(line.final_qty, frozen[line.date_start])
            a = self._weekly_actual(self.steady, self.wh1, line.date_start)
            self.assertAlmostEqual(line.actual_qty, a, places=6)
            self.assertAlmostEqual(line.error_qty, a - line.final_qty, places=6)
            actual.append(a)
            forecast.append(line.final_qty)
        errors = [a - f for a, f in zip(actual, forecast, strict=True)]
        mad = sum(abs(e) for e in errors) / len(errors)
        self.assertEqual(plan.forecast_accuracy_count, 5)
        self.assertAlmostEqual(
            plan.forecast_wape, 100 * sum(abs(e) for e in errors) / sum(actual), places=4
        )
        self.assertAlmostEqual(plan.forecast_bias, sum(errors) / len(errors), places=4)
        self.assertAlmostEqual(plan.forecast_tracking_signal, sum(errors) / mad, places=4)

        # Segment x warehouse x month: pooled sums of every closed line of the month.
        month = CURRENT.replace(day=1)
        lines = self.Forecast.search(
            [
                ("company_id", "=", self.company.id),
                ("state", "=", "closed"),
                ("warehouse_id", "=", self.wh1.id),
                ("segment_id", "=", self.segment.id),
                ("date_start", ">=", month),
                ("date_start", "<", month + timedelta(days=31)),
            ]
        )
        self.assertTrue(lines)
        row = self.env["stock.forecast.accuracy"].search(
            [
                ("company_id", "=", self.company.id),
                ("segment_id", "=", self.segment.id),
                ("warehouse_id", "=", self.wh1.id),
                ("month", "=", month),
            ]
        )
        self.assertEqual(len(row), 1)
        abs_err = sum(abs(line.actual_qty - line.final_qty) for line in lines)
        self.assertEqual(row.bucket_count, len(lines))
        self.assertAlmostEqual(row.actual_qty, sum(lines.mapped("actual_qty")), places=4)
        self.assertAlmostEqual(row.wape, 100 * abs_err / sum(lines.mapped("actual_qty")), places=4)
        self.assertAlmostEqual(row.mad, abs_err / len(lines), places=4)
        self.assertAlmostEqual(
            row.bias,
            sum(lines.mapped("actual_qty")) / len(lines)
            - sum(lines.mapped("final_qty")) / len(lines),
            places=4,
        )
        self.assertAlmostEqual(row.value_added, 0.0, places=6)  # no override
