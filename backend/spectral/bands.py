"""Which channel of the target stack is which band (Sentinel-2 L1C / L2A, Sentinel-1).

Each target raster is identified on its own, and the stack is their concatenation:

1. band descriptions, when every band of the raster has one that names a known band (``B01``,
   ``B8A``, ``VV``, ``nir``, ``swir1``...);
2. otherwise the band count: 13 = Sentinel-2 L1C (B1 B2 B3 B4 B5 B6 B7 B8 B8A B9 B10 B11 B12),
   12 = Sentinel-2 L2A (the same without B10), 2 = Sentinel-1 (VV, VH);
3. otherwise the raster cannot be identified and the ``bands`` parameter must name its bands.

The ``bands`` parameter overrides everything: one name per channel of the whole target stack, in
order, separated by ``/`` (or ``:``, ``,``, ``+``, spaces), ``-`` for a channel to ignore, e.g.
``bands=B2/B3/B4/B8/B11/B12/VV/VH`` for a 6-band optical raster followed by Sentinel-1. References
mirror the targets band for band (the engine checks the counts), so they share the mapping.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InputError

S2_L1C: tuple[str, ...] = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B10", "B11", "B12")
S2_L2A: tuple[str, ...] = tuple(b for b in S2_L1C if b != "B10")
S1: tuple[str, ...] = ("VV", "VH")
OPTICAL_BANDS = frozenset(S2_L1C)
SAR_BANDS = frozenset(S1)
KNOWN_BANDS = OPTICAL_BANDS | SAR_BANDS

#: Common names of Sentinel-2 bands (also usable for other sensors through ``bands=``).
ALIASES = {
    "COASTAL": "B1",
    "BLUE": "B2",
    "GREEN": "B3",
    "RED": "B4",
    "REDEDGE1": "B5",
    "REDEDGE2": "B6",
    "REDEDGE3": "B7",
    "NIR": "B8",
    "NIR08": "B8A",
    "NARROWNIR": "B8A",
    "WATERVAPOUR": "B9",
    "WATERVAPOR": "B9",
    "CIRRUS": "B10",
    "SWIR1": "B11",
    "SWIR16": "B11",
    "SWIR2": "B12",
    "SWIR22": "B12",
}
IGNORED = frozenset({"-", "_", "X", "NONE"})
_SEPARATORS = re.compile(r"[/:,+\s]+")


def canonical_band(name: str | None) -> str | None:
    """``"B01"`` -> ``"B1"``, ``"b8a"`` -> ``"B8A"``, ``"swir1"`` -> ``"B11"``, ``"VV"`` -> ``"VV"``;
    None for a name that is not a known band."""
    if not name:
        return None
    text = re.sub(r"[^A-Z0-9]", "", name.upper())
    text = ALIASES.get(text, text)
    m = re.fullmatch(r"B0*(\d{1,2}A?)", text)
    if m:
        text = "B" + m.group(1)
    if text in KNOWN_BANDS:
        return text
    # SAR descriptions often carry a prefix or unit: "Sigma0_VV_db", "VV (dB)".
    pols = {p for p in ("VV", "VH") if re.search(rf"(^|[^A-Z]){p}([^A-Z]|$)", name.upper())}
    return pols.pop() if len(pols) == 1 else None


@dataclass(frozen=True)
class BandMap:
    """Stack channel of each identified band, and how each raster was identified.

    Attributes:
        index: canonical band name -> channel of the target stack (0-based).
        sources: one line per target raster, e.g. ``"Sentinel-2 L1C (band count)"``.
    """

    index: dict[str, int]
    sources: tuple[str, ...]

    def has(self, *names: str) -> bool:
        return all(n in self.index for n in names)

    @property
    def optical(self) -> bool:
        return any(n in OPTICAL_BANDS for n in self.index)

    @property
    def sar(self) -> bool:
        return any(n in SAR_BANDS for n in self.index)

    def channels(self, names: frozenset[str]) -> list[int]:
        """Stack channels of the bands in ``names``, ascending."""
        return sorted(i for n, i in self.index.items() if n in names)

    def to_dict(self) -> dict:
        return {
            "bands": dict(sorted(self.index.items(), key=lambda kv: kv[1])),
            "identified_by": list(self.sources),
        }


def _from_counts(count: int) -> tuple[tuple[str, ...], str] | None:
    return {13: (S2_L1C, "Sentinel-2 L1C"), 12: (S2_L2A, "Sentinel-2 L2A"), 2: (S1, "Sentinel-1 VV/VH")}.get(
        count
    )


def identify_raster(
    count: int, descriptions: Sequence[str | None], position: int
) -> tuple[tuple[str | None, ...], str]:
    """Band names of one raster (None for an unused band) and how they were found.

    Raises:
        InputError: neither its descriptions nor its band count identify it.
    """
    named = tuple(canonical_band(d) for d in descriptions) if len(descriptions) == count else ()
    if named and all(named):
        return named, "band descriptions"
    by_count = _from_counts(count)
    if by_count is not None:
        return by_count[0], f"{by_count[1]} (band count)"
    raise InputError(
        f"Cannot tell which band is which in target raster {position + 1} ({count} band(s), no known band "
        "descriptions): expected Sentinel-2 L1C (13 bands), L2A (12) or Sentinel-1 VV/VH (2); name the "
        "bands with --param bands=B2/B3/B4/B8/B11/B12 (one per channel, - to skip)."
    )


def parse_bands(text: str, total: int) -> tuple[str | None, ...]:
    """The ``bands`` parameter as one canonical name (or None) per stack channel.

    Raises:
        InputError: wrong number of names, or an unknown name.
    """
    items = [t for t in _SEPARATORS.split(text.strip()) if t]
    if len(items) != total:
        raise InputError(
            f"bands= names {len(items)} band(s) but the targets have {total} channel(s): give one name per "
            "channel, separated by /, with - for a channel to skip (e.g. bands=B2/B3/B4/B8/B11/B12/VV/VH)."
        )
    out: list[str | None] = []
    for item in items:
        if item.upper() in IGNORED:
            out.append(None)
            continue
        name = canonical_band(item)
        if name is None:
            raise InputError(
                f"bands= names an unknown band {item!r}: use Sentinel-2 names (B1..B12, B8A, or blue, green, "
                "red, nir, swir1, swir2), VV, VH, or - to skip."
            )
        out.append(name)
    return tuple(out)


def identify_stack(
    counts: Sequence[int], descriptions: Sequence[Sequence[str | None]], override: str = ""
) -> BandMap:
    """The :class:`BandMap` of a target stack of rasters with ``counts`` bands and their
    ``descriptions`` (empty when unknown); ``override`` is the ``bands`` parameter.

    Raises:
        InputError: a raster cannot be identified, a band appears twice, or a bad override.
    """
    total = sum(counts)
    if override.strip():
        names: tuple[str | None, ...] = parse_bands(override, total)
        sources: tuple[str, ...] = ("bands parameter",)
    else:
        parts, found = [], []
        for i, count in enumerate(counts):
            desc = descriptions[i] if i < len(descriptions) else ()
            raster_names, how = identify_raster(count, desc, i)
            parts.extend(raster_names)
            found.append(how)
        names, sources = tuple(parts), tuple(found)
    index: dict[str, int] = {}
    for channel, name in enumerate(names):
        if name is None:
            continue
        if name in index:
            raise InputError(
                f"Band {name} appears twice among the targets (channels {index[name] + 1} and {channel + 1}): "
                "give each sensor once, or name the bands with --param bands=..."
            )
        index[name] = channel
    return BandMap(index, sources)
