"""Tiles scored by several threads: same order, same scores, bounded memory, clean cancel."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import rasterio
import torch

from backend import parallel
from backend.content_cache import ContentCache
from backend.errors import CancelledError
from backend.generative.nets import Denoiser, NetSpec
from backend.progress import CancelToken
from backend.request import ScoreRequest
from backend.scoring import score_to_file

MICRO = {"steps": "20", "hidden": "16", "depth": "2", "components": "4", "batch": "4", "patch": "24"}


def test_ordered_keeps_order_and_scores_the_first_item_alone():
    started: list[int] = []
    lock = threading.Lock()

    def work(x: int) -> int:
        with lock:
            started.append(x)
        time.sleep(0.002 * ((7 * x) % 5))  # out-of-order finishes
        return x * x

    out = list(parallel.ordered(range(20), lambda i: i, work, threads=3))
    assert out == [(i, i * i) for i in range(20)]
    assert started[0] == 0 and sorted(started) == list(range(20))


def test_ordered_keeps_few_items_in_flight():
    read: list[int] = []
    gen = parallel.ordered(range(100), lambda i: read.append(i) or i, lambda d: d, threads=2)
    next(gen), next(gen)  # the first (alone), then one from the pool
    assert len(read) <= 2 + 2 + 1  # threads + 1 read ahead of what was handed out
    gen.close()


def test_ordered_stops_on_cancel_and_passes_errors_on():
    token = CancelToken()

    def read(i: int) -> int:
        if i == 5:
            token.cancel()
        return i

    with pytest.raises(CancelledError):
        list(parallel.ordered(range(50), read, lambda d: d, threads=2, cancel=token))

    def fails(d: int) -> int:
        if d == 3:
            raise ValueError("tile 3")
        return d

    with pytest.raises(ValueError, match="tile 3"):
        list(parallel.ordered(range(10), lambda i: i, fails, threads=2))


def test_threads_follow_the_detector_and_the_cap(monkeypatch):
    monkeypatch.delenv(parallel.THREADS_ENV, raising=False)
    assert parallel.scoring_threads(False) == 1
    assert parallel.scoring_threads(True) == parallel.available_cores()
    monkeypatch.setenv(parallel.THREADS_ENV, "1")
    assert parallel.scoring_threads(True) == 1
    monkeypatch.setenv(parallel.THREADS_ENV, "not a number")
    assert parallel.scoring_threads(True) == parallel.available_cores()


def test_torch_threads_are_narrowed_and_restored(monkeypatch):
    monkeypatch.setattr(parallel, "available_cores", lambda: 4)
    before = torch.get_num_threads()
    with parallel.library_threads(2):
        assert torch.get_num_threads() == 2
    assert torch.get_num_threads() == before


def test_blas_threads_are_narrowed_and_restored(monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    if not blas:
        pytest.skip("numpy's BLAS exposes no thread control here")
    before = [i["num_threads"] for i in blas]
    monkeypatch.setattr(parallel, "available_cores", lambda: 2)
    with parallel.library_threads(2):
        inside = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        assert inside == [1] * len(blas)
    after = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    assert after == before


def test_content_cache_is_shared_safely_by_threads():
    cache = ContentCache(max_items=8)
    inputs = [np.full(4, i, np.float32) for i in range(12)]

    def ask(i: int) -> list[np.ndarray]:
        chosen = [inputs[(i + k) % 12] for k in range(3)]
        return cache.get(chosen, lambda missing: [chosen[j] * 2 for j in missing])

    with ThreadPoolExecutor(4) as ex:
        results = list(ex.map(ask, range(200)))
    for i, got in enumerate(results):
        for k, arr in enumerate(got):
            np.testing.assert_array_equal(arr, inputs[(i + k) % 12] * 2)
    assert len(cache) <= 8


def test_chunked_pixel_layers_equal_one_product(monkeypatch):
    """The network's chunks of pixels give what one product over the tile gives, and what the 1 x 1
    convolutions of its weights give."""
    from backend.generative import nets

    torch.manual_seed(0)
    net = Denoiser(NetSpec(channels=5, cond_channels=3, hidden=8, depth=2)).eval()
    torch.nn.init.normal_(net.out.weight, std=0.3)
    x, cond, t = torch.randn(1, 5, 37, 41), torch.randn(1, 3, 37, 41), torch.full((1,), 0.4)
    with torch.no_grad():
        whole = net(x, t, cond)
        monkeypatch.setattr(nets, "CHUNK_PX", 100)
        chunked = net(x, t, None, None, net.condition(cond))
        h = net.inp(x) + net.cond(cond)
        temb = net.time(nets.time_features(t))
        for b in net.blocks:
            u = b.fc1(torch.nn.functional.silu(h)) + b.shift(temb)[:, :, None, None]
            h = h + b.fc2(torch.nn.functional.silu(u))
        linear, scale = nets.processes.gaussian_prediction("ddpm", x, t)
        conv = linear + scale * net.out(torch.nn.functional.silu(h))
    torch.testing.assert_close(chunked, whole, rtol=0, atol=1e-6)
    torch.testing.assert_close(whole, conv, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "method,params,pair",
    [("rx", {}, False), ("cva", {}, True), ("diffusion", MICRO, True), ("diffusion", MICRO, False)],
)
def test_scores_are_the_same_with_one_thread_or_several(scene, tmp_path, monkeypatch, method, params, pair):
    monkeypatch.setattr(parallel, "available_cores", lambda: 3)
    refs = (str(scene["pre"]),) if pair else ()
    out = {}
    for threads in ("1", "3"):
        monkeypatch.setenv(parallel.THREADS_ENV, threads)
        request = ScoreRequest(
            (str(scene["post"]),), refs, method, dict(params), tile_size_px=64, overlap_px=8
        )
        path = tmp_path / f"{threads}.tif"
        side = score_to_file(request, path)
        with rasterio.open(path) as ds:
            out[threads] = (ds.read(1), side["calibration"]["thresholds"])
    np.testing.assert_array_equal(out["1"][0], out["3"][0])
    assert out["1"][1] == out["3"][1]
