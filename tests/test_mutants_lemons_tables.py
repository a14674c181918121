"""Checks that kill mutants of lib/lemons.py's numerical tables (tools/mutate.py) the other tests let live."""
import numpy as np
import pytest
from scipy import stats

from lib import lemons


class _SignedDensity(stats.rv_continuous):
    """1 + 2 sin(2 pi q) on [0, 1]: integrates to 1 (the sine integrates to 0 over a period) but is < 0 on
    about (0.58, 0.92), so it is not a density."""

    def _pdf(self, q):
        return 1.0 + 2.0 * np.sin(2.0 * np.pi * q)


def test_a_pdf_that_is_negative_somewhere_is_rejected_by_name():
    """The pdf's negative part is found without any nan in it: a clear ValueError naming the pdf, not an answer."""
    quality = _SignedDensity(a=0.0, b=1.0, name="signed")()
    assert quality.pdf(0.75) == pytest.approx(-1.0)  # the property the test relies on: 1 + 2 sin(3 pi / 2)
    with pytest.raises(ValueError, match="non-negative"):
        lemons.market_equilibrium(quality, 1.5)


def test_histogram_with_an_empty_first_bin_inside_the_second_panel_is_the_uniform_on_the_rest():
    """rv_histogram on [0, 1] with no mass on [0, c), c = 1.5 / 2048 (between the first and second of the 2048
    equal cuts), and uniform mass on [c, 1] is U[c, 1]: E[q | q <= p] = (c + p) / 2 for c <= p <= 1, and for
    p < c nobody sells (g(p) = b c, its limit, > p for b > 1), so the only fixed point is p = b c / (2 - b)
    (no price-0 equilibrium: 0 is not a fixed point of g)."""
    c, b = 1.5 / 2048, 1.5
    quality = stats.rv_histogram((np.array([0.0, 1.0]), np.array([0.0, c, 1.0])), density=False)()
    m = lemons.market_equilibrium(quality, b)
    assert m.other_prices == ()
    assert m.price == pytest.approx(b * c / (2 - b), rel=1e-10)
    assert m.average_quality == pytest.approx((c + m.price) / 2, rel=1e-10)
    assert m.traded_share == pytest.approx((m.price - c) / (1 - c), rel=1e-9)


@pytest.mark.parametrize("scale,b", [(0.5, 2.5), (0.01, 3.0)])
def test_uniform_from_zero_all_sell_below_one_lists_the_no_trade_price(scale, b):
    """U[0, s] with b > 2: g(p) = b p / 2 > p for 0 < p < s, so the fixed points are p = 0 (q_lo = 0) and the
    all-sell price b E[q] = b s / 2 (>= s); both are listed even when that price is below 1."""
    quality = stats.uniform(loc=0.0, scale=scale)
    m = lemons.market_equilibrium(quality, b)
    assert m.price == pytest.approx(b * scale / 2, rel=1e-12) and m.price < 1
    assert m.other_prices == (0.0,)
    assert m.regime == "all sell"
