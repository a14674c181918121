"""Chapter 1's exercises (lib/checks/ex_lemons.py): every reference agrees with an independent route (closed forms
typed from the derivations, brute-force grids, scipy quad and betainc), and typical wrong answers are 'incorrect'
with a hint that points at the mistake. The parameters are typed here as the statements give them."""
import math

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, optimize, special

from lib import checks
from lib.checks import check


def ref(exercise_id):
    return checks.get(exercise_id).reference


def brute_force_uniform_price(lo, hi, b, n=200_001):
    """Largest p on a fine grid with b E[q | q <= min(p, hi)] >= p, uniform quality (E[q | q <= x] = (lo + x)/2)."""
    p = np.linspace(lo, b * hi, n)
    ok = b * (lo + np.minimum(p, hi)) / 2 >= p
    return p[np.flatnonzero(ok)[-1]]


# ------------------------------------------------------------------------------------------------ exit threshold

def test_exit_threshold_is_the_derived_formula():
    b, mu = sp.symbols("b mu", positive=True)
    assert sp.simplify(ref("lemons.exit_threshold") - (b - 1) * mu) == 0


@pytest.mark.parametrize("b, mu", [(1.5, 1.0), (1.2, 2.0), (1.8, 0.5)])
def test_exit_threshold_by_brute_force(b, mu):
    """The smallest spread at which the brute-force market stops trading every car."""
    sigmas = np.linspace(0.001, mu, 2000)
    shares = [(min(brute_force_uniform_price(mu - s, mu + s, b, 4001), mu + s) - (mu - s)) / (2 * s) for s in sigmas]
    first_exit = sigmas[np.flatnonzero(np.array(shares) < 1 - 1e-9)[0]]
    expr = ref("lemons.exit_threshold")
    value = float(expr.subs({s: {"b": b, "mu": mu}[s.name] for s in expr.free_symbols}))
    assert value == pytest.approx(first_exit, abs=2 * (sigmas[1] - sigmas[0]))


@pytest.mark.parametrize("wrong", ["b*mu", "mu/(b - 1)", "(b - 1)*mu/b", "mu*(2 - b)", "b*mu - 1"])
def test_exit_threshold_wrong_answers(wrong):
    result = check("lemons.exit_threshold", wrong)
    assert result.status == "incorrect" and "b mu = mu + sigma" in result.message


def test_exit_threshold_equivalent_forms_are_accepted():
    assert check("lemons.exit_threshold", "b*mu - mu").correct
    b, mu = sp.symbols("b mu", positive=True)
    assert check("lemons.exit_threshold", sp.factor(b * mu - mu)).correct


# ------------------------------------------------------------------------------------------------ price and share

def test_price_matches_closed_form_and_brute_force():
    mu, sigma, b = 1.0, 0.75, 1.5
    price = b * (mu - sigma) / (2 - b)                  # typed from the chapter's derivation (sigma > sigma*)
    share = (price - (mu - sigma)) / (2 * sigma)
    assert ref("lemons.price") == pytest.approx((price, share), abs=1e-12)
    assert (price, share) == pytest.approx((0.75, 1 / 3), abs=1e-15)
    assert ref("lemons.price")[0] == pytest.approx(brute_force_uniform_price(0.25, 1.75, 1.5), abs=1e-5)


@pytest.mark.parametrize("wrong", [(1.5, 1.0), (1.5, 1 / 3), (0.75, 0.75 / 1.75), (0.75, 0.5)])
def test_price_wrong_answers(wrong):
    """b mu (mean of all cars), or a share that is not F(p) = (p - 0.25)/1.5."""
    result = check("lemons.price", wrong)
    assert result.status == "incorrect" and "OFFERED" in result.message


# ------------------------------------------------------------------------------------------------ welfare loss

def closed_form_loss(sigma, mu=1.0, b=1.5):
    """(b - 1) mu - W, W = (b - 1)^2 (mu - sigma)^2 / ((2 - b)^2 sigma) beyond sigma* = (b - 1) mu."""
    if sigma <= (b - 1) * mu:
        return 0.0
    return (b - 1) * mu - (b - 1) ** 2 * (mu - sigma) ** 2 / ((2 - b) ** 2 * sigma)


def quad_loss(sigma, mu=1.0, b=1.5):
    """(b - 1) times the integral of q over the cars that do not trade, with the brute-force price."""
    lo, hi = mu - sigma, mu + sigma
    top = min(brute_force_uniform_price(lo, hi, b), hi)
    return (b - 1) * integrate.quad(lambda q: q / (2 * sigma), top, hi)[0]


def test_welfare_loss_points_cover_both_regimes():
    points = [args[0] for args in checks.get("lemons.welfare_loss").points]
    assert min(points) < 0.5 and max(points) == 1.0 and sum(p > 0.5 for p in points) >= 4


@pytest.mark.parametrize("sigma", [0.1, 0.5, 0.55, 0.6, 0.75, 0.9, 1.0])
def test_welfare_loss_by_closed_form_and_quad(sigma):
    f = ref("lemons.welfare_loss")
    assert f(sigma) == pytest.approx(closed_form_loss(sigma), abs=1e-12)
    assert f(sigma) == pytest.approx(quad_loss(sigma), abs=2e-5)


def test_welfare_loss_accepts_the_closed_form():
    assert check("lemons.welfare_loss", closed_form_loss).correct


