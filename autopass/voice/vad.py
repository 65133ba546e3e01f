"""Where someone speaks in a call: an energy detector against the call's own noise floor.

Calls are recorded close to the mouth on both ends; speech stands 20-50 dB above the line's
noise. A frame is speech when it is well above the quietest frames of the call (its floor) and
above an absolute level; short gaps are bridged and short blips dropped.
"""

from __future__ import annotations

import numpy as np

RATE = 16_000
FRAME = 400  # 25 ms
HOP = 160  # 10 ms
ABOVE_FLOOR_DB = 15.0
MIN_LEVEL_DB = -50.0  # dB full scale: quieter is silence whatever the floor
BRIDGE_FRAMES = 30  # gaps under 0.3 s are within one turn
MIN_SPEECH_FRAMES = 25  # blips under 0.25 s are clicks, not speech

Segment = tuple[int, int]  # start, end in samples


def speech_segments(samples: np.ndarray) -> list[Segment]:
    """The stretches of ``samples`` (16 kHz mono) that hold speech, in order."""
    if len(samples) < FRAME:
        return []
    frames = np.lib.stride_tricks.sliding_window_view(samples, FRAME)[::HOP]
    power = np.mean(frames.astype(np.float64) ** 2, axis=1)
    level = 10 * np.log10(power + 1e-12)
    floor = np.percentile(level, 10)
    speech = (level > floor + ABOVE_FLOOR_DB) & (level > MIN_LEVEL_DB)
    segments = _runs(speech)
    bridged: list[tuple[int, int]] = []
    for start, end in segments:
        if bridged and start - bridged[-1][1] < BRIDGE_FRAMES:
            bridged[-1] = (bridged[-1][0], end)
        else:
            bridged.append((start, end))
    return [(start * HOP, min(len(samples), end * HOP + FRAME)) for start, end in bridged
            if end - start >= MIN_SPEECH_FRAMES]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
