"""The progress report PDF: its text (pypdf) and its pages rendered to images (pypdfium2)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pypdfium2
import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session as DbSession
from tests.web.clinic_world import NOW, World, build_world

from spinecoach.cli import main
from spinecoach.reports.progress_report import render_pdf, report_data
from spinecoach.settings import Settings
from spinecoach.store import models
from spinecoach.store.db import make_engine, migrate, session_factory

ARTIFACTS = Path(__file__).resolve().parents[2] / "tmp" / "artifacts"


@pytest.fixture
def world(library, rules, tmp_path) -> tuple[DbSession, World]:  # type: ignore[no-untyped-def]
    engine = make_engine("sqlite://")
    migrate(engine)
    db = session_factory(engine)()
    world = build_world(db, library, rules, Settings(data_dir=tmp_path))
    ann = world.patients["Ann"]
    for text, visibility in (("Ease off the bridge this week.", "shared"),
                             ("Query facet irritation.", "private")):  # fmt: skip
        db.add(models.Note(patient_id=ann.id, author_id=world.clinician.id, text=text,
                           visibility=visibility, created_at=NOW))  # fmt: skip
    db.commit()
    return db, world


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _pages(pdf: bytes, stem: str) -> list[np.ndarray]:
    """Render every page at 100 dpi; keep PNGs in tmp/artifacts to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    doc = pypdfium2.PdfDocument(pdf)
    images = []
    for n in range(len(doc)):
        image = doc[n].render(scale=100 / 72).to_pil().convert("RGB")
        image.save(ARTIFACTS / f"{stem}-{n + 1}.png")
        images.append(np.asarray(image))
    return images


def _has_colour(image: np.ndarray, rgb: tuple[int, int, int], min_pixels: int) -> bool:
    close = np.abs(image.astype(int) - np.array(rgb)).sum(axis=2) < 40
    return int(close.sum()) >= min_pixels


def test_clinician_report_says_everything_a_clinic_files(world, library, rules) -> None:  # type: ignore[no-untyped-def]
    db, w = world
    pdf = render_pdf(report_data(db, w.patients["Ann"].id, NOW, library=library, rules=rules))
    assert pdf.startswith(b"%PDF")
    text = " ".join(_text(pdf).split())
    cat_cow = library.get("cat_cow").name
    for expected in (
        "Progress report", "Patient: Ann", "Clinician: Dr Rao", "22 Feb 2026 – 29 Mar 2026",
        "Safety state and history",
        "Cleared to exercise: See a clinician soon since 27 Mar 2026. Sharp pain: stop for today.",
        "A stop rule ended a session in the last two weeks",
        f"Reported sharp or stabbing pain during {cat_cow}; ended the session.",
        "Minimal important change: 2 points or 30% [OST]",
        "RMDQ", "9/24", "3/9 (psychosocial 1/5)",
        "Range of motion per week, per measure", cat_cow, "high (92% tracked)", "camera",
        "Adherence (last six weeks)", "6 / 7",
        "Current plan: doses and reasons", "origin generated",
        "Clinician's shared notes", "Ease off the bridge this week.",
    ):  # fmt: skip
        assert expected in text, expected
    assert "Query facet irritation." not in text  # private notes stay out
    pages = _pages(pdf, "report-clinician")
    assert len(pages) >= 2
    # the pain chart's line (page 1) and the range-of-motion chart are drawn
    assert _has_colour(pages[0], (0x0F, 0x76, 0x6E), 200)
    assert any(_has_colour(page, (0x63, 0x66, 0xF1), 100) for page in pages)


def test_patient_version_is_in_plain_words(world, library, rules) -> None:  # type: ignore[no-untyped-def]
    db, w = world
    eve = w.patients["Eve"]
    pdf = render_pdf(
        report_data(db, eve.id, NOW, library=library, rules=rules, patient_version=True)
    )
    text = " ".join(_text(pdf).split())
    assert "Your progress" in text and "Name: Eve" in text
    assert "Your pain started at 6/10 and was 2/10 at your last report" in text
    assert "you have reached it" in text and "[OST]" not in text
    assert "How far you moved" in text and "week of 16 Mar" in text
    assert "origin" not in text
    pages = _pages(pdf, "report-patient")
    assert pages and _has_colour(pages[0], (0x15, 0x80, 0x3D), 100)  # reached: green dots


def test_report_of_a_person_with_nothing_stored_yet(library, rules) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine("sqlite://")
    migrate(engine)
    db = session_factory(engine)()
    person = models.Person(name="New", role="patient")
    db.add(person)
    db.commit()
    text = _text(render_pdf(report_data(db, person.id, NOW, library=library, rules=rules)))
    assert "Not screened yet." in text and "No pain reports yet." in text
    assert "No plan yet." in text


def test_cli_report(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(tmp_path / "data"))
    assert main(["checkin", "--pain", "4", "--kind", "next_morning", "--json"]) == 0
    out = tmp_path / "me.pdf"
    assert main(["report", "--out", str(out)]) == 0
    assert "Pain (0–10)" in " ".join(_text(out.read_bytes()).split())
    assert main(["report", "--out", str(tmp_path / "mine.pdf"), "--patient-version"]) == 0
    assert "How your pain changed" in _text((tmp_path / "mine.pdf").read_bytes())
    capsys.readouterr()
    assert main(["report", "--out", str(tmp_path / "me.txt")]) == 2
    assert "expected a file name ending in .pdf" in capsys.readouterr().err
    assert main(["report", "--out", str(out), "--person", "999"]) != 0
    assert "person 999 not found" in capsys.readouterr().err
