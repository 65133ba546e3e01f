"""Risk across dossiers: what one dossier shares with earlier dossiers of other applicants.

Autopass judges each dossier alone; a ring (one person answering for many applicants, one car
financed twice, one phone or bank card behind several customers) passes every check of each of
its dossiers. This package links dossiers through the values they share (``attributes``, ``links``)
and the faces they show (``faces``), keeps what it found as findings (``screening``), and lets a
senior settle them (``settle``). A finding never rejects by itself; a dossier with an open one
never goes straight through.
"""

from autopass.risk.screening import (
    RISK_CHECK_ID,
    FaceVector,
    Screening,
    Tamper,
    VoiceVector,
    record_screening,
    risk_check,
    screen_dossier,
)
from autopass.risk.settle import Verdict, settle_findings

__all__ = [
    "RISK_CHECK_ID",
    "FaceVector",
    "Screening",
    "Tamper",
    "Verdict",
    "VoiceVector",
    "record_screening",
    "risk_check",
    "screen_dossier",
    "settle_findings",
]
