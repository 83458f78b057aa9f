"""The nightly plausibility screen of the plans (the first step of the classification).

Values a buyer would call absurd (a cost of 1e15, a lead time of 10,000 days, one
delivery of a billion units, a minimum order of 1e12, a product bought in kilograms
and stocked in units) are valid numbers for the database: they must not be planned.
The screen runs the engine's checks (:mod:`invplan.plausibility`) on one company's
whole catalogue, before the ABC ranking, in a constant number of queries. A plan with
an error finding that no buyer confirmed is *quarantined*: it keeps its last good
classification and reorder rule, its value is left out of the company's ABC, the
other jobs leave it alone, and it gets a data-quality exception naming each field and
value. Correcting the data, or confirming the value as real, lifts the quarantine.
"""

import numpy as np
import pandas as pd
from odoo import api, models
from odoo.tools import SQL

from invplan import plausibility as P

# Default thresholds; each is a system parameter ``stock_segment.plausibility_<key>``
# set in the settings (Inventory > Configuration > Settings > Planning).
SCREEN_DEFAULTS = {
    "max_unit_cost": 1e9,
    "max_unit_price": 1e9,
    "max_lead_time_days": 730.0,
    "max_quantity": 1e9,
    "outlier_factor": 1e4,
    "outlier_z": 6.0,
    "spike_ratio": 50.0,
    "absurd_spike_ratio": 1000.0,
    "min_lines_for_spike": 5,
    "moq_years": 5.0,
}


