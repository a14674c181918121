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


def test_live_explorer_redraws_with_the_moved_slider_on_the_right_number_of_panels(monkeypatch):
    """The ipywidgets wrapper: one draw at display, one more per slider move, with every control's value, on as
    many axes as the drawing function takes (``ax``: one; ``axes``: a pair; or its ``ncols``)."""
    import ipywidgets as widgets
    import matplotlib
    import numpy as np

    from lib.explorers import live_explorer, panels

    matplotlib.use("Agg")
    monkeypatch.setattr("IPython.display.display", lambda *objects: None)
    calls = []

    def draw_pair(axes, x, y):
        calls.append((np.size(axes), x, y))

    controls = {"x": widgets.FloatSlider(value=0.5, min=0, max=1, step=0.1),
                "y": widgets.IntSlider(value=2, min=1, max=5)}
    live_explorer(draw_pair, controls, figsize=(4, 2), rows=[["y"], ["x"]])
    controls["y"].value = 4
    assert calls == [(2, 0.5, 2), (2, 0.5, 4)]

    def draw_one(ax, z):
        pass

    def draw_three(axes, z):
        pass

    draw_three.ncols = 3
    assert (panels(draw_one), panels(draw_pair), panels(draw_three)) == (1, 2, 3)
