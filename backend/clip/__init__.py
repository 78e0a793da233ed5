"""CLIP prompt maps: where in a raster does a text prompt apply?

* :mod:`.registry`: model cards (``resources/clip_models/*.json``), the user cache, and what
  ``checkpoint=`` names (a registry name or a local file); verified downloads and
  checksums live in :mod:`backend.weights`.
* :mod:`.model`: builds the open_clip model of a card and loads its weights without unpickling code.
* :mod:`.rgb`: the documented band-to-RGB mapping (Sentinel-2 true/false colour, Sentinel-1 SAR,
  generic) with a robust per-band stretch.
* :mod:`.maps`: dense maps of one batch of windows: patch-text similarity, Grad-CAM, gScoreCAM.
* :mod:`.windows`: sliding CLIP windows over a raster block at a chosen ground resolution, blended.
* :mod:`.onnx_export`: the dense image tower as an ONNX graph, and an onnxruntime runner.

Nothing here imports torch or open_clip at module level.
"""
