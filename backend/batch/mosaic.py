"""A GDAL VRT mosaic of single-band float32 score rasters that share a CRS, written as XML (no
GDAL Python bindings needed): the grid spans all of them at the finest pixel size among them, each
raster is placed by its georeferencing, and its NaN (no data) pixels let the others show through.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr


def vrt_xml(paths: Sequence[str | os.PathLike[str]]) -> str | None:
    """The VRT of ``paths`` (absolute paths), or None when they cannot be mosaicked by translation
    (a rotated or south-up grid, no CRS, or not one band)."""
    import rasterio

    grids = []
    for path in paths:
        with rasterio.open(path) as ds:
            t = ds.transform
            if ds.count != 1 or not ds.crs or t.b != 0 or t.d != 0 or t.a <= 0 or t.e >= 0:
                return None
            grids.append((os.path.abspath(path), t, ds.width, ds.height, ds.crs.to_wkt()))
    if not grids:
        return None
    rx = min(t.a for _, t, _, _, _ in grids)
    ry = min(-t.e for _, t, _, _, _ in grids)
    xmin = min(t.c for _, t, _, _, _ in grids)
    ymax = max(t.f for _, t, _, _, _ in grids)
    xmax = max(t.c + t.a * w for _, t, w, _, _ in grids)
    ymin = min(t.f + t.e * h for _, t, _, h, _ in grids)
    width, height = round((xmax - xmin) / rx), round((ymax - ymin) / ry)
    sources = []
    for path, t, w, h, _ in grids:
        dst = (
            f'xOff="{(t.c - xmin) / rx:.10g}" yOff="{(ymax - t.f) / ry:.10g}" '
            f'xSize="{w * t.a / rx:.10g}" ySize="{h * -t.e / ry:.10g}"'
        )
        sources.append(
            "    <ComplexSource>\n"
            f'      <SourceFilename relativeToVRT="0">{escape(path)}</SourceFilename>\n'
            "      <SourceBand>1</SourceBand>\n"
            f'      <SrcRect xOff="0" yOff="0" xSize="{w}" ySize="{h}"/>\n'
            f"      <DstRect {dst}/>\n"
            "      <NODATA>nan</NODATA>\n"
            "    </ComplexSource>\n"
        )
    return (
        f'<VRTDataset rasterXSize={quoteattr(str(width))} rasterYSize={quoteattr(str(height))}>\n'
        f"  <SRS>{escape(grids[0][4])}</SRS>\n"
        f"  <GeoTransform>{xmin:.17g}, {rx:.17g}, 0, {ymax:.17g}, 0, {-ry:.17g}</GeoTransform>\n"
        '  <VRTRasterBand dataType="Float32" band="1">\n'
        "    <NoDataValue>nan</NoDataValue>\n"
        f"{''.join(sources)}"
        "  </VRTRasterBand>\n"
        "</VRTDataset>\n"
    )
