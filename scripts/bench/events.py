"""Synthetic events pasted into a target raster, for the breakdown benchmark (scripts/bench_breakdown.py).

Arrays are ``(bands, rows, cols)`` float with NaN = no data; masks are ``(rows, cols)`` bool. The
module needs numpy only: the benchmark reads and writes the rasters.

**Geometry.** The events of a case are one ordered list of compact blobs, drawn once from a seed
(the CRC-32 of the case id), whatever the share. Blob i is an ellipse of radius ``R_i`` (drawn
log-uniformly in ``RADIUS_RANGE`` x sqrt(rows x cols), axis ratio in [0.5, 1], any orientation)
with an irregular outline: a pixel at elliptical radius rho and angle theta from the centre lies
inside the blob at level lam when

    rho / R_i <= lam * (1 + sum_{k=2..8} a_k cos(k theta + phi_k)),   a_k ~ U(0, 0.35 / k),

a star-shaped (so connected) outline; lam = 1 is the whole blob, a smaller lam shrinks it inside
itself. Centres are drawn on the valid pixels (valid in the target, and in the reference when
given), and blobs are drawn until the whole blobs cover ``MAX_SHARE`` of them: from a handful of blobs at 5 % to a few dozen at 50 %.
A pixel belongs to the first blob that covers it; blobs are pasted on valid pixels only.

**Share.** The events at share s are the first k blobs whole and blob k + 1 shrunk so that together
they cover round(s x N) of the N valid pixels: exactly s, and the events of a smaller share lie
inside those of a larger one (the share of the labelled pixels is about s: Nanjing labels a sparse
2 % of its pixels). The ground truth becomes 1 where the events cover a pixel labelled 0; pixels
the label ignores stay ignored.

**Content.** Each blob is filled with one kind, drawn with its own seed (weights in ``KINDS``) among
those plausible for the target's modality (:func:`infer_modality`), the same at every share:

- optical (several distinct bands): ``shifted-reference``, the reference date's pixels there with a
  per-band gain in [0.6, 1.6] (mean |log gain| >= 0.15) and offset within +-0.1 x the band's median
  (only when the reference has the target's modality and bands); ``moved``, the target's pixels
  displaced from elsewhere in the scene (at least two radii away, mirrored at the edges; the most
  visible of ``MOVE_CANDIDATES`` places); ``dark-spectrum`` / ``bright-spectrum``, the mean spectrum
  of the scene's darkest / brightest 3 % (brightness: sum of the bands over their medians: water or
  shade, bare soil or concrete) times the underlying pixels' texture at half contrast
  (1 + (x / blob mean - 1) / 2), no band order needed;
- intensity (one band, or bands all equal: a SAR amplitude or a grey render): ``darken`` (x times
  0.1-0.3, open water, the speckle of the pixel kept), ``brighten`` (x times 2-4, new structures),
  ``moved``;
- sar-db (float, backscatter in dB, VV first): ``flood`` (VV minus 8-12 dB, the other bands 75-90 %
  of that drop, plus N(0, 1 dB) noise), ``moved``.

An event must be a change one can see: when the drawn kind changes the blob's ``BOX_PX`` local means
by less than ``VISIBLE`` times the scene's spread of local means (:func:`visibility`: median over
the blob of the largest per-band change; e.g. darkening a black sea, or moving a field onto a
field), the blob takes the first visible kind of the others in a seeded order (else the most
visible one).

Values are written back in the target's dtype by :func:`to_dtype` (rounded, clipped to its range,
never equal to its nodata value).
"""

from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import dataclass

import numpy as np

#: Bumped whenever the events change: cached inputs and result rows of another version are stale.
GENERATOR_VERSION = 1
#: The shares of the benchmark (fraction of the valid pixels covered by pasted events).
SHARES = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5)
#: Blobs are drawn until they can cover this share (the same for every share: events nest).
MAX_SHARE = 0.5
#: Blob radius range, as a fraction of sqrt(rows x cols).
RADIUS_RANGE = (0.05, 0.16)
#: Content kinds and their weights, per modality.
KINDS = {
    "optical": {"shifted-reference": 1.0, "moved": 1.0, "dark-spectrum": 1.0, "bright-spectrum": 1.0},
    "intensity": {"darken": 1.0, "brighten": 1.0, "moved": 1.0},
    "sar-db": {"flood": 3.0, "moved": 1.0},
}
#: A blob must change its pixels by this much (:func:`visibility`) or take another kind.
VISIBLE = 1.5
#: Side of the windows whose local means :func:`visibility` compares.
BOX_PX = 5
#: Candidate source places of a moved patch (the most visible is kept).
MOVE_CANDIDATES = 8
_HARMONICS = range(2, 9)
_MAX_BLOBS = 500


