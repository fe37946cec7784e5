"""Plain words for people: labels for internal keys, and dose descriptions.

No internal code (symptom keys, condition keys, field names, decisions) should reach a
patient; everything shown goes through one of these functions.
"""

from __future__ import annotations

from collections.abc import Iterable

from spinecoach.domain.exercise import Dose

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


def symptom_words(key: str, labels: dict[str, str] | None = None) -> str:
    """Plain words for a stop-rule symptom key (the rules' label when given)."""
    if labels and key in labels:
        return labels[key]
    return key.replace("_", " ")
