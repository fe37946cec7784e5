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
from spinecoach.domain.i18n import N_, _, ngettext
from spinecoach.domain.serialize import dose_from_dict
from spinecoach.errors import UnknownExercise

CONDITION_WORDS = {
    "osteoporosis": N_("thin bones (osteoporosis)"),
    "pregnancy": N_("pregnancy"),
    "pregnancy_after_first_trimester": N_("pregnancy after the first three months"),
    "recent_surgery": N_("recent back surgery"),
    "early_after_surgery": N_("the first weeks after back surgery"),
    "disc_degeneration": N_("disc wear (degeneration)"),
    "hypermobility": N_("very flexible joints (hypermobility)"),
    "knee_problems": N_("knee problems"),
    "wrist_problems": N_("wrist problems"),
    "balance_problems": N_("balance problems"),
    "spinal_stenosis": N_("narrowing of the spinal canal (lumbar spinal stenosis)"),
    "spondylolisthesis": N_("a slipped vertebra (spondylolisthesis)"),
    "spondylolisthesis_young_athlete": N_("a slipped vertebra in a young athlete"),
    "flexion_intolerant": N_("pain that is worse bending forward or sitting"),
    "extension_intolerant": N_("pain that is worse arching back or standing"),
    "acute": N_("pain that started in the last six weeks"),
    "leg_symptoms_below_knee": N_("symptoms that reach below the knee"),
    "high_pain": N_("pain of 7 or more out of 10"),
    "older_adult": N_("being 65 or older"),
    "without_mat": N_("no mat"),
    "without_chair": N_("no chair"),
    "without_towel": N_("no towel or strap"),
    "without_foam_roller": N_("no foam roller"),
    "without_band": N_("no resistance band"),
}

AGGRAVATOR_WORDS = {
    "sitting": N_("sitting"),
    "bending": N_("bending forward"),
    "lifting": N_("lifting"),
    "getting_up": N_("getting up from a chair"),
    "driving": N_("driving"),
    "standing": N_("standing"),
    "arching": N_("arching back"),
    "walking": N_("walking"),
    "lying_prone": N_("lying on your front"),
    "reaching_up": N_("reaching up"),
    "twisting": N_("twisting"),
}

DECISION_WORDS = {
    "continue": N_("carry on"),
    "regress": N_("switch to an easier version"),
    "stop_exercise": N_("stop this exercise"),
    "end_session": N_("end today's session"),
    "urgent_care": N_("stop and get urgent medical help"),
    "hold": N_("keep the same"),
    "progress": N_("a small step up"),
    "stop": N_("stopped"),
    "add": N_("added"),
    "remove": N_("removed"),
    "dose": N_("dose changed"),
    "pause": N_("paused"),
    "skipped": N_("skipped"),
    "completed": N_("done"),
    "stopped": N_("stopped"),
}

#: Short words shown through ``_()`` from values (sides, camera views, positions, durations).
VOCABULARY = (
    N_("left"), N_("right"), N_("side"), N_("front"), N_("any"), N_("standing"),
    N_("seated"), N_("acute"), N_("subacute"), N_("chronic"), N_("stretch"), N_("hold"),
    N_("warm up"), N_("stability"), N_("integration"), N_("flexion"), N_("extension"),
    N_("pain relief"), N_("flexibility"), N_("core strength"), N_("desk relief"),
    N_("return to activity"), N_("no clear repeated movement"), N_("high"), N_("medium"),
    N_("low"), N_("none"),
)  # fmt: skip

TIER_WORDS = {
    "emergency": N_("emergency: get help now"),
    "urgent": N_("see a clinician today or tomorrow"),
    "routine": N_("book a routine appointment"),
    "clear": N_("no warning signs"),
}


def condition_words(key: str) -> str:
    """Plain words for a condition key (``spinal_stenosis`` -> ``narrowing of ...``)."""
    return _(CONDITION_WORDS.get(key, key.replace("_", " ")))


def decision_words(key: str) -> str:
    """Plain words for a stop-rule decision or a plan change (``regress`` -> ...)."""
    return _(DECISION_WORDS.get(key, key.replace("_", " ")))


def tier_words(key: str) -> str:
    """Plain words for a screening tier."""
    return _(TIER_WORDS.get(key, key.replace("_", " ")))


