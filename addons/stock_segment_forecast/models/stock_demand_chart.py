from odoo import fields, models, tools
from odoo.tools import SQL

SERIES = [
    ("history", "Demand history"),
    ("censored", "Censored (stockout)"),
    ("event", "Event"),
    ("statistical", "Statistical forecast"),
    ("override", "Override"),
    ("final", "Final forecast"),
    ("actual", "Actual vs frozen forecast"),
    ("frozen", "Frozen forecast (closed buckets)"),
]


class StockDemandChart(models.Model):
    """History, forecast, overrides and events of the plans as one series per kind,
    for the graph on the plan (read only, a database view).

    A series has a row only where it has a value (the graph draws a gap elsewhere):
    history over the history buckets, its censored and event buckets again as their own
    series, the statistical, override and final forecast over the open buckets only, the
    final forecast starting at the last history bucket (so it continues the history),
    events over the open buckets they cover, and the closed buckets' actual demand and
    frozen forecast for the accuracy comparison."""

    _name = "stock.demand.chart"
    _description = "Demand and Forecast Chart"
    _auto = False
    _order = "date"

    profile_id = fields.Many2one("stock.planning.profile", "Plan", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    segment_id = fields.Many2one("stock.segment", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    date = fields.Date(readonly=True)
    series = fields.Selection(SERIES, readonly=True)
    quantity = fields.Float(readonly=True, digits="Product Unit")

    def init(self):
        # The view reads columns other models of this module add: create them first.
        for model, column in (
            ("stock.planning.profile", "demand_history_flags"),
            ("stock.demand.forecast", "value_added_qty"),
            ("stock.demand.event", "exclude_from_baseline"),
        ):
            if not tools.sql.column_exists(self.env.cr, self.env[model]._table, column):
                self.env[model]._auto_init()
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %s AS (
            WITH hist AS (
                SELECT p.id AS profile_id, p.product_id, p.warehouse_id, p.segment_id,
                       p.company_id,
                       (p.demand_history_start + (h.ord - 1) * CASE p.demand_history_bucket
                            WHEN 'day' THEN interval '1 day'
                            WHEN 'month' THEN interval '1 month'
                            ELSE interval '1 week' END)::date AS date,
                       COALESCE((p.demand_history_flags ->> (h.ord - 1)::int)::int, 0) AS flag,
                       h.qty::float8 AS quantity,
                       h.ord = jsonb_array_length(p.demand_history) AS is_last
                  FROM stock_planning_profile p
                 CROSS JOIN LATERAL jsonb_array_elements_text(p.demand_history)
                       WITH ORDINALITY AS h(qty, ord)
                 WHERE p.demand_history IS NOT NULL
                   AND jsonb_typeof(p.demand_history) = 'array'
            ), open_lines AS (
                SELECT f.* FROM stock_demand_forecast f WHERE f.state <> 'closed'
            )
            SELECT row_number() OVER (ORDER BY u.profile_id, u.date, u.series) AS id, u.*
              FROM (
                SELECT profile_id, product_id, warehouse_id, segment_id, company_id, date,
                       'history' AS series, quantity
                  FROM hist
                UNION ALL
                SELECT profile_id, product_id, warehouse_id, segment_id, company_id, date,
                       CASE flag WHEN 1 THEN 'censored' ELSE 'event' END, quantity
                  FROM hist
                 WHERE flag <> 0
                UNION ALL
                -- The final forecast starts where the history ends.
                SELECT h.profile_id, h.product_id, h.warehouse_id, h.segment_id, h.company_id,
                       h.date, 'final', h.quantity
                  FROM hist h
                 WHERE h.is_last
                   AND EXISTS (SELECT 1 FROM open_lines o
                                WHERE o.profile_id = h.profile_id AND o.date_start > h.date)
                UNION ALL
                SELECT f.profile_id, f.product_id, f.warehouse_id, f.segment_id, f.company_id,
                       f.date_start, s.series,
                       CASE s.series WHEN 'statistical' THEN f.statistical_qty
                                     WHEN 'override' THEN f.override_qty
                                     ELSE f.final_qty END
                  FROM open_lines f
                 CROSS JOIN (VALUES ('statistical'), ('override'), ('final')) AS s(series)
                 WHERE s.series <> 'override' OR f.has_override
                UNION ALL
                -- Known events over the open buckets: a point on the final forecast.
                SELECT f.profile_id, f.product_id, f.warehouse_id, f.segment_id, f.company_id,
                       f.date_start, 'event', f.final_qty
                  FROM open_lines f
                  JOIN product_product pp ON pp.id = f.product_id
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                  LEFT JOIN product_category pc ON pc.id = pt.categ_id
                 WHERE EXISTS (
                        SELECT 1
                          FROM stock_demand_event e
                          LEFT JOIN product_category ec ON ec.id = e.categ_id
                         WHERE e.active
                           AND e.company_id = f.company_id
                           AND (e.product_id IS NULL OR e.product_id = f.product_id)
                           AND (e.warehouse_id IS NULL OR e.warehouse_id = f.warehouse_id)
                           AND (e.categ_id IS NULL
                                OR pc.parent_path LIKE ec.parent_path || '%%')
                           AND e.date_from < f.date_end
                           AND e.date_to >= f.date_start)
                UNION ALL
                SELECT f.profile_id, f.product_id, f.warehouse_id, f.segment_id, f.company_id,
                       f.date_start, s.series,
                       CASE s.series WHEN 'actual' THEN f.actual_qty ELSE f.final_qty END
                  FROM stock_demand_forecast f
                 CROSS JOIN (VALUES ('actual'), ('frozen')) AS s(series)
                 WHERE f.state = 'closed'
              ) u
            )
            """,
                SQL.identifier(self._table),
            )
        )
