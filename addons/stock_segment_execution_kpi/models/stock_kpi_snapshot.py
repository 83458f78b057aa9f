from odoo import api, fields, models


class StockKpiSnapshot(models.Model):
    """The scorecard row shows the execution KPIs of its segment: the rows by customer
    tier of the latest execution snapshot taken on or before the end of its period."""

    _inherit = "stock.kpi.snapshot"

    execution_kpi_ids = fields.Many2many(
        "stock.execution.kpi",
        string="Execution KPIs",
        compute="_compute_execution_kpi_ids",
        groups="stock_segment.group_planning_user",
        help="Execution KPIs by customer tier of this segment, from the latest execution "
        "snapshot of the company dated on or before the end of the period.",
    )
    execution_kpi_count = fields.Integer(
        "Execution Rows",
        compute="_compute_execution_kpi_ids",
        groups="stock_segment.group_planning_user",
    )

    @api.depends("company_id", "segment_id", "date_to")
    def _compute_execution_kpi_ids(self):
        Kpi = self.env["stock.execution.kpi"]
        for snapshot in self:
            rows = Kpi
            if snapshot.segment_id and snapshot.date_to:
                domain = [
                    ("company_id", "=", snapshot.company_id.id),
                    ("segment_id", "=", snapshot.segment_id.id),
                    ("date", "<=", snapshot.date_to),
                ]
                latest = Kpi.search(domain, order="date desc", limit=1)
                if latest:
                    rows = Kpi.search(domain + [("date", "=", latest.date)])
            snapshot.execution_kpi_ids = rows
            snapshot.execution_kpi_count = len(rows)

    def action_view_execution_kpis(self):
        """Button: the execution KPI rows the scorecard row shows."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock_segment_execution.action_stock_execution_kpi"
        )
        action.update(
            {
                "domain": [("id", "in", self.execution_kpi_ids.ids)],
                "view_mode": "list,pivot,graph",
                "views": [(False, "list"), (False, "pivot"), (False, "graph")],
                "context": {},
            }
        )
        return action