def case_seed(case_id: str) -> int:
    """The seed of a case: CRC-32 of its id (stable across runs and Python versions)."""
    return zlib.crc32(case_id.encode("utf-8"))


def valid_pixels(image: np.ndarray) -> np.ndarray:
    """``(rows, cols)`` bool: every band finite."""
    return np.all(np.isfinite(image), axis=0)


def infer_modality(image: np.ndarray) -> str:
    """``sar-db`` (float values mostly negative: backscatter in dB), ``intensity`` (one band, or all
    bands equal on the valid pixels) or ``optical``."""
    px = image[:, valid_pixels(image)]
    if px.size and np.median(px) < 0:
        return "sar-db"
    if image.shape[0] == 1 or np.all(px == px[:1]):
        return "intensity"
    return "optical"


@dataclass(frozen=True)
class Blob:
    """One event: centre (pixels), radius (pixels), ellipse shape, outline harmonics
    ``(a_k, phi_k)`` for k = 2.., the content ``kind`` drawn (:func:`fill_blob` may replace it) and
    the seed of its content draws."""

    row: float
    col: float
    radius_px: float
    axis_ratio: float
    angle_rad: float
    harmonics: tuple[tuple[float, float], ...]
    kind: str
    seed: int


@dataclass(frozen=True)
class Layout:
    """The blobs of a case and, per pixel, ``owner`` (int32, index of the first blob covering it,
    -1 = none or invalid), ``level`` (float64, lam of that blob there, inf where none) and ``valid``
    (bool, the pixels events may cover, whose fraction a share is)."""

    blobs: tuple[Blob, ...]
    owner: np.ndarray
    level: np.ndarray
    valid: np.ndarray


def draw_blob(rng: np.random.Generator, valid: np.ndarray, kinds: dict[str, float]) -> Blob:
    """One blob centred on a random valid pixel."""
    rows, cols = valid.shape
    flat = np.flatnonzero(valid)
    r, c = np.unravel_index(flat[rng.integers(flat.size)], valid.shape)
    lo, hi = np.log(RADIUS_RANGE[0]), np.log(RADIUS_RANGE[1])
    radius = float(np.exp(rng.uniform(lo, hi)) * np.sqrt(rows * cols))
    harmonics = tuple((float(rng.uniform(0, 0.35 / k)), float(rng.uniform(0, 2 * np.pi))) for k in _HARMONICS)
    names = list(kinds)
    p = np.array([kinds[n] for n in names], dtype=float)
    kind = names[int(rng.choice(len(names), p=p / p.sum()))]
    return Blob(
        float(r), float(c), radius, float(rng.uniform(0.5, 1.0)), float(rng.uniform(0, np.pi)),
        harmonics, kind, int(rng.integers(2**31)),
    )  # fmt: skip


def blob_level(blob: Blob, shape: tuple[int, int]) -> tuple[tuple[slice, slice], np.ndarray]:
    """The window of ``shape`` that holds the whole blob and lam at each of its pixels (<= 1 inside)."""
    reach = blob.radius_px * (1 + sum(a for a, _ in blob.harmonics)) + 1
    r0, r1 = max(0, int(blob.row - reach)), min(shape[0], int(blob.row + reach) + 1)
    c0, c1 = max(0, int(blob.col - reach)), min(shape[1], int(blob.col + reach) + 1)
    dy = np.arange(r0, r1)[:, None] - blob.row
    dx = np.arange(c0, c1)[None, :] - blob.col
    u = dx * np.cos(blob.angle_rad) + dy * np.sin(blob.angle_rad)
    v = (-dx * np.sin(blob.angle_rad) + dy * np.cos(blob.angle_rad)) / blob.axis_ratio
    theta = np.arctan2(v, u)
    outline = 1 + sum(a * np.cos(k * theta + phi) for k, (a, phi) in zip(_HARMONICS, blob.harmonics))
    return (slice(r0, r1), slice(c0, c1)), np.hypot(u, v) / blob.radius_px / outline


