"""Shared fixture: a company of its own with a warehouse, products with costs, plans,
receipts and customer deliveries written as done moves of past dates, and users for each
role (buyer, planning manager, finance reader, finance manager)."""

import random
from datetime import date, datetime, timedelta

from odoo.addons.stock_segment.tests.common import new_company_user
from odoo.tests import TransactionCase
from odoo.tools import SQL

TODAY = date(2026, 3, 31)
LIMITS = (90, 180, 365)


class LifecycleCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Profile = cls.env["stock.planning.profile"]
        cls.Report = cls.env["stock.aging.report"]
        cls.Exception = cls.env["stock.planning.exception"]
        cls.Proposal = cls.env["stock.provision.proposal"]
        cls.env["ir.config_parameter"].sudo().set_param(
            "stock_segment_lifecycle.inactivity_days", 120
        )
        cls.company = cls.env["res.company"].create({"name": "Lifecycle Test Co"})
        cls.env.user.company_ids |= cls.company
        cls.wh = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.stock = cls.wh.lot_stock_id
        cls.segment = cls.env["stock.segment"].create(
            {"name": "Lifecycle test", "code": "LT", "company_id": cls.company.id}
        )
        cls.segment_b = cls.env["stock.segment"].create(
            {"name": "Lifecycle test B", "code": "LB", "company_id": cls.company.id}
        )
        cls.buckets = cls.env["stock.aging.bucket"]._buckets_for(cls.company)[0]
        cls.fast = cls._product("fast", 12.0)
        cls.mixed = cls._product("mixed", 7.5, stage="decline")
        cls.old = cls._product("old", 30.0, stage="obsolete")
        cls.no_history = cls._product("no receipt history", 5.0)
        cls.no_cost = cls._product("zero cost", 0.0)
        cls.products = cls.fast | cls.mixed | cls.old | cls.no_history | cls.no_cost
        cls.profiles = cls.Profile.create(
            [
                {
                    "product_id": p.id,
                    "warehouse_id": cls.wh.id,
                    "segment_id": (cls.segment_b if p == cls.old else cls.segment).id,
                }
                for p in cls.products
            ]
        )
        cls.profile(cls.fast).sudo().avg_daily_demand = 2.0
        # Its current forecast: 62 units in the month of TODAY, 2 a day.
        cls.set_forecast(cls.fast, 62.0, TODAY)

        # Generated history: receipts and customer deliveries of past dates.
        rng = random.Random(7)
        cls.moves = []  # (product, signed qty, date)
        for product, n_in, n_out in ((cls.fast, 14, 25), (cls.mixed, 8, 6), (cls.old, 3, 0)):
            for _ in range(n_in):
                when = TODAY - timedelta(days=rng.randint(0, 700))
                cls.moves.append((product, float(rng.randint(5, 40)), when))
            delivered = 0.0
            received = sum(q for p, q, _d in cls.moves if p == product)
            for _ in range(n_out):
                qty = float(rng.randint(1, 15))
                if delivered + qty > received:
                    break
                delivered += qty
                when = TODAY - timedelta(
                    days=rng.randint(130, 700) if product == cls.mixed else rng.randint(0, 400)
                )
                cls.moves.append((product, -qty, when))
        cls.no_cost_receipt = TODAY - timedelta(days=100)
        cls.moves.append((cls.no_cost, 6.0, cls.no_cost_receipt))
        cls.insert_moves(cls.moves)
        cls.env["stock.quant"].sudo()._update_available_quantity(cls.no_history, cls.stock, 9.0)

        cls.buyer = new_company_user(
            cls.env,
            "life_buyer",
            "stock_segment.group_planning_user,purchase.group_purchase_user",
            cls.company,
        )
        cls.manager = new_company_user(
            cls.env,
            "life_manager",
            "stock_segment.group_planning_manager,purchase.group_purchase_manager",
            cls.company,
        )
        cls.finance_reader = new_company_user(
            cls.env,
            "life_finance_reader",
            "base.group_user,account.group_account_readonly",
            cls.company,
        )
        cls.finance_manager = new_company_user(
            cls.env,
            "life_finance_manager",
            "base.group_user,account.group_account_manager",
            cls.company,
        )

    @classmethod
    def _product(cls, name, cost, stage=None):
        product = cls.env["product.product"].create(
            {
                "name": f"Lifecycle test {name}",
                "type": "consu",
                "is_storable": True,
                "lifecycle_stage": stage,
            }
        )
        product.with_company(cls.company).standard_price = cost
        return product

    @classmethod
    def profile(cls, product):
        return cls.Profile.search(
            [("product_id", "=", product.id), ("warehouse_id", "=", cls.wh.id)]
        )

    @classmethod
    def set_forecast(cls, product, qty, day):
        """The plan's forecast line of the month that contains ``day``: ``qty`` units."""
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        profile = cls.profile(product)
        return (
            cls.env["stock.demand.forecast"]
            .sudo()
            .create(
                {
                    "profile_id": profile.id,
                    "product_id": product.id,
                    "warehouse_id": cls.wh.id,
                    "company_id": cls.company.id,
                    "bucket": "month",
                    "date_start": start,
                    "date_end": end,
                    "statistical_qty": qty,
                    "final_qty": qty,
                }
            )
        )

    @classmethod
    def insert_moves(cls, moves):
        """Done moves in SQL (history only) and the quants they leave on hand."""
        supplier = cls.env.ref("stock.stock_location_suppliers")
        customer = cls.env.ref("stock.stock_location_customers")
        onhand = {}
        for product, qty, when in moves:
            src, dest = (supplier, cls.stock) if qty > 0 else (cls.stock, customer)
            cls.env.cr.execute(
                SQL(
                    """INSERT INTO stock_move (product_id, product_uom, location_id,
                           location_dest_id, company_id, date, product_uom_qty, product_qty,
                           quantity, state, procure_method)
                       VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'done', 'make_to_stock')""",
                    product.id,
                    product.uom_id.id,
                    src.id,
                    dest.id,
                    cls.company.id,
                    datetime.combine(when, datetime.min.time()) + timedelta(hours=10),
                    abs(qty),
                    abs(qty),
                    abs(qty),
                )
            )
            onhand[product] = onhand.get(product, 0.0) + qty
        cls.env.invalidate_all()
        for product, qty in onhand.items():
            cls.env["stock.quant"].sudo()._update_available_quantity(product, cls.stock, qty)

    def run_aging(self, today=TODAY):
        return self.Profile.sudo()._run_aging(companies=self.company, today=today)[self.company.id]

    def report_rows(self, product):
        return self.Report.sudo().search(
            [("product_id", "=", product.id), ("warehouse_id", "=", self.wh.id)]
        )

    def fifo_buckets(self, product, today=TODAY):
        """Independent FIFO: the newest receipts make up the stock on hand; each layer
        goes to the bucket of its age (<= 90, <= 180, <= 365, older); stock no receipt
        explains goes to the oldest bucket."""
        receipts = sorted(
            ((d, q) for p, q, d in self.moves if p == product and q > 0), reverse=True
        )
        left = sum(q for p, q, _d in self.moves if p == product)
        buckets = [0.0] * (len(LIMITS) + 1)
        for when, qty in receipts:
            take = min(qty, left)
            if take <= 0:
                break
            age = (today - when).days
            index = next((i for i, lim in enumerate(LIMITS) if age <= lim), len(LIMITS))
            buckets[index] += take
            left -= take
        buckets[-1] += max(left, 0.0)
        return buckets
