"""The backend worker's JSON-line protocol and the plugin's client to it (no QGIS needed)."""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import rasterio

from backend.worker import Worker
from plugin.backend_client import (
    BackendClient,
    BackendError,
    RequestCancelledError,
    WorkerCrashedError,
    WorkerStartError,
)
from plugin.calibration import CalibrationTable

ROOT = Path(__file__).resolve().parents[1]
PYTHON = (
    str(ROOT / ".venv" / "bin" / "python")
    if (ROOT / ".venv" / "bin" / "python").is_file()
    else sys.executable
)


class _Replies(io.StringIO):
    """Collects replies; ``done`` is set once every expected request has its final reply."""

    def __init__(self, expected: set) -> None:
        super().__init__()
        self.expected, self.done = set(expected), threading.Event()

    def write(self, text: str) -> int:
        n = super().write(text)
        for line in text.splitlines():
            reply = json.loads(line)
            if reply["type"] in ("result", "error"):
                self.expected.discard(reply["id"])
        if not self.expected:
            self.done.set()
        return n


def serve(lines: list[dict | str], wait_for: set | None = None) -> list[dict]:
    """Run a Worker in-process on ``lines``; keep its input open until every request in
    ``wait_for`` (default: all ids but cancels) has its final reply, then end the input."""
    if wait_for is None:
        wait_for = {x["id"] for x in lines if isinstance(x, dict) and x.get("op") != "cancel"}
    out = _Replies(wait_for)

    def requests():
        for x in lines:
            yield (json.dumps(x) if isinstance(x, dict) else x) + "\n"
        out.done.wait(timeout=120)

    Worker(requests(), out).serve()
    return [json.loads(line) for line in out.getvalue().splitlines()]


def replies_of(replies: list[dict], request_id) -> list[dict]:
    return [r for r in replies if r.get("id") == request_id]


@pytest.fixture()
def client():
    c = BackendClient(PYTHON, ROOT)
    yield c
    c.close()


def test_worker_scores_then_polygonizes_in_order(scene, tmp_path):
    score = str(tmp_path / "s.tif")
    replies = serve(
        [
            {
                "id": 1,
                "op": "score",
                "args": {"targets": [str(scene["post"])], "output": score, "method": "rx"},
            },
            {
                "id": 2,
                "op": "polygonize",
                "args": {"score": score, "output": str(tmp_path / "p.gpkg"), "false_alarm_rate": 1e-3},
            },
        ]
    )
    first = replies_of(replies, 1)
    assert any(r["type"] == "progress" for r in first)
    assert first[-1]["type"] == "result"
    assert first[-1]["result"]["sidecar"]["method"] == "rx"
    second = replies_of(replies, 2)[-1]
    assert second["type"] == "result" and second["result"]["features"] >= 1
    assert (tmp_path / "p.gpkg").is_file()
    fractions = [r["fraction"] for r in first if r["type"] == "progress"]
    assert fractions == sorted(fractions) and all(0.0 <= f <= 1.0 for f in fractions)


def test_worker_typed_errors(scene, tmp_path):
    replies = serve(
        [
            {
                "id": 1,
                "op": "score",
                "args": {"targets": [str(tmp_path / "missing.tif")], "output": str(tmp_path / "o.tif")},
            },
            {
                "id": 2,
                "op": "score",
                "args": {
                    "targets": [str(scene["post"])],
                    "output": str(tmp_path / "o.tif"),
                    "method": "nope",
                },
            },
            {"id": 3, "op": "frobnicate"},
            {"id": 4, "op": "score", "args": {"output": "x.tif"}},
            "this is not json",
        ]
    )
    kinds = {r["id"]: r["error"] for r in replies if r["type"] == "error"}
    assert kinds[1] == "MissingFileError"
    assert kinds[2] == "MethodError"
    assert kinds[3] == "ProtocolError"
    assert kinds[4] == "InputError"
    assert kinds[None] == "ProtocolError"
    assert not (tmp_path / "o.tif").exists()
    assert all("\n" not in r["message"] for r in replies if r["type"] == "error")


