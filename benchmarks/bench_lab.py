"""Lab page speed: training steps per second *with live rendering* in headless Chromium.

The issue's target: >= 60 steps/s for a 10 x 32 tanh network on 2-D data with batch 10. The
page plays (requestAnimationFrame loop: k steps, then every view redrawn: decision boundary,
neuron maps, histograms, curves) for a few seconds at several steps-per-frame settings; best of
three runs each. Also times the bare engine (``actlab.step(n)``, one render at the end) with
tanh, silu and the same function written as a custom formula (the page's tree interpreter).

Run:  python benchmarks/bench_lab.py        (needs chromium + chromedriver; selenium)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from actlab.lab import write  # noqa: E402
from tests.lab import browser  # noqa: E402

CONFIG = {"data": "spirals", "layers": [32] * 10, "acts": ["tanh"] * 10, "batch": 10,
          "opt": "sgd", "lr": 0.01, "seed": 1}
SECONDS = 3.0


def play_rate(d, per_frame: int) -> tuple[float, float]:
    d.execute_script("actlab.load(arguments[0]); actlab.speed(arguments[1])", CONFIG, per_frame)
    s0, f0 = d.execute_script("return [actlab.record().step, actlab.frames()]")
    d.execute_script("actlab.play()")
    t0 = time.perf_counter()
    time.sleep(SECONDS)
    s1, f1 = d.execute_script("actlab.pause(); return [actlab.record().step, actlab.frames()]")
    dt = time.perf_counter() - t0
    return (s1 - s0) / dt, (f1 - f0) / dt


def main() -> None:
    if browser.executables() is None:
        sys.exit("chromium and chromedriver are required")
    with tempfile.TemporaryDirectory() as tmp:
        # a custom activation (actlab.define) runs through the page's tree interpreter
        custom = ["lab_swish=x*sigmoid(x)"]
        url = write(Path(tmp) / "lab.html", custom=custom).resolve().as_uri()
        d = browser.start(1400, 1000)
        try:
            d.get(url)
            browser.wait_ready(d)
            d.execute_script("actlab.show('playground')")
            print("10 x 32 tanh, batch 10, 2-D spirals; live rendering; "
                  f"best of 3 x {SECONDS:.0f} s")
            for k in (1, 5, 10, 20):
                runs = [play_rate(d, k) for _ in range(3)]
                steps, fps = max(runs)
                print(f"  {k:>2} steps/frame: {steps:7.1f} steps/s at {fps:5.1f} frames/s")
            for act in ("tanh", "silu", "lab_swish"):
                d.execute_script("actlab.load(arguments[0])", {**CONFIG, "acts": [act] * 10})
                best = 0.0
                for _ in range(3):
                    t0 = time.perf_counter()
                    d.execute_script("actlab.step(2000)")
                    best = max(best, 2000 / (time.perf_counter() - t0))
                print(f"  engine alone, {act:>9} (actlab.step(2000), one render): "
                      f"{best:7.1f} steps/s")
        finally:
            d.quit()


if __name__ == "__main__":
    main()
