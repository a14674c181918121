"""lib.bne at k = 0 and 1 on priors nobody tuned: mixtures of two Betas (one mode low, one high) with random weights
and parameters, whose virtual value is often not monotone, so that the best offer of the strategic side jumps and
the ironed solution is needed. Each result is checked against a brute force over a grid of offers (scipy's cdf and
sf of the mixture, not lib's hull), for the monotonicity of its offers, and by lib.double_auction's best-response
gap; the route (ironed or not) against the virtual value computed here by scipy on a dense grid where it is clear
(a dip above 1e-3, or none)."""
import warnings

import numpy as np
from hypothesis import example, given, settings, strategies as st
from scipy import special, stats

from lib.bne import solve_double_auction
from lib.double_auction import best_response_gap


def mixture(w, a1, b1, a2, b2):
    """w Beta(a1, b1) + (1 - w) Beta(a2, b2) on [0, 1], frozen."""

    class Mix(stats.rv_continuous):
        def _pdf(self, x):
            return w * stats.beta.pdf(x, a1, b1) + (1 - w) * stats.beta.pdf(x, a2, b2)

        def _cdf(self, x):
            return w * special.betainc(a1, b1, x) + (1 - w) * special.betainc(a2, b2, x)

        def _sf(self, x):
            return w * special.betaincc(a1, b1, x) + (1 - w) * special.betaincc(a2, b2, x)

    return Mix(a=0.0, b=1.0, name="mix")()


OFFERS = np.linspace(0.0, 1.0, 20001)  # the brute force's grid of offers (spacing 5e-5)


def brute_best(prior, types, k):
    """Each type's largest profit over OFFERS: k = 0 a seller of cost c against demand 1 - F_B, k = 1 a buyer of
    value v against supply F_S (scipy's sf and cdf of the mixture)."""
    if k == 0.0:
        return np.max((OFFERS[None, :] - types[:, None]) * prior.sf(OFFERS)[None, :], axis=1)
    return np.max((types[:, None] - OFFERS[None, :]) * prior.cdf(OFFERS)[None, :], axis=1)


def virtual_value_dip(prior, k, first, last):
    """How far the virtual value (k = 0: p - (1 - F)/f, k = 1: p + F/f, scipy's own) falls below its running
    maximum while inside the levels (first, last) of the types that trade, on 4001 interior points: ironing is
    needed where it falls at all (a dip narrower than the grid may be seen by the solver's finer one only)."""
    p = np.linspace(0, 1, 4003)[1:-1]
    phi = p - prior.sf(p) / prior.pdf(p) if k == 0.0 else p + prior.cdf(p) / prior.pdf(p)
    inside = np.clip(phi, first, last)
    return float(np.max(np.maximum.accumulate(inside) - inside))


def check_solved_and_certified(k, w, a1, b1, a2, b2):
    prior = mixture(w, a1, b1, a2, b2)
    other = stats.uniform(-1, 2) if k == 0.0 else stats.uniform(0, 2)  # costs in [-1, 1], values in [0, 2]
    buyer, seller = (prior, other) if k == 0.0 else (other, prior)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # never a warning instead of an answer or an error
        r = solve_double_auction(buyer, seller, k)
    first, last = (-1.0, 1.0) if k == 0.0 else (0.0, 2.0)  # the strategic side's types that can trade
    dip = virtual_value_dip(prior, k, first, last)
    if dip > 1e-3:  # a clear dip: the best offer jumps (0.5 Beta(2, 1.5) + 0.5 Beta(1.5, 9) at k = 0 dips 3.9e-5,
        assert "ironed" in r.member  # found by the solver's finer grid, and is ironed)
    elif dip == 0:
        assert "ironed" not in r.member
    types = np.linspace(first, last, 401)[1:-1]
    offers = r.ask(types) if k == 0.0 else r.bid(types)
    assert np.all(np.diff(offers) >= 0)
    own = (offers - types) * prior.sf(offers) if k == 0.0 else (types - offers) * prior.cdf(offers)
    # the grid's best is at most the true best: the solver's offer must reach it (measured: within 1e-12 over 180
    # mixtures of both kinds below; the best-response gap at most 2.4e-11; 0.5 Beta(2, 4.5) + 0.5 Beta(1.25, 9) at
    # k = 0 was 1e-9 short, gap 1.05e-8, before the table of phi was graded towards its ends; with both tables
    # graded, 130 further mixtures of any two Betas within 4.4e-16, gap at most 4.2e-15)
    assert np.min(own - brute_best(prior, types, k)) >= -1e-10
    gap = best_response_gap(r.bid, r.ask, buyer, seller, k, n_types=21)
    assert gap.relative_gap <= 1e-8


