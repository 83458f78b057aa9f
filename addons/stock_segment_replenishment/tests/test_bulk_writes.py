from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import ReplenishmentCommon

# Columns the database fills itself or that name a record: left out of comparisons.
SKIPPED = {"id", "name", "create_date", "write_date", "date_detected", "date_proposed"}


@tagged("post_install", "-at_install")
class TestBulkWrites(ReplenishmentCommon):
    """The planning job's bulk writes store what Odoo's create stores, in a constant
    number of statements whatever the number of rows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # More rows than the ORM writes in one statement (100).
        cls.bulk_products = cls.env["product.product"].create(
            [{"name": f"Bulk item {n}", "type": "consu", "is_storable": True} for n in range(130)]
        )

    def _row(self, table, record_id):
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT * FROM %s WHERE id = %s", SQL.identifier(table), record_id))
        names = [d[0] for d in self.env.cr.description]
        return {
            n: v for n, v in zip(names, self.env.cr.fetchone(), strict=True) if n not in SKIPPED
        }

    def _count(self, function):
        self.env.flush_all()
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        result = function()
        self.env.flush_all()
        return result, self.env.cr.sql_log_count - start

    def _rule_vals(self, product, min_qty=3.0, max_qty=9.0):
        return {
            "name": f"OP/TEST/{product.id}",
            "product_id": product.id,
            "warehouse_id": self.wh.id,
            "location_id": self.wh.lot_stock_id.id,
            "company_id": self.company.id,
            "product_min_qty": min_qty,
            "product_max_qty": max_qty,
            "replenishment_uom_id": False,
            "trigger": "auto",
            "planning_profile_id": False,
        }

    def test_new_rules_stored_as_odoo_creates_them(self):
        Orderpoint = self.Orderpoint.sudo()
        first, second = self.bulk_products[:2]
        orm = Orderpoint.create(self._rule_vals(first))
        orm._compute_qty_to_order_computed()
        bulk = Orderpoint._planning_create([self._rule_vals(second)])
        bulk._planning_recompute()
        orm_row = self._row("stock_warehouse_orderpoint", orm.id)
        bulk_row = self._row("stock_warehouse_orderpoint", bulk.id)
        self.assertEqual(bulk_row.pop("product_id"), second.id)
        orm_row.pop("product_id")
        self.assertEqual(bulk_row, orm_row)
        # Odoo's constraints hold for the bulk insert too.
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            Orderpoint._planning_create([self._rule_vals(self.bulk_products[2], 9.0, 3.0)])

    def test_new_rule_for_another_company_s_product_refused(self):
        """As Odoo's create: a rule of this company for a product of another company is
        refused ("Incompatible companies"), and a product's cached rules list the new one."""
        other = self.env["res.company"].create({"name": "Bulk other company"})
        product = self.bulk_products[3]
        product.company_id = other
        with self.assertRaises(UserError), self.env.cr.savepoint():
            self.Orderpoint.sudo().create(self._rule_vals(product))
        with self.assertRaises(UserError), self.env.cr.savepoint():
            self.Orderpoint.sudo()._planning_create([self._rule_vals(product)])
        product.company_id = False
        mine = self.bulk_products[4]
        self.assertFalse(mine.orderpoint_ids)  # the list is now in cache
        rule = self.Orderpoint.sudo()._planning_create([self._rule_vals(mine)])
        self.assertEqual(mine.orderpoint_ids, rule)

    def test_new_rules_in_constant_statements(self):
        Orderpoint = self.Orderpoint.sudo()
        # The first call warms the caches (defaults, precisions, routes).
        warm, few, many = (
            self.bulk_products[2:4],
            self.bulk_products[4:7],
            self.bulk_products[7:],
        )
        self.assertGreater(len(many), 100)
        counts = []
        for products in (warm, few, many):
            rules, count = self._count(
                lambda products=products: Orderpoint._planning_create(
                    [self._rule_vals(p) for p in products]
                )._planning_recompute()
            )
            counts.append(count)
        self.assertEqual(counts[1], counts[2], counts)
        rules = Orderpoint.search([("product_id", "in", many.ids)])
        self.assertEqual(len(rules), len(many))
        self.assertEqual(set(rules.mapped("product_max_qty")), {9.0})

    def test_exceptions_created_as_the_orm_creates_them(self):
        plan = self.profile(self.history)
        vals = {
            "exception_type": "replenishment_data",
            "source": "bulk_test",
            "message": "Checked",
            "severity": "high",
            "financial_impact": 1234.5678,
            "profile_id": plan.id,
            "product_id": plan.product_id.id,
            "warehouse_id": plan.warehouse_id.id,
            "segment_id": plan.segment_id.id,
            "company_id": plan.company_id.id,
        }
        Exc = self.Exception.sudo().with_context(
            tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
        )
        orm = Exc.create(vals)
        bulk = self.Exception._create_exceptions([dict(vals, source="bulk_test_2")])
        orm_row = self._row("stock_planning_exception", orm.id)
        bulk_row = self._row("stock_planning_exception", bulk.id)
        self.assertEqual(bulk_row.pop("source"), "bulk_test_2")
        orm_row.pop("source")
        self.assertEqual(bulk_row, orm_row)
        self.assertEqual(bulk.name, orm.name)
        self.assertEqual(float(bulk_row["financial_impact"]), 1234.57)
        messages = self.env["mail.message"].search_count(
            [("model", "=", "stock.planning.exception"), ("res_id", "=", bulk.id)]
        )
        self.assertEqual(messages, 0)
        self.assertFalse(bulk.message_follower_ids)

    def test_exceptions_in_constant_statements(self):
        def vals(products, source):
            return [
                {
                    "exception_type": "replenishment_data",
                    "source": source,
                    "message": f"Item {p.id}",
                    "severity": "medium",
                    "financial_impact": 1.0,
                    "product_id": p.id,
                    "warehouse_id": self.wh.id,
                    "company_id": self.company.id,
                }
                for p in products
            ]

        few, many = self.bulk_products[:3], self.bulk_products
        warm = self.Exception._create_exceptions(vals(few, "warm"))  # warms the caches
        self.Exception._resolve_by_job(warm)
        few_created, few_count = self._count(
            lambda: self.Exception._create_exceptions(vals(few, "a"))
        )
        created, many_count = self._count(
            lambda: self.Exception._create_exceptions(vals(many, "b"))
        )
        self.assertEqual(few_count, many_count)
        self.assertEqual(len(created), len(many))
        self.assertEqual(
            created[0].name,
            f"Replenishment data missing or invalid - {many[0].display_name} - {self.wh.code}",
        )
        # Resolving them by the job: one statement too.
        _r, resolve_few = self._count(lambda: self.Exception._resolve_by_job(few_created))
        _r, resolve_many = self._count(lambda: self.Exception._resolve_by_job(created))
        self.assertEqual(resolve_few, resolve_many)
        self.assertEqual(set(created.mapped("state")), {"done"})
        self.assertTrue(all(created.mapped("resolved_by_job")))

    def test_proposals_inserted_as_the_orm_creates_them(self):
        plan = self.profile(self.history)
        base = {
            "profile_id": plan.id,
            "segment_id": plan.segment_id.id,
            "orderpoint_id": False,
            "buyer_id": False,
            "action": "create",
            "old_min_qty": 0.0,
            "new_min_qty": 12.0,
            "old_max_qty": 0.0,
            "new_max_qty": 30.0,
            "old_multiple_id": False,
            "new_multiple_id": False,
            "new_trigger": "auto",
            "min_change_pct": 0.0,
            "max_change_pct": 0.0,
            "unit_cost": 3.3333,
            "stock_value_change": 69.99993,
            "abs_value_change": 69.99993,
            "reason": "new",
            "reason_detail": "Stocked plan without a reorder rule.",
            "state": "pending",
            "within_tolerance": False,
            "proposed_by_id": self.env.ref("base.user_root").id,
        }
        Proposal = self.Proposal.sudo().with_context(
            tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
        )
        for vals in (base, dict(base, action="update", old_min_qty=10.0, min_change_pct=20.0)):
            orm = Proposal.create(vals)
            bulk = Proposal._insert_job_proposals([vals])
            self.assertEqual(
                self._row("stock_replenishment_proposal", bulk.id),
                self._row("stock_replenishment_proposal", orm.id),
            )
        # A min raised from zero has no percentage, as the ORM path stores it.
        self.assertIsNone(self._row("stock_replenishment_proposal", bulk.id)["max_change_pct"])
