"""Kill tests for mutants of lib/mechanism.py (tools/mutate.py): properties checked by independent routes."""
import numpy as np
import pytest
from scipy import optimize, special, stats

from lib.mechanism import _Ironing
from monotone_lp import lp_second_best

COMPONENTS = ((0.5, 3.0, 12.0), (0.5, 12.0, 3.0))  # a bimodal mixture of Beta(3, 12) and Beta(12, 3)


class _BetaMixture(stats.rv_continuous):
    def _pdf(self, x):
        return sum(w * x ** (a - 1) * (1 - x) ** (b - 1) / special.beta(a, b) for w, a, b in COMPONENTS)

    def _cdf(self, x):
        return sum(w * special.betainc(a, b, x) for w, a, b in COMPONENTS)

    def _sf(self, x):
        return sum(w * special.betaincc(a, b, x) for w, a, b in COMPONENTS)


MIXTURE = _BetaMixture(a=0.0, b=1.0, name="beta_mixture")()


def _partials(x):
    """F(x), E[X 1{X <= x}] and int_0^x F for the mixture, in closed form (incomplete beta functions)."""
    F = sum(w * special.betainc(a, b, x) for w, a, b in COMPONENTS)
    M = sum(w * a / (a + b) * special.betainc(a + 1, b, x) for w, a, b in COMPONENTS)
    return F, M, x * F - M


def _interval(side, alpha, guess):
    """The ironed interval [a, b] and level L of phi^alpha by its defining equations, phi^alpha(a) = phi^alpha(b) =
    L = mean of phi^alpha over [a, b] (buyer: int phi^alpha dF = int x dF - alpha int (1 - F); seller: + alpha int F),
    solved by scipy's fsolve from a rough guess."""
    def phi(x):
        pdf = MIXTURE.pdf(x)
        return x - alpha * MIXTURE.sf(x) / pdf if side == "buyer" else x + alpha * MIXTURE.cdf(x) / pdf

    def level(a, b):
        (Fa, Ma, Ga), (Fb, Mb, Gb) = _partials(a), _partials(b)
        extra = -alpha * ((b - a) - (Gb - Ga)) if side == "buyer" else alpha * (Gb - Ga)
        return (Mb - Ma + extra) / (Fb - Fa)

    a, b = optimize.fsolve(lambda z: [phi(z[0]) - level(*z), phi(z[1]) - level(*z)], guess, xtol=1e-14)
    return a, b, level(a, b)


@pytest.mark.parametrize("side, alpha, guess", [("buyer", 0.3, (0.17, 0.58)), ("buyer", 1.0, (0.2, 0.55)),
                                               ("seller", 0.3, (0.42, 0.83)), ("seller", 0.6, (0.45, 0.8))])
def test_interior_ironed_interval_of_a_bimodal_mixture(side, alpha, guess):
    """An interval with both ends inside the support (the mixture's virtual value rises, falls between the modes and
    rises again): lib's hull and Newton refinement against the tangency equations solved directly."""
    a, b, L = _interval(side, alpha, guess)
    assert 0 < a < b < 1
    (lo, hi, level), = _Ironing(MIXTURE, 0.0, 1.0, side).intervals(alpha)
    assert lo == pytest.approx(a, abs=1e-12) and hi == pytest.approx(b, abs=1e-12)
    assert level == pytest.approx(L, abs=1e-13)


@pytest.mark.parametrize("side", ["buyer", "seller"])
def test_integrated_virtual_value_between_grid_types(side):
    """H(F(y)) = int_0^y phi^alpha dF at types between the hull's grid points (its partial-cell quadrature):
    buyer E[X 1{X <= y}] - alpha int_0^y (1 - F), seller E[X 1{X <= y}] + alpha int_0^y F, in closed form."""
    alpha, y = 0.4, np.linspace(0.0131, 0.9871, 9)
    F, M, G = _partials(y)
    expected = M - alpha * (y - G) if side == "buyer" else M + alpha * G
    got = _Ironing(MIXTURE, 0.0, 1.0, side)._H(y, alpha)
    assert np.max(np.abs(got - expected)) < 1e-15


