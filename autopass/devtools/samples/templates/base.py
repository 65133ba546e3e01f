"""What a sample template is: one way a document type is printed, in one group.

Every figure the reader reaches on documents drawn by templates it was tuned on says little about
documents nobody here drew. So templates come in two groups: ``tuning`` (the reader may be
adjusted until they read well) and ``holdout`` (never looked at while tuning: the gap between
the two groups' figures is the overfitting figure). A template is a small unit: a name, the
document type it draws, its group and a render function, registered once.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image

from autopass.documents import DocumentType
from autopass.devtools.samples.facts import DocumentFields, Facts

Render = Callable[[Facts, random.Random], tuple[Image.Image, DocumentFields]]


class TemplateGroup(StrEnum):
    TUNING = "tuning"
    HOLDOUT = "holdout"


class TemplateSelection(StrEnum):
    """Which templates ``autopass samples --templates`` draws from."""

    TUNING = "tuning"
    HOLDOUT = "holdout"
    ALL = "all"

    def groups(self) -> tuple[TemplateGroup, ...]:
        if self == TemplateSelection.ALL:
            return (TemplateGroup.TUNING, TemplateGroup.HOLDOUT)
        return (TemplateGroup(self.value),)


@dataclass(frozen=True)
class Template:
    name: str
    document_type: DocumentType
    group: TemplateGroup
    render: Render


_REGISTRY: dict[str, Template] = {}


def register(template: Template) -> Template:
    """Adds ``template`` to the catalogue; a name is taken once."""
    if template.name in _REGISTRY:
        raise ValueError(f"template {template.name!r} is registered twice")
    _REGISTRY[template.name] = template
    return template


def template(name: str, document_type: DocumentType, group: TemplateGroup) -> Callable[[Render], Render]:
    """Decorator: registers the render function it decorates as template ``name``."""

    def decorate(render: Render) -> Render:
        register(Template(name, document_type, group, render))
        return render

    return decorate


def all_templates() -> list[Template]:
    return list(_REGISTRY.values())


def get_template(name: str) -> Template:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown template {name!r}; known: {', '.join(sorted(_REGISTRY))}") from None


def templates_of(document_type: DocumentType, group: TemplateGroup | None = None) -> list[Template]:
    """The templates of ``document_type`` in ``group`` (all groups with None). A type printed one
    way only (the national ID card) has that one template in every group."""
    own = [t for t in _REGISTRY.values() if t.document_type == document_type]
    grouped = [t for t in own if group is None or t.group == group]
    return grouped or own


def choose_template(document_type: DocumentType, group: TemplateGroup, rng: random.Random) -> Template:
    """One of the type's templates in ``group``; ``rng`` is not touched when there is one only."""
    candidates = templates_of(document_type, group)
    if not candidates:
        raise ValueError(f"no template draws {document_type.value}")
    return candidates[0] if len(candidates) == 1 else rng.choice(candidates)
