"""A bounded cache of model outputs keyed by the content of their inputs.

Sliding windows and encoder tiles lie on a lattice of the whole raster, so neighbouring blocks (their
overlap and halo) hand the model the same inputs again; keying by a digest of the input's bytes
runs the model once per distinct input, whichever block asks, and can never return a stale output.
It may be shared by threads that score tiles in parallel (:mod:`backend.parallel`): the model runs
outside its lock, so two threads may both compute an input that neither found, with equal results.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence

import numpy as np


class ContentCache:
    """Least-recently-used outputs (numpy arrays) by input content, within ``max_items`` entries
    and ``max_bytes`` of outputs (None: no such bound; the latest entry is always kept)."""

    def __init__(self, max_items: int | None = None, max_bytes: int | None = None) -> None:
        self.max_items, self.max_bytes = max_items, max_bytes
        self._items: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def get(
        self,
        inputs: Sequence[np.ndarray],
        compute: Callable[[list[int]], Iterable[np.ndarray]],
        salt: bytes = b"",
    ) -> list[np.ndarray]:
        """The output of each input: cached, or from ``compute(indices of the missing inputs)``
        (outputs in that order). ``salt`` tells apart equal inputs given to different models or
        settings."""
        keys = [
            hashlib.blake2b(salt + np.ascontiguousarray(x).tobytes(), digest_size=16).digest() for x in inputs
        ]
        found: dict[int, np.ndarray] = {}
        with self._lock:
            for i, k in enumerate(keys):
                if k in self._items:
                    self._items.move_to_end(k)
                    found[i] = self._items[k]
        missing = [i for i in range(len(keys)) if i not in found]
        fresh = dict(zip(missing, compute(missing))) if missing else {}
        with self._lock:
            for i, value in fresh.items():
                self._put(keys[i], value)
            self._trim()
        return [found[i] if i in found else fresh[i] for i in range(len(keys))]

    def _put(self, key: bytes, value: np.ndarray) -> None:
        if key in self._items:
            self._bytes -= self._items[key].nbytes
        self._items[key] = value
        self._bytes += value.nbytes

    def _trim(self) -> None:
        def over() -> bool:
            return (self.max_items is not None and len(self._items) > self.max_items) or (
                self.max_bytes is not None and self._bytes > self.max_bytes
            )

        while len(self._items) > 1 and over():
            _, dropped = self._items.popitem(last=False)
            self._bytes -= dropped.nbytes