def test_second_best_on_a_wide_scale():
    """Scaling both supports by L scales values, costs, virtual values and gains by L and leaves alpha unchanged:
    U[0, L] gives gains 9/64 L and alpha 1/3 (the unit square's closed form), Beta(2, 2) on [0, L] L times its unit
    gains. At L = 1e6 the budget at the root is ~1e-11 in absolute terms, which lib must accept as binding."""
    from lib.mechanism import second_best

    L = 1e6
    r = second_best(stats.uniform(0, L), stats.uniform(0, L))
    assert r.gains == pytest.approx(9 / 64 * L, rel=1e-12) and r.alpha == pytest.approx(1 / 3, abs=1e-12)
    unit = second_best(stats.beta(2, 2), stats.beta(2, 2))
    wide = second_best(stats.beta(2, 2, scale=L), stats.beta(2, 2, scale=L))
    assert wide.gains == pytest.approx(L * unit.gains, rel=1e-10) and wide.alpha == pytest.approx(unit.alpha, abs=1e-10)


def _mixture(components):
    class _Mix(stats.rv_continuous):
        def _pdf(self, x):
            return sum(w * x ** (a - 1) * (1 - x) ** (b - 1) / special.beta(a, b) for w, a, b in components)

        def _cdf(self, x):
            return sum(w * special.betainc(a, b, x) for w, a, b in components)

        def _sf(self, x):
            return sum(w * special.betaincc(a, b, x) for w, a, b in components)

    return _Mix(a=0.0, b=1.0, name="beta_mixture")()


def test_ironed_interval_whose_left_end_lies_in_the_first_grid_cell():
    """Buyer 1/2 Beta(1.05, 12) + 1/2 Beta(12, 3): its density vanishes at 0 like x^0.05, so phi^alpha rises from
    -infinity and meets the ironed level at a ~ 5e-8, inside the hull grid's first cell (1.5e-7 wide), not at the
    support's edge. The ends and level against the tangency equations phi^alpha(a) = phi^alpha(b) = L = mean of
    phi^alpha over [a, b] (incomplete beta functions), solved by fsolve in (log a, b)."""
    comps, alpha = ((0.5, 1.05, 12.0), (0.5, 12.0, 3.0)), 0.3
    mix = _mixture(comps)

    def part(x):
        F = sum(w * special.betainc(a, b, x) for w, a, b in comps)
        M = sum(w * a / (a + b) * special.betainc(a + 1, b, x) for w, a, b in comps)
        return F, M, x * F - M

    def level(a, b):
        (Fa, Ma, Ga), (Fb, Mb, Gb) = part(a), part(b)
        return (Mb - Ma - alpha * ((b - a) - (Gb - Ga))) / (Fb - Fa)

    phi = lambda x: x - alpha * mix.sf(x) / mix.pdf(x)  # noqa: E731
    la, b = optimize.fsolve(lambda z: [phi(np.exp(z[0])) - level(np.exp(z[0]), z[1]),
                                       phi(z[1]) - level(np.exp(z[0]), z[1])], (np.log(1e-7), 0.57), xtol=1e-14)
    a, L = np.exp(la), level(np.exp(la), b)
    it = _Ironing(mix, 0.0, 1.0, "buyer")
    assert 0 < a < it.x[1] < 1e-6 and abs(phi(a) - L) < 1e-12 and abs(phi(b) - L) < 1e-12
    (lo, hi, lev), = it.intervals(alpha)
    assert lo == pytest.approx(a, rel=1e-6) and hi == pytest.approx(b, abs=1e-12) and lev == pytest.approx(L, abs=1e-13)


