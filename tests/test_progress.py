"""Progress with the time left: the backend's estimate, the CLI's bar, the worker's replies and the
plugin's text."""

from __future__ import annotations

import io

import pytest

from backend.progress import ETA_AFTER_S, PASS_STAGES, ConsoleProgressBar, RunEta, format_duration


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_eta_waits_for_the_stage_to_run_then_follows_its_pace():
    clock = Clock()
    eta = RunEta(clock)
    assert eta(0.0, "training") is None
    clock.now += 30
    assert eta(0.1, "training") is None  # the first step: the stage's start-up, not its pace
    clock.now += 10
    assert eta(0.5, "training") == pytest.approx(12.5)  # 0.4 of the run in 10 s: 0.5 left
    clock.now += 1
    assert eta(0.5, "scoring") is None  # a new stage starts its own clock
    clock.now += 1
    assert eta(0.5, "scoring") is None  # (not a step: nothing done)
    clock.now += 20
    assert eta(0.52, "scoring") is None  # its first step (a first tile scored alone, slowly)
    clock.now += ETA_AFTER_S / 2
    assert eta(0.55, "scoring") is None  # too early to tell
    clock.now += ETA_AFTER_S / 2  # 0.08 of the run in ETA_AFTER_S seconds since the first step
    assert eta(0.6, "scoring") == pytest.approx(0.4 * ETA_AFTER_S / 0.08)
    clock.now += 5
    assert eta(0.6, "scoring") == pytest.approx(0.4 * (ETA_AFTER_S + 5) / 0.08)  # stalled: later
    assert eta(1.0, "scoring") == 0.0


def test_eta_in_named_stages_only():
    """A score run's fit takes a share of its time that depends on the method and the raster: its
    stages give no estimate when the estimate is restricted to the passes over the raster."""
    clock = Clock()
    eta = RunEta(clock, stages=PASS_STAGES)
    assert eta(0.0, "training") is None
    clock.now += 5
    assert eta(0.1, "training") is None
    clock.now += 10
    assert eta(0.4, "training") is None  # (the unrestricted estimate: 20 s)
    assert eta(0.5, "scoring") is None
    assert eta(0.55, "scoring") is None
    clock.now += ETA_AFTER_S
    assert eta(0.6, "scoring") == pytest.approx(0.4 * ETA_AFTER_S / 0.05)


def test_score_runs_report_their_passes_under_the_estimated_stages(scene, tmp_path):
    """``score_to_file``'s passes over the raster are named as :data:`PASS_STAGES` says, after the
    fit's stages, with and without a holdout calibration."""
    from backend.request import ScoreRequest
    from backend.scoring import score_to_file

    for i, refs in enumerate([(), (str(scene["pre"]),)]):
        seen: list[str] = []
        score_to_file(ScoreRequest((str(scene["post"]),), refs, "rx"), tmp_path / f"s{i}.tif",
                      progress=lambda f, stage, seen=seen: seen.append(stage))  # fmt: skip
        stages = list(dict.fromkeys(seen))
        passes = [st for st in stages if st in PASS_STAGES]
        assert passes == (["scoring", "calibrating"] if refs else ["scoring"])
        assert stages.index(passes[0]) > 0 and stages[-1] == "done"
        assert set(stages[stages.index(passes[0]) : -1]) <= set(PASS_STAGES)


def test_durations_read_naturally():
    assert [format_duration(s) for s in (0, 44.6, 60, 185, 7620)] == [
        "0 s", "45 s", "1 min 00 s", "3 min 05 s", "2 h 07 min",
    ]  # fmt: skip


def test_console_bar_shows_the_time_left(monkeypatch):
    clock = Clock()
    monkeypatch.setattr("backend.progress.time.monotonic", clock)
    out = io.StringIO()
    bar = ConsoleProgressBar(out, force=True)
    bar(0.25, "scoring")
    bar(0.5, "scoring")  # the stage's first step (the pace is counted from it)
    clock.now += 30
    bar(0.75, "scoring")
    assert out.getvalue().split("\r")[-1].rstrip().endswith("75.0%   30.0s, 30 s left")
    clock.now += 30
    bar(1.0, "scoring")
    assert "left" not in out.getvalue().split("\r")[-1]


def test_worker_progress_replies_carry_the_time_left():
    from tests.test_worker import replies_of, serve

    replies = replies_of(serve([{"id": 1, "op": "sleep", "args": {"seconds": ETA_AFTER_S + 1.5}}]), 1)
    progress = [r for r in replies if r["type"] == "progress"]
    assert progress and all("eta_s" in r for r in progress)
    assert progress[0]["eta_s"] is None
    known = [r for r in progress if r["eta_s"] is not None and r["fraction"] < 1]
    assert known, "no estimate after the stage ran"
    for r in known:  # the sleep's pace is steady: the estimate is the time really left
        left = (1 - r["fraction"]) * (ETA_AFTER_S + 1.5)
        assert r["eta_s"] == pytest.approx(left, abs=0.5)


def test_worker_estimates_a_score_in_its_passes_only(monkeypatch):
    import backend.worker as w

    clock = Clock()
    monkeypatch.setattr("backend.progress.time.monotonic", clock)
    monkeypatch.setattr("backend.worker.time.monotonic", clock)

    class Channel:
        def __init__(self) -> None:
            self.sent: list[dict] = []

        def send(self, reply: dict) -> None:
            self.sent.append(reply)

    for op, want in (("score", None), ("fit", 20.0)):
        channel = Channel()
        report = w._ProgressReporter(channel, 1, w.ETA_STAGES.get(op))
        report(0.0, "training")
        report(0.1, "training")  # the stage's first step
        clock.now += 10
        report(0.4, "training")
        assert channel.sent[-1]["eta_s"] == want, op


def test_plugin_stage_text():
    pytest.importorskip("qgis")
    from plugin.progress_text import duration_text, stage_text

    assert stage_text("scoring", None) == "Scoring"
    assert stage_text("scoring", 80.4) == "Scoring: about 1 min 20 s left"
    assert stage_text("a stage of the future", 5) == "a stage of the future: about 5 s left"
    assert duration_text(3 * 3600 + 61) == "3 h 01 min"
