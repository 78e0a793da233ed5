"""CLIP prompt methods (clip, gradcam, gscorecam), the model registry and the ONNX tower.

No test touches the network: every model is a micro open_clip model built from a config written
here (open_clip's BPE vocabulary ships inside the package), saved as a plain state dict with a card
beside it; downloads are exercised with ``file://`` URLs; ``HF_HUB_OFFLINE=1`` is set throughout and
the weights cache points into a temporary folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio
import rasters
from clip_micro import micro_card, micro_config, micro_net, save_micro  # noqa: F401

torch = pytest.importorskip("torch")
pytest.importorskip("open_clip")

from backend.clip import maps  # noqa: E402
from backend.clip.model import build_model, load_clip, read_state_dict, split_prompts  # noqa: E402
from backend.clip.registry import (  # noqa: E402
    CLIP_MEAN,
    CLIP_STD,
    registry_cards,
    resolve_checkpoint,
)
from backend.clip.rgb import ChannelHistogram, Stretch, plan_rgb, raw_rgb  # noqa: E402
from backend.clip.windows import plan_windows, window_starts  # noqa: E402
from backend.detectors import InputLayout, create_detector  # noqa: E402
from backend.detectors.base import FitBlock  # noqa: E402
from backend.errors import InputError, MissingFileError, WeightsError  # noqa: E402
from backend.request import ScoreRequest  # noqa: E402
from backend.scoring import score_to_file  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("clip", "gradcam", "gscorecam")


@pytest.fixture(autouse=True)
def offline(tmp_path, monkeypatch):
    """No network, and a weights cache of our own for every test."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("RARESIGHT_CLIP_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    return save_micro(tmp_path_factory.mktemp("weights"))


@pytest.fixture(scope="module")
def s2_raster(tmp_path_factory) -> Path:
    """A 13-band Sentinel-2 L1C-like uint16 raster (96 x 128 px, 10 m, UTM 31N, nodata border)."""
    return rasters.write(
        tmp_path_factory.mktemp("s2") / "s2.tif", rasters.optical(0, bands=13), nodata=rasters.NODATA
    )


@pytest.fixture(scope="module")
def big_raster(tmp_path_factory) -> Path:
    """A 13-band raster several windows wide (260 x 300 px), so that tiles with their halo are
    smaller than the raster; smooth fields, a dark river, noise, a nodata corner."""
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:260, 0:300]
    fields = 1500 + 400 * np.sin(xx / 13.0) * np.cos(yy / 17.0)
    river = np.abs(yy - 130 - 30 * np.sin(xx / 40.0)) < 8
    data = np.stack([fields * (0.7 + 0.05 * b) + rng.normal(0, 40, yy.shape) for b in range(13)])
    data[:, river] = 400
    data = np.clip(data, 1, 60000).astype(np.uint16)
    data[:, :20, :25] = rasters.NODATA
    return rasters.write(tmp_path_factory.mktemp("big") / "big.tif", data, nodata=rasters.NODATA)


# --------------------------------------------------------------------------------------------------
# localisation: a "text" embedding set to the embedding of a planted patch must light that patch up

PATCH_PX = 16
POSITIONS = ((8, 8), (40, 16), (24, 40), (0, 48))  # (row, col) of the planted patch, not symmetric


def pattern() -> torch.Tensor:
    """A distinctive 16 x 16 texture (normalised units): red, no green, a blue checkerboard."""
    yy, xx = torch.meshgrid(torch.arange(PATCH_PX), torch.arange(PATCH_PX), indexing="ij")
    return torch.stack(
        [
            torch.full((PATCH_PX, PATCH_PX), 1.5),
            torch.full((PATCH_PX, PATCH_PX), -1.5),
            ((yy + xx) % 4 < 2).float() * 2 - 1,
        ]
    )


def planted(row: int, col: int) -> torch.Tensor:
    """(1, 3, 64, 64): low-amplitude noise with the pattern planted at (row, col)."""
    img = 0.1 * torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    img[0, :, row : row + PATCH_PX, col : col + PATCH_PX] = pattern()
    return img


