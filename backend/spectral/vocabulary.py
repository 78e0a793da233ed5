"""The spectral prompt vocabulary: free text -> one physical concept.

A prompt is lower-cased and split into words; it names a concept when it contains one of the
concept's keywords (a few English synonyms and the obvious French words), or for vegetation loss an
object word together with a loss word ("forest loss", "dead vegetation"). Exactly one concept must
match; anything else is a one-line :class:`InputError` that lists the vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InputError


@dataclass(frozen=True)
class Concept:
    """One entry of the vocabulary.

    Attributes:
        key: ``water``, ``burn``, ``vegetation_loss``, ``bare_soil`` or ``cloud``.
        label: how the vocabulary names it to the analyst.
        keywords: words (or two-word phrases) that select it.
    """

    key: str
    label: str
    keywords: frozenset[str]


WATER = Concept(
    "water",
    "water/flood",
    frozenset(
        "water waters flood floods flooded flooding inundation inundated submerged lake river "
        "reservoir pond inondation inondé inondée inondés inondées eau crue".split()
    ),
)
BURN = Concept(
    "burn",
    "burn scar",
    frozenset(
        "burn burns burned burnt fire fires wildfire wildfires scorched charred brûlé brûlée incendie".split()
    ),
)
VEGETATION_LOSS = Concept(
    "vegetation_loss",
    "vegetation loss",
    frozenset(
        "deforestation deforested clearcut clear-cut logging dieback defoliation déforestation".split()
    ),
)
BARE_SOIL = Concept(
    "bare_soil",
    "bare soil/construction",
    frozenset("bare soil soils construction earthworks excavation quarry dirt sol chantier".split()),
)
CLOUD = Concept("cloud", "cloud", frozenset("cloud clouds cloudy nuage nuages".split()))

VOCABULARY: tuple[Concept, ...] = (WATER, BURN, VEGETATION_LOSS, BARE_SOIL, CLOUD)

_VEGETATION_WORDS = frozenset(
    "vegetation forest forests tree trees crop crops canopy végétation forêt".split()
)
_LOSS_WORDS = frozenset("loss lost cleared clearing removal removed dead dying cut felled perte".split())


def vocabulary_text() -> str:
    """``water/flood, burn scar, vegetation loss, bare soil/construction, cloud``."""
    return ", ".join(c.label for c in VOCABULARY)


def match_prompt(text: str) -> Concept:
    """The concept a prompt names.

    Raises:
        InputError: the prompt is empty, names no concept, or names several.
    """
    words = set(re.findall(r"[\w-]+", text.lower()))
    found = [c for c in VOCABULARY if words & c.keywords]
    if VEGETATION_LOSS not in found and words & _VEGETATION_WORDS and words & _LOSS_WORDS:
        found.append(VEGETATION_LOSS)
    if len(found) == 1:
        return found[0]
    if not found:
        raise InputError(
            f"The prompt {text.strip()!r} is not in the spectral vocabulary: use one of "
            f"{vocabulary_text()} (e.g. --prompt flood); free text needs a CLIP method."
        )
    raise InputError(
        f"The prompt {text.strip()!r} names several spectral concepts ({', '.join(c.label for c in found)}): "
        "ask for one at a time."
    )
