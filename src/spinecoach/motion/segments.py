"""Analyse a recording in independent segments (e.g. split at person switches) and merge.

After a person switch the keypoints belong to someone else: their start position (the
analysis baseline) differs and no repetition or hold may bridge the two. Each segment is
analysed on its own by :func:`~spinecoach.motion.analysis.analyze_measures` and the results
are merged into one :class:`~spinecoach.motion.analysis.AnalysisResult`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from spinecoach.motion.analysis import AnalysisResult, symmetry_of
from spinecoach.motion.types import MeasureSeries


def slice_measures(measures: MeasureSeries, start: int, stop: int) -> MeasureSeries:
    """Frames ``start:stop`` of ``measures`` (same unmeasurable reasons and flags)."""
    return MeasureSeries(
        time_s=measures.time_s[start:stop],
        values={k: v[start:stop] for k, v in measures.values.items()},
        unmeasurable=dict(measures.unmeasurable),
        flags=dict(measures.flags),
    )


def segment_bounds(n_frames: int, split_frames: Sequence[int]) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``0..n_frames`` split before each split frame."""
    cuts = sorted({f for f in split_frames if 0 < f < n_frames})
    edges = [0, *cuts, n_frames]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


def merge_results(results: Sequence[AnalysisResult]) -> AnalysisResult:
    """Merge per-segment results (in time order) into one.

    Events, repetitions, holds, form flags and tempo are concatenated; symmetry is recomputed;
    tracking counts are summed (``valid_fraction`` over all frames, ``longest_gap_s`` the
    maximum, ``baseline_deg`` of the first segment and every segment's in
    ``segment_baselines_deg``); zone time is summed and its fraction taken over all valid time.
    """
    if not results:
        raise ValueError("merge_results needs at least one result")
    if len(results) == 1:
        return results[0]
    first = results[0]
    repetitions = tuple(r for res in results for r in res.repetitions)
    holds = tuple(h for res in results for h in res.holds)
    n_frames = sum(int(r.tracking.get("n_frames", 0)) for r in results)
    n_valid = sum(int(r.tracking.get("n_valid_frames", 0)) for r in results)
    tracking: dict[str, Any] = {
        "n_frames": n_frames,
        "n_valid_frames": n_valid,
        "valid_fraction": n_valid / n_frames if n_frames else 0.0,
        "n_gaps": sum(int(r.tracking.get("n_gaps", 0)) for r in results),
        "longest_gap_s": max(float(r.tracking.get("longest_gap_s", 0.0)) for r in results),
        "baseline_deg": first.tracking.get("baseline_deg"),
        "segment_baselines_deg": [r.tracking.get("baseline_deg") for r in results],
    }
    reasons = [r.tracking["unmeasurable"] for r in results if "unmeasurable" in r.tracking]
    if len(reasons) == len(results):
        tracking["unmeasurable"] = reasons[0]
    zone_s = sum(float(r.zone.get("time_in_zone_s", 0.0)) for r in results)
    valid_s = sum(r.duration_s * float(r.tracking.get("valid_fraction", 0.0)) for r in results)
    zone = {
        "time_in_zone_s": zone_s,
        "fraction_in_zone": zone_s / valid_s if valid_s > 0 else 0.0,
        "target_range_deg": first.zone.get("target_range_deg"),
    }
    return AnalysisResult(
        exercise=first.exercise,
        angle=first.angle,
        duration_s=sum(r.duration_s for r in results),
        repetitions=repetitions,
        holds=holds,
        form_flags=tuple(f for res in results for f in res.form_flags),
        symmetry=symmetry_of(repetitions, holds),
        tracking=tracking,
        zone=zone,
        tempo=tuple(t for res in results for t in res.tempo),
        events=tuple(e for res in results for e in res.events),
    )


def analyze_in_segments(
    measures: MeasureSeries,
    split_frames: Sequence[int],
    analyze_segment: Callable[[MeasureSeries], AnalysisResult],
) -> AnalysisResult:
    """Run ``analyze_segment`` on each segment between ``split_frames`` and merge the results."""
    bounds = segment_bounds(measures.time_s.shape[0], split_frames)
    if len(bounds) <= 1:
        return analyze_segment(measures)
    return merge_results([analyze_segment(slice_measures(measures, a, b)) for a, b in bounds])
