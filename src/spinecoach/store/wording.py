"""Plain words for stored codes: stop decisions, symptoms, exercises, doses.

Shared by the clinician dashboard (``store.dashboard``), the session review and the reports,
so a flag never reads like a log line ("Reported sharp_pain on 02 Dec: stop_exercise").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from spinecoach.domain.exercise import ExerciseLibrary
from spinecoach.errors import UnknownExercise

#: What the session did after a check-in, as a clinician reads it.
ACTION_WORDS = {
    "continue": "carried on",
    "regress": "switched to an easier version",
    "stop_exercise": "stopped that exercise",
    "end_session": "ended the session",
    "urgent_care": "advised urgent medical care",
    "skipped": "skipped",
}

#: The same, addressed to the patient.
ACTION_WORDS_PATIENT = {
    "continue": "you carried on",
    "regress": "we switched to an easier version",
    "stop_exercise": "we stopped that exercise",
    "end_session": "we ended the session",
    "urgent_care": "we advised you to get urgent medical care",
    "skipped": "you skipped it",
}


def action_words(action: str | None, *, patient: bool = False) -> str:
    """Plain words for a stop action (``None`` reads as carried on)."""
    words = ACTION_WORDS_PATIENT if patient else ACTION_WORDS
    return words.get(action or "continue", (action or "").replace("_", " "))


def symptom_words(symptoms: Iterable[str], labels: Mapping[str, str]) -> str:
    """``"Sharp or stabbing pain and symptoms in both legs"`` from symptom codes."""
    texts = [labels.get(s, s.replace("_", " ")) for s in symptoms]
    texts = [t[:1].lower() + t[1:] if n else t for n, t in enumerate(texts)]
    if not texts:
        return ""
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


def exercise_name(exercise_id: str | None, library: ExerciseLibrary | None) -> str:
    """The exercise's display name (its id in words when it is not in the library)."""
    if not exercise_id:
        return ""
    if library is not None:
        try:
            return library.get(exercise_id).name
        except UnknownExercise:
            pass
    words = exercise_id.replace("_", " ")
    return words[:1].upper() + words[1:]


def dose_words(dose: Mapping[str, Any]) -> str:
    """``"2 x 10 reps, 5 s hold, each side"`` from a stored dose dict."""
    reps, sets = dose.get("reps"), dose.get("sets") or 1
    parts = [f"{sets} x {reps} reps" if sets and sets > 1 else f"{reps} reps"]
    if dose.get("hold_s"):
        parts.append(f"{float(dose['hold_s']):g} s hold")
    if dose.get("per_side"):
        parts.append("each side")
    return ", ".join(parts)


def screening_words(answers: Mapping[str, Any], questions: Mapping[str, str]) -> str:
    """Why a screening was not clear: ``answered yes to "<question>"``; not-sure answers."""
    stored = answers.get("answers", answers)
    if not isinstance(stored, Mapping):
        stored = {}
    yes = [questions.get(q, q.replace("_", " ")) for q, a in stored.items() if a == "yes"]
    unsure = [q for q, a in stored.items() if a not in ("yes", "no")]
    why = "; ".join(f'answered yes to "{q}"' for q in yes)
    if unsure:
        why += ("; " if why else "") + f"{len(unsure)} question(s) answered not sure"
    return (why or "no answer triggered it") + "."