def test_ironed_second_best_on_a_negative_support():
    """Shifting both supports by -2 shifts values, costs, virtual values and ironed intervals by -2 and leaves gains
    and alpha unchanged: Beta(0.5, 0.5) on [-2, -1] against U[-2, -1] (ironed from the support's lower edge)
    against the unit case."""
    from lib.mechanism import second_best

    unit = second_best(stats.beta(0.5, 0.5), stats.uniform())
    moved = second_best(stats.beta(0.5, 0.5, loc=-2.0), stats.uniform(-2.0, 1.0))
    # 5e-8: Beta(0.5, 0.5)'s infinite density at the edges limits the quadrature to about 2e-8 (measured 1.3e-8 here)
    assert moved.gains == pytest.approx(unit.gains, rel=5e-8) and moved.alpha == pytest.approx(unit.alpha, abs=1e-8)
    (a, b, L), = moved.ironed[0]
    (ua, ub, uL), = unit.ironed[0]
    assert a == -2.0 and ua == 0.0 and b == pytest.approx(ub - 2.0, abs=1e-8) and L == pytest.approx(uL - 2.0, abs=1e-8)


@pytest.mark.parametrize("buyer_shape, seller_shape", [((1.0, 1.0), (2.0, 5.0)), ((2.0, 5.0), (1.0, 1.0)),
                                                       ((2.0, 2.0), (2.0, 5.0)), ((3.0, 1.0), (1.0, 2.0))])
def test_posted_price_between_grid_prices(buyer_shape, seller_shape):
    """The gains-maximising posted price lies strictly between two prices of lib's 161-price grid on [0, 1]: just right
    of the nearest one (0.45, 0.25625) in the first two cases, just left of it (0.4125, 0.54375) in the last two, so
    the search must refine on both sides of the grid's best.
    G(p) = F_S(p) E[V 1{V >= p}] - (1 - F_B(p)) E[C 1{C <= p}] with E[X 1{X <= p}] = a/(a + b) I_p(a + 1, b) for
    Beta(a, b), maximised independently on a 4001-point grid and then by bounded Brent."""
    from lib.mechanism import posted_price

    (a1, b1), (a2, b2), I = buyer_shape, seller_shape, special.betainc  # noqa: E741
    G = lambda p: (I(a2, b2, p) * a1 / (a1 + b1) * (1 - I(a1 + 1, b1, p))  # noqa: E731
                   - (1 - I(a1, b1, p)) * a2 / (a2 + b2) * I(a2 + 1, b2, p))
    x = np.linspace(0.0, 1.0, 4001)
    k = int(np.argmax(G(x)))
    best = optimize.minimize_scalar(lambda p: -G(p), bounds=(x[k - 1], x[k + 1]), method="bounded",
                                    options={"xatol": 1e-13})
    grid = np.linspace(0.0, 1.0, 161)
    assert np.min(np.abs(grid - best.x)) > 1e-3  # not on lib's grid
    r = posted_price(stats.beta(a1, b1), stats.beta(a2, b2))
    # the price is fixed by the gains only to ~sqrt(eps) (a flat maximum): measured |difference| <= 7e-9
    assert r.price == pytest.approx(best.x, abs=1e-7) and r.gains == pytest.approx(-best.fun, rel=1e-12)


def test_seller_interval_from_the_first_grid_cell_on_a_negative_support():
    """Seller 0.3 Beta(1, 4e8) + 0.699 Beta(30, 30) + 0.001 U[0, 1]: the first component puts mass 0.3 within ~1e-8
    of 0, after which the density nearly vanishes, so phi^alpha = c + alpha F/f leaps up and the ironed interval's
    left end a ~ 5e-8 lies inside the hull grid's first cell (1.5e-7 wide), with most of that mass below it.
    Shifting the support to [-2, -1] shifts a, b and the level by -2 (translation invariance: the first cell's
    search must stay inside the support, where phi^alpha is defined), and on [0, 1] phi^alpha(a) = phi^alpha(b) = L
    with phi^alpha from the closed-form cdf and pdf (a to within its root bracket)."""
    comps, alpha = ((0.3, 1.0, 4e8), (0.699, 30.0, 30.0), (0.001, 1.0, 1.0)), 0.3
    unit_prior = _mixture(comps)
    moved_prior = type(unit_prior.dist)(a=0.0, b=1.0, name="beta_mixture")(loc=-2.0)
    (a, b, L), = _Ironing(unit_prior, 0.0, 1.0, "seller").intervals(alpha)
    (ma, mb, mL), = _Ironing(moved_prior, -2.0, -1.0, "seller").intervals(alpha)
    phi = lambda x: x + alpha * unit_prior.cdf(x) / unit_prior.pdf(x)  # noqa: E731
    assert 1e-8 < a < 1.5e-7 and unit_prior.cdf(a) > 0.29 and 0.5 < b < 0.55
    # phi^alpha rises ~2e8 per unit at a, so a is pinned by its root bracket (width 1e-15, brentq's xtol), not by
    # |phi(a) - L| (1.1e-8 here)
    assert phi(a - 1e-15) < L < phi(a + 1e-15) and abs(phi(b) - L) < 1e-12
    # measured: |a| shift error 6e-17, |b|, |L| 1e-15
    assert ma + 2.0 == pytest.approx(a, abs=1e-12) and mb + 2.0 == pytest.approx(b, abs=1e-12)
    assert mL + 2.0 == pytest.approx(L, abs=1e-12)


