"""Generative models of normal imagery for dense anomaly scores (the ``diffusion`` and ``flow``
detectors of :mod:`backend.detectors.generative`).

Modules, from data to files:

* :mod:`.data`: principal-component normalisation and the bounded sample of training crops;
* :mod:`.nets`: the denoising network (per-pixel spectral MLP or blind-spot patch model, with
  conditioning on a second modality or date and on a context embedding);
* :mod:`.processes`: DDPM and flow-matching noising, targets and clean estimates;
* :mod:`.training`: the training loop (kept apart from the model, as anomalib does);
* :mod:`.model`: a fitted model and its dense scores (MSMA, ELBO terms, AnoDDPM, Graham's
  multi-level reconstruction, ODE encode-decode);
* :mod:`.simplex`: simplex noise for AnoDDPM-style partial noising;
* :mod:`.context`: location and date embeddings;
* :mod:`.model_io` and :mod:`.onnx_export`: safetensors model files with a JSON card, ONNX export and
  onnxruntime scoring.

Only the backend worker imports this package (it needs torch); the QGIS process never does.
"""
