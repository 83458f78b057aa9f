"""Per-item review periods in the planning run (``run_plan(review_days=...)``)."""

import numpy as np
import pandas as pd
import pytest

from invplan.demo import generate_catalogue
from invplan.planning import (
    HISTORY_COLUMNS,
    HISTORY_OPTIONAL,
    ITEM_COLUMNS,
    ITEM_OPTIONAL,
    run_plan,
    validate_table,
)


@pytest.fixture(scope="module")
def tables():
    history, items = generate_catalogue(n_products=30, seed=3)
    h = validate_table(history.astype(str), "history", HISTORY_COLUMNS, HISTORY_OPTIONAL)
    i = validate_table(items.astype(str), "items", ITEM_COLUMNS, ITEM_OPTIONAL)
    return h, i


def test_items_get_their_own_review_period(tables):
    h, i = tables
    base = run_plan(h, i).policy
    stocked = base["stocked"].to_numpy(bool)
    assert stocked.sum() > 10
    R = np.where(np.arange(len(i)) % 3 == 0, 0.0, np.where(np.arange(len(i)) % 3 == 1, 7.0, 21.0))
    pol = run_plan(h, i, review_days=R).policy
    live = pol["stocked"].to_numpy(bool) & stocked
    periodic = live & (R > 0)
    # the periodic items carry their review period; the others keep the daily check
    assert np.array_equal(pol["review_days"].to_numpy()[periodic], R[periodic])
    assert (pol["review_days"].to_numpy()[live & (R == 0)] == 0).all()
    # their protection interval is lead time + R (SPP 7.4), the mean over it d (L + R)
    lt = i["lead_time_days"].to_numpy(float)
    d = pol["demand_per_day"].to_numpy(float)
    normal = periodic & pol["method"].eq("normal").to_numpy()
    assert normal.sum() > 3
    assert pol["demand_mean_p"].to_numpy()[normal] == pytest.approx(
        (d * (lt + R))[normal], rel=1e-6
    )
    # (R, S): the reorder point is the order-up-to level (any review below S orders)
    assert np.array_equal(
        pol["reorder_point"].to_numpy()[periodic], pol["order_up_to"].to_numpy()[periodic]
    )
    # items without a review period keep the daily-checked (s, S): S = s + Q
    cont = live & (R == 0) & (pol["order_qty"].to_numpy() > 0)
    assert cont.sum() > 3
    assert pol["order_up_to"].to_numpy()[cont] == pytest.approx(
        (pol["reorder_point"] + pol["order_qty"]).to_numpy()[cont]
    )


def test_longer_review_holds_more(tables):
    h, i = tables
    n = len(i)
    short = run_plan(h, i, review_days=np.full(n, 7.0)).policy
    long = run_plan(h, i, review_days=np.full(n, 28.0)).policy
    live = short["stocked"].to_numpy(bool) & long["stocked"].to_numpy(bool)
    assert live.sum() > 10
    assert (long["order_up_to"].to_numpy()[live] >= short["order_up_to"].to_numpy()[live]).all()
    assert long["order_up_to"].to_numpy()[live].sum() > short["order_up_to"].to_numpy()[live].sum()


def test_zeros_or_none_keep_the_segments_rules(tables):
    h, i = tables
    a = run_plan(h, i).policy
    b = run_plan(h, i, review_days=np.zeros(len(i))).policy
    c = run_plan(h, i, review_days=np.full(len(i), np.nan)).policy
    cols = ["status", "reorder_point", "order_up_to", "safety_stock", "review_days"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    pd.testing.assert_frame_equal(a[cols], c[cols])


@pytest.mark.parametrize("bad", [np.ones(3), np.full(60, -1.0), np.full(60, np.inf)])
def test_bad_review_days_refused(tables, bad):
    h, i = tables
    assert len(i) == 60
    with pytest.raises(ValueError, match="review_days"):
        run_plan(h, i, review_days=bad)
