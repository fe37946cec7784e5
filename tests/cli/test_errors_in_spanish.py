"""Errors raised below the CLI (the readers, the store, settings) and Click's usage errors
reach a person in their language: with Spanish chosen (``spinecoach config language es``,
stored on the local profile), a bad IMU file, a bad keypoint file and a bad video each give
one Spanish ``error:`` line naming the file, exit code 2; English stays word for word.

The bad inputs are real recordings from ``../shared/data`` perturbed in a temporary folder.
"""

from __future__ import annotations

import contextvars
import shutil
from pathlib import Path

import pytest

from spinecoach.cli import main


def run(capsys, *args: str, code: int = 0) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    got = contextvars.copy_context().run(main, list(args))
    captured = capsys.readouterr()
    assert got == code, captured.out + captured.err
    return captured.out, " ".join(captured.err.split())  # rich wraps long lines


@pytest.fixture()
def bad_inputs(tmp_path: Path, shared_data: Path) -> dict[str, Path]:
    """Perturbed copies of real recordings: each is wrong in one way a person can fix."""
    imu_rows = (shared_data / "imu" / "fusion_sensor_data.csv").read_text().splitlines()
    kinect = shared_data / "keraal" / "G3-Kinect-ELK-P1T1-Unknown-C-0.txt"
    kinect_rows = kinect.read_text().splitlines()
    kinect_rows[2] = "abc" + kinect_rows[2][kinect_rows[2].index(" ") :]
    video = (shared_data / "video" / "sports2d_demo.mp4").read_bytes()
    out = {
        "imu_short": tmp_path / "imu short.csv",  # header and 5 samples
        "imu_empty": tmp_path / "imu_header_only.csv",
        "keypoints": tmp_path / "kinect_bad.txt",  # a word where a coordinate should be
        "video_cut": tmp_path / "cut.mp4",  # the first 100 kB: no decodable frame
        "video_fake": tmp_path / "notes.mp4",  # text with a video's name
    }
    out["imu_short"].write_text("\n".join(imu_rows[:6]) + "\n")
    out["imu_empty"].write_text(imu_rows[0] + "\n")
    out["keypoints"].write_text("\n".join(kinect_rows) + "\n")
    out["video_cut"].write_bytes(video[:100_000])
    out["video_fake"].write_text("not a video\n")
    shutil.copy(kinect, tmp_path / "kinect_ok.txt")
    return out


