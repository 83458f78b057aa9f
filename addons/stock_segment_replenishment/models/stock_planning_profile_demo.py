"""Demo stock and purchases: receipt history with late vendors before the first policy
run, then stock on hand, open receipts and one shortage after it, so that every plan
screen of a fresh demo database shows true figures."""

import math
from datetime import datetime, time, timedelta

from odoo import fields
from odoo.tools import SQL

# Received purchase history (product xml id, warehouse xml id, lead times in days of the
# successive receipts). The promised date is the vendor's delay after confirmation: the
# ladder's and the saw's vendor delivers late, the fasteners' vendor on time.
DEMO_RECEIPTS = [
    ("stock_segment.demo_product_ladder", "stock.warehouse0", (13, 15, 12, 16, 18, 17)),
    ("stock_segment.demo_product_saw", "stock.warehouse0", (10, 12, 9, 13, 11, 10)),
    ("stock_segment.demo_product_bolt", "stock.warehouse0", (5, 4, 5, 6, 5, 4)),
    ("stock_segment.demo_product_nut", "stock.warehouse0", (5, 5, 4, 5, 5, 4)),
]
# The plan short of stock: on hand below its safety stock, its receipt overdue.
DEMO_SHORTAGE = ("stock_segment.demo_product_ladder", "stock.warehouse0")
# Open receipts: the stock fell just below the min and the order up to the max is on its
# way (product, warehouse, days from today to the expected date, at least the lead time).
DEMO_OPEN_RECEIPTS = [
    ("stock_segment.demo_product_bolt", "stock.warehouse0", 6),
    ("stock_segment.demo_product_saw", "stock_segment.demo_warehouse_east", 12),
    ("stock_segment.demo_product_battery", "stock.warehouse0", 9),
]
# Source documents of the demo's purchase orders: a module update loads the demo's
# functions again, and these tell that they ran already.
HISTORY_ORIGIN = "Planning demo: receipt history"
OPEN_ORIGIN = "Planning demo: open receipt"
# Where the stock on hand of a planned item sits between its min and max, in turn.
STOCK_POSITIONS = (0.35, 0.8, 0.55, 1.0, 0.2, 0.65)
# The opening stock is counted this many days ago (before the KPI demo months).
ADJUSTMENT_AGE_DAYS = 120


