"""Spence's (1973) job-market signalling model with two types: the primer of chapter 3.

Model. A worker's productivity theta is theta_H or theta_L (0 < theta_L < theta_H), with P(theta_H) = lambda. She
chooses education e >= 0, which is unproductive and costs e / theta (cheaper for the more productive: the
single-crossing condition). Competitive employers pay the expected productivity given what they see,
w(e) = E[theta | e]. Payoff: u(e, w; theta) = w - e / theta.

Perfect Bayesian equilibria (off the equilibrium path employers believe theta_L, the belief that supports the
most equilibria):

- separating: L chooses e = 0 (w = theta_L), H chooses e_H with w = theta_H, where
  theta_L (theta_H - theta_L) <= e_H <= theta_H (theta_H - theta_L)
  (L does not mimic; H does not prefer e = 0 and w = theta_L). The least-cost one (Riley 1979) has
  e* = theta_L (theta_H - theta_L).
- pooling: both choose e_p with w_p = lambda theta_H + (1 - lambda) theta_L, where
  0 <= e_p <= theta_L (w_p - theta_L) = lambda theta_L (theta_H - theta_L) (L's constraint binds first).

Selection: the intuitive criterion (Cho and Kreps 1987) leaves only the least-cost separating equilibrium; the
H-preferred rule (Mailath, Okuno-Fujiwara and Postlewaite 1993) picks pooling at e = 0 when
w_p > theta_H - e*/theta_H, i.e. when lambda > 1 - theta_L / theta_H (a tie goes to separating).

Welfare. Wages are transfers and employers earn zero in expectation, so an equilibrium's welfare (expected total
surplus) is lambda u_H + (1 - lambda) u_L = E[theta] - C, where C = lambda e_H / theta_H + (1 - lambda) e_L / theta_L
is the expected cost of education: the resources the signal burns. Pooling at e = 0 burns nothing (C = 0).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from lib.validation import real, real_array

__all__ = ["SpenceGame", "SpenceEquilibrium"]


def _log10(x: Fraction) -> float:
    return (x.numerator.bit_length() - x.denominator.bit_length()) * 0.30103


@dataclass(frozen=True)
class SpenceEquilibrium:
    """A pure-strategy PBE: education and wage of each type, and their payoffs."""

    kind: str  # "separating" or "pooling"
    education_high: float
    education_low: float
    wage_high: float
    wage_low: float
    payoff_high: float
    payoff_low: float


@dataclass(frozen=True)
class SpenceGame:
    """Two-type job-market signalling: 0 < theta_low < theta_high, 0 < prior_high < 1 (else ValueError), with the
    ends of the equilibrium ranges, theta_H (theta_H - theta_L) and lambda theta_L (theta_H - theta_L), inside the
    normal float range [2.2e-308, 1.8e308] (else ValueError saying so)."""

    theta_high: float = 2.0
    theta_low: float = 1.0
    prior_high: float = 0.5

    def __post_init__(self):
        for name in ("theta_high", "theta_low"):
            object.__setattr__(self, name, real(getattr(self, name), name, lo=0, lo_open=True))
        object.__setattr__(self, "prior_high", real(self.prior_high, "prior_high", lo=0, hi=1, lo_open=True,
                                                     hi_open=True))
        if not 0 < self.theta_low < self.theta_high:
            raise ValueError(f"need 0 < theta_low < theta_high; got theta_low={self.theta_low}, "
                             f"theta_high={self.theta_high}")
        # The ends of the equilibrium ranges must be normal floats (checked exactly): e.g. theta_high = 1e300
        # would put H's largest separating education theta_H (theta_H - theta_L) at 1e600, beyond the floats.
        th, tl, lam = Fraction(self.theta_high), Fraction(self.theta_low), Fraction(self.prior_high)
        for label, value in (("theta_high * (theta_high - theta_low)", th * (th - tl)),
                             ("theta_low * (theta_high - theta_low)", tl * (th - tl)),
                             ("prior_high * theta_low * (theta_high - theta_low)", lam * tl * (th - tl))):
            if value > sys.float_info.max or value < sys.float_info.min:
                raise ValueError(f"{label} must lie in the normal float range [2.2e-308, 1.8e308] (the ends of the "
                                 f"equilibrium education ranges); got about 1e{_log10(value):+.0f} "
                                 f"for theta_high={self.theta_high!r}, theta_low={self.theta_low!r}, "
                                 f"prior_high={self.prior_high!r}")

    @property
    def pooled_wage(self) -> float:
        """w_p = lambda theta_H + (1 - lambda) theta_L."""
        return self.prior_high * self.theta_high + (1 - self.prior_high) * self.theta_low

    def payoff(self, education, wage, theta):
        """u = w - e / theta (vectorised); education, wage finite, theta > 0 (else ValueError/TypeError)."""
        return real_array(wage, "wage") - real_array(education, "education") / real_array(theta, "theta", lo=0,
                                                                                          lo_open=True)

    def separating_range(self) -> tuple[float, float]:
        """[theta_L (theta_H - theta_L), theta_H (theta_H - theta_L)]: H's education in a separating PBE."""
        gap = self.theta_high - self.theta_low
        return self.theta_low * gap, self.theta_high * gap

    def pooling_range(self) -> tuple[float, float]:
        """[0, theta_L (w_p - theta_L)]: the common education in a pooling PBE. Computed as the equal
        lambda theta_L (theta_H - theta_L), which keeps its digits when lambda is tiny (w_p - theta_L rounds to 0)."""
        return 0.0, self.prior_high * self.theta_low * (self.theta_high - self.theta_low)

    def separating(self, education_high: float | None = None) -> SpenceEquilibrium:
        """The separating PBE with H at ``education_high`` (default: the least-cost one, e*)."""
        lo, hi = self.separating_range()
        e = lo if education_high is None else real(education_high, "education_high")
        if not lo * (1 - 1e-12) <= e <= hi * (1 + 1e-12):  # relative slack: the same at every scale of theta
            raise ValueError(f"education_high must be in the separating range [{lo:.6g}, {hi:.6g}]; got {e}")
        th, tl = self.theta_high, self.theta_low
        return SpenceEquilibrium("separating", e, 0.0, th, tl, float(self.payoff(e, th, th)), tl)

    def pooling(self, education: float = 0.0) -> SpenceEquilibrium:
        """The pooling PBE at ``education`` (must lie in the pooling range; default 0, the least costly one)."""
        lo, hi = self.pooling_range()
        e = real(education, "education")
        if not lo <= e <= hi * (1 + 1e-12):
            raise ValueError(f"education must be in the pooling range [0, {hi:.6g}]; got {e}")
        w = self.pooled_wage
        return SpenceEquilibrium("pooling", e, e, w, w, float(self.payoff(e, w, self.theta_high)),
                                 float(self.payoff(e, w, self.theta_low)))

    def h_preferred(self) -> SpenceEquilibrium:
        """The PBE best for H (Mailath et al. 1993): least-cost separating or pooling at e = 0; tie -> separating."""
        sep, pool = self.separating(), self.pooling(0.0)
        return sep if sep.payoff_high >= pool.payoff_high else pool

    def _own(self, equilibrium) -> SpenceEquilibrium:
        """``equilibrium`` itself, if it is a PBE of this game (else TypeError / ValueError)."""
        if not isinstance(equilibrium, SpenceEquilibrium):
            raise TypeError(f"equilibrium must be a SpenceEquilibrium; got {type(equilibrium).__name__}")
        if equilibrium.kind == "separating":
            rebuilt = self.separating(equilibrium.education_high)
        elif equilibrium.kind == "pooling":
            rebuilt = self.pooling(equilibrium.education_high)
        else:
            raise ValueError(f"equilibrium.kind must be 'separating' or 'pooling'; got {equilibrium.kind!r}")
        if rebuilt != equilibrium:
            raise ValueError("equilibrium must be a PBE of this game (as returned by its separating, pooling or "
                             f"h_preferred); got {equilibrium}")
        return equilibrium

    def signalling_cost(self, equilibrium: SpenceEquilibrium) -> float:
        """C = lambda e_H / theta_H + (1 - lambda) e_L / theta_L: the expected cost of education in ``equilibrium``
        (a PBE of this game, else TypeError / ValueError), the resources the signal burns."""
        eq = self._own(equilibrium)
        lam = self.prior_high
        return lam * (eq.education_high / self.theta_high) + (1 - lam) * (eq.education_low / self.theta_low)

    def welfare(self, equilibrium: SpenceEquilibrium) -> float:
        """Expected total surplus lambda u_H + (1 - lambda) u_L of ``equilibrium`` (a PBE of this game, else
        TypeError / ValueError); employers earn zero, so it equals E[theta] - signalling_cost."""
        eq = self._own(equilibrium)
        return self.prior_high * eq.payoff_high + (1 - self.prior_high) * eq.payoff_low

    def intuitive_deviation(self, education: float) -> float:
        """For the pooling PBE at ``education``: the least e' that L would never choose even if paid theta_H
        (theta_H - e'/theta_L < L's pooling payoff u_L*) and that H prefers when paid theta_H.

        L's bound is e' > theta_L (theta_H - u_L*); this returns that bound itself (the infimum). H gains there in
        every game: paid theta_H at the bound, H's payoff exceeds its pooling payoff by
        (theta_H - theta_L)(1 - w_p / theta_H) = (1 - lambda)(theta_H - theta_L)^2 / theta_H > 0, whatever the
        pooling education. So every pooling PBE fails the intuitive criterion (Cho and Kreps 1987). (The gain is
        not recomputed here as a difference of payoffs: for lambda within a few ulps of 1 that difference rounds
        to zero or below although the deviation exists.)
        """
        pool = self.pooling(education)
        return self.theta_low * (self.theta_high - pool.payoff_low)
