from datetime import timedelta

import numpy as np
from odoo import fields, models
from odoo.fields import Domain

from invplan import execution


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    promised_date = fields.Date(
        readonly=True,
        copy=False,
        help="Date the line can be delivered: from stock on hand and scheduled receipts "
        "less what is reserved or protected for higher customer tiers, else after the "
        "replenishment lead time (available to promise by tier).",
    )
    promise_from_stock = fields.Boolean(
        "Promised from Stock",
        readonly=True,
        copy=False,
        help="The whole line is covered by stock on hand and scheduled receipts.",
    )
    promise_sla_missed = fields.Boolean(
        "SLA Missed",
        readonly=True,
        copy=False,
        help="The promised date is later than the customer tier's promised lead time.",
    )
    promise_note = fields.Char(readonly=True, copy=False)

    def _local_date(self, value):
        """The day of a stored (UTC) datetime in the user's time zone, the time zone of
        ``fields.Date.context_today``: days are counted in the same calendar."""
        return fields.Datetime.context_timestamp(self, fields.Datetime.to_datetime(value)).date()

    def _promise_dates(self):
        """Promise every storable line of ``self``: one engine call
        (:func:`invplan.execution.available_to_promise`) per warehouse set, lines in
        reservation order (tier, segment, requested date). Supply and commitments are
        read in three searches: on hand, scheduled receipts, open deliveries (other than
        these lines' own)."""
        lines = self.filtered(
            lambda line: (
                line.product_id.is_storable
                and not line.display_type
                and line.order_id.state in ("draft", "sent", "sale")
            )
        )
        if not lines:
            return
        today = fields.Date.context_today(self)
        keys = []  # group per (product, warehouse)
        for line in lines:
            key = (line.product_id.id, line.order_id.warehouse_id.id)
            if key not in keys:
                keys.append(key)
        code = {key: g for g, key in enumerate(keys)}
        products = lines.product_id
        warehouses = lines.order_id.warehouse_id
        plans = {
            (p.product_id.id, p.warehouse_id.id): p
            for p in self.env["stock.planning.profile"]
            .sudo()
            .search([("product_id", "in", products.ids), ("warehouse_id", "in", warehouses.ids)])
        }
        on_hand = np.zeros(len(keys))
        quants = (
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                [
                    ("product_id", "in", products.ids),
                    ("location_id.usage", "=", "internal"),
                    ("location_id.warehouse_id", "in", warehouses.ids),
                ],
                ["product_id", "location_id"],
                ["quantity:sum"],
            )
        )
        for product, location, qty in quants:
            g = code.get((product.id, location.warehouse_id.id))
            if g is not None:
                on_hand[g] += qty
        Move = self.env["stock.move"].sudo()
        open_moves = Move.search(
            Domain("product_id", "in", products.ids)
            & Domain("state", "not in", ("draft", "done", "cancel"))
            & (
                Domain("location_dest_id.warehouse_id", "in", warehouses.ids)
                | Domain("location_id.warehouse_id", "in", warehouses.ids)
            )
        )
        r_group, r_day, r_qty, c_group, c_day, c_qty = [], [], [], [], [], []
        for move in open_moves:
            src_wh = move.location_id.warehouse_id
            dst_wh = move.location_dest_id.warehouse_id
            day = (self._local_date(move.date) - today).days if move.date else 0
            if dst_wh and dst_wh != src_wh and move.location_dest_id.usage == "internal":
                g = code.get((move.product_id.id, dst_wh.id))
                if g is not None:
                    r_group.append(g)
                    r_day.append(day)
                    r_qty.append(move.product_qty)
            elif src_wh and src_wh != dst_wh and move.sale_line_id not in lines:
                g = code.get((move.product_id.id, src_wh.id))
                if g is not None:
                    c_group.append(g)
                    c_day.append(day)
                    c_qty.append(move.product_qty)
        protected = np.array(
            [plans[key].critical_level_qty if key in plans else 0.0 for key in keys]
        )
        lead = np.array(
            [
                plans[key].lead_time_days if key in plans and plans[key].lead_time_days else np.nan
                for key in keys
            ]
        )
        for g, key in enumerate(keys):
            if np.isnan(lead[g]):
                product = self.env["product.product"].browse(key[0])
                seller = product.seller_ids[:1]
                if seller:
                    lead[g] = float(seller.delay)
        ordered = lines.sorted(
            lambda line: (
                line.order_id.customer_tier_id.sequence
                if line.order_id.customer_tier_id
                else 10**6,
                line.order_id.date_order or fields.Datetime.now(),
                line.id,
            )
        )
        requested = []
        for line in ordered:
            order = line.order_id
            wanted = order.commitment_date or (
                (order.date_order or fields.Datetime.now()) + timedelta(days=line.customer_lead)
            )
            requested.append(max((self._local_date(wanted) - today).days, 0))
        result = execution.available_to_promise(
            on_hand,
            np.array(
                [code[(line.product_id.id, line.order_id.warehouse_id.id)] for line in ordered]
            ),
            np.array(
                [
                    line.product_uom_id._compute_quantity(
                        line.product_uom_qty, line.product_id.uom_id
                    )
                    for line in ordered
                ],
                dtype=float,
            ),
            np.array(requested, dtype=float),
            receipt_group=np.array(r_group, dtype=int),
            receipt_day=np.array(r_day, dtype=float),
            receipt_qty=np.array(r_qty, dtype=float),
            committed_group=np.array(c_group, dtype=int),
            committed_day=np.array(c_day, dtype=float),
            committed_qty=np.array(c_qty, dtype=float),
            may_use_protected=np.array(
                [
                    not line.order_id.customer_tier_id
                    or line.order_id.customer_tier_id.may_consume_protected
                    for line in ordered
                ],
                dtype=bool,
            ),
            protected=protected,
            lead_time_days=lead,
        )
        for i, line in enumerate(ordered):
            day = int(result.promised_day[i])
            tier = line.order_id.customer_tier_id
            order_day = self._local_date(line.order_id.date_order or fields.Datetime.now())
            if day < 0:
                line.write(
                    {
                        "promised_date": False,
                        "promise_from_stock": False,
                        "promise_sla_missed": bool(tier),
                        "promise_note": self.env._(
                            "No stock, receipt or replenishment lead time covers this line."
                        ),
                    }
                )
                continue
            promised = today + timedelta(days=day)
            missed = bool(tier) and promised > order_day + timedelta(days=tier.promised_lead_days)
            note = False
            if missed:
                note = self.env._(
                    "Promised %(promised)s: later than the %(days)s days promised to tier "
                    "%(tier)s.",
                    promised=promised,
                    days=tier.promised_lead_days,
                    tier=tier.name,
                )
            line.write(
                {
                    "promised_date": promised,
                    "promise_from_stock": bool(result.covered[i]),
                    "promise_sla_missed": missed,
                    "promise_note": note,
                }
            )
