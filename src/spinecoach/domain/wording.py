"""Plain words for people: labels for internal keys, and dose descriptions.

Also the words for stored codes (stop actions, symptoms, exercises, stored doses) that the
clinician dashboard, the session review and the reports share, so a flag never reads like
a log line ("Reported sharp_pain on 02 Dec: stop_exercise").

No internal code (symptom keys, condition keys, field names, decisions) should reach a
patient; everything shown goes through one of these functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from spinecoach.domain.exercise import Dose, ExerciseLibrary
from spinecoach.domain.serialize import dose_from_dict
from spinecoach.errors import UnknownExercise

CONDITION_WORDS = {
    "osteoporosis": "thin bones (osteoporosis)",
    "pregnancy": "pregnancy",
    "pregnancy_after_first_trimester": "pregnancy after the first three months",
    "recent_surgery": "recent back surgery",
    "early_after_surgery": "the first weeks after back surgery",
    "disc_degeneration": "disc wear (degeneration)",
    "hypermobility": "very flexible joints (hypermobility)",
    "knee_problems": "knee problems",
    "wrist_problems": "wrist problems",
    "balance_problems": "balance problems",
    "spinal_stenosis": "narrowing of the spinal canal (lumbar spinal stenosis)",
    "spondylolisthesis": "a slipped vertebra (spondylolisthesis)",
    "spondylolisthesis_young_athlete": "a slipped vertebra in a young athlete",
    "flexion_intolerant": "pain that is worse bending forward or sitting",
    "extension_intolerant": "pain that is worse arching back or standing",
    "acute": "pain that started in the last six weeks",
    "leg_symptoms_below_knee": "symptoms that reach below the knee",
    "high_pain": "pain of 7 or more out of 10",
    "older_adult": "being 65 or older",
}

AGGRAVATOR_WORDS = {
    "sitting": "sitting",
    "bending": "bending forward",
    "lifting": "lifting",
    "getting_up": "getting up from a chair",
    "driving": "driving",
    "standing": "standing",
    "arching": "arching back",
    "walking": "walking",
    "lying_prone": "lying on your front",
    "reaching_up": "reaching up",
    "twisting": "twisting",
}

DECISION_WORDS = {
    "continue": "carry on",
    "regress": "switch to an easier version",
    "stop_exercise": "stop this exercise",
    "end_session": "end today's session",
    "urgent_care": "stop and get urgent medical help",
    "hold": "keep the same",
    "progress": "a small step up",
    "stop": "stopped",
    "add": "added",
    "remove": "removed",
    "dose": "dose changed",
    "pause": "paused",
    "skipped": "skipped",
    "completed": "done",
    "stopped": "stopped",
}

TIER_WORDS = {
    "emergency": "emergency: get help now",
    "urgent": "see a clinician today or tomorrow",
    "routine": "book a routine appointment",
    "clear": "no warning signs",
}


def condition_words(key: str) -> str:
    """Plain words for a condition key (``spinal_stenosis`` -> ``narrowing of ...``)."""
    return CONDITION_WORDS.get(key, key.replace("_", " "))


def decision_words(key: str) -> str:
    """Plain words for a stop-rule decision or a plan change (``regress`` -> ...)."""
    return DECISION_WORDS.get(key, key.replace("_", " "))


def tier_words(key: str) -> str:
    """Plain words for a screening tier."""
    return TIER_WORDS.get(key, key.replace("_", " "))


def join_words(words: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = [w for w in words if w]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def aggravator_words(aggravators: Iterable[str]) -> str:
    """The activities the person reported, in plain words and a stable order."""
    return join_words(AGGRAVATOR_WORDS.get(a, a.replace("_", " ")) for a in sorted(aggravators))


def _minutes(seconds: float) -> str:
    minutes = seconds / 60
    if minutes < 1:
        return f"{seconds:.0f} seconds"
    value = round(minutes * 2) / 2
    return f"{value:g} minute" + ("" if value == 1 else "s")


def describe_dose(dose: Dose) -> str:
    """A short description of a dose in words that fit the exercise.

    ``2 x 8 reps``, ``2 reps, hold 30 s, each side``, ``3 contract-relax cycles, each side``;
    walking and other timed activities are shown in minutes, not repetitions.
    """
    if dose.unit == "minutes":
        return f"about {_minutes(dose.duration_s)}"
    parts: list[str] = []
    if dose.pnf is not None:
        parts.append(f"{dose.reps} contract-relax cycles")
    else:
        parts.append(f"{dose.sets} x {dose.reps} reps" if dose.sets > 1 else f"{dose.reps} reps")
        if dose.hold_s:
            parts.append(f"hold {dose.hold_s:g} s")
    if dose.per_side:
        parts.append("each side")
    return ", ".join(parts)


FIELD_WORDS = {
    "clinic_code": "Clinic code",
    "pain_now": "Pain now",
    "pain_average": "Usual pain",
    "duration_weeks": "How long you have had the pain",
    "minutes_per_day": "Minutes a day",
    "desk_hours": "Hours at a desk",
    "leg_symptoms": "Leg symptoms",
    "activity_level": "Activity level",
    "pregnancy_weeks": "Weeks of pregnancy",
    "weeks_since_surgery": "Weeks since your surgery",
    "add_exercise_id": "Exercise to add",
    "csrf_token": "Form",
}


def plain_message(message: str) -> str:
    """An error message for a person: a leading ``field_name:`` becomes plain words.

    ``"clinic_code: only patients join a clinic"`` -> ``"Clinic code: only patients join a
    clinic"``. Messages without such a prefix are returned unchanged.
    """
    key, sep, rest = message.partition(": ")
    if not sep or not key or not all(c.islower() or c.isdigit() or c in "_." for c in key):
        return message
    label = FIELD_WORDS.get(key) or key.replace("_", " ").replace(".", " ").capitalize()
    return f"{label}: {rest}"


def symptom_words(symptoms: Iterable[str], labels: Mapping[str, str] | None = None) -> str:
    """``"Sharp or stabbing pain and symptoms in both legs"`` from stop-rule symptom keys
    (the rules' labels when given)."""
    texts = [(labels or {}).get(s) or s.replace("_", " ") for s in symptoms]
    return join_words(t[:1].lower() + t[1:] if n else t for n, t in enumerate(texts))


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
    """Plain words for what the session did after a check-in (``None`` reads as carried on)."""
    words = ACTION_WORDS_PATIENT if patient else ACTION_WORDS
    return words.get(action or "continue", (action or "").replace("_", " "))


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


def stored_dose_words(dose: Mapping[str, Any]) -> str:
    """:func:`describe_dose` of a stored dose (the dict of ``serialize.dose_to_dict``)."""
    return describe_dose(dose_from_dict(dict(dose)))


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
