"""Machine reading of document pages: find, straighten, classify and extract (CONTRACT §2)."""

from autopass.reading.analyse import ReadDocument, analyse_page, read_as

__all__ = ["ReadDocument", "analyse_page", "read_as"]
