"""Galileo encoder (Tseng et al. 2025, "Galileo: Learning Global and Local Features in Pretrained
Remote Sensing Models"), re-implemented for inference so that the released ``encoder.pt`` of a
model folder (with its ``config.json`` and ``normalization.json``) loads with ``strict=True``.

Only the space-time path (Sentinel-1/2 and NDVI patches) runs in ``forward``; the parameters of the
other modalities exist so that the checkpoint loads whole. Absent modalities are left out of the
token sequence, as masked tokens are. Each token is a patch embedding of one band group plus four
32-dim codes (group, time step, month, 2-D position scaled by the token's ground size), through 4
pre-norm transformer blocks. Patch kernels are stored at the largest patch size and resampled for
smaller ones with the pseudo-inverse of the resize (FlexiViT), so that a patch embedded at any size
gives the same response to the same (resized) content.

Used by the encoder change expert of the generative pair score (:mod:`.change`); measured alone
as a change feature on the Sentinel-2 city pairs by ``research/probe_galileo_oscd.py``.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
from torch.nn import functional

from ..spectral.bands import S2_L1C
from ..spectral.indices import ndvi

# space-time input bands (order of the 13-channel s_t tensor)
ST_BANDS = ["VV", "VH", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B11", "B12", "NDVI"]
ST_GROUPS = OrderedDict(
    [
        ("S1", ["VV", "VH"]),
        ("S2_RGB", ["B2", "B3", "B4"]),
        ("S2_Red_Edge", ["B5", "B6", "B7"]),
        ("S2_NIR_10m", ["B8"]),
        ("S2_NIR_20m", ["B8A"]),
        ("S2_SWIR", ["B11", "B12"]),
        ("NDVI", ["NDVI"]),
    ]
)
SP_GROUPS = OrderedDict([("SRTM", 2), ("DW", 9), ("WC", 5)])
T_GROUPS = OrderedDict([("ERA5", 2), ("TC", 3), ("VIIRS", 1)])
STATIC_GROUPS = OrderedDict([("LS", 1), ("location", 3), ("DW_static", 9), ("WC_static", 5)])
BASE_GSD = 10.0
# Sentinel-2 L1C band order of a 13-band raster (as the project's sample data store them).
S2_L1C_ORDER = S2_L1C
#: The Sentinel-2 bands the encoder's S2 groups read (NDVI is computed from B8 and B4).
S2_INPUT_BANDS = ("B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B11", "B12")


# ---------------------------------------------------------------- encodings
def sincos_1d(dim, pos):
    # The released model's frequencies: exponent i / dim / 2 (not the usual 2 i / dim); the stored
    # position codes are these.
    omega = torch.arange(dim // 2, dtype=torch.float64) / dim / 2.0
    omega = 1.0 / 10000**omega
    out = pos.reshape(-1).double()[:, None] * omega[None]
    return torch.cat([out.sin(), out.cos()], 1).float()


def spatial_2d(dim, h, w, gsd_ratio):
    """2D sin-cos (first half from column index, second half from row index),
    positions scaled by token ground size / 10 m; rectangular grids too (the model was trained on
    square ones)."""
    rows, cols = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    e_c = sincos_1d(dim // 2, cols.double() * gsd_ratio)
    e_r = sincos_1d(dim // 2, rows.double() * gsd_ratio)
    return torch.cat([e_c, e_r], 1).reshape(h, w, dim)


def month_table(dim):
    ang = torch.arange(0, 13) / (12 / (2 * np.pi))
    s = torch.sin(ang)[:, None].repeat(1, dim // 2)
    c = torch.cos(ang)[:, None].repeat(1, dim // 2)
    return torch.cat([s[:-1], c[:-1]], -1)


# ---------------------------------------------------------------- flexible patch embedding
class FlexiPatchEmbed(nn.Module):
    """Conv patch embedding stored at max patch size; for a smaller patch size the
    kernel is resampled with the pseudo-inverse of the (bicubic, antialiased)
    resize operator (FlexiViT PI-resize)."""

    def __init__(self, in_ch, dim, max_ps=8):
        super().__init__()
        self.ps = max_ps
        self.proj = nn.Conv2d(in_ch, dim, max_ps, stride=max_ps, bias=True)
        self._pinv = {}

    def _pinv_for(self, new):
        if new not in self._pinv:
            o = self.ps
            basis = torch.eye(o * o).reshape(o * o, 1, o, o)
            resized = functional.interpolate(basis, (new, new), mode="bicubic", antialias=True)
            self._pinv[new] = torch.linalg.pinv(resized.reshape(o * o, -1))  # (new^2, o^2)
        return self._pinv[new]

    def weight_for(self, ps):
        weight = self.proj.weight
        if ps == self.ps:
            return weight
        pinv = self._pinv_for(ps)
        dim, ch = weight.shape[:2]
        return (weight.reshape(dim, ch, -1) @ pinv.T).reshape(dim, ch, ps, ps)

    def forward(self, x, ps):  # x: (N, C, H, W) -> (N, H/ps, W/ps, D)
        y = functional.conv2d(x, self.weight_for(ps), self.proj.bias, stride=ps)
        return y.permute(0, 2, 3, 1)


# ---------------------------------------------------------------- transformer
class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.h = heads
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape

        def heads(t):
            return t.reshape(b, n, self.h, c // self.h).transpose(1, 2)

        o = functional.scaled_dot_product_attention(heads(self.q(x)), heads(self.k(x)), heads(self.v(x)))
        return self.proj(o.transpose(1, 2).reshape(b, n, c))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(functional.gelu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class GalileoEncoder(nn.Module):
    def __init__(
        self,
        embedding_size=128,
        depth=4,
        num_heads=8,
        mlp_ratio=4,
        max_sequence_length=24,
        max_patch_size=8,
        **_,
    ):
        super().__init__()
        dim, q = embedding_size, embedding_size // 4
        self.dim, self.q = dim, q
        self.blocks = nn.ModuleList([Block(dim, num_heads, mlp_ratio) for _ in range(depth)])
        self.pos_embed = nn.Parameter(sincos_1d(q, torch.arange(max_sequence_length)), requires_grad=False)
        self.month_embed = nn.Embedding.from_pretrained(month_table(q), freeze=True)
        self.s_t_channel_embed = nn.Parameter(torch.zeros(len(ST_GROUPS), q))
        self.sp_channel_embed = nn.Parameter(torch.zeros(len(SP_GROUPS), q))
        self.t_channel_embed = nn.Parameter(torch.zeros(len(T_GROUPS), q))
        self.st_channel_embed = nn.Parameter(torch.zeros(len(STATIC_GROUPS), q))
        self.space_time_embed = nn.ModuleDict(
            {g: FlexiPatchEmbed(len(b), dim, max_patch_size) for g, b in ST_GROUPS.items()}
        )
        self.space_embed = nn.ModuleDict(
            {g: FlexiPatchEmbed(n, dim, max_patch_size) for g, n in SP_GROUPS.items()}
        )
        self.time_embed = nn.ModuleDict({g: nn.Linear(n, dim) for g, n in T_GROUPS.items()})
        self.static_embed = nn.ModuleDict({g: nn.Linear(n, dim) for g, n in STATIC_GROUPS.items()})
        self.norm = nn.LayerNorm(dim)

    @classmethod
    def load(cls, folder):
        cfg = json.loads(Path(folder, "config.json").read_text(encoding="utf-8"))["model"]["encoder"]
        m = cls(**cfg)
        sd = torch.load(Path(folder, "encoder.pt"), map_location="cpu", weights_only=True)
        sd = {k.replace(".backbone", ""): v for k, v in sd.items()}
        m.load_state_dict(sd, strict=True)
        return m.eval()

    def forward(self, x, groups, patch_size, month=6, input_res=BASE_GSD, layernorm=True):
        """x: (B, H, W, T, 13) normalised space-time tensor (ST_BANDS order).
        groups: names of present space-time groups (all others masked -> dropped).
        Returns (B, H/ps, W/ps, T, len(groups), D) per-token features."""
        nb, rows, cols, nt, _ = x.shape
        ps = patch_size
        h, w = rows // ps, cols // ps
        x = x[:, : h * ps, : w * ps]
        gnames = list(ST_GROUPS)
        toks = []
        spatial = spatial_2d(self.q, h, w, input_res * ps / BASE_GSD)  # h w q
        months = torch.as_tensor(month).reshape(-1)
        if months.numel() == 1:
            months = months.repeat(nt)
        m_emb = self.month_embed(months.long())  # nt q
        for g in groups:
            gi = gnames.index(g)
            idx = [ST_BANDS.index(b) for b in ST_GROUPS[g]]
            xi = x[..., idx].permute(0, 3, 4, 1, 2).reshape(nb * nt, len(idx), h * ps, w * ps)
            e = self.space_time_embed[g](xi, ps).reshape(nb, nt, h, w, self.dim).permute(0, 2, 3, 1, 4)
            enc = torch.cat(
                [
                    self.s_t_channel_embed[gi].expand(h, w, nt, self.q),
                    self.pos_embed[:nt][None, None].expand(h, w, nt, self.q),
                    m_emb[None, None].expand(h, w, nt, self.q),
                    spatial[:, :, None].expand(h, w, nt, self.q),
                ],
                -1,
            )
            toks.append(e + enc)
        t = torch.stack(toks, -2)  # nb h w nt ng D
        ng = t.shape[-2]
        seq = t.reshape(nb, -1, self.dim)
        for blk in self.blocks:
            seq = blk(seq)
        if layernorm:
            seq = self.norm(seq)
        return seq.reshape(nb, h, w, nt, ng, self.dim)


# ---------------------------------------------------------------- input normalisation
def st_normaliser(folder, std_mult=2.0):
    d = json.loads(Path(folder, "normalization.json").read_text(encoding="utf-8"))["13"]
    mean, std = np.array(d["mean"]), np.array(d["std"])
    shift = mean - std_mult * std
    div = 2 * std_mult * std
    shift[-1], div[-1] = 0.0, 1.0  # NDVI is passed raw
    return shift, div


def to_space_time(
    stack: np.ndarray, channels: dict[str, int], dn_scale: float, shift: np.ndarray, div: np.ndarray
) -> np.ndarray:
    """``(rows, cols, 13)`` float32 encoder input from a channel-first stack: ``channels`` maps each
    band of :data:`S2_INPUT_BANDS` to its channel; values times ``dn_scale`` are Sentinel-2 digital
    numbers (reflectance x 10000); normalised as the encoder was pretrained; S1 stays 0 (absent);
    no-data pixels are 0 (the normalised mean of nothing in particular, and masked later)."""
    rows, cols = stack.shape[1:]
    out = np.zeros((rows, cols, len(ST_BANDS)), np.float32)
    for j, band in enumerate(ST_BANDS):
        if band in channels:
            out[..., j] = stack[channels[band]] * dn_scale
    out[..., -1] = ndvi(stack[channels["B8"]] * dn_scale, stack[channels["B4"]] * dn_scale)
    out = (out - shift.astype(np.float32)) / div.astype(np.float32)
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)


def s2_to_st(img, shift, div):
    """img: (13, H, W) S2 L1C DN (reflectance x 1e4) in S2_L1C_ORDER -> (H, W, 13) normalised s_t tensor
    (S1 channels zero; they are masked)."""
    return to_space_time(img, {b: S2_L1C_ORDER.index(b) for b in S2_INPUT_BANDS}, 1.0, shift, div)


S2_GROUPS = ["S2_RGB", "S2_Red_Edge", "S2_NIR_10m", "S2_NIR_20m", "S2_SWIR"]


@torch.no_grad()
def encode_image(
    model,
    st,
    patch_size=2,
    tile_tokens=12,
    stride_tokens=None,
    groups=S2_GROUPS,
    month=6,
    batch=16,
    combine="mean",
):
    """Tile-wise encode a (H, W, 13) normalised image. Tiles of tile_tokens x tile_tokens
    tokens (in-distribution with pretraining sizes 4..12) with overlap; each token's features are
    averaged over its groups (``combine="concat"``: concatenated, D times the groups), then over
    the tiles that cover it. Returns (h, w, D) at token resolution."""
    rows, cols, _ = st.shape
    ps, tt = patch_size, tile_tokens
    st_ = stride_tokens or tt // 2
    h, w = rows // ps, cols // ps
    x = torch.from_numpy(st[: h * ps, : w * ps])
    ys = list(range(0, max(h - tt, 0) + 1, st_))
    xs = list(range(0, max(w - tt, 0) + 1, st_))
    if ys[-1] != h - tt:
        ys.append(h - tt)
    if xs[-1] != w - tt:
        xs.append(w - tt)
    coords = [(a, b) for a in ys for b in xs]
    acc = torch.zeros(h, w, model.dim * (1 if combine == "mean" else len(groups)))
    cnt = torch.zeros(h, w, 1)
    for i in range(0, len(coords), batch):
        cc = coords[i : i + batch]
        xb = torch.stack([x[a * ps : (a + tt) * ps, b * ps : (b + tt) * ps] for a, b in cc])[:, :, :, None]
        f = model(xb, groups, ps, month=month)[:, :, :, 0]  # B tt tt G D
        f = f.mean(-2) if combine == "mean" else f.flatten(-2)  # concat: B tt tt G*D
        for (a, b), fi in zip(cc, f):
            acc[a : a + tt, b : b + tt] += fi
            cnt[a : a + tt, b : b + tt] += 1
    return (acc / cnt).numpy()
