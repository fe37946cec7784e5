"""Fixtures for motion tests: KERAAL recordings read once, the side-bend exercise."""

from __future__ import annotations

from pathlib import Path

import pytest

from spinecoach.content.loader import load_exercise_file, load_source_tags
from spinecoach.domain.exercise import Exercise
from spinecoach.motion.types import KeypointSeries
from spinecoach.settings import default_content_dir

KERAAL_FILES = {
    "blazepose": "G3-BP-{ex}-P1T1-Unknown-C-0.json",
    "openpose": "G3-OP-{ex}-P1T1-Unknown-C-0.json",
    "kinect": "G3-Kinect-{ex}-P1T1-Unknown-C-0.txt",
    "vicon": "G3-Vicon-{ex}-P1T1-Unknown-C-0.txt",
}


@pytest.fixture(scope="session")
def keraal(shared_data: Path) -> dict[tuple[str, str], KeypointSeries]:
    """Every KERAAL file read with its reader's defaults, keyed by (system, exercise)."""
    from spinecoach.sources.keypoints import read_keypoints

    return {
        (system, ex): read_keypoints(shared_data / "keraal" / pattern.format(ex=ex))
        for system, pattern in KERAAL_FILES.items()
        for ex in ("ELK", "CTK")
    }


@pytest.fixture(scope="session")
def side_bend() -> Exercise:
    """The seated side bend exercise, loaded from its data file alone."""
    root = default_content_dir()
    path = root / "exercises" / "seated_side_bend.toml"
    return load_exercise_file(path, load_source_tags(root)).to_domain()
