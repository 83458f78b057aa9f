import itertools

import numpy as np
from odoo import api, fields, models

from invplan.network import pooling_analysis

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
    def _pool_company(self, company, rows, code):
        """One ``pooling_analysis`` call per warehouse pair over the products planned
        with demand at both (``rows``: the placement inputs). Returns the row count."""
        self.sudo().search([("company_id", "=", company.id)]).unlink()
        demand = rows[(rows.mu > 0) | (rows.sd > 0)]
        wh_of = {c: w for w, c in code.items()}
        today = fields.Date.context_today(self)
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
            cost = ra.cost.to_numpy()
            for k, product_id in enumerate(both):
                r = res.iloc[k]
                ratio = float(r.pooling_ratio)
                vals.append(
                    {
                        "company_id": company.id,
                        "product_id": int(product_id),
                        "segment_id": int(ra.segment_id.iloc[k]),
                        "warehouse_a_id": wh_of[a],
                        "warehouse_b_id": wh_of[b],
                        "pair": f"{a} + {b}",
                        "date": today,
                        "local_safety_stock": float(r.local_safety_stock),
                        "central_safety_stock": float(r.central_safety_stock),
                        "safety_stock_saving": float(r.safety_stock_saving),
                        "pooling_ratio": ratio if np.isfinite(ratio) else False,
                        "local_value": float(r.local_safety_stock) * float(cost[k]),
                        "central_value": float(r.central_safety_stock) * float(cost[k]),
                        "holding_saving": float(r.holding_saving),
                        "net_saving": float(r.net_saving),
                        # Without a cost the saving is unknown: no recommendation.
                        "recommendation": str(r.recommendation) if cost[k] > 0 else False,
                    }
                )
        return len(self.sudo().create(vals))
