"""The clinician's side at clinic scale: outcomes SQL, the sorted patient list, a report PDF
and a FHIR export, on a synthetic clinic stored in SQLite (file, WAL).

The clinic: ``--patients`` patients of one clinician, each with a daily session over
``--days`` days (one exercise result with two measured repetitions, pain before and after).
Rows are written with bulk INSERTs; the timings cover only the reads.

Run: ``python -m bench.clinic [--patients 200] [--days 60]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, func, insert

from spinecoach.content import load_library, load_rules
from spinecoach.reports.fhir import export_bundle
from spinecoach.reports.progress_report import render_pdf, report_data
from spinecoach.store import models
from spinecoach.store.dashboard import rank_patients
from spinecoach.store.db import open_database
from spinecoach.store.outcomes import clinic_outcomes

NOW = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


def build(  # type: ignore[no-untyped-def]
    db, patients: int, days: int, *, clinician_id: int | None = None, now: datetime = NOW
) -> int:
    """Store the synthetic clinic; returns the clinician's id (a new clinician unless
    ``clinician_id`` is given). Sessions run up to ``now``."""
    if clinician_id is None:
        clinician = models.Person(name="Dr Bench", role="clinician")
        db.add(clinician)
        db.commit()
        clinician_id = clinician.id
    people = [{"name": f"P{n:04d}", "role": "patient", "clinician_id": clinician_id,
               "created_at": now - timedelta(days=days + 1)} for n in range(patients)]  # fmt: skip
    db.execute(insert(models.Person), people)
    db.commit()
    ids = [
        p.id
        for p in db.query(models.Person).filter(
            models.Person.role == "patient", models.Person.clinician_id == clinician_id
        )
    ]
    sessions, results, pains = [], [], []
    sid = db.query(func.max(models.Session.id)).scalar() or 0
    for k, pid in enumerate(ids):
        for d in range(days):
            if (d + k) % 5 == 0:
                continue  # some missed days
            sid += 1
            at = now - timedelta(days=d, hours=k % 12)
            pain = max(0, 6 - (days - d) // 15 + (k % 3))
            sessions.append({"id": sid, "person_id": pid, "started_at": at, "status": "completed",
                             "source": "camera", "ended_at": at + timedelta(minutes=9),
                             "pain_before": pain, "pain_after": pain, "summary": {}})  # fmt: skip
            results.append({"session_id": sid, "position": 0, "exercise_id": "cat_cow",
                            "started_at": at, "ended_at": at + timedelta(minutes=2),
                            "completed": True, "reps_done": 8, "reps_target": 8,
                            "ranges_deg": [20.0 + (days - d) / 4, 21.0], "hold_times_s": [],
                            "tempo": {}, "form_flags": [],
                            "tracking": {"ok_fraction": 0.9}})  # fmt: skip
            for kind in ("before", "after"):
                pains.append({"person_id": pid, "session_id": sid, "at": at, "kind": kind,
                              "pain": pain, "symptoms": [],
                              "decision": {"action": "continue"}})  # fmt: skip
    db.execute(insert(models.Session), sessions)
    db.execute(insert(models.ExerciseResult), results)
    db.execute(insert(models.PainReport), pains)
    db.commit()
    return clinician_id


def timed(label: str, fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    print(f"{label:<48} best of {repeat}: {1000 * best:9.1f} ms")
    return best


def main(argv: list[str] | None = None) -> None:
    """Build the clinic and time the reads (``argv``: ``--patients N --days D``)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args([] if argv is None else argv)
    print(f"machine: {platform.machine()} {os.cpu_count()} CPUs, load {os.getloadavg()}")
    library, rules = load_library(), load_rules()
    with tempfile.TemporaryDirectory() as tmp:
        engine, factory = open_database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        with factory() as db:
            clinician = build(db, args.patients, args.days)
            n_sessions = db.query(models.Session).count()
            n_pain = db.query(models.PainReport).count()
            print(f"clinic: {args.patients} patients, {n_sessions} sessions, {n_pain} pain reports")
            start, end = date(2026, 5, 4), date(2026, 5, 31)
            t = timed("clinic_outcomes (28 days, all patients)",
                      lambda: clinic_outcomes(db, clinician, start, end))  # fmt: skip
            print(f"  -> {n_pain / t / 1e3:.0f} k pain reports/s scanned")
            t = timed(
                "rank_patients (sorted by need)", lambda: rank_patients(db, clinician, NOW), 1
            )
            print(f"  -> {1000 * t / args.patients:.1f} ms per patient")
            statements: list[str] = []

            def seen(*args: object) -> None:
                statements.append(str(args[2]))

            event.listen(engine, "before_cursor_execute", seen)
            rank_patients(db, clinician, NOW)
            event.remove(engine, "before_cursor_execute", seen)
            print(f"  -> {len(statements)} SQL statements per list")
            one = db.query(models.Person).filter(models.Person.role == "patient").first()
            assert one is not None
            timed(
                "progress report PDF, one patient",
                lambda: render_pdf(report_data(db, one.id, NOW, library=library, rules=rules)),
            )
            timed("FHIR export, one patient", lambda: export_bundle(db, one.id, NOW, library))
        engine.dispose()
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main(sys.argv[1:])
