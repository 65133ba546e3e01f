"""The capture check's bench: which photos count as read, and the confusion figures."""

from __future__ import annotations

from collections import Counter

import numpy as np

from autopass.capture_check import CheckedDocument, CheckedField, Legibility
from autopass.devtools.capture_bench import CaptureBench, _pipeline_read_right, _read_right
from autopass.documents import DocumentType
from autopass.dossier import FieldValue
from autopass.reading import ReadDocument

LEGIBLE = Legibility(text_height_px=30, sharpness=200.0, glare_share=0.0, cut_off=False)


def _front(**fields: CheckedField) -> CheckedDocument:
    return CheckedDocument(type=DocumentType.ID_CARD_FRONT, confidence=0.99, region=None,
                           fields=fields, legibility=LEGIBLE)


def test_a_photo_counts_as_read_when_every_key_field_is_right_and_trusted() -> None:
    printed = {"name": "张伟", "id_number": "370202198803121230"}
    right = CheckedField("张伟", 0.99, True, True)
    number = CheckedField("370202198803121230", 0.99, True, True)
    assert _read_right([_front(name=right, id_number=number)], DocumentType.ID_CARD_FRONT, printed)
    unsure = CheckedField("370202198803121230", 0.7, False, True)
    assert not _read_right([_front(name=right, id_number=unsure)], DocumentType.ID_CARD_FRONT,
                           printed)
    misread = CheckedField("370202198803121238", 0.99, True, False)
    assert not _read_right([_front(name=right, id_number=misread)], DocumentType.ID_CARD_FRONT,
                           printed)
    assert not _read_right([], DocumentType.ID_CARD_FRONT, printed)


def test_figures_split_the_photos_by_read_and_flagged() -> None:
    bench = CaptureBench(outcomes=Counter({(False, True): 9, (False, False): 1,
                                           (True, True): 2, (True, False): 38}),
                         seconds=[0.5] * 19 + [2.0])
    figures = bench.figures()
    assert figures["share_of_unread_flagged"] == 0.9
    assert figures["share_of_read_flagged"] == 0.05
    assert figures["check_seconds_p50"] == 0.5 and figures["check_seconds_p95"] == 2.0


def test_the_pipelines_reading_counts_as_read_with_the_standards_confidence() -> None:
    printed = {"card_number": "6229083487942379262"}
    needed = {"card_number": 0.9}.__getitem__

    def card(confidence: float, value: str = "6229083487942379262") -> list[ReadDocument]:
        return [ReadDocument(type=DocumentType.BANK_CARD, confidence=0.99, region=None,
                             fields={"card_number": FieldValue(value=value, confidence=confidence)},
                             image=np.zeros((1, 1, 3), np.uint8))]

    assert _pipeline_read_right(card(0.95), DocumentType.BANK_CARD, printed, needed)
    assert not _pipeline_read_right(card(0.85), DocumentType.BANK_CARD, printed, needed)
    assert not _pipeline_read_right(card(0.95, "6229083487942379268"), DocumentType.BANK_CARD,
                                    printed, needed)
    assert not _pipeline_read_right(card(0.95), DocumentType.ID_CARD_FRONT, printed, needed)


def test_figures_against_the_pipeline_are_their_own_table() -> None:
    bench = CaptureBench(outcomes=Counter({(False, True): 3, (True, False): 7}),
                         pipeline_outcomes=Counter({(False, True): 2, (True, True): 1,
                                                    (True, False): 7}),
                         seconds=[1.0] * 10, cpu_seconds=[0.5] * 10)
    figures = bench.figures()
    assert figures["share_of_unread_flagged"] == 1.0 and figures["share_of_read_flagged"] == 0.0
    assert figures["pipeline_read_flagged"] == 1 and figures["pipeline_read_passed"] == 7
    assert figures["pipeline_share_of_read_flagged"] == 0.125
    assert figures["check_cpu_seconds_p50"] == 0.5
    assert "pipeline_read_flagged" not in CaptureBench(outcomes=bench.outcomes).figures()
