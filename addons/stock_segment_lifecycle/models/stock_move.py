from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    # The first and the last move of a product that the lifecycle jobs look for (first
    # receipt or delivery, last customer delivery) are read from one end of this index,
    # instead of reading every move of the product's history for each batch.
    _product_date_idx = models.Index("(product_id, date)")
