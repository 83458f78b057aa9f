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


def far_apart_time_zones(env, user):
    """The superuser (whose day the nightly run plans for) at UTC+14 and ``user`` at
    UTC-12: 26 hours apart, so their days differ whatever the time of day."""
    env.ref("base.user_root").sudo().tz = "Pacific/Kiritimati"
    user.sudo().tz = "Etc/GMT+12"


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


# --------------------------------------------------------------------------- hostile data
# The hostile catalogue shared by the chain tests of the planning addons: every case of
# absurd data a nightly run met, in a company of its own beside the demo company. Each
# entry: name -> (what is wrong, the field its data-quality finding names).
HOSTILE_CASES = {
    "cost_1e15": ("a unit cost of 1e15", "unit_cost"),
    "lead_10000": ("a first vendor at 10,000 days, a second at 5", "vendor lead time"),
    "spike_1e9": ("one delivery of 1e9 units six weeks back", "quantity"),
    "price_1e15": ("a sale price of 1e15", "unit_price"),
    "onhand_1e12": ("1e12 on hand", "on_hand"),
    "moq_1e12": ("a vendor minimum order of 1e12", "vendor minimum quantity"),
    "bought_in_kg": ("stocked in units, bought in kilograms", "vendor unit"),
    "nan_price": ("a sale price of NaN", "annual_revenue"),
    "nan_qty": ("a delivery of NaN units", "annual_revenue"),
}
# Cases that are not absurd values but were mishandled: checked on their own.
HOSTILE_OTHERS = ("archived", "returns_only", "new_product", "tiny_demand", "no_category")


def build_hostile_catalogue(env, today, normal=12, seed=7):
    """A company with ``normal`` ordinary products and the hostile ones, one year of
    weekly deliveries ending ``today``, a hand-set reorder rule on every product, and
    two vendors. Returns a dict with the company, warehouse and products by name."""
    rng = random.Random(seed)
    company = env["res.company"].create({"name": "Hostile Catalogue Co"})
    env.user.company_ids |= company
    wh = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    categ = env["product.category"].create({"name": "Hostile Catalogue"})
    vendor_far = env["res.partner"].create({"name": "Far Away Supplies", "company_id": False})
    vendor_near = env["res.partner"].create({"name": "Near Supplies", "company_id": False})
    Product = env["product.product"].with_company(company)
    products = {}

    def product(name, price=20.0, cost=10.0, **extra):
        vals = {
            "name": f"Hostile {name}",
            "type": "consu",
            "is_storable": True,
            "list_price": price,
            "categ_id": categ.id,
            "seller_ids": [
                (0, 0, {"partner_id": vendor_near.id, "delay": 7, "company_id": company.id})
            ],
        }
        vals.update(extra)
        p = Product.create(vals)
        p.with_company(company).standard_price = cost
        products[name] = p
        return p

    for i in range(normal):
        product(
            f"normal {i}",
            price=round(5 + 90 * rng.random(), 2),
            cost=round(2 + 40 * rng.random(), 2),
        )
    for name in HOSTILE_CASES:
        product(name)
    for name in HOSTILE_OTHERS:
        product(name)
    # The cases.
    products["lead_10000"].seller_ids = [
        (5, 0, 0),
        (
            0,
            0,
            {"partner_id": vendor_far.id, "delay": 10000, "sequence": 1, "company_id": company.id},
        ),
        (0, 0, {"partner_id": vendor_near.id, "delay": 5, "sequence": 2, "company_id": company.id}),
    ]
    products["moq_1e12"].seller_ids.min_qty = 1e12
    products["bought_in_kg"].seller_ids.product_uom_id = env.ref("uom.product_uom_kgm")
    products["new_product"].product_tmpl_id.lifecycle_introduction_date = today - timedelta(days=4)
    products["no_category"].categ_id = False
    env.flush_all()
    env.cr.execute(
        "UPDATE product_product SET standard_price = jsonb_build_object(%s::text, 1e15::float8)"
        " WHERE id = %s",
        [str(company.id), products["cost_1e15"].id],
    )
    env.cr.execute(
        "UPDATE product_template SET list_price = 1e15 WHERE id = %s",
        [products["price_1e15"].product_tmpl_id.id],
    )
    env.cr.execute(
        "UPDATE product_template SET list_price = 'NaN' WHERE id = %s",
        [products["nan_price"].product_tmpl_id.id],
    )
    env.invalidate_all()
    env["stock.quant"].with_company(company)._update_available_quantity(
        products["onhand_1e12"], wh.lot_stock_id, 1e12
    )
    for name, p in products.items():
        if name not in ("new_product",):
            env["stock.quant"].with_company(company)._update_available_quantity(
                p, wh.lot_stock_id, 40.0
            )
    # Demand: one year of weekly deliveries.
    customers = env.ref("stock.stock_location_customers")
    start = datetime.combine(today, datetime.min.time()) - timedelta(days=364)
    rows = []
    for name, p in products.items():
        if name in ("new_product",):
            continue
        for week in range(52):
            date = start + timedelta(days=7 * week + 2, hours=12)
            if name == "returns_only":
                if week % 4 == 0:
                    rows.append((p, customers, wh.lot_stock_id, date, 3.0))
                continue
            qty = 0.001 if name == "tiny_demand" else float(max(0, round(rng.gauss(20, 5))))
            if name == "tiny_demand" and week % 13:
                continue
            if qty:
                rows.append((p, wh.lot_stock_id, customers, date, qty))
    six_weeks = start + timedelta(days=7 * 46 + 2, hours=12)
    rows.append((products["spike_1e9"], wh.lot_stock_id, customers, six_weeks, 1e9))
    rows.append((products["nan_qty"], wh.lot_stock_id, customers, six_weeks, float("nan")))
    values = [
        SQL(
            "(%s, %s, %s, %s, %s, %s::timestamp, %s::numeric)",
            p.id,
            p.uom_id.id,
            src.id,
            dst.id,
            company.id,
            date,
            qty,
        )
        for p, src, dst, date, qty in rows
    ]
    env.flush_all()
    env.cr.execute(
        SQL(
            """INSERT INTO stock_move (product_id, product_uom, location_id, location_dest_id,
                   company_id, date, product_uom_qty, product_qty, quantity, state,
                   procure_method)
               SELECT p, u, l, d, c, dt, q, q, q, 'done', 'make_to_stock'
                 FROM (VALUES %s) AS v(p, u, l, d, c, dt, q)""",
            SQL(", ").join(values),
        )
    )
    # A hand-set rule on every product (the last good rule to keep).
    env["stock.warehouse.orderpoint"].with_company(company).create(
        [
            {
                "product_id": p.id,
                "warehouse_id": wh.id,
                "location_id": wh.lot_stock_id.id,
                "product_min_qty": 10.0,
                "product_max_qty": 30.0,
            }
            for p in products.values()
        ]
    )
    products["archived"].active = False
    env.flush_all()
    return {"company": company, "warehouse": wh, "products": products}


