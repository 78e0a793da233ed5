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
    import pyogrio
    from pyproj import CRS

    from .merge import merge_polygons

    sources = [(r["job"], outputs(folder, r["job"])[2]) for r in rows]
    sources = [(job, p) for job, p in sources if p.is_file()]
    if not sources:
        return None
    crs = {pyogrio.read_info(p, layer=LAYER_NAME).get("crs") for _, p in sources}
    if len({CRS.from_user_input(c).to_wkt() if c else None for c in crs}) != 1:
        log.warning(
            "The jobs' polygons are in different CRSs: no merged polygons.gpkg (each job keeps its own)."
        )
        return None
    target = folder / "polygons.gpkg"
    with atomic_output(target) as tmp:
        merge_polygons(sources, tmp)
    return str(target)


def _mosaics(rows: list[dict], folder: Path) -> dict[str, str]:
    """A VRT of the score rasters of each method, when they share a CRS."""
    import rasterio

    from .mosaic import vrt_xml

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
        xml = vrt_xml(paths)
        if xml is None:
            log.warning("The %s score rasters are not north-up grids: no mosaic of them.", method)
            continue
        target = folder / f"scores_{method.replace('+', '_')}.vrt"
        with atomic_output(target) as tmp:
            Path(tmp).write_text(xml, encoding="utf-8")
        written[method] = str(target)
    return written