def load_demo_receipts(model, receipts=None):
    """Received purchase orders of the last year, for the lead-time statistics: the
    orders through the ORM, their confirmation and the done receipts in SQL
    (history only, stock on hand is set apart)."""
    receipts = DEMO_RECEIPTS if receipts is None else receipts
    company = model.env.ref("base.main_company")
    if model.env["purchase.order"].search_count([("origin", "=", HISTORY_ORIGIN)], limit=1):
        return 0
    suppliers = model.env.ref("stock.stock_location_suppliers")
    today = fields.Date.context_today(model)
    orders, plan = [], []
    for xmlid, wh_ref, lead_times in receipts:
        product = model.env.ref(xmlid).product_variant_id
        warehouse = model.env.ref(wh_ref)
        seller = product.seller_ids[:1]
        if not seller:
            continue
        promised = seller.delay or 0
        for k, lead_time in enumerate(lead_times):
            confirmed = datetime.combine(today - timedelta(days=330 - 55 * k), time(9, 0))
            orders.append(
                {
                    "partner_id": seller.partner_id.id,
                    "company_id": company.id,
                    "picking_type_id": warehouse.in_type_id.id,
                    "date_order": confirmed,
                    "origin": HISTORY_ORIGIN,
                    "order_line": [
                        fields.Command.create(
                            {
                                "product_id": product.id,
                                "product_qty": 20.0,
                                "price_unit": seller.price or product.standard_price,
                                "date_planned": confirmed + timedelta(days=promised),
                            }
                        )
                    ],
                }
            )
            plan.append((product, warehouse, confirmed, lead_time))
    if not orders:
        return 0
    pos = model.env["purchase.order"].with_company(company).create(orders)
    model.env.flush_all()
    rows = []
    for order, (product, warehouse, confirmed, lead_time) in zip(pos, plan, strict=True):
        line = order.order_line
        rows.append(
            SQL(
                "(%s, %s, %s, %s, %s, %s::timestamp, %s::float8, %s, %s, %s)",
                order.id,
                line.id,
                product.id,
                product.uom_id.id,
                warehouse.lot_stock_id.id,
                confirmed + timedelta(days=lead_time),
                line.product_qty,
                warehouse.in_type_id.id,
                confirmed,
                order.name,
            )
        )
    model.env.cr.execute(
        SQL(
            """
        WITH v(po, pol, product, uom, dest, done, qty, ptype, approved, name) AS (
            VALUES %(rows)s
        ), orders AS (
            UPDATE purchase_order o
               SET state = 'purchase', date_approve = v.approved,
                   receipt_status = 'full'
              FROM v WHERE o.id = v.po
        ), lines AS (
            UPDATE purchase_order_line l SET qty_received = v.qty
              FROM v WHERE l.id = v.pol
        )
        INSERT INTO stock_move (product_id, product_uom, location_id, location_dest_id,
               company_id, date, product_uom_qty, product_qty, quantity, state,
               procure_method, purchase_line_id, picking_type_id, reference, picked,
               create_uid, create_date, write_uid, write_date)
        SELECT v.product, v.uom, %(suppliers)s, v.dest, %(company)s, v.done, v.qty,
               v.qty, v.qty, 'done', 'make_to_stock', v.pol, v.ptype, v.name, TRUE,
               %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
          FROM v
        """,
            rows=SQL(", ").join(rows),
            suppliers=suppliers.id,
            company=company.id,
            uid=model.env.uid,
        )
    )
    model.env.invalidate_all()
    return len(rows)


def _backdate_adjustments(model, product_ids, days=ADJUSTMENT_AGE_DAYS):
    """The demo's opening stock counted ``days`` ago, not today: a stock that appeared
    today would read, in the KPIs rebuilt from today's quants and the moves since, as a
    jump of the inventory value on the last day (a control alert on every segment)."""
    moves = model.env["stock.move"].search(
        [
            ("product_id", "in", product_ids),
            ("is_inventory", "=", True),
            ("state", "=", "done"),
            ("date", ">=", fields.Datetime.now() - timedelta(hours=1)),
        ]
    )
    if not moves:
        return
    when = fields.Datetime.now() - timedelta(days=days)
    moves.write({"date": when})
    moves.move_line_ids.write({"date": when})