def backdate_rows(env, tables, company_id, stamp="2000-01-01 00:00:00"):
    """Set ``write_date`` of the company's rows of ``tables`` to ``stamp`` and return
    their ids per table: a later run that rewrites a row (same transaction, same
    ``now()``) is seen by its write date, a row deleted and inserted again by its id."""
    ids = {}
    for table in tables:
        env.cr.execute(
            SQL(
                "UPDATE %s SET write_date = %s WHERE company_id = %s RETURNING id",
                SQL.identifier(table),
                stamp,
                company_id,
            )
        )
        ids[table] = sorted(r[0] for r in env.cr.fetchall())
    env.invalidate_all()
    return ids


def rewritten_rows(env, tables, company_id, before, stamp="2000-01-01 00:00:00"):
    """Per table: (ids rewritten, ids added, ids removed) since :func:`backdate_rows`."""
    env.flush_all()
    out = {}
    for table in tables:
        env.cr.execute(
            SQL(
                "SELECT id, write_date <> %s FROM %s WHERE company_id = %s",
                stamp,
                SQL.identifier(table),
                company_id,
            )
        )
        rows = env.cr.fetchall()
        now = sorted(r[0] for r in rows)
        changed = sorted(r[0] for r in rows if r[1])
        added = sorted(set(now) - set(before[table]))
        removed = sorted(set(before[table]) - set(now))
        if changed or added or removed:
            out[table] = (changed, added, removed)
    return out


def row_snapshot(env, tables, company_id):
    """Every column of the company's rows of ``tables``, to say what a rerun changed."""
    env.flush_all()
    out = {}
    for table in tables:
        env.cr.execute(
            SQL("SELECT * FROM %s WHERE company_id = %s", SQL.identifier(table), company_id)
        )
        out[table] = {r["id"]: r for r in env.cr.dictfetchall()}
    return out


def snapshot_diff(before, after, ignore=("write_date", "write_uid")):
    """``{table: {id: {column: (before, after)}}}`` for the rows present in both."""
    diff = {}
    for table, rows in after.items():
        for rid, row in rows.items():
            old = before.get(table, {}).get(rid)
            if old is None:
                continue
            changed = {
                c: (old[c], v) for c, v in row.items() if c not in ignore and old.get(c) != v
            }
            if changed:
                diff.setdefault(table, {})[rid] = changed
    return diff
