"""XLSX workbook of a planning run: one formatted sheet per step, with an ABC-XYZ chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xlsxwriter

from .planning import PlanResult

_PERCENT = (
    "share",
    "cum_share",
    "service_target",
    "expected_fill_rate",
    "expected_csl",
    "mean_expected_fill_rate",
    "trend_p_value",
    "relative_slope_per_year",
)
_MONEY = ("value", "annual_value", "avg_stock_value", "safety_stock_value")


def _write_frame(book, ws, df: pd.DataFrame, fmt: dict, first_row: int = 0) -> None:
    """Write ``df`` with a bold frozen header, number formats and sensible widths."""
    for c, col in enumerate(df.columns):
        ws.write(first_row, c, str(col), fmt["header"])
        values = df[col].to_numpy()
        if col in _PERCENT:
            cell = fmt["pct"]
        elif col in _MONEY:
            cell = fmt["money"]
        elif np.issubdtype(values.dtype, np.floating):
            cell = fmt["num"]
        else:
            cell = None
        for r, v in enumerate(values, start=first_row + 1):
            if isinstance(v, (bool, np.bool_)):
                ws.write_boolean(r, c, bool(v))
            elif isinstance(v, (int, float, np.integer, np.floating)):
                fv = float(v)
                ws.write_number(r, c, fv if np.isfinite(fv) else 0.0, cell)
            elif v is None or (isinstance(v, float) and np.isnan(v)):
                ws.write_blank(r, c, None)
            else:
                ws.write_string(r, c, str(v))
        width = max([len(str(col))] + [len(str(x)) for x in values[:200]]) + 2
        ws.set_column(c, c, min(max(width, 8), 40))
    ws.freeze_panes(first_row + 1, 0)
    if len(df):
        ws.autofilter(first_row, 0, first_row + len(df), len(df.columns) - 1)


def write_workbook(result: PlanResult, path: str) -> None:
    """Write the run to ``path``: Summary, ABC-XYZ (with chart), Classification,
    Forecast, Policy, Exceptions and Segments sheets."""
    book = xlsxwriter.Workbook(path, {"nan_inf_to_errors": False})
    fmt = {
        "header": book.add_format(
            {
                "bold": True,
                "bg_color": "#1F4E78",
                "font_color": "#FFFFFF",
                "border": 1,
                "text_wrap": True,
                "valign": "top",
            }
        ),
        "pct": book.add_format({"num_format": "0.0%"}),
        "money": book.add_format({"num_format": "#,##0.00"}),
        "num": book.add_format({"num_format": "#,##0.00"}),
        "title": book.add_format({"bold": True, "font_size": 14}),
    }

    ws = book.add_worksheet("Summary")
    _write_frame(book, ws, result.summary, fmt)

    ws = book.add_worksheet("ABC-XYZ")
    matrix = result.matrix.reset_index()
    matrix.columns = ["ABC"] + [str(c) for c in matrix.columns[1:]]
    _write_frame(book, ws, matrix, fmt)
    chart = book.add_chart({"type": "column", "subtype": "stacked"})
    n = len(matrix)
    for c in range(1, len(matrix.columns)):
        chart.add_series(
            {
                "name": ["ABC-XYZ", 0, c],
                "categories": ["ABC-XYZ", 1, 0, n, 0],
                "values": ["ABC-XYZ", 1, c, n, c],
            }
        )
    chart.set_title({"name": "Items by ABC class and XYZ class"})
    chart.set_x_axis({"name": "ABC class"})
    chart.set_y_axis({"name": "Items"})
    ws.insert_chart("F2", chart)

    for name, df in (
        ("Classification", result.classification),
        ("Forecast", result.forecast),
        ("Policy", result.policy),
        ("Exceptions", result.exceptions),
        ("Segments", result.segments),
    ):
        ws = book.add_worksheet(name)
        _write_frame(book, ws, df.reset_index(drop=True), fmt)
    book.close()
