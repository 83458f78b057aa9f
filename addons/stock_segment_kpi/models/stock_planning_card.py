"""Overview cards of the KPIs: service by segment and stock value."""

from datetime import timedelta

from odoo import fields, models
from odoo.tools import SQL

# A stock value change over 30 days beyond this share (up) asks for a look.
STOCK_VALUE_WARNING_RISE = 10.0


class StockPlanningCard(models.Model):
    _inherit = "stock.planning.card"

    kind = fields.Selection(
        selection_add=[
            ("kpi_service", "Service by segment"),
            ("kpi_stock_value", "Stock value"),
        ],
        ondelete={"kpi_service": "cascade", "kpi_stock_value": "cascade"},
    )

    # --- service by segment -----------------------------------------------------------

    def _kpi_latest_month(self):
        """Start of the latest month snapshotted for the current company (or False)."""
        latest = self.env["stock.kpi.snapshot"].search(
            [
                ("company_id", "=", self.env.company.id),
                ("period_type", "=", "month"),
                ("level", "=", "segment"),
            ],
            order="date_from desc",
            limit=1,
        )
        return latest.date_from

    def _card_kpi_service(self):
        """Segments on target out of the segments with service data, latest snapshot."""
        month = self._kpi_latest_month()
        if not month:
            return {
                "count": 0,
                "detail": self.env._("No KPI snapshot yet"),
                "state": "warning",
            }
        groups = self.env["stock.kpi.snapshot"]._read_group(
            [
                ("company_id", "=", self.env.company.id),
                ("period_type", "=", "month"),
                ("level", "=", "segment"),
                ("date_from", "=", month),
                ("service_status", "in", ["green", "amber", "red"]),
            ],
            ["service_status"],
            ["__count"],
        )
        counts = dict(groups)
        total = sum(counts.values())
        on_target = counts.get("green", 0)
        if not total:
            return {
                "count": 0,
                "detail": self.env._("No segment with service data in %s", f"{month:%Y-%m}"),
                "state": "ok",
            }
        state = "ok"
        if counts.get("red"):
            state = "danger"
        elif on_target < total:
            state = "warning"
        return {
            "count": on_target,
            "detail": self.env._(
                "%(ok)s of %(total)s segments on target (%(month)s)",
                ok=on_target,
                total=total,
                month=f"{month:%Y-%m}",
            ),
            "state": state,
        }

    def _card_action_kpi_service(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_segment_kpi.action_stock_kpi_scorecard"
        )
        month = self._kpi_latest_month()
        action["domain"] = [("date_from", "=", month)] if month else []
        action["context"] = {"search_default_month": 1, "search_default_segment_level": 1}
        return action

    # --- stock value ------------------------------------------------------------------

    def _kpi_stock_values(self):
        """(latest day, its total stock value, the day 30 days before or the nearest
        earlier one, its value, products in the latest figure) from the day rows of the current company, in one query."""
        self.env["stock.kpi.snapshot"].flush_model()
        self.env.cr.execute(
            SQL(
                """
            WITH day_rows AS (
                SELECT date_from, SUM(end_inventory_value) AS value, SUM(pair_count) AS products
                  FROM stock_kpi_snapshot
                 WHERE company_id = %(company)s AND period_type = 'day' AND level = 'segment'
              GROUP BY date_from
            ), latest AS (SELECT MAX(date_from) AS day FROM day_rows)
            SELECT l.day, cur.value, prev.date_from, prev.value, cur.products
              FROM latest l
              JOIN day_rows cur ON cur.date_from = l.day
              LEFT JOIN LATERAL (
                    SELECT date_from, value FROM day_rows
                     WHERE date_from <= l.day - 30
                  ORDER BY date_from DESC LIMIT 1
              ) prev ON TRUE
            """,
                company=self.env.company.id,
            )
        )
        row = self.env.cr.fetchone()
        return row or (False, 0.0, False, 0.0, 0)

    def _card_kpi_stock_value(self):
        """Latest total inventory value (cost) and its change over 30 days; the count is
        the products in the figure."""
        day, value, before_day, before, products = self._kpi_stock_values()
        if not day:
            return {
                "count": 0,
                "amount": None,
                "detail": self.env._("No KPI snapshot yet"),
                "state": "warning",
            }
        value = float(value or 0.0)
        state = "ok"
        if not before_day or not before:
            detail = self.env._("No stock value 30 days earlier to compare (%s)", day)
        else:
            change = 100.0 * (value - float(before)) / float(before)
            detail = self.env._(
                "%(change)s over 30 days (%(day)s)",
                change=f"{change:+.1f} %",
                day=day,
            )
            if change > STOCK_VALUE_WARNING_RISE:
                state = "warning"
        return {"count": products or 0, "amount": value, "detail": detail, "state": state}

    def _card_action_kpi_stock_value(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_segment_kpi.action_stock_kpi_value_trend"
        )
        day = self._kpi_stock_values()[0]
        if day:
            action["domain"] = [("date_from", ">", day - timedelta(days=90))]
        return action