def truth_cells(row: int, col: int) -> torch.Tensor:
    m = torch.zeros(8, 8, dtype=torch.bool)
    m[row // 8 : (row + PATCH_PX) // 8, col // 8 : (col + PATCH_PX) // 8] = True
    return m


def auroc(score: torch.Tensor, truth: torch.Tensor) -> float:
    """Probability that a planted cell outscores a background cell (ties count half)."""
    a, b = score[truth][:, None], score[~truth][None, :]
    return float(((a > b).float() + 0.5 * (a == b).float()).mean())


@pytest.fixture(scope="module")
def tower():
    """A one-block micro tower without positional embeddings: translation-equivariant, so the
    localisation tests are about where the content is, not about random positional codes."""
    net = micro_net(layers=1)
    with torch.no_grad():
        net.visual.positional_embedding.zero_()
    return net.visual


def texts(visual):
    """(dense "text", global "text"): the embeddings of an image made only of the pattern."""
    full = pattern().repeat(1, 4, 4)[None]
    with torch.no_grad():
        dense, image = maps.dense_embeddings(visual, full)
    return torch.nn.functional.normalize(dense[0].mean(0), dim=0), image[0]


@pytest.mark.parametrize(
    "method, options, min_auc, peak",
    [
        ("clip", {"attention": "selfself"}, 0.99, True),
        ("clip", {"attention": "value"}, 0.99, True),
        ("gradcam", {"cam": "tokens"}, 0.99, True),
        ("gradcam", {"cam": "attention"}, 0.9, False),
        ("gscorecam", {"topk": 16}, 0.85, False),
    ],
)
def test_planted_patch_lights_up(tower, method, options, min_auc, peak):
    dense_text, image_text = texts(tower)
    text = dense_text if method == "clip" else image_text
    for row, col in POSITIONS:
        m = maps.window_maps(method, tower, planted(row, col), text, None, 100.0, options)[0]
        truth = truth_cells(row, col)
        assert m.shape == (8, 8)
        assert auroc(m, truth) >= min_auc, (row, col, m)
        assert m[truth].mean() > m[~truth].mean() + 0.1 * m.abs().max()
        if peak:
            assert truth.flatten()[m.flatten().argmax()], (row, col)


def test_negative_prompt_makes_a_signed_contrast(tower):
    """With the background as the negative prompt, the patch scores above 0 (log-odds in favour of
    the prompt) and the background mostly below."""
    dense_text, _ = texts(tower)
    with torch.no_grad():
        background = 0.1 * torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(1))
        bg, _ = maps.dense_embeddings(tower, background)
    negative = torch.nn.functional.normalize(bg[0].mean(0, keepdim=True), dim=1)
    m = maps.similarity_maps(tower, planted(40, 16), dense_text, negative, 100.0)[0]
    truth = truth_cells(40, 16)
    assert (m[truth] > 0).all() and m[truth].min() > m[~truth].max()
    assert (m[~truth] < 0).float().mean() >= 0.85


def test_dense_tower_reproduces_open_clip():
    """The hand-written forward (used by every map) equals open_clip's image encoder."""
    net = micro_net(layers=2)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        _, image = maps.dense_embeddings(net.visual, x)
        expected = torch.nn.functional.normalize(net.encode_image(x), dim=-1)
    assert torch.allclose(image, expected, atol=1e-5)


