"""One onnxruntime session factory for every exported graph (generative networks, CLIP tower)."""

from __future__ import annotations


def ort_session(graph: bytes | str, device: str = "cpu"):
    """An ``onnxruntime.InferenceSession`` of ``graph`` (bytes or a path), quiet, on the CUDA
    provider when ``device`` is ``cuda`` and this onnxruntime has it, else on the CPU."""
    import onnxruntime as ort

    providers = ["CPUExecutionProvider"]
    if device == "cuda" and "CUDAExecutionProvider" in ort.get_available_providers():
        providers.insert(0, "CUDAExecutionProvider")
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    return ort.InferenceSession(graph, sess_options=opts, providers=providers)
