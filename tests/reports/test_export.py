"""Exporting a person's stored data: JSON with everything, CSV tables that round-trip."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import pytest

from spinecoach.cli import main
from spinecoach.errors import InvalidInput
from spinecoach.reports.export import export_person, write_csv_tables, write_json
from spinecoach.store.db import open_database
from spinecoach.store.repositories import PersonRepository, SessionRepository

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


@pytest.fixture()
def stored_session():  # type: ignore[no-untyped-def]
    engine, factory = open_database("sqlite://")
    with factory() as db:
        person = PersonRepository(db).local_person()
        other = PersonRepository(db).create("someone else")
        sessions = SessionRepository(db)
        row = sessions.start(person.id, None, pain_before=4, started_at=NOW)
        sessions.add_result(
            row.id,
            exercise_id="cat_cow",
            started_at=NOW,
            ended_at=NOW + timedelta(seconds=60),
            completed=True,
            reps_done=8,
            reps_target=8,
            ranges_deg=[21.5, 24.0],
            form_flags=[{"code": "too_fast", "t_s": 3.2}],
            pain_during=4,
        )
        sessions.add_pain_report(
            person.id,
            session_id=row.id,
            at=NOW,
            kind="after",
            pain=3,
            symptoms=["centralisation"],
            decision={"action": "continue"},
        )
        sessions.add_pain_report(other.id, at=NOW, kind="after", pain=9)
        sessions.finish(row.id, pain_after=3, ended_at=NOW + timedelta(minutes=8))
        yield db, person.id
    engine.dispose()


def test_export_holds_everything_and_only_this_person(stored_session) -> None:  # type: ignore[no-untyped-def]
    db, person_id = stored_session
    export = export_person(db, person_id, NOW)
    assert export["format"] == "spinecoach-export/1"
    assert "not a substitute" in export["disclaimer"]
    (session,) = export["sessions"]
    assert session["pain_before"] == 4 and session["pain_after"] == 3
    (result,) = session["results"]
    assert result["ranges_deg"] == [21.5, 24.0] and result["form_flags"][0]["code"] == "too_fast"
    assert [r["pain"] for r in export["pain_reports"]] == [3]  # not the other person's 9
    json.dumps(export)  # JSON-ready


def test_csv_tables(stored_session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db, person_id = stored_session
    paths = write_csv_tables(export_person(db, person_id, NOW), tmp_path / "csv")
    assert [p.name for p in paths] == ["sessions.csv", "exercise_results.csv", "pain_reports.csv"]
    with (tmp_path / "csv" / "exercise_results.csv").open() as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["exercise_id"] == "cat_cow" and row["ranges_deg"] == "21.5;24.0"
    assert json.loads(row["form_flags"])["code"] == "too_fast"


def test_json_to_missing_folder_is_a_clear_error(stored_session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db, person_id = stored_session
    with pytest.raises(InvalidInput, match="does not exist"):
        write_json(export_person(db, person_id, NOW), tmp_path / "nope" / "x.json")


def test_cli_export(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(tmp_path / "data"))
    assert main(["checkin", "--pain", "2", "--kind", "after", "--json"]) == 0
    capsys.readouterr()
    assert main(["export", "--out", str(tmp_path / "me.json")]) == 0
    export = json.loads((tmp_path / "me.json").read_text())
    assert [r["pain"] for r in export["pain_reports"]] == [2]
