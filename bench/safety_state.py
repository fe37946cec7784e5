"""Cost of the safety gate that every exercise entry point and patient page runs.

``current_safety_state`` folds every screening, pain report and clearance of a person into the
state machine. This measures it (and ``exercise_gate_for``) on in-memory SQLite for a person
with a realistic long history: one year of daily use (365 sessions, ~5 pain reports each, a
screening a month, a few clearances). Run: ``python -m bench.safety_state``.
"""

from __future__ import annotations

import os
import platform
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from spinecoach.content import load_rules
from spinecoach.store import models
from spinecoach.store.db import make_engine, migrate, session_factory
from spinecoach.store.safety import current_safety_state, exercise_gate_for

DAYS = 365
REPORTS_PER_DAY = 5


def _fill(db, person_id: int, screen_every_days: int) -> int:  # type: ignore[no-untyped-def]
    t0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    rng = np.random.default_rng(0)
    n = 0
    for day in range(DAYS):
        at = t0 + timedelta(days=day)
        if day % screen_every_days == 0:
            db.add(models.Screening(person_id=person_id, created_at=at, tier="clear",
                                    answers={"answers": {}}, reasons=[]))  # fmt: skip
        for k in range(REPORTS_PER_DAY):
            action = "stop_exercise" if rng.random() < 0.05 else "continue"
            decision = {"action": action, "reasons": ["x"]}
            db.add(models.PainReport(person_id=person_id, at=at + timedelta(minutes=k),
                                     kind="during", pain=int(rng.integers(0, 7)),
                                     symptoms=[], decision=decision))  # fmt: skip
            n += 1
    db.commit()
    return n


def main() -> None:
    """Print p50/p99 of the state derivation and the gate, with the machine's load."""
    engine = make_engine("sqlite://")
    migrate(engine)
    rules = load_rules()
    for every in (30, DAYS):  # a screening a month; one screening only (the worst case)
        with session_factory(engine)() as db:
            person = models.Person(name=f"bench {every}", role="patient")
            db.add(person)
            db.commit()
            n = _fill(db, person.id, every)
            calls = (
                ("current_safety_state", lambda i=person.id: current_safety_state(db, i, rules)),
                ("exercise_gate_for   ", lambda i=person.id: exercise_gate_for(db, i, rules)),
            )
            for label, call in calls:
                samples = []
                for _ in range(50):
                    start = time.perf_counter()
                    call()
                    samples.append((time.perf_counter() - start) * 1000.0)
                ms = np.asarray(samples)
                p50, p99 = np.percentile(ms, 50), np.percentile(ms, 99)
                print(f"{label} ({n} reports, a screening every {every} days): "
                      f"p50 {p50:.1f} ms  p99 {p99:.1f} ms")  # fmt: skip
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {platform.platform()}, load average {load:.2f}")


if __name__ == "__main__":
    main()
