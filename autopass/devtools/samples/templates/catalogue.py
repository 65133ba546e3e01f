"""Every template the generator draws from, registered on import.

The invoice and the contract have modules of their own (several layouts each); the other types
are printed one way for now, registered here from ``cards`` and ``papers``: one template serves
both groups (``templates_of``), so their figures say nothing about overfitting.
"""

from __future__ import annotations

from autopass.documents import DocumentType
from autopass.devtools.samples import cards, papers
from autopass.devtools.samples.templates import contracts, invoices  # noqa: F401  (register themselves)
from autopass.devtools.samples.templates.base import Template, TemplateGroup, register

for _name, _type, _render in (
    ("id_card_front_2004", DocumentType.ID_CARD_FRONT, cards.render_id_front),
    ("id_card_back_2004", DocumentType.ID_CARD_BACK, cards.render_id_back),
    ("driving_licence_2022", DocumentType.DRIVING_LICENCE, cards.render_driving_licence),
    ("bank_card_horizontal", DocumentType.BANK_CARD, cards.render_bank_card),
    ("vehicle_registration_a4", DocumentType.VEHICLE_REGISTRATION, papers.render_vehicle_registration),
    ("selfie_watermark_camera", DocumentType.SELFIE, papers.render_selfie),
):
    register(Template(_name, _type, TemplateGroup.TUNING, _render))
