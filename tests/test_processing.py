"""The Processing algorithms ``raresight:detect``, ``raresight:fit`` and ``raresight:polygonize``,
headless.

In-process through ``processing.run`` (pytest-qgis initializes the Processing framework) and out of
process through ``qgis_process.bin`` with the plugin enabled in a throw-away QGIS profile. The score
written through Processing must equal, bit for bit (NaN-aware), the one the ``raresight`` command
line writes for the same inputs: both go through the same backend. All rasters are tiny and generated
(tests/rasters.py); the cancel test writes one larger raster to keep the backend busy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

pytestmark = pytest.mark.qgis

qgis_core = pytest.importorskip("qgis.core", reason="QGIS Python bindings not available")
from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorDestination,
    QgsVectorLayer,
)

ROOT = Path(__file__).resolve().parents[1]
RARESIGHT = ROOT / ".venv" / "bin" / "raresight"
QGIS_PROCESS = shutil.which("qgis_process.bin")
POLYGON_FIELDS = {"area_m2", "max_score", "mean_score", "method", "threshold"}
SUBPROCESS_TIMEOUT_S = 180


# --------------------------------------------------------------------------------------------------
# helpers


def cli_score(*args: object) -> None:
    """``raresight score ARGS`` as a subprocess (the venv's launcher, else ``python -m backend``)."""
    command = [str(RARESIGHT)] if RARESIGHT.is_file() else [sys.executable, "-m", "backend"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    res = subprocess.run(
        [*command, "score", *(str(a) for a in args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )
    assert res.returncode == 0, f"raresight score failed ({res.returncode}):\n{res.stdout}\n{res.stderr}"


def read_band(path: Path) -> np.ndarray:
    with rasterio.open(path) as ds:
        return ds.read(1)


def assert_same_scores(got: Path, expected: Path) -> None:
    a, b = read_band(got), read_band(expected)
    assert a.dtype == b.dtype == np.float32
    assert a.shape == b.shape
    assert np.isfinite(a).any(), "the score has no valid pixel"
    assert np.array_equal(
        a, b, equal_nan=True
    ), f"scores differ at {int(np.sum(~((a == b) | (np.isnan(a) & np.isnan(b)))))} px"


def assert_one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    assert text, "empty error message"
    assert "\n" not in text, f"not one line: {text!r}"
    assert "Traceback" not in text
    return text


def assert_no_output(path: Path) -> None:
    leftovers = sorted(p.name for p in path.parent.glob(path.name + "*"))
    assert not leftovers, f"output left behind: {leftovers}"


def run_processing(algorithm: str, params: dict, feedback: QgsProcessingFeedback | None = None) -> dict:
    import processing

    return processing.run(algorithm, params, feedback=feedback or QgsProcessingFeedback())


def run_unchecked(algorithm: str, params: dict) -> dict:
    """Run the algorithm as Processing's executor does, but without the framework's parameter check
    first, so that the plugin's own validation (and the backend's) is what answers."""
    alg = QgsApplication.processingRegistry().createAlgorithmById(algorithm)
    assert alg is not None
    feedback = QgsProcessingFeedback()
    context = QgsProcessingContext()
    context.setFeedback(feedback)
    results, ok = alg.run(params, context, feedback, {}, False)
    assert ok
    return results


def polygon_layer(path: Path) -> QgsVectorLayer:
    layer = QgsVectorLayer(str(path), "polygons", "ogr")
    assert layer.isValid(), f"{path} is not a readable vector layer"
    return layer


# --------------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture()
def provider(plugin_package, qgis_processing):
    """The RareSight provider, registered for one test and removed afterwards."""
    from raresight.plugin.processing.provider import RareSightProvider

    registry = QgsApplication.processingRegistry()
    assert registry.providerById("raresight") is None, "a raresight provider is still registered"
    instance = RareSightProvider()
    assert registry.addProvider(instance)
    assert registry.providerById("raresight") is not None
    yield registry.providerById("raresight")
    assert registry.removeProvider("raresight")
    assert registry.providerById("raresight") is None
    assert registry.algorithmById("raresight:detect") is None


@pytest.fixture()
def cva_score(provider, scene, tmp_path) -> Path:
    """A cva score of post.tif against pre.tif, written through Processing."""
    out = tmp_path / "cva.tif"
    results = run_processing(
        "raresight:detect",
        {
            "TARGET": [str(scene["post"])],
            "REFERENCE": [str(scene["pre"])],
            "METHOD": "cva",
            "OUTPUT": str(out),
        },
    )
    assert Path(results["OUTPUT"]) == out
    return out


# --------------------------------------------------------------------------------------------------
# registration and parameters


def test_provider_registers_every_algorithm(provider):
    assert provider.id() == "raresight"
    ids = sorted(alg.id() for alg in provider.algorithms())
    assert ids == ["raresight:batch", "raresight:detect", "raresight:fit", "raresight:polygonize"]
    registry = QgsApplication.processingRegistry()
    assert registry.algorithmById("raresight:detect") is not None
    assert registry.algorithmById("raresight:fit") is not None
    assert registry.algorithmById("raresight:polygonize") is not None


def _flags_optional(param: QgsProcessingParameterDefinition) -> bool:
    return bool(param.flags() & QgsProcessingParameterDefinition.FlagOptional)


def test_detect_parameters(provider):
    alg = QgsApplication.processingRegistry().algorithmById("raresight:detect")
    target = alg.parameterDefinition("TARGET")
    assert isinstance(target, QgsProcessingParameterMultipleLayers)
    assert target.layerType() == QgsProcessing.TypeRaster
    assert not _flags_optional(target)

    reference = alg.parameterDefinition("REFERENCE")
    assert isinstance(reference, QgsProcessingParameterMultipleLayers)
    assert reference.layerType() == QgsProcessing.TypeRaster
    assert _flags_optional(reference)

    method = alg.parameterDefinition("METHOD")
    assert isinstance(method, QgsProcessingParameterEnum)
    assert method.usesStaticStrings()
    assert {"rx", "cva", "logratio", "gauss-ref"} <= set(method.options())
    assert not method.allowMultiple()

    prompt = alg.parameterDefinition("PROMPT")
    assert isinstance(prompt, QgsProcessingParameterString)
    assert _flags_optional(prompt)

    model = alg.parameterDefinition("MODEL")
    assert isinstance(model, QgsProcessingParameterFile)
    assert model.behavior() == QgsProcessingParameterFile.File
    assert _flags_optional(model)
    assert "*.safetensors" in model.fileFilter() and "*.onnx" in model.fileFilter()
    assert {"diffusion", "flow"} <= set(method.options())

    negative = alg.parameterDefinition("NEGATIVE")
    assert isinstance(negative, QgsProcessingParameterString) and _flags_optional(negative)
    checkpoint = alg.parameterDefinition("CHECKPOINT")
    assert isinstance(checkpoint, QgsProcessingParameterFile) and _flags_optional(checkpoint)
    assert checkpoint.behavior() == QgsProcessingParameterFile.File
    fuse = alg.parameterDefinition("FUSE")
    assert isinstance(fuse, QgsProcessingParameterEnum) and _flags_optional(fuse)
    assert fuse.usesStaticStrings() and not fuse.allowMultiple()
    assert {"rx", "lrx", "cva"} <= set(fuse.options()) and "spectral" not in fuse.options()
    assert "spectral" in method.options()

    assert isinstance(alg.parameterDefinition("OUTPUT"), QgsProcessingParameterRasterDestination)
    assert "OUTPUT" in [o.name() for o in alg.outputDefinitions()]


def test_fit_parameters(provider):
    alg = QgsApplication.processingRegistry().algorithmById("raresight:fit")
    target = alg.parameterDefinition("TARGET")
    assert isinstance(target, QgsProcessingParameterMultipleLayers)
    assert target.layerType() == QgsProcessing.TypeRaster and not _flags_optional(target)
    reference = alg.parameterDefinition("REFERENCE")
    assert isinstance(reference, QgsProcessingParameterMultipleLayers)
    assert reference.layerType() == QgsProcessing.TypeRaster and _flags_optional(reference)
    method = alg.parameterDefinition("METHOD")
    assert isinstance(method, QgsProcessingParameterEnum) and method.usesStaticStrings()
    assert method.options() == ["diffusion", "flow"]
    assert isinstance(alg.parameterDefinition("PARAMETERS"), QgsProcessingParameterString)
    assert _flags_optional(alg.parameterDefinition("PARAMETERS"))
    output = alg.parameterDefinition("OUTPUT")
    assert isinstance(output, QgsProcessingParameterFileDestination)
    assert "*.safetensors" in output.fileFilter()
    assert output.defaultFileExtension() == "safetensors"
    assert {"OUTPUT", "CARD"} <= {o.name() for o in alg.outputDefinitions()}


def test_polygonize_parameters(provider):
    alg = QgsApplication.processingRegistry().algorithmById("raresight:polygonize")
    assert isinstance(alg.parameterDefinition("INPUT"), QgsProcessingParameterRasterLayer)
    for name in ("FALSE_ALARM_RATE", "MIN_AREA_M2"):
        assert isinstance(alg.parameterDefinition(name), QgsProcessingParameterNumber), name
    assert 0.0 < alg.parameterDefinition("FALSE_ALARM_RATE").defaultValue() < 1.0
    assert isinstance(alg.parameterDefinition("OUTPUT"), QgsProcessingParameterVectorDestination)
    assert {"OUTPUT", "FEATURES"} <= {o.name() for o in alg.outputDefinitions()}


# --------------------------------------------------------------------------------------------------
# in-process runs


def test_detect_matches_command_line(cva_score, scene, tmp_path):
    with rasterio.open(cva_score) as out, rasterio.open(scene["post"]) as post:
        assert out.driver == "GTiff"
        assert out.count == 1
        assert out.dtypes[0] == "float32"
        assert (out.width, out.height) == (post.width, post.height)
        assert out.crs == post.crs
        assert out.transform.almost_equals(post.transform)

    sidecar = cva_score.with_name(cva_score.name + ".json")
    assert sidecar.is_file(), "no sidecar beside the score"
    side = json.loads(sidecar.read_text(encoding="utf-8"))
    assert side["method"] == "cva"
    assert "calibration" in side

    reference = tmp_path / "cli_cva.tif"
    cli_score(scene["post"], "--reference", scene["pre"], "--method", "cva", "-o", reference)
    assert_same_scores(cva_score, reference)


def test_a_score_loaded_by_processing_gets_the_docks_style_and_legend(cva_score, qgis_new_project):
    """Processing's post-processor: the ramp starts at the threshold, and the legend's heading
    names what the score measures (as in the dock)."""
    from qgis.core import QgsMapLayerLegendUtils, QgsProject, QgsRasterLayer
    from raresight.plugin.processing.common import STYLERS

    layer = QgsRasterLayer(str(cva_score), "cva", "gdal")
    QgsProject.instance().addMapLayer(layer)  # (Processing adds it before post-processing)
    STYLERS["score"].postProcessLayer(layer, None, None)
    node = QgsProject.instance().layerTreeRoot().findLayer(layer.id())
    assert QgsMapLayerLegendUtils.legendNodeUserLabel(node, 0) == "Score: change magnitude (standard deviations)"
    assert layer.renderer().classificationMin() == float(layer.customProperty("raresight/threshold"))


def test_polygonize_writes_a_geopackage(cva_score, tmp_path):
    out = tmp_path / "polygons.gpkg"
    results = run_processing(
        "raresight:polygonize",
        {"INPUT": str(cva_score), "FALSE_ALARM_RATE": 0.01, "MIN_AREA_M2": 0.0, "OUTPUT": str(out)},
    )
    assert out.is_file()
    layer = polygon_layer(out)
    assert POLYGON_FIELDS <= set(layer.fields().names())
    assert int(results["FEATURES"]) == layer.featureCount()
    assert layer.featureCount() >= 1, "the planted anomaly gave no polygon"
    assert {f["method"] for f in layer.getFeatures()} == {"cva"}
    areas = [f["area_m2"] for f in layer.getFeatures()]

    # A minimum area above the smallest polygon keeps fewer (or as many) features.
    bigger = tmp_path / "polygons_big.gpkg"
    min_area = min(areas) + 1.0
    big = run_processing(
        "raresight:polygonize",
        {"INPUT": str(cva_score), "FALSE_ALARM_RATE": 0.01, "MIN_AREA_M2": min_area, "OUTPUT": str(bigger)},
    )
    assert int(big["FEATURES"]) == polygon_layer(bigger).featureCount()
    assert int(big["FEATURES"]) <= int(results["FEATURES"])
    assert int(big["FEATURES"]) == sum(a >= min_area for a in areas)


# --------------------------------------------------------------------------------------------------
# failures


def test_text_file_as_target_is_refused(provider, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a raster\n", encoding="utf-8")
    out = tmp_path / "score.tif"
    params = {"TARGET": [str(text)], "METHOD": "rx", "OUTPUT": str(out)}

    # Processing's own check refuses it first: its fixed header, then one line naming the parameter.
    with pytest.raises(QgsProcessingException) as info:
        run_processing("raresight:detect", params)
    lines = [line for line in str(info.value).splitlines() if line.strip()]
    assert len(lines) <= 2 and "TARGET" in lines[-1], str(info.value)
    assert_no_output(out)

    # Past that check, the algorithm refuses it itself, in one line.
    with pytest.raises(QgsProcessingException) as info:
        run_unchecked("raresight:detect", params)
    assert_one_line(info.value)
    assert_no_output(out)


def test_unknown_method_is_refused(provider, scene, tmp_path):
    out = tmp_path / "score.tif"
    params = {"TARGET": [str(scene["post"])], "METHOD": "nope", "OUTPUT": str(out)}
    with pytest.raises(QgsProcessingException) as info:
        run_processing("raresight:detect", params)
    lines = [line for line in str(info.value).splitlines() if line.strip()]
    assert len(lines) <= 2 and "METHOD" in lines[-1], str(info.value)
    assert_no_output(out)

    # The backend validates the name too (e.g. a method list that is out of date).
    with pytest.raises(QgsProcessingException) as info:
        run_unchecked("raresight:detect", params)
    assert "nope" in assert_one_line(info.value)
    assert_no_output(out)


def test_missing_reference_is_one_line(provider, scene, tmp_path):
    out = tmp_path / "score.tif"
    with pytest.raises(QgsProcessingException) as info:
        run_processing(
            "raresight:detect", {"TARGET": [str(scene["post"])], "METHOD": "cva", "OUTPUT": str(out)}
        )
    assert "reference" in assert_one_line(info.value).lower()
    assert_no_output(out)


def test_cancel_stops_the_backend(provider, tmp_path):
    rng = np.random.default_rng(3)
    big = tmp_path / "big.tif"
    data = rng.normal(100.0, 10.0, (6, 1500, 1500)).astype(np.float32)
    profile = {
        "driver": "GTiff",
        "count": 6,
        "height": 1500,
        "width": 1500,
        "dtype": "float32",
        "crs": "EPSG:32631",
        "transform": from_origin(600_000.0, 4_800_000.0, 10.0, 10.0),
    }
    with rasterio.open(big, "w", **profile) as ds:
        ds.write(data)
    del data
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "lrx.tif"

    feedback = QgsProcessingFeedback()
    cancelled_at: list[float] = []

    def cancel() -> None:
        cancelled_at.append(time.monotonic())
        feedback.cancel()

    timer = threading.Timer(1.0, cancel)
    timer.start()
    try:
        with pytest.raises(QgsProcessingException) as info:
            run_processing(
                "raresight:detect", {"TARGET": [str(big)], "METHOD": "lrx", "OUTPUT": str(out)}, feedback
            )
    finally:
        timer.cancel()
    assert cancelled_at, "the run ended before it was cancelled"
    delay = time.monotonic() - cancelled_at[0]
    assert feedback.isCanceled()
    assert "cancel" in assert_one_line(info.value).lower()
    # The client kills a worker that has not stopped within its grace period (5 s).
    assert delay < 10.0, f"stopping took {delay:.1f} s after the cancel"
    assert not any(out_dir.iterdir()), f"left behind: {sorted(p.name for p in out_dir.iterdir())}"


# --------------------------------------------------------------------------------------------------
# qgis_process


@pytest.fixture(scope="module")
def qgis_process_env(tmp_path_factory) -> dict[str, str]:
    """Environment of a throw-away QGIS profile with the plugin linked in and enabled."""
    if QGIS_PROCESS is None:
        pytest.skip("qgis_process.bin is not on PATH")
    config = tmp_path_factory.mktemp("qgis_config")
    plugins = config / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    (plugins / "raresight").symlink_to(ROOT, target_is_directory=True)
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=str(config), QT_QPA_PLATFORM="offscreen")
    res = qgis_process("plugins", "enable", "raresight", env=env)
    assert res.returncode == 0, f"cannot enable the plugin:\n{res.stdout}\n{res.stderr}"
    return env


def qgis_process(
    *args: object, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [QGIS_PROCESS, *(str(a) for a in args)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )


def qgis_process_json(*args: object, env: dict[str, str]) -> dict:
    res = qgis_process(*args, env=env)
    assert res.returncode == 0, f"qgis_process failed ({res.returncode}):\n{res.stdout}\n{res.stderr}"
    return json.loads(res.stdout[res.stdout.index("{") :])


def test_qgis_process_lists_the_algorithms(qgis_process_env):
    res = qgis_process("list", env=qgis_process_env)
    assert res.returncode == 0, res.stderr
    assert "raresight:detect" in res.stdout
    assert "raresight:fit" in res.stdout
    assert "raresight:polygonize" in res.stdout


def test_qgis_process_detect_and_polygonize(qgis_process_env, scene, tmp_path):
    out = tmp_path / "qp_rx.tif"
    res = qgis_process(
        "run",
        "raresight:detect",
        "--",
        f"TARGET={scene['post']}",
        f"TARGET={scene['sar']}",
        "METHOD=rx",
        f"OUTPUT={out}",
        env=qgis_process_env,
    )
    assert res.returncode == 0, f"qgis_process failed ({res.returncode}):\n{res.stdout}\n{res.stderr}"
    assert out.is_file()
    assert out.with_name(out.name + ".json").is_file()

    reference = tmp_path / "cli_rx.tif"
    cli_score(scene["post"], scene["sar"], "--method", "rx", "-o", reference)
    assert_same_scores(out, reference)

    gpkg = tmp_path / "qp_polygons.gpkg"
    doc = qgis_process_json(
        "run",
        "raresight:polygonize",
        "--json",
        "--",
        f"INPUT={out}",
        "FALSE_ALARM_RATE=0.01",
        "MIN_AREA_M2=0",
        f"OUTPUT={gpkg}",
        env=qgis_process_env,
    )
    assert gpkg.is_file()
    assert Path(doc["results"]["OUTPUT"]) == gpkg
    layer = polygon_layer(gpkg)
    assert POLYGON_FIELDS <= set(layer.fields().names())
    assert int(doc["results"]["FEATURES"]) == layer.featureCount() >= 1


def test_qgis_process_failure_leaves_nothing(qgis_process_env, scene, tmp_path):
    out = tmp_path / "qp_cva.tif"
    res = qgis_process(
        "run",
        "raresight:detect",
        "--",
        f"TARGET={scene['post']}",
        "METHOD=cva",
        f"OUTPUT={out}",
        env=qgis_process_env,
    )
    assert res.returncode != 0
    assert "reference" in res.stderr.lower()
    assert "Traceback" not in res.stderr
    assert_no_output(out)


def test_qgis_process_relative_paths_are_relative_to_the_caller(qgis_process_env, scene, tmp_path):
    """The worker runs in the plugin folder: relative paths must still mean the caller's folder."""
    assert scene["post"] == tmp_path / "post.tif"
    res = qgis_process(
        "run",
        "raresight:detect",
        "--",
        "TARGET=post.tif",
        "METHOD=rx",
        "OUTPUT=rel.tif",
        env=qgis_process_env,
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert (tmp_path / "rel.tif").is_file() and (tmp_path / "rel.tif.json").is_file()
    assert not (ROOT / "rel.tif").exists()


def test_detect_passes_method_parameters(provider, scene, tmp_path):
    out = tmp_path / "robust.tif"
    run_processing(
        "raresight:detect",
        {
            "TARGET": [str(scene["post"])],
            "METHOD": "rx",
            "PARAMETERS": "fit_fraction=0.5",
            "OUTPUT": str(out),
        },
    )
    side = json.loads(Path(str(out) + ".json").read_text())
    assert side["parameters"]["fit_fraction"] == 0.5


def test_detect_with_a_prompt_and_fusion_matches_the_command_line(provider, tmp_path):
    import rasters

    s2 = rasters.write(tmp_path / "s2.tif", rasters.sentinel2(), nodata=rasters.NODATA)
    s1 = rasters.write_named(tmp_path / "s1.tif", rasters.sentinel1(), ("VV", "VH"), nodata=float("nan"))
    out = tmp_path / "fused.tif"
    results = run_processing(
        "raresight:detect",
        {
            "TARGET": [str(s2), str(s1)],
            "METHOD": "spectral",
            "PROMPT": "flooded area",
            "NEGATIVE": "dry fields",
            "FUSE": "rx",
            "OUTPUT": str(out),
        },
    )
    assert results["THRESHOLD"] == 0.5  # the fused map's physical default
    side = json.loads(Path(str(out) + ".json").read_text())
    assert side["method"] == "spectral+rx" and side["parameters"]["prompt"] == "flooded area"
    expected = tmp_path / "cli_fused.tif"
    cli_score(s2, s1, "--method", "spectral", "--prompt", "flooded area", "--fuse", "rx", "-o", expected)
    assert_same_scores(out, expected)


def test_detect_prompt_method_without_prompt_and_missing_checkpoint_are_one_line(provider, scene, tmp_path):
    out = tmp_path / "x.tif"
    with pytest.raises(QgsProcessingException) as err:
        run_unchecked("raresight:detect", {"TARGET": [str(scene["post"])], "METHOD": "spectral", "OUTPUT": str(out)})
    assert "needs a prompt" in assert_one_line(err.value)
    with pytest.raises(QgsProcessingException) as err:
        run_unchecked(
            "raresight:detect",
            {
                "TARGET": [str(scene["post"])],
                "METHOD": "spectral",
                "PROMPT": "flood",
                "CHECKPOINT": str(tmp_path / "missing.pt"),
                "OUTPUT": str(out),
            },
        )
    assert "missing.pt" in assert_one_line(err.value)
    assert_no_output(out)


@pytest.mark.parametrize("method", ["clip", "gradcam", "gscorecam"])
@pytest.mark.slow
def test_detect_clip_method_with_a_checkpoint_matches_command_line(provider, scene, tmp_path, monkeypatch, method):
    """A CLIP prompt method with a checkpoint file (a micro open_clip model and its card, no
    download) writes through Processing the same georeferenced raster as ``raresight score``."""
    pytest.importorskip("open_clip")
    from clip_micro import save_micro

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("RARESIGHT_CLIP_CACHE", str(tmp_path / "cache"))
    checkpoint = save_micro(tmp_path / "weights")
    params = "topk=4" if method == "gscorecam" else ""
    out = tmp_path / f"{method}.tif"
    run_processing(
        "raresight:detect",
        {
            "TARGET": [str(scene["post"])],
            "METHOD": method,
            "PROMPT": "flooded area",
            "NEGATIVE": "dry fields",
            "CHECKPOINT": str(checkpoint),
            "PARAMETERS": params,
            "OUTPUT": str(out),
        },
    )
    expected = tmp_path / f"{method}_cli.tif"
    extra = ["--param", params] if params else []
    cli_score(
        scene["post"], "--method", method, "--prompt", "flooded area", "--negative", "dry fields",
        "--checkpoint", checkpoint, *extra, "-o", expected,
    )  # fmt: skip
    assert_same_scores(out, expected)
    with rasterio.open(out) as ds, rasterio.open(scene["post"]) as post:
        assert ds.crs == post.crs and ds.transform.almost_equals(post.transform)
    side = json.loads(Path(str(out) + ".json").read_text(encoding="utf-8"))
    assert side["method"] == method and side["fit"]["prompts"] == ["flooded area"]


# --------------------------------------------------------------------------------------------------
# generative methods: raresight:fit, then raresight:detect with MODEL

#: Training parameters of a micro generative model (seconds on a CPU, on the tiny test rasters).
MICRO = "steps=30, hidden=8, depth=1, components=3, batch=2, patch=16"


@pytest.mark.slow
def test_fit_then_detect_with_the_saved_model(provider, scene, tmp_path):
    model = tmp_path / "flow.safetensors"
    feedback = QgsProcessingFeedback()
    progress: list[float] = []
    feedback.progressChanged.connect(progress.append)
    results = run_processing(
        "raresight:fit",
        {"TARGET": [str(scene["post"])], "METHOD": "flow", "PARAMETERS": MICRO, "OUTPUT": str(model)},
        feedback,
    )
    assert Path(results["OUTPUT"]) == model and model.is_file()
    assert Path(results["CARD"]) == Path(str(model) + ".json")
    card = json.loads(Path(results["CARD"]).read_text(encoding="utf-8"))
    assert card["method"] == "flow" and card["bands"] == 4 and card["training"]["steps"] == 30
    assert progress and progress[-1] == 100.0

    score = tmp_path / "score.tif"
    run_processing(
        "raresight:detect",
        {"TARGET": [str(scene["post"])], "METHOD": "flow", "MODEL": str(model), "OUTPUT": str(score)},
    )
    side = json.loads(Path(str(score) + ".json").read_text(encoding="utf-8"))
    assert side["method"] == "flow"
    assert side["fit"]["model"] == str(model)  # scored with the saved model: nothing trained
    expected = tmp_path / "cli.tif"
    cli_score(scene["post"], "--method", "flow", "--model", model, "-o", expected)
    assert_same_scores(score, expected)  # the CLI with the same model gives the same map

    # Without METHOD, the model's card names the method.
    again = tmp_path / "again.tif"
    run_processing(
        "raresight:detect", {"TARGET": [str(scene["post"])], "MODEL": str(model), "OUTPUT": str(again)}
    )
    assert json.loads(Path(str(again) + ".json").read_text(encoding="utf-8"))["method"] == "flow"
    assert_same_scores(again, score)


def test_model_with_a_method_that_takes_none_is_one_line(provider, scene, tmp_path):
    model = tmp_path / "m.safetensors"
    model.write_bytes(b"x")
    out = tmp_path / "score.tif"
    with pytest.raises(QgsProcessingException) as info:
        run_processing(
            "raresight:detect",
            {"TARGET": [str(scene["post"])], "METHOD": "rx", "MODEL": str(model), "OUTPUT": str(out)},
        )
    assert "rx" in assert_one_line(info.value)
    assert_no_output(out)


def test_fit_refuses_a_method_without_a_model_and_writes_nothing(provider, scene, tmp_path):
    out = tmp_path / "m.safetensors"
    with pytest.raises(QgsProcessingException):
        run_processing("raresight:fit", {"TARGET": [str(scene["post"])], "METHOD": "rx", "OUTPUT": str(out)})
    with pytest.raises(QgsProcessingException) as info:
        run_unchecked("raresight:fit", {"TARGET": [str(scene["post"])], "METHOD": "rx", "OUTPUT": str(out)})
    assert "rx" in assert_one_line(info.value)
    assert_no_output(out)


class _CancelWhenTraining(QgsProcessingFeedback):
    """Cancels as soon as the backend reports its training stage (as the log shows it)."""

    def setProgressText(self, text: str) -> None:  # noqa: N802 - QGIS API
        super().setProgressText(text)
        if text.startswith("Training"):
            self.cancel()


@pytest.mark.slow
def test_cancel_stops_a_fit(provider, scene, tmp_path):
    out = tmp_path / "m.safetensors"
    feedback = _CancelWhenTraining()
    params = MICRO.replace("steps=30", "steps=1000000")
    with pytest.raises(QgsProcessingException) as info:
        run_processing(
            "raresight:fit",
            {"TARGET": [str(scene["post"])], "PARAMETERS": params, "OUTPUT": str(out)},
            feedback,
        )
    assert feedback.isCanceled()
    assert "cancel" in assert_one_line(info.value).lower()
    assert_no_output(out)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")], "partial files left behind"


@pytest.mark.slow
def test_batch_runs_pairs_and_reports_a_failed_job(provider, scene, tmp_path):
    import shutil

    (tmp_path / "post").mkdir()
    (tmp_path / "pre").mkdir()
    for name in ("a", "b"):
        shutil.copy(scene["post"], tmp_path / "post" / f"{name}.tif")
        shutil.copy(scene["pre"], tmp_path / "pre" / f"{name}.tif")
    (tmp_path / "post" / "c.tif").write_bytes(scene["post"].read_bytes()[:2000])  # truncated
    shutil.copy(scene["pre"], tmp_path / "pre" / "c.tif")
    out = tmp_path / "out"
    errors = []

    class Feedback(QgsProcessingFeedback):
        def reportError(self, error, fatalError=False):  # noqa: N802, N803 - QGIS API
            errors.append(error)

    result = run_processing(
        "raresight:batch",
        {"POST": str(tmp_path / "post" / "*.tif"), "PRE": str(tmp_path / "pre" / "*.tif"), "METHOD": "cva",
         "WORKERS": 2, "OUTPUT": str(out)},
        Feedback(),
    )  # fmt: skip
    assert (result["DONE"], result["SKIPPED"], result["FAILED"]) == (2, 0, 1)
    assert Path(result["SUMMARY"]).is_file() and (out / "a.gpkg").is_file() and (out / "b.tif").is_file()
    assert len(errors) == 1 and errors[0].startswith("Job c failed: ")
    with pytest.raises(QgsProcessingException, match="not both"):
        run_processing("raresight:batch", {"JOBS": str(out / "summary.csv"), "POST": "x/*.tif", "OUTPUT": str(out)})
