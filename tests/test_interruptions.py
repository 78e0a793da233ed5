"""Fault injection: real ``python -m backend`` runs killed or interrupted half-way.

A score run of a raster big enough to take several seconds is

* killed with SIGKILL at seeded moments (``random.Random(16)``, between 0.2 s and the measured run
  time) and once while its temporary file is being written: afterwards there is no file at ``-o``
  nor its sidecar (or the earlier result there is untouched), a temporary file may be left but only
  hidden, and the next RareSight run that writes into that folder removes it, and nothing else;
* interrupted with SIGTERM (exit 143) and SIGINT (exit 130), while its temporary file is being
  written and at seeded moments: one stderr line, no output, no temporary file left, even before
  the next run;
* run by the worker (``python -m backend worker``) and the worker is sent SIGTERM: it exits, no
  output, no temporary file, and its stdout stays JSON lines.

Every input is unchanged byte for byte. About 40 s on two cores.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import rasters

ROOT = Path(__file__).resolve().parents[1]
#: 2000 x 2000 px x 4 bands of uint16 under lrx: about 6 s on one core (rx takes under 2 s).
BIG_SIDE = 2000
BIG_BANDS = 4
METHOD = "lrx"
SEED = 16
N_KILLS = 4
EARLIEST_S = 0.2
#: Seconds after which the CLI runs its command (imports done): the earliest SIGTERM / SIGINT.
STARTED_S = 1.0
#: Seconds to wait for a run's temporary file to appear, and for an interrupted run to exit.
WAIT_S = 60


# --------------------------------------------------------------------------------------------------
# helpers


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("PYTHONSTARTUP", None)
    return env


def _default_signals() -> None:
    """In the child: SIGINT and SIGTERM at their defaults (a shell may start pytest with SIGINT
    ignored, and Python then leaves it ignored, so Ctrl-C would do nothing)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _child(args: tuple[object, ...]) -> dict:
    """The arguments of ``python -m backend ARGS`` as a child of these tests."""
    command = [sys.executable, "-m", "backend", *(str(a) for a in args)]
    return {"args": command, "cwd": ROOT, "env": _env(), "text": True, "preexec_fn": _default_signals}


def start(*args: object, **kwargs) -> subprocess.Popen:
    """``python -m backend ARGS`` as a child process, output captured."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen(**_child(args), **kwargs)


def run_cli(*args: object, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m backend ARGS`` to completion (as tests/test_cli.py)."""
    return subprocess.run(**_child(args), capture_output=True, timeout=timeout)


