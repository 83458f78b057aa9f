from collections import defaultdict
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL

from .common import CURRENT, HISTORY_START, TODAY, ForecastCommon, week_day


@tagged("post_install", "-at_install")
class TestExtraction(ForecastCommon):
    def _ctx(self):
        Profile = self.Profile.sudo()
        return Profile._forecast_context(
            self.company, TODAY, Profile._forecast_params(), self.segment, "week", "auto"
        )

    def _extracted(self, products):
        """Demand cells of the plans of ``products``: {(product, warehouse, bucket): qty}."""
        ctx = self._ctx()
        plans = self.Profile.search([("product_id", "in", products.ids)])
        rows = [{"product_id": p.product_id.id, "warehouse_id": p.warehouse_id.id} for p in plans]
        _onhand, (plan, offset, qty), _stock = self.Profile.sudo()._extract_history(ctx, rows)
        return {
            (
                rows[i]["product_id"],
                rows[i]["warehouse_id"],
                ctx["date_from"] + timedelta(days=d),
            ): round(q, 6)
            for i, d, q in zip(plan.tolist(), offset.tolist(), qty.tolist(), strict=True)
            if round(q, 6)
        }

    def _expected_from_moves(self, products, consumption=True, transfers=True):
        """Independent sum over the stock.move records, bucketed by ISO week in Python."""
        moves = self.env["stock.move"].search(
            [
                ("company_id", "=", self.company.id),
                ("state", "=", "done"),
                ("product_id", "in", products.ids),
                ("date", ">=", fields.Datetime.to_datetime(HISTORY_START)),
                ("date", "<", fields.Datetime.to_datetime(CURRENT)),
            ]
        )
        expected = defaultdict(float)
        for move in moves:
            src, dst = move.location_id, move.location_dest_id
            if src.usage == "internal" and dst.usage == "customer":
                wh, sign = src.warehouse_id, 1
            elif src.usage == "customer" and dst.usage == "internal":
                wh, sign = dst.warehouse_id, -1
            elif src.usage == "internal" and dst.usage == "production" and consumption:
                wh, sign = src.warehouse_id, 1
            elif (
                transfers
                and src.usage == "internal"
                and dst.usage == "internal"
                and dst.warehouse_id != src.warehouse_id
            ):
                wh, sign = src.warehouse_id, 1
            else:
                continue
            day = move.date.date()
            monday = day - timedelta(days=day.weekday())
            expected[(move.product_id.id, wh.id, monday)] += sign * move.quantity
        return {k: round(v, 6) for k, v in expected.items() if round(v, 6)}

    def test_deliveries_net_of_returns_with_consumption_and_transfers(self):
        products = self.steady | self.spiky | self.stockout
        expected = self._expected_from_moves(products)
        self.assertTrue(expected)
        self.assertEqual(self._extracted(products), expected)
        # The transfer is demand of the supplying warehouse only.
        week0 = HISTORY_START
        self.assertEqual(
            self._extracted(self.steady)[(self.steady.id, self.wh1.id, week0)],
            expected[(self.steady.id, self.wh1.id, week0)],
        )

    def test_moves_in_another_unit_are_converted(self):
        """A delivery recorded in dozens is demand (and stock) of 12 units each."""
        dozen = self.env.ref("uom.product_uom_dozen")
        before = self._extracted(self.spiky)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """INSERT INTO stock_move (product_id, product_uom, location_id,
                       location_dest_id, company_id, date, product_uom_qty, product_qty,
                       quantity, state, procure_method)
                   VALUES (%s, %s, %s, %s, %s, %s, 2, 24, 2, 'done', 'make_to_stock')""",
                self.spiky.id,
                dozen.id,
                self.wh2.lot_stock_id.id,
                self.customers.id,
                self.company.id,
                week_day(30),
            )
        )
        week = HISTORY_START + timedelta(weeks=30)
        after = self._extracted(self.spiky)
        self.assertEqual(after.pop((self.spiky.id, self.wh2.id, week)), 24.0)
        self.assertEqual(after, before)
        ctx = self._ctx()
        rows = [{"product_id": self.spiky.id, "warehouse_id": self.wh2.id}]
        _onhand, _demand, (_plans, offset, qty) = self.Profile.sudo()._extract_history(ctx, rows)
        day = (week_day(30).date() - ctx["date_from"]).days
        self.assertEqual(dict(zip(offset.tolist(), qty.tolist(), strict=True)), {day: -24.0})

    def test_settings_exclude_consumption_and_transfers(self):
        self.company.forecast_include_consumption = False
        self.company.forecast_include_transfers = False
        expected = self._expected_from_moves(self.steady, consumption=False, transfers=False)
        self.assertEqual(self._extracted(self.steady), expected)
        with_all = self._expected_from_moves(self.steady)
        self.assertNotEqual(expected, with_all)

    def test_sale_order_source(self):
        self.company.forecast_demand_source = "order"
        self.company.forecast_include_consumption = False
        self.company.forecast_include_transfers = False
        partner = self.env["res.partner"].create({"name": "Forecast customer"})
        dozen = self.env.ref("uom.product_uom_dozen")
        SaleOrder = self.env["sale.order"].with_company(self.company)

        def order(qty, when, commitment=None, uom=None, confirm=True):
            so = SaleOrder.create(
                {
                    "partner_id": partner.id,
                    "company_id": self.company.id,
                    "warehouse_id": self.wh1.id,
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": self.spiky.id,
                                "product_uom_qty": qty,
                                "product_uom_id": (uom or self.spiky.uom_id).id,
                            },
                        )
                    ],
                }
            )
            if confirm:
                so.action_confirm()
            so.write({"date_order": when, "commitment_date": commitment})
            return so

        order(30, week_day(50), commitment=week_day(52))
        order(4, week_day(60), uom=dozen)
        order(7, week_day(61))
        order(99, week_day(62), confirm=False)  # quotation: not demand
        order(55, week_day(63)).action_cancel()
        self.env.flush_all()

        lines = self.env["sale.order.line"].search(
            [("order_id.company_id", "=", self.company.id), ("order_id.state", "=", "sale")]
        )
        expected = defaultdict(float)
        for line in lines:
            when = (line.order_id.commitment_date or line.order_id.date_order).date()
            monday = when - timedelta(days=when.weekday())
            qty = line.product_uom_id._compute_quantity(
                line.product_uom_qty, line.product_id.uom_id
            )
            expected[(line.product_id.id, line.order_id.warehouse_id.id, monday)] += qty
        expected = {k: round(v, 6) for k, v in expected.items()}
        self.assertEqual(len(expected), 3)
        self.assertIn(48.0, expected.values())  # 4 dozen
        self.assertEqual(self._extracted(self.spiky), expected)

    def test_censored_weeks_where_stock_was_zero(self):
        self.run_forecast()
        profile = self.profile(self.stockout, self.wh1)
        flags = profile.demand_history_flags
        censored = [i for i, f in enumerate(flags) if f & 1]
        # Out of stock from Wednesday of week 9 to the receipt on Monday of week 13.
        self.assertEqual(censored, [9, 10, 11, 12])
        # The steady product always had stock: nothing censored.
        self.assertFalse(
            any(f & 1 for f in self.profile(self.steady, self.wh1).demand_history_flags)
        )
        # Censored weeks are left out: 10 a week on every other week.
        self.assertAlmostEqual(profile.avg_daily_demand, 10.0 / 7.0, places=5)

    def test_events_flag_and_leave_buckets_out(self):
        self.env["stock.demand.event"].create(
            {
                "name": "Promotion",
                "company_id": self.company.id,
                "product_id": self.steady.id,
                "warehouse_id": self.wh1.id,
                "date_from": HISTORY_START + timedelta(weeks=20),
                "date_to": HISTORY_START + timedelta(weeks=21, days=6),
            }
        )
        self.run_forecast()
        flags = self.profile(self.steady, self.wh1).demand_history_flags
        self.assertEqual([i for i, f in enumerate(flags) if f & 2], [20, 21])
        self.assertFalse(
            any(f & 2 for f in self.profile(self.steady, self.wh2).demand_history_flags)
        )
        chart = self.env["stock.demand.chart"].search(
            [("profile_id", "=", self.profile(self.steady, self.wh1).id), ("series", "=", "event")]
        )
        self.assertEqual(
            sorted(chart.mapped("date")),
            [HISTORY_START + timedelta(weeks=20), HISTORY_START + timedelta(weeks=21)],
        )
