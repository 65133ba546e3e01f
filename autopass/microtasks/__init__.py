"""The kinds of micro-task people answer, one module each (``autopass/microtasks/<kind>.py``).

A kind's module holds everything about it: its answer model, when routing asks it, what it shows
(crops, candidates, choices), how the page's form and the API's body become its answer, how an
answer becomes a fact, its page (``web/templates/tasks/<kind>.html``) with its badge and key
hint, and the answer the simulated operators give (``autopass.devtools``). Adding a kind: a member
of ``MicroTaskKind``, its module (a ``KIND`` instance of ``MicroTaskType``) and its template;
``tests/microtasks/test_kinds.py`` checks that each kind is complete.

This module stays light (no import of the kinds' modules): the store, the standards and the
dossier's models name the kinds; ``kind_of`` loads a kind's module the first time it is asked.
"""

from __future__ import annotations

import importlib
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autopass.microtasks.base import MicroTaskType


class MicroTaskKind(StrEnum):
    """Every kind of micro-task; the value is the name of its module and of its template."""

    CLASSIFY_DOCUMENT = "classify_document"
    CONFIRM_FIELD = "confirm_field"
    COMPARE_FACES = "compare_faces"
    CHECK_SIGNATURE = "check_signature"
    RESOLVE_MISMATCH = "resolve_mismatch"
    INVESTIGATE_LINK = "investigate_link"  # a senior's: this dossier and others of other people
    REVIEW_CHANNEL = "review_channel"  # a senior's: a dossier of a dealer or salesperson under watch


class ChoiceKind(StrEnum):
    """Questions answered by picking (yes or no, a document type): nothing typed, so two people
    who disagree leave a senior the same question, not values to choose between."""

    COMPARE_FACES = MicroTaskKind.COMPARE_FACES.value
    CHECK_SIGNATURE = MicroTaskKind.CHECK_SIGNATURE.value
    CLASSIFY_DOCUMENT = MicroTaskKind.CLASSIFY_DOCUMENT.value


CHOICE_KINDS = frozenset(MicroTaskKind(kind) for kind in ChoiceKind)


@cache
def kind_of(kind: MicroTaskKind | str) -> MicroTaskType:
    """The kind's module's ``KIND``: everything Autopass knows about that kind of micro-task."""
    module = importlib.import_module(f"{__name__}.{MicroTaskKind(kind).value}")
    return module.KIND  # type: ignore[no-any-return]


def all_kinds() -> list[MicroTaskType]:
    """Every kind, in the order ``MicroTaskKind`` lists them."""
    return [kind_of(kind) for kind in MicroTaskKind]
