"""Pretrained Earth-observation encoders, re-implemented for inference (our own code; the weights
are not shipped: point the loaders at a folder that holds them)."""
