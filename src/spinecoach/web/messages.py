"""The live session's client messages, validated at the edge (a pydantic discriminated union).

The JSON keys and types are the protocol documented in :mod:`spinecoach.web.routes.session`
(a contract: in-browser pose and sensor bridges send them). Every message is checked here
before anything else sees it: unknown types, wrong types, out-of-range or non-finite numbers,
huge integers, deep nesting and oversized lists become one :class:`InvalidInput` line
(``field: problem``) for an ``error`` reply, never an exception that ends the session.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

import numpy as np
import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from spinecoach.domain.i18n import N_, _
from spinecoach.errors import InvalidInput

MAX_KEYPOINTS = 64
MAX_SYMPTOMS = 32
#: Largest value accepted for a client time stamp (ms); beyond it is not a time.
MAX_CLIENT_TS = 1e15


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, frozen=True)


def _pain_value(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise ValueError(f"expected a whole number 0-10, got {str(value)[:12]!r}")
    return value


class KeypointsMessage(_Message):
    """``{"type": "keypoints", "t": ms, "keypoints": [[x, y, z, conf] or [x, y, conf], ...],
    "names": [...]?, "detect_fps": n?, "confidence": c?}`` (``z``: relative depth, pixels)."""

    type: Literal["keypoints"]
    t: Annotated[float, Field(ge=-MAX_CLIENT_TS, le=MAX_CLIENT_TS)] | None = None
    keypoints: Annotated[
        list[Annotated[list[Annotated[float, Field(ge=-1e5, le=1e5)] | None], Field(max_length=4)]],
        Field(max_length=MAX_KEYPOINTS),
    ]
    names: (
        Annotated[list[Annotated[str, Field(max_length=40)]], Field(max_length=MAX_KEYPOINTS)]
        | None
    ) = None
    #: Pose in the browser reports its measured detection rate and mean landmark confidence.
    detect_fps: Annotated[float, Field(ge=0.0, le=1000.0)] | None = None
    confidence: Annotated[float, Field(ge=0.0, le=1.0)] | None = None


class ImuMessage(_Message):
    """``{"type": "imu", "t": ms, "lines": "<IMU JSON lines>"}``."""

    type: Literal["imu"]
    t: Annotated[float, Field(ge=-MAX_CLIENT_TS, le=MAX_CLIENT_TS)] | None = None
    lines: str


class SensorMessage(_Message):
    """``{"type": "sensor", "sensor": "band", "t": ms, "lines": "<the plug-in's JSON lines>"}``."""

    type: Literal["sensor"]
    sensor: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
    t: Annotated[float, Field(ge=-MAX_CLIENT_TS, le=MAX_CLIENT_TS)] | None = None
    lines: str


class PainMessage(_Message):
    """``{"type": "pain", "pain": 0-10}``."""

    type: Literal["pain"]
    pain: Any = None

    @field_validator("pain", mode="plain")
    @classmethod
    def _pain(cls, value: object) -> int:
        pain = _pain_value(value)
        if pain is None:
            raise ValueError("expected a whole number 0-10, got None")
        return pain


class SymptomsMessage(_Message):
    """``{"type": "symptoms", "symptoms": [id, ...], "pain": 0-10?}``."""

    type: Literal["symptoms"]
    symptoms: Annotated[
        list[Annotated[str, Field(max_length=60)]], Field(max_length=MAX_SYMPTOMS)
    ] = []
    pain: Any = None

    @field_validator("pain", mode="plain")
    @classmethod
    def _pain(cls, value: object) -> int | None:
        return _pain_value(value)


class ControlMessage(_Message):
    """``{"type": "skip" | "stop" | "pause" | "resume" | "acknowledge_stop"}``.

    ``acknowledge_stop``: the person has read "stop this exercise" (the engine waits for it).
    """

    type: Literal["skip", "stop", "pause", "resume", "acknowledge_stop"]


ClientMessage = Annotated[
    KeypointsMessage | ImuMessage | SensorMessage | PainMessage | SymptomsMessage | ControlMessage,
    Field(discriminator="type"),
]
_ADAPTER: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)
#: Every message type a client may send, read off the union's ``type`` literals.
MESSAGE_TYPES = tuple(
    kind
    for model in get_args(get_args(ClientMessage)[0])
    for kind in get_args(model.model_fields["type"].annotation)
)
#: Hints per field when its value has the wrong shape.
_FIELD_HINTS = {
    "keypoints": N_(
        "keypoints: each point must be [x, y, confidence] or [x, y, z, confidence]; "
        "coordinates must be numbers or null, within +-100000"
    ),
    "names": N_("names: expected up to {limit} keypoint names"),
    "lines": N_("imu: expected 'lines', the sensor's JSON lines as one string"),
    "symptoms": N_("symptoms: expected a list of symptom ids"),
    "sensor": N_("sensor: expected the name of a sensor plug-in (e.g. band, emg)"),
    "t": N_("t: expected a finite time stamp in milliseconds"),
}


def parse_message(text: str) -> ClientMessage:
    """Decode and validate one text message.

    Raises
    ------
    InvalidInput
        One line naming the field and the problem.
    """
    try:
        raw = orjson.loads(text)  # the fast decoder for the 30-per-second keypoints messages
    except orjson.JSONDecodeError:  # not JSON, or beyond orjson: the standard library says
        raw = _loads_slowly(text)
    if not isinstance(raw, dict):
        raise InvalidInput(_("message: expected a JSON object"))
    kind = raw.get("type")
    if kind not in MESSAGE_TYPES:
        raise InvalidInput(_("type: unknown message type {kind}").format(kind=repr(str(kind)[:40])))
    try:
        return _ADAPTER.validate_python(raw)
    except ValidationError as exc:
        raise InvalidInput(_problem(exc)) from None
    except RecursionError:
        raise InvalidInput(_("message: nested too deeply")) from None


@dataclass(frozen=True)
class KeypointsArrays:
    """A keypoints message already read into arrays (:func:`fast_keypoints`)."""

    t: float | None
    positions: np.ndarray  # (n, 2|3) pixels
    confidence: np.ndarray  # (n,) in [0, 1]


_PLAIN_KEYPOINTS_KEYS = frozenset({"type", "t", "keypoints", "detect_fps", "confidence"})
#: The page's pose statistics sent with each message: their bounds (validated, not used).
_STATS_BOUNDS = (("detect_fps", 1000.0), ("confidence", 1.0))


def _number_within(value: object, low: float, high: float) -> bool:
    return (type(value) is float or type(value) is int) and low <= value <= high  # type: ignore[operator]


def fast_keypoints(text: str, n_points: int) -> KeypointsArrays | None:
    """The common keypoints message, ``{"type": "keypoints", "t": ms, "keypoints": [[x, y,
    (z,) c], ...], "detect_fps": n?, "confidence": c?}`` (as the page's pose in the browser
    sends it) with ``n_points`` all-numeric, finite points within range, read straight into
    arrays (one decode, no per-value model validation: the 30-per-second hot path).

    Anything else, including every message with a problem, returns None: the caller then
    takes :func:`parse_message`, which gives the same values or the same one-line error
    (this path only takes what that validation accepts unchanged)."""
    try:
        raw = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if (
        type(raw) is not dict
        or raw.get("type") != "keypoints"
        or raw.keys() - _PLAIN_KEYPOINTS_KEYS
    ):
        return None
    t = raw.get("t")
    if t is not None:
        if not _number_within(t, -MAX_CLIENT_TS, MAX_CLIENT_TS):
            return None
        t = float(t)
    for key, high in _STATS_BOUNDS:
        value = raw.get(key)
        if value is not None and not _number_within(value, 0.0, high):
            return None
    points = raw.get("keypoints")
    if type(points) is not list or len(points) != n_points:
        return None
    try:
        array = np.array(points)  # numbers only give an int or float array
    except (ValueError, TypeError, OverflowError):  # ragged, nested, too big
        return None
    if array.dtype.kind not in "if" or array.ndim != 2 or array.shape[1] not in (3, 4):
        return None  # nulls, strings, booleans, lists of other shapes: the full validation
    array = array.astype(float, copy=False)
    if not np.isfinite(array).all() or np.abs(array).max() > 1e5:
        return None
    return KeypointsArrays(t, array[:, :-1], array[:, -1].clip(0.0, 1.0))


def _loads_slowly(text: str) -> Any:
    """:func:`json.loads`, for what orjson refuses (huge integers, ``NaN`` literals, deep
    nesting): the same value or the same one-line error as before orjson."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise InvalidInput(_("message: not valid JSON (or nested too deeply)")) from None
    except ValueError as exc:  # e.g. an integer with more digits than Python parses
        raise InvalidInput(_("message: {exc}").format(exc=str(exc)[:80])) from None


def encode(payload: dict[str, Any]) -> str:
    """A server message as compact JSON text (orjson, NumPy numbers included; a non-finite
    number becomes ``null``, which browsers parse, where the standard library wrote ``NaN``;
    the standard library for a value orjson does not take, e.g. an integer beyond 64 bits)."""
    try:
        return orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    except TypeError:
        return json.dumps(payload, separators=(",", ":"))


def _problem(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    loc = [str(p) for p in error["loc"][1:]]  # [0] is the union's tag
    field = loc[0] if loc else "message"
    if error["type"] == "value_error":
        msg = str(error["msg"]).removeprefix("Value error, ")
        got = msg.removeprefix("expected a whole number 0-10, got ")
        if got != msg:
            msg = _("expected a whole number 0-10, got {value}").format(value=got)
        return f"{field}: {msg}"
    if field == "keypoints" and error["type"] == "too_long" and len(loc) == 1:
        return _("keypoints: at most {limit} points").format(limit=MAX_KEYPOINTS)
    if field in _FIELD_HINTS:
        return _(_FIELD_HINTS[field]).format(limit=MAX_KEYPOINTS)
    return f"{'.'.join(loc) or field}: {error['msg']}"
