"""Dense prompt maps of one batch of CLIP windows (pure torch, no I/O).

Every function takes ``x``, a normalised float32 batch ``(B, 3, S, S)`` at the model's input size,
and returns float32 maps ``(B, gh, gw)`` on the patch grid (``gh = S / patch``). Scores are in
logit units of the prompt-vs-negative contrast:

    c(e) = s * <e, t+> - log sum_j exp(s * <e, t-_j>)          (no negatives: c(e) = s * <e, t+>)

with ``e`` a unit image (or patch) embedding, ``t+`` the unit mean embedding of the prompts, ``t-_j``
the negative prompts and ``s`` the model's logit scale: the log-odds that ``e`` is the prompt rather
than one of the negatives under CLIP's softmax.

* :func:`similarity_maps` (method ``clip``): training-free patch-text similarity. The last block's
  attention is replaced by self-self attention, ``softmax(q q^T) + softmax(k k^T)`` (SCLIP's
  correlative attention), and its residual and feed-forward paths are dropped (ClearCLIP), so each
  patch token keeps its own content; the tokens go through ``ln_post`` and the projection into the
  joint space and are scored by ``c``. ``attention="value"`` uses the value embeddings alone (MaskCLIP).
* :func:`gradcam_maps` (method ``gradcam``): the target is ``c`` of the window's image embedding.
  ``cam="tokens"``: Grad-CAM on the last block's normalised input tokens ``A`` (channels = width):
  ``relu(sum_c mean_p(dc/dA_pc) A_pc)``. ``cam="attention"``: the transformer variant (Chefer et al.
  2021, last layer): the class token's row of ``mean_heads relu(dc/dP * P)`` over the attention
  probabilities ``P`` of the last block.
* :func:`gscorecam_maps` (method ``gscorecam``): Score-CAM on the ``topk`` channels of ``A`` with the
  largest mean gradient (gScoreCAM, Chen et al. 2022). Each channel's map, min-max normalised and
  upsampled, masks the input (masked-out = the normalisation mean, i.e. 0); the channel weights are
  the softmax over channels of ``c`` of the masked inputs, as in Score-CAM's reference code, and the
  map is ``relu(sum_k w_k A_k)`` of the raw activations.
"""

from __future__ import annotations

import math
from typing import Any

ATTENTIONS = ("selfself", "value")
CAMS = ("tokens", "attention")


def contrast(emb, pos, neg, scale: float):
    """``c`` of unit embeddings ``emb`` (..., D) against ``pos`` (D,) and ``neg`` (M, D) or None."""
    import torch

    lp = scale * (emb @ pos)
    if neg is None or neg.shape[0] == 0:
        return lp
    return lp - torch.logsumexp(scale * (emb @ neg.T), dim=-1)


def embed_tokens(visual, x):
    """Patch embedding, class token, positions and ``ln_pre``: ``(B, 1 + gh * gw, width)``."""
    import torch

    t = visual.conv1(x)  # (B, width, gh, gw)
    b = t.shape[0]
    t = t.flatten(2).transpose(1, 2)  # (B, N, width)
    cls = visual.class_embedding.to(t.dtype).view(1, 1, -1).expand(b, -1, -1)
    t = torch.cat([cls, t], dim=1) + visual.positional_embedding.to(t.dtype)
    return visual.ln_pre(t)


def grid_shape(visual, x) -> tuple[int, int]:
    """Patch grid (gh, gw) of input ``x``."""
    ph, pw = visual.patch_size
    return x.shape[-2] // ph, x.shape[-1] // pw


def run_blocks(visual, x):
    """Tokens through every block but the last: ``(B, L, width)``.

    While tracing for ONNX the blocks run through :func:`last_block` (plain operators), since the
    fused attention kernel of ``nn.MultiheadAttention`` has no ONNX export.
    """
    import torch

    tokens = embed_tokens(visual, x)
    tracing = torch.jit.is_tracing()
    for blk in visual.transformer.resblocks[:-1]:
        tokens = last_block(blk, tokens, blk.ln_1(tokens))[0] if tracing else blk(tokens)
    return tokens


