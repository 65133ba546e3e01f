"""The result model (CONTRACT §3) holds only what JSON and the store can hold."""

from __future__ import annotations

import json

import numpy as np
import pytest

from autopass.dossier import FieldValue


@pytest.mark.parametrize(("scalar", "plain"), [(np.bool_(False), False), (np.float64(0.25), 0.25),
                                               (np.int64(7), 7)])
def test_a_numpy_scalar_from_image_analysis_is_kept_as_plain_python(scalar, plain) -> None:  # type: ignore[no-untyped-def]
    value = FieldValue(value=scalar, confidence=0.5)
    assert type(value.value) is type(plain) and value.value == plain
    assert json.loads(value.model_dump_json())["value"] == plain
