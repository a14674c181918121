"""Chapter 1's exercises (lib/checks/ex_lemons.py): every reference agrees with an independent route (closed forms
typed from the derivations, brute-force grids, scipy quad and betainc), and typical wrong answers are 'incorrect'
with a hint that points at the mistake. The parameters are typed here as the statements give them."""
import math

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, optimize, special, stats

from lib import checks
from lib.checks import check
from lib.lemons import market_equilibrium, partial_expectation


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


@pytest.mark.parametrize("wrong, nudge", [
    ("b*mu", "price buyers pay"), ("mu/(b - 1)", "without bound"), ("(b - 1)*mu/b", "nothing to divide"),
    ("(b + 1)*mu", "sign"), ("mu*(2 - b)", "Hint"), ("b*mu - 1", "Hint"),
    ("Min((b - 1)*mu, 0)", "Hint"),          # equals (b - 1) mu only for b < 1, outside the model
    ("Max(0, (1 - b)*mu)", "Hint"),          # zero for every b > 1
])
def test_exit_threshold_wrong_answers(wrong, nudge):
    result = check("lemons.exit_threshold", wrong)
    assert result.status == "incorrect" and nudge in result.message, result


@pytest.mark.parametrize("right", ["b*mu - mu", "Max(0, (b - 1)*mu)", "Abs(b - 1)*mu", "mu*b - mu + 0*b**2",
                                   "(b**2 - 1)*mu/(b + 1)", "Min((b - 1)*mu, mu)"])
def test_exit_threshold_equivalent_forms_are_accepted(right):
    """Equal on the model's domain 1 < b < 2 (Min(., mu): for b < 2 the threshold is below mu)."""
    assert check("lemons.exit_threshold", right).correct
    b, mu = sp.symbols("b mu", positive=True)
    assert check("lemons.exit_threshold", sp.factor(b * mu - mu)).correct


def test_exit_threshold_is_sampled_on_the_model_domain():
    ex = checks.get("lemons.exit_threshold")
    assert ex.domains["b"] == (1.0, 2.0) and ex.domains["mu"][0] > 0


# ------------------------------------------------------------------------------------------------ price and share

def test_price_matches_closed_form_and_brute_force():
    mu, sigma, b = 1.0, 0.75, 1.5
    price = b * (mu - sigma) / (2 - b)                  # typed from the chapter's derivation (sigma > sigma*)
    share = (price - (mu - sigma)) / (2 * sigma)
    assert ref("lemons.price") == pytest.approx((price, share), abs=1e-12)
    assert (price, share) == pytest.approx((0.75, 1 / 3), abs=1e-15)
    assert ref("lemons.price")[0] == pytest.approx(brute_force_uniform_price(0.25, 1.75, 1.5), abs=1e-5)


@pytest.mark.parametrize("wrong, nudge", [
    ((1.5, 1.0), "ALL cars"), ((1.5, 1 / 3), "ALL cars"), ((0.75, 2 / 3), "at most the price"),
    ((0.75, 1.0), "best sellers leave"), ((0.75, 0.75 / 1.75), "Hint"), ((0.75, 0.5), "Hint"), ((0.74, 0.333), "Hint"),
])
def test_price_wrong_answers(wrong, nudge):
    """b mu (mean of all cars), or a share that is not F(p) = (p - 0.25)/1.5."""
    result = check("lemons.price", wrong)
    assert result.status == "incorrect" and nudge in result.message, result


@pytest.mark.parametrize("right", [(0.75, 0.333), (0.750, 0.3333), (0.7501, 0.334), (3 / 4, 1 / 3)])
def test_price_accepts_three_significant_digits(right):
    assert check("lemons.price", right).correct


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
@pytest.mark.parametrize("wrong, nudge", [
    (lambda s: 0.5 - (1 - s) ** 2 / s, "loss there is zero"),                          # exit formula in both regimes
    (lambda s: 0.0 if s <= 0.5 else 0.5 - 0.5 * 2 * (1 - s), "share traded, F(p)"),    # W without the share F(p)
    (lambda s: 0.5 if s <= 0.5 else (1 - s) ** 2 / s, "W_FI - W"),                      # the welfare, not the loss
    (lambda s: 0.0 if s <= 0.5 else 0.5 * (1 - (1 - s) / s), "their quality"),          # (b - 1) x share not traded
    (lambda s: 0.0 if s <= 0.5 else 0.5 - (1 - s) / s, "Hint"),                         # the share, not the welfare
])
def test_welfare_loss_wrong_answers(wrong, nudge):
    result = check("lemons.welfare_loss", wrong)
    assert result.status == "incorrect" and nudge in result.message, result


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


