"""Classification: ABC, XYZ, demand pattern, lifecycle, segment rules."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invplan import classify as C


def test_abc_hand_example():
    """Ten items, total 1,000: cumulative share before each item read against 80 / 95."""
    values = [400, 250, 150, 80, 50, 30, 20, 10, 6, 4]
    res = C.classify_abc(values)
    # before-shares: 0, .40, .65, .80, .88, .93, .96, .98, .99, .996
    assert res["abc"].tolist() == ["A", "A", "A", "B", "B", "B", "C", "C", "C", "C"]
    assert res["cum_share"].iloc[2] == pytest.approx(0.80)


def test_abc_cutoffs_configurable_and_ties_deterministic():
    res = C.classify_abc([10, 10, 10, 10], cutoffs=(0.5, 0.75), ids=["d", "c", "b", "a"])
    # ties broken by id ascending: a, b first
    order = res.sort_values("rank")["item"].tolist()
    assert order == ["a", "b", "c", "d"]
    assert dict(zip(res["item"], res["abc"], strict=True)) == {
        "a": "A",
        "b": "A",
        "c": "B",
        "d": "C",
    }
    again = C.classify_abc([10, 10, 10, 10], cutoffs=(0.5, 0.75), ids=["d", "c", "b", "a"])
    pd.testing.assert_frame_equal(res, again)


def test_abc_zero_negative_nan():
    res = C.classify_abc([100, 0, -20, np.nan])
    assert res["abc"].tolist() == ["A", "C", "C", "C"]
    assert res["status"].tolist() == ["ok", "zero_value", "negative_value", "nan_input"]
    assert res["negative_value"].tolist() == [False, False, True, False]
    assert np.isfinite(res.select_dtypes("number").to_numpy(float)).all()


def test_abc_bad_cutoffs():
    with pytest.raises(ValueError, match="cutoffs"):
        C.classify_abc([1, 2], cutoffs=(0.9, 0.5))


def test_xyz_matches_independent_cv_and_ignores_censored():
    rng = np.random.default_rng(3)
    d = rng.gamma(2.0, 5.0, size=(50, 30))
    cens = rng.random(d.shape) < 0.1
    res = C.classify_xyz(d, cens)
    for i in range(0, 50, 7):
        x = d[i][~cens[i]]
        cv = np.std(x, ddof=1) / np.mean(x)
        assert res.loc[i, "demand_cv"] == pytest.approx(cv)
        assert res.loc[i, "xyz"] == ("X" if cv < 0.5 else "Y" if cv < 1.0 else "Z")
    # a stockout period (zero sales) changes the CV only when it is not masked
    row = np.array([[10.0, 10, 10, 0, 10, 10]])
    assert C.classify_xyz(row, row == 0).loc[0, "demand_cv"] == 0
    assert C.classify_xyz(row).loc[0, "demand_cv"] > 0


def test_xyz_statuses():
    d = np.array([[0.0] * 10, [1.0, np.nan, np.nan, np.nan, np.nan, np.nan, 1, 1, np.nan, np.nan]])
    res = C.classify_xyz(d)
    assert res["status"].tolist() == ["no_demand", "insufficient_history"]
    assert res["xyz"].tolist() == ["Z", "Z"]


def test_demand_pattern_quadrants_hand_computed():
    smooth = [10, 11, 9, 10, 12, 10, 9, 11, 10, 10, 11, 9]
    erratic = [1, 30, 2, 25, 1, 40, 3, 1, 35, 2, 1, 28]
    intermittent = [0, 0, 5, 0, 0, 6, 0, 0, 5, 0, 0, 6]
    lumpy = [0, 0, 1, 0, 0, 40, 0, 0, 2, 0, 0, 35]
    res = C.classify_demand_pattern(np.array([smooth, erratic, intermittent, lumpy], float))
    assert res["pattern"].tolist() == ["smooth", "erratic", "intermittent", "lumpy"]
    # intermittent row: ADI = 12 / 4 = 3; sizes 5,6,5,6 -> mean 5.5, pop sd 0.5, CV2 = (0.5/5.5)^2
    assert res.loc[2, "adi"] == pytest.approx(3.0)
    assert res.loc[2, "cv2"] == pytest.approx((0.5 / 5.5) ** 2)


def test_demand_pattern_no_demand_and_short():
    res = C.classify_demand_pattern(np.array([[0.0] * 12, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3.0]]))
    assert res["pattern"].tolist() == ["no_demand", "insufficient_history"]


def _mk_brute(x):
    n = len(x)
    s = sum(np.sign(x[j] - x[i]) for i in range(n) for j in range(i + 1, n))
    _, counts = np.unique(x, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in counts)) / 18
    z = (s - np.sign(s)) / math.sqrt(var) if var > 0 else 0.0
    p = math.erfc(abs(z) / math.sqrt(2))
    return s, var, z, p


def test_mann_kendall_matches_brute_force_with_ties():
    rng = np.random.default_rng(7)
    x = rng.poisson(3, size=(20, 25)).astype(float) + np.arange(25) * rng.uniform(
        -0.2, 0.2, (20, 1)
    )
    x = np.round(x)  # plenty of ties
    res = C.mann_kendall(x)
    for i in range(20):
        s, var, z, p = _mk_brute(x[i])
        assert res.loc[i, "s"] == s
        assert res.loc[i, "var_s"] == pytest.approx(var)
        assert res.loc[i, "z"] == pytest.approx(z)
        assert res.loc[i, "p_value"] == pytest.approx(p)


def test_lifecycle_stages():
    T = 104
    t = np.arange(T)
    rng = np.random.default_rng(11)
    mature = rng.poisson(20, T).astype(float)
    growth = rng.poisson(5 + 0.4 * t).astype(float)
    decline = rng.poisson(50 - 0.4 * t).astype(float)
    new = np.r_[np.zeros(T - 8), rng.poisson(10, 8)].astype(float)
    dormant = np.r_[rng.poisson(10, T - 30), np.zeros(30)].astype(float)
    obsolete = np.r_[rng.poisson(10, T - 60), np.zeros(60)].astype(float)
    none = np.zeros(T)
    res = C.suggest_lifecycle(np.array([mature, growth, decline, new, dormant, obsolete, none]), 7)
    assert res["lifecycle"].tolist() == [
        "mature",
        "growth",
        "decline",
        "new",
        "dormant",
        "obsolete",
        "obsolete",
    ]
    assert res["status"].tolist()[-1] == "no_demand"


def test_lifecycle_thresholds_are_parameters():
    d = np.r_[np.ones(40), np.zeros(12)].reshape(1, -1)
    flat = dict(min_relative_slope=1e9)  # switch the trend rule off
    assert C.suggest_lifecycle(d, 7, **flat)["lifecycle"][0] == "mature"  # 84 days idle
    assert C.suggest_lifecycle(d, 7, dormant_days=70, **flat)["lifecycle"][0] == "dormant"
    assert C.suggest_lifecycle(d, 7)["lifecycle"][0] == "decline"


def test_assign_segments_first_match_and_empty_criteria():
    items = pd.DataFrame(
        {
            "abc": ["A", "A", "B", "C", "C"],
            "xyz": ["X", "Z", "X", "Z", "Y"],
            "pattern": ["smooth", "lumpy", "smooth", "lumpy", "smooth"],
            "lifecycle": ["mature", "mature", "mature", "obsolete", "mature"],
            "category": [1, 2, 3, 4, 5],
            "warehouse": [1, 1, 2, 2, 1],
        }
    )
    rules = pd.DataFrame(
        [
            {"lifecycle": "obsolete", "segment": "EOL"},
            {"pattern": "lumpy", "segment": "LUMPY"},
            {"abc": "A", "xyz": "X", "segment": "AX"},
            {"abc": "B", "category": [3, 9], "segment": "B-cat"},
            {"abc": None, "segment": "REST"},
        ]
    )
    res = C.assign_segments(items, rules)
    assert res["segment"].tolist() == ["AX", "LUMPY", "B-cat", "EOL", "REST"]
    assert res["rule_index"].tolist() == [2, 1, 3, 0, 4]
    res2 = C.assign_segments(items, rules.iloc[:3], default="NONE")
    assert res2["segment"].tolist()[-1] == "NONE" and res2["status"].tolist()[-1] == "no_rule"


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.floats(-1e6, 1e9), st.just(float("nan"))), min_size=12, max_size=12),
        min_size=1,
        max_size=8,
    )
)
def test_classification_never_nan(rows):
    d = np.array(rows, dtype=float)
    res = C.classify_items(np.nansum(np.abs(d), axis=1), d, period_days=7)
    assert np.isfinite(res.select_dtypes("number").to_numpy(float)).all()
    assert res["abc"].isin(C.ABC_CLASSES).all()
    assert res["xyz"].isin(C.XYZ_CLASSES).all()
    assert res["pattern"].isin(C.DEMAND_PATTERNS).all()
    assert res["lifecycle"].isin(C.LIFECYCLE_STAGES).all()


def test_a_product_younger_than_the_new_period_is_new_not_obsolete():
    from invplan.classify import suggest_lifecycle

    # A year without any delivery: obsolete, unless the product is only days old.
    demand = np.zeros((3, 53))
    out = suggest_lifecycle(demand, 7, age_days=[4, 200, np.nan])
    assert list(out["lifecycle"]) == ["new", "dormant", "obsolete"]
    assert out["days_since_last_demand"].iat[1] == 200
    # An age contradicted by older demand (an imported catalogue) is ignored.
    history = np.ones((1, 53))
    assert suggest_lifecycle(history, 7, age_days=[0])["lifecycle"].iat[0] == "mature"
    # Without ages, the old behaviour: all obsolete.
    assert set(suggest_lifecycle(demand, 7)["lifecycle"]) == {"obsolete"}