@pytest.fixture()
def spanish_profile(tmp_path, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    """Spanish stored on the local profile; the terminal itself says English."""
    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SPINECOACH_LOCALE", raising=False)
    monkeypatch.delenv("SPINECOACH_COUNTRY", raising=False)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    run(capsys, "config", "language", "es")


SPANISH = {
    "imu_short": "solo 5 muestras (se necesitan al menos 10)",
    "imu_empty": "no hay filas de datos",
    "keypoints": "la línea 3 contiene un valor que no es un número",
    "video_cut": "no se pudo decodificar ningún fotograma",
    "video_fake": "no se puede abrir como vídeo (formato desconocido o dañado)",
}
ENGLISH = {
    "imu_short": "only 5 samples (need at least 10)",
    "imu_empty": "no data rows",
    "keypoints": "line 3 holds a value that is not a number",
    "video_cut": "no frame could be decoded",
    "video_fake": "cannot open as a video (unknown or corrupt format)",
}


@pytest.mark.parametrize("kind", sorted(SPANISH))
def test_a_bad_recording_gets_a_spanish_error_line_naming_the_file(
    capsys, spanish_profile, bad_inputs, kind
) -> None:  # type: ignore[no-untyped-def]
    path = bad_inputs[kind]
    _, err = run(capsys, "analyze", str(path), code=2)
    assert err == f"error: {path}: {SPANISH[kind]}"


@pytest.mark.parametrize("kind", sorted(ENGLISH))
def test_english_errors_are_unchanged(capsys, bad_inputs, tmp_path, monkeypatch, kind) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SPINECOACH_LOCALE", "en")
    path = bad_inputs[kind]
    _, err = run(capsys, "analyze", str(path), code=2)
    assert err == f"error: {path}: {ENGLISH[kind]}"


def test_the_environment_still_overrides_the_stored_language(
    capsys, spanish_profile, bad_inputs, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPINECOACH_LOCALE", "en")
    path = bad_inputs["imu_empty"]
    _, err = run(capsys, "analyze", str(path), code=2)
    assert err == f"error: {path}: no data rows"


def test_option_and_setting_errors_and_notes_in_spanish(
    capsys, spanish_profile, bad_inputs, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    kinect = tmp_path / "kinect_ok.txt"
    _, err = run(capsys, "analyze", str(kinect), "--source", "sonar", code=2)
    assert "error: --source debe ser uno de auto, " in err and "se recibió 'sonar'" in err
    _, err = run(capsys, "analyze", str(kinect), "--placement", "imu", "--fps", "0", code=2)
    assert err.startswith("error: --placement debe ser uno de"), err
    _, err = run(capsys, "analyze", str(tmp_path / "missing.csv"), code=2)
    assert err == f"error: {tmp_path / 'missing.csv'}: no se encuentra el archivo"


def test_imu_notes_in_spanish(capsys, spanish_profile, shared_data, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The IMU reader's per-sensor notes and the unmeasurable reasons: a real recording's
    first 3 s with its last row cut in half (as when a logger is stopped mid-write)."""
    rows = (shared_data / "imu" / "fusion_sensor_data.csv").read_text().splitlines()
    cut = tmp_path / "fusion_cut.csv"
    cut.write_text("\n".join([*rows[:300], rows[300][:20]]) + "\n")
    out, _ = run(capsys, "analyze", str(cut))
    out = " ".join(out.split())
    assert "nota: lower: la última fila (línea 301) estaba incompleta y se descartó" in out
    assert "nota: mounting_lower: eje hacia delante " in out
    assert "no medible: lumbar_flexion_deg: necesita la colocación 'dual'; " in out
    assert "esta grabación es 'sacrum'" in out
    for english in ("incomplete", "forward axis", "needs placement", "this recording"):
        assert english not in out


def test_clicks_usage_errors_in_spanish(capsys, spanish_profile) -> None:  # type: ignore[no-untyped-def]
    _, err = run(capsys, "analyze", code=2)
    assert "Error: Falta el argumento 'INPUT'." in err
    _, err = run(capsys, "analyze", "a.csv", "b.csv", code=2)
    assert "Error: Argumento(s) adicional(es) inesperado(s) (b.csv)" in err
    _, err = run(capsys, "analyze", "a.csv", "--fps", "abc", code=2)
    assert "Error: Valor no válido para '--fps': El valor debe ser un número válido" in err
    _, err = run(capsys, "analyze", "a.csv", "--fps", code=2)
    assert "Error: La opción '--fps' necesita un argumento." in err
    _, err = run(capsys, "exercises", "nosuch", code=2)
    assert "Error: No existe el comando 'nosuch'." in err
    _, err = run(capsys, "checkin", "--pain", "x", code=2)
    assert "Valor no válido para '--pain': El valor debe ser un número entero válido" in err


def test_no_clear_movement_reason_in_spanish_json_in_english(
    capsys, spanish_profile, shared_data, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A real Kinect recording with its frames shuffled (fixed seed): the angle jumps, so the
    count is "no clear repeated movement" with that reason. The terminal says it in Spanish;
    the JSON's ``count.note`` stays the English contract, word for word."""
    import json
    import random

    rows = (shared_data / "keraal" / "G3-Kinect-ELK-P1T1-Unknown-C-0.txt").read_text()
    lines = rows.splitlines()
    random.Random(0).shuffle(lines)
    shuffled = tmp_path / "shuffled.txt"
    shuffled.write_text("\n".join(lines) + "\n")
    args = ("analyze", str(shuffled), "--exercise", "seated_side_bend")
    out, _ = run(capsys, *args)
    shown = " ".join(out.split())
    assert "ningún movimiento repetido claro: el ángulo salta de un fotograma a otro" in shown
    assert "(suavidad 0." in shown and "< 0.5)" in shown
    assert "no clear repeated movement" not in shown and "jumps" not in shown
    out, _ = run(capsys, *args, "--json")
    note = json.loads(out)["count"]["note"]
    assert note.startswith("no clear repeated movement: the angle jumps from frame to frame")
    assert note.endswith(" < 0.5)")
    monkeypatch.setenv("SPINECOACH_LOCALE", "en")
    out, _ = run(capsys, *args)
    assert note in " ".join(out.split())  # English: the same words as the JSON
