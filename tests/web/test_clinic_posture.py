"""The clinician sees a patient's posture: checks (figures, confidence, cited ranges), the
weekly trend, desk-break adherence and sitting-monitor minutes - on the patient page, in the
PDF report and in the FHIR export (re-importable)."""

from __future__ import annotations

import io
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from tests.web.conftest import Browser

from spinecoach.domain.posture import PostureAssessment, PostureFigure
from spinecoach.motion.posture import camera_figures
from spinecoach.reports.fhir import LOCAL_SYSTEM, import_bundle
from spinecoach.sources.imu import simulate as sim
from spinecoach.sources.imu.transport import recording_lines
from spinecoach.sources.posture_imu import ImuCheckCollector
from spinecoach.store.services import CoachService

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "motion"))
from _posture_person import still_side  # noqa: E402


def _patient_with_posture(app: FastAPI, monkeypatch) -> tuple[Browser, int]:  # type: ignore[no-untyped-def]
    clinician, patient = Browser(app), Browser(app)
    clinician.sign_up("Dr One", "dr1@example.org", "clinician")
    code = clinician.get("/clinic").text.split('id="clinic-code">')[1].split("<")[0]
    patient.onboard("Ann", "ann@example.org", code)
    patient_id = int(re.search(r'data-patient="(\d+)"', clinician.get("/clinic").text).group(1))
    assert patient.post("/posture/breaks", {"times": "10:30,15:00"}).status_code == 303
    ctx = app.state.ctx
    now = datetime.now(UTC)
    # two weekly seated side-view checks (forward head 42 deg, then 46 deg) and a sensor check
    movement = sim.Movement("clinic_tilt", "pelvic_tilt_deg", lower_sagittal=9.0,
                            upper_sagittal=0.0, lever_m=0.1)  # fmt: skip
    monkeypatch.setitem(sim.MOVEMENTS, "clinic_tilt", movement)
    recording = sim.simulate("clinic_tilt", n_reps=1, rep_s=2.0, hold_s=12.0, rest_s=0.0,
                             sample_rate_hz=60.0).recording  # fmt: skip
    collector = ImuCheckCollector()
    collector.feed("\n".join(line for _, line in recording_lines(recording)))
    imu_figs, imu_missing = collector.figures()
    with ctx.session_factory() as db:
        service = CoachService(db, ctx.library, ctx.rules, ctx.settings).posture
        for weeks_ago, cva in ((1, 42.0), (0, 46.0)):
            measured = camera_figures(still_side(cva, 6.0, True, noise_px=1.0), "side", "seated")
            service.record_assessment(patient_id, PostureAssessment(
                now - timedelta(weeks=weeks_ago), "seated", "side", measured.figures,
                measured.unmeasurable, "webcam"))  # fmt: skip
        service.record_assessment(patient_id, PostureAssessment(
            now, "standing", "none", imu_figs, imu_missing, "back sensor"))  # fmt: skip
        service.record_assessment(patient_id, PostureAssessment(
            now, "standing", "none", (PostureFigure("pelvic_tilt_deg", 28.0, 1.0, "manual"),),
            {}, "manual pelvic tilt"))  # fmt: skip
        service.record_monitor(patient_id, now - timedelta(hours=2), now - timedelta(hours=1),
                               "imu", {"upright": 40.0, "slumped": 20.0, "away": 1.0},
                               [{"at": now.isoformat(), "kind": "posture"}])  # fmt: skip
    return clinician, patient_id


def test_clinician_sees_posture_on_the_patient_page(app: FastAPI, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    clinician, patient_id = _patient_with_posture(app, monkeypatch)
    page = clinician.get(f"/clinic/patients/{patient_id}").text
    section = page.split('id="posture"')[1].split("</section>")[0]
    assert "Posture and the working day" in section
    assert "Head-forward (craniovertebral) angle" in section
    assert "&gt;= 50 deg [SHEIK18][SHAG16][SINGLA17]" in section  # the cited range
    assert "0-23 deg [PRE][HER]" in section and "back sensor" in section  # the sensor check
    assert re.search(r"4[56]\.\d°", section) and "high (" in section  # latest value, confidence
    trend = section.split('id="posture-trend"')[1].split("</table>")[0]
    assert trend.count("<tr>") == 3  # header + two weeks
    # an IMU change from standing and an inclinometer angle are never averaged together
    assert "Pelvic tilt" in trend and "(standing, imu)" in trend and "(standing, manual)" in trend
    assert "28.0°" in trend
    assert "42." in trend or "41." in trend or "43." in trend  # last week's head-forward angle
    working = section.split('id="working-day"')[1].split("</table>")[0]
    assert "0 of " in working and "scheduled" in working  # desk breaks: none taken yet
    assert "40 min" in working and "20 min" in working  # monitor minutes upright / slumped
    assert "Forward head" in section or "forward" in section.lower()  # the finding


def test_posture_in_pdf_and_fhir(app: FastAPI, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    clinician, patient_id = _patient_with_posture(app, monkeypatch)
    pdf = clinician.get(f"/clinic/patients/{patient_id}/report.pdf")
    assert pdf.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Posture checks and the working day" in text
    assert "[SHEIK18]" in text and "(context only)" in text
    bundle = clinician.get(f"/fhir/Patient/{patient_id}/$everything").json()
    observations = [e["resource"] for e in bundle["entry"]
                    if e["resource"]["resourceType"] == "Observation"]  # fmt: skip
    codes = [c["code"] for o in observations for c in o["code"]["coding"]
             if c["system"] == LOCAL_SYSTEM]  # fmt: skip
    assert "posture-craniovertebral_angle_deg" in codes and "posture-pelvic_tilt_deg" in codes
    assert "sitting-monitor" in codes
    cva_code = "posture-craniovertebral_angle_deg"
    cva = next(o for o in observations if o["code"]["coding"][0]["code"] == cva_code)
    assert cva["referenceRange"][0]["low"]["value"] == 50.0
    assert cva["component"][0]["valueQuantity"]["unit"] == "%"
    # re-import into an empty install restores the checks and the monitor run
    from sqlalchemy import func, select

    from spinecoach.store import models
    from spinecoach.store.db import make_engine, migrate, session_factory

    engine = make_engine("sqlite://")
    migrate(engine)
    with session_factory(engine)() as db:
        import_bundle(db, json.loads(json.dumps(bundle)))
        assert db.scalar(select(func.count()).select_from(models.PostureAssessment)) == 4
        log = db.scalars(select(models.PostureMonitorLog)).one()
        assert log.minutes["slumped"] == 20.0 and log.source == "imu"
