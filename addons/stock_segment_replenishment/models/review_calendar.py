"""The review calendar shared by periodic-review segments and vendor order cycles:
reviews fall on an anchor day and every ``period`` days after it."""

from datetime import date, timedelta

# Monday of the week the review calendar counts from by default.
EPOCH = date(2025, 1, 6)


def cycle_anchor(order_on, weekday, anchor_date):
    """A vendor cycle's first order day: the cycle's weekday in the week of
    :data:`EPOCH` (``order_on == "weekday"``), else its first order day."""
    if order_on == "weekday":
        return EPOCH + timedelta(days=int(weekday or 0))
    return anchor_date or EPOCH


def next_review(day, anchor, period):
    """The first review day on or after ``day`` (``day`` itself when it is one)."""
    period = max(int(period or 1), 1)
    return day + timedelta(days=(-(day - (anchor or EPOCH)).days) % period)