def draw_layout(valid: np.ndarray, kinds: dict[str, float], seed: int) -> Layout:
    """Blobs drawn from ``seed`` until they cover ``MAX_SHARE`` of the ``valid`` pixels; each valid
    pixel is owned by the first blob covering it."""
    n = int(valid.sum())
    if n == 0:
        raise ValueError("no valid pixel: nothing to paste events on")
    rng = np.random.default_rng(seed)
    owner = np.full(valid.shape, -1, dtype=np.int32)
    level = np.full(valid.shape, np.inf)
    blobs: list[Blob] = []
    covered = 0
    while covered < round(MAX_SHARE * n):
        if len(blobs) == _MAX_BLOBS:
            raise ValueError(f"{_MAX_BLOBS} blobs cover only {covered / n:.1%} of the valid pixels")
        blob = draw_blob(rng, valid, kinds)
        win, lam = blob_level(blob, valid.shape)
        new = (lam <= 1) & valid[win] & (owner[win] < 0)
        owner[win][new] = len(blobs)
        level[win][new] = lam[new]
        covered += int(np.count_nonzero(new))
        blobs.append(blob)
    return Layout(tuple(blobs), owner, level, valid)


def event_mask(layout: Layout, share: float) -> np.ndarray:
    """``(rows, cols)`` bool: the pixels pasted at ``share`` (0 <= share <= MAX_SHARE); exactly
    round(share x N) of the N valid pixels, nested in the mask of any larger share."""
    n = int(layout.valid.sum())
    target = round(share * n)
    if target == 0:
        return np.zeros(layout.owner.shape, dtype=bool)
    own = layout.owner[layout.valid]
    cum = np.cumsum(np.bincount(own[own >= 0], minlength=len(layout.blobs)))
    k = int(np.searchsorted(cum, target))
    if k >= len(layout.blobs):
        raise ValueError(f"share {share} above the layout's {cum[-1] / n:.3f}")
    need = target - (int(cum[k - 1]) if k else 0)
    lam = np.sort(layout.level[layout.owner == k])[need - 1]
    partial = (layout.owner == k) & (layout.level <= lam)
    return ((layout.owner >= 0) & (layout.owner < k)) | partial


def blobs_used(layout: Layout, mask: np.ndarray) -> list[Blob]:
    """The blobs that own at least one pixel of ``mask``."""
    ids = np.unique(layout.owner[mask])
    return [layout.blobs[i] for i in ids if i >= 0]


def box_mean(a: np.ndarray, size_px: int = BOX_PX) -> np.ndarray:
    """Mean over ``size_px`` x ``size_px`` windows (edges replicated) of ``(bands, rows, cols)``."""
    h = size_px // 2
    padded = np.pad(a, ((0, 0), (h, h), (h, h)), mode="edge")
    c = np.zeros((a.shape[0], padded.shape[1] + 1, padded.shape[2] + 1))
    c[:, 1:, 1:] = padded.cumsum(1).cumsum(2)
    s = size_px
    return (c[:, s:, s:] - c[:, :-s, s:] - c[:, s:, :-s] + c[:, :-s, :-s]) / s**2


@dataclass(frozen=True)
class Scene:
    """What the content of a blob is made from: the target ``image`` and ``reference`` (or None),
    the pixels events may cover (``valid``), per-band median, ``base`` (the image, no data filled
    with the median), its ``BOX_PX`` local means ``smooth`` and their robust spread ``scale``
    (1.4826 x MAD: how much two places of the scene typically differ), the mean spectra of the
    darkest and brightest 3 % of the valid pixels, and the range of the target's dtype."""

    image: np.ndarray
    reference: np.ndarray | None
    valid: np.ndarray
    median: np.ndarray
    base: np.ndarray
    smooth: np.ndarray
    scale: np.ndarray
    dark: np.ndarray
    bright: np.ndarray
    value_range: tuple[float, float]

    @classmethod
    def of(cls, image, reference, valid, value_range=(-np.inf, np.inf)) -> Scene:
        ok = valid_pixels(image)
        px = image[:, ok].astype(np.float64)
        median = np.median(px, axis=1)
        base = np.where(ok, image, median[:, None, None]).astype(np.float64)
        smooth = box_mean(base)
        local = smooth[:, ok]
        mad = 1.4826 * np.median(np.abs(local - np.median(local, axis=1)[:, None]), axis=1)
        scale = np.where(mad > 0, mad, np.maximum(local.std(axis=1), 1e-12))
        brightness = (px / np.where(median == 0, 1, median)[:, None]).sum(axis=0)
        lo, hi = np.percentile(brightness, [3, 97])
        dark, bright = px[:, brightness <= lo].mean(axis=1), px[:, brightness >= hi].mean(axis=1)
        return cls(image, reference, valid, median, base, smooth, scale, dark, bright, value_range)


