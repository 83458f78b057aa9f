from datetime import datetime, timedelta

from odoo.tests import tagged
from odoo.tools import SQL

from .common import TODAY, LifecycleCommon


@tagged("post_install", "-at_install")
class TestAgingBatchScale(LifecycleCommon):
    """A batch of the aging job reads its own plans' moves: the same statements whatever
    the number of plans in it, and each plan's last delivery is that of its own
    warehouse, whatever the other warehouses and flows of the product."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wh2 = cls.env["stock.warehouse"].create(
            {"name": "Lifecycle second", "code": "LS2", "company_id": cls.company.id}
        )
        cls.both = cls._product("two warehouses", 4.0)
        cls.Profile.create(
            [
                {"product_id": cls.both.id, "warehouse_id": w.id, "segment_id": cls.segment.id}
                for w in (cls.wh, cls.wh2)
            ]
        )
        supplier = cls.env.ref("stock.stock_location_suppliers")
        customer = cls.env.ref("stock.stock_location_customers")
        # (source, destination, days before TODAY): the first warehouse last delivered
        # 40 days ago, the second 10 days ago; later flows that are no delivery (a
        # receipt, a transfer between the warehouses, a return from the customer) and a
        # cancelled delivery do not count.
        flows = [
            (supplier, cls.stock, 200),
            (supplier, cls.wh2.lot_stock_id, 200),
            (cls.stock, customer, 60),
            (cls.stock, customer, 40),
            (cls.wh2.lot_stock_id, customer, 10),
            (supplier, cls.stock, 5),
            (cls.stock, cls.wh2.lot_stock_id, 3),
            (customer, cls.stock, 2),
        ]
        for src, dest, days in flows:
            cls._move(cls.both, src, dest, TODAY - timedelta(days=days), "done")
        cls._move(cls.both, cls.stock, customer, TODAY - timedelta(days=1), "cancel")
        cls.env["stock.quant"].sudo()._update_available_quantity(cls.both, cls.stock, 3.0)
        cls.env["stock.quant"].sudo()._update_available_quantity(
            cls.both, cls.wh2.lot_stock_id, 2.0
        )

    @classmethod
    def _move(cls, product, src, dest, day, state):
        cls.env.cr.execute(
            SQL(
                """INSERT INTO stock_move (product_id, product_uom, location_id,
                       location_dest_id, company_id, date, product_uom_qty, product_qty,
                       quantity, state, procure_method)
                   VALUES (%s, %s, %s, %s, %s, %s, 1, 1, 1, %s, 'make_to_stock')""",
                product.id,
                product.uom_id.id,
                src.id,
                dest.id,
                cls.company.id,
                datetime.combine(day, datetime.min.time()) + timedelta(hours=10),
                state,
            )
        )
        cls.env.invalidate_all()

    def _plan(self, warehouse):
        return self.Profile.search(
            [("product_id", "=", self.both.id), ("warehouse_id", "=", warehouse.id)]
        )

    def test_last_delivery_is_the_plans_own_warehouse(self):
        self.run_aging()
        first, second = self._plan(self.wh), self._plan(self.wh2)
        self.assertEqual(first.last_demand_date, TODAY - timedelta(days=40))
        self.assertEqual(first.days_without_demand, 40)
        self.assertEqual(second.last_demand_date, TODAY - timedelta(days=10))
        self.assertEqual(second.days_without_demand, 10)

    def test_statements_per_batch_do_not_grow_with_the_plans(self):
        """The same statements for a batch of one plan and for a batch of all."""
        ids = self.Profile.search([("company_id", "=", self.company.id)]).ids
        self.assertGreater(len(ids), 5)
        counts = {}
        original = type(self.Profile)._aging_batch

        def counted(model, ctx, batch_ids):
            before = model.env.cr.sql_log_count
            result = original(model, ctx, batch_ids)
            counts.setdefault(len(batch_ids), []).append(model.env.cr.sql_log_count - before)
            return result

        self.patch(type(self.Profile), "_aging_batch", counted)
        # A first run creates the rows and reviews; the runs measured find them.
        self.Profile.sudo()._run_aging(companies=self.company, today=TODAY, batch_size=1)
        counts.clear()
        self.Profile.sudo()._run_aging(companies=self.company, today=TODAY, batch_size=1)
        self.Profile.sudo()._run_aging(companies=self.company, today=TODAY, batch_size=len(ids))
        self.assertEqual(len(counts[len(ids)]), 1)
        self.assertLessEqual(counts[len(ids)][0], max(counts[1]))
