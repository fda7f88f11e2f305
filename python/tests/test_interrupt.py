"""Ctrl-C: a long run stops within a second or two with KeyboardInterrupt, from a real SIGINT
in another process and from `_thread.interrupt_main` in this one; the scenario runs again
afterwards as if nothing happened."""

from __future__ import annotations

import _thread
import signal
import subprocess
import sys
import threading
import time

import pytest

import spotsim

# A billion runs: minutes on any machine, so only the interruption can end it in the test.
LONG_RUNS = 1_000_000_000

# A process started in the background by a shell without job control inherits SIGINT ignored,
# and then Python raises no KeyboardInterrupt at all: the tests restore Python's own handler, as
# an interactive session has it, so that they test spotsim and not how they were launched.
CHILD = """
import signal, sys, time, spotsim
signal.signal(signal.SIGINT, signal.default_int_handler)
scenario = spotsim.load(sys.argv[1])
print("started", flush=True)
try:
    scenario.run(runs=%d, keep_runs=False)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(0)
print("finished", flush=True)
sys.exit(1)
""" % LONG_RUNS


@pytest.fixture(autouse=True)
def python_sigint_handler():
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_sigint_stops_a_run_promptly(root):
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root / "scenarios/quickstart.toml")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "started"
    time.sleep(1.0)  # well into the simulation
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=60)
    took = time.monotonic() - sent
    assert child.returncode == 0 and out.strip() == "interrupted"
    assert took < 5.0, f"took {took:.1f} s to stop"


def test_interrupt_main_stops_a_run_in_this_process(root):
    scenario = spotsim.load(root / "scenarios/quickstart.toml")
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    started = time.monotonic()
    try:
        scenario.run(runs=LONG_RUNS, keep_runs=False)
        raise AssertionError("the run was not interrupted")
    except KeyboardInterrupt:
        pass
    finally:
        timer.cancel()
    assert time.monotonic() - started < 5.0
    # Nothing is left behind: the next run is the usual one.
    again = scenario.run(runs=1000, seed=1)
    assert again.to_json() == scenario.run(runs=1000, seed=1, threads=1).to_json()


def test_other_threads_run_while_a_simulation_does(root):
    """The GIL is released: a Python thread makes progress during a run."""
    scenario = spotsim.load(root / "scenarios/quickstart.toml")
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    worker = threading.Thread(target=tick)
    worker.start()
    started = time.monotonic()
    scenario.run(runs=600_000, keep_runs=False)
    ended = time.monotonic()
    stop.set()
    worker.join()
    during = [t for t in ticks if started < t < ended]
    assert ended - started > 0.2, "the run was too short to tell"
    assert len(during) >= 5


def test_an_interrupted_report_leaves_the_earlier_file_as_it_was(root, tmp_path):
    output = tmp_path / "review.html"
    output.write_text("an earlier review")
    scenario = spotsim.load(root / "scenarios/quickstart.toml")
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    try:
        scenario.report(output, runs=LONG_RUNS)
        raise AssertionError("the report was not interrupted")
    except KeyboardInterrupt:
        pass
    finally:
        timer.cancel()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["review.html"]
    assert output.read_text() == "an earlier review"
