from odoo import api, models

BULK_CONTEXT = "stock_segment_bulk_qty_to_order"
MEMO_KEY = "stock_segment_rule_searches"


class StockRule(models.Model):
    """Inside the planning job's bulk recompute of Odoo's quantity to order
    (``stock.warehouse.orderpoint._planning_recompute``), the same search of stock rules
    is answered once: Odoo searches the Buy and Manufacture rules again for each reorder
    rule (the product's total routes, the default route, the days to order) and the
    rules of the same locations and routes again for each rule (``_get_rule``), and the
    rules do not change during that computation. The memo lives in the transaction's
    cursor cache and is dropped when the recompute ends; outside it nothing changes."""

    _inherit = "stock.rule"

    def _memo(self, *key):
        memo = self.env.cr.cache.get(MEMO_KEY) if self.env.context.get(BULK_CONTEXT) else None
        if memo is None:
            return None, None
        return memo, (
            *key,
            self.env.uid,
            self.env.su,
            self.env.context.get("active_test", True),
            tuple(self.env.companies.ids),
        )

    @api.model
    def search(self, domain, offset=0, limit=None, order=None):
        memo, key = self._memo("search", repr(domain), offset, limit, order)
        if memo is None:
            return super().search(domain, offset=offset, limit=limit, order=order)
        if key not in memo:
            memo[key] = super().search(domain, offset=offset, limit=limit, order=order).ids
        return self.browse(memo[key])

    @api.model
    def _read_group(
        self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None
    ):
        args = (domain, groupby, aggregates, having, offset, limit, order)
        memo, key = self._memo(
            "read_group", repr(domain), tuple(groupby), tuple(aggregates), repr(having),
            offset, limit, order,
        )  # fmt: skip
        if memo is None:
            return super()._read_group(*args)
        if key not in memo:
            memo[key] = super()._read_group(*args)
        # The groups' records in this environment (its context), as Odoo's would be.
        return [
            tuple(v.with_env(self.env) if isinstance(v, models.BaseModel) else v for v in row)
            for row in memo[key]
        ]
