from odoo import api, fields, models

KPI_EXCEPTION_TYPES = [("kpi_control", "KPI outside its usual range")]
KPI_METRICS = [
    ("stockout_rate", "Stockout rate"),
    ("avg_inventory_value", "Inventory value"),
    ("qty_fill_rate", "Quantity fill rate"),
]


class StockPlanningException(models.Model):
    _inherit = "stock.planning.exception"

    exception_type = fields.Selection(
        selection_add=KPI_EXCEPTION_TYPES,
        ondelete={key: "cascade" for key, _label in KPI_EXCEPTION_TYPES},
    )
    kpi_metric = fields.Selection(
        KPI_METRICS,
        "Controlled KPI",
        readonly=True,
        help="Daily KPI of the segment x warehouse whose control chart raised the alert.",
    )
    kpi_rules = fields.Char(
        "Why It Is Flagged",
        readonly=True,
        help="The control-chart rules that fired on the last day, in words: beyond the "
        "control limits (3 sigma), far from the usual level on 2 of the last 3 days (2 "
        "sigma), off the usual level on 4 of the last 5 days (1 sigma), on one side of the "
        "average for 8 days in a row (Western Electric rules).",
    )
    kpi_center = fields.Float(
        "Usual Level", readonly=True, digits=(16, 4), help="Center line: the window's mean."
    )
    kpi_ucl = fields.Float(
        "Usual Range Top", readonly=True, digits=(16, 4), help="Upper control limit (3 sigma)."
    )
    kpi_lcl = fields.Float(
        "Usual Range Bottom",
        readonly=True,
        digits=(16, 4),
        help="Lower control limit (3 sigma), never below 0: the measures are not negative.",
    )
    kpi_value = fields.Float("Last Value", readonly=True, digits=(16, 4))
    kpi_date = fields.Date("Day Checked", readonly=True)

    @api.depends("exception_type", "product_id", "warehouse_id", "kpi_metric", "segment_id")
    def _compute_name(self):
        """A KPI alert is named after the KPI and the segment x warehouse it watches."""
        kpi = self.filtered(lambda e: e.exception_type == "kpi_control" and e.kpi_metric)
        result = super(StockPlanningException, self - kpi)._compute_name()
        labels = dict(self._fields["kpi_metric"]._description_selection(self.env))
        for exc in kpi:
            parts = [
                self.env._("%s outside its usual range", labels.get(exc.kpi_metric)),
                exc.segment_id.display_name,
                exc.warehouse_id.code,
            ]
            exc.name = " - ".join(p for p in parts if p)
        return result

    def _job_owned_fields(self):
        return super()._job_owned_fields() | {
            "kpi_metric",
            "kpi_rules",
            "kpi_center",
            "kpi_ucl",
            "kpi_lcl",
            "kpi_value",
            "kpi_date",
        }
