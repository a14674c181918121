"""Checks that kill mutants of lib/spence.py (tools/mutate.py) the other tests let live."""
import math
import re

import pytest

from lib.spence import SpenceGame


@pytest.mark.parametrize("theta_high,theta_low,prior_high", [
    (1e200, 1.0, 0.5),  # theta_H (theta_H - theta_L) about 1e400: too large
    (1e160, 1e150, 0.5),  # about 1e320
    (3e-160, 1e-160, 0.5),  # theta_L (theta_H - theta_L) about 2e-320: too small
    (2.0, 1.0, 1e-309),  # lambda theta_L (theta_H - theta_L) about 1e-309
])
def test_out_of_range_message_states_the_order_of_magnitude(theta_high, theta_low, prior_high):
    """The message's 'about 1e<n>' is within one of log10 of the offending product, computed here in floats of
    logarithms (the product itself overflows)."""
    with pytest.raises(ValueError, match="normal float range") as info:
        SpenceGame(theta_high=theta_high, theta_low=theta_low, prior_high=prior_high)
    message = str(info.value)
    exponent = int(re.search(r"got about 1e([+-]\d+)", message).group(1))
    log_gap = math.log10(theta_high - theta_low)
    candidates = {"theta_high * (theta_high - theta_low)": math.log10(theta_high) + log_gap,
                  "theta_low * (theta_high - theta_low)": math.log10(theta_low) + log_gap,
                  "prior_high * theta_low * (theta_high - theta_low)":
                      math.log10(prior_high) + math.log10(theta_low) + log_gap}
    label = message.split(" must lie")[0]
    assert label in candidates, message
    assert abs(exponent - candidates[label]) <= 1, (message, candidates[label])