def load_demo_stock(model):
    """After the first policy run: stock on hand by inventory adjustment, between
    each planned item's min and max (a few days of demand for the others), open
    purchase orders, and one plan below its safety stock with an overdue receipt."""
    company = model.env.ref("base.main_company")
    if model.env["purchase.order"].search_count([("origin", "=", OPEN_ORIGIN)], limit=1):
        return 0
    plans = model.search(
        [("company_id", "=", company.id), ("product_id.is_storable", "=", True)],
        order="id",
    )
    shortage_product = model.env.ref(DEMO_SHORTAGE[0]).product_variant_id
    shortage_wh = model.env.ref(DEMO_SHORTAGE[1])
    reordered = {
        (model.env.ref(xmlid).product_variant_id, model.env.ref(wh_ref))
        for xmlid, wh_ref, _days in DEMO_OPEN_RECEIPTS
    }
    quants = []
    shortage = model.browse()
    for k, plan in enumerate(plans):
        if plan.product_id == shortage_product and plan.warehouse_id == shortage_wh:
            shortage = plan
            qty = math.floor(plan.safety_stock_display / 3.0)
        elif (plan.product_id, plan.warehouse_id) in reordered:
            qty = math.floor(0.9 * plan.reorder_point_qty)
        elif plan.policy_status in ("ok", "conflicting_limits") and plan.max_qty > 0:
            low, high = plan.reorder_point_qty, max(plan.max_qty, plan.reorder_point_qty)
            if high - low < 1.0:  # min = max: a band of one order around it
                high = low + max(plan.order_qty, 1.0)
            qty = math.ceil(low + (high - low) * STOCK_POSITIONS[k % len(STOCK_POSITIONS)])
        elif plan.avg_daily_demand > 0:
            qty = math.ceil(21 * plan.avg_daily_demand)
        else:
            qty = 0
        if qty > 0:
            quants.append(
                {
                    "product_id": plan.product_id.id,
                    "location_id": plan.warehouse_id.lot_stock_id.id,
                    "inventory_quantity": qty,
                }
            )
    Quant = model.env["stock.quant"].with_context(inventory_mode=True)
    if quants:
        Quant.create(quants)._apply_inventory()
        _backdate_adjustments(model, [q["product_id"] for q in quants])

    today = fields.Datetime.now().replace(hour=10, minute=0, second=0, microsecond=0)
    orders = [
        (model.env.ref(xmlid).product_variant_id, model.env.ref(wh_ref), days)
        for xmlid, wh_ref, days in DEMO_OPEN_RECEIPTS
    ]
    late = model.env["purchase.order"]
    if shortage:
        # Ordered a lead time ago, promised three days ago, not arrived yet.
        orders.append((shortage.product_id, shortage.warehouse_id, None))
    plans_by_key = {(p.product_id, p.warehouse_id): p for p in plans}
    for product, warehouse, days in orders:
        seller = product.seller_ids[:1]
        plan = plans_by_key.get((product, warehouse))
        if not seller or not plan:
            continue
        if days is None:
            days = math.ceil(plan.lead_time_days) + 1
        # Up to the max: what the reorder rule orders.
        qty = math.ceil(max(plan.max_qty, plan.reorder_point_qty + plan.order_qty))
        qty -= math.floor(plan.with_company(company).qty_on_hand)
        order = (
            model.env["purchase.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": seller.partner_id.id,
                    "company_id": company.id,
                    "picking_type_id": warehouse.in_type_id.id,
                    "origin": OPEN_ORIGIN,
                    "order_line": [
                        fields.Command.create(
                            {
                                "product_id": product.id,
                                "product_qty": max(qty, 1),
                                "price_unit": seller.price or product.standard_price,
                                "date_planned": today + timedelta(days=days),
                            }
                        )
                    ],
                }
            )
        )
        order.button_confirm()
        if plan == shortage:
            late |= order
    if late:
        _backdate_orders(model, late, today, days_late=3)
    return len(quants)


def _backdate_orders(model, orders, today, days_late):
    """Move confirmed orders into the past: confirmed one promised lead time ago,
    expected ``days_late`` days ago, still not received (the receipt is late)."""
    model.env.flush_all()
    for order in orders:
        promised = today - timedelta(days=days_late)
        lead = max(order.order_line[:1].date_planned - order.date_approve, timedelta(0))
        approved = promised - lead
        model.env.cr.execute(
            SQL(
                """
            WITH o AS (
                UPDATE purchase_order SET date_approve = %(approved)s,
                       date_order = %(approved)s, date_planned = %(promised)s
                 WHERE id = %(order)s
            ), l AS (
                UPDATE purchase_order_line SET date_planned = %(promised)s
                 WHERE order_id = %(order)s
            ), m AS (
                UPDATE stock_move m SET date = %(promised)s, date_deadline = %(promised)s
                  FROM purchase_order_line l
                 WHERE m.purchase_line_id = l.id AND l.order_id = %(order)s
                   AND m.state NOT IN ('done', 'cancel')
            )
            UPDATE stock_picking SET scheduled_date = %(promised)s,
                   date_deadline = %(promised)s
             WHERE id IN (SELECT picking_id FROM stock_move m
                            JOIN purchase_order_line l ON l.id = m.purchase_line_id
                           WHERE l.order_id = %(order)s)
                """,
                approved=approved,
                promised=promised,
                order=order.id,
            )
        )
    model.env.invalidate_all()
