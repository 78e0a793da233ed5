"""Generative models of normal imagery for dense anomaly scores (the ``diffusion`` and ``flow``
detectors of :mod:`backend.detectors.generative`, a thin adapter over this package).

Modules, from options to files:

* :mod:`.config`: the options in small groups, given as flat ``KEY=VALUE``;
* :mod:`.data`: principal-component normalisation and the bounded sample of training crops;
* :mod:`.nets`: the denoising network (a per-pixel spectral MLP, with conditioning on a second
  modality or date and on a context embedding);
* :mod:`.processes`: DDPM and flow-matching noising, targets and clean estimates;
* :mod:`.training`: the training loop (kept apart from the model, as anomalib does);
* :mod:`.fitting`: the fit recipe, from streamed fit blocks to a fitted model;
* :mod:`.model`: a fitted model and its dense scores (MSMA, ELBO terms, AnoDDPM, Graham's
  multi-level reconstruction, ODE encode-decode);
* :mod:`.experts`: the Gaussian experts beside the network, the smoothing and their sum;
* :mod:`.encoder_expert`: the pretrained encoder expert of Sentinel-2 pairs (plan, weights, fit);
* :mod:`.simplex`: simplex noise for AnoDDPM-style partial noising;
* :mod:`.context`: location and date embeddings;
* :mod:`.card`: the model card; :mod:`.model_io` and :mod:`.onnx_export`: safetensors model files
  with the card, ONNX export and onnxruntime scoring.

The options, the card and the encoder plan import no torch (the detectors' registry reads the
options); the rest needs it and is imported only by the backend.
"""
