"""XLSX workbook of a planning run, written for buyers.

Sheets: Summary (one row per segment, a totals row, the plan date and what the service
metrics mean), ABC-XYZ (with a chart), Classification, Forecast, Policy (what a buyer
acts on first, sorted by annual value, then the explanation columns, a totals row),
Exceptions (every item whose status is not ``ok``, every check and every implausible
input, with the reason and what to do) and Segments.

Headers are words, not column names; every text cell is written as text (a product code
``=HYPERLINK(...)`` stays text, never a formula or a link); a NaN or an infinity is
written as an empty cell. Print setup: landscape, one page wide, the header row repeated
on every page, the Summary and the chart each on one page.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xlsxwriter

from .planning import PlanResult

#: Header of each known column, in words.
LABELS = {
    "item": "Item",
    "product": "Product",
    "warehouse": "Warehouse",
    "segment": "Segment",
    "name": "Name",
    "status": "Status",
    "plan_status": "Status",
    "check": "To check",
    "reorder_point": "Reorder point (min)",
    "order_qty": "Order quantity",
    "order_up_to": "Max (order-up-to level)",
    "review_days": "Review every (days; 0 = daily)",
    "next_review": "Next review",
    "erp_min": "ERP min (checked daily)",
    "erp_max": "ERP max (checked daily)",
    "lead_time_days": "Lead time (days)",
    "unit_cost": "Unit cost",
    "avg_stock_value": "Average stock value",
    "safety_stock": "Safety stock",
    "safety_stock_value": "Safety stock value",
    "demand_per_day": "Forecast per day",
    "coverage_days": "Cover (days)",
    "service_metric": "Service metric",
    "service_target": "Service target",
    "expected_service": "Expected service (same metric)",
    "expected_fill_rate": "Expected fill rate",
    "expected_csl": "Expected cycle service",
    "abc": "ABC",
    "xyz": "XYZ",
    "value": "Annual value",
    "annual_value": "Annual value",
    "forecast_method": "Forecast method",
    "method": "Calculation",
    "demand_mean_p": "Demand over lead time (+ review)",
    "demand_sigma_p": "Deviation of that demand",
    "safety_factor": "Safety factor",
    "undershoot": "Allowance for a daily check",
    "avg_stock": "Average stock (units)",
    "stocked": "Has a stocking rule",
    "items": "Items",
    "stocked_items": "With a stocking rule",
    "to_check": "To check",
    "without_rule": "Without a rule",
    "policy": "Policy",
    "step": "Step",
    "field": "Field",
    "severity": "Severity",
    "reason": "Reason",
    "action": "What to do",
    "found": "Value found",
    "rank": "Rank",
    "share": "Share of value",
    "cum_share": "Cumulative share",
    "negative_value": "Negative value",
    "n_periods": "Observed periods",
    "demand_mean": "Mean demand per period",
    "demand_std": "Deviation per period",
    "demand_cv": "Coefficient of variation",
    "n_demands": "Periods with demand",
    "adi": "Average demand interval",
    "cv2": "CV squared",
    "pattern": "Demand pattern",
    "days_since_first_demand": "Days since first demand",
    "days_since_last_demand": "Days since last demand",
    "trend_p_value": "Trend p-value",
    "relative_slope_per_year": "Trend per year",
    "lifecycle": "Lifecycle",
    "category": "Category",
    "metric": "Accuracy metric",
    "metric_value": "Accuracy",
    "sigma_1": "Error deviation, 1 period",
    "sigma_h": "Error deviation, h periods",
    "horizon_for_sigma": "h (periods)",
    "sigma_source": "Error source",
    "n_backtest": "Back-test origins",
    "forecast_per_period": "Forecast per period",
    "forecast_total": "Forecast, 13 periods",
    "code": "Segment",
    "holding_rate": "Holding rate per year",
    "order_cover_days": "Order cover (days)",
    "max_cover_days": "Max cover (days)",
    "allocate": "Allocate over segment",
}

_PERCENT = {
    "share",
    "cum_share",
    "service_target",
    "expected_fill_rate",
    "expected_csl",
    "expected_service",
    "trend_p_value",
    "relative_slope_per_year",
    "holding_rate",
}
_MONEY = {"value", "annual_value", "avg_stock_value", "safety_stock_value", "unit_cost"}
_UNITS = {
    "reorder_point",
    "order_qty",
    "order_up_to",
    "erp_min",
    "erp_max",
    "review_days",
    "items",
    "stocked_items",
    "to_check",
    "without_rule",
    "rank",
    "n_periods",
    "n_demands",
    "n_backtest",
    "horizon_for_sigma",
}

METRIC_WORDS = {"fill_rate": "fill rate", "csl": "cycle service"}
POLICY_WORDS = {
    "sQ": "reorder point, fixed quantity (s, Q)",
    "sS": "min / max (s, S)",
    "RS": "periodic review up to a level (R, S)",
    "mto": "make to order",
    "manual": "manual",
    "newsvendor": "single order (newsvendor)",
}
STATUS_WORDS = {
    "ok": "ok",
    "quarantined": "quarantined: data to correct",
    "no_forecast_demand": "no rule: forecast below 1 a year",
    "not_stocked": "no rule: forecast too low to stock",
    "history_too_short": "no rule: not one full period of history yet",
    "make_to_order": "no rule: make to order",
    "manual": "no rule: no demand, decide by hand",
    "no_demand": "no rule: no demand",
    "conflicting_limits": "to check: MOQ above the cap",
    "low_fill_rate": "to check: low expected fill rate",
}

#: Policy sheet: what a buyer acts on, then the explanation.
POLICY_MAIN = [
    "product",
    "warehouse",
    "segment",
    "plan_status",
    "reorder_point",
    "order_qty",
    "order_up_to",
    "lead_time_days",
    "unit_cost",
    "avg_stock_value",
    "review_days",
    "next_review",
    "erp_min",
    "erp_max",
    "safety_stock",
    "safety_stock_value",
    "demand_per_day",
    "coverage_days",
    "service_metric",
    "service_target",
    "expected_fill_rate",
    "expected_csl",
    "abc",
    "xyz",
    "value",
]
POLICY_EXPLAIN = [
    "check",
    "forecast_method",
    "method",
    "demand_mean_p",
    "demand_sigma_p",
    "safety_factor",
    "undershoot",
    "avg_stock",
    "item",
]
SUMMARY_COLUMNS = [
    "segment",
    "name",
    "policy",
    "items",
    "stocked_items",
    "to_check",
    "without_rule",
    "annual_value",
    "safety_stock_value",
    "avg_stock_value",
    "service_metric",
    "service_target",
    "expected_service",
    "expected_fill_rate",
    "expected_csl",
]
EXCEPTION_MAIN = [
    "product",
    "warehouse",
    "severity",
    "status",
    "field",
    "found",
    "reason",
    "action",
    "step",
    "item",
]


def label(col) -> str:
    """The header of a column, in words."""
    col = str(col)
    if col in LABELS:
        return LABELS[col]
    if col.isupper():
        return col
    return col.replace("_", " ").capitalize()


class _Formats:
    def __init__(self, book):
        add = book.add_format
        self.header = add(
            {
                "bold": True,
                "bg_color": "#1F4E78",
                "font_color": "#FFFFFF",
                "border": 1,
                "text_wrap": True,
                "valign": "top",
            }
        )
        self.pct = add({"num_format": "0.0%"})
        self.money = add({"num_format": "#,##0.00"})
        self.num = add({"num_format": "#,##0.00"})
        self.units = add({"num_format": "#,##0"})
        self.date = add({"num_format": "yyyy-mm-dd"})
        self.text = add({"text_wrap": False})
        self.total = add({"bold": True, "top": 1})
        self.total_money = add({"bold": True, "top": 1, "num_format": "#,##0.00"})
        self.total_units = add({"bold": True, "top": 1, "num_format": "#,##0"})
        self.title = add({"bold": True, "font_size": 14})
        self.note = add({"italic": True})

    def for_column(self, col, values):
        if col in _PERCENT:
            return self.pct
        if col in _MONEY:
            return self.money
        if col in _UNITS:
            return self.units
        if np.issubdtype(values.dtype, np.floating):
            return self.num
        return None


def _cell(ws, r, c, v, fmt, f: _Formats):
    """Write one value by its type: text as text, NaN / infinity as an empty cell."""
    if v is None or v is pd.NaT:
        ws.write_blank(r, c, None, fmt)
    elif isinstance(v, (bool, np.bool_)):
        ws.write_string(r, c, "yes" if v else "no")
    elif isinstance(v, (pd.Timestamp, np.datetime64)):
        ts = pd.Timestamp(v)
        if pd.isna(ts):
            ws.write_blank(r, c, None)
        else:
            ws.write_datetime(r, c, ts.to_pydatetime(), f.date)
    elif isinstance(v, (int, float, np.integer, np.floating)):
        fv = float(v)
        if np.isfinite(fv):
            ws.write_number(r, c, fv, fmt)
        else:
            ws.write_blank(r, c, None, fmt)
    else:
        ws.write_string(r, c, str(v)[:32767])


def _write_frame(ws, df: pd.DataFrame, f: _Formats, first_row: int = 0, landscape=True) -> int:
    """Write ``df`` with a frozen header in words, formats by column, sensible widths and
    print setup; returns the row after the last one written."""
    for c, col in enumerate(df.columns):
        ws.write_string(first_row, c, label(col), f.header)
        values = df[col].to_numpy()
        fmt = f.for_column(col, values)
        for r, v in enumerate(values, start=first_row + 1):
            _cell(ws, r, c, v, fmt, f)
        sample = [len(str(x)) for x in values[:200]]
        width = max([min(len(label(col)), 18)] + sample) + 2
        ws.set_column(c, c, min(max(width, 8), 45))
    ws.freeze_panes(first_row + 1, 0)
    if len(df) and len(df.columns):
        ws.autofilter(first_row, 0, first_row + len(df), len(df.columns) - 1)
    if landscape:
        ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.repeat_rows(first_row)
    ws.fit_to_pages(1, 0)
    ws.set_header("&L&A&R&D")
    ws.set_footer("&CPage &P of &N")
    return first_row + 1 + len(df)


def _words(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    if "service_metric" in df:
        df["service_metric"] = df["service_metric"].map(lambda m: METRIC_WORDS.get(m, m))
    if "policy" in df:
        df["policy"] = df["policy"].map(lambda m: POLICY_WORDS.get(m, m))
    return df


def policy_sheet_table(result: PlanResult) -> pd.DataFrame:
    """The Policy sheet's rows: one per item, sorted by annual value (largest first),
    the columns a buyer acts on first, then the explanation."""
    pol = result.policy.copy()
    cls = result.classification.set_index("item")
    for col in ("product", "warehouse", "abc", "xyz", "value"):
        if col in cls:
            pol[col] = cls[col].reindex(pol["item"]).to_numpy()
    pol["value"] = pd.to_numeric(pol["value"], errors="coerce")
    check = pol["check"].fillna("") if "check" in pol else pd.Series("", index=pol.index)
    pol["plan_status"] = [
        ("to check: " + c.replace("_", " ").replace(",", ", "))
        if s == "ok" and c
        else STATUS_WORDS.get(s, s.replace("_", " "))
        for s, c in zip(pol["status"], check, strict=True)
    ]
    pol["check"] = check.str.replace("_", " ").str.replace(",", ", ")
    pol = _words(pol)
    cols = [c for c in POLICY_MAIN + POLICY_EXPLAIN if c in pol.columns]
    order = pol["value"].fillna(0.0).to_numpy()
    pol = pol.iloc[np.argsort(-order, kind="stable")]
    return pol[cols].reset_index(drop=True)


def exceptions_sheet_table(result: PlanResult) -> pd.DataFrame:
    exc = result.exceptions.copy()
    cls = result.classification.set_index("item")
    pairs = [(t.rsplit("@", 1) + [""])[:2] for t in exc["item"].astype(str)]
    for i, col in enumerate(("product", "warehouse")):
        fallback = np.asarray([p[i] for p in pairs], dtype=object)
        if col in cls:
            known = cls[col].reindex(exc["item"]).to_numpy(object)
            exc[col] = np.where(pd.isna(known), fallback, known)
        else:
            exc[col] = fallback
    exc["status"] = exc["status"].astype(str).str.replace("_", " ")
    exc = exc.rename(columns={"value": "found"})
    cols = [c for c in EXCEPTION_MAIN if c in exc.columns]
    return exc[cols]


def _totals(ws, row, df, f: _Formats, sums, label_text):
    ws.write_string(row, 0, label_text, f.total)
    for c, col in enumerate(df.columns):
        if c == 0:
            continue
        if col in sums:
            v = pd.to_numeric(df[col], errors="coerce").to_numpy(float)
            total = float(np.nansum(np.where(np.isfinite(v), v, np.nan)))
            fmt = f.total_money if col in _MONEY else f.total_units
            ws.write_number(row, c, total, fmt)
        else:
            ws.write_blank(row, c, None, f.total)


def write_workbook(result: PlanResult, path: str) -> None:
    """Write the run to ``path`` (see the module's docstring for the sheets)."""
    book = xlsxwriter.Workbook(
        path,
        {
            "nan_inf_to_errors": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    f = _Formats(book)
    pol = result.policy

    # Summary: one page.
    ws = book.add_worksheet("Summary")
    summary = _words(result.summary)
    summary = summary[[c for c in SUMMARY_COLUMNS if c in summary.columns]]
    end = _write_frame(ws, summary, f)
    _totals(
        ws,
        end,
        summary,
        f,
        {
            "items",
            "stocked_items",
            "to_check",
            "without_rule",
            "annual_value",
            "safety_stock_value",
            "avg_stock_value",
        },
        "Total",
    )
    as_of = pol.attrs.get("as_of")
    window = pol.attrs.get("window")
    notes = []
    if as_of is not None:
        notes.append(f"Plan date (as of): {pd.Timestamp(as_of).date()}")
    if window is not None:
        notes.append(
            f"History used: {pd.Timestamp(window[0]).date()} to {pd.Timestamp(window[1]).date()}"
        )
    n_exc = len(result.exceptions)
    notes += [
        "Fill rate: the share of demand served from stock. Cycle service: the share of "
        "replenishment cycles without a stockout. Target and expected service are in the "
        "segment's own metric; both expected metrics are shown beside it.",
        "Items = with a stocking rule + without a rule; 'to check' are stocked items with a "
        f"warning. {n_exc} rows on the Exceptions sheet.",
        "Quantities are whole units, rounded up (order quantities to the pack). ERP min / max: "
        "the rule to enter in an ERP that checks every day.",
    ]
    for i, text in enumerate(notes):
        ws.write_string(end + 2 + i, 0, text, f.note)
    ws.fit_to_pages(1, 1)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 2, 30)

    # ABC-XYZ with its chart, on one page.
    ws = book.add_worksheet("ABC-XYZ")
    matrix = result.matrix.reset_index()
    matrix.columns = ["ABC"] + [str(c) for c in matrix.columns[1:]]
    _write_frame(ws, matrix, f)
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
    ws.print_area(0, 0, 20, 13)
    ws.fit_to_pages(1, 1)

    for name, df in (
        ("Classification", result.classification),
        ("Forecast", result.forecast.rename(columns={"method": "forecast_method"})),
    ):
        ws = book.add_worksheet(name)
        _write_frame(ws, df.reset_index(drop=True), f)

    # Policy: what to act on first, a totals row.
    ws = book.add_worksheet("Policy")
    table = policy_sheet_table(result)
    end = _write_frame(ws, table, f)
    _totals(
        ws,
        end,
        table,
        f,
        {"avg_stock_value", "safety_stock_value", "value"},
        f"Total ({len(table)} items)",
    )

    ws = book.add_worksheet("Exceptions")
    _write_frame(ws, exceptions_sheet_table(result), f)
    ws.set_column(6, 7, 60)

    ws = book.add_worksheet("Segments")
    _write_frame(ws, _words(result.segments), f)
    book.close()
