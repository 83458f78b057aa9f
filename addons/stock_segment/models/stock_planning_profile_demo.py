"""Demo history: two years of customer deliveries for the demo products, so that a fresh
database with demo data shows a populated classification right after install."""

from datetime import datetime, time, timedelta

import numpy as np
from odoo import api, fields, models
from odoo.tools import SQL

# Demand shapes of the demo products: (xml id suffix, mean per day, shape)
DEMO_PROFILES = {
    "smooth": {"rate": 1.0, "noise": 0.15},
    "variable": {"rate": 0.35, "noise": 0.9},
    "erratic": {"rate": 0.2, "noise": 1.4},
    "lumpy": {"rate": 0.04, "noise": 1.2},
    "intermittent": {"rate": 0.05, "noise": 0.1},
    "new": {"rate": 1.0, "noise": 0.3, "start_days_ago": 60},
    "growth": {"rate": 1.0, "noise": 0.3, "trend": 1.5},
    "decline": {"rate": 1.0, "noise": 0.3, "trend": -0.8},
    "dormant": {"rate": 1.0, "noise": 0.3, "stop_days_ago": 240},
    "dead": {"rate": 1.0, "noise": 0.3, "stop_days_ago": 420},
}


class StockPlanningProfile(models.Model):
    _inherit = "stock.planning.profile"

    @api.model
    def _load_demo_history(self, products_spec, warehouse_refs, days=730, seed=20250101):
        """Insert done customer deliveries for the demo products and classify.

        ``products_spec``: list of (product xml id, shape, units per day, warehouse share);
        moves are inserted with one set-based INSERT (history only: quants are untouched).
        """
        rng = np.random.default_rng(seed)
        customers = self.env.ref("stock.stock_location_customers")
        warehouses = [self.env.ref(ref) for ref in warehouse_refs]
        today = fields.Date.context_today(self)
        start = datetime.combine(today - timedelta(days=days), time(10, 0))
        rows = []
        for xmlid, shape, per_day, shares in products_spec:
            product = self.env.ref(xmlid)
            if product._name == "product.template":
                product = product.product_variant_id
            spec = DEMO_PROFILES[shape]
            t = np.arange(days)
            level = per_day * (1.0 + spec.get("trend", 0.0) * (t - days / 2) / days)
            level = np.maximum(level, 0.05 * per_day)
            occurs = rng.random(days) < spec["rate"]
            size = level * np.exp(rng.normal(0.0, spec["noise"], days) - spec["noise"] ** 2 / 2)
            if spec["rate"] < 0.5:
                size = size / spec["rate"]
            qty = np.where(occurs, np.round(size), 0.0)
            if "start_days_ago" in spec:
                qty[: days - spec["start_days_ago"]] = 0.0
            if "stop_days_ago" in spec:
                qty[days - spec["stop_days_ago"] :] = 0.0
            for warehouse, share in zip(warehouses, shares, strict=True):
                split = np.round(qty * share)
                for day in np.flatnonzero(split > 0):
                    rows.append(
                        (
                            product.id,
                            product.uom_id.id,
                            warehouse.lot_stock_id.id,
                            customers.id,
                            warehouse.company_id.id,
                            start + timedelta(days=int(day)),
                            float(split[day]),
                        )
                    )
        if rows:
            self.env.flush_all()
            for chunk_start in range(0, len(rows), 5000):
                chunk = rows[chunk_start : chunk_start + 5000]
                values = SQL(", ").join(SQL("(%s, %s, %s, %s, %s, %s, %s)", *row) for row in chunk)
                self.env.cr.execute(
                    SQL(
                        """
                    INSERT INTO stock_move (product_id, product_uom, location_id,
                        location_dest_id, company_id, date, product_uom_qty, product_qty,
                        quantity, state, procure_method, reference, picked,
                        create_uid, create_date, write_uid, write_date)
                    SELECT v.p, v.u, v.l, v.d, v.c, v.dt, v.q, v.q, v.q, 'done',
                           'make_to_stock', 'Demo history', TRUE,
                           %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                      FROM (VALUES %(values)s) AS v(p, u, l, d, c, dt, q)
                    """,
                        values=values,
                        uid=self.env.uid,
                    )
                )
        # A first classification one quarter ago, then today: the history shows migrations.
        quarter_ago = datetime.combine(today - timedelta(days=90), time.min)
        self.with_context(stock_segment_no_commit=True)._run_classification(date_to=quarter_ago)
        self.with_context(stock_segment_no_commit=True)._run_classification()
        return len(rows)
