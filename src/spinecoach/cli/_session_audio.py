"""Spoken cues (espeak-ng, offline) and breath tones (a short sine played with aplay/paplay)."""

from __future__ import annotations

import logging
import math
import shutil
import struct
import subprocess
import tempfile
import wave
from pathlib import Path

from spinecoach.coach.cues import Cue, CueKind

log = logging.getLogger(__name__)

SPEECH_ENGINES = ("espeak-ng", "espeak")
PLAYERS = ("paplay", "aplay")
#: Tone pitch per breath direction (Hz): rising for inhale, falling for exhale.
TONES_HZ = {"inhale": 523.25, "exhale": 392.0}


def write_tone(path: Path, frequency_hz: float, duration_s: float = 0.25,
               sample_rate_hz: int = 22050, volume: float = 0.3) -> Path:  # fmt: skip
    """Write a mono 16-bit sine tone with 20 ms fades to ``path`` (WAV)."""
    n = int(duration_s * sample_rate_hz)
    fade = max(int(0.02 * sample_rate_hz), 1)
    frames = bytearray()
    for i in range(n):
        envelope = min(1.0, i / fade, (n - 1 - i) / fade)
        value = volume * envelope * math.sin(2.0 * math.pi * frequency_hz * i / sample_rate_hz)
        frames += struct.pack("<h", int(value * 32767))
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(sample_rate_hz)
        handle.writeframes(bytes(frames))
    return path


class Voice:
    """Speaks cues without blocking; a newer higher-priority cue interrupts an older one.

    Parameters
    ----------
    enabled : bool
        ``False`` (``--no-audio``) silences everything.
    rate_wpm : int
        Speaking rate (words per minute).
    """

    def __init__(self, enabled: bool = True, rate_wpm: int = 150) -> None:
        self.enabled = enabled
        self.rate_wpm = rate_wpm
        self.engine = next((p for p in map(shutil.which, SPEECH_ENGINES) if p), None)
        self.player = next((p for p in map(shutil.which, PLAYERS) if p), None)
        self._speech: subprocess.Popen[bytes] | None = None
        self._speech_priority = -1
        self._tones: dict[str, Path] = {}
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def problem(self) -> str | None:
        """A one-line notice when audio was asked for but cannot play, else ``None``."""
        if not self.enabled:
            return None
        if self.engine is None:
            return (
                "Spoken cues need espeak-ng, which is not installed (Debian/Ubuntu: "
                "`sudo apt install espeak-ng`); cues are shown on screen only. "
                "Use --no-audio to hide this notice."
            )
        return None

    def say(self, cue: Cue) -> None:
        """Speak ``cue`` (breath cues also play their tone)."""
        if not self.enabled:
            return
        if cue.kind is CueKind.BREATH and cue.breath is not None:
            self._tone(cue.breath.value)
        if self.engine is None:
            return
        busy = self._speech is not None and self._speech.poll() is None
        if busy and cue.priority < self._speech_priority:
            return
        if busy and self._speech is not None:
            self._speech.terminate()
        self._speech_priority = cue.priority
        self._speech = subprocess.Popen(  # noqa: S603 - fixed program, text as one argument
            [self.engine, "-s", str(self.rate_wpm), cue.text],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _tone(self, kind: str) -> None:
        """Play the tone of breath direction ``kind`` (inhale or exhale; others are silent)."""
        if self.player is None or kind not in TONES_HZ:
            return
        if kind not in self._tones:
            if self._tmp is None:
                self._tmp = tempfile.TemporaryDirectory(prefix="spinecoach-tones-")
            self._tones[kind] = write_tone(Path(self._tmp.name) / f"{kind}.wav", TONES_HZ[kind])
        subprocess.Popen(  # noqa: S603
            [self.player, str(self._tones[kind])],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def close(self) -> None:
        """Let the last words finish (at most 5 s) and remove the tone files."""
        if self._speech is not None:
            try:
                self._speech.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._speech.kill()
        if self._tmp is not None:
            self._tmp.cleanup()