def test_detector_localises_through_windows(tmp_path):
    """End to end through the detector on a raster larger than a window: band mapping, stretch,
    window lattice, upsampling and blending keep the planted patch where it is."""
    net = micro_net(layers=1)
    with torch.no_grad():
        net.visual.positional_embedding.zero_()
    folder = tmp_path / "w"
    folder.mkdir()
    torch.save(net.state_dict(), folder / "m.pt")
    (folder / "m.pt.json").write_text(json.dumps(micro_card(1)), encoding="utf-8")
    rng = np.random.default_rng(3)
    rows, cols, (r0, c0) = 150, 190, (70, 110)
    img = 0.5 + 0.03 * rng.standard_normal((3, rows, cols)).astype(np.float32)
    pat = np.zeros((3, 24, 24), np.float32)
    pat[0], pat[1] = 1.0, 0.0
    pat[2] = (np.add.outer(np.arange(24), np.arange(24)) % 4 < 2).astype(np.float32)
    img[:, r0 : r0 + 24, c0 : c0 + 24] = pat
    det = create_detector("clip", {"prompt": "planted", "checkpoint": str(folder / "m.pt"), "rgb": "first3"})
    det.prepare(InputLayout(target_bands=(3,), device="cpu", grid_shape=(rows, cols)))
    det.partial_fit(FitBlock(img, None, np.ones((rows, cols), bool)))
    whole = np.tile(pat, (1, 3, 3))[:, :64, :64]
    mean, std = (np.asarray(v, np.float32)[:, None, None] for v in (CLIP_MEAN, CLIP_STD))
    stretched = (Stretch.from_sample(img.reshape(3, -1).T, 2.0).apply(whole) - mean) / std
    with torch.no_grad():
        dense, _ = maps.dense_embeddings(net.visual, torch.from_numpy(stretched.astype(np.float32))[None])
    det.text = (torch.nn.functional.normalize(dense[0].mean(0), dim=0), None)
    det.finish_fit()
    score = det.score(img, None)
    assert score.shape == (rows, cols) and np.isfinite(score).all()
    inside = np.zeros((rows, cols), bool)
    inside[r0 : r0 + 24, c0 : c0 + 24] = True
    peak = np.unravel_index(np.argmax(score), score.shape)
    assert inside[peak], peak
    assert score[inside].mean() > np.percentile(score[~inside], 99)


# --------------------------------------------------------------------------------------------------
# engine: tiling, georeferenced outputs, CLI


def run_cli(*args: object, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "backend", *(str(a) for a in args)],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize(
    "method, extra",
    [
        ("clip", {}),
        pytest.param("clip", {"gsd_m": "5"}, marks=pytest.mark.slow),
        ("clip", {"gsd_m": "17"}),
        ("gradcam", {}),
        pytest.param("gscorecam", {"topk": "8"}, marks=pytest.mark.slow),
    ],
)
def test_tiled_equals_untiled(method, extra, big_raster, checkpoint, tmp_path):
    """Also at other ground resolutions: 5 m (windows of 32 px upsampled to the model's 64) and 17 m
    (109 px windows downsampled, wider than a tile)."""
    params = {
        "prompt": "flooded area",
        "negative": "dry fields; river in its bed",
        "checkpoint": str(checkpoint),
        **extra,
    }
    outs = []
    for name, tile, overlap in (("whole", 1024, 0), ("tiled", 48, 8)):
        job = ScoreRequest(
            targets=(str(big_raster),),
            method=method,
            params=params,
            tile_size_px=tile,
            overlap_px=overlap,
            device="cpu",
        )
        score_to_file(job, tmp_path / f"{name}.tif")
        with rasterio.open(tmp_path / f"{name}.tif") as ds:
            outs.append(ds.read(1))
    whole, tiled = outs
    assert np.array_equal(np.isnan(whole), np.isnan(tiled))
    ok = np.isfinite(whole)
    assert ok.mean() > 0.8 and np.ptp(whole[ok]) > 0
    np.testing.assert_allclose(tiled[ok], whole[ok], rtol=1e-4, atol=1e-4 * np.abs(whole[ok]).max())


