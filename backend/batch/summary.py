"""What a batch writes beside its jobs' outputs:

* ``summary.csv`` and ``summary.json``: one row per job (status, error, seconds, MP/s, threshold,
  polygons);
* ``polygons.gpkg``: every job's polygons in one ``anomalies`` layer with a ``job`` column, when
  the jobs that produced polygons share one CRS;
* ``scores_METHOD.vrt``: a mosaic of the jobs' score rasters of each method, when they share a CRS.

Each file is written atomically; the jobs' own outputs are only read.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..atomic import atomic_output
from ..errors import OutputError
from ..vectorize import LAYER_NAME
from .task import FAILED, outputs

log = logging.getLogger(__name__)

COLUMNS = ("job", "status", "error", "method", "seconds", "megapixels", "megapixels_per_second",
           "threshold", "features", "worker", "worker_peak_mib")  # fmt: skip


def write_summary(rows: list[dict[str, Any]], outdir: str | os.PathLike[str]) -> dict[str, str]:
    """Write the summary and the merged outputs of ``rows``; return ``{kind: path}`` written."""
    folder = Path(outdir)
    written = {}
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if r.get(k) is None else r.get(k)) for k in COLUMNS} for r in rows)
    for name, text in (("summary.csv", buf.getvalue()), ("summary.json", json.dumps(rows, indent=1))):
        with atomic_output(folder / name) as tmp:
            Path(tmp).write_text(text, encoding="utf-8")
        written[name] = str(folder / name)
    ok = [r for r in rows if r["status"] != FAILED]
    merged = _merge_polygons(ok, folder)
    if merged:
        written["polygons"] = merged
    for method, path in _mosaics(ok, folder).items():
        written[f"mosaic {method}"] = path
    return written


def _merge_polygons(rows: list[dict], folder: Path) -> str | None:
    from osgeo import gdal, ogr, osr

    sources = [(r["job"], outputs(folder, r["job"])[2]) for r in rows]
    sources = [(job, p) for job, p in sources if p.is_file()]
    if not sources:
        return None
    srs_of: dict[str, osr.SpatialReference | None] = {}
    for job, p in sources:
        ds = ogr.Open(str(p))
        layer = ds.GetLayerByName(LAYER_NAME) if ds is not None else None
        srs_of[job] = layer.GetSpatialRef().Clone() if layer is not None and layer.GetSpatialRef() else None
    first = next(iter(srs_of.values()))
    if not all((s is None and first is None) or (s is not None and first is not None and s.IsSame(first))
               for s in srs_of.values()):  # fmt: skip
        log.warning(
            "The jobs' polygons are in different CRSs: no merged polygons.gpkg (each job keeps its own)."
        )
        return None
    target = folder / "polygons.gpkg"
    with atomic_output(target) as tmp:
        # GDAL copies each job's layer in C (a Python loop over 300 000 features took 13 s, this
        # 1 s); the spatial index is built once at the end.
        for i, (job, p) in enumerate(sources):
            literal = "'" + str(job).replace("'", "''") + "'"
            done = gdal.VectorTranslate(
                str(tmp),
                str(p),
                format="GPKG",
                accessMode="append" if i else None,
                SQLStatement=f"SELECT {literal} AS job, * FROM {LAYER_NAME}",
                SQLDialect="SQLITE",
                layerName=LAYER_NAME,
                geometryType="MULTIPOLYGON",
                layerCreationOptions=None if i else ["SPATIAL_INDEX=NO"],
            )
            if done is None:
                raise OutputError(
                    f"Cannot merge the polygons of job {job} into {target}: {gdal.GetLastErrorMsg()}"
                )
            done = None
        out = gdal.OpenEx(str(tmp), gdal.OF_VECTOR | gdal.OF_UPDATE)
        column = out.GetLayerByName(LAYER_NAME).GetGeometryColumn()
        out.ExecuteSQL(f"SELECT CreateSpatialIndex('{LAYER_NAME}', '{column}')")
        out = None
    return str(target)


def _mosaics(rows: list[dict], folder: Path) -> dict[str, str]:
    """A VRT of the score rasters of each method, when they share a CRS."""
    import rasterio
    from osgeo import gdal

    by_method: dict[str, list[Path]] = defaultdict(list)
    for r in rows:
        score = outputs(folder, r["job"])[0]
        if score.is_file():
            by_method[str(r["method"])].append(score)
    written = {}
    for method, paths in by_method.items():
        crs = set()
        for p in paths:
            with rasterio.open(p) as ds:
                crs.add(ds.crs.to_wkt() if ds.crs else None)
        if len(crs) != 1 or None in crs:
            log.warning("The %s score rasters do not share one CRS: no mosaic of them.", method)
            continue
        target = folder / f"scores_{method.replace('+', '_')}.vrt"
        with atomic_output(target) as tmp:
            vrt = gdal.BuildVRT(str(tmp), [str(p.resolve()) for p in paths], srcNodata="nan", VRTNodata="nan")
            if vrt is None:
                continue
            vrt.FlushCache()
            vrt = None
        written[method] = str(target)
    return written