def _heads(blk, h):
    """q, k, v of the block's attention, each ``(B, heads, L, head_dim)``."""
    from torch.nn import functional as F  # noqa: N812 - the usual name

    attn = blk.attn
    b, n, w = h.shape
    q, k, v = F.linear(h, attn.in_proj_weight, attn.in_proj_bias).chunk(3, dim=-1)

    def split(t):
        return t.reshape(b, n, attn.num_heads, w // attn.num_heads).transpose(1, 2)

    return split(q), split(k), split(v)


def _merge(blk, o):
    """``(B, heads, L, head_dim)`` -> out_proj of ``(B, L, width)``."""
    b, nh, n, hd = o.shape
    return blk.attn.out_proj(o.transpose(1, 2).reshape(b, n, nh * hd))


def attention(blk, h, mode: str = "standard"):
    """The last block's attention on ``h = ln_1(x)``; returns (output (B, L, width), probs or None).

    ``standard`` reproduces ``nn.MultiheadAttention``; ``selfself`` and ``value`` are the dense
    variants of :func:`similarity_maps`.
    """
    import torch

    q, k, v = _heads(blk, h)
    scale = 1.0 / math.sqrt(q.shape[-1])
    if mode == "value":
        return _merge(blk, v), None
    if mode == "selfself":
        probs = torch.softmax(q @ q.transpose(-1, -2) * scale, -1) + torch.softmax(
            k @ k.transpose(-1, -2) * scale, -1
        )
        return _merge(blk, probs @ v), None
    probs = torch.softmax(q @ k.transpose(-1, -2) * scale, -1)  # (B, heads, L, L)
    return _merge(blk, probs @ v), probs


def pool(visual, tokens):
    """Image embedding (not normalised) from the final tokens, as open_clip's ``_pool`` + ``proj``."""
    if visual.final_ln_after_pool:
        pooled = tokens[:, 1:].mean(1) if visual.pool_type == "avg" else tokens[:, 0]
        pooled = visual.ln_post(pooled)
    else:
        t = visual.ln_post(tokens)
        pooled = t[:, 1:].mean(1) if visual.pool_type == "avg" else t[:, 0]
    return pooled @ visual.proj if visual.proj is not None else pooled


def last_block(blk, x, h):
    """The last block's standard forward from its input ``x`` and ``h = ln_1(x)``; (tokens, probs)."""
    out, probs = attention(blk, h, "standard")
    y = x + blk.ls_1(out)
    return y + blk.ls_2(blk.mlp(blk.ln_2(y))), probs


def dense_embeddings(visual, x, mode: str = "selfself"):
    """Unit patch embeddings ``(B, gh * gw, D)`` and the unit image embedding ``(B, D)``."""
    from torch.nn import functional as F  # noqa: N812 - the usual name

    tokens = run_blocks(visual, x)
    blk = visual.transformer.resblocks[-1]
    h = blk.ln_1(tokens)
    dense, _ = attention(blk, h, mode)
    dense = visual.ln_post(blk.ls_1(dense[:, 1:]))
    if visual.proj is not None:
        dense = dense @ visual.proj
    final, _ = last_block(blk, tokens, h)
    return F.normalize(dense, dim=-1), F.normalize(pool(visual, final), dim=-1)


def image_embedding(visual, x):
    """Unit image embeddings ``(B, D)``."""
    from torch.nn import functional as F  # noqa: N812 - the usual name

    return F.normalize(pool(visual, visual.transformer(embed_tokens(visual, x))), dim=-1)


def similarity_maps(visual, x, pos, neg, scale: float, mode: str = "selfself"):
    """Method ``clip``: ``c`` of each patch embedding; ``(B, gh, gw)``."""
    import torch

    with torch.no_grad():
        dense, _ = dense_embeddings(visual, x, mode)
        c = contrast(dense, pos, neg, scale)
    return c.reshape(x.shape[0], *grid_shape(visual, x))


def _target_grads(visual, x, pos, neg, scale: float, wrt: str):
    """Activations ``A = ln_1(x_last)`` (B, L, width), attention probs, and dc/d(A or probs)."""
    import torch
    from torch.nn import functional as F  # noqa: N812 - the usual name

    with torch.no_grad():
        tokens = run_blocks(visual, x)
    blk = visual.transformer.resblocks[-1]
    with torch.enable_grad():
        h = blk.ln_1(tokens).detach().requires_grad_(True)
        final, probs = last_block(blk, tokens, h)
        c = contrast(F.normalize(pool(visual, final), dim=-1), pos, neg, scale)
        (grad,) = torch.autograd.grad(c.sum(), h if wrt == "tokens" else probs)
    return h.detach(), probs.detach(), grad


def gradcam_maps(visual, x, pos, neg, scale: float, cam: str = "tokens"):
    """Method ``gradcam``; ``(B, gh, gw)``, >= 0."""
    import torch

    acts, probs, grad = _target_grads(visual, x, pos, neg, scale, cam)
    if cam == "tokens":
        alpha = grad[:, 1:].mean(dim=1, keepdim=True)  # (B, 1, width)
        m = torch.relu((acts[:, 1:] * alpha).sum(-1))  # (B, N)
    else:
        m = torch.relu(grad * probs).mean(dim=1)[:, 0, 1:]  # class row, patches: (B, N)
    return m.reshape(x.shape[0], *grid_shape(visual, x))


def gscorecam_maps(visual, x, pos, neg, scale: float, topk: int = 32, batch: int = 8):
    """Method ``gscorecam``; ``(B, gh, gw)``, >= 0."""
    import torch
    from torch.nn import functional as F  # noqa: N812 - the usual name

    acts, _, grad = _target_grads(visual, x, pos, neg, scale, "tokens")
    gh, gw = grid_shape(visual, x)
    alpha = grad[:, 1:].mean(dim=1)  # (B, width)
    k = min(topk, alpha.shape[1])
    idx = alpha.topk(k, dim=1).indices  # (B, k)
    chosen = torch.gather(acts[:, 1:], 2, idx[:, None, :].expand(-1, acts.shape[1] - 1, -1))  # (B, N, k)
    raw = chosen.transpose(1, 2).reshape(x.shape[0], k, gh, gw)  # (B, k, gh, gw)
    lo = raw.amin(dim=(2, 3), keepdim=True)
    hi = raw.amax(dim=(2, 3), keepdim=True)
    unit = (raw - lo) / (hi - lo).clamp_min(1e-12)
    masks = F.interpolate(unit, size=x.shape[-2:], mode="bilinear", align_corners=False)
    with torch.no_grad():
        out = []
        for b in range(x.shape[0]):
            masked = x[b : b + 1] * masks[b][:, None]  # (k, 3, S, S)
            c = torch.cat(
                [
                    contrast(image_embedding(visual, masked[i : i + batch]), pos, neg, scale)
                    for i in range(0, k, batch)
                ]
            )
            w = torch.softmax(c, dim=0)  # (k,)
            out.append(torch.relu((w[:, None, None] * raw[b]).sum(0)))
    return torch.stack(out)


def window_maps(method: str, visual, x, pos, neg, scale: float, options: dict[str, Any]):
    """Dispatch to the map of ``method`` (clip, gradcam, gscorecam)."""
    if method == "clip":
        return similarity_maps(visual, x, pos, neg, scale, options.get("attention", "selfself"))
    if method == "gradcam":
        return gradcam_maps(visual, x, pos, neg, scale, options.get("cam", "tokens"))
    if method == "gscorecam":
        return gscorecam_maps(visual, x, pos, neg, scale, options.get("topk", 32), options.get("batch", 8))
    raise ValueError(method)
