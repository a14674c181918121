"""Checks that kill mutants of lib/distributions.py (tools/mutate.py) the other tests let live.

Each prior is compared with an independent route: its moments in closed form (from the textbook formulas, not
from scipy's parametrisation) and its density integrated by quadrature.
"""
import math

import numpy as np
import pytest
from scipy import integrate, stats

from lib.distributions import beta, support, truncated_normal, uniform


def moments_by_quadrature(dist, lo, hi):
    mass = integrate.quad(dist.pdf, lo, hi)[0]
    mean = integrate.quad(lambda x: x * dist.pdf(x), lo, hi)[0]
    return mass, mean


def test_default_supports_are_the_unit_interval():
    assert support(uniform()) == (0.0, 1.0)
    assert support(beta(2, 3)) == (0.0, 1.0)
    assert support(truncated_normal(0.3, 0.2)) == pytest.approx((0.0, 1.0), abs=1e-15)


@pytest.mark.parametrize("lo,hi", [(0.2, 0.7), (-3.0, -1.0), (1.0, 5.0)])
def test_uniform_on_an_interval_has_its_closed_form_moments(lo, hi):
    dist = uniform(lo, hi)
    assert support(dist) == pytest.approx((lo, hi))
    mass, mean = moments_by_quadrature(dist, lo, hi)
    assert mass == pytest.approx(1.0) and mean == pytest.approx((lo + hi) / 2)
    assert dist.var() == pytest.approx((hi - lo) ** 2 / 12)


@pytest.mark.parametrize("a,b,lo,hi", [(2.0, 3.0, 0.2, 0.7), (0.5, 0.8, 1.0, 4.0), (5.0, 1.5, -1.0, 0.0)])
def test_stretched_beta_has_its_closed_form_mean(a, b, lo, hi):
    dist = beta(a, b, lo, hi)
    assert support(dist) == pytest.approx((lo, hi))
    mass, mean = moments_by_quadrature(dist, lo, hi)
    assert mass == pytest.approx(1.0, abs=1e-6)
    assert mean == pytest.approx(lo + (hi - lo) * a / (a + b), abs=1e-6)


def test_beta_accepts_every_positive_shape_and_rejects_others():
    for a, b in [(0.5, 0.5), (0.01, 3.0), (1.0, 0.2)]:
        assert support(beta(a, b)) == (0.0, 1.0)
    for a, b in [(math.inf, 1.0), (True, 2.0), ("2", 3.0), (2.0, 0.0), (2.0, -0.5)]:
        with pytest.raises(ValueError, match="positive finite"):
            beta(a, b)


def _truncated_normal_mean(mu, sd, lo, hi):
    """Textbook formula: mu + sd (phi(alpha) - phi(beta)) / (Phi(beta) - Phi(alpha)), alpha = (lo - mu)/sd."""
    phi = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    Phi = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    alpha, beta_ = (lo - mu) / sd, (hi - mu) / sd
    return mu + sd * (phi(alpha) - phi(beta_)) / (Phi(beta_) - Phi(alpha))


@pytest.mark.parametrize("mu,sd,lo,hi", [(0.3, 0.2, 0.0, 1.0), (0.5, 0.5, 0.0, 1.0), (2.0, 1.5, 1.0, 4.0),
                                         (-0.5, 0.3, -1.0, 0.5)])
def test_truncated_normal_has_its_closed_form_mean(mu, sd, lo, hi):
    dist = truncated_normal(mu, sd, lo, hi)
    assert support(dist) == pytest.approx((lo, hi))
    mass, mean = moments_by_quadrature(dist, lo, hi)
    assert mass == pytest.approx(1.0, abs=1e-8)
    assert mean == pytest.approx(_truncated_normal_mean(mu, sd, lo, hi), abs=1e-8)
    # the density is the normal one up to a constant: its ratio at two points
    x, y = lo + 0.25 * (hi - lo), lo + 0.75 * (hi - lo)
    assert dist.pdf(x) / dist.pdf(y) == pytest.approx(math.exp(((y - mu) ** 2 - (x - mu) ** 2) / (2 * sd * sd)))


@pytest.mark.parametrize("sd", [0.0, -0.1, math.inf, math.nan])
def test_truncated_normal_rejects_a_bad_sd(sd):
    with pytest.raises(ValueError, match="sd"):
        truncated_normal(0.5, sd)


@pytest.mark.parametrize("mean", [math.nan, math.inf, "0.5"])
def test_truncated_normal_rejects_a_bad_mean(mean):
    with pytest.raises(ValueError, match="mean"):
        truncated_normal(mean, 0.2)


@pytest.mark.parametrize("lo,hi", [(0.5, 0.5), (True, 2.0), (0.0, False), ("0", 1.0), (math.nan, 1.0)])
def test_bad_intervals_are_rejected(lo, hi):
    with pytest.raises(ValueError):
        uniform(lo, hi)
    with pytest.raises(ValueError):
        beta(2.0, 2.0, lo, hi)


def test_support_rejects_degenerate_and_array_distributions():
    with pytest.raises(ValueError):
        support(stats.uniform(loc=0.3, scale=0.0))  # scipy gives nan support

    class Flat(stats.rv_continuous):
        def _pdf(self, x):
            return np.ones_like(x)

    for lo, hi in [(0.5, 0.5), (0.7, 0.2)]:
        with pytest.raises(ValueError, match="lo < hi"):
            support(Flat(a=lo, b=hi)())
    with pytest.raises(TypeError, match="single"):
        support(stats.uniform(loc=np.array([0.0, 0.5]), scale=1.0))