@settings(max_examples=8, deadline=None, derandomize=True)
@given(k=st.sampled_from([0.0, 1.0]), w=st.floats(0.2, 0.8), a1=st.floats(1.5, 4), b1=st.floats(6, 25),
       a2=st.floats(6, 25), b2=st.floats(1.5, 4))
def test_mixtures_of_a_low_and_a_high_mode_are_solved_and_certified(k, w, a1, b1, a2, b2):
    # one component's mode below 0.4, the other's above 0.6: measured 76 of 80 such draws need ironing
    check_solved_and_certified(k, w, a1, b1, a2, b2)


@settings(max_examples=8, deadline=None, derandomize=True)
@example(k=0.0, w=0.5, a1=2.0, b1=4.5, a2=1.25, b2=9.0)  # found by this test: 1e-9 short before the graded table
@example(k=0.0, w=0.5, a1=2.0, b1=2.0, a2=1.25, b2=9.0)
@example(k=0.0, w=0.5, a1=2.0, b1=1.5, a2=1.5, b2=9.0)  # a dip of 3.9e-5 on scipy's grid: ironed
# ironed, phi steep at the end a piece starts from (a Beta with a or b near 1.3): 4.5e-7 to 1.4e-5 short of the
# brute force and best-response gaps up to 2.3e-4 before the ironed table was graded towards each piece's ends
@example(k=1.0, w=0.901819202401457, a1=15.808242246921024, b1=1.2626119363059334, a2=22.86769083796694,
         b2=24.638322710653817)
@example(k=0.0, w=0.5237039264741362, a1=1.291758015392284, b1=17.677127200651487, a2=11.437049770246224,
         b2=23.373738741381796)
@example(k=0.0, w=0.4658592877749252, a1=7.830947951244144, b1=20.84936777769675, a2=1.307036314082477,
         b2=23.848569985243305)
# shape parameters near 1 (a density like a small power of the distance to an end, a virtual value that is infinite
# at an end or steep right next to it): each raised ConvergenceError or missed the best offer before it was fixed:
@example(k=1.0, w=0.3, a1=1.1, b1=20.0, a2=20.0, b2=1.1)  # phi_S = inf at c_hi ended the ironed table ("not increasing")
@example(k=0.0, w=0.7, a1=1.1, b1=20.0, a2=20.0, b2=1.1)  # a piece's end at 4.8e-9 found only to an absolute 1e-15
@example(k=0.0, w=0.8, a1=1.1, b1=3.0, a2=3.0, b2=1.15)  # phi_B = -1 at 2.7e-5, below the first grid point: gap 1.5e-5
@example(k=0.0, w=0.5, a1=1.001, b1=3.0, a2=3.0, b2=1.001)  # table graded only to 1e-9 of the range: 1.5e-10 short
@given(k=st.sampled_from([0.0, 1.0]), w=st.floats(0.05, 0.95), a1=st.floats(1.001, 25), b1=st.floats(1.001, 25),
       a2=st.floats(1.001, 25), b2=st.floats(1.001, 25))
def test_mixtures_of_any_two_betas_are_solved_and_certified(k, w, a1, b1, a2, b2):
    # measured 43 of 140 such draws need ironing; 15 of 60 used to raise ConvergenceError (a gap of the hull next to
    # an end, where 1 - F_B or F_S rounds to 1 or 0, at a level no trading type has) and warned on the way
    check_solved_and_certified(k, w, a1, b1, a2, b2)
