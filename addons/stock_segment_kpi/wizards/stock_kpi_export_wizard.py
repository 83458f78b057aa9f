import base64
import io
from collections import defaultdict

import xlsxwriter
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

# One sheet per KPI family: (sheet name, title, [(field, header, format key)]).
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
    ),
    (
        "Forecast",
        "Forecast accuracy",
        [("wape", "WAPE", "pct"), ("forecast_bias", "Bias (mean error)", "qty")],
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
        }
        status_labels = dict(rows._fields["service_status"]._description_selection(self.env))
        for sheet_name, title, columns in SHEETS:
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
                    if fname == "service_status":
                        sheet.write_string(
                            r, c, status_labels.get(value, ""), fmt.get(value, fmt["text"])
                        )
                    else:
                        sheet.write_number(r, c, float(value or 0.0), fmt[kind])
            if rows:
                sheet.autofilter(2, 0, 2 + len(rows), len(headers) - 1)
            self._add_charts(book, sheet, sheet_name, rows, columns, fmt["head"])
        book.close()
        return buffer.getvalue()

    def _add_charts(self, book, sheet, sheet_name, rows, columns, head_fmt):
        """Trend of the family's first KPI by month (line) and its value per segment in the
        last month (bars), from helper tables written to the right of the data."""
        if not rows:
            return
        fname, head, kind = columns[1] if len(columns) > 1 else columns[0]
        col0 = len(KEY_HEADERS) + len(columns) + 2
        by_month = defaultdict(list)
        by_segment = defaultdict(list)
        last_month = max(rows.mapped("date_from"))
        for row in rows:
            by_month[row.date_from].append(row[fname] or 0.0)
            if row.date_from == last_month:
                by_segment[row.segment_id.display_name or "-"].append(row[fname] or 0.0)

        def agg(values):
            # Money and quantities add up over segments; rates and ratios are averaged.
            return sum(values) if kind in ("money", "qty", "int") else sum(values) / len(values)

        sheet.write_string(2, col0, "Month", head_fmt)
        sheet.write_string(2, col0 + 1, head, head_fmt)
        months = sorted(by_month)
        for i, month in enumerate(months, start=3):
            sheet.write_string(i, col0, month.strftime("%Y-%m"))
            sheet.write_number(i, col0 + 1, agg(by_month[month]))
        line = book.add_chart({"type": "line"})
        line.add_series(
            {
                "name": head,
                "categories": [sheet_name, 3, col0, 2 + len(months), col0],
                "values": [sheet_name, 3, col0 + 1, 2 + len(months), col0 + 1],
                "marker": {"type": "circle"},
            }
        )
        line.set_title({"name": f"{head} by month"})
        line.set_legend({"none": True})
        sheet.insert_chart(3 + len(rows) + 2, 0, line, {"x_scale": 1.3})

        seg_col = col0 + 3
        sheet.write_string(2, seg_col, "Segment", head_fmt)
        sheet.write_string(2, seg_col + 1, head, head_fmt)
        segments = sorted(by_segment)
        for i, seg in enumerate(segments, start=3):
            sheet.write_string(i, seg_col, seg)
            sheet.write_number(i, seg_col + 1, agg(by_segment[seg]))
        bars = book.add_chart({"type": "column"})
        bars.add_series(
            {
                "name": head,
                "categories": [sheet_name, 3, seg_col, 2 + len(segments), seg_col],
                "values": [sheet_name, 3, seg_col + 1, 2 + len(segments), seg_col + 1],
            }
        )
        bars.set_title({"name": f"{head} by segment, {last_month:%Y-%m}"})
        bars.set_legend({"none": True})
        sheet.insert_chart(3 + len(rows) + 2, 8, bars, {"x_scale": 1.3})
