"""The jobs' polygons in one GeoPackage layer with a ``job`` column (``polygons.gpkg`` of a batch).

Features are read in batches and written through GDAL in as few sessions as the memory bounds
allow: GDAL builds the spatial index of the features written in the session that creates the layer
at once, at the session's end, but updates it feature by feature on every later append. (Copying
the rows inside SQLite instead is no faster: SQLite's R-tree takes its entries one at a time.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..vectorize import GPKG_OPTIONS, LAYER_NAME

#: Features read from a job's GeoPackage at a time (through GDAL).
READ_BATCH = 65536
#: The most features, and bytes of geometry, held in memory before they are written through GDAL
#: (each feature also holds its fields and the geometry's Python object beside its bytes).
MERGE_FEATURES = 1_000_000
MERGE_BYTES = 256 * 2**20


def merge_polygons(sources: list[tuple[str, Path]], target: str | Path) -> None:
    """Write the polygons of ``sources`` (``(job, GeoPackage)``, one CRS) to the new ``target``."""
    import pyogrio

    merged = MergedLayer(str(target))
    for job, path in sources:
        features = pyogrio.read_info(path, layer=LAYER_NAME)["features"]
        for skip in range(0, features or 1, READ_BATCH):
            merged.add(job, path, skip)
    merged.write()


class MergedLayer:
    """The merged layer, written in as few sessions as :data:`MERGE_FEATURES` and
    :data:`MERGE_BYTES` allow."""

    def __init__(self, path: str):
        self.path = path
        self.meta: dict | None = None
        self.parts: list[tuple[np.ndarray, np.ndarray, list[np.ndarray]]] = []
        self.held = self.held_bytes = 0
        self.created = False

    def add(self, job: str, source: Path, skip: int) -> None:
        """Read up to :data:`READ_BATCH` features of ``source`` from the ``skip``-th on."""
        import pyogrio.raw

        meta, _, geometry, columns = pyogrio.raw.read(
            source, layer=LAYER_NAME, skip_features=skip, max_features=READ_BATCH
        )
        if self.meta is not None and list(meta["fields"]) != list(self.meta["fields"]):
            self.write()  # other fields: appended on their own (GDAL matches fields by name)
        if self.meta is None or not self.parts:
            self.meta = meta
        self.parts.append((np.full(len(geometry), str(job), dtype=object), geometry, columns))
        self.held += len(geometry)
        self.held_bytes += sum(len(g) for g in geometry if g is not None)
        if self.held >= MERGE_FEATURES or self.held_bytes >= MERGE_BYTES:
            self.write()

    def write(self) -> None:
        """Write the features held (the layer is created even when there is none)."""
        import pyogrio.raw

        if self.meta is None or (self.created and not self.held):
            return
        meta, parts = self.meta, self.parts
        columns = [np.concatenate([p[2][i] for p in parts]) for i in range(len(meta["fields"]))]
        pyogrio.raw.write(
            self.path, np.concatenate([p[1] for p in parts]), [np.concatenate([p[0] for p in parts]), *columns],
            ["job", *meta["fields"]], layer=LAYER_NAME, driver="GPKG", geometry_type="MultiPolygon",
            crs=meta["crs"], append=self.created, promote_to_multi=False,
            dataset_options=None if self.created else GPKG_OPTIONS,
        )  # fmt: skip
        self.created = True
        self.parts, self.held, self.held_bytes = [], 0, 0
