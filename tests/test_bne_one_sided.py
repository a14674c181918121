"""lib.bne at k = 0 and 1 when the virtual value is not monotone (a bimodal prior): the truthful side reports its
type and each type of the other side takes its global best offer, which jumps; checked against a brute force over
a fine grid of offers (scipy's cdf and quad, not lib's hull) and by the best-response gap."""
import numpy as np
import pytest
from scipy import integrate, special, stats

from lib.bne import solve_double_auction


class _Mix(stats.rv_continuous):
    """0.5 Beta(2, 20) + 0.5 Beta(20, 2): its virtual values are not monotone."""

    def _pdf(self, x):
        return 0.5 * stats.beta.pdf(x, 2, 20) + 0.5 * stats.beta.pdf(x, 20, 2)

    def _cdf(self, x):
        return 0.5 * special.betainc(2, 20, x) + 0.5 * special.betainc(20, 2, x)


MIX = _Mix(a=0.0, b=1.0, name="mix")()
ASKS = np.linspace(0.0, 1.0, 200001)  # the brute force's grid of offers (spacing 5e-6)


def brute(types, k):
    """Each type's best offer over ASKS: k = 0 a seller of cost c against demand 1 - F_B (scipy's sf), k = 1 a
    buyer of value v against supply F_S (scipy's cdf)."""
    if k == 0.0:
        q = MIX.sf(ASKS)
        return np.array([ASKS[np.argmax((ASKS - c) * q)] for c in types])
    q = MIX.cdf(ASKS)
    return np.array([ASKS[np.argmax((v - ASKS) * q)] for v in types])


@pytest.mark.parametrize("k", [0.0, 1.0])
def test_jumping_offers_match_a_brute_force(k):
    buyer, seller = (MIX, stats.uniform(-1, 2)) if k == 0.0 else (stats.uniform(0, 2), MIX)
    result = solve_double_auction(buyer, seller, k=k)
    strategic = seller if k == 0.0 else buyer
    lo, hi = strategic.support()
    types = np.linspace(lo, hi, 201)[1:-1]
    offers = result.ask(types) if k == 0.0 else result.bid(types)
    best = brute(types, k)
    trades = (types < 1.0) if k == 0.0 else (types > 0.0)  # types that can trade: their best offer is unique
    assert np.max(np.abs(offers - best)[trades]) <= 1e-5  # within the brute grid's spacing
    jumps = np.diff(best[trades])
    assert np.max(jumps) > 0.3  # the offer really jumps (from the low mode to the high one)
    assert np.all(np.diff(offers) >= 0)
    # expected gains of the equilibrium: lib's quadrature against a double integral by scipy's quad
    def trade_gain(t):
        o = float(result.ask(t)) if k == 0.0 else float(result.bid(t))
        if k == 0.0:  # buyers with v >= ask trade
            return integrate.quad(lambda v: (v - t) * MIX.pdf(v), max(o, 0.0), 1.0, limit=200)[0] if o < 1 else 0.0
        return integrate.quad(lambda c: (t - c) * MIX.pdf(c), 0.0, min(o, 1.0), limit=200)[0] if o > 0 else 0.0
    cuts = sorted({lo, hi, *types[:-1][np.abs(np.diff(offers)) > 0.1]})
    gains = sum(integrate.quad(lambda t: trade_gain(t) * strategic.pdf(t), a, b, limit=200, epsabs=1e-11)[0]
                for a, b in zip(cuts[:-1], cuts[1:]))
    assert result.outcomes().gains == pytest.approx(gains, rel=1e-5)
    gap = result.best_response_gap(n_types=41, n_bids=4001)
    assert gap.relative_gap <= 1e-9
