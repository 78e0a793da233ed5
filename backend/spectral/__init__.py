"""Weight-free spectral prompts: band identification, spectral indices, the prompt vocabulary and
the physical evidence each prompt maps to (used by :mod:`backend.detectors.spectral`)."""
