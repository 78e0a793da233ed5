"""Batches on Dask distributed: manifests, isolation of a bad job, resume, equality with
``raresight score``, merged outputs, and a real scheduler and workers over TCP."""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import rasterio
from osgeo import ogr

from backend.batch.jobs import Job, pair_by_name, read_manifest
from backend.errors import InputError
from tests import rasters

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("distributed")


def _scenes(folder: Path, n: int = 3) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [rasters.write(folder / f"s{i}.tif", rasters.optical(i), nodata=rasters.NODATA) for i in range(n)]


def test_csv_and_json_manifests_and_pairs(tmp_path):
    posts = _scenes(tmp_path / "post", 2)
    pres = [shutil.copy(p, tmp_path / f"pre_{p.name}") for p in posts]
    (tmp_path / "jobs.csv").write_text(
        "name,targets,references,method,params\n"
        f"a,post/s0.tif,{pres[0]},cva,\n"
        "b,post/s1.tif;post/s0.tif,,rx,fit_fraction=0.5;tile_size=64\n"
    )
    a, b = read_manifest(tmp_path / "jobs.csv")
    assert a == Job("a", (str(posts[0]),), (str(pres[0]),), "cva", {})
    assert b.targets == (str(posts[1]), str(posts[0])) and b.params == {
        "fit_fraction": "0.5",
        "tile_size": "64",
    }
    (tmp_path / "jobs.json").write_text(
        json.dumps({"jobs": [{"targets": "post/s1.tif", "params": {"k": 1}}]})
    )
    (only,) = read_manifest(tmp_path / "jobs.json", method="lrx")
    assert (only.name, only.method, only.params) == ("s1", "lrx", {"k": 1})
    jobs = pair_by_name(str(tmp_path / "post" / "*.tif"), str(tmp_path / "pre_*.tif"), "cva", {})
    assert [(j.name, j.references) for j in jobs] == [("s0", (str(pres[0]),)), ("s1", (str(pres[1]),))]


@pytest.mark.parametrize(
    "text,message",
    [
        ("name,targets\nx,a.tif\nx,b.tif\n", "two jobs are named 'x'"),
        ("name,files\nx,a.tif\n", "'targets' column"),
        ("name,targets\n../x,a.tif\n", "must be letters"),
        ("name,targets,params\nx,a.tif,novalue\n", "KEY=VALUE"),
        ("name,targets\n", "lists no job"),
    ],
)
def test_bad_manifests_are_one_clear_error(tmp_path, text, message):
    (tmp_path / "jobs.csv").write_text(text)
    with pytest.raises(InputError, match=message):
        read_manifest(tmp_path / "jobs.csv")


def test_a_post_file_without_its_pre_is_refused(tmp_path):
    _scenes(tmp_path / "post", 2)
    (tmp_path / "pre").mkdir()
    shutil.copy(tmp_path / "post" / "s0.tif", tmp_path / "pre" / "s0.tif")
    with pytest.raises(InputError, match="s1.tif has no pre-event file"):
        pair_by_name(str(tmp_path / "post" / "*.tif"), str(tmp_path / "pre" / "*.tif"), "cva", {})


def _run_cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "backend", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _rows(outdir: Path) -> dict[str, dict]:
    with open(outdir / "summary.csv", newline="") as f:
        return {r["job"]: r for r in csv.DictReader(f)}