@pytest.mark.parametrize("method", METHODS)
def test_cli_writes_georeferenced_score(method, s2_raster, checkpoint, tmp_path):
    out = tmp_path / f"{method}.tif"
    extra = ["--param", "topk=8"] if method == "gscorecam" else []
    res = run_cli(
        "score",
        s2_raster,
        "--method",
        method,
        "--prompt",
        "flooded area",
        "--negative",
        "dry fields",
        "--checkpoint",
        checkpoint,
        "-o",
        out,
        *extra,
    )
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    with rasterio.open(s2_raster) as src, rasterio.open(out) as ds:
        assert ds.crs == src.crs and ds.transform == src.transform and ds.shape == src.shape
        score = ds.read(1)
        valid = src.read_masks(1) > 0
    assert ds.dtypes[0] == "float32"
    assert np.isfinite(score[valid]).all() and np.isnan(score[~valid]).all()
    side = json.loads(Path(str(out) + ".json").read_text(encoding="utf-8"))
    assert side["method"] == method and side["fit"]["model"]["name"] == "micro-2"
    assert side["fit"]["rgb"].startswith("Sentinel-2 true colour")
    assert side["fit"]["prompts"] == ["flooded area"] and side["fit"]["negatives"] == ["dry fields"]


def test_sar_raster_is_mapped_to_vv_vh_ratio(checkpoint, tmp_path):
    sar = rasters.write(tmp_path / "s1.tif", rasters.sar(), nodata=float("nan"))
    job = ScoreRequest(
        targets=(str(sar),), method="clip", params={"prompt": "flood", "checkpoint": str(checkpoint)}
    )
    side = score_to_file(job, tmp_path / "s.tif")
    assert (
        side["fit"]["rgb"] == "Sentinel-1 VV, VH, VV/VH (dB)"
        and side["fit"]["stretch"]["sar_linear"] is False
    )
    assert side["fit"]["window_px"] == 64 and side["fit"]["gsd_m"] == pytest.approx(10.0)
    with rasterio.open(tmp_path / "s.tif") as ds:
        score = ds.read(1)
    assert np.isnan(score[: rasters.BORDER_PX]).all() and np.isfinite(score[rasters.BORDER_PX :]).all()


def test_cli_offline_without_weights_is_one_clear_line(s2_raster, tmp_path):
    cache = tmp_path / "empty-cache"
    res = run_cli(
        "score",
        s2_raster,
        "--method",
        "clip",
        "--prompt",
        "flooded area",
        "-o",
        tmp_path / "s.tif",
        env={"HF_HUB_OFFLINE": "1", "RARESIGHT_CLIP_CACHE": str(cache)},
    )
    assert res.returncode != 0 and "Traceback" not in res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("raresight: error:"), res.stderr
    assert "offline" in lines[0]
    assert str(cache / "RemoteCLIP-ViT-B-32.pt") in lines[0]
    assert "https://huggingface.co/chendelong/RemoteCLIP/" in lines[0]
    assert not (tmp_path / "s.tif").exists() and not cache.exists()


