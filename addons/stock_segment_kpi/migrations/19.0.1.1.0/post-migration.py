"""Rows written before: an undefined figure was stored as a number (days of supply of
1,000 x the period without issues, 0 % fill rate and "On target" without delivery lines,
0 % WAPE without a scored forecast). Empty them, flag them, and rename the KPI alerts."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE stock_kpi_snapshot
           SET no_demand = COALESCE(issued_qty, 0) <= 0,
               days_of_supply = CASE WHEN COALESCE(issued_qty, 0) <= 0
                                       OR COALESCE(cogs_value, 0) <= 0
                                     THEN NULL ELSE days_of_supply END,
               turns = CASE WHEN COALESCE(avg_inventory_value, 0) <= 0
                            THEN NULL ELSE turns END,
               rank_turns = CASE WHEN COALESCE(avg_inventory_value, 0) <= 0
                                 THEN NULL ELSE rank_turns END,
               stockout_rate = CASE WHEN COALESCE(observed_days, 0) <= 0
                                    THEN NULL ELSE stockout_rate END,
               qty_fill_rate = CASE WHEN COALESCE(lines_total, 0) <= 0
                                      OR COALESCE(ordered_qty, 0) <= 0
                                    THEN NULL ELSE qty_fill_rate END,
               line_fill_rate = CASE WHEN COALESCE(lines_total, 0) <= 0
                                     THEN NULL ELSE line_fill_rate END,
               rank_fill_rate = CASE WHEN COALESCE(lines_total, 0) <= 0
                                     THEN NULL ELSE rank_fill_rate END,
               service_achieved = CASE WHEN COALESCE(lines_total, 0) <= 0
                                       THEN NULL ELSE service_achieved END,
               service_status = CASE WHEN COALESCE(lines_total, 0) <= 0
                                          AND service_status IS NOT NULL
                                     THEN 'none' ELSE service_status END,
               forecast_scored = NOT (COALESCE(wape, 0) = 0 AND COALESCE(forecast_bias, 0) = 0),
               wape = CASE WHEN COALESCE(wape, 0) = 0 AND COALESCE(forecast_bias, 0) = 0
                           THEN NULL ELSE wape END,
               forecast_bias = CASE WHEN COALESCE(wape, 0) = 0
                                         AND COALESCE(forecast_bias, 0) = 0
                                    THEN NULL ELSE forecast_bias END
        """
    )
    env = api.Environment(cr, SUPERUSER_ID, {})
    alerts = env["stock.planning.exception"].search([("exception_type", "=", "kpi_control")])
    env.add_to_compute(alerts._fields["name"], alerts)
    alerts.flush_recordset(["name"])
