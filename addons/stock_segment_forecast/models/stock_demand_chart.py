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
]


class StockDemandChart(models.Model):
    """History, forecast, overrides and events of the plans as one series per kind,
    for the graph on the plan (read only, a database view)."""

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
        ):
            if not tools.sql.column_exists(self.env.cr, self.env[model]._table, column):
                self.env[model]._auto_init()
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %s AS (
            SELECT row_number() OVER (ORDER BY u.profile_id, u.date, u.series) AS id, u.*
              FROM (
                SELECT p.id AS profile_id, p.product_id, p.warehouse_id, p.segment_id,
                       p.company_id,
                       (p.demand_history_start + (h.ord - 1) * CASE p.demand_history_bucket
                            WHEN 'day' THEN interval '1 day'
                            WHEN 'month' THEN interval '1 month'
                            ELSE interval '1 week' END)::date AS date,
                       CASE COALESCE((p.demand_history_flags ->> (h.ord - 1)::int)::int, 0)
                            WHEN 0 THEN 'history'
                            WHEN 1 THEN 'censored'
                            ELSE 'event' END AS series,
                       h.qty::float8 AS quantity
                  FROM stock_planning_profile p
                 CROSS JOIN LATERAL jsonb_array_elements_text(p.demand_history)
                       WITH ORDINALITY AS h(qty, ord)
                 WHERE p.demand_history IS NOT NULL
                   AND jsonb_typeof(p.demand_history) = 'array'
                UNION ALL
                SELECT f.profile_id, f.product_id, f.warehouse_id, f.segment_id, f.company_id,
                       f.date_start, s.series,
                       CASE s.series WHEN 'statistical' THEN f.statistical_qty
                                     WHEN 'override' THEN f.override_qty
                                     WHEN 'actual' THEN f.actual_qty
                                     ELSE f.final_qty END
                  FROM stock_demand_forecast f
                 CROSS JOIN (VALUES ('statistical'), ('override'), ('final'), ('actual'))
                       AS s(series)
                 WHERE (s.series <> 'override' OR f.has_override)
                   AND (s.series <> 'actual' OR f.state = 'closed')
              ) u
            )
            """,
                SQL.identifier(self._table),
            )
        )