class StockPlanningScreen(models.AbstractModel):
    _name = "stock.planning.screen"
    _description = "Plausibility Screen of the Plans"

    # ------------------------------------------------------------------ settings
    def _screen_params(self):
        return {
            key: self.env["stock.planning.profile"]._config_param(
                "stock_segment", f"plausibility_{key}", default, type(default)
            )
            for key, default in SCREEN_DEFAULTS.items()
        }

    # ------------------------------------------------------------------ the screen
    def _screen_company(self, ctx, keys, measures, annualise):
        """Findings per plan key for the company's population, confirmations applied.

        Returns ``{(product, warehouse): [finding dict, ...]}`` for keys with at least
        one finding, and stores the set of quarantined keys in ``ctx["quarantine"]``.
        Six queries whatever the catalogue size."""
        prm = self._screen_params()
        company = ctx["company"]
        n = len(keys)
        ids = np.arange(n)
        product_ids = sorted({int(p) for p in keys[:, 0]})
        products = self._screen_products(company, product_ids)
        row_product = [products.get(int(p), {}) for p in keys[:, 0]]
        cost = np.array([r.get("cost", 0.0) for r in row_product], dtype=float)
        price = np.array([r.get("price", 0.0) for r in row_product], dtype=float)
        col = np.array([[float(x) for x in r[2:]] for r in measures], dtype=float)
        revenue, sold = col[:, 0], col[:, 4]
        demand_qty = col[:, 5]
        with np.errstate(divide="ignore", invalid="ignore"):
            realised = np.where(sold > 0, revenue / sold, np.nan)
        annual_demand = demand_qty * annualise

        items = pd.DataFrame({"unit_cost": cost, "unit_price": price})
        parts = [
            P.check_items(
                items,
                ids,
                max_unit_cost=prm["max_unit_cost"],
                max_unit_price=prm["max_unit_price"],
            )
        ]
        realised_items = pd.DataFrame({"unit_price": realised})
        has_sales = np.isfinite(realised) | (sold > 0)
        found = P.check_items(
            realised_items[has_sales], ids[has_sales], max_unit_price=prm["max_unit_price"]
        )
        found["field"] = "sale_price"
        parts.append(found)
        # Log-scale outliers over the company's products (one value per product).
        first = np.unique(keys[:, 0], return_index=True)[1]
        for field, values, what, severity in (
            ("unit_cost", cost, "unit cost", "error"),
            ("unit_price", price, "sale price", "error"),
            ("sale_price", realised, "price sold at", "error"),
        ):
            found = P.check_log_outliers(
                values[first],
                keys[first, 0],
                field,
                what=what,
                factor=prm["outlier_factor"],
                z_max=prm["outlier_z"],
                severity=severity,
            )
            parts.append(_per_pair(found, keys))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where((cost > 0) & (price > 0), price / cost, np.nan)
        found = P.check_log_outliers(
            ratio[first],
            keys[first, 0],
            "price_to_cost",
            what="price-to-cost ratio",
            factor=prm["outlier_factor"] / 10,
            z_max=prm["outlier_z"],
            severity="warning",
        )
        parts.append(_per_pair(found, keys))
        # Medians of the demand lines only where a spike is possible (a sort per item
        # costs more than the rest of the extraction).
        line_max, line_count = col[:, 6], col[:, 7]
        candidate = P.spike_candidates(
            line_max, demand_qty, line_count, min_lines_for_spike=int(prm["min_lines_for_spike"])
        )
        medians = self.env["stock.planning.profile"]._median_demand_lines(
            ctx, sorted({int(p) for p in keys[candidate, 0]})
        )
        median = np.array(
            [
                medians.get((int(p), int(w)), np.nan) if c else np.nan
                for (p, w), c in zip(keys, candidate, strict=True)
            ],
            dtype=float,
        )
        parts.append(
            P.check_line_summary(
                ids,
                line_max,
                median,
                line_count,
                max_quantity=prm["max_quantity"],
                spike_ratio=prm["spike_ratio"],
                absurd_spike_ratio=prm["absurd_spike_ratio"],
                min_lines_for_spike=int(prm["min_lines_for_spike"]),
            )
        )
        on_hand = self._screen_on_hand(company, keys)
        parts.append(
            P.check_quantities(
                ids, on_hand, "on_hand", what="quantity on hand", max_quantity=prm["max_quantity"]
            )
        )
        vendors = self._screen_vendors(company, keys, products)
        if len(vendors):
            parts.append(
                P.check_vendors(
                    vendors["row"].to_numpy(),
                    vendors["vendor"].to_numpy(object),
                    vendors["delay"].to_numpy(float),
                    vendors["moq"].to_numpy(float),
                    vendors["convertible"].to_numpy(bool),
                    max_lead_time_days=prm["max_lead_time_days"],
                    max_quantity=prm["max_quantity"],
                    annual_demand=annual_demand[vendors["row"].to_numpy()],
                    moq_years=prm["moq_years"],
                )
            )
        parts = [p for p in parts if len(p)]
        findings = pd.concat(parts, ignore_index=True) if parts else P.empty_findings()
        # NaN or infinity in the measures (the classification counts them as 0).
        extra = []
        index = {(int(p), int(w)): i for i, (p, w) in enumerate(keys)}
        for key, names in (ctx.get("non_finite") or {}).items():
            for name in names:
                extra.append(
                    {
                        "item": index[key],
                        "field": name,
                        "value": "not a number (NaN)",
                        "reason": "not a finite number: counted as 0 by the classification",
                        "action": "correct the sale price, the cost or the move quantities",
                        "severity": "error",
                    }
                )
        if extra:
            findings = pd.concat([findings, pd.DataFrame(extra)], ignore_index=True)
        if len(findings):
            findings = _for_odoo(findings)
        confirmed = self._screen_confirmed(company)
        result = {}
        quarantine = set()
        if len(findings):
            sig = P.signature(findings)
            for row, s in zip(findings.to_dict("records"), sig, strict=True):
                key = (int(keys[row["item"]][0]), int(keys[row["item"]][1]))
                if s in confirmed.get(key, ()):
                    continue
                result.setdefault(key, []).append(row)
                if row["severity"] == "error":
                    quarantine.add(key)
        ctx["quarantine"] = quarantine
        ctx["findings"] = result
        return result

    def _screen_products(self, company, product_ids):
        self.env.cr.execute(
            SQL(
                """
            SELECT pp.id, pt.id, pt.list_price,
                   (pp.standard_price ->> %(company_key)s)::float8, pt.uom_id
              FROM product_product pp
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE pp.id = ANY(%(ids)s)
            """,
                company_key=str(company.id),
                ids=product_ids,
            )
        )
        return {
            r[0]: {
                "tmpl_id": r[1],
                "price": float(r[2]) if r[2] is not None else 0.0,
                "cost": float(r[3]) if r[3] is not None else 0.0,
                "uom_id": r[4],
            }
            for r in self.env.cr.fetchall()
        }

    def _screen_on_hand(self, company, keys):
        found = self.env["stock.planning.profile"]._onhand_by_warehouse(
            company.id, sorted({int(p) for p in keys[:, 0]})
        )
        return np.array([float(found.get((int(p), int(w))) or 0.0) for p, w in keys], dtype=float)

    def _screen_vendors(self, company, keys, products):
        """Vendor lines per plan row: vendor name, delay, minimum quantity and whether
        the purchase unit converts to the product's unit (same reference unit)."""
        tmpl_ids = sorted({p["tmpl_id"] for p in products.values()})
        self.env.cr.execute(
            SQL(
                """
            SELECT si.product_tmpl_id, si.product_id, COALESCE(rp.name, ''), si.delay,
                   si.min_qty, si.product_uom_id
              FROM product_supplierinfo si
              JOIN res_partner rp ON rp.id = si.partner_id
             WHERE si.product_tmpl_id = ANY(%s)
               AND (si.company_id IS NULL OR si.company_id = %s)
            """,
                tmpl_ids,
                company.id,
            )
        )
        lines = self.env.cr.fetchall()
        if not lines:
            return pd.DataFrame(columns=["row", "vendor", "delay", "moq", "convertible"])
        self.env.cr.execute("SELECT id, relative_uom_id FROM uom_uom")
        parent = dict(self.env.cr.fetchall())

        def root(uom_id):
            seen = set()
            while uom_id and parent.get(uom_id) and uom_id not in seen:
                seen.add(uom_id)
                uom_id = parent[uom_id]
            return uom_id

        by_tmpl = {}
        for tmpl, variant, name, delay, moq, uom in lines:
            by_tmpl.setdefault(tmpl, []).append((variant, name, delay, moq, uom))
        rows = []
        for i, (p, _w) in enumerate(keys):
            prod = products.get(int(p))
            if not prod:
                continue
            for variant, name, delay, moq, uom in by_tmpl.get(prod["tmpl_id"], ()):
                if variant and variant != int(p):
                    continue
                convertible = not uom or not prod["uom_id"] or root(uom) == root(prod["uom_id"])
                rows.append((i, name, float(delay or 0), float(moq or 0), bool(convertible)))
        return pd.DataFrame(rows, columns=["row", "vendor", "delay", "moq", "convertible"])

    def _screen_confirmed(self, company):
        self.env.cr.execute(
            """SELECT product_id, warehouse_id, data_confirmed FROM stock_planning_profile
                WHERE company_id = %s AND data_confirmed IS NOT NULL""",
            [company.id],
        )
        return {
            (r[0], r[1]): {s for s in r[2].splitlines() if s.strip()}
            for r in self.env.cr.fetchall()
        }

    @api.model
    def _data_quality_message(self, findings, quarantined):
        head = (
            self.env._(
                "Quarantined: the plan keeps its last reorder rule and is left out of the "
                "ABC until the data is corrected or a buyer confirms it (button "
                '"Values are right" on the plan).'
            )
            if quarantined
            else self.env._("Values to check (the plan is still planned):")
        )
        return head + "\n" + P.finding_lines(findings)


