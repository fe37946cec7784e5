"""Every CLI command outside screening/plan/check-in/safety answers in Spanish when Spanish is
chosen, on real inputs: no English sentence from the catalogue and no common English UI word
is left in what a person reads (issue 14 "Reach"). JSON keys and FHIR codes stay the same.

Each command runs through ``spinecoach.cli.main`` (which binds the language the way the
terminal does) in a copied context, so the bound language never leaks into other tests.
"""

from __future__ import annotations

import contextvars
import io
import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from pypdf import PdfReader

from spinecoach.cli import main
from spinecoach.content.i18n import LOCALE_DIR

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ELK = "keraal/G3-BP-ELK-P1T1-Unknown-C-0.json"
SESSION = ("session", "--headless", "--no-audio", "--pain", "2", "--keypoints")
SPANISH_PO = LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po"

#: English words of the terminal's own frame; none may be left in Spanish output.
ENGLISH_UI = re.compile(
    r"\b(Wrote|Imported|Steps|Dose|Cues|Cautions|Sources|Session|sessions?|exercises?|"
    r"repetitions|reps|Pain (now|before)|Next check-in|What you did|What improved|"
    r"tomorrow|not reported|Posture (check|monitor)|Nothing yet|desk breaks?|"
    r"sign-ins?|temporary password|worker processes|the|and|your|with)\b"
)


def _english_fragments() -> list[str]:
    """The literal parts (>= 14 characters) of every catalogue entry translated differently."""
    with SPANISH_PO.open("rb") as fh:
        catalog = read_po(fh)
    out = []
    for m in catalog:
        if not m.id or not m.string:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for msgid in ids:
            if msgid in strings:
                continue
            for part in re.split(r"\{[^}]*\}|%\([^)]*\)s|\[[^\]]*\]|`[^`]*`", msgid):
                part = part.strip(" .,:;()—-")
                if len(part) >= 14 and " " in part:
                    out.append(part)
    return sorted(set(out))


FRAGMENTS = _english_fragments()


#: Still English, written by the store for the safety state (not this CLI's words; reported):
#: "Safety answers on 07 Dec 16:21: no warning signs."
STORE_SAFETY_REASON = re.compile(r"Safety answers on [^:]*:[^.]*\.")


