"""FHIR R4 export and re-import: resources validated by fhir.resources, standard codes, and
export -> import into an empty database -> export gives the same resources."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession
from tests.web.clinic_world import NOW, World, build_world

from spinecoach.cli import main
from spinecoach.errors import InvalidDataFile, InvalidInput
from spinecoach.reports.fhir import LOCAL_SYSTEM, export_bundle, import_bundle
from spinecoach.settings import Settings
from spinecoach.store import models
from spinecoach.store.db import make_engine, migrate, session_factory


def _db() -> DbSession:
    engine = make_engine("sqlite://")
    migrate(engine)
    return session_factory(engine)()


@pytest.fixture
def world(library, rules, tmp_path) -> tuple[DbSession, World]:  # type: ignore[no-untyped-def]
    db = _db()
    return db, build_world(db, library, rules, Settings(data_dir=tmp_path))


def _by_type(bundle: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        out.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return out


def _codes(resource: dict[str, Any]) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in resource["code"].get("coding", [])}


def test_bundle_holds_every_resource_with_standard_codes(world, library) -> None:  # type: ignore[no-untyped-def]
    db, w = world
    ann = w.patients["Ann"]
    bundle = export_bundle(db, ann.id, NOW, library)
    Bundle.model_validate(bundle)  # the library's R4B models accept the whole Bundle
    res = _by_type(bundle)
    assert len(res["Patient"]) == 1 and res["Patient"][0]["name"][0]["text"] == "Ann"
    stored_pains = [
        p.pain for p in db.scalars(select(models.PainReport).where(
            models.PainReport.person_id == ann.id).order_by(models.PainReport.at))
    ]  # fmt: skip
    pains = [o for o in res["Observation"] if ("http://loinc.org", "72514-3") in _codes(o)]
    assert [o["valueInteger"] for o in pains] == [p for p in stored_pains if p is not None]
    symptom = next(o for o in pains if o.get("component"))
    assert symptom["component"][0]["code"]["coding"][0]["code"] == "symptom-sharp_pain"
    rom = [o for o in res["Observation"] if any(c[1].startswith("rom-") for c in _codes(o))]
    assert len(rom) == len(w.sessions["Ann"])
    device_ids = {f"urn:uuid:{d['id']}" for d in res["Device"]}
    for o in rom:
        assert o["valueQuantity"]["code"] == "deg" and o["method"]["text"].startswith("Camera")
        assert o["device"]["reference"] in device_ids
        assert o["component"][0]["valueQuantity"] == {
            "value": 92.0, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"
        }  # fmt: skip
    scores = {c[1]: o for o in res["Observation"] for c in _codes(o) if c[0] == LOCAL_SYSTEM}
    assert scores["rmdq-total"]["valueQuantity"]["value"] == 9
    assert scores["start-back-total"]["valueQuantity"]["value"] == 3
    kinds = {qr["questionnaire"].rsplit("/", 1)[1] for qr in res["QuestionnaireResponse"]}
    assert kinds == {"red-flags", "intake"}
    intake = next(
        qr for qr in res["QuestionnaireResponse"] if qr["questionnaire"].endswith("intake")
    )
    rmdq_item = next(i for i in intake["item"] if i["linkId"] == "rmdq")
    assert [a["valueBoolean"] for a in rmdq_item["answer"]] == [True] * 9 + [False] * 15
    care = res["CarePlan"]
    assert [c["status"] for c in care] == ["active"]
    plan = db.scalars(select(models.Plan).where(models.Plan.person_id == ann.id)).one()
    assert len(care[0]["activity"]) == len(plan.items)
    assert (
        care[0]["activity"][0]["detail"]["description"].endswith("reps")
        or "reps" in (care[0]["activity"][0]["detail"]["description"])
    )
    assert len(res["Encounter"]) == len(w.sessions["Ann"])
    assert all(("http://snomed.info/sct", "229065009") in _codes(p) for p in res["Procedure"])
    assert res["Flag"][0]["status"] == "inactive"  # screening clear


def test_export_import_export_gives_the_same_resources(world, library) -> None:  # type: ignore[no-untyped-def]
    db, w = world
    for name in ("Ann", "Eve"):
        first = export_bundle(db, w.patients[name].id, NOW, library)
        empty = _db()
        person = import_bundle(empty, json.loads(json.dumps(first)))
        again = export_bundle(empty, person.id, NOW, library)
        assert again["entry"] == first["entry"]
        assert empty.scalar(select(func.count()).select_from(models.Session)) == len(
            w.sessions[name]
        )


def test_bad_bundles_are_refused_with_one_line(world, library) -> None:  # type: ignore[no-untyped-def]
    db, w = world
    with pytest.raises(InvalidDataFile, match="expected a FHIR Bundle"):
        import_bundle(_db(), {"resourceType": "Patient"}, source="x.json")
    with pytest.raises(InvalidDataFile, match="not valid FHIR"):
        import_bundle(_db(), {"resourceType": "Bundle", "type": "collection", "entry": [
            {"resource": {"resourceType": "Observation", "status": "final", "code": {},
                          "valueInteger": "six"}}]}, source="x.json")  # fmt: skip
    with pytest.raises(InvalidDataFile, match="one spinecoach Patient"):
        import_bundle(_db(), {"resourceType": "Bundle", "type": "collection"}, source="x.json")
    bundle = export_bundle(db, w.patients["Ben"].id, NOW, library)
    with pytest.raises(InvalidInput, match="already registered"):
        import_bundle(db, bundle, source="ben.json")  # same install: the e-mail is taken


def test_cli_fhir_export_and_import(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(tmp_path / "a"))
    assert main(["checkin", "--pain", "5", "--kind", "next_morning", "--json"]) == 0
    out = tmp_path / "me.fhir.json"
    assert main(["fhir", "export", "--out", str(out)]) == 0
    assert main(["fhir", "import", str(out), "--data-dir", str(tmp_path / "b")]) == 0
    assert "Imported me as person" in capsys.readouterr().out
    again = tmp_path / "again.json"
    assert main(["fhir", "export", "--out", str(again), "--data-dir", str(tmp_path / "b"),
                 "--person", "1"]) == 0  # fmt: skip
    first, second = json.loads(out.read_text()), json.loads(again.read_text())
    assert first["entry"] == second["entry"]
    (tmp_path / "bad.json").write_text("{nope")
    assert main(["fhir", "import", str(tmp_path / "bad.json")]) == 2
    assert "bad.json: not valid JSON" in capsys.readouterr().err
