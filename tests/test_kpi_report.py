import numpy as np
import pytest

from invplan import kpi_report as kr


def test_end_of_day_stock_worked_example():
    out = kr.end_of_day_stock([10.0], [[5.0, -3.0]], flow_after=[2.0])
    np.testing.assert_allclose(out, [[11.0, 8.0]])


def test_end_of_day_stock_matches_forward_ledger():
    rng = np.random.default_rng(3)
    start = rng.uniform(0, 50, 4)
    flow = rng.integers(-5, 6, (4, 9)).astype(float)
    forward = start[:, None] + np.cumsum(flow, axis=1)
    current = forward[:, -1]
    np.testing.assert_allclose(kr.end_of_day_stock(current, flow), forward)


def test_end_of_day_stock_rejects_shape():
    with pytest.raises(ValueError):
        kr.end_of_day_stock([1.0, 2.0], [[1.0]])


def test_pooled_wape_worked_example():
    assert kr.pooled_wape([10.0, 40.0], [100.0, 50.0]) == pytest.approx(20.0)
    assert kr.pooled_wape([10.0], [0.0]) == 0.0


def test_pooled_mean():
    assert kr.pooled_mean([2.0, -1.0], [1.0, 3.0]) == pytest.approx(-0.25)
    assert kr.pooled_mean([2.0], [0.0]) == 0.0


def test_service_status_bands():
    out = kr.service_status([96.0, 93.5, 92.0, 95.0], 95.0, 2.0)
    assert list(out) == ["green", "amber", "red", "green"]
    with pytest.raises(ValueError):
        kr.service_status([1.0], 1.0, -1.0)


def test_excess_value():
    np.testing.assert_allclose(
        kr.excess_value([130.0, 50.0, 80.0], [100.0, 100.0, 0.0], 2.5), [75.0, 0.0, 0.0]
    )


def test_working_capital_effect():
    np.testing.assert_allclose(kr.working_capital_effect(10, 30, 20, 50, 4.0), [60.0])


def test_rank_within_groups():
    assert list(kr.rank_within_groups([0.9, 0.8, 0.9], [1, 1, 1])) == [1, 3, 1]
    assert list(kr.rank_within_groups([5.0, 3.0, 1.0, 2.0], ["a", "a", "b", "b"], False)) == [
        2,
        1,
        1,
        2,
    ]