@pytest.mark.slow
def test_local_cluster_isolates_a_bad_job_resumes_and_equals_score(tmp_path):
    scenes = _scenes(tmp_path / "in", 3)
    corrupt = tmp_path / "in" / "broken.tif"
    corrupt.write_bytes(scenes[0].read_bytes()[:3000])  # a truncated GeoTIFF
    manifest = tmp_path / "jobs.csv"
    manifest.write_text("name,targets\n" + "".join(f"{p.stem},{p}\n" for p in [*scenes, corrupt]))
    out = tmp_path / "out"
    first = _run_cli("batch", str(manifest), "-o", str(out), "--workers", "2")
    assert first.returncode == 1, first.stderr
    rows = _rows(out)
    assert [rows[p.stem]["status"] for p in scenes] == ["done"] * 3
    assert rows["broken"]["status"] == "failed" and rows["broken"]["error"]
    assert "job broken failed" in first.stderr and "Dask dashboard:" in first.stderr
    assert "3 done, 0 skipped, 1 failed" in first.stdout
    # The same scene through the cluster and through `raresight score`: equal.
    alone = tmp_path / "alone.tif"
    assert _run_cli("score", str(scenes[1]), "-o", str(alone)).returncode == 0
    with rasterio.open(out / "s1.tif") as a, rasterio.open(alone) as b:
        np.testing.assert_array_equal(a.read(1), b.read(1))
        assert a.crs == b.crs and a.transform == b.transform
    # Merged polygons carry their job; the scores share a CRS: one mosaic.
    source = ogr.Open(str(out / "polygons.gpkg"))
    jobs = {f.GetField("job") for f in source.GetLayerByName("anomalies")}
    source = None
    assert jobs == {p.stem for p in scenes}
    assert (out / "scores_rx.vrt").is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert {r["job"] for r in summary} == {"s0", "s1", "s2", "broken"}
    # A rerun skips the three complete jobs; --force runs them again.
    stamp = (out / "s0.tif").stat().st_mtime_ns
    second = _run_cli("batch", str(manifest), "-o", str(out), "--workers", "2")
    assert second.returncode == 1 and "0 done, 3 skipped, 1 failed" in second.stdout
    assert (out / "s0.tif").stat().st_mtime_ns == stamp
    forced = _run_cli("batch", str(manifest), "-o", str(out), "--workers", "2", "--force")
    assert "3 done, 0 skipped, 1 failed" in forced.stdout


@pytest.mark.parametrize("held", [None, 2], ids=["one-session", "bounded-memory"])
def test_merged_polygons_keep_every_feature_and_its_job(tmp_path, monkeypatch, held):
    from osgeo import osr

    from backend.batch import merge
    from backend.batch.summary import write_summary

    if held is not None:  # at most 2 features held: the layer is written in several sessions
        monkeypatch.setattr(merge, "MERGE_FEATURES", held)
    from backend.vectorize import FIELDS, LAYER_NAME

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32631)
    rows = []
    for job, n in (("it's", 3), ("b", 2)):
        source = ogr.GetDriverByName("GPKG").CreateDataSource(str(tmp_path / f"{job}.gpkg"))
        layer = source.CreateLayer(LAYER_NAME, srs, ogr.wkbMultiPolygon)
        for field in FIELDS:
            layer.CreateField(ogr.FieldDefn(field, ogr.OFTString if field == "method" else ogr.OFTReal))
        for i in range(n):
            feature = ogr.Feature(layer.GetLayerDefn())
            x = 500000 + 10 * i
            ring = f"(({x} 0, {x + 5} 0, {x + 5} 5, {x} 5, {x} 0))"
            feature.SetGeometry(ogr.CreateGeometryFromWkt(f"MULTIPOLYGON ({ring})"))
            feature.SetField("area_m2", 25.0)
            feature.SetField("method", "rx")
            layer.CreateFeature(feature)
        layer = source = None
        rows.append({"job": job, "status": "done", "method": "rx"})
    written = write_summary(rows, tmp_path)
    source = ogr.Open(written["polygons"])
    layer = source.GetLayerByName(LAYER_NAME)
    got = sorted(
        (f.GetField("job"), f.GetField("area_m2"), f.GetGeometryRef().GetEnvelope()[0]) for f in layer
    )
    assert layer.GetSpatialRef().GetAuthorityCode(None) == "32631"
    assert layer.GetGeomType() == ogr.wkbMultiPolygon
    index = source.ExecuteSQL(f"SELECT HasSpatialIndex('{LAYER_NAME}', 'geom')")
    assert index.GetNextFeature().GetField(0) == 1
    source.ReleaseResultSet(index)
    layer.SetSpatialFilterRect(500009, -1, 500016, 6)  # the spatial index finds the second squares
    assert sorted(f.GetField("job") for f in layer) == ["b", "it's"]
    source = None
    assert got == sorted(
        [("it's", 25.0, 500000.0 + 10 * i) for i in range(3)]
        + [("b", 25.0, 500000.0 + 10 * i) for i in range(2)]
    )


