import numpy as np
import pandas as pd
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_compare

from invplan.lifecycle_policy import reuse_allocation

REASONS = [
    ("excess", "Above max"),
    ("slow_moving", "Slow moving"),
    ("obsolete", "End of life / obsolete"),
]
# Stages whose whole stock on hand is offered for reuse.
END_STAGES = ("end_of_life", "obsolete")
# Values the aging job writes on an open suggestion, compared on a rerun.
SUGGESTION_FIELDS = (
    "id",
    "snapshot_date",
    "kind",
    "reason",
    "product_id",
    "source_warehouse_id",
    "source_profile_id",
    "source_onhand_qty",
    "excess_qty",
    "dest_product_id",
    "dest_warehouse_id",
    "dest_profile_id",
    "dest_onhand_qty",
    "need_qty",
    "suggested_qty",
    "unit_cost",
    "value",
)


def _same(old, new, digits=None):
    if digits is not None:
        return float_compare(float(old or 0.0), float(new or 0.0), precision_digits=digits) == 0
    return (old or False) == (new or False)


class StockReuseSuggestion(models.Model):
    """Excess stock of a product at one warehouse next to a need for it (or for its
    successor) elsewhere: move it there before writing it off. Filled by the aging job."""

    _name = "stock.reuse.suggestion"
    _description = "Stock Reuse Suggestion"
    _order = "snapshot_date desc, value desc, id"
    _check_company_auto = True

    snapshot_date = fields.Date("As of", required=True, index=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(
        [("transfer", "Transfer between warehouses"), ("substitute", "Successor product")],
        required=True,
        readonly=True,
    )
    reason = fields.Selection(REASONS, "Excess Reason", required=True, readonly=True)
    product_id = fields.Many2one(
        "product.product", "Product in Excess", required=True, ondelete="cascade", readonly=True
    )
    source_warehouse_id = fields.Many2one(
        "stock.warehouse", "From Warehouse", required=True, ondelete="cascade", readonly=True
    )
    source_profile_id = fields.Many2one(
        "stock.planning.profile", "Excess Plan", ondelete="cascade", readonly=True
    )
    source_onhand_qty = fields.Float("On Hand (source)", digits="Product Unit", readonly=True)
    excess_qty = fields.Float(digits="Product Unit", readonly=True)
    dest_product_id = fields.Many2one(
        "product.product", "Product Needed", required=True, ondelete="cascade", readonly=True
    )
    dest_warehouse_id = fields.Many2one(
        "stock.warehouse", "To Warehouse", required=True, ondelete="cascade", readonly=True
    )
    dest_profile_id = fields.Many2one(
        "stock.planning.profile", "Plan in Need", ondelete="cascade", readonly=True
    )
    dest_onhand_qty = fields.Float("On Hand (destination)", digits="Product Unit", readonly=True)
    need_qty = fields.Float(
        digits="Product Unit",
        readonly=True,
        help="Order-up-to level (max, else min) minus the stock on hand, for a plan below its min.",
    )
    suggested_qty = fields.Float(digits="Product Unit", readonly=True, aggregator="sum")
    unit_cost = fields.Float(digits="Product Price", readonly=True, aggregator="avg")
    value = fields.Monetary(
        currency_field="currency_id",
        readonly=True,
        aggregator="sum",
        help="Suggested quantity x unit cost: the value kept from a write-off.",
    )
    picking_id = fields.Many2one("stock.picking", "Transfer", readonly=True, copy=False)

    # ------------------------------------------------------------------ filling
    @api.model
    def _refresh_suggestions(self, company, today):
        """Replace the company's open suggestions (those without a transfer): one query
        for the plans and their stock, the allocation in the engine, one create."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
            SELECT p.id, p.product_id, p.warehouse_id, pt.lifecycle_stage, pt.id AS tmpl_id,
                   pt.successor_product_id, COALESCE(p.is_slow_moving, FALSE) AS slow,
                   COALESCE(p.reorder_point_qty, 0) AS min_qty,
                   COALESCE(p.max_qty, 0) AS max_qty, COALESCE(q.qty, 0) AS onhand,
                   COALESCE((pp.standard_price ->> %(company_key)s)::float8, 0) AS unit_cost
              FROM stock_planning_profile p
              JOIN product_product pp ON pp.id = p.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
         LEFT JOIN (
                   SELECT sq.product_id, l.warehouse_id, SUM(sq.quantity) AS qty
                     FROM stock_quant sq
                     JOIN stock_location l ON l.id = sq.location_id
                    WHERE l.usage = 'internal' AND sq.company_id = %(company)s
                 GROUP BY 1, 2
                   ) q ON q.product_id = p.product_id AND q.warehouse_id = p.warehouse_id
             WHERE p.company_id = %(company)s AND p.active AND pp.active
               AND NOT COALESCE(p.data_quarantine, FALSE)
            """,
                company=company.id,
                company_key=str(company.id),
            )
        )
        plans = pd.DataFrame(
            self.env.cr.dictfetchall(),
            columns=[
                "id",
                "product_id",
                "warehouse_id",
                "lifecycle_stage",
                "successor_product_id",
                "slow",
                "min_qty",
                "max_qty",
                "onhand",
                "unit_cost",
                "tmpl_id",
            ],
        )
        if not plans.empty:
            # The stage a person confirmed, not a job's suggestion; a new product is
            # never obsolete stock.
            acting = self.env["stock.planning.profile"]._lifecycle_acting_stages(
                set(plans["tmpl_id"].tolist()), today
            )
            plans["lifecycle_stage"] = [
                (acting.get(t) or {}).get("stage") or False for t in plans["tmpl_id"]
            ]
        if plans.empty:
            return self._sync_suggestions(company, [])
        plans = plans.astype(
            {"min_qty": float, "max_qty": float, "onhand": float, "unit_cost": float}
        )
        # A cost or quantity that is not a finite number is data to check (the aging job
        # reports it): it never reaches a suggestion.
        for column in ("min_qty", "max_qty", "onhand", "unit_cost"):
            values = plans[column].to_numpy(float)
            plans[column] = np.where(np.isfinite(values), values, 0.0)
        # A stock value above the plausible maximum is not a value kept from a write-off.
        limit = self.env["stock.planning.profile"]._plausibility_max_amount()
        stock_value = plans["onhand"].clip(lower=0.0).to_numpy() * plans["unit_cost"].to_numpy()
        plans["unit_cost"] = np.where(np.abs(stock_value) > limit, 0.0, plans["unit_cost"])
        onhand = plans["onhand"].clip(lower=0.0)
        end = plans["lifecycle_stage"].isin(END_STAGES).to_numpy()
        slow = plans["slow"].astype(bool).to_numpy()
        min_qty, max_qty = plans["min_qty"].to_numpy(), plans["max_qty"].to_numpy()
        above = np.where(max_qty > 0, np.maximum(onhand - max_qty, 0.0), 0.0)
        # Slow-moving stock beyond the reorder point is not needed where it lies.
        idle = np.where(slow, np.maximum(onhand - min_qty, 0.0), 0.0)
        excess = np.where(end, onhand, np.maximum(above, idle))
        plans["excess"] = excess
        plans["reason"] = np.where(
            end, "obsolete", np.where(idle >= above, "slow_moving", "excess")
        )
        short = ~end & (excess <= 0) & (min_qty > 0) & (onhand < min_qty)
        plans["need"] = np.where(short, np.maximum(min_qty, max_qty) - onhand, 0.0)
        by_id = plans.set_index("id")

        need = plans.loc[plans["need"] > 0, ["id", "product_id", "need"]].set_axis(
            ["dest", "product", "qty"], axis=1
        )
        excess = plans.loc[plans["excess"] > 0, ["id", "product_id", "excess"]].set_axis(
            ["source", "product", "qty"], axis=1
        )
        same = reuse_allocation(excess, need)
        same["kind"] = "transfer"
        # What is left goes to the successor's needs.
        used_e = same.groupby("source")["qty"].sum()
        used_n = same.groupby("dest")["qty"].sum()
        excess["qty"] = excess["qty"] - excess["source"].map(used_e).fillna(0.0)
        need["qty"] = need["qty"] - need["dest"].map(used_n).fillna(0.0)
        successor = excess["source"].map(by_id["successor_product_id"])
        excess = excess.assign(product=successor)[successor.notna()].astype({"product": int})
        subst = reuse_allocation(excess, need)
        subst["kind"] = "substitute"
        allocation = pd.concat([same, subst], ignore_index=True)
        vals = []
        for row in allocation.itertuples(index=False):
            src, dst = by_id.loc[row.source], by_id.loc[row.dest]
            qty = float(row.qty)
            vals.append(
                {
                    "snapshot_date": today,
                    "company_id": company.id,
                    "kind": row.kind,
                    "reason": src["reason"],
                    "product_id": int(src["product_id"]),
                    "source_warehouse_id": int(src["warehouse_id"]),
                    "source_profile_id": int(row.source),
                    "source_onhand_qty": float(src["onhand"]),
                    "excess_qty": float(src["excess"]),
                    "dest_product_id": int(dst["product_id"]),
                    "dest_warehouse_id": int(dst["warehouse_id"]),
                    "dest_profile_id": int(row.dest),
                    "dest_onhand_qty": float(dst["onhand"]),
                    "need_qty": float(dst["need"]),
                    "suggested_qty": round(qty, 6),
                    "unit_cost": float(src["unit_cost"]),
                    "value": round(qty * float(src["unit_cost"]), 2),
                }
            )
        return self._sync_suggestions(company, vals)

    @api.model
    def _sync_suggestions(self, company, vals_list):
        """Make the company's open suggestions (without a transfer) match ``vals_list``:
        unchanged ones are left alone, so a rerun on unchanged data writes nothing."""
        existing = (
            self.sudo()
            .search([("company_id", "=", company.id), ("picking_id", "=", False)])
            .read(list(SUGGESTION_FIELDS), load=None)
        )
        by_key = {}
        for row in existing:
            by_key.setdefault(self._suggestion_key(row), []).append(row)
        digits = {}
        for name in SUGGESTION_FIELDS:
            field = self._fields[name]
            if field.type == "monetary":
                digits[name] = company.currency_id.decimal_places
            elif field.type == "float":
                digits[name] = (field.get_digits(self.env) or (16, 6))[1]
        to_create, keep = [], set()
        for vals in vals_list:
            rows = by_key.get(self._suggestion_key(vals)) or []
            row = next((r for r in rows if r["id"] not in keep), None)
            if row is None:
                to_create.append(vals)
                continue
            keep.add(row["id"])
            changed = {
                f: vals[f]
                for f in SUGGESTION_FIELDS
                if f != "id" and not _same(row[f], vals[f], digits.get(f))
            }
            if changed:
                self.sudo().browse(row["id"]).write(changed)
        stale = [r["id"] for r in existing if r["id"] not in keep]
        if stale:
            self.sudo().browse(stale).unlink()
        if to_create:
            self.sudo().create(to_create)
        return len(vals_list)

    @staticmethod
    def _suggestion_key(row):
        return (
            row["kind"],
            row["source_profile_id"],
            row["dest_profile_id"],
            row["product_id"],
            row["dest_product_id"],
        )

    # ------------------------------------------------------------------ action
    def action_create_transfers(self):
        """One draft internal transfer per pair of warehouses for the selected
        suggestions that move stock between warehouses and have no transfer yet."""
        todo = self.filtered(
            lambda s: not s.picking_id and s.source_warehouse_id != s.dest_warehouse_id
        )
        if not todo:
            raise UserError(
                self.env._(
                    "No selected suggestion needs a transfer: they already have one or the "
                    "successor is needed at the warehouse that holds the stock."
                )
            )
        pickings = self.env["stock.picking"]
        groups = {}
        for suggestion in todo:
            key = (suggestion.source_warehouse_id, suggestion.dest_warehouse_id)
            groups[key] = groups.get(key, self.browse()) | suggestion
        for (source, dest), suggestions in groups.items():
            picking_type = source.int_type_id
            if not picking_type:
                raise UserError(
                    self.env._("Warehouse %s has no internal transfer type.", source.name)
                )
            picking = self.env["stock.picking"].create(
                {
                    "picking_type_id": picking_type.id,
                    "location_id": source.lot_stock_id.id,
                    "location_dest_id": dest.lot_stock_id.id,
                    "company_id": source.company_id.id,
                    "origin": self.env._("Reuse before write-off"),
                    "move_ids": [
                        (
                            0,
                            0,
                            {
                                "product_id": s.product_id.id,
                                "product_uom_qty": s.suggested_qty,
                                "product_uom": s.product_id.uom_id.id,
                                "location_id": source.lot_stock_id.id,
                                "location_dest_id": dest.lot_stock_id.id,
                                "company_id": source.company_id.id,
                            },
                        )
                        for s in suggestions
                    ],
                }
            )
            suggestions.sudo().write({"picking_id": picking.id})
            pickings |= picking
        action = {
            "type": "ir.actions.act_window",
            "res_model": "stock.picking",
            "name": self.env._("Reuse Transfers"),
        }
        if len(pickings) == 1:
            action.update(view_mode="form", res_id=pickings.id)
        else:
            action.update(view_mode="list,form", domain=[("id", "in", pickings.ids)])
        return action