def _spanish_problems(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    for line in allowed:
        text = text.replace(line, "")
    text = STORE_SAFETY_REASON.sub("", text)
    text = re.sub(r"\S*/\S*", "", text)  # file paths are the person's own names
    found = [f for f in FRAGMENTS if f in text]
    found += sorted({m.group(0) for m in ENGLISH_UI.finditer(text)})
    return found


@pytest.fixture()
def spanish(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SPINECOACH_LOCALE", "es")
    monkeypatch.setenv("SPINECOACH_COUNTRY", "ES")
    return tmp_path


def run(capsys, *args: str, code: int = 0) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    got = contextvars.copy_context().run(main, list(args))
    captured = capsys.readouterr()
    assert got == code, captured.out + captured.err
    return captured.out, captured.err


def _onboard(capsys) -> None:  # type: ignore[no-untyped-def]
    run(capsys, "screen", "--answers", str(EXAMPLES / "screening_clear.json"))
    run(capsys, "intake", "--answers", str(EXAMPLES / "profile_desk_worker.json"))
    run(capsys, "plan")


def test_exercises_in_spanish(capsys, spanish) -> None:  # type: ignore[no-untyped-def]
    out, _ = run(capsys, "exercises", "list")
    assert "ejercicios" in out and "movilidad" in out and "nombre" in out
    assert not _spanish_problems(out), _spanish_problems(out)
    out, _ = run(capsys, "exercises", "show", "cat_cow")
    assert "Pasos" in out and "Dosis" in out and "Precauciones" in out and "Gato-vaca" in out
    assert "Deje que la respiración guíe" in out  # the exercise's cues list, translated
    # the form errors to watch for (data/exercises: common_errors.description), translated
    assert "Vigile" in out and "Moverse más deprisa que la respiración." in out
    flat = " ".join(out.split())
    assert not _spanish_problems(flat), _spanish_problems(flat)
    listed = json.loads(run(capsys, "exercises", "list", "--json")[0])
    assert set(listed[0]) == {"id", "name", "category", "position", "direction", "level",
                              "section", "duration_s"}  # fmt: skip
    assert listed[0]["category"] in ("mobility", "static_stretch", "pnf", "isometric",
                                     "functional")  # ids, not words  # fmt: skip
    _, err = run(capsys, "exercises", "show", "cat_cow", "--view", "top", code=2)
    assert err.startswith("error: --view: se esperaba") and "\n" == err[-1] and err.count("\n") == 1


def test_a_session_on_a_real_recording_in_spanish(capsys, spanish, shared_data) -> None:  # type: ignore[no-untyped-def]
    _onboard(capsys)
    out, _ = run(capsys, *SESSION, str(shared_data / ELK), "--exercise", "seated_side_bend")
    flat = " ".join(out.split())
    for spanish_words in ("Entrada:", "Sesión", "ejercicio", "Lo que ha hecho",
                          "Lo que cambia mañana", "Próximo control"):  # fmt: skip
        assert spanish_words in flat, spanish_words
    # the cue timeline's lines are the coach's words (translated by the coach); the table and
    # frame around them are checked here
    frame = "\n".join(line for line in out.splitlines() if not re.match(r"\s*\d+\.\d\ds ", line))
    # tomorrow's changes carry the plan adaptation's reasons (domain wording, still English:
    # "Not done in the last session: unchanged."); the heading around them is checked
    frame = re.sub(r"(Lo que cambia mañana:).*?(Próximo control)", r"\1 \2", frame, flags=re.S)
    assert not _spanish_problems(" ".join(frame.split())), _spanish_problems(frame)


def test_report_export_fhir_and_users_in_spanish(capsys, spanish, shared_data, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tmp = spanish
    _onboard(capsys)
    run(capsys, *SESSION, str(shared_data / ELK), "--exercise", "seated_side_bend")
    outputs = [
        run(capsys, "report", "--out", str(tmp / "r.pdf"))[0],
        run(capsys, "export", "--out", str(tmp / "e.json"))[0],
        run(capsys, "export", "--csv-dir", str(tmp / "csv"))[0],
        run(capsys, "fhir", "export", "--out", str(tmp / "b.json"))[0],
        run(capsys, "fhir", "import", str(tmp / "b.json"), "--data-dir", str(tmp / "other"))[0],
        run(capsys, "posture", "history")[0],
        run(capsys, "posture", "breaks")[0],
        run(capsys, "config", "language")[0],
    ]
    text = " ".join(" ".join(outputs).split())
    assert "Se escribió" in text and "Se importó" in text and "Idioma:" in text
    assert not _spanish_problems(text), _spanish_problems(text)
    _, err = run(capsys, "users", "sign-out", "nobody@example.org", code=2)
    assert err.startswith("error: email: no hay ninguna cuenta"), err
    _, err = run(capsys, "serve", "--workers", "2", code=2)
    assert err.startswith("error: --workers 2: varios procesos"), err
    _fhir_in_spanish_keeps_codes_and_keys_and_reimports(capsys, tmp, monkeypatch)


def test_the_stored_language_is_used_unless_the_environment_says_otherwise(
    capsys, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SPINECOACH_LOCALE", raising=False)
    monkeypatch.delenv("SPINECOACH_COUNTRY", raising=False)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    out, _ = run(capsys, "exercises", "show", "cat_cow")
    assert "Steps" in out  # LANG: English
    run(capsys, "config", "language", "es", "--country", "MX")
    out, _ = run(capsys, "export", "--out", str(tmp_path / "e.json"))
    assert "Se escribió" in out  # the stored profile's language, in a command that opens it
    monkeypatch.setenv("SPINECOACH_LOCALE", "en")
    out, _ = run(capsys, "export", "--out", str(tmp_path / "e.json"))
    assert out.startswith("Wrote")  # the setting overrides the profile
    _, err = run(capsys, "config", "language", "klingon", code=2)
    assert "expected one of en, es" in err


def _pdf_text(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )


def test_the_spanish_progress_report_pdf(library, rules, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.web.clinic_world import NOW, build_world

    from spinecoach.content.i18n import translations
    from spinecoach.domain.emergency import UK, use_emergency
    from spinecoach.domain.i18n import use_translator
    from spinecoach.reports.progress_report import render_pdf, report_data
    from spinecoach.settings import Settings
    from spinecoach.store.db import make_engine, migrate, session_factory

    engine = make_engine("sqlite://")
    migrate(engine)
    db = session_factory(engine)()
    with use_translator("es", translations("es")):  # a Spanish speaker's stored reasons
        world = build_world(db, library, rules, Settings(data_dir=tmp_path))
    ann = world.patients["Ann"].id
    texts = {}
    for lang in ("en", "es"):
        with use_translator(lang, translations(lang)), use_emergency(UK):
            for patient in (False, True):
                pdf = render_pdf(report_data(db, ann, NOW, library=library, rules=rules,
                                             patient_version=patient))  # fmt: skip
                texts[(lang, patient)] = _pdf_text(pdf)
    clinician, patient = texts[("es", False)], texts[("es", True)]
    for heading in ("Informe de progreso", "Estado de seguridad e historial",
                    "Amplitud de movimiento por semana y por medida",
                    "Adherencia (últimas seis semanas)", "Plan actual: dosis y motivos",
                    "Notas compartidas del profesional clínico", "Paciente:",
                    "Fecha del informe:"):  # fmt: skip
        assert heading in clinician, heading
    for heading in ("Su progreso", "Cómo cambió su dolor", "Cuánto se movió", "Su plan actual"):
        assert heading in patient, heading
    assert re.search(
        r"\b\d{1,2} (ene|feb|mar|abr|may|jun|jul|ago|sept?|oct|nov|dic) 2026", clinician
    )
    assert "Progress report" in texts[("en", False)] and "Feb 2026" in texts[("en", False)]
    for text in (clinician, patient):
        assert not _spanish_problems(text), _spanish_problems(text)


def _fhir_in_spanish_keeps_codes_and_keys_and_reimports(capsys, tmp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """FHIR export in Spanish: codes and keys as in English, display texts translated, and
    the Bundle re-imports (called after a real session by the test above)."""
    run(capsys, "fhir", "export", "--out", str(tmp / "es.json"))
    monkeypatch.setenv("SPINECOACH_LOCALE", "en")
    run(capsys, "fhir", "export", "--out", str(tmp / "en.json"))
    es, en = (json.loads((tmp / f"{n}.json").read_text()) for n in ("es", "en"))

    def shape(node, texts):  # type: ignore[no-untyped-def]
        """Keys and every non-text value (codes, systems, ids); texts collected aside."""
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key in ("display", "text", "title", "description") and isinstance(value, str):
                    texts.append(value)
                    out[key] = "<text>"
                elif key == "timestamp":
                    out[key] = "<time>"
                else:
                    out[key] = shape(value, texts)
            return out
        if isinstance(node, list):
            return [shape(v, texts) for v in node]
        return node

    es_texts: list[str] = []
    en_texts: list[str] = []
    assert shape(es, es_texts) == shape(en, en_texts)  # codes, systems, ids, keys: identical
    assert es_texts != en_texts
    joined = " | ".join(es_texts)
    for spanish_text in ("Sesión de ejercicio guiada", "Amplitud de movimiento durante",
                         "Dolor 0-10", "Rutina diaria de ejercicios para la espalda"):  # fmt: skip
        assert spanish_text in joined, spanish_text
    # standard code systems keep their own (English) displays: LOINC's pain score
    assert "Pain severity - 0-10 verbal numeric rating [Score] - Reported" in joined
    # re-import into another install, then export again in English: the same resources
    other = tmp / "other2"
    run(capsys, "fhir", "import", str(tmp / "es.json"), "--data-dir", str(other))
    run(capsys, "fhir", "export", "--person", "1", "--data-dir", str(other), "--out",
        str(tmp / "again.json"))  # fmt: skip
    again = json.loads((tmp / "again.json").read_text())
    ids = sorted(e["resource"]["id"] for e in en["entry"])
    assert sorted(e["resource"]["id"] for e in again["entry"]) == ids


def test_analyze_a_real_recording_in_spanish(capsys, spanish, shared_data) -> None:  # type: ignore[no-untyped-def]
    out, _ = run(capsys, "analyze", str(shared_data / ELK), "--exercise", "seated_side_bend")
    assert "Repeticiones (2, confianza alta)" in out and "Mantenimientos" in out
    flat = " ".join(out.split())
    # the form flags' explanations (motion analysis) and the reader's notes, in Spanish
    assert "too_fast: fue en" in flat and "intente unos" in flat, flat  # the code stays
    assert "nota: el archivo no tiene marcas de tiempo" in flat, flat
    assert not _spanish_problems(flat), _spanish_problems(flat)
    payload = json.loads(run(capsys, "analyze", str(shared_data / ELK), "--exercise",
                             "seated_side_bend", "--json")[0])  # fmt: skip
    assert payload["repetitions"] and payload["repetitions"][0]["side"] in ("left", "right")
    out, _ = run(capsys, "imu", "simulate", "pelvic_tilt", "--out", str(spanish / "s.csv"))
    assert out.startswith("se escribió") and "muestras" in out, out
    out, _ = run(capsys, "analyze", str(spanish / "s.csv"))
    flat = " ".join(out.split())
    assert "colocación de la IMU 'dual': sensores sacro" in flat and "magnetómetro" in flat
    _, err = run(capsys, "imu", "listen", "--udp", "--ws", code=2)
    assert err.startswith("error: elija una de --udp y --ws"), err


def test_intake_sources_sensor_and_help_in_spanish(capsys, spanish) -> None:  # type: ignore[no-untyped-def]
    run(capsys, "screen", "--answers", str(EXAMPLES / "screening_clear.json"))
    out, _ = run(capsys, "intake", "--answers", str(EXAMPLES / "profile_desk_worker.json"))
    assert "Entrevista inicial guardada" in out and "preferencia direccional" in out
    texts = [out, run(capsys, "sensor", "list")[0]]
    _, err = run(capsys, "sources", "NOPE", code=2)
    assert err.startswith("error: etiqueta(s) de fuente desconocida(s): NOPE"), err
    bad = spanish / "bad.json"
    bad.write_text('{"pain_now": 3, "pain_now": 4}', encoding="utf-8")
    _, err = run(capsys, "intake", "--answers", str(bad), code=2)
    assert "aparece dos veces" in err and err.count("\n") == 1, err
    _, err = run(capsys, "intake", "--answers", str(spanish / "missing.json"), code=2)
    assert "no se encuentra el archivo" in err and err.startswith("error: "), err
    for args in (["--help"], ["report", "--help"], ["session", "--help"], ["fhir", "export",
                 "--help"], ["posture", "monitor", "--help"]):  # fmt: skip
        help_text, _ = run(capsys, *args)
        # command and option names are a contract: drop them (and the usage line)
        assert "Uso: " in help_text, help_text  # Click's own frame, translated
        help_text = re.sub(r"Uso: .*|│ +[a-z][a-z-]* {2,}|--[a-z-]+", " ", help_text)
        texts.append(help_text)
    flat = " ".join(" ".join(texts).split())
    assert "Coach guiado por sensores" in flat and "Escribe aquí el PDF" in flat
    for click_words in ("Opciones", "Comandos", "Muestra este mensaje y sale.", "[obligatoria]"):
        assert click_words in flat, click_words
    assert not re.search(r"Options|Commands|Arguments|Show this|\[required\]", flat), flat
    assert not _spanish_problems(flat), _spanish_problems(flat)
    _, err = run(capsys, "report", "--nope", code=2)
    assert "Uso: " in err and "No existe la opción: --nope" in err, err
    assert "Pruebe '" in err and "report --help' para" in err and "Usage" not in err, err
    import typer.rich_utils

    assert typer.rich_utils.OPTIONS_PANEL_TITLE == "Options"  # put back after the command


def test_stored_trace_labels_and_working_day_weeks_in_spanish() -> None:
    """A stored trace's English label and an ISO week are shown in the reader's language."""
    from spinecoach.coach.feed import CAMERA_TRACE_LABEL, trace_label
    from spinecoach.content.i18n import translations
    from spinecoach.domain.i18n import use_translator
    from spinecoach.reports.charts import trace_chart
    from spinecoach.reports.progress_report import _week_of

    traces = {
        "camera": {"label": CAMERA_TRACE_LABEL, "t_s": [0.0, 1.0, 2.0], "deg": [0.0, 20.0, 5.0]},
        "imu": {"label": trace_label("trunk_inclination_deg"), "t_s": [0.0, 1.0, 2.0],
                "deg": [0.0, 18.0, 4.0]},
    }  # fmt: skip
    with use_translator("es", translations("es")):
        chart = str(trace_chart(traces, "x"))
        week = _week_of("2026-W49")
    assert "Movimiento (cámara)" in chart and "Inclinación del tronco (sensor)" in chart, chart
    assert "Movement" not in chart and "(sensor)" in chart
    assert week == "semana del 30 nov", week
    assert "Movement (camera)" in str(trace_chart(traces, "x"))  # nothing bound: English
