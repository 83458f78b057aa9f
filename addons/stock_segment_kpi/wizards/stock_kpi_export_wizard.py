import base64
import io
from collections import defaultdict

import xlsxwriter
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

# One sheet per KPI family: (sheet name, title, [(field, header, format key)], chart).
# The chart of a family (a trend by month and a bar per segment) shows one KPI aggregated
# the way it adds up: (field, header, how) where how is "sum" for money and quantities,
# ("pooled", numerator, denominator, scale) for a ratio (the ratio of the summed figures,
# e.g. fill rate = quantity shipped on time / quantity promised) or "avg" for a figure
# that only averages (the mean of the rows that have a value). Ranks, biases and other
# figures that neither add up nor average are not charted.
# Every text cell is written as text: a name starting with "=" must never become a live
# formula (or a link) in the workbook of whoever opens it.
WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}

SHEETS = [
    (
        "Inventory",
        "Inventory value, turns and days of supply (at product cost)",
        [
            ("avg_inventory_qty", "Average stock qty", "qty"),
            ("avg_inventory_value", "Average inventory value", "money"),
            ("end_inventory_value", "Closing inventory value", "money"),
            ("cogs_value", "Cost of goods issued", "money"),
            ("turns", "Turns", "ratio"),
            ("days_of_supply", "Days of supply", "ratio"),
            ("pair_count", "Products in the figures", "int"),
            # Quarantined plans are left out of every figure: the controller sees how many.
            ("quarantined_count", "Quarantined plans (left out)", "int"),
        ],
        ("avg_inventory_value", "Average inventory value", "sum"),
    ),
    (
        "Service",
        "Fill rates, stockouts and service against target",
        [
            ("lines_total", "Delivery lines", "int"),
            ("line_fill_rate", "Line fill rate", "pct"),
            ("qty_fill_rate", "Quantity fill rate", "pct"),
            ("stockout_rate", "Stockout rate", "pct"),
            ("backorder_qty", "Backorder qty", "qty"),
            ("service_target", "Service target", "pct"),
            ("service_achieved", "Service achieved", "pct"),
            ("service_status", "Status", "text"),
        ],
        (
            "qty_fill_rate",
            "Quantity fill rate",
            ("pooled", "shipped_on_time_qty", "ordered_qty", 100.0),
        ),
    ),
    (
        "Forecast",
        "Forecast accuracy",
        [("wape", "WAPE", "pct"), ("forecast_bias", "Bias (mean error)", "qty")],
        ("wape", "WAPE", "avg"),
    ),
    (
        "Working capital",
        "Excess, slow-moving and obsolete stock; working-capital effect of applied reorder-rule "
        "changes",
        [
            ("excess_value", "Excess value (above max)", "money"),
            ("wc_effect_value", "Working capital effect", "money"),
            ("slow_moving_value", "Slow-moving value", "money"),
            ("obsolete_value", "Obsolete value", "money"),
        ],
        ("excess_value", "Excess value (above max)", "sum"),
    ),
    (
        "Benchmark",
        "Ranking of warehouses (fill rate within a segment) and segments (turns within a "
        "warehouse)",
        [
            ("qty_fill_rate", "Quantity fill rate", "pct"),
            ("rank_fill_rate", "Fill rate rank", "int"),
            ("turns", "Turns", "ratio"),
            ("rank_turns", "Turns rank", "int"),
        ],
        ("turns", "Turns", ("pooled", "cogs_value", "avg_inventory_value", 1.0)),
    ),
]
KEY_HEADERS = ["Month", "Company", "Warehouse", "Segment"]


