"""Plausibility checks of planning inputs: values a buyer would call absurd.

A value can be a valid number and still be wrong: a quantity of 1e300 typed by a
scanner, a unit cost in the wrong currency unit, a lead time of 10,000 days, a negative
pack size, an order line dated in a future year. Such a value does not stop a run, but it
must not reach a plan that says ``ok`` either: it would rank the item alone in class A,
push every other item down, and hand the ERP a reorder point of millions.

The checks here are plain, vectorised functions of tables (one row per item, one row per
history line) that return one row per *finding*:

``item``
    the item's identifier (``product@warehouse`` by default, any id the caller passes);
``field``
    the column that holds the value;
``value``
    the value as text (with the line's date for history lines);
``reason``
    what is wrong, in plain words;
``action``
    what the buyer should do about it;
``severity``
    ``error``: the value is not usable; the item is left out of the plan (its history
    leaves the ABC ranking and the statistics, its rule is zero) until the data is
    corrected; ``warning``: the item is planned, but the value should be checked.

Every threshold is a keyword parameter; the defaults are deliberately wide (they catch
typing and unit errors, not unusual but real businesses). :func:`quarantine` gives the
set of items with at least one error. :func:`invplan.planning.run_plan` (the command
line) screens its inputs with them; they take plain tables and any item id so that the
Odoo addons can run the same checks on their extracts.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: Columns of a findings table.
FINDING_COLUMNS = ["item", "field", "value", "reason", "action", "severity"]

#: Item fields checked for non-finite values: required ones (NaN is an error) and
#: optional ones (NaN means "not given", only +-inf is an error).
REQUIRED_NUMBERS = ("unit_cost", "unit_price", "lead_time_days")
OPTIONAL_NUMBERS = ("lead_time_std_days", "ordering_cost", "moq", "pack_multiple")


def empty_findings() -> pd.DataFrame:
    """A findings table with no rows."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS})


def item_ids(table: pd.DataFrame) -> np.ndarray:
    """``product@warehouse`` per row (the command line's item key)."""
    return (table["product"].astype(str) + "@" + table["warehouse"].astype(str)).to_numpy(object)


def _text(values) -> np.ndarray:
    out = []
    for v in values:
        if isinstance(v, (float, np.floating)):
            f = float(v)
            if np.isnan(f):
                out.append("not a number (NaN)")
            elif np.isinf(f):
                out.append("infinity" if f > 0 else "minus infinity")
            else:
                out.append(f"{f:.6g}")
        else:
            out.append(str(v))
    return np.asarray(out, dtype=object)


def _rows(ids, mask, field, values, reason, action, severity) -> pd.DataFrame:
    mask = np.asarray(mask, dtype=bool)
    n = int(mask.sum())
    if n == 0:
        return empty_findings()
    vals = _text(np.asarray(values, dtype=object)[mask])
    pick = lambda x: np.asarray(x, dtype=object)[mask] if np.ndim(x) else np.full(n, x, object)  # noqa: E731
    return pd.DataFrame(
        {
            "item": np.asarray(ids, dtype=object)[mask],
            "field": np.full(n, field, dtype=object),
            "value": vals,
            "reason": pick(reason),
            "action": pick(action),
            "severity": np.full(n, severity, dtype=object),
        }
    )


def _concat(parts) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_findings()
    return pd.concat(parts, ignore_index=True)[FINDING_COLUMNS]


