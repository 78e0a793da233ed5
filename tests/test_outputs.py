"""The output gate (backend/outputs.py) and the temporary files of killed runs (backend/atomic.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from backend.atomic import FOREIGN_STALE_S, part_path, sweep_stale_parts
from backend.errors import OutputError
from backend.masking import write_mask
from backend.outputs import claim_outputs, protected_paths
from backend.quicklook import render_quicklook
from backend.request import ScoreRequest
from backend.scoring import score_to_file
from backend.vectorize import polygonize


@pytest.fixture()
def score(scene, tmp_path) -> Path:
    out = tmp_path / "score.tif"
    score_to_file(ScoreRequest((str(scene["post"]),)), out)
    return out


def refused(outputs, inputs=(), match: str = "") -> str:
    with pytest.raises(OutputError, match=match) as info:
        claim_outputs(outputs, protected_paths(*inputs))
    assert "\n" not in str(info.value)
    return str(info.value)


def test_an_output_is_never_an_input_or_its_sidecar(scene, score, tmp_path):
    post = str(scene["post"])
    refused([(post, "score")], [post], "is the input")
    refused([(str(score) + ".json", "score-sidecar")], [str(score)], "is the input")
    link = tmp_path / "link.tif"
    link.symlink_to(scene["post"])
    refused([(post, "mask")], [str(link)], "is the input")  # the link's target
    hard = tmp_path / "hard.tif"
    os.link(scene["post"], hard)
    refused([(str(hard), "score")], [post], "is the input")  # the same file under another name
    refused([("./" + os.path.relpath(post), "score")], [post], "is the input")


def test_special_files_empty_paths_and_wrong_extensions_are_refused(tmp_path):
    fifo = tmp_path / "pipe.tif"
    os.mkfifo(fifo)
    refused([(str(fifo), "score")], match="not a regular file")
    link = tmp_path / "link.tif"
    link.symlink_to(tmp_path / "elsewhere.tif")
    refused([(str(link), "score")], match="symbolic link")
    refused([(str(tmp_path), "score")], match="is a folder")
    refused([("", "score")], match="empty")
    refused([("   ", "mask")], match="empty")
    for path, kind in (("x.png", "score"), ("x.tif", "polygons"), ("x.gpkg", "quicklook"), ("x", "mask")):
        refused([(str(tmp_path / path), kind)], match="is written as")
    if Path("/dev/null").exists():
        refused([("/dev/null", "score")], match="not a regular file|is written as")


def test_missing_or_unwritable_folders_are_refused(tmp_path):
    refused([(str(tmp_path / "no" / "s.tif"), "score")], match="does not exist")
    (tmp_path / "file").write_text("x")
    refused([(str(tmp_path / "file" / "s.tif"), "score")], match="is a file, not a folder")
    if Path("/proc/self").is_dir():  # not writable even for root: the gate tries a real file
        refused([("/proc/raresight-out.tif", "score")], match="cannot be written")


def test_only_earlier_results_of_the_same_kind_are_replaced(scene, score, tmp_path):
    user = tmp_path / "user.tif"
    user.write_bytes(scene["post"].read_bytes())
    refused([(str(user), "score")], match="not a RareSight score raster")
    refused([(str(user), "mask")], match="not a RareSight mask")
    claim_outputs([(str(score), "score"), (str(score) + ".json", "score-sidecar")], [])
    refused([(str(score), "mask")], match="not a RareSight mask")
    (tmp_path / "empty.tif").write_bytes(b"")
    claim_outputs([(str(tmp_path / "empty.tif"), "mask")], [])  # nothing to lose

    mask, gpkg, png = tmp_path / "m.tif", tmp_path / "p.gpkg", tmp_path / "q.png"
    write_mask(score, mask, 50.0)
    polygonize(score, gpkg, 50.0)
    render_quicklook(str(score), png, 50.0)
    # a second run over the first one's results
    write_mask(score, mask, 60.0)
    polygonize(score, gpkg, 60.0)
    render_quicklook(str(score), png, 60.0)
    refused([(str(png), "polygons")], match="is written as")
    (tmp_path / "notes.gpkg").write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    refused([(str(tmp_path / "notes.gpkg"), "polygons")], match="not a RareSight polygon")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    refused([(str(tmp_path / "photo.png"), "quicklook")], match="not a RareSight quick-look")


def test_models_are_never_replaced(tmp_path):
    model = tmp_path / "m.safetensors"
    model.write_bytes(b"weights")
    refused([(str(model), "model")], match="never replaced")
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"graph")
    refused([(str(onnx), "onnx")], match="never replaced")


def test_a_refused_output_leaves_everything_as_it_was(scene, tmp_path):
    user = tmp_path / "user.tif"
    user.write_bytes(b"precious")
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(OutputError):
        score_to_file(ScoreRequest((str(scene["post"]),)), user)
    assert user.read_bytes() == b"precious" and sorted(os.listdir(tmp_path)) == before


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_the_sweep_removes_only_temporary_files_of_runs_that_are_gone(tmp_path):
    mine = part_path(tmp_path / "live.tif")  # this process: alive
    mine.write_bytes(b"x")
    host = mine.name.split("-")[1]
    dead = tmp_path / f".s.rs{_dead_pid()}-{host}-0123abcd.part.tif"
    dead_sidecar = tmp_path / f".s.tif.rs{_dead_pid()}-{host}-0123abcd.part.json"
    dead_aux = Path(str(dead) + ".aux.xml")
    foreign_old = tmp_path / ".s.rs1-ffffffff-0123abcd.part.tif"
    foreign_new = tmp_path / ".s.rs2-ffffffff-0123abcd.part.tif"
    users = [tmp_path / ".notes.part.tif", tmp_path / "s.rs1-ffffffff-0123abcd.part.tif", tmp_path / "x.tif"]
    for path in (dead, dead_sidecar, dead_aux, foreign_old, foreign_new, *users):
        path.write_bytes(b"x")
    old = time.time() - FOREIGN_STALE_S - 60
    os.utime(foreign_old, (old, old))
    for user in users:
        os.utime(user, (old, old))
    removed = sweep_stale_parts(tmp_path)
    assert sorted(removed) == sorted(p.name for p in (dead, dead_sidecar, dead_aux, foreign_old))
    assert mine.exists() and foreign_new.exists() and all(u.exists() for u in users)


def test_the_next_run_in_a_folder_sweeps_what_a_killed_run_left(score, tmp_path):
    host = part_path(tmp_path / "x").name.split("-")[1]
    left = tmp_path / f".score.rs{_dead_pid()}-{host}-89abcdef.part.tif"
    left.write_bytes(np.zeros(10).tobytes())
    write_mask(score, tmp_path / "mask.tif", 50.0)
    assert not left.exists()
    assert not [n for n in os.listdir(tmp_path) if ".part" in n]


def test_every_command_goes_through_the_gate(scene, score, tmp_path):
    from backend.cli import main

    files = [scene["post"], score, Path(str(score) + ".json")]
    before = [f.read_bytes() for f in files]
    for argv in (
        ["score", str(scene["post"]), "-o", str(scene["post"])],
        ["fit", str(scene["post"]), "-o", str(score)],
        ["mask", str(score), "-o", str(score)],
        ["polygonize", str(score), "-o", str(score) + ".json"],
        ["quicklook", str(score), "-o", str(tmp_path / "q.png"), "--background", str(tmp_path / "q.png")],
        ["quicklook", str(score), "-o", str(scene["post"]), "--background", str(scene["post"])],
        ["export", str(score), "-o", str(score)],
        ["evaluate", str(tmp_path), "--json", str(score) + ".json"],
    ):
        assert main(argv) == 2, argv
    assert [f.read_bytes() for f in files] == before


def test_the_dock_removes_only_the_backends_temporary_files(plugin_package, tmp_path):
    from raresight.plugin.layers import remove_partial_outputs

    out = tmp_path / "score.tif"
    ours = [part_path(out), part_path(tmp_path / "score.tif.json")]
    users = [tmp_path / ".score.notes.part.tif", tmp_path / "score.tif"]
    for path in (*ours, *users):
        path.write_bytes(b"x")
    assert sorted(remove_partial_outputs(out)) == sorted(p.name for p in ours)
    assert all(u.exists() for u in users)
