"""The band's live channel: keeps the person in the exercise's stretch zone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from spinecoach.domain.cues import CueKind
from spinecoach.domain.exercise import Exercise
from spinecoach.domain.i18n import N_
from spinecoach.sources.band.zones import BandTiming, BandZone, load_timing, load_zones
from spinecoach.sources.sensor_plugin import LineChannel, SensorCue

ABOVE = N_("Ease off: the band is stretched past your zone.")
BELOW = N_("A little further: the band is below your zone.")
BACK_IN = N_("Good: the band is in your zone.")
PEAK_BELOW = N_("Round up a little further next time: the band stayed below your zone.")


class BandChannel(LineChannel):
    """Tension (N) and optional stretch (%) -> zone, cues on leaving it, time in zone."""

    name = "band"
    fields = ("tension_n", "stretch_pct")
    required = ("tension_n",)
    limits = {"tension_n": (0.0, 2000.0), "stretch_pct": (0.0, 1000.0)}

    def __init__(
        self, zones: Mapping[str, BandZone] | None = None, timing: BandTiming | None = None
    ) -> None:
        super().__init__()
        self.zones = dict(load_zones() if zones is None else zones)
        #: Cue timing (engineering settings, data/sensors/band_zones.toml ``[coaching]``).
        self.timing = load_timing() if timing is None else timing
        self.zone: BandZone | None = None
        self.last: dict[str, float] = {}
        self._t: float | None = None
        self._pending: list[SensorCue] = []
        self._reset_tallies()

    def _reset_tallies(self) -> None:
        self.time_s = 0.0
        self.in_zone_s = 0.0
        self.above_s = 0.0
        self.below_s = 0.0
        self.max_tension_n = 0.0
        self.peaks: list[float] = []
        self._state = "none"  # in | above | below
        self._outside_since: float | None = None
        self._said = ""
        self._peak = 0.0
        self._last_peak = 0.0
        self._armed = True

    def start_exercise(self, exercise: Exercise | None) -> None:
        """A new exercise: its zone (none: readout only), fresh tallies."""
        super().start_exercise(exercise)
        self.zone = self.zones.get(exercise.id) if exercise is not None else None
        self._reset_tallies()

    # -- per sample ------------------------------------------------------------------

    def measure(self, values: Mapping[str, float]) -> tuple[float, tuple[float, float]] | None:
        """The value the zone is judged on and the zone (stretch when both are known)."""
        zone = self.zone
        if zone is None:
            return None
        if zone.stretch_pct is not None and "stretch_pct" in values:
            return values["stretch_pct"], zone.stretch_pct
        return values["tension_n"], zone.tension_n

    def push(self, t_s: float, values: Mapping[str, float]) -> None:
        """One sample: tallies while an exercise runs, and zone changes."""
        dt = 0.0 if self._t is None else min(max(t_s - self._t, 0.0), 1.0)
        self._t = t_s
        self.last = dict(values)
        judged = self.measure(values)
        if judged is None:
            return
        value, (low, high) = judged
        self.time_s += dt
        self.max_tension_n = max(self.max_tension_n, values["tension_n"])
        state = "in" if low <= value <= high else ("above" if value > high else "below")
        if state == "in":
            self.in_zone_s += dt
        elif state == "above":
            self.above_s += dt
        else:
            self.below_s += dt
        assert self.zone is not None
        if self.zone.peaks:
            self._peaks(t_s, value, low, high)
        else:
            self._hold(t_s, state)

    def _hold(self, t_s: float, state: str) -> None:
        if state == "in":
            if self._said in (ABOVE, BELOW):
                self._say(CueKind.ENCOURAGEMENT, BACK_IN)
            self._outside_since = None
            self._state = state
            return
        if self._state != state:
            self._state, self._outside_since = state, t_s
        if (
            self._outside_since is not None
            and t_s - self._outside_since >= self.timing.leave_after_s
        ):
            self._outside_since = None
            self._say(CueKind.FORM, ABOVE if state == "above" else BELOW)

    def _peaks(self, t_s: float, value: float, low: float, high: float) -> None:
        self._peak = max(self._peak, value)
        if value > high:
            if self._state != "above":
                self._state, self._outside_since = "above", t_s
            elif (
                self._outside_since is not None
                and t_s - self._outside_since >= self.timing.leave_after_s
            ):
                self._outside_since = None
                self._say(CueKind.FORM, ABOVE)
            return
        if self._state == "above":
            self._state, self._outside_since = "none", None
        if not self._armed:  # after a peak: wait for the band to slacken before the next one
            if value < min(self._last_peak * self.timing.rearm, low * self.timing.peak_drop * 0.5):
                self._armed, self._peak = True, 0.0
            return
        if self._peak >= low * self.timing.peak_drop and value < self._peak * self.timing.peak_drop:
            peak, self._peak, self._last_peak, self._armed = self._peak, 0.0, self._peak, False
            self.peaks.append(round(peak, 2))
            if peak < low:
                self._say(CueKind.FORM, PEAK_BELOW)

    def _say(self, kind: CueKind, text: str) -> None:
        self._said = text
        self._pending.append((kind, text, "band"))

    # -- to the coach and the page -----------------------------------------------------

    def coach(self, exercise: Exercise | None, phase: str | None) -> Sequence[SensorCue]:
        """Cues since the last call (only while the person is moving)."""
        due, self._pending = self._pending, []
        return due if phase is not None else ()

    def readout(self) -> Mapping[str, object]:
        """Tension, stretch, zone and whether the band is in it now."""
        tension = self.last.get("tension_n")
        judged = self.measure(self.last) if self.last else None
        return {
            "label": N_("Band"),
            "tension_n": None if tension is None else round(tension, 1),
            "stretch_pct": (
                round(self.last["stretch_pct"], 1) if "stretch_pct" in self.last else None
            ),
            "zone": list(judged[1]) if judged is not None else None,
            "unit": "%"
            if judged is not None
            and "stretch_pct" in self.last
            and self.zone is not None
            and self.zone.stretch_pct is not None
            else "N",
            "in_zone": None if judged is None else judged[1][0] <= judged[0] <= judged[1][1],
        }

    def summary(self) -> Mapping[str, object]:
        """Time in zone for the exercise (the band's result)."""
        out: dict[str, object] = {
            "time_s": round(self.time_s, 2),
            "time_in_zone_s": round(self.in_zone_s, 2),
            "above_s": round(self.above_s, 2),
            "below_s": round(self.below_s, 2),
            "in_zone_fraction": round(self.in_zone_s / self.time_s, 3) if self.time_s else None,
            "max_tension_n": round(self.max_tension_n, 1),
        }
        if self.zone is not None and self.zone.peaks:
            judged_low, judged_high = (
                self.zone.stretch_pct
                if self.zone.stretch_pct is not None and "stretch_pct" in self.last
                else self.zone.tension_n
            )
            out["peaks"] = len(self.peaks)
            out["peaks_in_zone"] = sum(judged_low <= p <= judged_high for p in self.peaks)
        return out