def test_worker_prompt_for_a_method_without_prompts_is_a_warning(scene, tmp_path):
    replies = serve(
        [
            {
                "id": 1,
                "op": "score",
                "args": {
                    "targets": [str(scene["post"])],
                    "output": str(tmp_path / "o.tif"),
                    "prompt": "flood",
                },
            }
        ]
    )
    logs = [r for r in replies if r["type"] == "log"]
    assert logs and "ignored" in logs[0]["message"]
    assert replies[-1]["type"] == "result"


def test_worker_passes_prompt_negative_checkpoint_and_fuse(tmp_path):
    import rasters

    s2 = rasters.write(tmp_path / "s2.tif", rasters.sentinel2(), nodata=rasters.NODATA)
    s1 = rasters.write_named(tmp_path / "s1.tif", rasters.sentinel1(), ("VV", "VH"), nodata=float("nan"))
    base = {"targets": [str(s2), str(s1)], "method": "spectral", "prompt": "flood"}
    replies = serve(
        [
            {
                "id": 1,
                "op": "score",
                "args": {**base, "output": str(tmp_path / "f.tif"), "fuse": "rx", "negative": "dry fields"},
            },
            {"id": 2, "op": "score", "args": {**base, "prompt": "", "output": str(tmp_path / "n.tif")}},
            {"id": 3, "op": "score", "args": {**base, "checkpoint": 3, "output": str(tmp_path / "c.tif")}},
            {"id": 4, "op": "mask", "args": {"score": str(tmp_path / "f.tif"), "output": str(tmp_path / "m.tif")}},
        ]
    )
    fused = replies_of(replies, 1)
    side = fused[-1]["result"]["sidecar"]
    assert side["method"] == "spectral+rx" and side["fuse"] == "rx" and side["default_threshold"] == 0.5
    assert side["parameters"]["prompt"] == "flood"
    assert any(r["type"] == "log" and "takes no negative" in r["message"] for r in fused)
    assert replies_of(replies, 2)[-1]["error"] == "MethodError"
    assert "needs a prompt" in replies_of(replies, 2)[-1]["message"]
    assert replies_of(replies, 3)[-1]["error"] == "InputError"  # checkpoint must be text
    mask = replies_of(replies, 4)[-1]["result"]
    assert mask["threshold"] == 0.5 and mask["false_alarm_rate"] is None


def test_worker_scores_a_clip_method_with_a_checkpoint(tmp_path, monkeypatch):
    """The dock's path for CLIP: prompt, negative and a checkpoint file (a micro open_clip model
    with its card, no download) give a georeferenced score raster."""
    pytest.importorskip("open_clip")
    import rasters
    from clip_micro import save_micro

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("RARESIGHT_CLIP_CACHE", str(tmp_path / "cache"))
    checkpoint = save_micro(tmp_path / "weights")
    s2 = rasters.write(tmp_path / "s2.tif", rasters.sentinel2(), nodata=rasters.NODATA)
    out = tmp_path / "clip.tif"
    args = {"targets": [str(s2)], "method": "clip", "prompt": "flooded area", "negative": "dry fields"}
    replies = serve(
        [
            {"id": 1, "op": "score", "args": {**args, "checkpoint": str(checkpoint), "output": str(out)}},
            {"id": 2, "op": "score", "args": {**args, "output": str(tmp_path / "none.tif")}},
        ]
    )
    side = replies_of(replies, 1)[-1]["result"]["sidecar"]
    assert side["method"] == "clip" and side["fit"]["negatives"] == ["dry fields"]
    with rasterio.open(out) as ds, rasterio.open(s2) as src:
        assert ds.crs == src.crs and ds.transform == src.transform
        assert np.isfinite(ds.read(1)[src.read_masks(1) > 0]).all()
    # no checkpoint, nothing cached, offline: a typed one-line error naming where the file goes
    failed = replies_of(replies, 2)[-1]
    assert failed["error"] == "WeightsError" and "\n" not in failed["message"]
    assert str(tmp_path / "cache") in failed["message"]
    assert not (tmp_path / "none.tif").exists()


def test_worker_cancels_a_queued_request_before_it_starts():
    replies = serve(
        [
            {"id": 1, "op": "sleep", "args": {"seconds": 0.3}},
            {"id": 2, "op": "sleep", "args": {"seconds": 30}},
            {"id": 3, "op": "cancel", "args": {"target": 2}},
        ]
    )
    assert replies_of(replies, 1)[-1]["type"] == "result"
    assert replies_of(replies, 2)[-1]["error"] == "CancelledError"