def visibility(scene: Scene, rows: np.ndarray, cols: np.ndarray, new: np.ndarray) -> float:
    """How visible ``new`` values ``(bands, n)`` at ``(rows, cols)`` are: the median over those pixels
    of the largest per-band change of the ``BOX_PX`` local mean, in units of ``scene.scale``."""
    h = BOX_PX // 2
    r0, c0 = max(0, rows.min() - h), max(0, cols.min() - h)
    r1, c1 = rows.max() + h + 1, cols.max() + h + 1
    window = scene.base[:, r0:r1, c0:c1].copy()
    window[:, rows - r0, cols - c0] = new
    local = box_mean(window)[:, rows - r0, cols - c0]
    return float(
        np.median(np.max(np.abs(local - scene.smooth[:, rows, cols]) / scene.scale[:, None], axis=0))
    )


def _mirror(index: np.ndarray, size: int) -> np.ndarray:
    period = 2 * size
    i = np.mod(index, period)
    return np.where(i < size, i, period - 1 - i)


def _moved(scene: Scene, rows, cols, blob: Blob, rng) -> np.ndarray:
    """The most visible of ``MOVE_CANDIDATES`` patches displaced by at least two radii."""
    flat = np.flatnonzero(scene.valid)
    image, x = scene.image, scene.image[:, rows, cols]
    best, best_vis = x, -np.inf
    for _ in range(MOVE_CANDIDATES):
        for _ in range(100):
            sr, sc = np.unravel_index(flat[rng.integers(flat.size)], scene.valid.shape)
            if np.hypot(sr - blob.row, sc - blob.col) >= 2 * blob.radius_px:
                break
        src_r = _mirror(rows - int(round(blob.row)) + sr, image.shape[1])
        src_c = _mirror(cols - int(round(blob.col)) + sc, image.shape[2])
        out = image[:, src_r, src_c].astype(np.float64)
        fill = np.nanmean(out, axis=1) if np.isfinite(out).any() else scene.median
        out = np.where(np.isfinite(out), out, fill[:, None])
        vis = visibility(scene, rows, cols, out)
        if vis > best_vis:
            best, best_vis = out, vis
    return best


def _spectrum(x, spectrum):
    mean = x.mean(axis=1, keepdims=True)
    texture = x / np.where(mean == 0, 1, mean)
    return spectrum[:, None] * (1 + 0.5 * (texture - 1))


def _shifted_reference(x, ref, median, rng):
    while True:
        log_gain = rng.uniform(np.log(0.6), np.log(1.6), size=x.shape[0])
        if np.mean(np.abs(log_gain)) >= 0.15:
            break
    offset = rng.uniform(-0.1, 0.1, size=x.shape[0]) * median
    base = np.where(np.isfinite(ref), ref, x)
    return base * np.exp(log_gain)[:, None] + offset[:, None]


def _flood(x, rng):
    drop = rng.uniform(8, 12)
    ratios = np.r_[1.0, rng.uniform(0.75, 0.9, size=x.shape[0] - 1)]
    return x - drop * ratios[:, None] + rng.normal(0, 1, size=x.shape)


def content(kind: str, scene: Scene, blob: Blob, rows, cols, rng) -> np.ndarray:
    """The values of ``kind`` at the pixels ``(rows, cols)`` of ``blob``: ``(bands, n)`` float64."""
    x = scene.image[:, rows, cols].astype(np.float64)
    if kind == "moved":
        return _moved(scene, rows, cols, blob, rng)
    if kind == "shifted-reference":
        return _shifted_reference(x, scene.reference[:, rows, cols].astype(np.float64), scene.median, rng)
    if kind in ("dark-spectrum", "bright-spectrum"):
        return _spectrum(x, scene.dark if kind == "dark-spectrum" else scene.bright)
    if kind == "darken":
        return x * rng.uniform(0.1, 0.3)
    if kind == "brighten":
        return np.maximum(x, 1) * rng.uniform(2, 4)
    if kind == "flood":
        return _flood(x, rng)
    raise ValueError(f"unknown event kind {kind!r}")