# With mu = 1, b = 1.5 and sigma > 0.5: p = 3 (1 - sigma), F(p) = (1 - sigma)/sigma, E[q | q <= p] = 2 (1 - sigma).
@pytest.mark.parametrize("wrong", [
    lambda s: 0.5 - (1 - s) ** 2 / s,                                    # exit formula in both regimes
    lambda s: 0.0 if s <= 0.5 else 0.5 - 0.5 * 2 * (1 - s),              # W without the share F(p)
    lambda s: 0.5 if s <= 0.5 else (1 - s) ** 2 / s,                     # the welfare, not the loss
    lambda s: 0.0 if s <= 0.5 else 0.5 * (1 - (1 - s) / s),              # (b - 1) x the share that does not trade
])
def test_welfare_loss_wrong_answers(wrong):
    result = check("lemons.welfare_loss", wrong)
    assert result.status == "incorrect" and "F(p)" in result.message


# ------------------------------------------------------------------------------------------------ certification

def test_certification_matches_closed_form():
    lo, hi, b, c = 0.25, 1.75, 1.5, 0.15
    mu, sigma = (lo + hi) / 2, (hi - lo) / 2
    theta = lo + 2 * c / b                              # b theta - c = b (lo + theta)/2
    assert theta >= c / (b - 1) and c < b * sigma       # case A: the whole pool sells, somebody certifies
    w_cert = (b - 1) * mu - c * (hi - theta) / (2 * sigma)
    p = b * (mu - sigma) / (2 - b)
    w_lemons = (b - 1) * (p - lo) / (2 * sigma) * (lo + p) / 2
    share = (w_cert - w_lemons) / ((b - 1) * mu - w_lemons)
    assert ref("lemons.certification") == pytest.approx((theta, share), abs=1e-12)
    assert (theta, share) == pytest.approx((0.45, 0.688), abs=1e-12)


def test_certification_threshold_by_seller_optimality_on_a_grid():
    """Brute force: the threshold theta at which the sellers' best responses to p_u(theta) reproduce theta."""
    lo, hi, b, c = 0.25, 1.75, 1.5, 0.15
    q = np.linspace(lo, hi, 3001)
    consistent = []
    for theta in q[:-1]:
        p_u = b * (lo + theta) / 2                    # every uncertified car sells if p_u >= theta
        certify = b * q - c >= np.maximum(p_u, q)
        if p_u >= theta and np.array_equal(certify, q >= theta - 1e-12):
            consistent.append(theta)
    assert consistent and max(consistent) == pytest.approx(ref("lemons.certification")[0], abs=1e-3)


@pytest.mark.parametrize("wrong", [(0.3, 0.688), (0.35, 0.688), (0.45, 1.0), (0.45, 0.37)])
def test_certification_wrong_answers(wrong):
    """theta = c/(b - 1); theta = lo + c/b; share ignoring the cost; the welfare instead of the share."""
    result = check("lemons.certification", wrong)
    assert result.status == "incorrect" and "indifferent" in result.message


# ------------------------------------------------------------------------------------------------ Beta quality

def beta_partial(p, a=2, bb=5, lo=0.2, hi=2.2):
    """E[q; q <= p] for q = lo + (hi - lo) X, X ~ Beta(a, bb), by the incomplete beta function."""
    x = min(max((p - lo) / (hi - lo), 0.0), 1.0)
    return lo * special.betainc(a, bb, x) + (hi - lo) * a / (a + bb) * special.betainc(a + 1, bb, x)


def test_beta_price_by_betainc_and_brentq():
    a, bb, lo, hi, b = 2, 5, 0.2, 2.2, 1.5
    mean = lo + (hi - lo) * a / (a + bb)
    assert b * mean < hi                                # the best sellers leave
    h = lambda p: b * beta_partial(p) / special.betainc(a, bb, (p - lo) / (hi - lo)) - p  # noqa: E731
    grid = np.linspace(lo + 1e-3, hi, 4001)
    values = np.array([h(p) for p in grid])
    assert np.count_nonzero(np.diff(np.sign(values))) == 1   # a single equilibrium price
    price = optimize.brentq(h, lo + 1e-3, hi, xtol=1e-14)
    efficiency = beta_partial(price) / mean
    assert ref("lemons.beta_price") == pytest.approx((price, efficiency), abs=1e-9)


def test_beta_price_by_quad():
    """The density of Beta(2, 5) on [0.2, 2.2] written out, integrated by quad."""
    lo, w, b = 0.2, 2.0, 1.5
    pdf = lambda q: 30 * ((q - lo) / w) * (1 - (q - lo) / w) ** 4 / w  # noqa: E731  (1/B(2, 5) = 30)
    price, efficiency = ref("lemons.beta_price")
    offered = integrate.quad(pdf, lo, price)[0]
    assert price == pytest.approx(b * integrate.quad(lambda q: q * pdf(q), lo, price)[0] / offered, abs=1e-9)
    total = integrate.quad(lambda q: q * pdf(q), lo, lo + w)[0]
    assert efficiency == pytest.approx(integrate.quad(lambda q: q * pdf(q), lo, price)[0] / total, abs=1e-9)


@pytest.mark.parametrize("wrong", [(1.5 * (0.2 + 4 / 7), 1.0), (0.8682279791, 0.6503742491), (1.1, 0.5)])
def test_beta_price_wrong_answers(wrong):
    """b E[q] (all cars); the traded share F(p) instead of the efficiency; a guess."""
    result = check("lemons.beta_price", wrong)
    assert result.status == "incorrect" and "brentq" in result.message


def test_references_are_cached_and_cheap():
    from lib.checks import ex_lemons

    assert ex_lemons.price_and_share() is ex_lemons.price_and_share()
    assert math.isfinite(ex_lemons.welfare_loss(0.6))