def test_worker_keeps_stdout_for_the_protocol(tmp_path):
    """A print inside the worker process must not reach the protocol stream."""
    import subprocess

    code = (
        "import sys; sys.argv=['raresight','worker'];"
        "import backend.worker as w; w.OPERATIONS['hello']=lambda a,p,c: (print('noise'), {'ok': 1})[1];"
        "from backend.cli import main; sys.exit(main())"
    )
    proc = subprocess.Popen(
        [PYTHON, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        proc.stdin.write(json.dumps({"id": 1, "op": "hello"}) + "\n")
        proc.stdin.flush()
        first = proc.stdout.readline()
        rest, err = proc.communicate(timeout=60)  # closes stdin: the worker exits
    finally:
        proc.kill()
    assert json.loads(first)["result"] == {"ok": 1}
    assert rest == ""
    assert "noise" in err


#: Training parameters of a micro generative model (seconds on a CPU, on the tiny test rasters).
MICRO = {"steps": "30", "hidden": "8", "depth": "1", "components": "3", "batch": "2", "patch": "16"}


def test_worker_fit_writes_a_model_and_its_card_and_score_reuses_it(scene, tmp_path):
    model = str(tmp_path / "m.safetensors")
    score = str(tmp_path / "s.tif")
    replies = serve(
        [
            {
                "id": 1,
                "op": "fit",
                "args": {
                    "targets": [str(scene["post"])],
                    "method": "diffusion",
                    "params": MICRO,
                    "output": model,
                },
            },
            # no method: the model's card names it
            {
                "id": 2,
                "op": "score",
                "args": {"targets": [str(scene["post"])], "params": {"model": model}, "output": score},
            },
        ]
    )
    fit = replies_of(replies, 1)
    assert fit[-1]["type"] == "result", fit[-1]
    fractions = [r["fraction"] for r in fit if r["type"] == "progress"]
    assert fractions and fractions == sorted(fractions) and fractions[-1] == 1.0
    result = fit[-1]["result"]
    assert result["output"] == model
    card = result["card"]
    assert card["method"] == "diffusion" and card["bands"] == 4 and card["condition"] == "none"
    assert card["training"]["steps"] == 30
    assert Path(model).is_file() and Path(model).stat().st_size > 0
    assert json.loads(Path(model + ".json").read_text(encoding="utf-8")) == card
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")], "partial files left behind"

    scored = replies_of(replies, 2)[-1]
    assert scored["type"] == "result", scored
    side = scored["result"]["sidecar"]
    assert side["method"] == "diffusion"
    assert side["parameters"]["model"] == model
    assert side["fit"]["model"] == model  # the saved model scored it: nothing was trained
    from backend.request import ScoreRequest
    from backend.scoring import score_to_file

    again = str(tmp_path / "again.tif")  # the same model scored in this process: the same map
    score_to_file(ScoreRequest.from_dict({"targets": [str(scene["post"])], "params": {"model": model}}), again)
    with rasterio.open(score) as ds, rasterio.open(again) as ref, rasterio.open(scene["post"]) as src:
        a, b, valid = ds.read(1), ref.read(1), src.read_masks(1) > 0
    assert np.array_equal(np.isfinite(a), valid) and np.array_equal(a, b, equal_nan=True)


def test_worker_fit_errors_are_typed_and_write_nothing(scene, tmp_path):
    out = tmp_path / "m.safetensors"
    post = [str(scene["post"])]
    replies = serve(
        [
            {"id": 1, "op": "fit", "args": {"targets": post, "method": "rx", "output": str(out)}},
            {"id": 2, "op": "fit", "args": {"targets": post, "method": "diffusion", "params": MICRO}},
            {
                "id": 3,
                "op": "fit",
                "args": {"targets": [str(tmp_path / "none.tif")], "params": MICRO, "output": str(out)},
            },
            {
                "id": 4,
                "op": "fit",
                "args": {"targets": post, "params": {**MICRO, "model": str(out)}, "output": str(out)},
            },
            {
                "id": 5,
                "op": "fit",
                "args": {"targets": post, "params": {**MICRO, "nonsense": "1"}, "output": str(out)},
            },
        ]
    )
    kinds = {r["id"]: r["error"] for r in replies if r["type"] == "error"}
    assert kinds == {
        1: "InputError",
        2: "InputError",
        3: "MissingFileError",
        4: "InputError",
        5: "InputError",
    }
    assert "rx" in replies_of(replies, 1)[-1]["message"]
    assert not list(tmp_path.glob("*m.safetensors*"))


def test_worker_cancel_stops_a_fit_while_it_trains_and_leaves_no_model(scene, tmp_path):
    out = tmp_path / "m.safetensors"
    args = {"targets": [str(scene["post"])], "params": {**MICRO, "steps": "1000000"}, "output": str(out)}
    replies = _Replies({1})

    def requests():
        yield json.dumps({"id": 1, "op": "fit", "args": args}) + "\n"
        for _ in range(12000):  # until training has begun (or the fit has ended)
            if '"stage": "training"' in replies.getvalue() or replies.done.is_set():
                break
            time.sleep(0.01)
        yield json.dumps({"id": 0, "op": "cancel", "args": {"target": 1}}) + "\n"
        replies.done.wait(timeout=120)

    Worker(requests(), replies).serve()
    fit = replies_of([json.loads(line) for line in replies.getvalue().splitlines()], 1)
    assert any(r["type"] == "progress" and r["stage"] == "training" for r in fit)
    assert fit[-1]["error"] == "CancelledError"
    assert not list(tmp_path.glob("*m.safetensors*"))


# -- the client, with a real worker process -----------------------------------------------------


def test_client_hello_reports_versions_devices_and_methods(client):
    info = client.hello()
    assert info["version"]
    assert "cpu" in info["devices"]
    names = [m["name"] for m in info["methods"]]
    assert {"rx", "lrx", "cva", "logratio", "gauss-ref"} <= set(names)
    bundled = json.loads((ROOT / "resources" / "methods.json").read_text(encoding="utf-8"))
    assert (
        bundled == info["methods"]
    ), "resources/methods.json is stale: regenerate it with raresight methods --json"


def test_client_score_matches_cli_output_and_reports_progress(client, scene, tmp_path):
    import subprocess

    seen = []
    out = tmp_path / "w.tif"
    result = client.request(
        "score",
        {"targets": [str(scene["post"]), str(scene["sar"])], "output": str(out), "method": "rx"},
        progress=lambda f, s, eta: seen.append((f, s)),
    )
    assert seen and seen[-1][0] == 1.0
    assert result["output"] == str(out)
    ref = tmp_path / "cli.tif"
    subprocess.run(
        [
            PYTHON,
            "-m",
            "backend",
            "score",
            str(scene["post"]),
            str(scene["sar"]),
            "-o",
            str(ref),
            "--method",
            "rx",
        ],
        cwd=ROOT,
        check=True,
        timeout=120,
        capture_output=True,
    )
    with rasterio.open(out) as a, rasterio.open(ref) as b:
        np.testing.assert_array_equal(a.read(1), b.read(1))


@pytest.mark.slow
def test_client_fit_then_score_with_the_saved_model(client, scene, tmp_path):
    model = tmp_path / "flow.safetensors"
    seen = []
    result = client.fit(
        [str(scene["post"])],
        str(model),
        references=[str(scene["pre"])],
        method="flow",
        params=MICRO,
        progress=lambda f, s, eta: seen.append((f, s)),
    )
    assert seen and seen[-1][0] == 1.0 and "training" in {s for _, s in seen}
    assert result["output"] == str(model) and model.is_file()
    card = result["card"]
    assert card["method"] == "flow" and card["condition"] == "reference" and card["cond_bands"] == 4
    assert json.loads(Path(str(model) + ".json").read_text(encoding="utf-8"))["method"] == "flow"
    score = tmp_path / "s.tif"
    scored = client.request(
        "score",
        {
            "targets": [str(scene["post"])],
            "references": [str(scene["pre"])],
            "method": "flow",
            "params": {"model": str(model)},
            "output": str(score),
        },
    )
    assert scored["sidecar"]["fit"]["model"] == str(model)
    assert scored["sidecar"]["fit"]["condition"] == "reference"
    assert score.is_file()
    with pytest.raises(BackendError) as info:  # a flow model is no diffusion model
        client.request(
            "score",
            {
                "targets": [str(scene["post"])],
                "method": "diffusion",
                "params": {"model": str(model)},
                "output": str(tmp_path / "d.tif"),
            },
        )
    assert info.value.kind == "InputError" and "flow" in info.value.message


def test_client_bad_input_is_a_typed_error_and_the_worker_lives_on(client, tmp_path):
    with pytest.raises(BackendError) as info:
        client.request("score", {"targets": [str(tmp_path / "none.tif")], "output": str(tmp_path / "o.tif")})
    assert info.value.kind == "MissingFileError"
    pid = client.pid
    assert client.hello()["pid"] == pid


def test_client_cancel_stops_within_seconds(client):
    client.hello()
    flag = threading.Event()
    threading.Timer(0.5, flag.set).start()
    start = time.monotonic()
    with pytest.raises(RequestCancelledError):
        client.request("sleep", {"seconds": 60}, is_cancelled=flag.is_set)
    assert time.monotonic() - start < 0.5 + 5.0
    assert client.running  # a cooperative cancel keeps the worker


def test_client_cancel_of_a_real_score_leaves_no_output(client, tmp_path):
    import rasters

    big = rasters.write(
        tmp_path / "big.tif", np.random.default_rng(0).normal(size=(6, 900, 900)).astype("float32")
    )
    out = tmp_path / "o.tif"
    flag = threading.Event()
    stages = []

    def progress(fraction, stage, eta_s):
        stages.append(stage)
        if fraction > 0.05:
            flag.set()

    with pytest.raises(RequestCancelledError):
        client.request(
            "score",
            {"targets": [str(big)], "output": str(out), "method": "lrx", "tile_size": 128},
            progress=progress,
            is_cancelled=flag.is_set,
        )
    assert not out.exists() and not Path(str(out) + ".json").exists()
    assert not list(tmp_path.glob("o.tif*"))


def test_killed_worker_is_a_clear_error_and_the_next_request_gets_a_fresh_one(client):
    first = client.hello()["pid"]
    threading.Timer(0.5, lambda: os.kill(first, signal.SIGKILL)).start()
    with pytest.raises(WorkerCrashedError) as info:
        client.request("sleep", {"seconds": 30})
    assert "stopped unexpectedly" in info.value.message
    assert "signal 9" in info.value.message
    second = client.hello()["pid"]
    assert second != first


def test_worker_that_exits_mid_request_is_reported(client):
    client.hello()
    client._send({"id": 99, "op": "shutdown"})
    with pytest.raises(WorkerCrashedError):
        client.request("sleep", {"seconds": 5})
    assert client.hello()["version"]


def test_missing_interpreter_is_a_start_error(tmp_path):
    c = BackendClient(str(tmp_path / "no-python"), ROOT)
    with pytest.raises(WorkerStartError) as info:
        c.hello()
    assert "interpreter" in info.value.message


def test_interpreter_without_the_backend_is_a_crash_not_a_hang(tmp_path, monkeypatch):
    monkeypatch.delenv("PYTHONPATH", raising=False)
    c = BackendClient(PYTHON, tmp_path)  # a folder with no backend package
    with pytest.raises(WorkerCrashedError) as info:
        c.hello(timeout_s=60)
    assert "No module named backend" in info.value.message
    c.close()


# -- the plugin's calibration lookup equals the backend's ----------------------------------------


def test_plugin_threshold_lookup_equals_backend(scene, tmp_path):
    from backend.request import ScoreRequest
    from backend.scorefile import read_sidecar, resolve_threshold
    from backend.scoring import score_to_file

    out = tmp_path / "s.tif"
    score_to_file(ScoreRequest(targets=(str(scene["post"]),)), out)
    table = CalibrationTable.from_sidecar(read_sidecar(out))
    for rate in (1e-4, 3e-4, 1e-3, 0.0123, 0.1, 0.5):
        assert table.threshold_for(rate) == pytest.approx(resolve_threshold(out, rate)[0], rel=1e-9, abs=1e-9)
    assert table.threshold_for(1e-9) == table.threshold_for(table.min_rate)  # clamped
