"""Every template the generator draws from, registered on import.

Each document type printed several ways has a module of its own (``contracts``, ``invoices``,
``licences``, ``bank_cards``, ``registrations``, ``selfies``), with templates in both groups. The
national ID card is printed one way only (one template per side, registered here from ``cards``):
it serves both groups (``templates_of``), so its figures say nothing about overfitting.
"""

from __future__ import annotations

from autopass.documents import DocumentType
from autopass.devtools.samples import cards
from autopass.devtools.samples.templates import (  # noqa: F401  (register themselves)
    bank_cards,
    contracts,
    invoices,
    licences,
    registrations,
    selfies,
)
from autopass.devtools.samples.templates.base import Template, TemplateGroup, register

for _name, _type, _render in (
    ("id_card_front_2004", DocumentType.ID_CARD_FRONT, cards.render_id_front),
    ("id_card_back_2004", DocumentType.ID_CARD_BACK, cards.render_id_back),
):
    register(Template(_name, _type, TemplateGroup.TUNING, _render))