class StockKpiExportWizard(models.TransientModel):
    _name = "stock.kpi.export.wizard"
    _description = "Inventory KPI Workbook Export"

    date_from = fields.Date(
        required=True, default=lambda self: fields.Date.context_today(self).replace(day=1)
    )
    date_to = fields.Date(required=True, default=fields.Date.context_today)
    company_ids = fields.Many2many(
        "res.company", string="Companies", default=lambda self: self.env.companies
    )
    warehouse_ids = fields.Many2many(
        "stock.warehouse", string="Warehouses", help="Empty: every warehouse."
    )
    segment_ids = fields.Many2many("stock.segment", string="Segments", help="Empty: every segment.")
    file_data = fields.Binary("Workbook", readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    @api.constrains("company_ids", "warehouse_ids", "segment_ids")
    def _check_allowed_companies(self):
        """Only the companies the user works in: companies, warehouses and segments of
        another company are refused with a clear error (the record rules would only
        return an empty workbook)."""
        # Constraints run as superuser: check for the user who made the change.
        if self.env(su=False).su:
            return
        allowed = self.env.user.company_ids
        for wizard in self.sudo():
            foreign = (
                (wizard.company_ids - allowed).mapped("name")
                + wizard.warehouse_ids.filtered(lambda w: w.company_id not in allowed).mapped(
                    "name"
                )
                + wizard.segment_ids.filtered(
                    lambda s: s.company_id and s.company_id not in allowed
                ).mapped("name")
            )
            if foreign:
                raise AccessError(
                    self.env._(
                        "You can only export the KPIs of your own companies; not allowed: %s.",
                        ", ".join(foreign),
                    )
                )

    def _snapshot_domain(self):
        self.ensure_one()
        domain = [
            ("period_type", "=", "month"),
            ("level", "=", "segment"),
            ("date_from", ">=", self.date_from.replace(day=1)),
            ("date_from", "<=", self.date_to),
            ("company_id", "in", (self.company_ids or self.env.companies).ids),
        ]
        if self.warehouse_ids:
            domain.append(("warehouse_id", "in", self.warehouse_ids.ids))
        if self.segment_ids:
            domain.append(("segment_id", "in", self.segment_ids.ids))
        return domain

    def action_export(self):
        self.ensure_one()
        if self.date_from > self.date_to:
            raise UserError(self.env._("The period starts after it ends."))
        self._check_allowed_companies()
        rows = self.env["stock.kpi.snapshot"].search(
            self._snapshot_domain(), order="date_from, company_id, warehouse_id, segment_id"
        )
        self.write(
            {
                "file_data": base64.b64encode(self._build_workbook(rows)),
                "file_name": f"inventory_kpis_{self.date_from}_{self.date_to}.xlsx",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file_data/{self.file_name}?download=true",
            "target": "self",
        }

    @api.model
    def _build_workbook(self, rows):
        """XLSX bytes: a summary by segment and one sheet per KPI family, with a trend line
        chart per month and a bar chart per segment, frozen headers and number formats."""
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
        fmt = {
            "title": book.add_format({"bold": True, "font_size": 14}),
            "head": book.add_format(
                {"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True}
            ),
            "text": book.add_format({}),
            "date": book.add_format({"num_format": "yyyy-mm"}),
            "money": book.add_format({"num_format": "#,##0.00"}),
            "qty": book.add_format({"num_format": "#,##0.00"}),
            "int": book.add_format({"num_format": "0"}),
            "ratio": book.add_format({"num_format": "0.00"}),
            "pct": book.add_format({"num_format": "0.0"}),
            "green": book.add_format({"bg_color": "#C6EFCE"}),
            "amber": book.add_format({"bg_color": "#FFEB9C"}),
            "red": book.add_format({"bg_color": "#FFC7CE"}),
            "none": book.add_format({"font_color": "#808080"}),
            "na": book.add_format({"font_color": "#808080", "align": "right"}),
        }
        status_labels = dict(rows._fields["service_status"]._description_selection(self.env))
        undefined = rows._undefined_figures()
        for sheet_name, title, columns, chart in SHEETS:
            sheet = book.add_worksheet(sheet_name)
            sheet.write_string(0, 0, title, fmt["title"])
            headers = KEY_HEADERS + [h for _f, h, _k in columns]
            for c, head in enumerate(headers):
                sheet.write_string(2, c, head, fmt["head"])
            sheet.set_column(0, 0, 10)
            sheet.set_column(1, 3, 22)
            sheet.set_column(4, len(headers) - 1, 16)
            sheet.freeze_panes(3, 4)
            for r, row in enumerate(rows, start=3):
                sheet.write_datetime(r, 0, fields.Datetime.to_datetime(row.date_from), fmt["date"])
                sheet.write_string(r, 1, row.company_id.name or "")
                sheet.write_string(r, 2, row.warehouse_id.name or "")
                sheet.write_string(r, 3, row.segment_id.display_name or "")
                for c, (fname, _head, kind) in enumerate(columns, start=4):
                    value = row[fname]
                    if fname in undefined.get(row.id, ()):
                        # No value (no demand, no delivery line): said so, never a 0.
                        sheet.write_string(r, c, undefined[row.id][fname], fmt["na"])
                    elif fname == "service_status":
                        sheet.write_string(
                            r, c, status_labels.get(value, ""), fmt.get(value, fmt["text"])
                        )
                    else:
                        sheet.write_number(r, c, float(value or 0.0), fmt[kind])
            if rows:
                sheet.autofilter(2, 0, 2 + len(rows), len(headers) - 1)
            self._add_charts(book, sheet, sheet_name, rows, columns, chart, undefined, fmt)
        book.close()
        return buffer.getvalue()

    @api.model
    def _chart_value(self, rows, how, fname, undefined):
        """One point of a chart: ``rows`` aggregated as ``how`` (see SHEETS); None when no
        row has a value."""
        if how == "sum":
            return sum(row[fname] or 0.0 for row in rows)
        if how == "avg":
            values = [row[fname] for row in rows if fname not in undefined.get(row.id, ())]
            return sum(values) / len(values) if values else None
        _pooled, num, den, scale = how
        total = sum(row[den] or 0.0 for row in rows)
        if total <= 0:
            return None
        return scale * sum(row[num] or 0.0 for row in rows) / total

    def _add_charts(self, book, sheet, sheet_name, rows, columns, chart, undefined, fmt):
        """Trend of the family's charted KPI by month (line) and its value per segment in
        the last month (bars), from helper tables written to the right of the data; the KPI
        is summed, pooled or averaged as SHEETS says, never a sum of rates or ranks."""
        if not rows or not chart:
            return
        fname, head, how = chart
        col0 = len(KEY_HEADERS) + len(columns) + 2
        by_month = defaultdict(lambda: rows.browse())
        by_segment = defaultdict(lambda: rows.browse())
        last_month = max(rows.mapped("date_from"))
        for row in rows:
            by_month[row.date_from] |= row
            if row.date_from == last_month:
                by_segment[row.segment_id.display_name or "-"] |= row
        if how == "sum":
            label = self.env._("%s (total)", head)
        elif how == "avg":
            label = self.env._("%s (average)", head)
        else:
            label = self.env._("%s (pooled)", head)
        number_format = fmt["money"] if how == "sum" else fmt["pct"]

        def write_table(col, title, keys, groups):
            sheet.write_string(2, col, title, fmt["head"])
            sheet.write_string(2, col + 1, label, fmt["head"])
            for i, key in enumerate(keys, start=3):
                sheet.write_string(i, col, key)
                value = self._chart_value(groups[key], how, fname, undefined)
                if value is None:
                    sheet.write_string(i, col + 1, self.env._("no data"), fmt["na"])
                else:
                    sheet.write_number(i, col + 1, value, number_format)

        months = sorted(by_month)
        write_table(
            col0,
            self.env._("Month"),
            [m.strftime("%Y-%m") for m in months],
            {m.strftime("%Y-%m"): by_month[m] for m in months},
        )
        line = book.add_chart({"type": "line"})
        line.add_series(
            {
                "name": label,
                "categories": [sheet_name, 3, col0, 2 + len(months), col0],
                "values": [sheet_name, 3, col0 + 1, 2 + len(months), col0 + 1],
                "marker": {"type": "circle"},
            }
        )
        line.set_title({"name": self.env._("%s by month", label)})
        line.set_legend({"none": True})
        sheet.insert_chart(3 + len(rows) + 2, 0, line, {"x_scale": 1.3})

        seg_col = col0 + 3
        segments = sorted(by_segment)
        write_table(seg_col, self.env._("Segment"), segments, by_segment)
        bars = book.add_chart({"type": "column"})
        bars.add_series(
            {
                "name": label,
                "categories": [sheet_name, 3, seg_col, 2 + len(segments), seg_col],
                "values": [sheet_name, 3, seg_col + 1, 2 + len(segments), seg_col + 1],
            }
        )
        bars.set_title(
            {
                "name": self.env._(
                    "%(kpi)s by segment, %(month)s", kpi=label, month=f"{last_month:%Y-%m}"
                )
            }
        )
        bars.set_legend({"none": True})
        sheet.insert_chart(3 + len(rows) + 2, 8, bars, {"x_scale": 1.3})
