"""Shared fixture: a company of its own with a warehouse, a vendor, products with price
list lines and the Buy route, a continuous-review segment, planning profiles whose
forecast is set directly, generated purchase history, and planning users."""

import random
from datetime import date, datetime, timedelta

from odoo import fields
from odoo.addons.stock_segment.tests.common import new_company_user
from odoo.tests import TransactionCase
from odoo.tools import SQL

TODAY = date(2025, 3, 5)


class ReplenishmentCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Profile = cls.env["stock.planning.profile"]
        cls.Proposal = cls.env["stock.replenishment.proposal"]
        cls.Exception = cls.env["stock.planning.exception"]
        cls.Orderpoint = cls.env["stock.warehouse.orderpoint"]
        icp = cls.env["ir.config_parameter"].sudo()
        icp.set_param("stock_segment_replenishment.lead_time_min_count", 3)
        icp.set_param("stock_segment_replenishment.lead_time_history_days", 730)
        icp.set_param("stock_segment_replenishment.approver_id", 0)
        icp.set_param("stock_segment_replenishment.auto_apply_new_rules", True)
        cls.company = cls.env["res.company"].create({"name": "Replenishment Test Co"})
        cls.env.user.company_ids |= cls.company
        cls.wh = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.buy_route = cls.env.ref("purchase_stock.route_warehouse0_buy")
        cls.vendor = cls.env["res.partner"].create({"name": "Replenishment Vendor A"})
        cls.vendor_b = cls.env["res.partner"].create({"name": "Replenishment Vendor B"})
        cls.segment = cls.env["stock.segment"].create(
            {
                "name": "Replenishment test",
                "code": "RT",
                "company_id": cls.company.id,
                "replenishment_policy": "sS",
                "service_metric": "cycle_service_level",
                "service_level_target": 95.0,
                "holding_cost_rate": 20.0,
                "ordering_cost": 40.0,
                "auto_apply_tolerance": 10.0,
            }
        )
        cls.categ = cls.env["product.category"].create({"name": "Replenishment Test"})
        cls.history = cls._product("history", 30.0, vendor_delay=9)
        cls.thin = cls._product("thin history", 12.0, vendor_delay=6)
        cls.drifting = cls._product("drifting", 8.0, vendor_delay=5)
        cls.no_vendor = cls._product("no vendor", 10.0, vendor_delay=None)
        cls.zero_lt = cls._product("zero lead time", 10.0, vendor_delay=0)
        cls.no_cost = cls._product("no cost", 0.0, vendor_delay=4)
        cls.negative = cls._product("negative stock", 5.0, vendor_delay=4)
        cls.products = (
            cls.history
            | cls.thin
            | cls.drifting
            | cls.no_vendor
            | cls.zero_lt
            | cls.no_cost
            | cls.negative
        )
        cls.profiles = cls.Profile.create(
            [
                {"product_id": p.id, "warehouse_id": cls.wh.id, "segment_id": cls.segment.id}
                for p in cls.products
            ]
        )
        # Forecast as the forecast job leaves it: demand and one-day error sigma.
        cls.demand = {
            cls.history: (12.0, 4.0),
            cls.thin: (5.0, 2.0),
            cls.drifting: (20.0, 6.0),
            cls.no_vendor: (3.0, 1.0),
            cls.zero_lt: (3.0, 1.0),
            cls.no_cost: (3.0, 1.0),
            cls.negative: (3.0, 1.0),
        }
        for product, (d, s) in cls.demand.items():
            cls.set_forecast(cls.profile(product), d, s)
        cls.env["stock.quant"].sudo()._update_available_quantity(
            cls.negative, cls.wh.lot_stock_id, -7.0
        )

        # Purchase history: (product, vendor, confirmation, lead time days, late).
        rng = random.Random(11)
        cls.receipts = []
        start = datetime(2024, 3, 1, 9, 0)
        for k in range(14):
            lt = rng.choice([6, 7, 8, 9, 10, 12, 15])
            cls.receipts.append((cls.history, cls.vendor, start + timedelta(days=14 * k), lt))
        for k in range(4):
            cls.receipts.append((cls.history, cls.vendor_b, start + timedelta(days=20 * k), 20 + k))
        cls.receipts.append((cls.thin, cls.vendor, start, 11))
        for k in range(10):
            lt = 5 + (k % 2) if k < 6 else 11 + (k % 2)  # the last receipts take twice as long
            cls.receipts.append((cls.drifting, cls.vendor, start + timedelta(days=20 * k), lt))
        cls.insert_receipts(cls.receipts)

        cls.user = new_company_user(
            cls.env,
            "repl_user",
            "stock_segment.group_planning_user,purchase.group_purchase_user",
            cls.company,
        )
        cls.manager = new_company_user(
            cls.env,
            "repl_manager",
            "stock_segment.group_planning_manager,purchase.group_purchase_manager",
            cls.company,
        )
        cls.manager2 = new_company_user(
            cls.env, "repl_manager2", "stock_segment.group_planning_manager", cls.company
        )

    @classmethod
    def _product(cls, name, cost, vendor_delay=5):
        product = cls.env["product.product"].create(
            {
                "name": f"Replenishment test {name}",
                "type": "consu",
                "is_storable": True,
                "categ_id": cls.categ.id,
                "route_ids": [(6, 0, cls.buy_route.ids)],
            }
        )
        product.with_company(cls.company).standard_price = cost
        if vendor_delay is not None:
            cls.env["product.supplierinfo"].create(
                {
                    "partner_id": cls.vendor.id,
                    "product_tmpl_id": product.product_tmpl_id.id,
                    "delay": vendor_delay,
                    "price": max(cost, 1.0),
                    "company_id": cls.company.id,
                }
            )
        return product

    @classmethod
    def profile(cls, product):
        return cls.Profile.search(
            [("product_id", "=", product.id), ("warehouse_id", "=", cls.wh.id)]
        )

    @classmethod
    def set_forecast(cls, profile, demand, sigma):
        profile.sudo().write(
            {"avg_daily_demand": demand, "demand_sigma_daily": sigma, "forecast_date": TODAY}
        )

    @classmethod
    def insert_receipts(cls, receipts):
        """Confirmed purchase orders, each received once: the orders through the ORM, the
        confirmation date and the done receipt moves in SQL (history only)."""
        PO = cls.env["purchase.order"].with_company(cls.company)
        picking_type = cls.wh.in_type_id
        for product, vendor, confirmed, lead_time in receipts:
            promised = confirmed + timedelta(days=8)
            order = PO.create(
                {
                    "partner_id": vendor.id,
                    "company_id": cls.company.id,
                    "picking_type_id": picking_type.id,
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": product.id,
                                "product_qty": 10.0,
                                "price_unit": 1.0,
                                "date_planned": promised,
                            },
                        )
                    ],
                }
            )
            cls.env.flush_all()
            line = order.order_line
            cls.env.cr.execute(
                SQL(
                    """UPDATE purchase_order SET state = 'purchase', date_approve = %s
                        WHERE id = %s""",
                    confirmed,
                    order.id,
                )
            )
            cls.env.cr.execute(
                SQL(
                    """INSERT INTO stock_move (product_id, product_uom, location_id,
                           location_dest_id, company_id, date, product_uom_qty, product_qty,
                           quantity, state, procure_method, purchase_line_id, picking_type_id)
                       VALUES (%s, %s, %s, %s, %s, %s, 10, 10, 10, 'done', 'make_to_stock',
                               %s, %s)""",
                    product.id,
                    product.uom_id.id,
                    cls.env.ref("stock.stock_location_suppliers").id,
                    cls.wh.lot_stock_id.id,
                    cls.company.id,
                    confirmed + timedelta(days=lead_time),
                    line.id,
                    picking_type.id,
                )
            )
        cls.env.invalidate_all()

    def run_job(self, today=TODAY, **kwargs):
        stats = self.Profile.sudo()._run_replenishment(
            companies=self.company, today=today, **kwargs
        )
        return stats[self.company.id]

    def orderpoint(self, product):
        return self.Orderpoint.with_context(active_test=False).search(
            [("product_id", "=", product.id), ("warehouse_id", "=", self.wh.id)]
        )

    def open_exceptions(self, product, exc_type=None):
        domain = [
            ("product_id", "=", product.id),
            ("state", "in", ["new", "in_progress"]),
        ]
        if exc_type:
            domain.append(("exception_type", "=", exc_type))
        return self.Exception.sudo().search(domain)

    @staticmethod
    def now():
        return fields.Datetime.now()