@pytest.mark.parametrize("alpha", [0.5, 1.0])
def test_seller_interval_from_a_density_dip_narrower_than_a_grid_cell(alpha):
    """Seller density 1 on [0, 1] except 1/2 on [x0 - w, x0 + w] (x0 = 0.5002, w = 5e-5), renormalised: phi^alpha =
    c + alpha F/f jumps up by ~alpha/2 across the dip and back down after it, so the ironed interval starts exactly
    at a = x0 - w (phi^alpha crosses the level by a jump) and ends at b where phi^alpha(b) = L = mean of phi^alpha over
    [a, b] (F piecewise linear, int F piecewise quadratic: closed form; b by brentq). The dip (1e-4 wide) lies inside
    one cell of the hull's grid (3.9e-4 wide), where no bracket of phi^alpha = L exists at grid types; lib keeps the
    grid type there, so its ends are within one cell of the exact ones (measured 1.5e-4) and its level within 1e-3
    (measured 3.0e-4 at alpha = 1, 2.3e-4 at alpha = 1/2)."""
    x0, w, depth = 0.5002, 5e-5, 0.5
    Z = 1 - depth * 2 * w

    class _Dip(stats.rv_continuous):
        def _pdf(self, x):
            return np.where(np.abs(x - x0) < w, 1 - depth, 1.0) / Z

        def _cdf(self, x):
            return (x - depth * np.clip(x - (x0 - w), 0, 2 * w)) / Z

    D = _Dip(a=0.0, b=1.0, name="dip")()

    def G(x):  # int_0^x F
        s = x - (x0 - w)
        dip = np.where(s <= 0, 0.0, np.where(s <= 2 * w, s * s / 2, 2 * w * w + 2 * w * (s - 2 * w)))
        return (x * x / 2 - depth * dip) / Z

    a = x0 - w
    # seller: int_a^b phi dF = [x F - G]_a^b + alpha [G]_a^b
    level = lambda b: (b * D.cdf(b) - G(b) - a * D.cdf(a) + G(a) + alpha * (G(b) - G(a))) / (D.cdf(b) - D.cdf(a))  # noqa: E731
    phi = lambda x: x + alpha * D.cdf(x) / D.pdf(x)  # noqa: E731
    b = optimize.brentq(lambda y: phi(y) - level(y), x0 + w + 1e-9, 0.6, xtol=1e-15)
    L = level(b)
    assert phi(a - 1e-12) < L < phi(a + 1e-12) and abs(phi(b) - L) < 1e-12
    it = _Ironing(D, 0.0, 1.0, "seller")
    cell = np.searchsorted(it.x, a)
    assert it.x[cell - 1] < a < a + 2 * w < it.x[cell]  # the whole dip inside one grid cell
    (lo, hi, lev), = it.intervals(alpha)
    width = it.x[cell] - it.x[cell - 1]
    assert abs(lo - a) < width and abs(hi - b) < width and abs(lev - L) < 1e-3


@pytest.mark.parametrize("buyer, seller, corner", [(stats.uniform(0, 1), stats.uniform(0, 0.1), 0.1),
                                                   (stats.uniform(0.9, 0.1), stats.uniform(0, 1), 0.9)])
