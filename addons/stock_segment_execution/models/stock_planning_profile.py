from datetime import timedelta

import numpy as np
from odoo import api, fields, models
from odoo.tools import SQL

from invplan import execution

# Days of deliveries the protected tiers' daily demand is measured on.
PROTECTED_DEMAND_DAYS = 91
EXECUTION_JOB_OWNED_FIELDS = frozenset({"critical_level_qty", "protected_demand_daily"})


class StockPlanningProfile(models.Model):
    _inherit = "stock.planning.profile"

    critical_level_qty = fields.Float(
        "Critical Level",
        readonly=True,
        digits="Product Unit",
        help="Stock kept for the customer tiers that may consume protected stock: below "
        "it, the other tiers' deliveries are not reserved. The protected tiers' demand "
        "over the lead time at their fill-rate target, capped at the safety stock "
        "(critical-level rationing).",
    )
    protected_demand_daily = fields.Float(
        "Protected Daily Demand",
        readonly=True,
        digits="Product Unit",
        help="Mean daily demand of the tiers that may consume protected stock over the "
        "last 13 weeks.",
    )

    def _job_owned_fields(self):
        return super()._job_owned_fields() | EXECUTION_JOB_OWNED_FIELDS

    @api.model
    def _run_critical_levels(self, companies=None, day=None):
        """The critical level of each plan of ``companies`` from the protected tiers'
        daily demand (13 weeks of deliveries, one query), the plan's lead time and safety
        stock (engine :func:`invplan.execution.critical_level`). Returns
        {company id: counters}."""
        day = day or self.env["stock.planning.run"]._planning_day()
        results = {}
        for company in companies or self.env["res.company"].search([("active", "=", True)]):
            results[company.id] = self._critical_levels_company(company, day)
        return results

    @api.model
    def _critical_levels_company(self, company, day):
        # Only the columns used here: a plan's record holds many more, which the ORM
        # would read (and decode) for every plan of the company.
        plans = self.sudo().search_fetch(
            [("company_id", "=", company.id)],
            ["product_id", "warehouse_id", "lead_time_days", "safety_stock_qty"]
            + ["critical_level_qty", "protected_demand_daily"],
        )
        if not plans:
            return {"profiles": 0, "failed": 0, "changed": 0}
        tiers = (
            self.env["stock.customer.tier"]
            .sudo()
            .search(
                [("may_consume_protected", "=", True), ("company_id", "in", [company.id, False])]
            )
        )
        stats = self._protected_demand(company, tiers, day) if tiers else {}
        service = max(tiers.mapped("target_fill_rate") or [0.0]) / 100.0
        mean = np.array(
            [stats.get((p.product_id.id, p.warehouse_id.id), (0.0, 0.0))[0] for p in plans]
        )
        std = np.array(
            [stats.get((p.product_id.id, p.warehouse_id.id), (0.0, 0.0))[1] for p in plans]
        )
        lead = np.array([p.lead_time_days or np.nan for p in plans], dtype=float)
        safety = np.array([max(p.safety_stock_qty or 0.0, 0.0) for p in plans], dtype=float)
        levels = execution.critical_level(
            mean, std, lead, np.full(len(plans), service), safety_stock=safety
        )
        # The products' units the same way (a product's record holds many more columns).
        plans.product_id.fetch(["product_tmpl_id"])
        plans.product_id.product_tmpl_id.fetch(["uom_id"])
        rows = []
        for plan, level, daily in zip(plans, levels, mean, strict=True):
            level = plan.product_id.uom_id.round(float(level))
            if plan.critical_level_qty != level or plan.protected_demand_daily != daily:
                rows.append((plan.id, level, float(daily)))
        if rows:
            # One statement for the company's changed plans, not one write per plan.
            ids, qty, daily = zip(*rows, strict=True)
            plans.flush_recordset(["critical_level_qty", "protected_demand_daily"])
            self.env.cr.execute(
                SQL(
                    """
                UPDATE stock_planning_profile p
                   SET critical_level_qty = v.qty, protected_demand_daily = v.daily
                  FROM unnest(%s::int4[], %s::float8[], %s::float8[]) AS v(id, qty, daily)
                 WHERE p.id = v.id
                    """,
                    list(ids),
                    list(qty),
                    list(daily),
                )
            )
            plans.invalidate_recordset(["critical_level_qty", "protected_demand_daily"])
        return {"profiles": len(plans), "failed": 0, "changed": len(rows)}

    @api.model
    def _protected_demand(self, company, tiers, day):
        """{(product id, warehouse id): (mean, std) of daily delivered quantity} to the
        customers of ``tiers`` over the last 13 weeks, days without delivery counted as
        zero. One query."""
        self.env["stock.move"].flush_model()
        self.env["stock.picking"].flush_model(["partner_id"])
        self.env["stock.location"].flush_model(["warehouse_id", "usage"])
        self.env["res.partner"].flush_model(["customer_tier_id", "commercial_partner_id"])
        date_to = day + timedelta(days=1)
        date_from = date_to - timedelta(days=PROTECTED_DEMAND_DAYS)
        self.env.cr.execute(
            SQL(
                """
            WITH daily AS (
                SELECT m.product_id, src.warehouse_id, m.date::date AS day,
                       SUM(m.product_qty) AS qty
                  FROM stock_move m
                  JOIN stock_location src ON src.id = m.location_id
                  JOIN stock_location dst ON dst.id = m.location_dest_id
                  JOIN stock_picking pk ON pk.id = m.picking_id
                  JOIN res_partner rp ON rp.id = pk.partner_id
                  JOIN res_partner cp ON cp.id = rp.commercial_partner_id
                 WHERE m.state = 'done' AND m.company_id = %(company)s
                   AND dst.usage = 'customer' AND src.usage = 'internal'
                   AND src.warehouse_id IS NOT NULL
                   AND cp.customer_tier_id = ANY(%(tiers)s)
                   AND m.date >= %(date_from)s AND m.date < %(date_to)s
              GROUP BY 1, 2, 3
            )
            SELECT product_id, warehouse_id, SUM(qty), SUM(qty * qty)
              FROM daily GROUP BY 1, 2
                """,
                company=company.id,
                tiers=tiers.ids,
                date_from=date_from,
                date_to=date_to,
            )
        )
        n = float(PROTECTED_DEMAND_DAYS)
        stats = {}
        for product_id, warehouse_id, total, squares in self.env.cr.fetchall():
            mean = float(total) / n
            var = max(float(squares) / n - mean * mean, 0.0) * n / (n - 1.0)
            stats[(product_id, warehouse_id)] = (mean, var**0.5)
        return stats
