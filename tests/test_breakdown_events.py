"""The breakdown benchmark's synthetic events (scripts/bench/events.py): exact, nested shares; the
same events from the same seed; ground truth = real changes plus pasted area, ignored pixels kept;
the target's dtype and nodata kept; only valid pixels touched; compact blobs."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from bench import events as ev  # noqa: E402

ROWS, COLS = 120, 150


def optical(seed: int = 0, bands: int = 4) -> np.ndarray:
    """A textured ``bands x 120 x 150`` float scene (reflectance-like counts), NaN in a corner."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:ROWS, :COLS]
    base = 1200 + 400 * np.sin(xx / 9.0) * np.cos(yy / 13.0)
    img = np.stack([base * (1 + 0.2 * b) + rng.normal(0, 30, (ROWS, COLS)) for b in range(bands)])
    img[:, :10, :12] = np.nan
    return img


def label() -> np.ndarray:
    """1 in a small square, 255 (ignored) in a band of rows, 0 elsewhere."""
    lab = np.zeros((ROWS, COLS), dtype=np.uint8)
    lab[50:60, 70:80] = 1
    lab[100:110, :] = 255
    return lab


@pytest.fixture(scope="module")
def events() -> ev.Events:
    return ev.make_events(optical(), seed=7, reference=optical(1))


def test_shares_are_exact_and_nested(events):
    valid = events.layout.valid
    previous = np.zeros_like(valid)
    for share in ev.SHARES:
        mask = ev.event_mask(events.layout, share)
        assert abs(mask[valid].mean() - share) < 1e-3
        assert not (previous & ~mask).any()  # the smaller share's events lie inside
        previous = mask


def test_same_seed_same_events_other_seed_other_events(events):
    again = ev.make_events(optical(), seed=7, reference=optical(1))
    other = ev.make_events(optical(), seed=8, reference=optical(1))
    np.testing.assert_array_equal(again.layout.owner, events.layout.owner)
    np.testing.assert_array_equal(again.painted, events.painted)
    assert again.layout.blobs == events.layout.blobs
    assert not np.array_equal(other.layout.owner, events.layout.owner)
    assert ev.case_seed("sar-cd/bern") == ev.case_seed("sar-cd/bern") != ev.case_seed("sar-cd/sanfrancisco")


def test_labels_are_the_union_and_ignored_pixels_stay_ignored(events):
    lab = label()
    mask = ev.event_mask(events.layout, 0.3)
    out = ev.paste_labels(lab, mask)
    np.testing.assert_array_equal(out[lab == 255], 255)
    np.testing.assert_array_equal(out[lab == 1], 1)
    assert (out[mask & (lab != 255)] == 1).all()
    np.testing.assert_array_equal(out[~mask], lab[~mask])
    assert mask[lab == 255].any()  # pasted on unlabelled valid pixels too, which stay ignored


def test_only_valid_pixels_change_and_dtype_and_nodata_are_kept(events):
    img = optical()
    raw = np.where(np.isfinite(img), img, 0).astype(np.uint16)
    out, mask = ev.paste(raw, events, 0.5, nodata=0)
    assert out.dtype == np.uint16 and out.shape == raw.shape
    np.testing.assert_array_equal(out[:, ~mask], raw[:, ~mask])
    assert not mask[:10, :12].any()  # the target's nodata corner
    assert (out[:, mask] != 0).all()  # no pasted value reads as nodata
    assert (out[:, mask] != raw[:, mask]).any()


def test_reference_nodata_is_not_pasted_on():
    ref = optical(1)
    ref[:, 60:70, :] = np.nan
    e = ev.make_events(optical(), seed=3, reference=ref)
    assert not ev.event_mask(e.layout, 0.5)[60:70].any()


def test_to_dtype_rounds_clips_and_avoids_nodata():
    np.testing.assert_array_equal(
        ev.to_dtype(np.array([-5.0, 0.2, 254.6, 900.0]), np.uint8), [0, 0, 255, 255]
    )
    np.testing.assert_array_equal(ev.to_dtype(np.array([0.0, 3.0]), np.uint16, nodata=0), [1, 3])
    np.testing.assert_array_equal(ev.to_dtype(np.array([255.0]), np.uint8, nodata=255), [254])
    out = ev.to_dtype(np.array([-1.0, 2.0]), np.float32, nodata=-1.0)
    assert out.dtype == np.float32 and out[0] != -1.0 and out[1] == 2.0


