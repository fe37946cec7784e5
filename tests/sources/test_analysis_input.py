"""The analyze input-handler registry: lazy import, source detection, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from spinecoach.errors import InvalidInput, InvalidRecording, UnknownFormat
from spinecoach.sources import analysis_input
from spinecoach.sources.analysis_input import (
    INPUT_HANDLERS,
    AnalyzeOptions,
    detect_source,
    load_handler,
    run_analysis,
)


def test_registry_names_the_three_kinds() -> None:
    assert set(INPUT_HANDLERS) == {"keypoints", "video", "imu"}
    assert INPUT_HANDLERS["video"] == "spinecoach.sources.video.handler:analyze_video"
    assert INPUT_HANDLERS["imu"] == "spinecoach.sources.imu.handler:analyze_imu"


def test_detect_source(shared_data: Path, tmp_path: Path) -> None:
    assert detect_source(shared_data / "keraal/G3-OP-CTK-P1T1-Unknown-C-0.json") == "keypoints"
    clip = tmp_path / "clip.MP4"
    clip.write_bytes(b"")
    assert detect_source(clip) == "video"
    with pytest.raises(InvalidRecording, match="not found"):
        detect_source(tmp_path / "missing.csv")
    odd = tmp_path / "notes.txt"
    odd.write_text("hello\n")
    with pytest.raises(UnknownFormat, match="notes.txt"):
        detect_source(odd)


def test_missing_handler_module_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(INPUT_HANDLERS, "video", "spinecoach.sources.no_such_module:run")
    with pytest.raises(InvalidInput, match="'video' input handler"):
        load_handler("video")
    with pytest.raises(InvalidInput, match="Allowed values"):
        load_handler("radar")


def test_keypoints_handler_end_to_end(shared_data: Path) -> None:
    from spinecoach.content.loader import load_exercise_file, load_source_tags
    from spinecoach.settings import default_content_dir

    root = default_content_dir()
    side_bend = load_exercise_file(
        root / "exercises" / "seated_side_bend.toml", load_source_tags(root)
    ).to_domain()
    path = shared_data / "keraal/G3-BP-ELK-P1T1-Unknown-C-0.json"
    output = run_analysis(path, "auto", AnalyzeOptions(exercise=side_bend))
    assert output.source == "keypoints/blazepose_json"
    assert output.result is not None and len(output.result.repetitions) == 2
    assert output.keypoints is not None and output.keypoints.n_frames == 193
    assert any("30.0 frames/s" in note for note in output.notes)
    plain = run_analysis(path, "keypoints", AnalyzeOptions(filter="none"))
    assert plain.result is None


def test_imu_auto_detection_uses_can_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import types

    fake = types.ModuleType("fake_imu")
    fake.can_read = lambda path: path.suffix == ".imu"  # type: ignore[attr-defined]
    monkeypatch.setattr(analysis_input, "_import", lambda kind: (fake, "analyze_imu"))
    sample = tmp_path / "walk.imu"
    sample.write_text("t,ax\n")
    assert detect_source(sample) == "imu"