def test_merged_polygons_match_fields_by_name_when_jobs_differ(tmp_path):
    """A job kept from an earlier run may lack a field (a rerun skips it): its rows are written in a
    session of their own, each value under its own field."""
    from osgeo import osr

    from backend.batch.summary import write_summary
    from backend.vectorize import LAYER_NAME

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32631)
    for job, fields in (("new", ("area_m2", "method", "threshold")), ("old", ("threshold", "area_m2"))):
        source = ogr.GetDriverByName("GPKG").CreateDataSource(str(tmp_path / f"{job}.gpkg"))
        layer = source.CreateLayer(LAYER_NAME, srs, ogr.wkbMultiPolygon)
        for field in fields:
            layer.CreateField(ogr.FieldDefn(field, ogr.OFTString if field == "method" else ogr.OFTReal))
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometry(ogr.CreateGeometryFromWkt("MULTIPOLYGON (((0 0, 5 0, 5 5, 0 5, 0 0)))"))
        feature.SetField("area_m2", 25.0 if job == "new" else 30.0)
        feature.SetField("threshold", 1.5 if job == "new" else 2.5)
        if "method" in fields:
            feature.SetField("method", "rx")
        layer.CreateFeature(feature)
        layer = source = None
    written = write_summary([{"job": j, "status": "done", "method": "rx"} for j in ("new", "old")], tmp_path)
    source = ogr.Open(written["polygons"])
    got = sorted(
        (f.GetField("job"), f.GetField("area_m2"), f.GetField("threshold"), f.GetField("method"))
        for f in source.GetLayerByName(LAYER_NAME)
    )
    source = None
    assert got == [("new", 25.0, 1.5, "rx"), ("old", 30.0, 2.5, None)]


def _dies_once(job: dict, outdir: str, force: bool = False) -> dict:
    """A job's task whose worker dies the first time (every time for the job ``always``)."""
    from backend.batch.task import run_job

    marker = Path(outdir) / f"died-{job['name']}"
    if job["name"] == "always" or not marker.exists():
        marker.touch()
        os._exit(1)  # the worker process dies, as when the OS kills it for memory
    return run_job(job, outdir, force)


@pytest.mark.slow
def test_a_job_whose_worker_died_runs_once_more(tmp_path):
    from backend.batch.run import run_batch

    (scene,) = _scenes(tmp_path / "in", 1)
    # One batch each: Dask counts a death against every job its worker held (see backend.batch.run).
    (once,), (always,) = (
        run_batch([Job(name, (str(scene),), (), "rx", {})], tmp_path / "out", workers=1, task=_dies_once,
                  announce=lambda line: None)
        for name in ("once", "always")
    )  # fmt: skip
    assert once["status"] == "done" and (tmp_path / "out" / "once.tif").is_file()
    assert always["status"] == "failed" and "died twice" in always["error"]
    assert not (tmp_path / "out" / "always.tif").exists()


def _worker_settings(job: dict, outdir: str, force: bool = False) -> dict:
    """A job's task that reports the Dask settings its worker runs with."""
    import dask

    return {
        "job": job["name"],
        "status": "done",
        "profile": dask.config.get("distributed.worker.profile.enabled"),
    }


@pytest.mark.slow
def test_local_workers_run_jobs_without_the_statistical_profiler(tmp_path):
    from backend.batch.run import run_batch

    (row,) = run_batch([Job("a", ("x.tif",), (), "rx", {})], tmp_path, workers=1, task=_worker_settings,
                       announce=lambda line: None)  # fmt: skip
    assert row["profile"] is False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_batch_on_a_real_scheduler_and_workers_over_tcp(tmp_path):
    scenes = _scenes(tmp_path / "in", 2)
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RARESIGHT_THREADS": "1"}
    procs = [
        subprocess.Popen([str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                          "--dashboard-address", ":0"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ]  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        for _ in range(2):
            procs.append(
                subprocess.Popen([str(bin_dir / "dask"), "worker", address, "--nthreads", "1", "--no-dashboard"],
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )  # fmt: skip
        out = tmp_path / "out"
        result = _run_cli(
            "batch", "--post", str(tmp_path / "in" / "*.tif"), "-o", str(out), "--scheduler", address
        )
        assert result.returncode == 0, result.stderr
        assert {r["status"] for r in _rows(out).values()} == {"done"} and len(_rows(out)) == 2
        assert all((out / f"{p.stem}.gpkg").is_file() for p in scenes)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
