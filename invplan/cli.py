"""Command line: plan a generated catalogue (demo) or a CSV export (plan).

Every option is checked before any work; a bad option or file ends with one line
``error: ...`` and exit code 2, never a traceback. Bad data inside a good file (a NaN, an
absurd value, an item without history) does not stop the run: the item gets a status and
rows on the workbook's Exceptions sheet.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

import pandas as pd
from xlsxwriter.exceptions import XlsxFileError

from . import __version__
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

DESCRIPTION = """\
Segment-driven inventory planning: classify every product x warehouse (ABC, XYZ,
demand pattern), forecast its demand, compute its reorder point, order quantity and
maximum, and write a workbook for buyers (Summary, ABC-XYZ, Classification, Forecast,
Policy, Exceptions, Segments)."""

CSV_HELP = """\
CSV files (comma-separated, UTF-8, header on the first line; README.md, section
"CSV columns", explains every column):
  history: product, warehouse, date (YYYY-MM-DD), quantity [, stockout]
  items:   product, warehouse, unit_cost, unit_price, lead_time_days
           [, lead_time_std_days, ordering_cost, moq, pack_multiple, category]
A bad file or option stops with "error: ..." and exit code 2. Bad data in a good file
(NaN, infinity, absurd values, dates after today) does not stop the run: the item is
listed on the Exceptions sheet with the field, the value and what to do."""

MAX_PRODUCTS = 20000
MAX_WINDOW_DAYS = 36500


def _int_in(name: str, lo: int, hi: int):
    def convert(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{v} is out of range: {name} from {lo} to {hi}")
        return v

    return convert


def _fill_rate(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < v < 1:
        raise argparse.ArgumentTypeError(
            f"{text} is not a fill rate: give a number between 0 and 1, e.g. 0.95"
        )
    return v


def _date(text: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(dt.date.fromisoformat(text.strip()))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def check_out_path(path: str) -> Path:
    """The workbook path, checked before the run: an ``.xlsx`` name in an existing,
    writable folder, not a folder itself. Raises :class:`InputError`."""
    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        raise InputError(f"--out: {path!r} must end in .xlsx (the workbook is an Excel file)")
    if p.is_dir():
        raise InputError(f"--out: {path!r} is a folder; give a file name ending in .xlsx")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        raise InputError(f"--out: the folder {str(parent)!r} does not exist")
    if not parent.is_dir():
        raise InputError(f"--out: {str(parent)!r} is not a folder")
    existed = p.exists()
    try:
        with open(p, "ab"):
            pass
    except OSError as exc:
        raise InputError(f"--out: cannot write {path!r}: {exc.strerror or exc}") from None
    if not existed:
        try:
            p.unlink()
        except OSError:
            pass
    return p


def _read_csv(path: str, name: str) -> pd.DataFrame:
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{name}: {path} is a folder, not a CSV file")
    if not p.is_file():
        raise InputError(f"{name}: file not found: {path}")
    try:
        df = pd.read_csv(
            p, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8-sig"
        )
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: {path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
            f"position {exc.start}); save it as UTF-8 (in Excel: Save As > CSV UTF-8)"
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{name}: {path} is empty (not even a header line)") from None
    except pd.errors.ParserError as exc:
        raise InputError(
            f"{name}: cannot read {path} as CSV: {str(exc).strip()} (a value holding a comma "
            "must be in double quotes)"
        ) from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read {path}: {exc.strerror or exc}") from None
    if len(df.columns) == 1:
        header = str(df.columns[0])
        for sep, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if sep in header:
                raise InputError(
                    f"{name}: the columns of {path} are separated by {label}; save it as "
                    "comma-separated CSV (in Excel: Save As > CSV UTF-8 with a comma list "
                    "separator)"
                )
    return df


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype(str)


def print_summary(result: PlanResult, out=None) -> None:
    """The plan by segment on the terminal, with counts that add up."""
    out = sys.stdout if out is None else out
    s = result.summary
    t = pd.DataFrame(
        {
            "segment": s["segment"],
            "items": s["items"],
            "stocked": s["stocked_items"],
            "to check": s["to_check"],
            "no rule": s["without_rule"],
            "annual value": s["annual_value"].round(0),
            "safety stock value": s["safety_stock_value"].round(0),
            "avg stock value": s["avg_stock_value"].round(0),
            "metric": s["service_metric"]
            .map({"fill_rate": "fill rate", "csl": "cycle service"})
            .fillna(""),
            "target %": (100 * s["service_target"]).round(1),
            "expected %": (100 * s["expected_service"]).round(1),
        }
    )
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("Plan by segment (values in currency; target and expected in the", file=out)
        print("segment's own service metric):", file=out)
        print(t.to_string(index=False, na_rep="-"), file=out)
        print("\nABC x XYZ (items):", file=out)
        print(result.matrix.to_string(), file=out)
    pol = result.policy
    n = len(pol)
    stocked = int(pol["stocked"].sum())
    check = int(s["to_check"].sum())
    exc = result.exceptions
    n_items_exc = exc["item"].nunique() if len(exc) else 0
    print(
        f"\n{n} items: {stocked} planned with a stocking rule ({check} of them to check), "
        f"{n - stocked} without a rule.",
        file=out,
    )
    print(f"{len(exc)} exception rows for {n_items_exc} items on the Exceptions sheet.", file=out)


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog=prog, description=DESCRIPTION, epilog=CSV_HELP, formatter_class=fmt
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{demo,plan}")
    demo = sub.add_parser(
        "demo",
        help="plan a generated catalogue (no input needed)",
        description="Generate a realistic catalogue (two warehouses, two years of daily "
        "demand) and plan it.",
        epilog=CSV_HELP,
        formatter_class=fmt,
    )
    demo.add_argument(
        "--out",
        default="invplan-demo.xlsx",
        metavar="FILE.xlsx",
        help="workbook to write (default: %(default)s)",
    )
    demo.add_argument(
        "--products",
        type=_int_in("--products", 1, MAX_PRODUCTS),
        default=150,
        metavar="N",
        help=f"products to generate, each in 2 warehouses, 1 to {MAX_PRODUCTS} "
        "(default: %(default)s)",
    )
    demo.add_argument(
        "--seed",
        type=_int_in("--seed", 0, 2**32 - 1),
        default=42,
        metavar="N",
        help="random seed of the generated catalogue, 0 or more (default: %(default)s)",
    )
    plan = sub.add_parser(
        "plan",
        help="plan from a CSV export of any ERP",
        description="Plan from two CSV files exported from any ERP.",
        epilog=CSV_HELP,
        formatter_class=fmt,
    )
    plan.add_argument(
        "--history", required=True, metavar="FILE.csv", help="demand history CSV (required)"
    )
    plan.add_argument("--items", required=True, metavar="FILE.csv", help="items CSV (required)")
    plan.add_argument(
        "--out",
        default="plan.xlsx",
        metavar="FILE.xlsx",
        help="workbook to write (default: %(default)s)",
    )
    for p in (demo, plan):
        p.add_argument(
            "--bucket",
            choices=["day", "week", "month"],
            default="week",
            help="period of the demand statistics and forecasts (default: %(default)s)",
        )
        p.add_argument(
            "--window-days",
            type=_int_in("--window-days", 1, MAX_WINDOW_DAYS),
            default=730,
            metavar="N",
            help="days of history before the plan date to use; only complete buckets count "
            "(default: %(default)s)",
        )
        p.add_argument(
            "--as-of",
            type=_date,
            default=None,
            metavar="YYYY-MM-DD",
            help="the plan date: history before it is used, rules protect demand from it on "
            "(default: the day after the last history date)",
        )
        p.add_argument(
            "--abc-measure",
            choices=["revenue", "margin", "cost", "lines"],
            default="revenue",
            help="what ranks items into A, B and C: quantity x price, x (price - cost), "
            "x cost, or the number of history lines (default: %(default)s)",
        )
        p.add_argument(
            "--portfolio-fill-rate",
            type=_fill_rate,
            default=None,
            metavar="RATE",
            help="a demand-weighted fill rate between 0 and 1 (e.g. 0.95) reached over all "
            "stocked items at the least stock value, instead of the segments' own targets "
            "(default: the segments' targets)",
        )
    return parser


def _load(args) -> tuple[pd.DataFrame, pd.DataFrame]:
    if args.command == "demo":
        from .demo import generate_catalogue

        history, items = generate_catalogue(n_products=args.products, seed=args.seed)
        history, items = _as_text(history), _as_text(items)
    else:
        history = _read_csv(args.history, "history")
        items = _read_csv(args.items, "items")
    history = validate_table(history, "history", HISTORY_COLUMNS, HISTORY_OPTIONAL)
    items = validate_table(items, "items", ITEM_COLUMNS, ITEM_OPTIONAL)
    if len(history) == 0:
        raise InputError("history: no rows (only a header?): nothing to plan from")
    if len(items) == 0:
        raise InputError("items: no rows (only a header?): nothing to plan")
    key = items["product"] + "\x00" + items["warehouse"]
    dup = key.duplicated()
    if dup.any():
        pos = int(dup.to_numpy().nonzero()[0][0])
        first = int((key == key.iloc[pos]).to_numpy().nonzero()[0][0])
        raise InputError(
            f"items: row {pos + 2}: product {items['product'].iloc[pos]!r} x warehouse "
            f"{items['warehouse'].iloc[pos]!r} appears twice (first on row {first + 2})"
        )
    if args.as_of is not None:
        first_day = history["date"].min()
        if args.as_of <= first_day:
            raise InputError(
                f"--as-of {args.as_of.date()} is not after the first history date "
                f"{first_day.date()}: there is no history to plan from"
            )
    return history, items


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """Run the command line; returns the exit code (0 done, 2 bad option or file)."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    from .workbook import write_workbook

    started = time.time()
    try:
        out = check_out_path(args.out)
        history, items = _load(args)
        result = run_plan(
            history,
            items,
            bucket=args.bucket,
            window_days=args.window_days,
            abc_measure=args.abc_measure,
            portfolio_fill_rate=args.portfolio_fill_rate,
            as_of=args.as_of,
        )
        write_workbook(result, str(out))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (OSError, XlsxFileError) as exc:
        print(f"error: --out: cannot write {args.out!r}: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the last guard: a message, not a traceback
        if os.environ.get("INVPLAN_DEBUG"):
            raise
        print(
            f"error: internal error ({type(exc).__name__}: {exc}); please report it with "
            "the input files (INVPLAN_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 1
    print_summary(result)
    print(f"Workbook written to {out} ({time.time() - started:.1f} s).")
    return 0
