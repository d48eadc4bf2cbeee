"""Two writers of one file, and two ``compare`` processes on one folder."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import threading
import time

from actlab._util_files import atomic_write
from actlab.studies.compare import write_csv
from actlab.studies.records import RunConfig, RunResult


def _results(n: int) -> list[RunResult]:
    return [RunResult(RunConfig("digits", "relu", seed=s), "finished", 0.1, 0.9, 0.05, 0.95, 3,
                      1, 0.5) for s in range(n)]


def test_two_writers_and_a_reader_of_one_csv(tmp_path):
    """Unique temporary names: no writer trips over another's temporary file, and a reader
    always sees a whole file."""
    path = tmp_path / "results.csv"
    write_csv(path, _results(20))
    errors: list[BaseException] = []
    stop = threading.Event()

    def writer(n):
        try:
            for _ in range(40):
                write_csv(path, _results(n))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    def reader():
        while not stop.is_set():
            with open(path, newline="") as fh:
                rows = list(csv.reader(fh))
            if len(rows) not in (21, 31):
                errors.append(AssertionError(f"partial file: {len(rows)} rows"))

    threads = [threading.Thread(target=writer, args=(n,)) for n in (20, 30)]
    r = threading.Thread(target=reader)
    r.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    r.join()
    assert not errors, errors[:3]
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]


def test_atomic_write_honours_umask(tmp_path):
    import os

    old = os.umask(0o002)
    try:
        atomic_write(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o664


SCRIPT = """
import os, sys, time
from actlab.studies.compare import CompareSpec, run_compare
open(sys.argv[2], "w").close()  # ready
while not os.path.exists(sys.argv[3]):  # both start the study at the same moment
    time.sleep(0.005)
spec = CompareSpec(dataset="moons", activations=("relu", "tanh"), depth=1, width=4, epochs=2,
                   seeds=3, lr=0.01)
run_compare(spec, sys.argv[1], jobs=1, progress=False, report=False)

"""


def test_two_compare_processes_never_train_a_run_twice(tmp_path):
    """The store's lock: the second process waits, then reuses the first one's runs."""
    out, go = tmp_path / "out", tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, str(out), str(tmp_path / f"r{i}"),
                               str(go)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for i in range(2)]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"r{i}").exists() for i in range(2)):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.01)
    go.touch()
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-500:] for o in outs]
    trained = []
    for out, err in outs:
        assert "Traceback" not in err
        m = re.search(r"compare: (\d+) runs \((\d+) reused from \S+\)", out)
        assert m, out
        trained.append(int(m.group(1)) - int(m.group(2)))
    assert sorted(trained) == [0, 6]  # one process trained all six runs, the other reused them