def ok(res: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert res.returncode == 0, f"exit {res.returncode}\nstdout: {res.stdout}\nstderr: {res.stderr}"
    assert "Traceback" not in res.stderr, res.stderr
    return res


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hashes(*paths: Path) -> dict[str, str]:
    return {str(p): sha256(p) for p in paths}


def parts(folder: Path, stem: str = "") -> list[str]:
    """Temporary files in ``folder`` (of output ``stem`` when given), the decoy excepted."""
    return sorted(
        name
        for name in os.listdir(folder)
        if ".part" in name and name != DECOY and (not stem or name.startswith(f".{stem}."))
    )


def wait_for_part(folder: Path, stem: str, proc: subprocess.Popen, timeout: float = WAIT_S) -> list[str]:
    """Poll until a temporary file of output ``stem`` appears in ``folder`` (the run is writing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = parts(folder, stem)
        if found:
            return found
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the run ended (exit {proc.returncode}) before writing\n{out}\n{err}")
        time.sleep(0.005)
    proc.kill()
    proc.communicate()
    pytest.fail(f"no temporary file of {stem} appeared in {folder} within {timeout} s")


def assert_interrupted(proc: subprocess.Popen, code: int, prefix: str, out: Path) -> tuple[str, str]:
    """The interrupted run exits with ``code`` and one stderr line starting ``prefix``; no output,
    no sidecar, no temporary file, not even before the next run."""
    try:
        stdout, stderr = proc.communicate(timeout=WAIT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        pytest.fail(f"the run did not exit within {WAIT_S} s of the signal\n{stderr}")
    assert "Traceback" not in stderr, stderr
    assert proc.returncode == code, f"exit {proc.returncode}, expected {code}\nstderr: {stderr}"
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one stderr line, got {len(lines)}:\n{stderr}"
    assert lines[0].startswith(prefix), lines[0]
    assert stdout.strip() == "", f"nothing should go to stdout: {stdout!r}"
    assert not out.exists(), f"{out} exists after an interrupted run"
    assert not Path(f"{out}.json").exists(), f"{out}.json exists after an interrupted run"
    assert not parts(out.parent), f"temporary files left: {parts(out.parent)}"
    return stdout, stderr


DECOY = ".holiday.part.tif"  # a user's own hidden file that looks a bit like ours: never swept


def out_folder(tmp_path: Path) -> Path:
    """An empty output folder holding only the user's decoy file."""
    out = tmp_path / "out"
    out.mkdir()
    (out / DECOY).write_bytes(b"my own file")
    return out


# --------------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> dict:
    """The big raster, a tiny score (for the next run's ``mask``) and the measured run time."""
    folder = tmp_path_factory.mktemp("inputs")
    rng = np.random.default_rng(SEED)
    data = rng.normal(1000, 50, (BIG_BANDS, BIG_SIDE, BIG_SIDE)).astype(np.uint16)
    big = rasters.write(folder / "big.tif", data)
    small = rasters.write(folder / "small.tif", rasters.optical(0), nodata=rasters.NODATA)
    tiny_score = folder / "tiny.tif"
    ok(run_cli("score", small, "-o", tiny_score, "--method", METHOD))
    measure = tmp_path_factory.mktemp("measure")
    started = time.monotonic()
    ok(run_cli("score", big, "-o", measure / "score.tif", "--method", METHOD))
    seconds = time.monotonic() - started
    assert seconds > 1.5, f"the big run takes {seconds:.1f} s: too short to interrupt reliably"
    inputs = (big, tiny_score, Path(f"{tiny_score}.json"))
    return {
        "big": big,
        "tiny_score": tiny_score,
        "seconds": seconds,
        "inputs": inputs,
        "hashes": hashes(*inputs),
    }


def kill_moments(seconds: float) -> list[float]:
    rng = random.Random(SEED)
    return sorted(rng.uniform(EARLIEST_S, seconds) for _ in range(N_KILLS))


def signal_moments(seconds: float) -> list[float]:
    """Two moments for SIGTERM / SIGINT, after the interpreter's start-up (a signal during Python's
    own start-up is outside what the program can handle)."""
    rng = random.Random(SEED + 1)
    return sorted(rng.uniform(STARTED_S, max(STARTED_S, 0.9 * seconds)) for _ in range(2))


# --------------------------------------------------------------------------------------------------
# SIGKILL


def _after_kill(big: dict, out: Path, before: dict[str, str], existed: bool) -> None:
    """The checks after a kill -9 (see the module docstring), the next run included."""
    target = out / "score.tif"
    if existed:  # the earlier result is untouched
        assert {p: sha256(Path(p)) for p in before} == before, "a killed run changed the earlier result"
    else:
        assert not target.exists(), f"{target} exists after a killed run"
        assert not Path(f"{target}.json").exists(), f"{target}.json exists after a killed run"
    visible = [n for n in os.listdir(out) if not n.startswith(".") and str(out / n) not in before]
    assert not visible, f"a killed run left visible files: {visible}"
    # the next run that writes into the folder sweeps the temporary files of the killed one
    ok(run_cli("mask", big["tiny_score"], "-o", out / "mask.tif"))
    assert (out / "mask.tif").is_file()
    assert not parts(out), f"temporary files left after the next run: {parts(out)}"
    assert (out / DECOY).read_bytes() == b"my own file", "the next run removed the user's file"
    if existed:
        assert {p: sha256(Path(p)) for p in before} == before
    assert hashes(*big["inputs"]) == big["hashes"], "an input changed"


def _earlier_result(big: dict, out: Path) -> dict[str, str]:
    """An earlier score at -o (RareSight's own, so a new run may replace it on success)."""
    shutil.copyfile(big["tiny_score"], out / "score.tif")
    shutil.copyfile(f"{big['tiny_score']}.json", out / "score.tif.json")
    return hashes(out / "score.tif", out / "score.tif.json")


@pytest.mark.slow
@pytest.mark.parametrize("k", range(N_KILLS))
def test_sigkill_at_a_seeded_moment_leaves_nothing_visible(big, tmp_path, k):
    moment = kill_moments(big["seconds"])[k]
    out = out_folder(tmp_path)
    existed = bool(k % 2)  # every other run has an earlier result at -o
    before = _earlier_result(big, out) if existed else {}
    proc = start("score", big["big"], "-o", out / "score.tif", "--method", METHOD)
    time.sleep(moment)
    finished = proc.poll() is not None
    if not finished:
        proc.kill()
    stdout, stderr = proc.communicate(timeout=WAIT_S)
    if finished:  # the run beat the moment: a normal, complete run
        assert proc.returncode == 0, stderr
        assert (out / "score.tif").is_file() and (out / "score.tif.json").is_file()
        return
    assert proc.returncode == -signal.SIGKILL
    _after_kill(big, out, before, existed)


@pytest.mark.parametrize("existed", [False, True], ids=["fresh", "earlier-result"])
def test_sigkill_while_writing_then_the_next_run_sweeps(big, tmp_path, existed):
    """Killed while its temporary score file exists: a hidden leftover at most, swept next run."""
    out = out_folder(tmp_path)
    before = _earlier_result(big, out) if existed else {}
    proc = start("score", big["big"], "-o", out / "score.tif", "--method", METHOD)
    wait_for_part(out, "score", proc)
    proc.kill()
    proc.communicate(timeout=WAIT_S)
    leftovers = parts(out)
    assert leftovers, "killed while writing, yet no temporary file: the sweep is not exercised"
    assert all(name.startswith(".") for name in leftovers), leftovers
    _after_kill(big, out, before, existed)


# --------------------------------------------------------------------------------------------------
# SIGTERM, SIGINT


@pytest.mark.parametrize(
    ("sig", "code", "prefix"),
    [
        (signal.SIGTERM, 143, "raresight: terminated"),
        (signal.SIGINT, 130, "raresight: interrupted"),
    ],
    ids=["SIGTERM", "SIGINT"],
)
def test_signal_while_writing_exits_cleanly(big, tmp_path, sig, code, prefix):
    out = out_folder(tmp_path)
    proc = start("score", big["big"], "-o", out / "score.tif", "--method", METHOD)
    wait_for_part(out, "score", proc)
    proc.send_signal(sig)
    assert_interrupted(proc, code, prefix, out / "score.tif")
    assert (out / DECOY).read_bytes() == b"my own file"
    assert hashes(*big["inputs"]) == big["hashes"], "an input changed"


@pytest.mark.slow
@pytest.mark.parametrize("k", range(2))
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_at_a_seeded_moment_exits_cleanly(big, tmp_path, sig, k):
    """A signal at a seeded moment of the run (after start-up): the same contract, whatever the
    stage (fit, scoring, calibration, writing the sidecar)."""
    moment = signal_moments(big["seconds"])[k]
    out = out_folder(tmp_path)
    proc = start("score", big["big"], "-o", out / "score.tif", "--method", METHOD)
    time.sleep(moment)
    if proc.poll() is not None:  # the run beat the moment: a normal, complete run
        stdout, stderr = proc.communicate()
        assert proc.returncode == 0, stderr
        return
    proc.send_signal(sig)
    code, prefix = (
        (143, "raresight: terminated") if sig == signal.SIGTERM else (130, "raresight: interrupted")
    )
    assert_interrupted(proc, code, prefix, out / "score.tif")
    assert hashes(*big["inputs"]) == big["hashes"], "an input changed"


# --------------------------------------------------------------------------------------------------
# the worker


def _reader(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def test_worker_sigterm_mid_score_leaves_nothing(big, tmp_path):
    out = out_folder(tmp_path)
    target = out / "score.tif"
    with open(tmp_path / "worker.err", "w+", encoding="utf-8") as err:
        proc = start("worker", stdin=subprocess.PIPE, stderr=err)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
        request = {
            "id": 1,
            "op": "score",
            "args": {"targets": [str(big["big"])], "output": str(target), "method": METHOD},
        }
        proc.stdin.write(json.dumps(request) + "\n")
        proc.stdin.flush()
        wait_for_part(out, "score", proc)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail(f"the worker did not exit within {WAIT_S} s of SIGTERM")
        finally:
            proc.stdin.close()
        err.seek(0)
        stderr = err.read()
    replies = []
    while (line := lines.get(timeout=WAIT_S)) is not None:
        replies.append(line)
    for line in replies:
        json.loads(line)  # the protocol stream stays JSON lines
    assert proc.returncode in (0, 143), f"worker exit {proc.returncode}\n{stderr}"
    assert "Traceback" not in stderr, stderr
    assert not any(json.loads(r).get("type") == "result" for r in replies), "a result after SIGTERM"
    assert not target.exists() and not Path(f"{target}.json").exists(), "output after SIGTERM"
    assert not parts(out), f"temporary files left: {parts(out)}"
    assert (out / DECOY).read_bytes() == b"my own file"
    assert hashes(*big["inputs"]) == big["hashes"], "an input changed"
