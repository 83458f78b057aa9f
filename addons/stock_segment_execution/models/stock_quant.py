from datetime import timedelta

import numpy as np
from odoo import api, fields, models

from invplan import execution

# Working days of a year the counts are spread over.
WORKING_DAYS = 250


class StockQuant(models.Model):
    _inherit = "stock.quant"

    def _cycle_count_plans(self):
        """{(product id, warehouse id): plan} of the quants, in one search."""
        warehouses = self.location_id.warehouse_id
        if not self or not warehouses:
            return {}
        plans = (
            self.env["stock.planning.profile"]
            .sudo()
            .search_fetch(
                [
                    ("product_id", "in", self.product_id.ids),
                    ("warehouse_id", "in", warehouses.ids),
                ],
                # Only these columns: a plan's record holds many more.
                ["product_id", "warehouse_id", "segment_id"],
            )
        )
        return {(p.product_id.id, p.warehouse_id.id): p for p in plans}

    @api.model
    def _working_dates(self, company, start, count):
        """The first ``count`` working days from ``start`` on, by the company's working
        calendar (Monday to Friday without one)."""
        calendar = company.resource_calendar_id
        weekdays = {int(a.dayofweek) for a in calendar.attendance_ids} if calendar else set()
        weekdays = weekdays or {0, 1, 2, 3, 4}
        dates, day = [], start
        while len(dates) < count:
            if day.weekday() in weekdays:
                dates.append(day)
            day += timedelta(days=1)
        return dates

    def _segment_frequencies(self):
        """Per quant: the counts per year of its plan's segment (0 without one)."""
        plans = self._cycle_count_plans()
        return [
            (
                plans.get((q.product_id.id, q.location_id.warehouse_id.id))
                or self.env["stock.planning.profile"]
            ).segment_id.cycle_counts_per_year
            for q in self
        ]

    @api.model
    def _schedule_cycle_counts(self, companies=None, day=None):
        """Write the next count date of every quant whose product's segment sets a count
        frequency: each (product, location) is counted that many times a year, the counts
        spread evenly over the working days (engine
        :func:`invplan.execution.cycle_count_schedule`). Returns {company id: counters}."""
        day = day or fields.Date.context_today(self)
        results = {}
        for company in companies or self.env["res.company"].search([("active", "=", True)]):
            quants = self.sudo().search_fetch(
                [("company_id", "=", company.id), ("location_id.usage", "=", "internal")],
                ["product_id", "location_id", "inventory_date"],
                order="product_id, location_id, id",
            )
            frequency = quants._segment_frequencies()
            items, per_year, last = {}, [], []
            for quant, freq in zip(quants, frequency, strict=True):
                if freq <= 0:
                    continue
                key = (quant.product_id.id, quant.location_id.id)
                if key not in items:
                    items[key] = quant
                    per_year.append(float(freq))
                    last_date = quant.location_id.last_inventory_date
                    last.append((day - last_date).days if last_date else np.nan)
                else:
                    items[key] |= quant
            if not items:
                results[company.id] = {"pairs": 0, "failed": 0, "changed": 0}
                continue
            schedule = execution.cycle_count_schedule(
                np.array(per_year),
                WORKING_DAYS,
                start_day=0,
                last_counted_days_ago=np.array(last, dtype=float),
            )
            horizon = int(max(schedule.next_day.max(), 0)) + 1
            dates = self._working_dates(company, day, horizon)
            changed = 0
            for (_key, group), next_day in zip(items.items(), schedule.next_day, strict=True):
                if next_day < 0:
                    continue
                target = dates[int(next_day)]
                to_write = group.filtered(lambda q, t=target: q.inventory_date != t)
                if to_write:
                    to_write.write({"inventory_date": target})
                    changed += len(to_write)
            results[company.id] = {"pairs": len(items), "failed": 0, "changed": changed}
        return results

    def _apply_inventory(self, date=None):
        """Record each count's accuracy, then give the counted products of a segment with
        a count frequency their next count date one interval later."""
        rows = [
            (quant, quant.quantity, quant.inventory_quantity)
            for quant in self
            if quant.inventory_quantity_set and quant.location_id.usage == "internal"
        ]
        result = super()._apply_inventory(date=date)
        self.env["stock.count.result"]._record_counts(rows)
        counted = self.filtered(lambda q: q.exists())
        frequency = counted._segment_frequencies()
        today = fields.Date.context_today(self)
        scheduled = [(q, f) for q, f in zip(counted, frequency, strict=True) if f > 0]
        if scheduled:
            schedule = execution.cycle_count_schedule(
                np.array([float(f) for _q, f in scheduled]), WORKING_DAYS
            )
            for (quant, _freq), interval in zip(scheduled, schedule.interval, strict=True):
                steps = max(int(interval), 1)
                quant.sudo().inventory_date = self._working_dates(
                    quant.company_id or self.env.company, today + timedelta(days=1), steps
                )[-1]
        return result

    # ------------------------------------------------------------------ demo
    @api.model
    def _load_demo_counts(self, warehouse_ref, limit=3):
        """Count ``limit`` quants of planned products in the warehouse's stock (one per
        segment, the counted quantity as found, so the demo stock does not change) with
        Physical Inventory's "Apply", then take the execution KPI snapshot of the
        warehouse's company."""
        warehouse = self.env.ref(warehouse_ref)
        plans = self.env["stock.planning.profile"].search(
            [("warehouse_id", "=", warehouse.id), ("segment_id", "!=", False)], order="id"
        )
        quants = self.search(
            [
                ("location_id", "child_of", warehouse.lot_stock_id.id),
                ("product_id", "in", plans.product_id.ids),
                ("quantity", ">", 0),
            ],
            order="id",
        )
        segment_of = {plan.product_id.id: plan.segment_id for plan in plans}
        counted, seen = self.browse(), set()
        for quant in quants:
            segment = segment_of[quant.product_id.id]
            if segment.id not in seen and len(counted) < limit:
                seen.add(segment.id)
                counted |= quant
        for quant in counted:
            quant.inventory_quantity = quant.quantity
        counted.action_apply_inventory()
        self.env["stock.execution.kpi"]._run_kpi(companies=warehouse.company_id)
