"""One scene across the workers of a Dask cluster: fit state that merges, and scores equal to the
one-process run's (``backend.batch.scene``, ``raresight score --scheduler``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.windows import Window

from backend.detectors import create_detector
from backend.passes import fit_blocks
from backend.raster import AlignedStack, inspect_raster
from backend.request import ScoreRequest
from backend.scoring import score_to_file
from backend.stats import MomentAccumulator
from backend.tiling import make_block_grid
from tests import rasters

pytest.importorskip("distributed")
ROOT = Path(__file__).resolve().parents[1]


def test_moments_merge_onto_another_shift():
    rng = np.random.default_rng(0)
    x = rng.normal(5000, 30, (900, 3)) @ np.array([[1, 0.3, 0], [0, 1, 0.2], [0, 0, 1]])
    whole, a, b = MomentAccumulator(), MomentAccumulator(), MomentAccumulator()
    whole.add(x[:400])
    whole.add(x[400:])
    a.add(x[:400])
    b.add(x[400:] + 0)  # b's shift is the mean of its own first block, not a's
    a.merge(b)
    empty = MomentAccumulator()
    empty.merge(a)  # an accumulator that saw nothing takes the other's state
    for m in (a, empty):
        assert m.n == 900
        for got, want in zip(m.mean_cov(), whole.mean_cov()):
            np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(a.mean_cov()[1], np.cov(x.T), rtol=1e-9)


@pytest.mark.parametrize(
    "method,pair", [("rx", False), ("lrx", False), ("gauss-ref", True), ("cva", True), ("logratio", True)]
)
def test_fit_parts_merge_to_the_streamed_fit(tmp_path, method, pair):
    """Two parts of the blocks fit apart and merged give the detector that saw them all."""
    post = rasters.write(tmp_path / "post.tif", rasters.optical(0), nodata=rasters.NODATA)
    pre = rasters.write(tmp_path / "pre.tif", rasters.optical(1, anomaly=False), nodata=rasters.NODATA)
    infos = [inspect_raster(post)]
    grid = infos[0].grid
    blocks = make_block_grid(grid.height, grid.width, 16)
    refs = [inspect_raster(pre)] if pair else []
    with AlignedStack(infos, grid) as t, AlignedStack(refs or infos, grid) as r:
        reference = r if pair else None
        whole = fit_blocks(create_detector(method, {}), t, reference, blocks, False)
        half = len(blocks) // 3
        merged = fit_blocks(create_detector(method, {}), t, reference, blocks[:half], False)
        merged.merge(fit_blocks(create_detector(method, {}), t, reference, blocks[half:], False))
        block = t.read(Window(0, 0, grid.width, grid.height))
        other = r.read(Window(0, 0, grid.width, grid.height)) if pair else None
    assert merged.detector.fit_merges
    assert np.array_equal(merged.valid, whole.valid)
    assert merged.survey.constant == whole.survey.constant
    assert merged.survey.one_value_warning() == whole.survey.one_value_warning()
    for part in (whole, merged):
        part.detector.finish_fit()
    want, got = whole.detector.score(block, other), merged.detector.score(block, other)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_robust_rx_does_not_merge():
    assert not create_detector("rx", {"fit_fraction": "0.6"}).fit_merges
    assert not create_detector("diffusion", {}).fit_merges


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=":0") as c:
        with Client(c) as client:
            yield client


def _run(tmp_path: Path, name: str, targets, references, method, params, runner=None):
    request = ScoreRequest.from_dict(
        {
            "targets": [str(p) for p in targets],
            "references": [str(p) for p in references],
            "method": method,
            "params": params,
            "tile_size": 48,
            "overlap": 8,
        }  # fmt: skip
    )
    out = tmp_path / f"{name}.tif"
    side = score_to_file(request, out, runner=runner)
    with rasterio.open(out) as ds:
        return ds.read(1), side


@pytest.mark.parametrize(
    "method,with_reference",
    [("rx", False), ("rx", True), ("cva", True), ("lrx", False)],
    ids=["rx-target", "rx-reference-holdout", "cva-pair", "lrx-context"],
)
def test_scene_on_the_cluster_equals_one_process(tmp_path, cluster, method, with_reference):
    from backend.batch.scene import DaskRunner

    post = rasters.write(tmp_path / "post.tif", rasters.optical(0), nodata=rasters.NODATA)
    refs = [rasters.write(tmp_path / "pre.tif", rasters.optical(1, anomaly=False), nodata=rasters.NODATA)]
    refs = refs if with_reference else []
    here, side_here = _run(tmp_path, "here", [post], refs, method, {})
    there, side_there = _run(tmp_path, "there", [post], refs, method, {}, DaskRunner(cluster))
    assert np.array_equal(np.isnan(here), np.isnan(there))
    np.testing.assert_allclose(there, here, rtol=1e-6, equal_nan=True)
    assert side_there["statistics"]["tiles"] == side_here["statistics"]["tiles"] > 4
    assert side_there["calibration"]["source"] == side_here["calibration"]["source"]
    np.testing.assert_allclose(side_there["default_threshold"], side_here["default_threshold"], rtol=1e-6)


def test_unmerged_fit_streams_here_and_scores_are_bit_equal(tmp_path, cluster):
    """A generative model trains in this process; its tiles scored on the workers are the same."""
    from backend.batch.scene import DaskRunner

    post = rasters.write(tmp_path / "post.tif", rasters.optical(0), nodata=rasters.NODATA)
    micro = {"steps": "8", "hidden": "8", "depth": "1", "components": "3", "batch": "2", "patch": "16",
             "encoder": "none"}  # fmt: skip
    here, _ = _run(tmp_path, "here", [post], [], "diffusion", micro)
    there, _ = _run(tmp_path, "there", [post], [], "diffusion", micro, DaskRunner(cluster))
    assert np.array_equal(here, there, equal_nan=True)


def test_cancel_stops_the_cluster_run_and_writes_nothing(tmp_path, cluster):
    from backend.batch.scene import DaskRunner
    from backend.errors import CancelledError
    from backend.progress import CancelToken

    post = rasters.write(tmp_path / "post.tif", rasters.optical(0), nodata=rasters.NODATA)
    token = CancelToken()

    def progress(fraction, stage="", *rest):
        if stage == "scoring":
            token.cancel()

    request = ScoreRequest.from_dict({"targets": [str(post)], "method": "rx", "tile_size": 32, "overlap": 8})
    with pytest.raises(CancelledError):
        score_to_file(request, tmp_path / "out.tif", progress, token, runner=DaskRunner(cluster))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["post.tif"]


def test_cli_scores_through_a_scheduler(tmp_path, cluster):
    post = rasters.write(tmp_path / "post.tif", rasters.optical(0), nodata=rasters.NODATA)
    cmd = [sys.executable, "-m", "backend", "score", str(post), "-o", str(tmp_path / "out.tif"),
           "--tile-size", "48", "--overlap", "8", "--scheduler", cluster.scheduler.address]  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Dask dashboard:" in proc.stderr
    here, _ = _run(tmp_path, "here", [post], [], "rx", {})
    with rasterio.open(tmp_path / "out.tif") as ds:
        np.testing.assert_allclose(ds.read(1), here, rtol=1e-6, equal_nan=True)
    assert json.loads((tmp_path / "out.tif.json").read_text())["method"] == "rx"
