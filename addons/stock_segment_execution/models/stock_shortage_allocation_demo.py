"""Demo scenario: four customers of the four tiers order the same product, more than the
warehouse holds, so a shortage allocation is waiting right after install."""

from odoo import api, models


class StockShortageAllocation(models.Model):
    _inherit = "stock.shortage.allocation"

    @api.model
    def _load_demo_shortage(self, product_ref, stock_qty, orders):
        """Put ``stock_qty`` of the product in the main warehouse, confirm one sale order
        per (partner xml id, quantity) of ``orders`` (the first ones take the stock, first
        come first served), then propose the shortage allocation and the tier
        classification of the demo company."""
        product = self.env.ref(product_ref)
        warehouse = self.env.ref("stock.warehouse0")
        self.env["stock.quant"]._update_available_quantity(
            product, warehouse.lot_stock_id, stock_qty
        )
        for partner_ref, qty in orders:
            order = self.env["sale.order"].create(
                {
                    "partner_id": self.env.ref(partner_ref).id,
                    "warehouse_id": warehouse.id,
                    "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": qty})],
                }
            )
            order.action_confirm()
        self._run_allocation(companies=warehouse.company_id)
        self.env["stock.customer.tier.proposal"]._run_classification(companies=warehouse.company_id)