def check_items(
    items: pd.DataFrame,
    ids=None,
    *,
    max_unit_cost: float = 1e9,
    max_unit_price: float = 1e9,
    max_ordering_cost: float = 1e6,
    max_lead_time_days: float = 730.0,
    max_lead_time_cv: float = 2.0,
    max_order_quantity: float = 1e9,
) -> pd.DataFrame:
    """Findings on item master data (one row per item).

    ``items`` holds numbers in the columns of :data:`REQUIRED_NUMBERS` and, where
    present, :data:`OPTIONAL_NUMBERS`; ``ids`` identifies the rows (default
    :func:`item_ids`). Errors:

    - a required number that is NaN or infinite, an optional one that is infinite
      (an optional NaN means "not given" and takes the default);
    - ``unit_cost`` above ``max_unit_cost``, ``unit_price`` above ``max_unit_price``,
      ``ordering_cost`` above ``max_ordering_cost``: unit or typing errors;
    - ``lead_time_days`` above ``max_lead_time_days`` (two years by default);
      ``lead_time_std_days`` negative or above ``max_lead_time_days``;
    - ``ordering_cost``, ``moq`` or ``pack_multiple`` negative; ``moq`` or
      ``pack_multiple`` above ``max_order_quantity``.

    Warning: ``lead_time_std_days`` above ``max_lead_time_cv`` times the mean lead time
    (a coefficient of variation of 2 already means lead times from 0 to many times the
    mean).

    Values that the policy already reports with a status of its own (a cost or lead
    time of zero or below: ``invalid_cost``, ``invalid_lead_time``) are left to it.
    """
    ids = item_ids(items) if ids is None else np.asarray(ids, dtype=object)
    parts = []
    num = {}
    for col in REQUIRED_NUMBERS + OPTIONAL_NUMBERS:
        if col in items.columns:
            num[col] = pd.to_numeric(items[col], errors="coerce").to_numpy(float)
    for col in REQUIRED_NUMBERS:
        if col in num:
            v = num[col]
            parts.append(
                _rows(
                    ids,
                    ~np.isfinite(v),
                    col,
                    v,
                    "not a finite number (NaN or infinity)",
                    f"enter a real {col.replace('_', ' ')} in the items file",
                    "error",
                )
            )
    for col in OPTIONAL_NUMBERS:
        if col in num:
            v = num[col]
            parts.append(
                _rows(
                    ids,
                    np.isinf(v),
                    col,
                    v,
                    "infinite",
                    f"enter a real {col.replace('_', ' ')} or leave the cell empty",
                    "error",
                )
            )

    def big(col, limit, what):
        if col in num:
            v = num[col]
            parts.append(
                _rows(
                    ids,
                    np.isfinite(v) & (v > limit),
                    col,
                    v,
                    f"{what} above {limit:,.6g}: a typing or unit error",
                    f"correct the {col.replace('_', ' ')} in the items file",
                    "error",
                )
            )

    def negative(col, what):
        if col in num:
            v = num[col]
            parts.append(
                _rows(
                    ids,
                    np.isfinite(v) & (v < 0),
                    col,
                    v,
                    f"negative {what}",
                    f"enter the {what} as 0 or more (empty: none)",
                    "error",
                )
            )

    big("unit_cost", max_unit_cost, "unit cost")
    big("unit_price", max_unit_price, "unit price")
    big("ordering_cost", max_ordering_cost, "cost per order")
    big("lead_time_days", max_lead_time_days, "lead time in days")
    big("lead_time_std_days", max_lead_time_days, "lead-time deviation in days")
    big("moq", max_order_quantity, "minimum order quantity")
    big("pack_multiple", max_order_quantity, "pack size")
    negative("ordering_cost", "cost per order")
    negative("lead_time_std_days", "lead-time deviation")
    negative("moq", "minimum order quantity")
    negative("pack_multiple", "pack size")
    if "lead_time_std_days" in num and "lead_time_days" in num:
        sd, lt = num["lead_time_std_days"], num["lead_time_days"]
        with np.errstate(invalid="ignore"):
            wide = (
                np.isfinite(sd)
                & np.isfinite(lt)
                & (lt > 0)
                & (sd <= max_lead_time_days)
                & (sd > max_lead_time_cv * lt)
            )
        parts.append(
            _rows(
                ids,
                wide,
                "lead_time_std_days",
                sd,
                f"lead-time deviation more than {max_lead_time_cv:g} times the mean lead time",
                "check the supplier's lead times; the safety stock grows with this deviation",
                "warning",
            )
        )
    return _concat(parts)