def test_posted_price_at_an_end_of_the_price_grid(buyer, seller, corner):
    """U[0, 1] values against U[0, 0.1] costs: G(p) = 5 p (1 - p) on [0, 0.1] (every cost below p trades) and
    (1 - p)(0.9 + p)/2 above, so the best price is the seller's top cost 0.1, the last price of lib's grid, with
    gains 0.45 and first best int F_S (1 - F_B) = 0.405 + 7/150. The mirror pair (v -> 1 - c, c -> 1 - v: U[0.9, 1]
    values, U[0, 1] costs) has the same gains at the price 0.9, the grid's first price. Checked against a direct
    maximisation of the closed form on a dense grid of [0, 1] and bounded Brent."""
    from lib.mechanism import posted_price

    def G(p):
        q = p if corner < 0.5 else 1 - p  # the mirror: G(p) of the mirror pair is G(1 - p) of the first pair
        return np.where(q <= 0.1, 5 * q * (1 - q), (1 - q) * (0.9 + q) / 2)

    x = np.linspace(0.0, 1.0, 10001)
    k = int(np.argmax(G(x)))
    best = optimize.minimize_scalar(lambda p: -G(p), bounds=(x[max(k - 1, 0)], x[min(k + 1, x.size - 1)]),
                                    method="bounded", options={"xatol": 1e-13})
    r = posted_price(buyer, seller)
    assert r.price == pytest.approx(corner, abs=1e-12) and best.x == pytest.approx(corner, abs=1e-6)
    assert r.gains == pytest.approx(-best.fun, rel=1e-9) and r.gains == pytest.approx(0.45, rel=1e-12)
    assert r.first_best == pytest.approx(0.405 + 7 / 150, rel=1e-12)


def test_buyer_interval_to_the_last_grid_cell_on_a_negative_support():
    """The mirror of the seller case above (v = 1 - c): buyer 0.3 Beta(4e8, 1) + 0.699 Beta(30, 30) + 0.001 U[0, 1],
    whose phi^alpha = v - alpha (1 - F)/f = 1 - (seller's phi^alpha at 1 - v) has the ironed interval
    [1 - b, 1 - a] with level 1 - L, its right end 1 - a ~ 1 - 5e-8 inside the last grid cell; shifted to [-2, -1]
    every end and the level move by -2 (the last cell's search must stay inside the support)."""
    alpha = 0.3
    seller = _mixture(((0.3, 1.0, 4e8), (0.699, 30.0, 30.0), (0.001, 1.0, 1.0)))
    buyer = _mixture(((0.3, 4e8, 1.0), (0.699, 30.0, 30.0), (0.001, 1.0, 1.0)))
    moved = type(buyer.dist)(a=0.0, b=1.0, name="beta_mixture")(loc=-2.0)
    (a, b, L), = _Ironing(seller, 0.0, 1.0, "seller").intervals(alpha)
    (ba, bb, bL), = _Ironing(buyer, 0.0, 1.0, "buyer").intervals(alpha)
    (ma, mb, mL), = _Ironing(moved, -2.0, -1.0, "buyer").intervals(alpha)
    assert 1e-8 < 1 - bb < 1.5e-7
    # measured: mirror and shift differences of the ends and the level <= 2e-15
    assert ba == pytest.approx(1 - b, abs=1e-12) and bb == pytest.approx(1 - a, abs=1e-12)
    assert bL == pytest.approx(1 - L, abs=1e-12)
    assert ma + 2.0 == pytest.approx(ba, abs=1e-12) and mb + 2.0 == pytest.approx(bb, abs=1e-12)
    assert mL + 2.0 == pytest.approx(bL, abs=1e-12)