def fill_blob(scene: Scene, blob: Blob, rows, cols, kinds) -> tuple[str, np.ndarray]:
    """``(kind, values)`` of a blob: its drawn kind, or when that changes the pixels too little
    (:func:`visibility` below ``VISIBLE``, clipped to the dtype's range) the first visible one of
    the other ``kinds`` in a seeded order (else the most visible)."""
    x = scene.image[:, rows, cols].astype(np.float64)
    others = [str(k) for k in np.random.default_rng(blob.seed).permutation(sorted(kinds)) if k != blob.kind]
    best = (-np.inf, blob.kind, x)
    for kind in [blob.kind, *others]:
        rng = np.random.default_rng([blob.seed, zlib.crc32(kind.encode())])
        out = np.clip(content(kind, scene, blob, rows, cols, rng), *scene.value_range)
        vis = visibility(scene, rows, cols, out)
        if vis >= VISIBLE:
            return kind, out
        best = max(best, (vis, kind, out), key=lambda t: t[0])
    return best[1], best[2]


@dataclass(frozen=True)
class Events:
    """A case's events: its modality, layout, the kind that fills each blob, and the target with
    every blob filled (float64 ``painted``, equal to the target outside the blobs)."""

    modality: str
    layout: Layout
    kinds: tuple[str, ...]
    painted: np.ndarray


def make_events(
    image: np.ndarray,
    seed: int,
    reference: np.ndarray | None = None,
    value_range: tuple[float, float] = (-np.inf, np.inf),
) -> Events:
    """The events of a target ``image`` (NaN = no data) with an optional ``reference`` (the other
    date, same grid), their values clipped to ``value_range`` (the range of the target's dtype).
    Events go on the pixels valid in the target and in the reference."""
    modality = infer_modality(image)
    kinds = dict(KINDS[modality])
    valid = valid_pixels(image)
    same = reference is not None and reference.shape == image.shape and infer_modality(reference) == modality
    if reference is not None:
        valid &= valid_pixels(reference)
    if not same:
        kinds.pop("shifted-reference", None)
    layout = draw_layout(valid, kinds, seed)
    scene = Scene.of(image, reference, valid, value_range)
    painted = image.astype(np.float64)
    filled = []
    for i, blob in enumerate(layout.blobs):
        rows, cols = np.nonzero(layout.owner == i)
        kind = blob.kind
        if rows.size:  # a blob wholly inside earlier ones owns nothing
            kind, painted[:, rows, cols] = fill_blob(scene, blob, rows, cols, kinds)
        filled.append(kind)
    return Events(modality, layout, tuple(filled), painted)


def kinds_used(events: Events, mask: np.ndarray) -> dict[str, int]:
    """How many blobs of each kind ``mask`` holds a part of."""
    ids = np.unique(events.layout.owner[mask])
    return dict(Counter(events.kinds[i] for i in ids if i >= 0))


def to_dtype(values: np.ndarray, dtype: np.dtype, nodata: float | None = None) -> np.ndarray:
    """``values`` in ``dtype``: rounded and clipped to its range for integers, never equal to a
    finite ``nodata`` (moved one step inwards)."""
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        out = np.clip(np.rint(values), info.min, info.max).astype(dtype)
        if nodata is not None and np.isfinite(nodata) and info.min <= nodata <= info.max:
            out[out == nodata] = nodata + 1 if nodata < info.max else nodata - 1
        return out
    out = values.astype(dtype)
    if nodata is not None and np.isfinite(nodata):
        out[out == nodata] = np.nextafter(dtype.type(nodata), dtype.type(0))
    return out


def paste(
    raw: np.ndarray, events: Events, share: float, nodata: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(raster, mask)``: the target's ``raw`` bands (its own dtype) with the events of ``share``
    pasted in (every other pixel bit for bit the same), and the pasted mask."""
    mask = event_mask(events.layout, share)
    out = raw.copy()
    out[:, mask] = to_dtype(events.painted[:, mask], raw.dtype, nodata)
    return out, mask


def paste_labels(label: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The ground truth at a share: 1 where ``mask`` covers a pixel labelled 0, else ``label``."""
    out = label.copy()
    out[mask & (label == 0)] = 1
    return out
