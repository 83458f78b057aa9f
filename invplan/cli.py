"""Command line: ``python -m invplan demo`` and ``python -m invplan plan``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from .planning import (
    HISTORY_COLUMNS,
    HISTORY_OPTIONAL,
    ITEM_COLUMNS,
    ITEM_OPTIONAL,
    InputError,
    PlanResult,
    run_plan,
    validate_table,
)


def _read_csv(path: str, name: str) -> pd.DataFrame:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{name}: file not found: {path}")
    try:
        return pd.read_csv(p, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{name}: cannot read {path} as CSV: {exc}") from exc


def print_summary(result: PlanResult, out=sys.stdout) -> None:
    s = result.summary.copy()
    s["annual_value"] = s["annual_value"].round(0)
    s["safety_stock_value"] = s["safety_stock_value"].round(0)
    s["avg_stock_value"] = s["avg_stock_value"].round(0)
    s["mean_expected_fill_rate"] = (100 * s["mean_expected_fill_rate"]).round(1)
    s["service_target"] = (100 * s["service_target"]).round(1)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print("Plan by segment (values in currency, rates in %):", file=out)
        print(s.to_string(index=False), file=out)
        print("\nABC x XYZ (items):", file=out)
        print(result.matrix.to_string(), file=out)
    n_exc = len(result.exceptions)
    print(f"\n{len(result.policy)} items planned, {n_exc} exception rows.", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m invplan", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="plan a generated catalogue (no input needed)")
    demo.add_argument("--out", default="invplan-demo.xlsx", help="workbook to write")
    demo.add_argument("--products", type=int, default=150, help="products (x 2 warehouses)")
    demo.add_argument("--seed", type=int, default=42)
    plan = sub.add_parser("plan", help="plan from a CSV export of any ERP")
    plan.add_argument("--history", required=True, help="demand history CSV")
    plan.add_argument("--items", required=True, help="items CSV")
    plan.add_argument("--out", default="plan.xlsx", help="workbook to write")
    for p in (demo, plan):
        p.add_argument("--bucket", choices=["day", "week", "month"], default="week")
        p.add_argument("--window-days", type=int, default=730)
        p.add_argument(
            "--abc-measure", choices=["revenue", "margin", "cost", "lines"], default="revenue"
        )
        p.add_argument(
            "--portfolio-fill-rate",
            type=float,
            default=None,
            help="allocate this demand-weighted fill rate over the items at the least stock "
            "value, instead of the segments' own targets (e.g. 0.95)",
        )
    args = parser.parse_args(argv)

    from .workbook import write_workbook

    started = time.time()
    try:
        if args.command == "demo":
            from .demo import generate_catalogue

            history, items = generate_catalogue(n_products=args.products, seed=args.seed)
            history = history.astype(str)
            items = items.astype(str)
        else:
            history = _read_csv(args.history, "history")
            items = _read_csv(args.items, "items")
        history = validate_table(history, "history", HISTORY_COLUMNS, HISTORY_OPTIONAL)
        items = validate_table(items, "items", ITEM_COLUMNS, ITEM_OPTIONAL)
        dup = items.duplicated(["product", "warehouse"])
        if dup.any():
            row = int(dup.to_numpy().nonzero()[0][0]) + 2
            raise InputError(f"items: row {row}: product x warehouse appears twice")
        pfr = args.portfolio_fill_rate
        if pfr is not None and not 0 < pfr < 1:
            raise InputError("--portfolio-fill-rate: must be between 0 and 1, e.g. 0.95")
        result = run_plan(
            history,
            items,
            bucket=args.bucket,
            window_days=args.window_days,
            abc_measure=args.abc_measure,
            portfolio_fill_rate=pfr,
        )
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_workbook(result, args.out)
    print_summary(result)
    print(f"Workbook written to {args.out} ({time.time() - started:.1f} s).")
    return 0
