"""Shared fixture: a company of its own (so the ABC population is known), two warehouses,
products with one year of generated weekly customer deliveries, and planning users."""

import random
from datetime import datetime, timedelta

from odoo.tests import TransactionCase, new_test_user
from odoo.tools import SQL

DATE_TO = datetime(2025, 1, 6)  # a Monday: whole weeks end here
WINDOW_DAYS = 364  # 52 weekly buckets


def new_company_user(env, login, groups, company):
    """A test user working in ``company`` only, with ``groups`` (comma-separated xml
    ids): the shared fixture of the planning addons' tests."""
    return new_test_user(
        env, login=login, groups=groups, company_id=company.id, company_ids=[(6, 0, [company.id])]
    )


class StockSegmentCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Profile = cls.env["stock.planning.profile"]
        icp = cls.env["ir.config_parameter"].sudo()
        icp.set_param("stock_segment.window_days", WINDOW_DAYS)
        icp.set_param("stock_segment.lifecycle_auto_apply", "False")
        cls.company = cls.env["res.company"].create({"name": "Planning Test Co"})
        cls.env.user.company_ids |= cls.company
        cls.wh1 = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.wh2 = cls.env["stock.warehouse"].create(
            {"name": "Planning Test East", "code": "PTE", "company_id": cls.company.id}
        )
        cls.customers = cls.env.ref("stock.stock_location_customers")
        cls.categ_parent = cls.env["product.category"].create({"name": "Planning Test"})
        cls.categ_child = cls.env["product.category"].create(
            {"name": "Planning Test Child", "parent_id": cls.categ_parent.id}
        )
        rng = random.Random(42)
        # name: (price, cost, weekly series generator)
        shapes = {
            "steady": (100.0, 60.0, lambda w: 50 + rng.randint(-5, 5)),
            "wobbly": (40.0, 20.0, lambda w: max(0, int(rng.gauss(20, 14)))),
            "spiky": (30.0, 10.0, lambda w: rng.choice([0, 0, 0, 2, 60])),
            "rare": (5.0, 2.0, lambda w: 3 if w % 6 == 0 else 0),
            "small": (2.0, 1.0, lambda w: 4 + rng.randint(0, 1)),
            "tiny": (1.0, 0.5, lambda w: 1 if w % 2 == 0 else 0),
        }
        cls.products = {}
        cls.series = {}  # (product id, warehouse id) -> weekly quantities, oldest first
        rows = []
        for name, (price, cost, weekly) in shapes.items():
            product = cls._create_product(name, price, cost)
            cls.products[name] = product
            for wh, share in ((cls.wh1, 1.0), (cls.wh2, 0.5)):
                qtys = [float(round(weekly(w) * share)) for w in range(52)]
                cls.series[(product.id, wh.id)] = qtys
                for w, qty in enumerate(qtys):
                    if qty:
                        rows.append((product, wh, cls.week_date(w), qty, "out"))
        cls.products["steady"].categ_id = cls.categ_child
        cls.insert_moves(rows)
        cls.user = new_company_user(
            cls.env, "planning_user", "stock_segment.group_planning_user", cls.company
        )
        cls.manager = new_company_user(
            cls.env, "planning_manager", "stock_segment.group_planning_manager", cls.company
        )

    @classmethod
    def _create_product(cls, name, price, cost, company=None):
        product = cls.env["product.product"].create(
            {
                "name": f"Planning test {name}",
                "type": "consu",
                "is_storable": True,
                "list_price": price,
                "categ_id": cls.categ_parent.id,
            }
        )
        if cost is not None:
            product.with_company(company or cls.company).standard_price = cost
        return product

    @staticmethod
    def week_date(week):
        """Wednesday noon of weekly bucket ``week`` (0 = oldest of the window)."""
        start = DATE_TO - timedelta(days=WINDOW_DAYS)
        return start + timedelta(days=7 * week + 2, hours=12)

    @classmethod
    def insert_moves(cls, rows):
        """Done moves in one INSERT: rows of (product, warehouse, date, qty, kind) where
        kind is out (delivery), return (customer return) or consume (manufacturing)."""
        production = cls.env["stock.location"].search([("usage", "=", "production")], limit=1)
        values = []
        for product, wh, date, qty, kind in rows:
            src, dst = {
                "out": (wh.lot_stock_id, cls.customers),
                "return": (cls.customers, wh.lot_stock_id),
                "consume": (wh.lot_stock_id, production),
            }[kind]
            values.append(
                SQL(
                    "(%s, %s, %s, %s, %s, %s::timestamp, %s::numeric)",
                    product.id,
                    product.uom_id.id,
                    src.id,
                    dst.id,
                    wh.company_id.id,
                    date,
                    qty,
                )
            )
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

    def classify(self, company=None, date_to=DATE_TO, **kwargs):
        stats = self.Profile._run_classification(
            companies=company or self.company, date_to=date_to, **kwargs
        )
        return stats[(company or self.company).id]

    def profile(self, product, wh):
        return self.Profile.search([("product_id", "=", product.id), ("warehouse_id", "=", wh.id)])
