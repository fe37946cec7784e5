"""Database tables. Rich values (doses, answers, measurements) are JSON columns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Timezone-aware now in UTC (the store's clock for defaults)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite returns naive ones; every stored time
    is UTC)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


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
    locale: Mapped[str | None] = mapped_column(String(16))  # "en", "es"; None: the browser's
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166 alpha-2; emergency number

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
    kind: Mapped[str] = mapped_column(String(20), default="routine")  # routine | desk_break
    break_at: Mapped[str | None] = mapped_column(String(5))  # HH:MM of the desk break

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
    #: Measured angle traces, ``{channel: {"label", "t_s": [...], "deg": [...]}}`` with times
    #: in seconds from the exercise's start, thinned to at most ``TRACE_HZ`` samples a second.
    traces: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: Cues given during the exercise, ``[{"t_s", "kind", "text"}]`` (times from its start).
    cues: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)

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
    #: ``private`` (clinicians only) or ``shared`` (the patient sees it; in the report).
    visibility: Mapped[str] = mapped_column(String(10), default="private", server_default="private")


class PlanTemplate(Base):
    """A clinician's saved plan (exercises with doses) to assign to any of their patients."""

    __tablename__ = "plan_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    level: Mapped[int] = mapped_column(Integer)
    #: ``[{"exercise_id", "section", "dose", "reason", "locked"}]`` in plan order.
    items: Mapped[list[Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")


class Message(Base):
    """An asynchronous message between a patient and their clinician."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    text: Mapped[str] = mapped_column(Text)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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


class PostureAssessment(Base):
    """One guided posture check (a position and a view): figures with their confidence."""

    __tablename__ = "posture_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    position: Mapped[str] = mapped_column(String(20))  # standing | seated
    view: Mapped[str] = mapped_column(String(20))  # side | front | none (IMU or manual only)
    input_name: Mapped[str] = mapped_column(String(400), default="")
    figures: Mapped[list[Any]] = mapped_column(JSON, default=list)
    unmeasurable: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)


class DeskQuestionnaire(Base):
    """Answers to the desk questionnaire and the advice ids they brought."""

    __tablename__ = "desk_questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    advice: Mapped[list[Any]] = mapped_column(JSON, default=list)


class DeskBreakPlan(Base):
    """The day's desk breaks (times, exercises, doses); a new row per change."""

    __tablename__ = "desk_break_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    origin: Mapped[str] = mapped_column(String(20), default="generated")  # generated | adapted
    breaks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    changes: Mapped[list[Any]] = mapped_column(JSON, default=list)


class PostureMonitorLog(Base):
    """One run of the opt-in sitting monitor: only minutes per category and nudges given."""

    __tablename__ = "posture_monitor_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(20), default="camera")  # camera | imu
    minutes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    nudges: Mapped[list[Any]] = mapped_column(JSON, default=list)


class WebSignIn(Base):
    """A signed-in browser session, kept server-side so it can be listed and revoked.

    The cookie carries a random token; only its SHA-256 is stored.
    """

    __tablename__ = "web_sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    client: Mapped[str] = mapped_column(String(64), default="")


class LoginAttempt(Base):
    """One counted sign-in or sign-up attempt (rate limiting shared by every worker)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_kind_key", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # account | client | signup
    key: Mapped[str] = mapped_column(String(400))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class LivePresence(Base):
    """Which server process holds a person's running live session (one row per person).

    Every worker process sees these rows, so a second tab, a reconnect or a phone joining as
    a back sensor finds the session whichever process it reaches. ``heartbeat_at`` is
    refreshed while the session runs; a row not refreshed for a while belongs to a process
    that died and is taken over.
    """

    __tablename__ = "live_presence"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    session_id: Mapped[int | None] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(40))
    key: Mapped[int] = mapped_column(Integer)  # the connection within the worker
    takes_sensor: Mapped[bool] = mapped_column(Boolean, default=False)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReminderSetting(Base):
    """When a person wants to be reminded (one row per person): the daily session's time,
    whether desk breaks are reminded and on which weekdays, and their clock's time zone.
    The calendar file (``/reminders.ics``) is made from this row."""

    __tablename__ = "reminder_settings"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    daily_time: Mapped[str | None] = mapped_column(String(5))  # "HH:MM"; None: no daily one
    breaks_on: Mapped[bool] = mapped_column(Boolean, default=True)
    break_days: Mapped[list[Any]] = mapped_column(JSON, default=list)  # ["MO", ...]
    time_zone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. "Europe/Madrid"
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