def _per_pair(found, keys):
    """Findings per product (``item`` a product id) repeated for each of its plans
    (``item`` the plan's row in ``keys``)."""
    if not len(found):
        return found
    rows = pd.DataFrame({"row": np.arange(len(keys)), "product": keys[:, 0]})
    out = found.merge(rows, left_on="item", right_on="product")
    out["item"] = out["row"]
    return out[P.FINDING_COLUMNS]


# What to do, in Odoo's words, for the fields whose engine wording speaks of files.
ODOO_ACTIONS = {
    "unit_cost": "correct the product's cost (product form, General Information tab)",
    "unit_price": "correct the product's sales price (product form)",
    "sale_price": "check the unit prices of the product's sale order lines",
}


def _for_odoo(findings):
    """Odoo wording for the actions; one finding per item and ``field=value`` (the
    first, errors before warnings); no ratio warning on an item whose cost or price is
    already in error (the ratio only repeats it)."""
    out = findings.copy()
    for field, action in ODOO_ACTIONS.items():
        out.loc[out["field"] == field, "action"] = action
    out["rank"] = (out["severity"] != "error").astype(int)
    out = out.sort_values(["item", "rank"], kind="stable")
    out = out.drop_duplicates(["item", "field", "value"])
    errors = set(
        out.loc[
            (out["severity"] == "error") & out["field"].isin(["unit_cost", "unit_price"]), "item"
        ]
    )
    out = out[~((out["field"] == "price_to_cost") & out["item"].isin(errors))]
    return out.drop(columns="rank").reset_index(drop=True)