@pytest.mark.parametrize("wrong, nudge", [
    ((0.3, 0.688), "keeping the car"), ((0.35, 0.688), "AVERAGE"), ((0.45, 1.0), "cannot recover all"),
    ((0.45, 0.37), "not the share"), ((0.45, 0.62), "Hint"),
])
def test_certification_wrong_answers(wrong, nudge):
    """theta = c/(b - 1); theta = lo + c/b; share ignoring the cost; the welfare instead of the share."""
    result = check("lemons.certification", wrong)
    assert result.status == "incorrect" and nudge in result.message, result


def test_certification_accepts_three_significant_digits():
    assert check("lemons.certification", (0.450, 0.688)).correct and check("lemons.certification", (0.45, 0.6880)).correct


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


@pytest.mark.parametrize("wrong, nudge", [
    ((1.5 * (0.2 + 4 / 7), 1.0), "b E[q]"), ((1.157, 0.488), "b E[q]"), ((0.8682, 0.650), "share of cars traded"),
    ((0.8682279791, 0.6503742491), "share of cars traded"), ((1.1, 0.5), "Hint"), ((0.6, 0.0667), "Hint"),
])
def test_beta_price_wrong_answers(wrong, nudge):
    """b E[q] (all cars); the traded share F(p) instead of the efficiency; a guess; the uniform case's answer."""
    result = check("lemons.beta_price", wrong)
    assert result.status == "incorrect" and nudge in result.message, result


@pytest.mark.parametrize("right", [(0.8682, 0.4880), (0.868, 0.488), (0.86823, 0.48799)])
def test_beta_price_accepts_the_chapters_printed_digits(right):
    assert check("lemons.beta_price", right).correct


# ------------------------------------------------------------------------------------------------ triangular quality

def triangular(mu, sigma):
    """Density 2 (mu + sigma - q)/(2 sigma)^2 on [mu - sigma, mu + sigma]: highest at the bottom, zero at the top."""
    return stats.triang(0.0, loc=mu - sigma, scale=2 * sigma)


@pytest.mark.parametrize("b, mu", [(1.5, 1.0), (1.2, 2.0), (2.5, 0.5), (2.9, 1.0)])
def test_triangular_threshold_by_the_general_solver(b, mu):
    """lib's solver (quadrature of the cdf, no formula) trades every car just below sigma* and not just above."""
    expr = ref("lemons.triangular_threshold")
    star = float(expr.subs({s: {"b": b, "mu": mu}[s.name] for s in expr.free_symbols}))
    assert 0 < star < mu
    assert market_equilibrium(triangular(mu, star * (1 - 1e-4)), b).traded_share == 1.0
    assert market_equilibrium(triangular(mu, star * (1 + 1e-4)), b).traded_share < 1.0


def test_triangular_threshold_by_quad():
    """b E[q] = mu + sigma at sigma*, E[q] by quad of q times the density typed from the statement."""
    b, mu = 1.7, 1.3
    expr = ref("lemons.triangular_threshold")
    star = float(expr.subs({s: {"b": b, "mu": mu}[s.name] for s in expr.free_symbols}))
    density = lambda q: (mu + star - q) / (2 * star**2)  # noqa: E731
    assert integrate.quad(density, mu - star, mu + star)[0] == pytest.approx(1.0, abs=1e-12)
    mean = integrate.quad(lambda q: q * density(q), mu - star, mu + star)[0]
    assert b * mean == pytest.approx(mu + star, abs=1e-12)