def test_cli_export_clip_and_onnx_parity(checkpoint, tmp_path):
    pytest.importorskip("onnxruntime")
    from backend.clip.onnx_export import make_session

    out = tmp_path / "tower.onnx"
    res = run_cli("export-clip", "--checkpoint", checkpoint, "-o", out)
    assert res.returncode == 0, res.stderr
    clip = load_clip(str(checkpoint))
    x = torch.randn(3, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        dense, image = maps.dense_embeddings(clip.net.visual, x)
    got_dense, got_image = make_session(str(out))(x.numpy())
    np.testing.assert_allclose(got_dense, dense.numpy(), atol=1e-4)
    np.testing.assert_allclose(got_image, image.numpy(), atol=1e-4)
    import onnx

    meta = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert json.loads(meta["raresight_clip_card"])["name"] == "micro-2" and meta["raresight_input_px"] == "64"


def test_onnx_runtime_scores_like_torch(s2_raster, checkpoint, tmp_path):
    pytest.importorskip("onnxruntime")
    outs = []
    for runtime in ("torch", "onnx"):
        params = {"prompt": "water", "negative": "land", "checkpoint": str(checkpoint), "runtime": runtime}
        job = ScoreRequest(targets=(str(s2_raster),), method="clip", params=params, device="cpu")
        side = score_to_file(job, tmp_path / f"{runtime}.tif")
        with rasterio.open(tmp_path / f"{runtime}.tif") as ds:
            outs.append(ds.read(1))
    ok = np.isfinite(outs[0])
    np.testing.assert_allclose(outs[1][ok], outs[0][ok], atol=1e-3 * np.abs(outs[0][ok]).max())
    assert side["parameters"]["runtime"] == "onnx"


def test_prompt_is_required(s2_raster, checkpoint):
    det = create_detector("gradcam", {"checkpoint": str(checkpoint)})
    with pytest.raises(InputError, match="prompt"):
        det.prepare(InputLayout(target_bands=(13,), device="cpu"))
    assert split_prompts("flood; flooded field | water ;") == ["flood", "flooded field", "water"]


# --------------------------------------------------------------------------------------------------
# registry: cards, cache, downloads that fail closed, safe loading


def test_registry_cards():
    cards = registry_cards()
    assert {"remoteclip-vit-b-32", "georsclip-vit-b-32", "openai-vit-b-32"} <= set(cards)
    with_sha = [c for c in cards.values() if c.sha256]
    assert len(with_sha) >= 2
    for card in cards.values():
        assert card.url.startswith("https://huggingface.co/") and card.licence and card.citation
        assert card.input_size_px == 224 and len(card.mean) == len(card.std) == 3
        build_model(card)  # the named architecture exists in open_clip and is a plain ViT CLIP


def test_tokenizer_vocabulary_ships_with_open_clip():
    import open_clip
    from open_clip.tokenizer import default_bpe

    assert Path(default_bpe()).is_file()
    assert Path(default_bpe()).resolve().is_relative_to(Path(open_clip.__file__).resolve().parent)
    clip_net = micro_net()
    from backend.clip.model import make_tokenizer

    tokens = make_tokenizer(clip_net)(["flooded area"])
    assert tokens.shape == (1, 77) and int(tokens[0, 0]) == 49406


def fake_card_dir(tmp_path: Path, payload: bytes, sha: str | None, name: str = "fake") -> Path:
    src = tmp_path / "published" / "fake.pt"
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_bytes(payload)
    cards = tmp_path / "cards"
    cards.mkdir(exist_ok=True)
    card = micro_card(2, name=name, url=src.as_uri(), filename="fake.pt", sha256=sha)
    (cards / f"{name}.json").write_text(json.dumps(card), encoding="utf-8")
    return cards


def test_download_verifies_and_caches(tmp_path, checkpoint):
    payload = checkpoint.read_bytes()
    cards = fake_card_dir(tmp_path, payload, hashlib.sha256(payload).hexdigest())
    seen = []
    resolved = resolve_checkpoint("fake", progress=lambda f, s: seen.append(f), cards_dir=cards)
    assert resolved.verified and resolved.path == tmp_path / "cache" / "fake.pt"
    assert resolved.path.read_bytes() == payload and seen and seen[-1] == pytest.approx(1.0)
    again = resolve_checkpoint("fake", cards_dir=cards)  # from the cache, checked by its stamp
    assert again.path == resolved.path
    assert read_state_dict(again.path).keys() == torch.load(checkpoint, weights_only=True).keys()


def test_wrong_checksum_fails_closed(tmp_path, checkpoint):
    cards = fake_card_dir(tmp_path, checkpoint.read_bytes(), "0" * 64)
    with pytest.raises(WeightsError, match="checksum") as err:
        resolve_checkpoint("fake", cards_dir=cards)
    assert "\n" not in str(err.value)
    cache = tmp_path / "cache"
    assert not cache.exists() or list(cache.iterdir()) == []  # no partial or final file left


def test_cached_file_with_wrong_checksum_is_refused(tmp_path, checkpoint):
    cards = fake_card_dir(
        tmp_path, b"the published bytes", hashlib.sha256(b"the published bytes").hexdigest()
    )
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "fake.pt").write_bytes(b"something else")
    with pytest.raises(WeightsError, match="does not match"):
        resolve_checkpoint("fake", cards_dir=cards)


