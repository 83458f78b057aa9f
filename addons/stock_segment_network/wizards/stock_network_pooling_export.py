import base64
import io

import xlsxwriter
from odoo import fields, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

# Every text cell is written as text: a name starting with "=" must never become a live
# formula (or a link) in the workbook of whoever opens it.
WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}

DETAIL = [
    (_lt("Analysed On"), "date", "text"),
    (_lt("Warehouse Pair"), "pair", "text"),
    (_lt("Product"), "product_id", "text"),
    (_lt("Segment"), "segment_id", "text"),
    (_lt("Safety Stock (local)"), "local_safety_stock", "qty"),
    (_lt("Safety Stock (pooled)"), "central_safety_stock", "qty"),
    (_lt("Safety Stock Saved"), "safety_stock_saving", "qty"),
    (_lt("Pooled / Local"), "pooling_ratio", "ratio"),
    (_lt("Safety-stock Value (local)"), "local_value", "money"),
    (_lt("Safety-stock Value (pooled)"), "central_value", "money"),
    (_lt("Holding Saving / Day"), "holding_saving", "money"),
    (_lt("Net Saving / Day"), "net_saving", "money"),
    (_lt("Recommendation"), "recommendation", "text"),
]


class StockNetworkPoolingExport(models.TransientModel):
    _name = "stock.network.pooling.export"
    _description = "Risk Pooling Export"

    file_data = fields.Binary(readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    def action_export(self):
        # The companies the user works in only (on top of the record rules).
        rows = self.env["stock.network.pooling"].search(
            [("company_id", "in", self.env.companies.ids)], order="pair, product_id"
        )
        return self._export(rows)

    def _export(self, rows):
        """One sheet of the pooling rows, one of totals per segment and warehouse pair
        (stock values, savings and the number of products recommended to pool)."""
        self.ensure_one()
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
        bold = book.add_format({"bold": True})
        formats = {
            "money": book.add_format({"num_format": "#,##0.00"}),
            "qty": book.add_format({"num_format": "#,##0.00"}),
            "ratio": book.add_format({"num_format": "0.000"}),
        }
        recommendations = dict(rows._fields["recommendation"]._description_selection(self.env))
        detail = book.add_worksheet(self.env._("Pooling"))
        for col, (label, _name, _kind) in enumerate(DETAIL):
            detail.write_string(0, col, str(label), bold)
        for r, rec in enumerate(rows, start=1):
            for col, (_label, name, kind) in enumerate(DETAIL):
                value = rec[name]
                if kind == "text":
                    if name == "recommendation":
                        text = recommendations.get(value, "")
                    elif isinstance(value, models.BaseModel):
                        text = value.display_name or ""
                    else:
                        text = str(value or "")
                    detail.write_string(r, col, text)
                elif name == "pooling_ratio" and not value:
                    detail.write_blank(r, col, None)
                else:
                    detail.write_number(r, col, float(value or 0.0), formats[kind])
        summary = book.add_worksheet(self.env._("By segment and pair"))
        groups = self.env["stock.network.pooling"]._read_group(
            [("id", "in", rows.ids)],
            ["segment_id", "pair", "recommendation"],
            ["__count", "local_value:sum", "central_value:sum", "net_saving:sum"],
        )
        totals = {}
        for segment, pair, recommendation, count, local, central, saving in groups:
            t = totals.setdefault(
                (segment.display_name or "", pair or ""),
                {"count": 0, "central": 0, "local": 0.0, "pooled": 0.0, "saving": 0.0},
            )
            t["count"] += count
            t["central"] += count if recommendation == "central" else 0
            t["local"] += local or 0.0
            t["pooled"] += central or 0.0
            t["saving"] += saving or 0.0
        headers = [
            self.env._("Segment"),
            self.env._("Warehouse Pair"),
            self.env._("Products"),
            self.env._("Recommended to Pool"),
            self.env._("Safety-stock Value (local)"),
            self.env._("Safety-stock Value (pooled)"),
            self.env._("Net Saving / Day"),
        ]
        for col, label in enumerate(headers):
            summary.write_string(0, col, label, bold)
        for r, ((segment, pair), t) in enumerate(sorted(totals.items()), start=1):
            summary.write_string(r, 0, segment)
            summary.write_string(r, 1, pair)
            summary.write_number(r, 2, t["count"])
            summary.write_number(r, 3, t["central"])
            summary.write_number(r, 4, t["local"], formats["money"])
            summary.write_number(r, 5, t["pooled"], formats["money"])
            summary.write_number(r, 6, t["saving"], formats["money"])
        book.close()
        self.write(
            {
                "file_data": base64.b64encode(buffer.getvalue()),
                "file_name": f"risk_pooling_{fields.Date.context_today(self)}.xlsx",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file_data/{self.file_name}?download=true",
            "target": "self",
        }
