from odoo import api, fields, models
from odoo.addons.stock_segment.bulk import insert_records
from odoo.tools import SQL
from odoo.tools.float_utils import float_compare

from .stock_rule import BULK_CONTEXT, MEMO_KEY

PLANNED_FIELDS = ("product_min_qty", "product_max_qty", "replenishment_uom_id")
# Odoo's stored values of a rule that depend on its min, max and multiple: the planning
# job recomputes them for the rules it creates or changes (see _planning_recompute).
RECOMPUTED_FIELDS = ("qty_to_order_computed", "deadline_date")


class StockWarehouseOrderpoint(models.Model):
    _inherit = "stock.warehouse.orderpoint"

    planning_profile_id = fields.Many2one(
        "stock.planning.profile",
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
        copy=False,
        help="Plan whose policy sets this rule's min, max and multiple.",
    )
    planning_locked = fields.Boolean(
        "Locked against Planning",
        copy=False,
        help="Set when a user edits min, max or multiple by hand: the nightly planning "
        "then reports its proposals for this rule instead of overwriting it.",
    )
    planning_locked_by_id = fields.Many2one("res.users", "Locked By", readonly=True, copy=False)
    planning_locked_date = fields.Datetime("Locked On", readonly=True, copy=False)

    def write(self, vals):
        # A manual edit of a planned rule locks it, unless the user unlocks in the same write.
        if (
            not self.env.context.get("stock_segment_planning_apply")
            and any(f in vals for f in PLANNED_FIELDS)
            and "planning_locked" not in vals
        ):
            planned = self.filtered(lambda op: op.planning_profile_id and not op.planning_locked)
            if planned:
                super(StockWarehouseOrderpoint, planned).write(
                    {
                        "planning_locked": True,
                        "planning_locked_by_id": self.env.uid,
                        "planning_locked_date": fields.Datetime.now(),
                    }
                )
        return super().write(vals)

    def _planning_recompute(self):
        """Odoo's quantity to order and deadline of these rules, now and in one pass.

        Odoo computes a rule's quantity to order from its forecast at the rule's location
        up to its lead horizon (``qty_forecast``, read for all the rules of a product
        context at once), then reads that same forecast again for each rule to order
        from (:meth:`_get_qty_to_order`: about three queries per rule). Within this
        recompute the second read is the first one's value, so the rules of a batch
        cost one read per context (location and lead horizon date), whatever their
        number. The values are those Odoo's own computation stores."""
        if not self:
            return
        # The rules in cache in one query (Odoo's computation would read them 1,000 at
        # a time).
        self.fetch()
        for name in RECOMPUTED_FIELDS:
            self.env.add_to_compute(self._fields[name], self)
        # Searches of stock rules are answered once during the recompute (stock.rule).
        self.env.cr.cache[MEMO_KEY] = {}
        try:
            rules = self.with_context(**{BULK_CONTEXT: True})
            # The forecast of all the rules at once: the ORM computes a field that is
            # not stored by chunks of 1,000 records, each reading every product context
            # again. As the ORM runs a compute method, the fields it computes are
            # protected meanwhile: their values go to the cache, not through write().
            computed = self.pool.field_computed[self._fields["qty_forecast"]]
            with self.env.protecting(computed, rules):
                rules._compute_qty()
            rules._recompute_recordset(RECOMPUTED_FIELDS)
        finally:
            self.env.cr.cache.pop(MEMO_KEY, None)
        self._planning_store(RECOMPUTED_FIELDS)

    @api.model
    def _planning_create(self, vals_list):
        """The planning job's new reorder rules in one INSERT, whatever their number.

        ``vals_list`` gives each rule's name, product, warehouse, location, company, min,
        max, multiple, trigger and plan; Odoo's defaults fill the other fields (active,
        no route, no snooze, ...), as its ``create`` would. Odoo's constraints of the
        rules are checked (min below max, no kit product). The stored quantity to order
        and deadline are left to :meth:`_planning_recompute`, Odoo's own computation."""
        return insert_records(self, vals_list)

    def _planning_store(self, fnames):
        """The computed values of ``fnames`` of these rules, stored in one UPDATE.

        The ORM's flush would send one UPDATE per 100 rules (their values differ). The
        values stay in cache, no longer waiting for the flush."""
        if not self:
            return
        fields_ = [self._fields[name] for name in fnames]
        columns = {
            name: [field.convert_to_column(op[name], op) for op in self]
            for name, field in zip(fnames, fields_, strict=True)
        }
        self.env.cr.execute(
            SQL(
                """
            UPDATE stock_warehouse_orderpoint op
               SET %(assignments)s, write_uid = %(uid)s, write_date = %(now)s
              FROM unnest(%(ids)s::int4[], %(arrays)s) AS v(id, %(names)s)
             WHERE op.id = v.id
                """,
                assignments=SQL(", ").join(
                    SQL("%s = v.%s", SQL.identifier(name), SQL.identifier(name)) for name in fnames
                ),
                uid=self.env.uid,
                now=self.env.cr.now(),
                ids=list(self._ids),
                arrays=SQL(", ").join(
                    SQL("%s::%s[]", columns[field.name], SQL(field.column_type[1]))
                    for field in fields_
                ),
                names=SQL(", ").join(SQL.identifier(name) for name in fnames),
            )
        )
        # Odoo 19 keeps the records whose stored values wait for the flush in the
        # transaction's dirty map: the values just written no longer wait.
        dirty = self.env._field_dirty
        for field in fields_:
            ids = dirty.get(field)
            if not ids:
                continue
            for id_ in self._ids:
                ids.discard(id_)
            if not ids:
                dirty.pop(field, None)

    def _get_qty_to_order(self, qty_in_progress_by_orderpoint=None):
        if not self.env.context.get(BULK_CONTEXT):
            return super()._get_qty_to_order(qty_in_progress_by_orderpoint)
        self.ensure_one()
        # Odoo's own formula (stock's _get_qty_to_order): the forecast with the lead
        # horizon's visibility plus the quantity in progress is ``qty_forecast`` (same
        # product context, same quantity in progress), computed for the whole batch.
        rounding = self.product_uom.rounding
        if float_compare(self.qty_forecast, self.product_min_qty, precision_rounding=rounding) >= 0:
            return 0.0
        qty_to_order = max(self.product_min_qty, self.product_max_qty) - self.qty_forecast
        return self._get_multiple_rounded_qty(qty_to_order)

    def action_planning_unlock(self):
        self.write(
            {
                "planning_locked": False,
                "planning_locked_by_id": False,
                "planning_locked_date": False,
            }
        )
        return True
