import itertools

import numpy as np
from odoo import api, fields, models

from invplan.network import pooling_analysis

from .stock_network_placement import _insert_rows

RECOMMENDATIONS = [("central", "Pool centrally"), ("local", "Keep local")]


class StockNetworkPooling(models.Model):
    """Risk pooling of one product between two warehouses: the safety stock held
    locally at both against one central stock at the same cycle service."""

    _name = "stock.network.pooling"
    _description = "Risk Pooling Analysis"
    _order = "net_saving desc, id"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    product_id = fields.Many2one("product.product", required=True, index=True, readonly=True)
    segment_id = fields.Many2one("stock.segment", index=True, readonly=True)
    warehouse_a_id = fields.Many2one("stock.warehouse", readonly=True)
    warehouse_b_id = fields.Many2one("stock.warehouse", readonly=True)
    pair = fields.Char("Warehouse Pair", readonly=True, index=True)
    date = fields.Date("Analysed On", readonly=True)
    local_safety_stock = fields.Float("Safety Stock (local)", readonly=True, digits="Product Unit")
    central_safety_stock = fields.Float(
        "Safety Stock (pooled)", readonly=True, digits="Product Unit"
    )
    safety_stock_saving = fields.Float("Safety Stock Saved", readonly=True, digits="Product Unit")
    pooling_ratio = fields.Float(
        "Pooled / Local",
        readonly=True,
        digits=(16, 3),
        help="Pooled safety stock over the local ones; empty when there is no local safety stock.",
    )
    local_value = fields.Monetary(
        "Safety-stock Value (local)", currency_field="currency_id", readonly=True
    )
    central_value = fields.Monetary(
        "Safety-stock Value (pooled)", currency_field="currency_id", readonly=True
    )
    holding_saving = fields.Monetary(
        "Holding Saving / Day", currency_field="currency_id", readonly=True
    )
    net_saving = fields.Monetary(
        "Net Saving / Day",
        currency_field="currency_id",
        readonly=True,
        help="Holding saving less the extra cost of serving centrally. No transport or "
        "delivery-delay cost is recorded yet: it is the holding saving.",
    )
    recommendation = fields.Selection(
        RECOMMENDATIONS, readonly=True, help="Empty (no data) when the product has no cost."
    )

    @api.model
    def _pool_batch(self, company, rows, code, today=None):
        """One ``pooling_analysis`` call per warehouse pair over the products of a batch
        planned with demand at both (``rows``: the placement inputs), stored in one
        insert, dated ``today`` (default: the planning day). Returns the row count."""
        demand = rows[(rows.mu > 0) | (rows.sd > 0)]
        wh_of = {c: w for w, c in code.items()}
        today = today or self.env["stock.planning.run"]._planning_day()
        vals = []
        nodes = sorted(demand.node.dropna().unique())
        by_node = {n: demand[demand.node == n].set_index("product_id") for n in nodes}
        for a, b in itertools.combinations(nodes, 2):
            both = by_node[a].index.intersection(by_node[b].index)
            if both.empty:
                continue
            ra, rb = by_node[a].loc[both], by_node[b].loc[both]
            res = pooling_analysis(
                np.column_stack([ra.mu, rb.mu]),
                np.column_stack([ra.sd, rb.sd]),
                holding_cost=np.column_stack([ra.h, rb.h]),
                lead_time_local=np.column_stack([ra.lead, rb.lead]),
                z=ra.z.to_numpy(),
            )
            cost = ra.cost.to_numpy(dtype=float)
            local = res.local_safety_stock.to_numpy(dtype=float)
            central = res.central_safety_stock.to_numpy(dtype=float)
            ratio = res.pooling_ratio.to_numpy(dtype=float)
            columns = zip(
                both,
                ra.segment_id.to_numpy(),
                local,
                central,
                res.safety_stock_saving.to_numpy(dtype=float),
                ratio,
                res.holding_saving.to_numpy(dtype=float),
                res.net_saving.to_numpy(dtype=float),
                res.recommendation.astype(str).to_numpy(),
                cost,
                strict=True,
            )
            for product_id, segment_id, loc, cen, saved, rat, hold, net, rec, c in columns:
                vals.append(
                    {
                        "company_id": company.id,
                        "product_id": int(product_id),
                        "segment_id": int(segment_id),
                        "warehouse_a_id": wh_of[a],
                        "warehouse_b_id": wh_of[b],
                        "pair": f"{a} + {b}",
                        "date": today,
                        "local_safety_stock": float(loc),
                        "central_safety_stock": float(cen),
                        "safety_stock_saving": float(saved),
                        "pooling_ratio": float(rat) if np.isfinite(rat) else None,
                        "local_value": float(loc) * float(c),
                        "central_value": float(cen) * float(c),
                        "holding_saving": float(hold),
                        "net_saving": float(net),
                        # Without a cost the saving is unknown: no recommendation.
                        "recommendation": rec if c > 0 else None,
                    }
                )
        _insert_rows(self, vals)
        return len(vals)
