from odoo import fields, models


class StockSegment(models.Model):
    _inherit = "stock.segment"

    cycle_counts_per_year = fields.Integer(
        "Cycle Counts per Year",
        default=0,
        help="How many times a year each product of the segment is counted in each "
        "location (e.g. 12 for A, 4 for B, 1 for C). The counts are spread evenly over the "
        "working days and written as the quants' scheduled count date. 0: the segment "
        "leaves the count dates to Odoo (the location's inventory frequency).",
    )
    count_abs_tolerance = fields.Float(
        "Count Tolerance (units)",
        default=0.0,
        help="A count within this many units of the record is accurate.",
    )
    count_pct_tolerance = fields.Float(
        "Count Tolerance (%)",
        default=0.0,
        help="A count within this share of the recorded quantity is accurate (the larger "
        "of the two tolerances applies).",
    )
    record_accuracy_target = fields.Float(
        "Record Accuracy Target (%)",
        default=95.0,
        help="Share of counts within tolerance expected over the last 13 weeks; below it "
        "the nightly run raises an exception.",
    )

    _cycle_counts_positive = models.Constraint(
        "CHECK (cycle_counts_per_year >= 0)",
        "The number of cycle counts per year cannot be negative.",
    )
    _count_tolerances_positive = models.Constraint(
        "CHECK (count_abs_tolerance >= 0 AND count_pct_tolerance >= 0)",
        "Count tolerances cannot be negative.",
    )
