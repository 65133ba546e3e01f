"""The capture check's bench: which photos count as read, and the confusion figures."""

from __future__ import annotations

from collections import Counter

from autopass.capture_check import CheckedDocument, CheckedField, Legibility
from autopass.devtools.capture_bench import CaptureBench, _read_right
from autopass.documents import DocumentType

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