def test_card_without_checksum_is_never_downloaded(tmp_path, checkpoint):
    cards = fake_card_dir(tmp_path, checkpoint.read_bytes(), None)
    with pytest.raises(WeightsError, match="no published checksum") as err:
        resolve_checkpoint("fake", cards_dir=cards)
    assert str(tmp_path / "cache" / "fake.pt") in str(err.value)
    assert not (tmp_path / "cache").exists()
    (tmp_path / "cache").mkdir()  # a file the user placed is used, marked unverified
    (tmp_path / "cache" / "fake.pt").write_bytes(checkpoint.read_bytes())
    assert not resolve_checkpoint("fake", cards_dir=cards).verified


def test_offline_message_names_file_and_place(tmp_path):
    with pytest.raises(WeightsError) as err:
        resolve_checkpoint("remoteclip-vit-b-32")
    msg = str(err.value)
    assert "offline" in msg and str(tmp_path / "cache" / "RemoteCLIP-ViT-B-32.pt") in msg
    assert "RemoteCLIP-ViT-B-32.pt" in msg.split("download ")[1]


def test_local_file_found_by_checksum_or_arch(tmp_path, checkpoint):
    bare = save_micro(tmp_path / "bare", card=False)
    with pytest.raises(WeightsError, match="arch"):
        resolve_checkpoint(str(bare))
    digest = hashlib.sha256(bare.read_bytes()).hexdigest()
    cards = fake_card_dir(tmp_path, b"unused", digest, name="known")
    assert resolve_checkpoint(str(bare), cards_dir=cards).card.name == "known"
    assert resolve_checkpoint(str(bare), arch="ViT-B-32").card.architecture == "ViT-B-32"
    with pytest.raises(MissingFileError):
        resolve_checkpoint(str(tmp_path / "nope.pt"))


