"""Supplier order groups: one order cycle per vendor, computed by joint replenishment.

The items of a grouped vendor are ordered together on the vendor's cycle (every T days,
or every T weeks on one weekday), each item in every k-th order; their reorder rules
follow the cycle with the addon's periodic-review mechanism (the rule triggers on its
review days and is snoozed in between). The engine computes T and the multiples
(:func:`invplan.lotsizing.supplier_order_cycles`); this model holds the vendor's
settings and the result, and the job step that feeds the engine from Odoo's data.
"""

import logging
import math

import numpy as np
import pandas as pd
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from invplan.lotsizing import supplier_order_cycles

from .review_calendar import EPOCH, cycle_anchor, next_review

_logger = logging.getLogger(__name__)

WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]
LIMITS = [
    ("none", "Cost optimum"),
    ("min_order_value", "Minimum order value"),
    ("fixed", "Fixed by the buyer"),
]
# Plausible maxima of the vendor settings: anything above is a typing error.
MAX_ORDER_COST = 1e7
MAX_ORDER_VALUE = 1e10
# Policies whose rules can follow a vendor cycle (manual and make-to-order keep theirs).
GROUPABLE_POLICIES = ("sQ", "sS", "RS")


class StockVendorOrderCycle(models.Model):
    """A vendor's order cycle in one company, and the items ordered on it."""

    _name = "stock.vendor.order.cycle"
    _description = "Vendor Order Cycle"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "partner_id, company_id"
    _check_company_auto = True
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        "Vendor",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        help="The vendor whose items are ordered together. An item belongs to the cycle "
        "when this vendor is its main vendor (the first plausible line of its vendor "
        "price list).",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    active = fields.Boolean(default=True, tracking=True)
    mode = fields.Selection(
        [("joint", "Computed (joint replenishment)"), ("fixed", "Fixed by the buyer")],
        "Cycle",
        required=True,
        default="joint",
        tracking=True,
        help="Computed: the nightly run finds the cycle with the lowest yearly cost of "
        "holding plus ordering (the vendor's cost per order and each item's own cost per "
        "order line). Fixed: the vendor delivers on a set cycle (say every Monday); only "
        "how often each item joins an order is computed.",
    )
    order_on = fields.Selection(
        [("weekday", "A day of the week"), ("days", "Every N days")],
        "Order Day",
        required=True,
        default="weekday",
        tracking=True,
        help="A day of the week: cycles of a week or more are whole weeks and orders go "
        "out on the chosen weekday. Every N days: any whole number of days, counted from "
        "the first order day.",
    )
    order_weekday = fields.Selection(WEEKDAYS, "Weekday", default="0", tracking=True)
    anchor_date = fields.Date(
        "First Order Day",
        default=EPOCH,
        tracking=True,
        help="Every N days: orders fall on this day and every cycle after it.",
    )
    fixed_cycle_days = fields.Integer(
        "Fixed Cycle (days)", tracking=True, help="The cycle the vendor delivers on."
    )
    order_cost = fields.Monetary(
        "Cost per Order",
        tracking=True,
        help="The fixed cost of one order to this vendor, whatever it holds: transport, "
        "receiving, invoice handling. Each item's own cost per order line is its "
        "segment's ordering cost.",
    )
    min_order_value = fields.Monetary(
        "Minimum Order Value",
        tracking=True,
        help="The vendor's minimum order value. The computed cycle is lengthened until "
        "the smallest order (the items in every order) reaches it, at product cost.",
    )
    max_review_days = fields.Integer(
        "Longest Review Period (days)",
        default=182,
        required=True,
        help="No item waits longer than this between two orders: an item's multiple is "
        "lowered to fit.",
    )

    # Computed by the nightly run (job-owned).
    cycle_days = fields.Integer("Cycle (days)", readonly=True, tracking=True)
    next_order_date = fields.Date(compute="_compute_next_order_date")
    item_count = fields.Integer("Items", readonly=True)
    orders_per_year = fields.Float("Orders per Year", readonly=True, digits=(16, 1))
    expected_order_value = fields.Monetary(
        readonly=True, help="Average value of one order, at cost."
    )
    annual_supplier_cost = fields.Monetary(
        "Vendor Order Cost / Year", readonly=True, help="Cost per order x orders per year."
    )
    annual_item_order_cost = fields.Monetary(
        "Order Line Cost / Year", readonly=True, help="The items' own costs per order."
    )
    annual_ordering_cost = fields.Monetary(
        "Ordering Cost / Year", readonly=True, help="Vendor orders plus order lines."
    )
    annual_holding_cost = fields.Monetary(
        "Cycle Stock Holding / Year", readonly=True, help="Holding cost of the cycle stock."
    )
    annual_cost = fields.Monetary("Cost / Year", readonly=True)
    independent_cost = fields.Monetary(
        "Cost / Year Ordered Apart",
        readonly=True,
        help="Each item on its own economic order quantity, each of its orders paying "
        "the vendor's cost per order.",
    )
    annual_saving = fields.Monetary("Saving / Year", readonly=True)
    set_by = fields.Selection(LIMITS, readonly=True)
    computed_date = fields.Date("Computed On", readonly=True)
    issue = fields.Text(readonly=True, help="Why the cycle could not be computed.")
    explanation = fields.Text("Calculation", readonly=True)
    plan_ids = fields.One2many("stock.planning.profile", "order_cycle_id", "Item Plans")

    _vendor_company_uniq = models.Constraint(
        "unique (partner_id, company_id)", "A vendor has one order cycle per company."
    )

    @api.constrains("order_cost", "min_order_value", "fixed_cycle_days", "mode", "max_review_days")
    def _check_values(self):
        for cycle in self:
            for name, value, top in (
                ("order_cost", cycle.order_cost, MAX_ORDER_COST),
                ("min_order_value", cycle.min_order_value, MAX_ORDER_VALUE),
            ):
                if not (math.isfinite(value or 0.0) and 0.0 <= (value or 0.0) <= top):
                    raise ValidationError(
                        self.env._(
                            "%(field)s must be between 0 and %(top)g, got %(value)s.",
                            field=cycle._fields[name].string,
                            top=top,
                            value=value,
                        )
                    )
            if cycle.mode == "fixed" and not 1 <= cycle.fixed_cycle_days <= 365:
                raise ValidationError(
                    self.env._(
                        "A fixed cycle is between 1 and 365 days, got %s.", cycle.fixed_cycle_days
                    )
                )
            if not 7 <= cycle.max_review_days <= 365:
                raise ValidationError(
                    self.env._(
                        "The longest review period is between 7 and 365 days, got %s.",
                        cycle.max_review_days,
                    )
                )

    # ------------------------------------------------------------------ calendar
    def _anchor(self):
        """The first order day the cycle's review days are counted from."""
        self.ensure_one()
        return cycle_anchor(self.order_on, self.order_weekday, self.anchor_date)

    @api.depends("cycle_days", "order_on", "order_weekday", "anchor_date")
    def _compute_next_order_date(self):
        today = self.env["stock.planning.run"]._planning_day()
        for cycle in self:
            if cycle.cycle_days <= 0:
                cycle.next_order_date = False
                continue
            cycle.next_order_date = next_review(today, cycle._anchor(), cycle.cycle_days)

    # ------------------------------------------------------------------ buttons
    def action_compute_now(self):
        """Compute the cycles of the vendor's company now, then the policies and rules
        of their items, as the nightly run does."""
        if not (self.env.su or self.env.user.has_group("stock_segment.group_planning_manager")):
            raise UserError(
                self.env._("Only a Planning Manager can recompute vendor order cycles.")
            )
        Profile = self.env["stock.planning.profile"].sudo()
        today = self.env["stock.planning.run"]._planning_day()
        for company in self.company_id:
            self.sudo()._compute_cycles(company, today)
            plans = self.sudo().filtered(lambda c, co=company: c.company_id == co).plan_ids
            if plans:
                Profile.with_context(stock_segment_no_commit=True)._run_replenishment(
                    companies=company, profile_ids=plans.ids
                )
        return True

    def action_view_plans(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Items of %s", self.partner_id.display_name),
            "res_model": "stock.planning.profile",
            "view_mode": "list,form",
            "domain": [("order_cycle_id", "=", self.id)],
        }

    # ------------------------------------------------------------------ the job step
    @api.model
    def _compute_cycles(self, company, today):
        """Order cycles of every active cycle of ``company``, and the multiple and review
        period of each of their items, from the plans' forecast demand, product cost and
        segment costs. One query for the items, one engine call per calendar kind, one
        UPDATE for the plans. Plans of vendors without a cycle are released.

        Returns the number of plans that follow a cycle."""
        Profile = self.env["stock.planning.profile"].sudo()
        cycles = self.sudo().search([("company_id", "=", company.id)])
        active = cycles.filtered("active")
        self.env.flush_all()
        items = self._cycle_items(company, today, active) if active else pd.DataFrame()
        assigned = {}
        for cycle in active:
            sel = items[items["cycle"] == cycle.id] if len(items) else items
            values = self._cycle_result(cycle, sel, today, assigned)
            if values.get("issue") and values["issue"] != (cycle.issue or False):
                cycle.message_post(
                    body=self.env._("The order cycle was not computed: %s", values["issue"])
                )
            cycle.write(values)
        # Plans in a cycle get its id, multiple and review period; the others are released.
        self.env.cr.execute(
            SQL(
                """
            UPDATE stock_planning_profile p
               SET order_cycle_id = NULL, cycle_multiple = 0, cycle_review_days = 0
             WHERE p.company_id = %s AND p.order_cycle_id IS NOT NULL
               AND NOT p.id = ANY(%s)
            """,
                company.id,
                list(assigned),
            )
        )
        # Their rules leave the cycle's calendar in the plans' run that follows (see
        # stock.planning.profile._release_review_calendar).
        if assigned:
            rows = SQL(", ").join(
                SQL("(%s, %s, %s, %s)", pid, cid, k, days)
                for pid, (cid, k, days) in assigned.items()
            )
            self.env.cr.execute(
                SQL(
                    """
                UPDATE stock_planning_profile p
                   SET order_cycle_id = v.cid, cycle_multiple = v.k, cycle_review_days = v.days
                  FROM (VALUES %s) AS v(id, cid, k, days)
                 WHERE p.id = v.id
                   AND (p.order_cycle_id IS DISTINCT FROM v.cid
                        OR p.cycle_multiple IS DISTINCT FROM v.k
                        OR p.cycle_review_days IS DISTINCT FROM v.days)
                """,
                    rows,
                )
            )
        Profile.invalidate_model(["order_cycle_id", "cycle_multiple", "cycle_review_days"])
        return len(assigned)

    @api.model
    def _cycle_items(self, company, today, cycles):
        """The plans whose main vendor has a cycle: one row per plan with its cycle,
        yearly demand, holding cost per unit and year, own cost per order line and unit
        value. Plans left out: quarantined, archived product, no stock policy (manual,
        make to order, an obsolete stage)."""
        Profile = self.env["stock.planning.profile"].sudo()
        by_partner = {c.partner_id.id: c.id for c in cycles}
        self.env.cr.execute(
            SQL(
                """
            SELECT p.id, p.product_id, pt.id AS tmpl_id,
                   COALESCE(p.avg_daily_demand, 0) AS demand,
                   (pp.standard_price ->> %(company_key)s)::float8 AS unit_cost,
                   COALESCE(s.holding_cost_rate, 25) AS holding_rate,
                   COALESCE(s.ordering_cost, 0) AS ordering_cost
              FROM stock_planning_profile p
              JOIN product_product pp ON pp.id = p.product_id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
              JOIN stock_segment s ON s.id = p.segment_id
             WHERE p.company_id = %(company)s AND p.active
               AND NOT COALESCE(p.data_quarantine, FALSE)
               AND pp.active AND pt.active
               AND s.replenishment_policy = ANY(%(policies)s)
               AND COALESCE(s.stocking_strategy, '') <> 'mto'
               AND COALESCE(pt.lifecycle_stage, '') NOT IN ('end_of_life', 'obsolete')
               AND EXISTS (
                   SELECT 1 FROM product_supplierinfo si
                    WHERE si.product_tmpl_id = pt.id AND si.partner_id = ANY(%(partners)s))
          ORDER BY p.id
            """,
                company_key=str(company.id),
                company=company.id,
                policies=list(GROUPABLE_POLICIES),
                partners=list(by_partner),
            )
        )
        rows = self.env.cr.dictfetchall()
        if not rows:
            return pd.DataFrame(columns=["id", "cycle"])
        params = Profile._replenishment_params()
        ctx = Profile._replenishment_context(company, today, params)
        vendors, _implausible = Profile._fetch_main_vendors(
            ctx, sorted({r["tmpl_id"] for r in rows}), sorted({r["product_id"] for r in rows})
        )
        table = pd.DataFrame(rows)
        table["cycle"] = [
            by_partner.get((vendors.get(p) or {}).get("partner")) for p in table["product_id"]
        ]
        table = table[table["cycle"].notna()].copy()
        cost = pd.to_numeric(table["unit_cost"], errors="coerce").to_numpy(float)
        table["annual_demand"] = np.maximum(table["demand"].to_numpy(float), 0.0) * 365.0
        table["unit_value"] = cost
        table["holding_cost"] = table["holding_rate"].to_numpy(float) / 100.0 * cost
        table["item_order_cost"] = table["ordering_cost"].to_numpy(float)
        return table

    def _cycle_result(self, cycle, items, today, assigned):
        """The engine's plan for one cycle: the values to write on it, and its plans
        (id -> (cycle, multiple, review days)) into ``assigned``."""
        values = {
            "computed_date": today,
            "item_count": 0,
            "cycle_days": 0,
            "orders_per_year": 0.0,
            "expected_order_value": 0.0,
            "annual_supplier_cost": 0.0,
            "annual_item_order_cost": 0.0,
            "annual_ordering_cost": 0.0,
            "annual_holding_cost": 0.0,
            "annual_cost": 0.0,
            "independent_cost": 0.0,
            "annual_saving": 0.0,
            "set_by": False,
            "issue": False,
            "explanation": False,
        }
        if not len(items):
            values["issue"] = self.env._(
                "No item has this vendor as main vendor with a stock policy that can follow "
                "a cycle (continuous review, min / max or periodic review)."
            )
            return values
        supplier = pd.DataFrame(
            {
                "order_cost": [cycle.order_cost or 0.0],
                "min_order_value": [cycle.min_order_value or np.nan],
                "fixed_days": [cycle.fixed_cycle_days if cycle.mode == "fixed" else np.nan],
            },
            index=[cycle.id],
        )
        plan, summary = supplier_order_cycles(
            items.assign(supplier=cycle.id),
            supplier,
            weekly=cycle.order_on == "weekday",
            max_days=cycle.max_review_days,
        )
        row = summary.loc[cycle.id]
        left_out = plan["multiple"].to_numpy() <= 0
        if row["base_days"] <= 0:
            values["issue"] = row["reason"] or self.env._("No cycle could be computed.")
            return values
        for pid, k, days in zip(
            items["id"].to_numpy()[~left_out],
            plan["multiple"].to_numpy()[~left_out],
            plan["review_days"].to_numpy()[~left_out],
            strict=True,
        ):
            assigned[int(pid)] = (cycle.id, int(k), int(days))
        ordering = float(row["supplier_order_cost"] + row["item_order_cost"])
        values.update(
            item_count=int((~left_out).sum()),
            cycle_days=int(row["base_days"]),
            orders_per_year=float(row["orders_per_year"]),
            expected_order_value=float(row["order_value"]),
            annual_supplier_cost=float(row["supplier_order_cost"]),
            annual_item_order_cost=float(row["item_order_cost"]),
            annual_ordering_cost=ordering,
            annual_holding_cost=float(row["holding_cost"]),
            annual_cost=float(row["annual_cost"]),
            independent_cost=float(row["independent_cost"]),
            annual_saving=float(row["independent_cost"] - row["annual_cost"]),
            set_by=row["limit"] or "none",
            issue=row["reason"] or False,
        )
        values["explanation"] = self._explain_cycle(cycle, values, int(left_out.sum()))
        return values

    def _explain_cycle(self, cycle, values, left_out):
        currency = cycle.currency_id
        day = dict(WEEKDAYS).get(cycle.order_weekday or "0")
        when = (
            self.env._("every %(n)d weeks on %(day)s", n=values["cycle_days"] // 7, day=day)
            if cycle.order_on == "weekday" and values["cycle_days"] % 7 == 0
            else self.env._("every %d days", values["cycle_days"])
        )
        how = {
            "none": self.env._(
                "the cycle with the lowest yearly cost of holding plus ordering (joint "
                "replenishment: Silver's heuristic and the RAND search of cycles, Goyal's "
                "multiples), rounded to whole %s",
                self.env._("weeks")
                if cycle.order_on == "weekday" and values["cycle_days"] >= 7
                else self.env._("days"),
            ),
            "min_order_value": self.env._(
                "lengthened until the smallest order reaches the minimum order value %s",
                currency.format(cycle.min_order_value),
            ),
            "fixed": self.env._("fixed by the buyer; each item's multiple is its cheapest"),
        }[values["set_by"]]
        lines = [
            self.env._(
                "Orders go out %(when)s: %(how)s.",
                when=when,
                how=how,
            ),
            self.env._(
                "%(n)d items, %(orders).1f orders a year of %(value)s on average. Per year: "
                "vendor orders %(vendor)s + order lines %(lines)s + cycle stock holding "
                "%(holding)s = %(total)s, against %(apart)s with each item ordered apart "
                "(saving %(saving)s).",
                n=values["item_count"],
                orders=values["orders_per_year"],
                value=currency.format(values["expected_order_value"]),
                vendor=currency.format(values["annual_supplier_cost"]),
                lines=currency.format(values["annual_item_order_cost"]),
                holding=currency.format(values["annual_holding_cost"]),
                total=currency.format(values["annual_cost"]),
                apart=currency.format(values["independent_cost"]),
                saving=currency.format(values["annual_saving"]),
            ),
        ]
        if left_out:
            lines.append(
                self.env._(
                    "Items of this vendor planned on their own (no demand or no valid cost): %d.",
                    left_out,
                )
            )
        if values["issue"]:
            lines.append(values["issue"])
        return "\n".join(lines)
