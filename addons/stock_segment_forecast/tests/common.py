"""Shared fixture: a company of its own with two warehouses, products whose demand
history (deliveries, returns, consumption, transfers, receipts) is generated week by
week, planning profiles, a forecast segment and planning users."""

import random
from datetime import date, datetime, timedelta

from odoo.addons.stock_segment.tests.common import new_company_user
from odoo.tests import TransactionCase
from odoo.tools import SQL

TODAY = date(2025, 1, 8)  # a Wednesday; its week starts on 2025-01-06
CURRENT = date(2025, 1, 6)
HISTORY_WEEKS = 104
HISTORY_START = CURRENT - timedelta(weeks=HISTORY_WEEKS)  # 2023-01-09, a Monday
HORIZON_WEEKS = 4


def week_day(week, day=2, hour=12):
    """A datetime in history week ``week`` (0 = oldest; may run past the history)."""
    start = datetime.combine(HISTORY_START, datetime.min.time())
    return start + timedelta(weeks=week, days=day, hours=hour)


class ForecastCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Profile = cls.env["stock.planning.profile"]
        cls.Forecast = cls.env["stock.demand.forecast"]
        cls.Exception = cls.env["stock.planning.exception"]
        icp = cls.env["ir.config_parameter"].sudo()
        icp.set_param("stock_segment_forecast.history_days", HISTORY_WEEKS * 7)
        icp.set_param("stock_segment_forecast.horizon_days", HORIZON_WEEKS * 7)
        icp.set_param("stock_segment_forecast.batch_size", 1000)
        cls.company = cls.env["res.company"].create({"name": "Forecast Test Co"})
        cls.env.user.company_ids |= cls.company
        cls.wh1 = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.wh2 = cls.env["stock.warehouse"].create(
            {"name": "Forecast Test East", "code": "FTE", "company_id": cls.company.id}
        )
        cls.customers = cls.env.ref("stock.stock_location_customers")
        cls.suppliers = cls.env.ref("stock.stock_location_suppliers")
        cls.production = cls.env["stock.location"].search([("usage", "=", "production")], limit=1)
        cls.segment = cls.env["stock.segment"].create(
            {
                "name": "Forecast test",
                "code": "FT",
                "company_id": cls.company.id,
                "forecast_method": "auto",
                "forecast_bucket": "week",
                "forecast_refresh_days": 7,
                "auto_apply_tolerance": 10.0,
            }
        )
        cls.categ = cls.env["product.category"].create({"name": "Forecast Test"})
        rng = random.Random(7)
        cls.moves = []  # (product, source location, destination location, datetime, qty)
        cls.steady = cls._product("steady", 100.0, 60.0)
        cls.spiky = cls._product("spiky", 30.0, 10.0)
        cls.stockout = cls._product("stockout", 20.0, 8.0)
        cls.zero = cls._product("never sold", 10.0, 5.0)
        for w in range(HISTORY_WEEKS + 6):
            cls._move(cls.steady, cls.wh1, "out", w, 50 + rng.randint(-5, 5))
            cls._move(cls.steady, cls.wh2, "out", w, 20 + rng.randint(-3, 3))
            if w % 5 == 0:
                cls._move(cls.steady, cls.wh1, "return", w, 3, day=3)
            if w % 4 == 0:
                cls._move(cls.steady, cls.wh1, "consume", w, 7, day=4)
            if w % 8 == 0:
                cls._move(cls.steady, cls.wh1, "transfer", w, 11, day=1)
            if rng.random() < 0.3:
                cls._move(cls.spiky, cls.wh1, "out", w, rng.choice([2, 5, 40]))
        # Stockout product: 100 received in week 0, 10 sold a week until stock runs out
        # on the Wednesday of week 9; nothing in weeks 10-12; 1000 received in week 13.
        cls._move(cls.stockout, cls.wh1, "in", 0, 100, day=0, hour=8)
        cls._move(cls.stockout, cls.wh1, "in", 13, 1000, day=0, hour=8)
        for w in list(range(10)) + list(range(13, HISTORY_WEEKS)):
            cls._move(cls.stockout, cls.wh1, "out", w, 10)
        cls.insert_moves(cls.moves)
        Quant = cls.env["stock.quant"].sudo()
        Quant._update_available_quantity(cls.stockout, cls.wh1.lot_stock_id, 1100 - 10 * 101)
        Quant._update_available_quantity(cls.steady, cls.wh1.lot_stock_id, 500)
        Quant._update_available_quantity(cls.steady, cls.wh2.lot_stock_id, 500)
        cls.profiles = cls.Profile.create(
            [
                {"product_id": p.id, "warehouse_id": wh.id, "segment_id": cls.segment.id}
                for p in (cls.steady, cls.spiky, cls.stockout, cls.zero)
                for wh in (cls.wh1, cls.wh2)
            ]
        )
        cls.user = new_company_user(
            cls.env, "forecast_user", "stock_segment.group_planning_user", cls.company
        )
        cls.manager = new_company_user(
            cls.env, "forecast_manager", "stock_segment.group_planning_manager", cls.company
        )
        cls.manager2 = new_company_user(
            cls.env, "forecast_manager2", "stock_segment.group_planning_manager", cls.company
        )

    @classmethod
    def _product(cls, name, price, cost, company=None):
        product = cls.env["product.product"].create(
            {
                "name": f"Forecast test {name}",
                "type": "consu",
                "is_storable": True,
                "list_price": price,
                "categ_id": cls.categ.id,
            }
        )
        product.with_company(company or cls.company).standard_price = cost
        return product

    @classmethod
    def _move(cls, product, wh, kind, week, qty, day=2, hour=12):
        other = cls.wh2 if wh == cls.wh1 else cls.wh1
        src, dst = {
            "out": (wh.lot_stock_id, cls.customers),
            "return": (cls.customers, wh.lot_stock_id),
            "consume": (wh.lot_stock_id, cls.production),
            "transfer": (wh.lot_stock_id, other.lot_stock_id),
            "in": (cls.suppliers, wh.lot_stock_id),
        }[kind]
        cls.moves.append((product, src, dst, week_day(week, day, hour), float(qty)))

    @classmethod
    def insert_moves(cls, rows, company=None):
        """Done moves in one INSERT (history only: quants are set separately)."""
        company = company or cls.company
        values = [
            SQL(
                "(%s, %s, %s, %s, %s, %s::timestamp, %s::numeric)",
                product.id,
                product.uom_id.id,
                src.id,
                dst.id,
                company.id,
                when,
                qty,
            )
            for product, src, dst, when, qty in rows
        ]
        cls.env.flush_all()
        cls.env.cr.execute(
            SQL(
                """INSERT INTO stock_move (product_id, product_uom, location_id, location_dest_id,
                       company_id, date, product_uom_qty, product_qty, quantity, state,
                       procure_method)
                   SELECT p, u, l, d, c, dt, q, q, q, 'done', 'make_to_stock'
                     FROM (VALUES %s) AS v(p, u, l, d, c, dt, q)""",
                SQL(", ").join(values),
            )
        )
        cls.env["stock.move"].invalidate_model()

    def run_forecast(self, today=TODAY, force=True, company=None, **kwargs):
        stats = self.Profile.sudo()._run_forecast(
            companies=company or self.company, today=today, force=force, **kwargs
        )
        return stats[(company or self.company).id]

    def profile(self, product, wh):
        return self.Profile.search([("product_id", "=", product.id), ("warehouse_id", "=", wh.id)])

    def open_exceptions(self, profile, exc_type=None):
        domain = [("profile_id", "=", profile.id), ("state", "in", ["new", "in_progress"])]
        if exc_type:
            domain.append(("exception_type", "=", exc_type))
        return self.Exception.sudo().search(domain)
