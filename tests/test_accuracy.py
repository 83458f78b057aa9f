"""Accuracy metrics against hand computations."""

import numpy as np
import pytest

from invplan import accuracy

A = np.array([[10.0, 0.0, 5.0, 20.0], [4.0, 4.0, 4.0, 4.0]])
F = np.array([[8.0, 1.0, 5.0, 25.0], [4.0, 4.0, 4.0, 4.0]])
INS = np.array([[10.0, 12.0, 9.0, 13.0], [4.0, 4.0, 4.0, 4.0]])


def test_hand_computed_row():
    # errors row 0: 2, -1, 0, -5
    assert accuracy.mae(A, F)[0] == pytest.approx(8 / 4)
    assert accuracy.rmse(A, F)[0] == pytest.approx(np.sqrt((4 + 1 + 0 + 25) / 4))
    assert accuracy.mape(A, F)[0] == pytest.approx(100 * (0.2 + 0 + 0.25) / 3)
    smape = 100 * (2 * 2 / 18 + 2 * 1 / 1 + 0 + 2 * 5 / 45) / 4
    assert accuracy.smape(A, F)[0] == pytest.approx(smape)
    assert accuracy.wape(A, F)[0] == pytest.approx(8 / 35)
    assert accuracy.bias(A, F)[0] == pytest.approx(-4 / 4)
    assert accuracy.relative_bias(A, F)[0] == pytest.approx(-4 / 35)
    assert accuracy.tracking_signal(A, F)[0] == pytest.approx(-4 / 2)
    # naive in-sample MAE: |2|, |-3|, |4| -> 3
    assert accuracy.naive_scale(INS)[0] == pytest.approx(3.0)
    assert accuracy.mase(A, F, INS)[0] == pytest.approx(2 / 3)
    assert accuracy.naive_scale(INS, season_length=2)[0] == pytest.approx((1 + 1) / 2)


def test_perfect_and_undefined_rows_are_zero_not_nan():
    t = accuracy.accuracy_table(A, F, INS)
    assert t.loc[1, "mae"] == 0.0 and t.loc[1, "mase"] == 0.0
    assert t.loc[1, "status"] == "no_scale"
    assert not t.drop(columns="status").isna().any().any()
    z = accuracy.accuracy_table(np.zeros((1, 3)), np.ones((1, 3)))
    assert z.loc[0, "status"] == "zero_actuals" and z.loc[0, "mape"] == 0.0
    n = accuracy.accuracy_table(np.full((1, 3), np.nan), np.ones((1, 3)))
    assert n.loc[0, "status"] == "no_data" and n.loc[0, "n"] == 0


def test_nan_periods_are_skipped():
    a = np.array([[10.0, np.nan, 5.0]])
    f = np.array([[8.0, 3.0, np.nan]])
    assert accuracy.mae(a, f)[0] == pytest.approx(2.0)
    assert accuracy.accuracy_table(a, f).loc[0, "n"] == 1


def test_group_aggregation_pools_sums():
    g = accuracy.accuracy_table(A, F, INS, group=["x", "x"])
    assert g.loc["x", "mae"] == pytest.approx(8 / 8)
    assert g.loc["x", "wape"] == pytest.approx(8 / 51)
    assert g.loc["x", "bias"] == pytest.approx(-4 / 8)
    # series 2 has no scale: its errors do not enter the pooled MASE
    assert g.loc["x", "mase"] == pytest.approx((8 / 3) / 4)
    per = accuracy.accuracy_table(A, F, group=["a", "b"])
    assert list(per.index) == ["a", "b"]


def test_trigg_signal():
    a = np.array([[1.0, 1.0, 1.0]])
    f = np.zeros((1, 3))
    assert accuracy.trigg_tracking_signal(a, f)[0] == pytest.approx(1.0)
    e = np.array([[1.0, -1.0]])
    # E = 0.1, then 0.1 + 0.1(-1 - 0.1) = -0.01; M = 0.1, then 0.19
    assert accuracy.trigg_tracking_signal(e, np.zeros((1, 2)))[0] == pytest.approx(-0.01 / 0.19)
    with pytest.raises(ValueError):
        accuracy.trigg_tracking_signal(a, f, alpha=0)
