from odoo import api, fields, models
from odoo.addons.stock_segment.models.product_template import LIFECYCLE_STAGES
from odoo.tools import SQL, float_compare

# Columns the aging job writes, compared on a rerun (the key is plan x bucket).
SYNCED_FIELDS = (
    "snapshot_date",
    "product_id",
    "categ_id",
    "warehouse_id",
    "segment_id",
    "lifecycle_stage",
    "bucket_sequence",
    "company_id",
    "quantity",
    "unit_cost",
    "value",
    "unknown_origin",
    "left_out",
)
# Column types of the rows written in SQL.
CASTS = {
    "profile_id": "int4",
    "bucket_id": "int4",
    "snapshot_date": "date",
    "product_id": "int4",
    "categ_id": "int4",
    "warehouse_id": "int4",
    "segment_id": "int4",
    "lifecycle_stage": "varchar",
    "bucket_sequence": "int4",
    "company_id": "int4",
    "quantity": "numeric",
    "unit_cost": "numeric",
    "value": "numeric",
    "unknown_origin": "bool",
    "left_out": "bool",
}


class StockAgingReport(models.Model):
    """Stock on hand per product x warehouse x aging bucket, as of the last aging run."""

    _name = "stock.aging.report"
    _description = "Stock Aging"
    _order = "snapshot_date desc, warehouse_id, product_id, bucket_sequence"
    _check_company_auto = True

    snapshot_date = fields.Date("As of", required=True, index=True, readonly=True)
    profile_id = fields.Many2one(
        "stock.planning.profile", "Plan", index=True, ondelete="cascade", readonly=True
    )
    product_id = fields.Many2one(
        "product.product", required=True, index=True, ondelete="cascade", readonly=True
    )
    categ_id = fields.Many2one("product.category", "Product Category", readonly=True)
    warehouse_id = fields.Many2one(
        "stock.warehouse", required=True, index=True, ondelete="cascade", readonly=True
    )
    segment_id = fields.Many2one("stock.segment", index=True, ondelete="set null", readonly=True)
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, readonly=True)
    bucket_id = fields.Many2one(
        "stock.aging.bucket", "Aging Bucket", required=True, ondelete="cascade", readonly=True
    )
    bucket_sequence = fields.Integer(readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    quantity = fields.Float(digits="Product Unit", readonly=True, aggregator="sum")
    unit_cost = fields.Float(digits="Product Price", readonly=True, aggregator="avg")
    value = fields.Monetary(currency_field="currency_id", readonly=True, aggregator="sum")
    unknown_origin = fields.Boolean(
        readonly=True,
        help="Quantity on hand that no receipt explains (opening stock, adjustments): "
        "reported in the oldest bucket.",
    )

    left_out = fields.Boolean(
        "Left Out: Data to Check",
        readonly=True,
        help="The plan is quarantined or its cost or value is not plausible: the row "
        "keeps the quantity, its value is 0 and the provisions leave it out.",
    )

    @api.model
    def _sync_rows(self, profile_ids, vals_list):
        """Make the rows of ``profile_ids`` match ``vals_list`` (one per plan x bucket):
        unchanged rows are left alone, changed ones updated in one statement, missing
        ones created, the rest deleted. A rerun on unchanged data writes nothing."""
        self.flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT id, profile_id, bucket_id, %s FROM stock_aging_report "
                "WHERE profile_id = ANY(%s)",
                SQL(", ").join(SQL.identifier(f) for f in SYNCED_FIELDS),
                list(profile_ids),
            )
        )
        existing = {}
        for row in self.env.cr.dictfetchall():
            existing.setdefault((row["profile_id"], row["bucket_id"]), []).append(row)
        precision = {
            name: (self._fields[name].get_digits(self.env) or (16, 6))[1]
            for name in ("quantity", "unit_cost")
        }
        precision["value"] = 2
        to_create, to_update, keep = [], [], set()
        for vals in vals_list:
            rows = existing.get((vals["profile_id"], vals["bucket_id"])) or []
            if not rows:
                to_create.append(vals)
                continue
            row = rows[0]
            keep.add(row["id"])
            # Equal values are the same under every comparison below: compared first.
            if any(
                row[f] != vals[f] and not self._same(row[f], vals[f], precision.get(f))
                for f in SYNCED_FIELDS
            ):
                to_update.append((row["id"], vals))
        stale = [row["id"] for rows in existing.values() for row in rows if row["id"] not in keep]
        if stale:
            self.env.cr.execute(SQL("DELETE FROM stock_aging_report WHERE id = ANY(%s)", stale))
        if to_update:
            # One UPDATE from one array per column (unnest): the statement's size and
            # cost grow with the rows, not with a parameter per value. The ids filter
            # the rows too, so that they are read by their index, not by a scan of the
            # whole report for each batch.
            self.env.cr.execute(
                SQL(
                    """
                UPDATE stock_aging_report r
                   SET %(assignments)s, write_uid = %(uid)s,
                       write_date = now() AT TIME ZONE 'UTC'
                  FROM unnest(%(ids)s::int4[], %(arrays)s) AS v(id, %(names)s)
                 WHERE r.id = v.id AND r.id = ANY(%(ids)s)
                    """,
                    assignments=SQL(", ").join(
                        SQL("%s = v.%s", SQL.identifier(f), SQL.identifier(f))
                        for f in SYNCED_FIELDS
                    ),
                    uid=self.env.uid,
                    ids=[rid for rid, _vals in to_update],
                    arrays=self._arrays(
                        SYNCED_FIELDS,
                        [
                            [self._stored(f, vals[f], precision.get(f)) for f in SYNCED_FIELDS]
                            for _rid, vals in to_update
                        ],
                    ),
                    names=SQL(", ").join(SQL.identifier(f) for f in SYNCED_FIELDS),
                )
            )
        if stale or to_update:
            self.invalidate_model()
        if to_create:
            # One INSERT for the batch (the first run creates every row): the values
            # stored as the update above stores them, so a rerun finds them unchanged.
            columns = ("profile_id", "bucket_id", *SYNCED_FIELDS)
            self.env.cr.execute(
                SQL(
                    """
                INSERT INTO stock_aging_report (%(names)s, create_uid, write_uid,
                                                create_date, write_date)
                SELECT v.*, %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                  FROM unnest(%(arrays)s) AS v(%(names)s)
                    """,
                    names=SQL(", ").join(SQL.identifier(f) for f in columns),
                    uid=self.env.uid,
                    arrays=self._arrays(
                        columns,
                        [
                            [
                                bool(vals.get(f))
                                if CASTS[f] == "bool"
                                else self._stored(f, vals.get(f), precision.get(f))
                                for f in columns
                            ]
                            for vals in to_create
                        ],
                    ),
                )
            )
        return len(to_create), len(to_update), len(stale)

    @staticmethod
    def _arrays(columns, rows):
        """One typed array per column of ``rows`` (lists of values in ``columns``' order),
        as the arguments of ``unnest``."""
        return SQL(", ").join(
            SQL("%s::%s[]", [row[j] for row in rows], SQL(CASTS[f])) for j, f in enumerate(columns)
        )

    @staticmethod
    def _stored(name, value, digits):
        if digits is not None:
            return round(float(value or 0.0), digits)
        if value is False:
            return None
        return value

    @staticmethod
    def _same(old, new, digits):
        if digits is not None:
            return float_compare(float(old or 0.0), float(new or 0.0), precision_digits=digits) == 0
        return (old or None) == (new or None) if not isinstance(new, bool) else bool(old) == new

    def action_export_xlsx(self):
        return self.env["stock.aging.export"].create({})._export(self)