def test_triangular_threshold_answers():
    assert check("lemons.triangular_threshold", "3*mu*(b - 1)/(b + 3)").correct
    assert check("lemons.triangular_threshold", "Min(3*mu*(b - 1)/(b + 3), mu)").correct   # sigma* < mu for b < 3
    for wrong, nudge in [("(b - 1)*mu", "compute its mean"), ("3*(b - 1)*mu/(3 - b)", "sign"),
                         ("2*(b - 1)*mu/(b + 2)", "Hint")]:
        result = check("lemons.triangular_threshold", wrong)
        assert result.status == "incorrect" and nudge in result.message, result


# ------------------------------------------------------------------------------------------------ two types

LAM, Q_LO, Q_HI = 0.35, 1.0, 2.0


def two_type_g(p, b):
    """b times the average quality of the cars offered at p (q <= p), two types; nan if nothing is offered."""
    offered = [(LAM, Q_LO)] * int(p >= Q_LO) + [(1 - LAM, Q_HI)] * int(p >= Q_HI)
    if not offered:
        return math.nan
    return b * sum(w * q for w, q in offered) / sum(w for w, _ in offered)


def iterate_to_fixed_point(g, p, steps=200):
    for _ in range(steps):
        p = g(p)
    return p


def test_two_types_by_tatonnement_and_a_scan_over_b():
    """Largest and smallest equilibria as the limits of p <- g(p) from the top (b q_H) and from q_L (g is monotone,
    so these are the extreme fixed points); b_min as the first b on a fine grid whose largest equilibrium sells the
    good cars."""
    b_min, w_best, w_worst = ref("lemons.two_types")
    b = 1.4
    top = iterate_to_fixed_point(lambda p: two_type_g(p, b), b * Q_HI)
    bottom = iterate_to_fixed_point(lambda p: two_type_g(p, b), Q_LO)
    assert top >= Q_HI > bottom >= Q_LO                       # two equilibria: all cars, lemons only
    welfare = lambda p: (b - 1) * (LAM * Q_LO * (p >= Q_LO) + (1 - LAM) * Q_HI * (p >= Q_HI))  # noqa: E731
    assert (w_best, w_worst) == pytest.approx((welfare(top), welfare(bottom)), abs=1e-12)
    grid = np.arange(1.0, 2.0, 1e-5)
    trades = [iterate_to_fixed_point(lambda p: two_type_g(p, x), x * Q_HI, steps=5) >= Q_HI for x in grid]
    assert b_min == pytest.approx(grid[np.argmax(trades)], abs=1e-5)


@pytest.mark.parametrize("wrong, nudge", [
    ((2.0, 0.66, 0.14), "average of all cars"), ((1.21, 0.66, 0.66), "two equilibria"), ((1.21, 0.66, 0.0), "still trade"),
    ((1.21, 0.4, 0.14), "gain per unit"), ((1.21, 2.31, 0.14), "That is the price"), ((1.48, 0.66, 0.14), "Hint"),
])
def test_two_types_wrong_answers(wrong, nudge):
    result = check("lemons.two_types", wrong)
    assert result.status == "incorrect" and nudge in result.message, result


def test_two_types_accepts_three_significant_digits():
    assert check("lemons.two_types", (1.21, 0.660, 0.140)).correct and check("lemons.two_types", (1.2121, 0.66, 0.14)).correct


# ------------------------------------------------------------------------------------------------ stability

_MQ = np.linspace(0.4, 3.0, 2_600_001)
_MQ = (_MQ[1:] + _MQ[:-1]) / 2                                   # midpoints of a fine grid over the support
_MF = np.where(_MQ <= 1.8, 0.4 / 1.4, np.where(_MQ >= 2.4, 0.6 / 0.6, 0.0))
_M_PARTIAL, _M_CDF = np.cumsum(_MQ * _MF), np.cumsum(_MF)


def mixture_g(p, b=1.6):
    """b E[q | q <= min(p, 3)] for 40% U[0.4, 1.8] and 60% U[2.4, 3.0], by the midpoint rule on a fine grid."""
    i = np.searchsorted(_MQ, min(p, 3.0), side="right") - 1
    return b * _M_PARTIAL[i] / _M_CDF[i]