def check_history(
    history: pd.DataFrame,
    ids=None,
    *,
    future_after=None,
    max_quantity: float = 1e9,
    spike_ratio: float = 50.0,
    absurd_spike_ratio: float = 1000.0,
    min_lines_for_spike: int = 5,
) -> pd.DataFrame:
    """Findings on demand history lines (columns ``date`` and ``quantity``).

    ``ids`` gives each line's item (default :func:`item_ids`). One row per item and
    kind of finding (the largest offending value is shown, with its date and the count
    of such lines):

    - error: a quantity that is NaN or infinite, or whose size exceeds ``max_quantity``;
    - ``future_after`` (a date; None: no check): lines dated after it. A warning: the
      lines are left out of the plan (the caller drops them), the rest of the item's
      history is used;
    - demand spike: a line whose quantity is at least ``spike_ratio`` times the median
      of the item's positive line quantities (items with ``min_lines_for_spike``
      positive lines or more): a warning (the plan uses it: check whether it is a
      one-off); at ``absurd_spike_ratio`` times or more it is an error (a typing error
      such as 10000 for 10 distorts the forecast, the classification and the safety
      stock of the item). The whole window is checked, not only its end.
    """
    ids = item_ids(history) if ids is None else np.asarray(ids, dtype=object)
    if len(history) == 0:
        return empty_findings()
    q = pd.to_numeric(history["quantity"], errors="coerce").to_numpy(float)
    dates = pd.to_datetime(history["date"], errors="coerce")
    day = dates.dt.strftime("%Y-%m-%d").fillna("").to_numpy(object)
    parts = []

    def per_item(mask, score, field, reason, action, severity):
        """One finding per item: the line with the largest ``score`` among ``mask``."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        frame = pd.DataFrame(
            {
                "item": ids[mask],
                "score": np.asarray(score, float)[mask],
                "pos": np.flatnonzero(mask),
            }
        )
        frame["n"] = frame.groupby("item")["score"].transform("size")
        top = frame.sort_values("score", ascending=False, kind="stable").drop_duplicates("item")
        n = top["n"].to_numpy()
        pos = top["pos"].to_numpy()
        why = reason(top) if callable(reason) else [reason] * len(top)
        why = [w + (f" ({k} lines)" if k > 1 else "") for w, k in zip(why, n, strict=True)]
        parts.append(
            _rows(
                top["item"].to_numpy(object),
                np.ones(len(top), dtype=bool),
                field,
                [f"{v} on {d}" for v, d in zip(_text(q[pos]), day[pos], strict=True)],
                np.asarray(why, dtype=object),
                action,
                severity,
            )
        )

    nonfinite = ~np.isfinite(q)
    per_item(
        nonfinite,
        np.zeros(len(q)),
        "quantity",
        "a quantity that is not a finite number (NaN or infinity)",
        "correct or delete the line in the history file",
        "error",
    )
    absq = np.where(np.isfinite(q), np.abs(q), 0.0)
    huge = absq > max_quantity
    per_item(
        huge,
        absq,
        "quantity",
        f"a quantity larger than {max_quantity:,.6g}: a typing or unit error",
        "correct or delete the line in the history file",
        "error",
    )
    if future_after is not None:
        limit = pd.Timestamp(future_after)
        future = (dates > limit).to_numpy()
        per_item(
            future,
            dates.astype("int64").to_numpy(float),
            "date",
            f"dated after {limit.date()}: a date in the future, left out of the plan",
            "correct the date in the history file",
            "warning",
        )
    # Spikes against the item's own line sizes; lines already in error are left out.
    good = np.isfinite(q) & ~huge & (q > 0)
    if good.any():
        g = pd.DataFrame({"item": ids[good], "q": q[good]})
        grp = g.groupby("item")["q"]
        med = grp.transform("median").to_numpy(float)
        cnt = grp.transform("size").to_numpy(int)
        ratio = np.zeros(len(q))
        ratio[good] = np.where(cnt >= min_lines_for_spike, g["q"].to_numpy() / med, 0.0)

        def spike_reason(top):
            return [f"{r:,.0f} times the item's median line" for r in top["score"]]

        per_item(
            ratio >= absurd_spike_ratio,
            ratio,
            "quantity",
            spike_reason,
            "correct the line (a typing error?) or delete it; the item is left out until then",
            "error",
        )
        per_item(
            (ratio >= spike_ratio) & (ratio < absurd_spike_ratio),
            ratio,
            "quantity",
            spike_reason,
            "check the line: a one-off order inflates the forecast and the safety stock; "
            "delete it or flag it if it will not recur",
            "warning",
        )
    return _concat(parts)


def quarantine(findings: pd.DataFrame) -> np.ndarray:
    """The items with at least one ``error`` finding (sorted, unique)."""
    if len(findings) == 0:
        return np.asarray([], dtype=object)
    return np.unique(findings.loc[findings["severity"] == "error", "item"].astype(str))


def check_log_outliers(
    values,
    ids,
    field: str,
    *,
    what: str,
    factor: float = 1e4,
    z_max: float = 6.0,
    action: str = "",
    severity: str = "error",
) -> pd.DataFrame:
    """Findings on one positive measure (a cost, a price, a ratio) far from its peers.

    The test is on the decimal logarithm, because costs and prices spread over orders
    of magnitude: with ``m`` the median and ``MAD`` the median absolute deviation of
    ``log10(v)`` over the positive finite values given (one company's catalogue), the
    modified z-score is ``0.6745 * (log10(v) - m) / MAD`` (Iglewicz and Hoaglin, *How
    to Detect and Handle Outliers*, 1993, eq. 2.2; they call a score above 3.5 an
    outlier). A value is a finding only when *both* its score exceeds ``z_max`` and it
    is more than ``factor`` times away from the median value ``10**m``: the score alone
    flags any value in a catalogue whose prices barely vary, the ratio alone flags a
    machine in a catalogue of screws. Values above the median get ``severity``; values
    below it are a ``warning`` (a cost too low hides less than a cost too high). With a
    MAD of zero (more than half the values equal), the ratio test decides alone.
    """
    v = np.asarray(values, dtype=float)
    ids = np.asarray(ids, dtype=object)
    ok = np.isfinite(v) & (v > 0)
    if ok.sum() < 3:
        return empty_findings()
    logs = np.full(len(v), np.nan)
    logs[ok] = np.log10(v[ok])
    med = float(np.median(logs[ok]))
    mad = float(np.median(np.abs(logs[ok] - med)))
    dev = np.where(ok, logs - med, 0.0)
    if mad > 0:
        score = 0.6745 * dev / mad
    else:
        score = np.where(dev > 0, np.inf, np.where(dev < 0, -np.inf, 0.0))
    far = np.abs(dev) > np.log10(factor)
    high = ok & far & (score > z_max)
    low = ok & far & (score < -z_max)
    median_value = 10.0**med
    times = np.where(ok, 10.0 ** np.abs(dev), 0.0)
    reason_high = np.asarray(
        [f"{what} {t:,.3g} times the company's median of {median_value:,.6g}" for t in times],
        dtype=object,
    )
    reason_low = np.asarray(
        [f"{what} 1/{t:,.3g} of the company's median of {median_value:,.6g}" for t in times],
        dtype=object,
    )
    action = action or f"check the {what}: a typing or unit error?"
    return _concat(
        [
            _rows(ids, high, field, v, reason_high, action, severity),
            _rows(ids, low, field, v, reason_low, action, "warning"),
        ]
    )


def check_line_summary(
    ids,
    max_line,
    median_line,
    n_lines,
    *,
    max_quantity: float = 1e9,
    spike_ratio: float = 50.0,
    absurd_spike_ratio: float = 1000.0,
    min_lines_for_spike: int = 5,
) -> pd.DataFrame:
    """The spike and size tests of :func:`check_history` on a per-item summary of its
    positive demand lines: the largest line, the median line and the number of lines.

    A database can aggregate these per item in one query, where the lines themselves
    would be millions of rows. The verdicts are those of :func:`check_history` on the
    same lines (same thresholds, same rules: a line above ``max_quantity`` is an error;
    with ``min_lines_for_spike`` lines or more, the largest line at ``spike_ratio``
    times the median or more is a warning, at ``absurd_spike_ratio`` an error). The
    median here includes the oversized lines that :func:`check_history` leaves out of
    its spike test; an item with such a line is an error either way.
    """
    ids = np.asarray(ids, dtype=object)
    mx = np.asarray(max_line, dtype=float)
    med = np.asarray(median_line, dtype=float)
    n = np.asarray(n_lines, dtype=float)
    finite = np.isfinite(mx)
    huge = finite & (np.abs(mx) > max_quantity)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(
            finite & ~huge & np.isfinite(med) & (med > 0) & (n >= min_lines_for_spike),
            mx / med,
            0.0,
        )
    reason = np.asarray([f"{r:,.0f} times the item's median line" for r in ratio], dtype=object)
    return _concat(
        [
            _rows(
                ids,
                huge,
                "quantity",
                mx,
                f"a demand line larger than {max_quantity:,.6g}: a typing or unit error",
                "correct or cancel the move; the item is left out until then",
                "error",
            ),
            _rows(
                ids,
                ratio >= absurd_spike_ratio,
                "quantity",
                mx,
                reason,
                "correct the line (a typing error?) or cancel it; the item is left out until then",
                "error",
            ),
            _rows(
                ids,
                (ratio >= spike_ratio) & (ratio < absurd_spike_ratio),
                "quantity",
                mx,
                reason,
                "check the line: a one-off order inflates the forecast and the safety "
                "stock; cancel it or flag it if it will not recur",
                "warning",
            ),
        ]
    )


def spike_candidates(max_line, line_sum, n_lines, *, min_lines_for_spike=5, factor=5.0):
    """Items whose largest demand line is at least ``factor`` times the mean of their
    other lines (with ``min_lines_for_spike`` lines or more): the only ones whose median
    line a database needs to compute for :func:`check_line_summary`.

    A one-off line far above an item's usual lines is far above the mean of the others
    too; an item whose largest line is within ``factor`` times that mean has many large
    lines (its demand is lumpy, not spiked). Max, sum and count are cheap aggregates;
    a median is a sort per item, which on a year of moves costs more than the rest of
    the classification's extraction."""
    mx = np.asarray(max_line, dtype=float)
    total = np.asarray(line_sum, dtype=float)
    n = np.asarray(n_lines, dtype=float)
    with np.errstate(invalid="ignore"):
        others = total - mx
        return (
            np.isfinite(mx)
            & np.isfinite(total)
            & (n >= min_lines_for_spike)
            & (mx * (n - 1) >= factor * others)
        )


def check_quantities(
    ids,
    values,
    field: str,
    *,
    what: str,
    max_quantity: float = 1e9,
    annual_demand=None,
    max_years: float | None = None,
    action: str = "",
) -> pd.DataFrame:
    """Findings on a quantity per item (on hand, a minimum order quantity).

    Error: not finite, or larger than ``max_quantity`` in size. Warning, when
    ``annual_demand`` and ``max_years`` are given: more than ``max_years`` years of the
    item's demand (items with demand only): an order or a stock of decades is possible
    but a buyer should see it. A negative value is a warning (negative stock: moves
    booked out of order).
    """
    ids = np.asarray(ids, dtype=object)
    v = np.asarray(values, dtype=float)
    action = action or f"correct the {what}"
    parts = [
        _rows(ids, ~np.isfinite(v), field, v, f"{what} is not a finite number", action, "error"),
        _rows(
            ids,
            np.isfinite(v) & (np.abs(v) > max_quantity),
            field,
            v,
            f"{what} larger than {max_quantity:,.6g}: a typing or unit error",
            action,
            "error",
        ),
        _rows(
            ids,
            np.isfinite(v) & (v < 0) & (np.abs(v) <= max_quantity),
            field,
            v,
            f"negative {what}",
            f"check the {what}",
            "warning",
        ),
    ]
    if annual_demand is not None and max_years is not None:
        d = np.asarray(annual_demand, dtype=float)
        with np.errstate(invalid="ignore"):
            long = (
                np.isfinite(v)
                & (np.abs(v) <= max_quantity)
                & np.isfinite(d)
                & (d > 0)
                & (v > max_years * d)
            )
        years = np.where(long, v / np.where(d > 0, d, 1.0), 0.0)
        parts.append(
            _rows(
                ids,
                long,
                field,
                v,
                np.asarray([f"{what} of {y:,.0f} years of demand" for y in years], dtype=object),
                f"check the {what} against the item's demand",
                "warning",
            )
        )
    return _concat(parts)


def signature(findings: pd.DataFrame) -> np.ndarray:
    """``field=value`` per finding: what a buyer confirms as real, so that the same
    value is accepted on later runs and a changed value is checked again."""
    if len(findings) == 0:
        return np.asarray([], dtype=object)
    return (findings["field"].astype(str) + "=" + findings["value"].astype(str)).to_numpy(object)


def check_vendors(
    ids,
    vendor,
    delay_days,
    moq,
    uom_convertible,
    *,
    max_lead_time_days: float = 730.0,
    max_quantity: float = 1e9,
    annual_demand=None,
    moq_years: float = 5.0,
) -> pd.DataFrame:
    """Findings on vendor lines (one row per item and vendor; ``ids`` the item).

    Errors: a delay that is not finite, negative or above ``max_lead_time_days`` (a
    10,000-day lead time is a typing error, and a reorder point built on it is
    years of stock); a minimum order quantity that is not finite or above
    ``max_quantity``; a purchase unit that cannot be converted to the item's unit
    (``uom_convertible`` False: an item stocked in units and bought in kilograms has
    no pack size, whatever factor the two units carry). Warning: a minimum order
    quantity of more than ``moq_years`` years of demand. The field names the vendor.
    """
    ids = np.asarray(ids, dtype=object)
    names = np.asarray(vendor, dtype=object)
    delay = np.asarray(delay_days, dtype=float)
    q = np.asarray(moq, dtype=float)
    conv = np.asarray(uom_convertible, dtype=bool)
    parts = []
    for name in pd.unique(names):
        sel = names == name
        sub = ids[sel]
        lt_field = f"vendor lead time ({name})"
        d = delay[sel]
        parts.append(
            _rows(
                sub,
                ~np.isfinite(d) | (d < 0) | (d > max_lead_time_days),
                lt_field,
                d,
                f"a delay outside 0 to {max_lead_time_days:,.0f} days: a typing error?",
                "correct the vendor's delivery lead time on the product's purchase tab",
                "error",
            )
        )
        found = check_quantities(
            sub,
            q[sel],
            f"vendor minimum quantity ({name})",
            what="minimum order quantity",
            max_quantity=max_quantity,
            annual_demand=None if annual_demand is None else np.asarray(annual_demand)[sel],
            max_years=moq_years,
            action="correct the vendor's minimum quantity on the product's purchase tab",
        )
        parts.append(found[found["reason"] != "negative minimum order quantity"])
        parts.append(
            _rows(
                sub,
                ~conv[sel],
                f"vendor unit ({name})",
                np.full(int(sel.sum()), "not convertible", dtype=object),
                "the vendor's purchase unit cannot be converted to the product's unit",
                "set a purchase unit of the same kind as the product's unit (or a packaging)",
                "error",
            )
        )
    return _concat(parts)


_LINE = re.compile(r"^\[(error|warning)\] (.+?) — ")


def finding_lines(findings):
    """Findings (dicts with the :data:`FINDING_COLUMNS`) as text, one line per finding,
    errors first: ``[severity] field=value — reason. Action.`` (what a plan shows, and
    what :func:`signatures_of` reads back)."""
    order = {"error": 0, "warning": 1}
    rows = sorted(findings, key=lambda f: (order.get(f["severity"], 2), f["field"]))

    def sentence(text):
        text = str(text).strip()
        return text[:1].upper() + text[1:] + ("" if text[-1:] in ".?!" else ".")

    return "\n".join(
        f"[{f['severity']}] {f['field']}={f['value']} — {sentence(f['reason'])} "
        f"{sentence(f['action'])}"
        for f in rows
    )


def signatures_of(text):
    """``field=value`` of each line of a :func:`finding_lines` text."""
    out = []
    for line in (text or "").splitlines():
        match = _LINE.match(line)
        if match:
            out.append(match.group(2))
    return out