def test_truncated_normal_uses_the_renormalised_normal_cdf_and_sf():
    """lib's truncnorm fast path (the normal's cdf and sf renormalised) is taken, i.e. it agrees with scipy's public
    cdf and sf at 9 interior types to 1e-12, and its values agree with scipy's at other types; a wrong fast sf would be
    rejected by that check and scipy's slow public methods kept."""
    from lib.mechanism import _Fast

    d = stats.truncnorm(-1.0, 2.0, loc=0.5, scale=0.25)
    lo, hi = d.support()
    D = _Fast(d, float(lo), float(hi))
    assert all(getattr(f, "__self__", None) is not d for f in (D.cdf, D.sf, D.pdf))  # not scipy's bound methods
    x = np.linspace(lo, hi, 37)[1:-1]
    assert np.max(np.abs(D.cdf(x) - d.cdf(x))) < 1e-14 and np.max(np.abs(D.sf(x) - d.sf(x))) < 1e-14


def _step_prior(x1, eps):
    """Density 1 on [0, x1) and 1 + eps on [x1, 1], renormalised (cdf piecewise linear, in closed form)."""
    Z = x1 + (1 + eps) * (1 - x1)

    class _Step(stats.rv_continuous):
        def _pdf(self, x):
            return np.where(x < x1, 1.0, 1.0 + eps) / Z

        def _cdf(self, x):
            return np.where(x < x1, x, x1 + (1 + eps) * (x - x1)) / Z

    return _Step(a=0.0, b=1.0, name="step")()


@pytest.mark.parametrize("eps", [0.0025, 0.004, 0.006, 0.01, 0.1])
def test_seller_interval_around_a_density_step_two_grid_cells_wide(eps):
    """Seller density 1 on [0, 1/2) and 1 + eps above (renormalised): phi^alpha = (1 + alpha) c below 1/2 and
    (1 + alpha) c - J above, J = alpha eps / (2 (1 + eps)), so phi^alpha falls by J at 1/2. With a = L/(1 + alpha) and
    b = (L + J)/(1 + alpha), int_a^b (phi^alpha - L) dF = 0 reads (1/2 - a)^2 = (1 + eps)(b - 1/2)^2: b - 1/2 =
    J / ((1 + alpha)(1 + sqrt(1 + eps))), 1/2 - a = sqrt(1 + eps)(b - 1/2), in closed form. For eps <= 0.006 the
    interval (at most 1.2e-3 wide) is the hull's pooled block of exactly two grid cells (3.9e-4 wide each), and the
    ends' widened brackets hold both ends and the fall: the first rise is the left end, the last the right end."""
    alpha, x1 = 0.5, 0.5
    J = alpha * x1 * eps / (1 + eps)
    half = J / ((1 + alpha) * (1 + np.sqrt(1 + eps)))
    a, b = x1 - np.sqrt(1 + eps) * half, x1 + half
    L = (1 + alpha) * a
    it = _Ironing(_step_prior(x1, eps), 0.0, 1.0, "seller")
    blocks = optimize.isotonic_regression((it.dM + alpha * it.dQ) / it.du, weights=it.du).blocks
    pooled = [int(e - s) for s, e in zip(blocks[:-1], blocks[1:]) if e - s > 1]
    assert len(pooled) == 1 and (pooled[0] == 2) == (eps <= 0.006)
    (lo, hi, lev), = it.intervals(alpha)
    # measured: ends and level within 2e-14 of the closed form
    assert lo == pytest.approx(a, abs=1e-12) and hi == pytest.approx(b, abs=1e-12) and lev == pytest.approx(L, abs=1e-12)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("offset", [-3, 3])
def test_ironing_end_search_widens_past_the_nearest_cells(left, offset):
    """_end looks for the rise of phi^alpha through L in brackets of 1, 2, 4, 8 cells around the grid type xs[k]: a
    rise 3 cells away from xs[k] (on either side, for either end) is found by the third bracket. The root is known:
    L is phi^alpha at a chosen type y (phi^alpha of the bimodal mixture from its closed-form cdf and pdf, rising
    there)."""
    alpha = 0.3
    it = _Ironing(MIXTURE, 0.0, 1.0, "buyer")
    phi = lambda x: x - alpha * MIXTURE.sf(x) / MIXTURE.pdf(x)  # noqa: E731
    i = int(np.searchsorted(it.x, 0.7))
    y = 0.5 * (it.x[i] + it.x[i + 1])
    assert np.all(np.diff(phi(np.linspace(it.x[i - 8], it.x[i + 9], 200))) > 0)  # one rise near y
    k = i + offset if offset < 0 else i + 1 + offset  # 3 cells left of y's cell, or 3 cells right of it
    got = it._end(it.x, k, float(phi(y)), alpha, left)
    assert got == pytest.approx(y, abs=1e-13)


