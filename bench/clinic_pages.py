"""The clinician's pages at clinic scale, through the real web app: ``GET /clinic`` (the
patient list sorted by need) and ``GET /clinic/patients/{id}`` (one patient's page).

The clinic: one clinician (signed up through the app) and ``--patients`` patients, each
screened, with an intake and a plan, and a daily session over ``--days`` days (as
``bench.clinic`` builds them; sessions run up to now). Every 20th patient reported a
stop-rule symptom yesterday (a safety state) and every 7th patient's pain rose this week.
Stored in SQLite (file, WAL), or in PostgreSQL with ``--database-url``.

The process is set up as ``spinecoach serve`` sets up its own (``serve_pages_promptly``,
``freeze_start_up_objects``).
Each page is requested ``--requests`` times through FastAPI's TestClient (the whole
request: middleware, session cookie, SQL, Python, Jinja rendering) after two warm-up
requests. Reported per page: p50/p95 wall time and the process CPU time per request.
The machine's load average is printed before and after: the figures are only comparable
between runs at a similar load (prefer ratios measured in one run).

Run: ``python -m bench.clinic_pages [--patients 200] [--days 60] [--requests 30]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update

from bench.clinic import build
from spinecoach.settings import Settings
from spinecoach.store import models
from spinecoach.store.services import CoachService
from spinecoach.web.app import create_app, freeze_start_up_objects, serve_pages_promptly

PASSWORD = "correct horse battery staple"
INTAKE = {
    "pain_now": 5, "pain_average": 4, "duration_weeks": 10, "aggravators": ["sitting"],
    "leg_symptoms": "none", "age": 44, "activity_level": "moderate", "desk_hours": 7,
    "goals": ["pain_relief"], "minutes_per_day": 10, "conditions": [],
}  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def _token(client: TestClient) -> str:
    text = client.get("/login").text
    return text.split('name="csrf_token" value="')[1].split('"')[0]


def make_clinic(app: Any, patients: int, days: int) -> tuple[TestClient, list[int]]:
    """Sign the clinician up, store the clinic; returns the signed-in client and the ids."""
    client = TestClient(app, base_url="http://testserver")
    response = client.post(
        "/signup",
        data={"name": "Dr Bench", "email": "bench@clinic.org", "password": PASSWORD,
              "role": "clinician", "clinic_code": "", "csrf_token": _token(client)},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303, response.text
    ctx = app.state.ctx
    now = datetime.now(UTC)
    with ctx.session_factory() as db:
        clinician = db.scalars(
            select(models.Person).where(models.Person.email == "bench@clinic.org")
        ).one()
        build(db, patients, days, clinician_id=clinician.id, now=now)
        ids = list(
            db.scalars(
                select(models.Person.id)
                .where(models.Person.clinician_id == clinician.id)
                .order_by(models.Person.id)
            )
        )
        service = CoachService(db, ctx.library, ctx.rules, ctx.settings)
        answers = {q.id: "no" for q in ctx.rules.red_flags}
        symptom = ctx.rules.stop_rules[0].symptom
        extra = []
        for k, pid in enumerate(ids):
            service.screen(pid, {"answers": answers, "age": 44})
            profile = service.record_intake(pid, dict(INTAKE))
            service.make_plan(pid, profile, now - timedelta(days=days))
            if k % 20 == 0:  # a stop-rule symptom yesterday: a safety state
                extra.append({"person_id": pid, "at": now - timedelta(days=1), "kind": "symptom",
                              "pain": 6, "symptoms": [symptom], "exercise_id": "cat_cow",
                              "decision": {"action": "end_session"}})  # fmt: skip
            elif k % 7 == 0:  # pain rising this week
                for d, pain in ((6, 2), (1, 6)):
                    extra.append({"person_id": pid, "at": now - timedelta(days=d, minutes=30),
                                  "kind": "before", "pain": pain, "symptoms": [],
                                  "decision": {"action": "continue"}})  # fmt: skip
        db.execute(insert(models.PainReport), extra)
        before = now - timedelta(days=days)  # screened (and found clear) before the sessions
        for model in (models.Screening, models.Intake):
            db.execute(update(model).where(model.person_id.in_(ids)).values(created_at=before))
        db.execute(
            update(models.SafetyStateRow)
            .where(models.SafetyStateRow.person_id.in_(ids))
            .values(at=before)
        )
        db.commit()
    return client, ids


def measure(client: TestClient, paths: list[str], requests: int) -> dict[str, float]:
    """Wall and process-CPU milliseconds per request over ``requests`` requests."""
    for path in paths[:2]:  # warm-up (first rendering compiles the template)
        assert client.get(path).status_code == 200
    walls, cpus = [], []
    for n in range(requests):
        path = paths[n % len(paths)]
        c0, t0 = time.process_time(), time.perf_counter()
        response = client.get(path)
        walls.append(1000 * (time.perf_counter() - t0))
        cpus.append(1000 * (time.process_time() - c0))
        assert response.status_code == 200, (path, response.status_code)
    return {
        "p50": statistics.median(walls),
        "p95": percentile(walls, 0.95),
        "cpu": statistics.mean(cpus),
        "bytes": float(len(response.content)),
    }


def main(argv: list[str] | None = None) -> None:
    """Build the clinic and time the two pages (see the module docstring)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args([] if argv is None else argv)
    print(
        f"machine: {platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"load before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            database_url=args.database_url or None,
            secret_key="bench-secret-" + "k" * 32,
            allowed_hosts=["testserver"],
        )
        app = create_app(settings)
        serve_pages_promptly(settings)  # as ``spinecoach serve`` sets up its process
        freeze_start_up_objects()
        t0 = time.perf_counter()
        client, ids = make_clinic(app, args.patients, args.days)
        print(
            f"clinic: {args.patients} patients x {args.days} days "
            f"(stored in {time.perf_counter() - t0:.0f} s)"
        )
        pages = {
            "GET /clinic": ["/clinic"],
            "GET /clinic/patients/{id}": [f"/clinic/patients/{i}" for i in ids[::7]],
        }
        for label, paths in pages.items():
            r = measure(client, paths, args.requests)
            print(
                f"{label:<28} p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  "
                f"CPU {r['cpu']:7.1f} ms/request  ({r['bytes'] / 1024:.0f} kB)"
            )
        app.state.ctx.engine.dispose()
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main(sys.argv[1:])
