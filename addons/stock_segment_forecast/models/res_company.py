from odoo import fields, models

DEMAND_SOURCES = [
    ("order", "Confirmed sale orders (commitment or order date)"),
    ("delivery", "Done customer deliveries net of returns"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    forecast_demand_source = fields.Selection(
        DEMAND_SOURCES,
        "Demand Source",
        required=True,
        default="delivery",
        help="Sale orders give the true demand, including what could not be shipped; "
        "deliveries give what left the warehouse, net of customer returns.",
    )
    forecast_include_consumption = fields.Boolean(
        "Include Manufacturing Consumption",
        default=True,
        help="Components consumed by manufacturing orders count as demand of the "
        "warehouse they are taken from.",
    )
    forecast_include_transfers = fields.Boolean(
        "Include Inter-warehouse Transfers",
        default=True,
        help="Goods sent to another warehouse count as demand of the supplying warehouse "
        "(they are never customer demand of the receiving one).",
    )
