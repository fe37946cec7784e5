"""The sEMG live channel: activation, symmetry, relax cues, flexion-relaxation ratio."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from spinecoach.domain.cues import CueKind
from spinecoach.domain.exercise import Category, Exercise
from spinecoach.domain.i18n import N_, _
from spinecoach.errors import InvalidDataFile
from spinecoach.settings import default_content_dir
from spinecoach.sources.emg.processing import (
    BAND_HZ,
    RMS_WINDOW_S,
    EnvelopeFilter,
    flexion_relaxation_ratio,
    symmetry_pct,
)
from spinecoach.sources.sensor_plugin import LineChannel, SensorCue
from spinecoach.sources.sensor_settings import Basis, read_basis, read_sensor_file

ENVELOPE_RATE_HZ = 20.0
#: EMA weight per envelope sample for the cues (about one second at 20 Hz; a smoothing
#: setting, like the thresholds of data/sensors/emg.toml).
SMOOTH = 0.05
RELAX = N_("Let your back muscles relax into the stretch; breathe out slowly.")
UNEVEN = N_("Your back muscles are working unevenly: share the effort between left and right.")
STRETCH_CATEGORIES = frozenset({Category.STATIC_STRETCH, Category.MOBILITY, Category.PNF})


@dataclass(frozen=True)
class EmgSettings:
    """Processing and coaching numbers of ``data/sensors/emg.toml`` (defaults: its values).

    ``basis`` says, per number and per coaching rule (``relax_cue``, ``symmetry_cue``), the
    source tags it rests on or ``"setting: <why>"`` (:mod:`spinecoach.sources.sensor_settings`).
    """

    reference_s: float = 5.0
    band_hz: tuple[float, float] = BAND_HZ
    rms_window_s: float = RMS_WINDOW_S
    full_flexion_pct: float = 90.0
    reextension_from_pct: float = 30.0
    min_flexion_deg: float = 20.0
    relax_above_pct: float = 25.0
    relax_after_s: float = 3.0
    active_above_pct: float = 10.0
    uneven_below_pct: float = 70.0
    uneven_after_s: float = 4.0
    basis: dict[str, Basis] = field(default_factory=dict)


#: The scalar numbers of :class:`EmgSettings`, and the coaching rules that need a basis too.
SCALARS = tuple(f.name for f in fields(EmgSettings) if f.name not in ("band_hz", "basis"))
RULES = ("relax_cue", "symmetry_cue")


def load_emg_settings(content_dir: Path | None = None) -> EmgSettings:
    """The numbers of ``data/sensors/emg.toml``, each with its basis (defaults when absent).

    Raises
    ------
    InvalidDataFile
        A number that is not positive, a band that is not ``[low, high]``, or a number or
        rule without a basis.
    """
    path = (content_dir or default_content_dir()) / "sensors" / "emg.toml"
    raw = read_sensor_file(path)
    if raw is None:
        return EmgSettings()
    values: dict[str, float] = {}
    for key in SCALARS:
        value = raw.get(key, getattr(EmgSettings, key))
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise InvalidDataFile(str(path), key, _("expected a positive number"))
        values[key] = float(value)
    band = raw.get("band_hz", list(BAND_HZ))
    if (
        not isinstance(band, list)
        or len(band) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in band)
        or not 0 < band[0] < band[1]
    ):
        raise InvalidDataFile(str(path), "band_hz", _("expected [low, high] in Hz, 0 < low < high"))
    given = [k for k in (*SCALARS, "band_hz") if k in raw]
    basis = read_basis(path, raw, [*given, *RULES])
    return EmgSettings(**values, band_hz=(float(band[0]), float(band[1])), basis=basis)


class EmgChannel(LineChannel):
    """Raw left/right erector spinae samples (µV) -> % of the reference contraction."""

    name = "emg"
    fields = ("left_uv", "right_uv", "flexion_deg")
    required = ("left_uv", "right_uv")
    limits = {"left_uv": (-1e5, 1e5), "right_uv": (-1e5, 1e5), "flexion_deg": (-180, 180)}

    def __init__(self, rate_hz: float = 1000.0, reference_s: float | None = None) -> None:
        super().__init__()
        self.settings = load_emg_settings()
        self.rate_hz = rate_hz
        self.reference_s = reference_s or self.settings.reference_s
        band, window = self.settings.band_hz, self.settings.rms_window_s
        self._filters = (
            EnvelopeFilter(rate_hz, band, window),
            EnvelopeFilter(rate_hz, band, window),
        )
        self._t0: float | None = None
        self._ref: list[list[float]] = [[], []]
        self.reference_uv: tuple[float, float] | None = None
        self._every = max(1, int(round(rate_hz / ENVELOPE_RATE_HZ)))
        self._n = 0
        self.left_pct: float | None = None
        self.right_pct: float | None = None
        self.angle_deg: float | None = None
        self._pending: list[SensorCue] = []
        self._reset_tallies()

    def _reset_tallies(self) -> None:
        self.samples: list[tuple[float, float, float, float]] = []  # t, left %, right %, angle
        self._high_since: float | None = None
        self._uneven_since: float | None = None
        self._ema: tuple[float, float] | None = None
        self.relax_cues = 0

    def start_exercise(self, exercise: Exercise | None) -> None:
        """Fresh tallies for the exercise."""
        super().start_exercise(exercise)
        self._reset_tallies()

    def note_angle(self, angle_deg: float | None) -> None:
        """The trunk/lumbar flexion now from the IMU or camera beside (for the FRR)."""
        self.angle_deg = angle_deg

    # -- samples -----------------------------------------------------------------------

    def push(self, t_s: float, values: Mapping[str, float]) -> None:
        """One raw sample of both sides (and optionally the flexion angle)."""
        self.push_block(
            np.array([t_s]),
            np.array([values["left_uv"]]),
            np.array([values["right_uv"]]),
            np.array([values.get("flexion_deg", np.nan)]),
        )

    def push_block(
        self, t_s: np.ndarray, left: np.ndarray, right: np.ndarray, angle: np.ndarray | None = None
    ) -> None:
        """A block of raw samples (files and Lab Streaming Layer chunks)."""
        if t_s.size == 0:
            return
        if self._t0 is None:
            self._t0 = float(t_s[0])
        env_l = self._filters[0].push(np.asarray(left, float))
        env_r = self._filters[1].push(np.asarray(right, float))
        for i in range(t_s.size):
            t = float(t_s[i])
            if self.reference_uv is None:
                if t - self._t0 <= self.reference_s:
                    self._ref[0].append(float(env_l[i]))
                    self._ref[1].append(float(env_r[i]))
                    continue
                self.reference_uv = tuple(  # type: ignore[assignment]
                    max(float(np.percentile(r[len(r) // 5 :] or [1.0], 50)), 1e-6)
                    for r in self._ref
                )
            self._n += 1
            if self._n % self._every:
                continue
            assert self.reference_uv is not None
            lp = 100.0 * float(env_l[i]) / self.reference_uv[0]
            rp = 100.0 * float(env_r[i]) / self.reference_uv[1]
            self.left_pct, self.right_pct = lp, rp
            a = float(angle[i]) if angle is not None and np.isfinite(angle[i]) else None
            a = a if a is not None else self.angle_deg
            self._sample(t, lp, rp, np.nan if a is None else a)

    def _sample(self, t: float, lp: float, rp: float, angle: float) -> None:
        if self.exercise is None:
            return
        self.samples.append((t, lp, rp, angle))
        # cues judge about one second of envelope (an EMA), not single noisy values
        a = SMOOTH
        self._ema = (lp, rp) if self._ema is None else (
            self._ema[0] + a * (lp - self._ema[0]), self._ema[1] + a * (rp - self._ema[1])
        )  # fmt: skip
        lp, rp = self._ema
        mean = (lp + rp) / 2
        if self._phase == "hold" and self.exercise.category in STRETCH_CATEGORIES:
            if mean > self.settings.relax_above_pct:
                self._high_since = t if self._high_since is None else self._high_since
                if t - self._high_since >= self.settings.relax_after_s:
                    self._pending.append((CueKind.FORM, RELAX, "emg"))
                    self.relax_cues += 1
                    self._high_since = t
            else:
                self._high_since = None
        sym = symmetry_pct(lp, rp)
        if (
            sym is not None
            and mean > self.settings.active_above_pct
            and sym < self.settings.uneven_below_pct
        ):
            self._uneven_since = t if self._uneven_since is None else self._uneven_since
            if t - self._uneven_since >= self.settings.uneven_after_s:
                self._pending.append((CueKind.FORM, UNEVEN, "emg"))
                self._uneven_since = t
        else:
            self._uneven_since = None

    _phase: str | None = None

    def coach(self, exercise: Exercise | None, phase: str | None) -> Sequence[SensorCue]:
        """Relax and symmetry cues since the last call (only while moving)."""
        self._phase = phase
        due, self._pending = self._pending, []
        return due if phase is not None else ()

    # -- to the page and the results ---------------------------------------------------

    def readout(self) -> Mapping[str, object]:
        """Activation (% reference) of each side, their mean and the symmetry."""
        if self.reference_uv is None:
            return {"label": N_("Back muscles"), "activation_pct": None, "calibrating": True}
        lp, rp = self.left_pct or 0.0, self.right_pct or 0.0
        sym = symmetry_pct(lp, rp)
        return {
            "label": N_("Back muscles"),
            "activation_pct": round((lp + rp) / 2, 1),
            "left_pct": round(lp, 1),
            "right_pct": round(rp, 1),
            "symmetry_pct": None if sym is None else round(sym, 1),
            "uneven_below_pct": self.settings.uneven_below_pct,
            "calibrating": False,
        }

    def summary(self) -> Mapping[str, object]:
        """Mean activation and symmetry over the exercise, relax cues, and the FRR."""
        if not self.samples:
            return {"samples": 0}
        data = np.array(self.samples)
        left, right = data[:, 1], data[:, 2]
        mean = (left + right) / 2
        sym = symmetry_pct(float(left.mean()), float(right.mean()))
        frr = flexion_relaxation_ratio(
            data[:, 3],
            mean,
            full_pct=self.settings.full_flexion_pct,
            from_pct=self.settings.reextension_from_pct,
            min_flexion_deg=self.settings.min_flexion_deg,
        )
        return {
            "samples": int(data.shape[0]),
            "mean_activation_pct": round(float(mean.mean()), 1),
            "left_pct": round(float(left.mean()), 1),
            "right_pct": round(float(right.mean()), 1),
            "symmetry_pct": None if sym is None else round(sym, 1),
            "relax_cues": self.relax_cues,
            "flexion_relaxation_ratio": None if frr is None else round(frr, 2),
        }