def test_blobs_are_compact(events):
    mask = ev.event_mask(events.layout, 0.3)
    _, n_parts = ndimage.label(mask)
    assert 1 <= n_parts <= len(ev.blobs_used(events.layout, mask))
    for blob in events.layout.blobs:
        _, lam = ev.blob_level(replace(blob, row=300.0, col=300.0), (600, 600))  # away from the edges
        inside = lam <= 1
        assert ndimage.label(inside)[1] == 1
        rows, cols = np.nonzero(inside)
        box = (np.ptp(rows) + 1) * (np.ptp(cols) + 1)
        assert inside.sum() >= 0.5 * np.pi * blob.radius_px**2 * blob.axis_ratio and inside.sum() >= 0.4 * box


def test_modalities_and_their_kinds():
    img = optical()
    assert ev.infer_modality(img) == "optical"
    grey = np.repeat(img[:1], 3, axis=0)
    assert ev.infer_modality(grey) == "intensity" and ev.infer_modality(img[:1]) == "intensity"
    assert ev.infer_modality(-15 + img[:2] / 1000) == "sar-db"
    single = ev.make_events(img, seed=1)
    assert set(single.kinds) <= {"moved", "dark-spectrum", "bright-spectrum"}
    pair = ev.make_events(img, seed=1, reference=optical(1))
    assert "shifted-reference" in pair.kinds
    hetero = ev.make_events(img, seed=1, reference=grey)  # another modality: no shifted reference
    assert "shifted-reference" not in hetero.kinds
    flood = ev.make_events(-15 + img[:2] / 1000, seed=1)
    assert set(flood.kinds) <= {"flood", "moved"}
    sar = ev.make_events(grey / 10, seed=2, value_range=(0, 255))
    assert set(sar.kinds) <= {"darken", "brighten", "moved"}
    raw = np.nan_to_num(grey / 10).astype(np.uint8)
    out, _ = ev.paste(raw, sar, 0.4)
    assert (out == out[:1]).all()  # a replicated grey render stays replicated


def test_an_invisible_kind_gives_way_to_a_visible_one():
    dark = optical()[:1] / 10
    dark[:, :, : COLS // 2] = 0  # a black half (a calm sea): darkening it changes nothing
    e = ev.make_events(dark, seed=5, value_range=(0, 255))
    on_black = [i for i in range(len(e.layout.blobs)) if (e.layout.owner == i).any()]
    on_black = [i for i in on_black if (e.layout.owner[:, COLS // 2 :] != i).all()]
    assert on_black and all(e.kinds[i] != "darken" for i in on_black)
    assert any(e.layout.blobs[i].kind == "darken" for i in on_black)  # drawn, then replaced


def test_one_case_is_written_at_one_share(data_root, tmp_path):
    import bench_breakdown as bb
    import rasterio

    case = next(c for c in bb.benchmark_cases(data_root) if c["id"] == "sar-cd/bern")
    scored, info = bb.prepare(case, data_root, 0.2, tmp_path)
    assert abs(info["share_valid"] - 0.2) < 0.01 and info["blobs"] >= 1
    with rasterio.open(data_root / case["files"]["gt"]) as a, rasterio.open(scored["files"]["gt"]) as b:
        before, after = a.read(1), b.read(1)
    with rasterio.open(data_root / case["files"]["post"]) as a, rasterio.open(scored["files"]["post"]) as b:
        assert (a.profile["dtype"], a.shape, a.nodata) == (b.profile["dtype"], b.shape, b.nodata)
        orig, pasted = a.read(), b.read()
    assert (after[before == 1] == 1).all() and (after[before == 255] == 255).all()
    assert abs((after == 1).mean() - (before == 1).mean() - 0.2) < 0.02  # the real changes are ~1 %
    untouched = after == 0
    np.testing.assert_array_equal(orig[:, untouched], pasted[:, untouched])
    changed = (after == 1) & (before == 0)
    assert (pasted[:, changed] != orig[:, changed]).mean() > 0.5
