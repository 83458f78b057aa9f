"""Stage adjustments and residual-demand summaries against hand and independent values."""

import math

import numpy as np
import pytest

from invplan import lifecycle_policy as lp


def test_stage_adjusted_inputs_example():
    d, s, a = lp.stage_adjusted_inputs(
        [10.0, 4.0, 2.0], [5.0, 1.0, 1.0], [0.95, 0.95, 0.8], [0.6, 1.0, np.nan], [0.9, 0, 0.9]
    )
    assert d.tolist() == pytest.approx([6.0, 4.0, 2.0])
    assert s.tolist() == pytest.approx([3.0, 1.0, 1.0])
    assert a.tolist() == pytest.approx([0.9, 0.95, 0.8])
    with pytest.raises(ValueError, match="below zero"):
        lp.stage_adjusted_inputs([1.0], [1.0], [0.9], [-0.5], [0])


def _poisson_quantile(mu, q):
    x, cdf, term = 0, math.exp(-mu), math.exp(-mu)
    while cdf < q:
        x += 1
        term *= mu / x
        cdf += term
    return x


def test_residual_summary_poisson_matches_loop():
    mus = [0.0, 0.7, 10.0, 33.3]
    out = lp.residual_demand_summary(mus)
    assert out["q50"].tolist()[2] == 10
    assert out.loc[2, ["q10", "q50", "q90"]].tolist() == [6, 10, 14]
    for i, mu in enumerate(mus[1:], start=1):
        for q in (0.1, 0.5, 0.9):
            assert out.loc[i, f"q{round(100 * q)}"] == _poisson_quantile(mu, q)
    assert out.loc[0, "q90"] == 0
    assert out.loc[2, "p_zero"] == pytest.approx(math.exp(-10))


def test_residual_summary_negative_binomial_moments():
    out = lp.residual_demand_summary([20.0], [60.0], probs=(0.5, 0.95))
    assert out.loc[0, "distribution"] == "negative_binomial"
    assert out.loc[0, "std"] == pytest.approx(math.sqrt(60))
    # n = 20^2 / 40 = 10, p = 1/3: P(D=0) = p^n
    assert out.loc[0, "p_zero"] == pytest.approx((1 / 3) ** 10)
    assert out.loc[0, "q95"] > _poisson_quantile(20.0, 0.95)
    with pytest.raises(ValueError):
        lp.residual_demand_summary([-1.0])
