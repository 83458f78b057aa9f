from odoo import api, fields, models
from odoo.tools import SQL

AUDIT_ACTIONS = [
    ("create", "Reorder rule created"),
    ("update", "Reorder rule updated"),
    ("archive", "Reorder rule archived"),
    ("rollback", "Rolled back"),
]


class StockReplenishmentAudit(models.Model):
    """One applied change of a reorder rule: what it was, what it became, who and why."""

    _name = "stock.replenishment.audit"
    _description = "Reorder Rule Change Audit"
    _order = "date desc, id desc"
    _check_company_auto = True

    proposal_id = fields.Many2one(
        "stock.replenishment.proposal", index=True, ondelete="set null", check_company=True
    )
    orderpoint_id = fields.Many2one(
        "stock.warehouse.orderpoint",
        "Reorder Rule",
        index=True,
        ondelete="set null",
        check_company=True,
    )
    profile_id = fields.Many2one(
        "stock.planning.profile", "Plan", index=True, ondelete="set null", check_company=True
    )
    product_id = fields.Many2one("product.product", ondelete="set null")
    warehouse_id = fields.Many2one("stock.warehouse", ondelete="set null")
    company_id = fields.Many2one("res.company", required=True, index=True)
    action = fields.Selection(AUDIT_ACTIONS, required=True)
    old_min_qty = fields.Float("Old Min", digits="Product Unit")
    new_min_qty = fields.Float("New Min", digits="Product Unit")
    old_max_qty = fields.Float("Old Max", digits="Product Unit")
    new_max_qty = fields.Float("New Max", digits="Product Unit")
    old_multiple_id = fields.Many2one("uom.uom")
    new_multiple_id = fields.Many2one("uom.uom")
    old_active = fields.Boolean("Was Active")
    new_active = fields.Boolean("Active After")
    proposed_by_id = fields.Many2one("res.users")
    approved_by_id = fields.Many2one(
        "res.users", help="Empty when applied automatically within tolerance."
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    reason = fields.Char(help="Why the change was made.")

    @api.model
    def _insert(self, vals_list):
        """The audit rows of ``vals_list`` in one INSERT (the ORM's create writes 100 rows
        a statement): the job's batch writes them with a constant number of queries.
        Values are stored as the ORM stores them (quantities rounded to their digits,
        ``date`` now when not given)."""
        if not vals_list:
            return
        columns = [
            name
            for name, field in self._fields.items()
            if field.store and field.column_type and name not in models.MAGIC_COLUMNS
        ]
        now = fields.Datetime.now()

        def column(name):
            # One array per column; each field's digits looked up once.
            field = self._fields[name]
            values = [vals.get(name, now if name == "date" else None) for vals in vals_list]
            if field.type == "float":
                digits = field.get_digits(self.env)
                if digits:
                    return [None if v is None else round(float(v), digits[1]) for v in values]
                return [None if v is None else float(v) for v in values]
            if field.type == "boolean":
                return [bool(v) for v in values]
            return [v if v is not False else None for v in values]

        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO stock_replenishment_audit (%(names)s, create_uid, write_uid,
                                                   create_date, write_date)
            SELECT v.*, %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM unnest(%(arrays)s) AS v(%(names)s)
                """,
                names=SQL(", ").join(SQL.identifier(c) for c in columns),
                uid=self.env.uid,
                now=now,
                arrays=SQL(", ").join(
                    SQL("%s::%s[]", column(c), SQL(self._fields[c].column_type[1])) for c in columns
                ),
            )
        )