def test_stability_by_iterating_the_adjustment():
    """Start p_{t+1} = g(p_t) just above and just below each equilibrium: a stable one draws the price back."""
    grid = np.linspace(0.45, 4.8, 436)
    values = np.array([mixture_g(p) - p for p in grid])
    brackets = np.flatnonzero(np.sign(values[:-1]) != np.sign(values[1:]))
    roots = [optimize.brentq(lambda p: mixture_g(p) - p, grid[i], grid[i + 1], xtol=1e-10) for i in brackets]
    assert len(roots) == 3
    stable = []
    for root in roots:
        ends = [iterate_to_fixed_point(mixture_g, root + d, steps=80) for d in (-0.01, 0.01)]
        stable.append(all(abs(e - root) < 1e-3 for e in ends))
    names = [n for n, ok in zip(("lowest", "middle", "highest"), stable) if ok]
    assert ref("lemons.stability") == " and ".join(names) == "lowest and highest"


@pytest.mark.parametrize("wrong, nudge", [("all three", "from below"), ("highest", "the lowest included"),
                                          ("middle", "slightly above"), ("lowest", "Hint"), ("none", "Hint")])
def test_stability_wrong_answers(wrong, nudge):
    result = check("lemons.stability", wrong)
    assert result.status == "incorrect" and nudge in result.message, result


# ------------------------------------------------------------------------------------------------ optimal tax

def brute_force_tax(sigma, mu=1.0, b=1.5, c=0.1, n=601, taxes=np.arange(0.0, 0.8, 0.005)):
    """The smallest tax on a grid whose best certification equilibrium has the highest welfare on that grid.

    For a tax, a threshold theta on a grid of qualities is an equilibrium if the sellers' best responses to the
    uncertified price p_u(theta) (the brute-force lemons price of U[lo, theta]) are "certify iff q >= theta";
    "nobody certifies" (the last row) if no seller certifies at the whole market's lemons price. The highest
    equilibrium threshold is the one reported; welfare integrates (b - 1) q over the traded cars, minus c per
    certificate."""
    lo, hi = mu - sigma, mu + sigma
    q = np.linspace(lo, hi, n)
    p_u = np.array([brute_force_uniform_price(lo, t, b, 2001) for t in q[:-1]] + [brute_force_uniform_price(lo, hi, b)])
    theta = np.append(q[:-1], hi)                                  # the last row: nobody certifies
    gain = b * q[None, :] - np.maximum(p_u[:, None], q[None, :])   # [threshold, quality]: b q - max(p_u, q)
    below = q[None, :] < theta[:, None]
    below[-1] = True
    sold = np.minimum(p_u, theta)
    welfare = (b - 1) * ((sold**2 - lo**2) / 2 + (hi**2 - theta**2) / 2) / (hi - lo) - c * (hi - theta) / (hi - lo)
    best = []
    for tax in taxes:
        certify = gain - c - tax >= 0
        ok = np.flatnonzero(~np.any(certify & below, axis=1) & np.all(certify | below, axis=1))
        best.append(welfare[ok[-1]] if ok.size else np.nan)   # none: the crossing falls between grid points
    best = np.array(best)
    assert np.isnan(best).mean() < 0.1, "too few taxes with an equilibrium threshold on the grid"
    return taxes[np.flatnonzero(best >= np.nanmax(best) - 1e-9)[0]]


@pytest.mark.parametrize("sigma", [0.05, 0.2, 0.4, 0.6, 0.75, 0.9])
def test_optimal_tax_by_brute_force(sigma):
    assert ref("lemons.optimal_tax")(sigma) == pytest.approx(brute_force_tax(sigma), abs=0.005 + 2e-3)


def closed_form_tax(sigma, mu=1.0, b=1.5, c=0.1):
    """Typed from the solution: 0 up to c/b; b sigma - c up to sigma*; (b - 1) p* - c beyond, p* the lemons price."""
    if sigma <= c / b:
        return 0.0
    if sigma <= (b - 1) * mu:
        return b * sigma - c
    return (b - 1) * b * (mu - sigma) / (2 - b) - c


