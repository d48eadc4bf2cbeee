"""Notebook display: every ``_repr_html_`` is well-formed, self-contained, escaped HTML."""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import pytest

import actlab
from actlab.nn import Activation, Dense, EpochRecord, History, Sequential
from actlab.studies.records import ClaimResult, Effect

VOID = {"br", "hr", "img", "input", "meta", "link", "rect", "polyline"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


def check_html(text: str) -> _Checker:
    """Balanced tags, no script, no attribute or style that loads anything from elsewhere."""
    assert isinstance(text, str) and text.startswith("<div")
    p = _Checker()
    p.feed(text)
    p.close()
    assert not p.stack, f"unclosed tags {p.stack}"
    assert "script" not in p.tags and "iframe" not in p.tags
    assert not [a for a, _ in p.attrs if a in ("src", "href", "xlink:href", "srcset")]
    assert "url(" not in text and "@import" not in text
    return p


def test_activation_shows_sheet_and_curves():
    for name in actlab.names():
        text = actlab.get(name)._repr_html_()
        p = check_html(text)
        assert "svg" in p.tags and "polyline" in p.tags
        assert actlab.get(name).info.display_name.replace("&", "&amp;") in text
    assert "alpha" in actlab.get("leaky_relu", alpha=0.2)._repr_html_()


def test_info_sequential_history():
    check_html(actlab.get("gelu").info._repr_html_())
    model = Sequential([Dense(3, 4), Activation("relu"), Dense(4, 2)], seed=0)
    text = model._repr_html_()
    check_html(text)
    assert "(&#x27;N&#x27;, 4)" in text and "26" in text  # output shape, total parameters
    h = History([EpochRecord(e, 1.0 / (e + 1), 0.5 + e / 10, 1.2 / (e + 1), None, 0.1)
                 for e in range(1, 5)])
    p = check_html(h._repr_html_())
    assert p.tags.count("svg") == 2


def test_records_escape_their_values():
    evil = "<script>alert(1)</script>"
    r = ClaimResult(name="x", number=1, title=evil, statement="a < b & c", source="s",
                    verdict="supported", method="m", rule="r", n_seeds=2,
                    effects=(Effect(name=evil, estimate=0.5, low=0.1, high=0.9, level=0.95,
                                    p_value=0.01, cohen_d=1.0, n_a=2, n_b=2),))
    text = r._repr_html_()
    check_html(text)
    assert evil not in text and "&lt;script&gt;" in text and "a &lt; b &amp; c" in text


def test_history_to_frame():
    h = History([EpochRecord(1, 0.5, None, None, None, 0.1)])
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="needs pandas"):
            h.to_frame()
        return
    frame = h.to_frame()
    assert list(frame["train_loss"]) == [0.5] and np.isnan(frame["val_loss"][0])


def test_compare_outcome_shows_rows_and_recommendation(tmp_path):
    from actlab.studies.analysis import Recommendation, Row
    from actlab.studies.compare import CompareOutcome, CompareSpec
    from actlab.studies.records import Estimate

    est = Estimate(mean=0.9, low=0.8, high=0.95, n=3, sd=0.05)
    rows = (Row("relu", 3, 0, est, 3, {"test_accuracy": est}),)
    rec = Recommendation(best=("relu",), worse=(), text="use relu <now>")
    out = CompareOutcome(CompareSpec(), (), 0, rows, {}, rec, 1.0, tmp_path)
    text = out._repr_html_()
    check_html(text)
    assert "relu" in text and "test_accuracy" in text and "0.95" in text
    assert "use relu &lt;now&gt;" in text
    assert "<td>results</td>" not in text and "<td>rows</td>" in text


def _png_pixels(data: bytes):
    import io

    from matplotlib.image import imread

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return imread(io.BytesIO(data), format="png")


@pytest.mark.parametrize("name", ["relu", "gelu", "softmax"])
def test_activation_png_is_a_picture_of_its_curves(name):
    pixels = _png_pixels(actlab.get(name)._repr_png_())
    assert pixels.shape[0] > 100 and pixels.shape[1] > 100
    # drawn in the palette's first colour (f): some pixels are blue-ish, not all white
    blue = (pixels[..., 2] > 0.6) & (pixels[..., 0] < 0.3)
    assert 50 < blue.sum() < 0.2 * blue.size


def test_history_png_has_both_loss_curves():
    h = History([EpochRecord(e, 1.0 / (e + 1), 0.5 + e / 10, 1.2 / (e + 1), None, 0.1)
                 for e in range(1, 5)])
    pixels = _png_pixels(h._repr_png_())
    orange = (pixels[..., 0] > 0.9) & (pixels[..., 1] > 0.4) & (pixels[..., 1] < 0.6) & (
        pixels[..., 2] < 0.2)
    assert orange.sum() > 20  # the second series (validation loss) is drawn
