"""The kernel-free explorer: one frame per slider combination, native range inputs, no external resources."""
import re

import pytest

from lib.explorers import static_explorer


def _draw(ax, x=1.0, y=1.0, scale=1.0):
    ax.plot([0, 1], [0, x * y * scale])
    ax.set_title(f"x={x}, y={y}")
    return {"slope": x * y * scale}


def test_one_frame_per_combination_and_start_position():
    ex = static_explorer(_draw, {"x": [1, 2, 3], "y": [1, 2]}, fixed={"scale": 2}, start={"x": 3, "y": 1})
    assert len(ex.frames) == 6
    assert ex.start == (2, 0)
    html = ex._repr_html_()
    assert html.count('class="kf-frame"') == 6
    assert html.count('type="range"') == 2
    # exactly one frame visible: the start one (x=3, y=1 is flat index 2*2+0 = 4)
    frames = re.findall(r'<img class="kf-frame"[^>]*style="([^"]*)"', html)
    visible = [i for i, style in enumerate(frames) if "display:none" not in style]
    assert visible == [4]
    assert "http" not in html.replace("data:image/png;base64", "")


def test_frames_differ_when_parameters_differ():
    ex = static_explorer(_draw, {"x": [1, 2]})
    assert ex.frames[0] != ex.frames[1]


@pytest.mark.parametrize("sliders", [{}, {"x": [1]}])
def test_bad_sliders(sliders):
    with pytest.raises(ValueError):
        static_explorer(_draw, sliders)