def test_optimal_tax_matches_the_closed_form_and_is_continuous():
    f = ref("lemons.optimal_tax")
    for sigma in [0.05, 0.1, 0.2, 0.4, 0.5, 0.55, 0.6, 0.75, 0.9]:
        assert f(sigma) == pytest.approx(closed_form_tax(sigma), abs=1e-9), sigma
    assert closed_form_tax(0.5) == pytest.approx(closed_form_tax(0.5 + 1e-9), abs=1e-8)
    assert check("lemons.optimal_tax", closed_form_tax).correct
    points = [a[0] for a in checks.get("lemons.optimal_tax").points]
    assert min(points) < 0.1 / 1.5 < 0.2 <= 0.5 < max(points)        # every regime is checked


@pytest.mark.parametrize("wrong, nudge", [
    (lambda s: 0.0 if s <= 0.5 else 0.5 * 3 * (1 - s) - 0.1, "stop that"),
    (lambda s: 0.5 * 3 * (1 - s) - 0.1, "only beyond sigma*"),
    (lambda s: 1.5 * s - 0.1 if s <= 0.5 else 0.5 * 3 * (1 - s) - 0.1, "subsidy"),
    (lambda s: max(1.5 * s, 0.0) if s <= 0.5 else 0.5 * 3 * (1 - s), "on top of the fee"),
    (lambda s: 0.0, "Hint"),
])
def test_optimal_tax_wrong_answers(wrong, nudge):
    result = check("lemons.optimal_tax", wrong)
    assert result.status == "incorrect" and nudge in result.message, result


# ------------------------------------------------------------------------------------------------ lib's solvers agree

def test_two_types_by_the_general_solver():
    """lib.lemons on the two-point distribution: both equilibria, and b_min as the edge of 'all sell'."""
    b_min, w_best, w_worst = ref("lemons.two_types")
    quality = stats.rv_discrete(values=([Q_LO, Q_HI], [LAM, 1 - LAM]))
    eq = market_equilibrium(quality, 1.4)
    assert [round(e.price, 12) for e in eq.equilibria] == [1.4, 2.31]
    assert eq.welfare == pytest.approx(w_best, abs=1e-12)
    assert 0.4 * partial_expectation(quality, eq.equilibria[0].price) == pytest.approx(w_worst, abs=1e-12)
    assert market_equilibrium(quality, b_min * (1 + 1e-9)).regime == "all sell"
    assert market_equilibrium(quality, b_min * (1 - 1e-6)).regime != "all sell"


def test_stability_by_the_general_solver():
    quality = stats.rv_histogram((np.array([0.4, 0.0, 0.6]), np.array([0.4, 1.8, 2.4, 3.0])), density=False).freeze()
    flags = [e.stable for e in market_equilibrium(quality, 1.6).equilibria]
    names = [n for n, ok in zip(("lowest", "middle", "highest"), flags) if ok]
    assert len(flags) == 3 and ref("lemons.stability") == " and ".join(names)


def test_optimal_tax_by_the_general_solver():
    """The tax implements the optimum: at it lib's best certification equilibrium reaches the planner's welfare,
    and no tax on a grid does better."""
    from lib.distributions import uniform
    from lib.lemons import certification_equilibrium, optimal_certification

    for sigma in (0.2, 0.4, 0.75):
        quality, tax = uniform(1 - sigma, 1 + sigma), ref("lemons.optimal_tax")(sigma)
        taxed = certification_equilibrium(quality, 1.5, 0.1, tax=tax)
        assert taxed.welfare == pytest.approx(optimal_certification(quality, 1.5, 0.1).welfare, abs=1e-9)
        grid = [certification_equilibrium(quality, 1.5, 0.1, tax=t).welfare for t in np.linspace(0, 0.8, 33)]
        assert max(grid) <= taxed.welfare + 1e-9


def test_references_are_cached_and_cheap():
    from lib.checks import ex_lemons

    assert ex_lemons.price_and_share() is ex_lemons.price_and_share()
    assert math.isfinite(ex_lemons.welfare_loss(0.6))
