import base64
import io

import xlsxwriter
from odoo import fields, models
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

# Every text cell is written as text: a name starting with "=" must never become a live
# formula (or a link) in the workbook of whoever opens it.
WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}

HEADERS = [
    (_lt("As of"), "snapshot_date"),
    (_lt("Warehouse"), "warehouse_id"),
    (_lt("Product"), "product_id"),
    (_lt("Category"), "categ_id"),
    (_lt("Segment"), "segment_id"),
    (_lt("Lifecycle Stage"), "lifecycle_stage"),
    (_lt("Aging Bucket"), "bucket_id"),
    (_lt("Quantity"), "quantity"),
    (_lt("Unit Cost"), "unit_cost"),
    (_lt("Value"), "value"),
]


class StockAgingExport(models.TransientModel):
    _name = "stock.aging.export"
    _description = "Stock Aging Export"

    file_data = fields.Binary(readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    def action_export(self):
        # The companies the user works in only (on top of the record rules).
        rows = self.env["stock.aging.report"].search(
            [("quantity", "!=", 0), ("company_id", "in", self.env.companies.ids)]
        )
        return self._export(rows)

    def _export(self, rows):
        """One sheet of detail rows and one of value per bucket x warehouse."""
        self.ensure_one()
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
        bold = book.add_format({"bold": True})
        money = book.add_format({"num_format": "#,##0.00"})
        detail = book.add_worksheet(self.env._("Aging"))
        stages = dict(rows._fields["lifecycle_stage"]._description_selection(self.env))
        for col, (label, _name) in enumerate(HEADERS):
            detail.write_string(0, col, str(label), bold)
        for r, rec in enumerate(rows, start=1):
            detail.write_string(r, 0, str(rec.snapshot_date))
            detail.write_string(r, 1, rec.warehouse_id.display_name)
            detail.write_string(r, 2, rec.product_id.display_name)
            detail.write_string(r, 3, rec.categ_id.display_name or "")
            detail.write_string(r, 4, rec.segment_id.display_name or "")
            detail.write_string(r, 5, stages.get(rec.lifecycle_stage, ""))
            detail.write_string(r, 6, rec.bucket_id.name)
            detail.write_number(r, 7, rec.quantity)
            detail.write_number(r, 8, rec.unit_cost, money)
            detail.write_number(r, 9, rec.value, money)
        summary = book.add_worksheet(self.env._("By bucket"))
        groups = self.env["stock.aging.report"]._read_group(
            [("id", "in", rows.ids)], ["warehouse_id", "bucket_id"], ["quantity:sum", "value:sum"]
        )
        summary_headers = [
            self.env._("Warehouse"),
            self.env._("Aging Bucket"),
            self.env._("Quantity"),
            self.env._("Value"),
        ]
        for col, label in enumerate(summary_headers):
            summary.write_string(0, col, label, bold)
        for r, (wh, bucket, qty, value) in enumerate(groups, start=1):
            summary.write_string(r, 0, wh.display_name)
            summary.write_string(r, 1, bucket.name)
            summary.write_number(r, 2, qty or 0.0)
            summary.write_number(r, 3, value or 0.0, money)
        book.close()
        self.write(
            {
                "file_data": base64.b64encode(buffer.getvalue()),
                "file_name": f"stock_aging_{fields.Date.context_today(self)}.xlsx",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file_data/{self.file_name}?download=true",
            "target": "self",
        }
