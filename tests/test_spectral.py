"""Method ``spectral`` (weight-free spectral prompts) and the prompt/anomaly fusion (``--fuse``).

Indices and rules on constructed reflectances with hand-computed values; band identification and
its override; the vocabulary; the detector end to end on generated Sentinel-2 / Sentinel-1 rasters
(tests/rasters.py) through the engine and the command line; the physical default threshold that
``raresight mask`` uses; fusion; tiled = untiled; and the Sen1Floods11 chip of ../shared/data
(skipped when absent).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
import rasters

from backend.detectors import METHODS
from backend.errors import InputError, MethodError
from backend.request import ScoreRequest
from backend.scorefile import resolve_threshold
from backend.scoring import score_to_file
from backend.spectral import evidence, indices
from backend.spectral.bands import S2_L1C, S2_L2A, canonical_band, identify_stack, parse_bands
from backend.spectral.vocabulary import match_prompt

ROOT = Path(__file__).resolve().parents[1]


def px(values: dict[str, float]) -> dict[str, np.ndarray]:
    """One-pixel reflectance bands."""
    return {k: np.array([[v]], np.float32) for k, v in values.items()}


WATER = px({"B2": 0.08, "B3": 0.07, "B4": 0.05, "B8": 0.03, "B11": 0.01, "B12": 0.005})
VEGETATION = px({"B2": 0.05, "B3": 0.08, "B4": 0.04, "B8": 0.40, "B11": 0.20, "B12": 0.10})
BARE = px({"B2": 0.12, "B3": 0.16, "B4": 0.20, "B8": 0.26, "B11": 0.34, "B12": 0.30})
# Wet soil: MNDWI > 0 (SWIR absorbed by the water in the soil) but NIR too bright for open water.
WET_SOIL = px({"B2": 0.07, "B3": 0.10, "B4": 0.09, "B8": 0.25, "B11": 0.08, "B12": 0.05})
BURNED = px({"B2": 0.05, "B3": 0.06, "B4": 0.07, "B8": 0.12, "B11": 0.22, "B12": 0.25})
CLOUD = px({"B2": 0.60, "B3": 0.60, "B4": 0.58, "B8": 0.58, "B11": 0.30, "B12": 0.20})


def value(x: np.ndarray) -> float:
    return float(np.asarray(x).ravel()[0])


# -- indices and rules ------------------------------------------------------------------------------


def test_indices_have_their_textbook_values():
    g, nir, swir1 = WATER["B3"], WATER["B8"], WATER["B11"]
    assert value(indices.mndwi(g, swir1)) == pytest.approx((0.07 - 0.01) / 0.08, rel=1e-5)
    assert value(indices.ndwi(g, nir)) == pytest.approx(0.4, rel=1e-5)
    assert value(indices.ndvi(VEGETATION["B8"], VEGETATION["B4"])) == pytest.approx(0.36 / 0.44, rel=1e-5)
    evi = 2.5 * (0.40 - 0.04) / (0.40 + 6 * 0.04 - 7.5 * 0.05 + 1)
    assert value(indices.evi(VEGETATION["B8"], VEGETATION["B4"], VEGETATION["B2"])) == pytest.approx(
        evi, rel=1e-5
    )
    assert value(indices.nbr(BURNED["B8"], BURNED["B12"])) == pytest.approx(-0.13 / 0.37, rel=1e-5)
    bsi = (0.34 + 0.20 - 0.26 - 0.12) / (0.34 + 0.20 + 0.26 + 0.12)
    assert value(indices.bsi(BARE["B11"], BARE["B4"], BARE["B8"], BARE["B2"])) == pytest.approx(bsi, rel=1e-5)
    assert np.isnan(value(indices.normalized_difference(np.zeros((1, 1)), np.zeros((1, 1)))))


def test_water_rule_is_zou_et_al():
    # Water: MNDWI 0.75, NDVI -0.25, EVI 2.5 * -0.02 / 0.73 -> min(0.75 + 0.25, 0.1 - EVI).
    evi = 2.5 * (0.03 - 0.05) / (0.03 + 6 * 0.05 - 7.5 * 0.08 + 1)
    assert value(evidence.optical_margin("water", WATER)) == pytest.approx(0.1 - evi, rel=1e-4)
    for land in (VEGETATION, BARE, WET_SOIL, BURNED):
        assert value(evidence.optical_margin("water", land)) < 0
    # MNDWI alone would call the wet soil water: the vegetation indices are what reject it.
    assert value(indices.mndwi(WET_SOIL["B3"], WET_SOIL["B11"])) > 0


def test_other_concepts_single_date_and_with_a_reference():
    assert value(evidence.optical_margin("bare_soil", BARE)) > 0
    assert value(evidence.optical_margin("bare_soil", VEGETATION)) < 0
    assert value(evidence.optical_margin("vegetation_loss", BARE)) > 0  # NDVI 0.13 < 0.2
    assert value(evidence.optical_margin("vegetation_loss", VEGETATION)) < 0
    assert value(evidence.optical_margin("burn", BURNED)) > 0
    assert value(evidence.optical_margin("burn", VEGETATION)) < 0
    dnbr = 0.30 / 0.50 - (-0.13 / 0.37)
    assert value(evidence.optical_margin("burn", BURNED, VEGETATION)) == pytest.approx(dnbr - 0.1, rel=1e-4)
    assert value(evidence.optical_margin("burn", VEGETATION, VEGETATION)) == pytest.approx(-0.1, abs=1e-6)
    assert value(evidence.optical_margin("vegetation_loss", BARE, VEGETATION)) > 0
    assert value(evidence.optical_margin("water", WATER, VEGETATION)) > 0  # new water
    assert value(evidence.optical_margin("water", WATER, WATER)) < 0  # permanent water is no flood
    assert value(evidence.cloud_margin(CLOUD)) > 0
    assert all(value(evidence.cloud_margin(b)) < 0 for b in (WATER, VEGETATION, BARE, BURNED))


def test_sar_water_margin_in_db():
    vv, vh = np.array([[-25.0, -9.0]], np.float32), np.array([[-30.0, -16.0]], np.float32)
    m = evidence.sar_water_margin({"VV": vv, "VH": vh})
    assert m[0, 0] == pytest.approx(((-15 + 25) / 10 + (-22 + 30) / 10) / 2)
    assert m[0, 1] < 0
    only_vv = evidence.sar_water_margin({"VV": vv})
    assert only_vv[0, 0] == pytest.approx(1.0)
    # With a reference: water now, and a drop of at least 3 dB.
    was_water = evidence.sar_water_margin({"VV": vv}, {"VV": vv + 1.0})
    assert was_water[0, 0] == pytest.approx((1.0 - 3.0) / 10)
    new_water = evidence.sar_water_margin({"VV": vv}, {"VV": np.full_like(vv, -8.0)})
    assert new_water[0, 0] > 0


# -- bands and vocabulary ---------------------------------------------------------------------------


def test_canonical_band_names():
    assert canonical_band("B01") == "B1"
    assert canonical_band("b8a") == "B8A"
    assert canonical_band("swir1") == "B11"
    assert canonical_band("Sigma0_VV_db") == "VV"
    assert canonical_band("VH") == "VH"
    assert canonical_band("elevation") is None
    assert canonical_band(None) is None


def test_band_identification_from_counts_and_descriptions():
    l1c_s1 = identify_stack((13, 2), ((), ()))
    assert l1c_s1.index["B11"] == S2_L1C.index("B11") == 11
    assert l1c_s1.index["VV"] == 13 and l1c_s1.index["VH"] == 14
    assert l1c_s1.optical and l1c_s1.sar
    l2a = identify_stack((12,), ((None,) * 12,))
    assert l2a.index["B11"] == S2_L2A.index("B11") == 10 and "B10" not in l2a.index
    assert not l2a.sar
    named = identify_stack((3,), (("nir", "Red", "VV"),))
    assert named.index == {"B8": 0, "B4": 1, "VV": 2}
    assert named.sources == ("band descriptions",)
    with pytest.raises(InputError, match="bands="):
        identify_stack((4,), ((None,) * 4,))
    with pytest.raises(InputError, match="twice"):
        identify_stack((2, 2), ((), ()))


def test_band_override():
    assert parse_bands("B2/B3/-/nir", 4) == ("B2", "B3", None, "B8")
    bands = identify_stack((4, 2), ((), ()), "B3:B4:B8:B11+VV/VH")
    assert bands.index == {"B3": 0, "B4": 1, "B8": 2, "B11": 3, "VV": 4, "VH": 5}
    with pytest.raises(InputError, match="names 3 band"):
        parse_bands("B2/B3/B4", 4)
    with pytest.raises(InputError, match="unknown band 'B99'"):
        parse_bands("B2/B99", 2)


@pytest.mark.parametrize(
    ("prompt", "concept"),
    [
        ("flood", "water"),
        ("Flooded area", "water"),
        ("inondation", "water"),
        ("burn scar", "burn"),
        ("wildfire", "burn"),
        ("forest loss", "vegetation_loss"),
        ("deforestation", "vegetation_loss"),
        ("construction site", "bare_soil"),
        ("bare soil", "bare_soil"),
        ("clouds", "cloud"),
    ],
)
def test_vocabulary(prompt, concept):
    assert match_prompt(prompt).key == concept


def test_unknown_and_ambiguous_prompts_are_one_line_errors():
    with pytest.raises(InputError) as err:
        match_prompt("parked cars")
    text = str(err.value)
    assert "\n" not in text
    for label in ("water/flood", "burn scar", "vegetation loss", "bare soil/construction"):
        assert label in text
    with pytest.raises(InputError, match="several"):
        match_prompt("flooded burn scar")


# -- the detector through the engine ----------------------------------------------------------------


@pytest.fixture()
def s2s1(tmp_path: Path) -> dict[str, Path]:
    """Generated Sentinel-2 L1C (no band descriptions: identified by its 13 bands) and Sentinel-1
    (VV, VH described) rasters on one grid."""
    return {
        "s2": rasters.write(tmp_path / "s2.tif", rasters.sentinel2(), nodata=rasters.NODATA),
        "s1": rasters.write_named(
            tmp_path / "s1.tif", rasters.sentinel1(), ("VV", "VH"), nodata=float("nan")
        ),
    }


def score(
    targets, tmp_path: Path, name: str = "x.tif", references=(), tile_size_px=512, overlap_px=32, **job
) -> tuple[np.ndarray, dict]:
    """Score through the request the CLI builds (``job``: its fields, e.g. method, prompt, fuse)."""
    out = tmp_path / name
    request = ScoreRequest.from_dict(
        {
            "targets": list(map(str, targets)),
            "references": list(map(str, references)),
            "tile_size": tile_size_px,
            "overlap": overlap_px,
            **job,
        }
    )
    side = score_to_file(request, out)
    with rasterio.open(out) as ds:
        return ds.read(1), side


def region(a: np.ndarray, where) -> np.ndarray:
    r, c = where
    inner = a[r, c][1:-1, 1:-1]  # away from the edges (SAR smoothing mixes neighbours)
    return inner[np.isfinite(inner)]


def test_flood_prompt_on_optical_and_sar(s2s1, tmp_path):
    s, side = score([s2s1["s2"], s2s1["s1"]], tmp_path, method="spectral", prompt="flood")
    assert side["method"] == "spectral"
    assert side["default_threshold"] == 0.0 and side["default_threshold_source"] == "physical"
    assert side["fit"]["evidence"] == ["optical", "sar"]
    assert side["fit"]["reflectance_scale"] == pytest.approx(1e-4)
    assert side["fit"]["sar_units"] == "db"
    assert (region(s, rasters.S2_WATER) > 0).all()
    assert (region(s, rasters.S2_BARE) < 0).all()
    assert (region(s, rasters.S2_CLOUD) > 0).all()  # cloudy optical: the SAR sees the water
    land = np.ones(s.shape, bool)
    for r, c in (rasters.S2_WATER, rasters.S2_BARE, rasters.S2_CLOUD):
        land[r.start - 2 : r.stop + 2, c.start - 2 : c.stop + 2] = False
    assert (s[land & np.isfinite(s)] < 0).all()
    # Optical nodata rows (the border) fall back on the SAR; SAR nodata columns on the optical.
    assert np.isfinite(s[0, 10:]).all() and np.isfinite(s[10:-10, 0]).all()
    assert np.isnan(s[0, 0])  # neither has data


def test_clouds_without_sar_are_no_data(s2s1, tmp_path):
    s, side = score([s2s1["s2"]], tmp_path, method="spectral", prompt="water")
    assert side["fit"]["evidence"] == ["optical"] and side["fit"]["cloud_mask"]
    r, c = rasters.S2_CLOUD
    assert np.isnan(s[r, c]).all()
    assert (region(s, rasters.S2_WATER) > 0).all()
    clouds, _ = score([s2s1["s2"]], tmp_path, "c.tif", method="spectral", prompt="cloud")
    assert (region(clouds, rasters.S2_CLOUD) > 0).all() and (region(clouds, rasters.S2_WATER) < 0).all()


def test_sar_only_and_linear_power_give_the_same_map(s2s1, tmp_path):
    db, side = score([s2s1["s1"]], tmp_path, "db.tif", method="spectral", prompt="flood")
    assert side["fit"]["evidence"] == ["sar"]
    lin_path = rasters.write_named(
        tmp_path / "lin.tif", rasters.sentinel1(linear=True), ("VV", "VH"), float("nan")
    )
    lin, side_lin = score([lin_path], tmp_path, "lin_score.tif", method="spectral", prompt="flood")
    assert side_lin["fit"]["sar_units"] == "linear"
    np.testing.assert_allclose(lin, db, atol=1e-4)
    assert (region(db, rasters.S2_WATER) > 0).all() and (region(db, rasters.S2_BARE) < 0).all()


def test_burn_scar_with_a_reference(tmp_path):
    burned = (slice(50, 70), slice(70, 100))
    pre = rasters.write(tmp_path / "pre.tif", rasters.sentinel2(3, cloud=False), nodata=0)
    post = rasters.write(tmp_path / "post.tif", rasters.sentinel2(4, cloud=False, burned=burned), nodata=0)
    s, side = score([post], tmp_path, references=[pre], method="spectral", prompt="burn scar")
    assert side["calibration"]["source"] == "target-bulk"
    assert (region(s, burned) > 0).all()
    rest = np.ones(s.shape, bool)
    rest[burned] = rest[rasters.S2_WATER] = False  # (dNBR over water is noise: SWIR2 is near 0)
    assert (s[rest & np.isfinite(s)] < 0).all()  # vegetation and bare soil did not change


def test_flood_with_a_reference_is_new_water(tmp_path):
    """Optical and SAR with references: the optical pre-event scene has no water (so the water is
    new); the SAR pre-event scene is as dark as the post-event one (so under the cloud, where the
    SAR decides, the water is permanent: no flood)."""
    s2_pre = rasters.write(tmp_path / "s2_pre.tif", rasters.sentinel2(5, cloud=False, water=False), nodata=0)
    s2_post = rasters.write(tmp_path / "s2_post.tif", rasters.sentinel2(6), nodata=0)
    s1_pre = rasters.write_named(tmp_path / "s1_pre.tif", rasters.sentinel1(7), ("VV", "VH"), float("nan"))
    s1_post = rasters.write_named(tmp_path / "s1_post.tif", rasters.sentinel1(8), ("VV", "VH"), float("nan"))
    s, side = score(
        [s2_post, s1_post], tmp_path, references=[s2_pre, s1_pre], method="spectral", prompt="flood"
    )
    assert side["fit"]["evidence"] == ["optical", "sar"]
    assert (region(s, rasters.S2_WATER) > 0).all()
    assert (region(s, rasters.S2_CLOUD) < 0).all()
    assert (region(s, rasters.S2_BARE) < 0).all()


def test_band_override_for_an_unknown_sensor(scene, tmp_path):
    with pytest.raises(InputError, match="Cannot tell which band"):
        score([scene["post"]], tmp_path, method="spectral", prompt="vegetation loss")
    s, side = score(
        [scene["post"]],
        tmp_path,
        method="spectral",
        prompt="vegetation loss",
        params={"bands": "B2/B3/B4/B8"},
    )
    assert side["fit"]["identified_by"] == ["bands parameter"]
    # The same map as when the file itself names its bands; NaN exactly on the nodata border.
    named = rasters.write_named(
        tmp_path / "named.tif", rasters.optical(0), ("B2", "B3", "B4", "B8"), nodata=rasters.NODATA
    )
    by_name, side_named = score([named], tmp_path, "n.tif", method="spectral", prompt="vegetation loss")
    assert side_named["fit"]["identified_by"] == ["band descriptions"]
    np.testing.assert_array_equal(s, by_name)
    b = rasters.BORDER_PX
    assert np.isfinite(s[b:-b, b:-b]).all() and np.isnan(s[:b]).all() and np.isnan(s[:, -b:]).all()
    with pytest.raises(InputError, match="B11"):  # water needs SWIR1
        score([scene["post"]], tmp_path, method="spectral", prompt="flood", params={"bands": "B2/B3/B4/B8"})


def test_prompt_errors(s2s1, tmp_path):
    with pytest.raises(MethodError, match="needs a prompt"):
        score([s2s1["s2"]], tmp_path, method="spectral")
    with pytest.raises(InputError, match="not in the spectral vocabulary"):
        score([s2s1["s2"]], tmp_path, method="spectral", prompt="parked cars")
    assert not list(tmp_path.glob("x.tif*"))


def test_negative_and_checkpoint_are_ignored_with_a_warning(s2s1, tmp_path, caplog):
    s, _ = score(
        [s2s1["s2"]], tmp_path, method="spectral", prompt="flood", negative="dry fields", checkpoint="x.pt"
    )
    assert "takes no negative" in caplog.text and "takes no checkpoint" in caplog.text
    plain, _ = score([s2s1["s2"]], tmp_path, "plain.tif", method="spectral", prompt="flood")
    np.testing.assert_array_equal(s, plain)


def test_tiled_equals_untiled(s2s1, tmp_path):
    targets = [s2s1["s2"], s2s1["s1"]]
    whole, _ = score(targets, tmp_path, "a.tif", method="spectral", prompt="flood", tile_size_px=512)
    tiled, _ = score(
        targets, tmp_path, "b.tif", method="spectral", prompt="flood", tile_size_px=32, overlap_px=4
    )
    np.testing.assert_array_equal(whole, tiled)
    fused_whole, _ = score(targets, tmp_path, "c.tif", method="spectral", prompt="flood", fuse="rx")
    fused_tiled, _ = score(
        targets,
        tmp_path,
        "d.tif",
        method="spectral",
        prompt="flood",
        fuse="rx",
        tile_size_px=64,
        overlap_px=8,
    )
    np.testing.assert_allclose(fused_whole, fused_tiled, rtol=1e-5, atol=1e-6)


# -- fusion -----------------------------------------------------------------------------------------


def test_fusion_keeps_what_is_both_water_and_anomalous(tmp_path):
    s2 = rasters.write(tmp_path / "s2.tif", rasters.sentinel2(7, cloud=False, odd=True), nodata=0)
    s1 = rasters.write_named(tmp_path / "s1.tif", rasters.sentinel1(8), ("VV", "VH"), float("nan"))
    spectral, _ = score([s2, s1], tmp_path, "s.tif", method="spectral", prompt="flood")
    fused, side = score([s2, s1], tmp_path, "f.tif", method="spectral", prompt="flood", fuse="rx")
    assert side["method"] == "spectral+rx" and side["fuse"] == "rx"
    assert side["default_threshold"] == 0.5 and side["default_threshold_source"] == "physical"
    assert side["fit"]["anomaly"]["method"] == "rx"
    odd, water = region(fused, rasters.S2_ODD), region(fused, rasters.S2_WATER)
    # Both regions are water-like; only the odd one is anomalous as well.
    assert (region(spectral, rasters.S2_ODD) > 0).all() and (region(spectral, rasters.S2_WATER) > 0).all()
    assert (odd >= 0.5).all()
    assert np.median(water) < 0.5 and odd.min() > np.median(water)
    assert (fused[np.isfinite(fused)] <= 1).all() and (fused[np.isfinite(fused)] >= 0).all()


def test_fusion_requires_a_prompt_method_and_an_anomaly_method(s2s1, tmp_path):
    with pytest.raises(MethodError, match="takes no prompt"):
        score([s2s1["s2"]], tmp_path, method="rx", fuse="lrx")
    with pytest.raises(MethodError, match="compares two dates"):
        score([s2s1["s2"]], tmp_path, method="spectral", prompt="flood", fuse="cva")
    with pytest.raises(MethodError, match="fuse"):
        score([s2s1["s2"]], tmp_path, method="spectral", prompt="flood", params={"fuse.fit_fraction": "0.5"})


def test_fuse_parameters_reach_the_anomaly_method(s2s1, tmp_path):
    _, side = score(
        [s2s1["s2"]],
        tmp_path,
        method="spectral",
        prompt="flood",
        fuse="rx",
        params={"fuse.fit_fraction": "0.5"},
    )
    assert side["fit"]["anomaly"]["parameters"]["fit_fraction"] == 0.5


def test_block_reservoir_is_bounded_uniform_and_cropped():
    from backend.detectors.fusion import BlockReservoir

    small = BlockReservoir(size=3, side_px=4)
    for i in range(3):
        small.add(np.full((2, 10, 6), i, np.float32), None)
    assert [int(t[0, 0, 0]) for t, _ in small.blocks] == [0, 1, 2]
    assert small.blocks[0][0].shape == (2, 4, 4) and small.blocks[0][1] is None
    counts = np.zeros(30)
    for seed in range(200):
        res = BlockReservoir(size=3, side_px=4)
        res.rng = np.random.default_rng(seed)
        for i in range(30):
            res.add(np.full((1, 4, 4), i, np.float32), np.zeros((1, 4, 4), np.float32))
        assert len(res.blocks) == 3 and all(r is not None for _, r in res.blocks)
        counts[[int(t[0, 0, 0]) for t, _ in res.blocks]] += 1
    assert counts[:10].sum() == pytest.approx(counts[20:].sum(), rel=0.3)  # early blocks are not favoured


def test_calibration_with_a_physical_threshold():
    from backend.calibration import Calibration

    cal = Calibration.from_samples(np.linspace(-1, 1, 10001), "target-bulk")
    assert cal.default_threshold_source == "false-alarm-rate"
    phys = cal.with_physical_threshold(0.0)
    assert phys.default_threshold == 0.0 and phys.default_threshold_source == "physical"
    assert phys.default_false_alarm_rate == pytest.approx(0.5, rel=1e-3)  # half the sample is above 0
    assert phys.thresholds == cal.thresholds  # the false-alarm table is kept
    again = Calibration.from_dict(phys.to_dict())
    assert again.physical_threshold == 0.0 and again.default_threshold == 0.0
    p = phys.tail_probability(np.array([0.98, 0.0, np.nan]))
    assert p[0] == pytest.approx(0.01, rel=0.05) and p[1] == pytest.approx(0.5, rel=1e-3) and np.isnan(p[2])


# -- the command line: physical default threshold -----------------------------------------------------


def run_cli(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_mask_uses_the_physical_default_threshold(s2s1, tmp_path):
    out, mask = tmp_path / "x.tif", tmp_path / "m.tif"
    res = run_cli(
        "score", s2s1["s2"], s2s1["s1"], "--method", "spectral", "--prompt", "flooded area", "-o", out
    )
    assert res.returncode == 0, res.stderr
    assert "default threshold 0 (physical" in res.stdout
    side = json.loads((tmp_path / "x.tif.json").read_text())
    assert side["calibration"]["physical_threshold"] == 0.0
    assert resolve_threshold(out) == (0.0, None)
    # The false-alarm table is still there: the share of the scene above 0 is its default rate.
    with rasterio.open(out) as ds:
        s = ds.read(1)
    share = float((s[np.isfinite(s)] >= 0).mean())
    assert side["calibration"]["default_false_alarm_rate"] == pytest.approx(share, rel=0.1)
    res = run_cli("mask", out, "-o", mask)
    assert res.returncode == 0, res.stderr
    assert "threshold 0 (the method's physical default)" in res.stdout
    with rasterio.open(mask) as ds:
        m = ds.read(1)
    np.testing.assert_array_equal(m[np.isfinite(s)], (s[np.isfinite(s)] >= 0).astype(np.uint8))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--method", "spectral"), "needs a prompt"),
        (("--method", "spectral", "--prompt", "parked cars"), "water/flood, burn scar"),
        (("--method", "spectral", "--prompt", "flood", "--fuse", "nosuch"), "Unknown --fuse method"),
    ],
)
def test_cli_prompt_errors_are_one_line(s2s1, tmp_path, args, message):
    res = run_cli("score", s2s1["s2"], "-o", tmp_path / "x.tif", *args)
    assert res.returncode != 0 and "Traceback" not in res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("raresight: error:") and message in lines[0], res.stderr
    assert not list(tmp_path.glob("x.tif*"))


def test_spectral_is_registered_as_a_prompt_method():
    cls = METHODS["spectral"]
    assert cls.uses_prompt and not cls.needs_reference
    assert "prompt" in cls.Config().to_dict() and "bands" in cls.Config().to_dict()


# -- the real flood chip ----------------------------------------------------------------------------


def iou(mask: np.ndarray, labels: np.ndarray) -> float:
    valid = labels >= 0
    pred, true = (mask == 1) & valid, (labels == 1) & valid
    return float((pred & true).sum() / (pred | true).sum())


def test_sen1floods11_flood_iou_at_the_default_threshold(data_root, tmp_path):
    """The issue's done criterion: score s2 + s1 with the flood prompt, mask at the default
    threshold, water IoU >= 0.75 against the hand label (-1 ignored)."""
    case = data_root / "sen1floods11" / "spain_7370579"
    out, mask = tmp_path / "x.tif", tmp_path / "m.tif"
    res = run_cli(
        "score", case / "s2.tif", case / "s1.tif", "--method", "spectral", "--prompt", "flood", "-o", out
    )
    assert res.returncode == 0, res.stderr
    assert run_cli("mask", out, "-o", mask).returncode == 0
    with rasterio.open(mask) as ds:
        m = ds.read(1)
    with rasterio.open(case / "label.tif") as ds:
        labels = ds.read(1)
    value = iou(m, labels)
    assert not math.isnan(value)
    assert value >= 0.75, value
