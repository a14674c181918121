"""Checks that kill mutants of lib/screening.py (tools/mutate.py) the other tests let live."""
import math

import numpy as np
import pytest
import sympy as sp

from lib import screening
from lib.screening import monopoly_menu, rothschild_stiglitz, wilson_miyazaki_spence


def test_menu_refuses_types_at_the_documented_bound():
    """The docstring's bound is strict: types must be below 1e154; 1e154 itself is refused by name."""
    with pytest.raises(ValueError, match="types must be below 1e154"):
        monopoly_menu([5e153, 1e154], [0.5, 0.5])
    assert math.isfinite(monopoly_menu([5e153, np.nextafter(1e154, 0)], [0.5, 0.5]).profit)


def test_linear_utility_is_refused_as_not_concave_not_as_a_tiny_loss():
    """u(x) = x on a grid of integers (wealth 256, loss 200: step 1): every second difference is exactly 0. That
    is a linear utility, not rounding noise, so the error is about concavity, not about the size of the loss."""
    with pytest.raises(ValueError, match="strictly concave"):
        rothschild_stiglitz(0.1, 0.3, 0.5, 256.0, 200.0, utility=lambda x: x)


def test_utility_noise_uses_the_slopes_along_the_low_line():
    """_utility_noise = ulp (2 + slope_L / slope_H), the slopes of L's and H's utility along L's zero-profit line at
    c_L; for log utility they are d/dc[(1 - p) ln(W - p_L c) + p ln(W - d + (1 - p_L) c)] in closed form."""
    pl, ph, w, d = 0.1, 0.3, 100.0, 50.0
    c = rothschild_stiglitz(pl, ph, 0.5, w, d).low_coverage
    x1, x2 = w - pl * c, w - d + (1 - pl) * c

    def slope(p):
        return abs(-(1 - p) * pl / x1 + p * (1 - pl) / x2)

    ulp = 16 * np.finfo(float).eps * max(abs(math.log(w)), abs(math.log(w - d)))
    expected = ulp * (2 + slope(pl) / slope(ph))
    assert screening._utility_noise(np.log, pl, ph, w, d, c) / expected == pytest.approx(1.0, rel=1e-4)  # ~1e-14:
    # relative, not pytest.approx's default absolute 1e-12


X = sp.Symbol("x", positive=True)


@pytest.mark.parametrize("market,u_sym,u_np", [
    ((0.1, 0.3, 100.0, 50.0), sp.log(X), np.log),
    ((0.3, 0.35, 10.0, 9.0), -X**-9, lambda x: -x ** -9.0),
    ((0.05, 0.2, 10.0, 6.0), sp.sqrt(X), np.sqrt),
    ((0.05, 0.2, 10.0, 6.0), -sp.exp(-X / 2), lambda x: -np.exp(-0.5 * x)),
])
def test_wms_threshold_against_sympy_for_four_utilities(market, u_sym, u_np):
    """lambda_WMS from sympy: differentiate L's utility along H's binding constraint at s = 0 (implicit function
    theorem, exact derivatives of u) and solve for r = lambda / (1 - lambda); lib's finite differences of u must
    agree to 1e-9 (a step tied to the scale of wealth, not of the loss, is needed for -x^-9)."""
    pl, ph, w, d = market
    c_rs = rothschild_stiglitz(pl, ph, 0.5, w, d, utility=u_np).low_coverage
    c, s, r = sp.symbols("c s r", real=True)

    def u(z):
        return u_sym.subs(X, z)

    prem = pl * c + r * s
    v_low = (1 - pl) * u(w - prem) + pl * u(w - prem - d + c)
    h = (1 - ph) * u(w - prem) + ph * u(w - prem - d + c) - u(w - ph * d + s)
    gain = (sp.diff(v_low, s) - sp.diff(v_low, c) * sp.diff(h, s) / sp.diff(h, c)).subs({s: 0, c: sp.Float(c_rs, 30)})
    r_ref = float(sp.solve(gain, r)[0])
    lib = wilson_miyazaki_spence(pl, ph, 0.5, w, d, utility=u_np).threshold
    assert lib == pytest.approx(r_ref / (1 + r_ref), rel=1e-9)


@pytest.mark.parametrize("scale", [1e-6, 1e6])
@pytest.mark.parametrize("share", [0.08, 0.5])
def test_wms_log_utility_is_scale_free(scale, share):
    """ln(k x) = ln k + ln x: scaling wealth and loss by k scales the WMS coverage and subsidy by k, shifts the
    utilities by ln k and leaves lambda_WMS alone."""
    base = wilson_miyazaki_spence(0.1, 0.3, share, 100.0, 50.0)
    m = wilson_miyazaki_spence(0.1, 0.3, share, 100.0 * scale, 50.0 * scale)
    assert m.low_coverage / scale == pytest.approx(base.low_coverage, rel=1e-6)
    assert m.subsidy / scale == pytest.approx(base.subsidy, rel=1e-5, abs=1e-12)
    assert m.low_utility - math.log(scale) == pytest.approx(base.low_utility, abs=1e-12)
    assert m.threshold == pytest.approx(base.threshold, rel=1e-9) and m.equals_rs == base.equals_rs


def test_existence_threshold_above_one_half_against_bisection():
    """lambda* > 1/2 (CRRA 2, p_L = 0.3, p_H = 0.9, 99% loss; lambda* about 0.85): lib's threshold against a direct bisection of the
    pooling-deviation condition, with L's best pooled contract by a dense coverage grid and H's indifference by
    brentq (the slope check's bracket must stay inside (0, 1): at lambda = 1.5 lambda* the pooled price would
    exceed 1 and the threshold would be refused)."""
    from scipy import optimize
    pl, ph, w, d = 0.3, 0.9, 100.0, 99.0
    u = lambda x: -1.0 / x
    eu = lambda p, c, prem: (1 - p) * u(w - prem) + p * u(w - prem - d + c)
    c_rs = optimize.brentq(lambda c: eu(ph, c, pl * c) - u(w - ph * d), 1e-9, d, xtol=1e-14)
    u_low = eu(pl, c_rs, pl * c_rs)
    cov = np.linspace(0.0, d, 200001)

    def pooled_beats_rs(lam):
        q = lam * ph + (1 - lam) * pl
        k = int(np.argmax(eu(pl, cov, q * cov)))
        lo, hi = cov[max(k - 1, 0)], cov[min(k + 1, len(cov) - 1)]
        res = optimize.minimize_scalar(lambda c: -eu(pl, c, q * c), bounds=(lo, hi), method="bounded",
                                       options={"xatol": 1e-12})
        return -res.fun > u_low

    a, b = 0.0, 1.0
    for _ in range(40):
        m = 0.5 * (a + b)
        a, b = (m, b) if pooled_beats_rs(m) else (a, m)
    lam = screening.rs_existence_threshold(pl, ph, w, d, u)
    assert 0.5 < lam < 1 and abs(lam - 0.5 * (a + b)) < 1e-7