def join_words(words: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = [w for w in words if w]
    if len(items) <= 1:
        return "".join(items)
    return _("{items} and {last}").format(items=", ".join(items[:-1]), last=items[-1])


def aggravator_words(aggravators: Iterable[str]) -> str:
    """The activities the person reported, in plain words and a stable order."""
    return join_words(_(AGGRAVATOR_WORDS.get(a, a.replace("_", " "))) for a in sorted(aggravators))


def _minutes(seconds: float) -> str:
    minutes = seconds / 60
    if minutes < 1:
        return _("{n} seconds").format(n=f"{seconds:.0f}")
    value = round(minutes * 2) / 2
    return ngettext("{n} minute", "{n} minutes", 1 if value == 1 else 2).format(n=f"{value:g}")


def describe_dose(dose: Dose) -> str:
    """A short description of a dose in words that fit the exercise.

    ``2 x 8 reps``, ``2 reps, hold 30 s, each side``, ``3 contract-relax cycles, each side``;
    walking and other timed activities are shown in minutes, not repetitions.
    """
    if dose.unit == "minutes":
        return _("about {time}").format(time=_minutes(dose.duration_s))
    parts: list[str] = []
    if dose.pnf is not None:
        parts.append(_("{reps} contract-relax cycles").format(reps=dose.reps))
    elif dose.sets > 1:
        parts.append(_("{sets} x {reps} reps").format(sets=dose.sets, reps=dose.reps))
    else:
        parts.append(ngettext("{reps} rep", "{reps} reps", dose.reps).format(reps=dose.reps))
    if dose.pnf is None and dose.hold_s:
        parts.append(_("hold {seconds} s").format(seconds=f"{dose.hold_s:g}"))
    if dose.per_side:
        parts.append(_("each side"))
    return ", ".join(parts)


FIELD_WORDS = {
    "clinic_code": N_("Clinic code"),
    "pain_now": N_("Pain now"),
    "pain_average": N_("Usual pain"),
    "duration_weeks": N_("How long you have had the pain"),
    "minutes_per_day": N_("Minutes a day"),
    "desk_hours": N_("Hours at a desk"),
    "leg_symptoms": N_("Leg symptoms"),
    "activity_level": N_("Activity level"),
    "pregnancy_weeks": N_("Weeks of pregnancy"),
    "weeks_since_surgery": N_("Weeks since your surgery"),
    "add_exercise_id": N_("Exercise to add"),
    "csrf_token": N_("Form"),
}


def plain_message(message: str) -> str:
    """An error message for a person: a leading ``field_name:`` becomes plain words.

    ``"clinic_code: only patients join a clinic"`` -> ``"Clinic code: only patients join a
    clinic"``. Messages without such a prefix are returned unchanged.
    """
    key, sep, rest = message.partition(": ")
    if not sep or not key or not all(c.islower() or c.isdigit() or c in "_." for c in key):
        return message
    label = _(FIELD_WORDS.get(key) or key.replace("_", " ").replace(".", " ").capitalize())
    return f"{label}: {rest}"


def symptom_words(symptoms: Iterable[str], labels: Mapping[str, str] | None = None) -> str:
    """``"Sharp or stabbing pain and symptoms in both legs"`` from stop-rule symptom keys
    (the rules' labels when given)."""
    texts = [_((labels or {}).get(s) or s.replace("_", " ")) for s in symptoms]
    return join_words(t[:1].lower() + t[1:] if n else t for n, t in enumerate(texts))


#: What the session did after a check-in, as a clinician reads it.
ACTION_WORDS = {
    "continue": N_("carried on"),
    "regress": N_("switched to an easier version"),
    "stop_exercise": N_("stopped that exercise"),
    "end_session": N_("ended the session"),
    "urgent_care": N_("advised urgent medical care"),
    "skipped": N_("skipped"),
}

#: The same, addressed to the patient.
ACTION_WORDS_PATIENT = {
    "continue": N_("you carried on"),
    "regress": N_("we switched to an easier version"),
    "stop_exercise": N_("we stopped that exercise"),
    "end_session": N_("we ended the session"),
    "urgent_care": N_("we advised you to get urgent medical care"),
    "skipped": N_("you skipped it"),
}


def action_words(action: str | None, *, patient: bool = False) -> str:
    """Plain words for what the session did after a check-in (``None`` reads as carried on)."""
    words = ACTION_WORDS_PATIENT if patient else ACTION_WORDS
    return _(words.get(action or "continue", (action or "").replace("_", " ")))


def exercise_name(exercise_id: str | None, library: ExerciseLibrary | None) -> str:
    """The exercise's display name (its id in words when it is not in the library)."""
    if not exercise_id:
        return ""
    if library is not None:
        try:
            return _(library.get(exercise_id).name)
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
