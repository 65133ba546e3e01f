"""Read a PyTorch ``state_dict`` checkpoint with ``pickle`` and numpy alone (no torch).

A ``.pt`` file is a zip: ``*/data.pkl`` pickles the dict, each tensor's storage is a raw
little-endian file ``*/data/<key>`` beside it. Only the classes a plain state dict needs are let
through the unpickler, so a checkpoint cannot run code when it is read.
"""

from __future__ import annotations

import pickle
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "BoolStorage": np.bool_,
}


class _Storage:
    def __init__(self, name: str) -> None:
        self.name = name


def _rebuild_tensor(storage: np.ndarray, offset: int, size: tuple[int, ...],
                    stride: tuple[int, ...], *_: Any) -> np.ndarray:
    """A tensor as a numpy view of its storage (copied, so the result owns its memory)."""
    if not size:
        return storage[offset:offset + 1].reshape(()).copy()
    itemsize = storage.itemsize
    return np.lib.stride_tricks.as_strided(
        storage[offset:], shape=size, strides=[s * itemsize for s in stride]).copy()


class _Unpickler(pickle.Unpickler):
    def __init__(self, archive: zipfile.ZipFile, prefix: str) -> None:
        super().__init__(archive.open(f"{prefix}data.pkl"))
        self._archive = archive
        self._prefix = prefix

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return _rebuild_tensor
        if module == "torch" and name in _DTYPES:
            return _Storage(name)
        raise pickle.UnpicklingError(f"checkpoint refers to {module}.{name}: not a plain state dict")

    def persistent_load(self, pid: Any) -> np.ndarray:
        _, storage, key, _location, _count = pid
        data = self._archive.read(f"{self._prefix}data/{key}")
        return np.frombuffer(data, dtype=np.dtype(_DTYPES[storage.name]).newbyteorder("<"))


def load_state_dict(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of the checkpoint at ``path`` by its name, as numpy arrays."""
    with zipfile.ZipFile(path) as archive:
        pickles = [name for name in archive.namelist() if name.endswith("data.pkl")]
        if len(pickles) != 1:
            raise ValueError(f"{path}: not a PyTorch checkpoint (no single data.pkl)")
        prefix = pickles[0][: -len("data.pkl")]
        state = _Unpickler(archive, prefix).load()
    if not isinstance(state, dict):
        raise ValueError(f"{path}: holds a {type(state).__name__}, not a state dict")
    return {key: np.asarray(value) for key, value in state.items()}
