"""Database tables. Rich values (doses, answers, measurements) are JSON columns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Timezone-aware now in UTC (the store's clock for defaults)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Person(Base):
    """A patient or a clinician. Local single-user installs have one patient, ``me``."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True, index=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="patient")  # patient | clinician
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    plans: Mapped[list[Plan]] = relationship(back_populates="person", foreign_keys="Plan.person_id")


class Screening(Base):
    """A red-flag screening and its verdict."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    tier: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    reasons: Mapped[list[Any]] = mapped_column(JSON)


class Intake(Base):
    """Intake answers (the documented profile format) and derived scores."""

    __tablename__ = "intakes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Plan(Base):
    """A daily routine as generated, adapted or edited by a clinician."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    origin: Mapped[str] = mapped_column(String(20))  # generated | adapted | clinician
    level: Mapped[int] = mapped_column(Integer)
    total_duration_s: Mapped[float] = mapped_column(Float)
    budget_s: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    changes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    conditions: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    set_aside: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    person: Mapped[Person] = relationship(back_populates="plans", foreign_keys=[person_id])
    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", order_by="PlanItem.position", cascade="all, delete-orphan"
    )


class PlanItem(Base):
    """One exercise of a plan with its dose and reason."""

    __tablename__ = "plan_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    exercise_id: Mapped[str] = mapped_column(String(80))
    section: Mapped[str] = mapped_column(String(20))
    dose: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[Any]] = mapped_column(JSON, default=list)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    good_sessions: Mapped[int] = mapped_column(Integer, default=0)

    plan: Mapped[Plan] = relationship(back_populates="items")


class Session(Base):
    """A guided session; rows are written as it runs, not at the end."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    source: Mapped[str] = mapped_column(String(40), default="timer")  # timer|camera|imu|...
    pain_before: Mapped[int | None] = mapped_column(Integer)
    pain_after: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    results: Mapped[list[ExerciseResult]] = relationship(
        back_populates="session", order_by="ExerciseResult.position", cascade="all, delete-orphan"
    )


class ExerciseResult(Base):
    """The measured result of one exercise in a session, committed when it ends."""

    __tablename__ = "exercise_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    exercise_id: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed: Mapped[bool] = mapped_column(Boolean)
    reps_done: Mapped[int] = mapped_column(Integer, default=0)
    reps_target: Mapped[int] = mapped_column(Integer, default=0)
    ranges_deg: Mapped[list[Any]] = mapped_column(JSON, default=list)
    hold_times_s: Mapped[list[Any]] = mapped_column(JSON, default=list)
    tempo: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    form_flags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    tracking: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pain_during: Mapped[int | None] = mapped_column(Integer)
    stop_action: Mapped[str | None] = mapped_column(String(20))

    session: Mapped[Session] = relationship(back_populates="results")


class PainReport(Base):
    """A pain/symptom check-in: before, during, after a session or next morning."""

    __tablename__ = "pain_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"), index=True)
    exercise_id: Mapped[str | None] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))  # before|during|after|next_morning|symptom
    pain: Mapped[int | None] = mapped_column(Integer)
    symptoms: Mapped[list[Any]] = mapped_column(JSON, default=list)
    decision: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Note(Base):
    """A clinician's note about a patient."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    text: Mapped[str] = mapped_column(Text)


class SafetyStateRow(Base):
    """History of a person's safety state: one row each time it changes.

    Rows with ``source == "clinician"`` are clinicians' clearances (with their note); they are
    also inputs to the state machine (:mod:`spinecoach.domain.safety_state`).
    """

    __tablename__ = "safety_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    level: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))
    exercise_id: Mapped[str | None] = mapped_column(String(80))
    pain: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
