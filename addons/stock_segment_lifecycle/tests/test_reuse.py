"""Reuse before write-off: excess at one warehouse against a need at another warehouse
or for the successor product, filled by the aging job."""

from datetime import timedelta

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import TODAY, LifecycleCommon


@tagged("post_install", "-at_install")
class TestReuseSuggestions(LifecycleCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Suggestion = cls.env["stock.reuse.suggestion"]
        cls.wh2 = cls.env["stock.warehouse"].create(
            {"name": "Lifecycle East", "code": "LTE", "company_id": cls.company.id}
        )
        cls.wh3 = cls.env["stock.warehouse"].create(
            {"name": "Lifecycle South", "code": "LTS", "company_id": cls.company.id}
        )
        cls.spread = cls._product("spread", 4.0)
        cls.successor = cls._product("successor", 35.0)
        cls.old.product_tmpl_id.successor_product_id = cls.successor
        Quant = cls.env["stock.quant"].sudo()
        # Excess: 50 on hand at the main warehouse, max 20 -> 30 in excess.
        # Needs: 2 on hand at East with min 10 / max 15 -> 13; 0 at South, min 6 / max 6 -> 6.
        Quant._update_available_quantity(cls.spread, cls.stock, 55.0)
        # A delivery within the inactivity period (120 days), past the new-product period
        # (90 days): the main warehouse's stock is moving (not slow).
        cls.insert_moves([(cls.spread, -5.0, TODAY - timedelta(days=100))])
        Quant._update_available_quantity(cls.spread, cls.wh2.lot_stock_id, 2.0)
        plans = cls.Profile.create(
            [
                {"product_id": cls.spread.id, "warehouse_id": wh.id, "segment_id": cls.segment.id}
                for wh in (cls.wh, cls.wh2, cls.wh3)
            ]
            + [
                {
                    "product_id": cls.successor.id,
                    "warehouse_id": cls.wh2.id,
                    "segment_id": cls.segment.id,
                }
            ]
        )
        for plan, (low, high) in zip(plans, ((5, 20), (10, 15), (6, 6), (5, 8)), strict=True):
            plan.sudo().write({"reorder_point_qty": low, "max_qty": high})
        cls.plans = plans
        cls.old_onhand = sum(q for p, q, _d in cls.moves if p == cls.old)

    def suggestions(self, **domain):
        return self.Suggestion.sudo().search(
            [("company_id", "=", self.company.id)] + [(k, "=", v) for k, v in domain.items()]
        )

    def test_excess_against_shortfalls_at_other_warehouses(self):
        self.run_aging()
        rows = self.suggestions(product_id=self.spread.id)
        got = {(r.source_warehouse_id, r.dest_warehouse_id): r for r in rows}
        self.assertEqual(set(got), {(self.wh, self.wh2), (self.wh, self.wh3)})
        east, south = got[(self.wh, self.wh2)], got[(self.wh, self.wh3)]
        for row, need in ((east, 13.0), (south, 6.0)):
            self.assertEqual(row.kind, "transfer")
            self.assertEqual(row.reason, "excess")
            self.assertAlmostEqual(row.excess_qty, 30.0)
            self.assertAlmostEqual(row.need_qty, need)
            self.assertAlmostEqual(row.suggested_qty, min(30.0, need))
            self.assertAlmostEqual(row.value, min(30.0, need) * 4.0)
        # A smaller excess is shared out without being used twice: 15 -> 13 + 2.
        self.plans[0].sudo().max_qty = 35.0
        self.run_aging()
        rows = self.suggestions(product_id=self.spread.id)
        self.assertAlmostEqual(sum(rows.mapped("suggested_qty")), 15.0)
        got = {r.dest_warehouse_id: r.suggested_qty for r in rows}
        self.assertAlmostEqual(got[self.wh2], 13.0)
        self.assertAlmostEqual(got[self.wh3], 2.0)

    def test_obsolete_stock_offered_to_the_successor(self):
        self.run_aging()
        row = self.suggestions(product_id=self.old.id)
        self.assertEqual(len(row), 1)
        self.assertEqual(row.kind, "substitute")
        self.assertEqual(row.reason, "obsolete")
        self.assertEqual(row.dest_product_id, self.successor)
        self.assertEqual(row.dest_warehouse_id, self.wh2)
        self.assertAlmostEqual(row.excess_qty, self.old_onhand)
        self.assertAlmostEqual(row.suggested_qty, min(self.old_onhand, 8.0))
        self.assertAlmostEqual(row.value, min(self.old_onhand, 8.0) * 30.0)

    def test_slow_moving_stock_beyond_its_min(self):
        # East holds 2 with no demand ever (slow moving) but is below its min: a need.
        # Without a min there it is idle stock; with none needed elsewhere, no suggestion.
        self.run_aging()
        self.assertTrue(self.plans[1].is_slow_moving)
        self.assertTrue(self.suggestions(dest_warehouse_id=self.wh2.id, product_id=self.spread.id))
        self.plans[1].sudo().write({"reorder_point_qty": 0, "max_qty": 0})
        self.plans[0].sudo().write({"reorder_point_qty": 60, "max_qty": 80})
        self.run_aging()
        row = self.suggestions(product_id=self.spread.id)
        self.assertEqual(len(row), 1)
        self.assertEqual(row.reason, "slow_moving")
        self.assertEqual(row.source_warehouse_id, self.wh2)
        self.assertEqual(row.dest_warehouse_id, self.wh)
        self.assertAlmostEqual(row.suggested_qty, 2.0)

    def test_no_suggestion_without_need_and_rerun_replaces(self):
        self.plans[1].sudo().write({"reorder_point_qty": 0, "max_qty": 0})
        self.plans[2].sudo().write({"reorder_point_qty": 0, "max_qty": 0})
        self.run_aging()
        self.assertFalse(self.suggestions(product_id=self.spread.id))
        self.plans[1].sudo().write({"reorder_point_qty": 10, "max_qty": 15})
        self.run_aging()
        self.run_aging()
        self.assertEqual(len(self.suggestions(product_id=self.spread.id)), 1)

    def test_create_draft_transfer(self):
        self.run_aging()
        rows = self.suggestions(product_id=self.spread.id)
        action = rows.with_user(self.manager).action_create_transfers()
        self.assertEqual(action["res_model"], "stock.picking")
        pickings = rows.picking_id
        self.assertEqual(len(pickings), 2, "one transfer per pair of warehouses")
        east = rows.filtered(lambda r: r.dest_warehouse_id == self.wh2).picking_id
        self.assertEqual(east.state, "draft")
        self.assertEqual(east.picking_type_id, self.wh.int_type_id)
        self.assertEqual(east.location_id, self.stock)
        self.assertEqual(east.location_dest_id, self.wh2.lot_stock_id)
        self.assertEqual(east.move_ids.product_id, self.spread)
        self.assertAlmostEqual(east.move_ids.product_uom_qty, 13.0)
        with self.assertRaises(UserError):
            rows.action_create_transfers()
        # Suggestions with a transfer are kept by the next run, the others are refreshed.
        self.run_aging()
        self.assertEqual(self.suggestions(product_id=self.spread.id).picking_id, pickings)
        # The successor needed at the warehouse of the stock: nothing to transfer.
        same = self.Suggestion.sudo().create(
            {
                "snapshot_date": rows[0].snapshot_date,
                "company_id": self.company.id,
                "kind": "substitute",
                "reason": "obsolete",
                "product_id": self.old.id,
                "source_warehouse_id": self.wh.id,
                "dest_product_id": self.successor.id,
                "dest_warehouse_id": self.wh.id,
                "suggested_qty": 1.0,
            }
        )
        with self.assertRaises(UserError):
            same.action_create_transfers()
