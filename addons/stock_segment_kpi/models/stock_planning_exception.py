from odoo import fields, models

KPI_EXCEPTION_TYPES = [("kpi_control", "KPI out of statistical control")]
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
        "Control Rules",
        readonly=True,
        help="Codes of the Western Electric rules that fired on the last point: "
        "beyond_3_sigma (one point beyond the 3-sigma limits), two_of_three_2_sigma, "
        "four_of_five_1_sigma, eight_same_side (eight points in a row on one side of the "
        "center line).",
    )
    kpi_center = fields.Float("Center Line", readonly=True, digits=(16, 4))
    kpi_ucl = fields.Float("Upper Control Limit", readonly=True, digits=(16, 4))
    kpi_lcl = fields.Float("Lower Control Limit", readonly=True, digits=(16, 4))
    kpi_value = fields.Float("Last Value", readonly=True, digits=(16, 4))
    kpi_date = fields.Date("Day Checked", readonly=True)

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
