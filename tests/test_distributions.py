import math

import pytest
from scipy import stats

from lib.distributions import beta, support, truncated_normal, uniform


def test_support_of_valid_priors():
    assert support(uniform(0.2, 0.7)) == (0.2, 0.7)
    assert support(beta(2, 3)) == (0.0, 1.0)
    lo, hi = support(truncated_normal(0.5, 0.2))
    assert (lo, hi) == pytest.approx((0.0, 1.0))
    assert truncated_normal(0.5, 0.2).cdf(1.0) == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [stats.norm(0, 1), stats.expon()])
def test_unbounded_support_is_rejected(bad):
    with pytest.raises(ValueError, match="bounded"):
        support(bad, "quality")


@pytest.mark.parametrize("bad", [0.5, "uniform", stats.uniform, stats.poisson(3), None])
def test_non_distributions_are_rejected(bad):
    with pytest.raises(TypeError, match="quality"):
        support(bad, "quality")


@pytest.mark.parametrize("args", [(1, 0), (0, math.nan), (0, math.inf)])
def test_bad_intervals(args):
    with pytest.raises(ValueError):
        uniform(*args)


@pytest.mark.parametrize("a,b", [(0, 1), (-1, 2), (math.nan, 1)])
def test_bad_beta_shapes(a, b):
    with pytest.raises(ValueError, match="must be a positive"):
        beta(a, b)


def test_array_valued_distribution_is_rejected_naming_it():
    with pytest.raises(TypeError, match="quality"):
        support(stats.uniform(loc=[0, 1], scale=1), "quality")
