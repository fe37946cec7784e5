"""The session's terminal view and audio helpers."""

from __future__ import annotations

import wave

from rich.console import Console
from tests.coach.helpers import LIBRARY, STATIC, drive, make_plan

from spinecoach.cli._session_audio import Voice, write_tone
from spinecoach.cli._session_view import big_number, render
from spinecoach.coach.clock import FakeClock
from spinecoach.coach.cues import CueKind, make_cue
from spinecoach.coach.engine import SessionEngine


def test_view_shows_step_countdown_breath_and_reps(rules) -> None:
    clock = FakeClock()
    engine = SessionEngine(make_plan(STATIC), LIBRARY, rules, clock=clock)
    engine.start()
    engine.report_pain(1)
    drive(engine, clock, 30.0)
    console = Console(record=True, width=100)
    console.print(render(engine.state(), "Hold for 30 seconds, breathing slowly."))
    text = console.export_text()
    assert "Static Stretch  (1/1)" in text
    assert "Hold for 30 seconds" in text and "breathe easily" in text and "reps 0/1" in text
    assert big_number("0:22").plain.splitlines()[0] in text  # the big countdown
    assert "something is wrong" in text


def test_tone_is_a_valid_short_wav(tmp_path) -> None:
    path = write_tone(tmp_path / "in.wav", 523.25, duration_s=0.25, sample_rate_hz=8000)
    with wave.open(str(path)) as handle:
        assert handle.getnchannels() == 1 and handle.getframerate() == 8000
        assert handle.getnframes() == 2000


def test_voice_explains_a_missing_speech_engine(monkeypatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    voice = Voice(enabled=True)
    assert "espeak-ng" in (voice.problem() or "")
    voice.say(make_cue(0.0, CueKind.BREATH, "Breathe in."))  # silently shown only
    assert Voice(enabled=False).problem() is None