class _Payload:
    """Pickled with a reduce that would create a file if it were ever unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_pickled_code_is_never_run(tmp_path, checkpoint):
    marker = tmp_path / "pwned"
    bad = tmp_path / "bad.pt"
    state = torch.load(checkpoint, weights_only=True)
    torch.save({"state_dict": state, "extra": _Payload(marker)}, bad)
    (tmp_path / "bad.pt.json").write_text(json.dumps(micro_card(2)), encoding="utf-8")
    with pytest.raises(WeightsError, match="never runs pickled code"):
        load_clip(str(bad))
    assert not marker.exists()


def test_weights_of_another_architecture_are_refused(tmp_path, checkpoint):
    other = save_micro(tmp_path / "other", layers=1, card=False)
    (tmp_path / "other" / "micro.pt.json").write_text(json.dumps(micro_card(2)), encoding="utf-8")
    with pytest.raises(WeightsError, match="does not fit"):
        load_clip(str(other))


# --------------------------------------------------------------------------------------------------
# band-to-RGB mapping and windows


def test_rgb_plans_by_sensor():
    assert plan_rgb((13,)).bands == (3, 2, 1)  # L1C true colour: B4 B3 B2
    assert plan_rgb((12,), "false").bands == (7, 3, 2)  # L2A false colour: B8 B4 B3
    assert plan_rgb((13, 2), "false").bands == (7, 3, 2)
    sar = plan_rgb((13, 2), "sar")
    assert sar.sar and sar.bands == (13, 14, 13)
    assert plan_rgb((2,)).sar and plan_rgb((2,)).bands == (0, 1, 0)
    assert plan_rgb((4,)).bands == (0, 1, 2)
    assert plan_rgb((1,)).bands == (0, 0, 0)
    assert plan_rgb((4,), "4,3,2").bands == (3, 2, 1)
    assert plan_rgb((4,), sensor="s2l1c", rgb="first3").bands == (0, 1, 2)
    with pytest.raises(InputError, match="Sentinel-2"):
        plan_rgb((4,), "true")
    with pytest.raises(InputError, match="band numbers"):
        plan_rgb((4,), "5,3,2")
    with pytest.raises(InputError, match="sensor"):
        plan_rgb((4,), sensor="landsat")


def test_sar_channels_and_stretch():
    vv_db, vh_db = -8.0, -15.0
    linear = np.array([[[10 ** (vv_db / 10)]], [[10 ** (vh_db / 10)]]], np.float32)
    plan = plan_rgb((2,))
    rgb = raw_rgb(linear, plan, sar_linear=True)[:, 0, 0]
    np.testing.assert_allclose(rgb, [vv_db, vh_db, vv_db - vh_db], atol=1e-4)
    sample = np.stack([np.arange(101.0)] * 3, axis=1)
    stretch = Stretch.from_sample(sample, 2.0)
    assert stretch.low[0] == pytest.approx(2.0, rel=5e-3) and stretch.high[0] == pytest.approx(98.0, rel=5e-3)
    out = stretch.apply(np.array([[[0.0, 50.0, np.nan]]] * 3, np.float32))
    np.testing.assert_allclose(out[0, 0, :2], [0.0, 0.5], atol=5e-3)
    assert np.isnan(out[0, 0, 2])


def test_histogram_percentiles_are_additive_and_close():
    rng = np.random.default_rng(0)
    values = np.stack([rng.normal(-12, 4, 50_000), rng.lognormal(7, 1, 50_000), rng.uniform(0, 1, 50_000)])
    whole, halves = ChannelHistogram(), ChannelHistogram()
    whole.add(values)
    halves.add(values[:, :17_000])
    halves.add(values[:, 17_000:])
    assert np.array_equal(whole.counts, halves.counts)
    for q in (2.0, 50.0, 98.0):
        expected = np.percentile(values, q, axis=1)
        np.testing.assert_allclose(whole.percentile(q), expected, rtol=6e-3, atol=1e-3)


def test_linear_sar_is_read_in_db(checkpoint, tmp_path):
    db = rasters.sar()
    linear = rasters.write(tmp_path / "lin.tif", (10 ** (db / 10)).astype(np.float32), nodata=float("nan"))
    dbfile = rasters.write(tmp_path / "db.tif", db, nodata=float("nan"))
    sides = []
    for path in (linear, dbfile):
        job = ScoreRequest(
            targets=(str(path),), method="clip", params={"prompt": "flood", "checkpoint": str(checkpoint)}
        )
        sides.append(score_to_file(job, tmp_path / f"{path.stem}_score.tif")["fit"]["stretch"])
    assert sides[0]["sar_linear"] is True and sides[1]["sar_linear"] is False
    np.testing.assert_allclose(sides[0]["low"], sides[1]["low"], rtol=1e-2, atol=0.05)
    np.testing.assert_allclose(sides[0]["high"], sides[1]["high"], rtol=1e-2, atol=0.05)


def test_window_lattice_and_ground_resolution():
    assert plan_windows(224, 0.0, 10.0, 0.5).window_px == 224
    plan = plan_windows(224, 5.0, 10.0, 0.5)  # 224 px at 5 m = 1120 m = 112 raster px at 10 m
    assert (plan.window_px, plan.stride_px) == (112, 56)
    with pytest.raises(InputError, match="georeferenced"):
        plan_windows(224, 5.0, None, 0.5)
    # a block [100, 300) of a 1000-px axis: complete windows of 64 px at stride 32 start at 128..236
    assert window_starts(100, 200, 1000, 64, 32) == [128, 160, 192, 224]
    # at the raster's end a window may stick out of the raster, not out of the block
    assert window_starts(900, 100, 1000, 64, 32)[-1] == 992


def test_pixel_size_of_geographic_grid():
    from rasterio.crs import CRS
    from rasterio.transform import from_origin

    from backend.raster import Grid, pixel_size_m

    grid = Grid(CRS.from_epsg(4326), from_origin(10.0, 60.5, 1e-4, 1e-4), 10, 10)
    assert pixel_size_m(grid) == pytest.approx(np.sqrt(11.132 * np.cos(np.radians(60.5)) * 11.0574), rel=1e-3)
    assert pixel_size_m(Grid(None, from_origin(0, 0, 1, 1), 3, 3)) is None