def test_buyer_interval_into_the_last_cell_where_the_density_vanishes_at_the_top():
    """Buyer 0.3 Beta(4e8, 2) + 0.699 Beta(30, 30) + 0.001 Beta(2, 2): every component's density is 0 at v = 1, so
    phi^alpha(1) = 1 - alpha 0/0 is undefined there, and the ironed interval's right end b ~ 1 - 6e-8 lies inside
    the hull grid's last cell: the end search must stay inside the support. Checked against the mirror seller
    (qualities 1 - v: the seller's interval [a', b'] with level L' gives [1 - b', 1 - a'] and 1 - L', found by the
    search at the support's lower edge) and against phi^alpha(b) = L with phi^alpha from the closed-form cdf and pdf."""
    alpha = 0.3
    comps = ((0.3, 4e8, 2.0), (0.699, 30.0, 30.0), (0.001, 2.0, 2.0))
    buyer = _mixture(comps)
    seller = _mixture(tuple((w, b, a) for w, a, b in comps))
    (a, b, L), = _Ironing(buyer, 0.0, 1.0, "buyer").intervals(alpha)
    (sa, sb, sL), = _Ironing(seller, 0.0, 1.0, "seller").intervals(alpha)
    phi = lambda x: x - alpha * buyer.sf(x) / buyer.pdf(x)  # noqa: E731
    assert 1e-8 < 1 - b < 1.5e-7
    # measured: mirror differences <= 2e-15; |phi(b) - L| = 2.0e-9 (b is pinned by brentq to 1e-15; phi is steep there)
    assert a == pytest.approx(1 - sb, abs=1e-12) and b == pytest.approx(1 - sa, abs=1e-12)
    assert L == pytest.approx(1 - sL, abs=1e-12) and abs(phi(b) - L) < 1e-7


def _lp_gains(buyer_partials, seller_partials, n):
    """Gains of tests/monotone_lp.py's linear programme (monotone cell-constant rules under the exact budget): a lower
    bound of the second best for any partials (F, E[X 1{X <= x}], int F)."""
    return lp_second_best(buyer_partials, seller_partials, n)[0]


def test_second_best_with_an_interior_ironed_interval_against_linear_programme():
    """Buyer 1/2 Beta(2, 10) + 1/2 Beta(10, 2) (its phi^alpha rises, falls between the modes and rises: an interior
    ironed interval with a positive level, where trading depends on the flattened value), seller U[0, 1]. The LP over
    monotone cell-constant rules (40 x 40 and 80 x 80 cells) stays below lib's second best and approaches it at the
    rate of its grid (measured gaps 5.0e-4 and 1.9e-4 relative); a rule that trades on the unflattened phi^alpha loses
    0.24 % of the gains (measured), more than the LP's gap at 80 cells."""
    from lib.mechanism import second_best

    comps = ((0.5, 2.0, 10.0), (0.5, 10.0, 2.0))

    def mix_partials(x):
        F = sum(w * special.betainc(a, b, x) for w, a, b in comps)
        M = sum(w * a / (a + b) * special.betainc(a + 1, b, x) for w, a, b in comps)
        return F, M, x * F - M

    r = second_best(_mixture(comps), stats.uniform())
    assert r.ironed[0] and 0 < r.ironed[0][0][0] < r.ironed[0][0][1] < 1  # an interior interval on the buyer's side
    lp40 = _lp_gains(mix_partials, lambda x: (x, x * x / 2, x * x / 2), 40)
    lp80 = _lp_gains(mix_partials, lambda x: (x, x * x / 2, x * x / 2), 80)
    assert lp40 < lp80 <= r.gains * (1 + 1e-10)
    assert r.gains - lp80 < (r.gains - lp40) / 2 and r.gains - lp80 < 1e-3 * r.gains
