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


@pytest.fixture(scope="session")
def vicon(shared_data: Path) -> KeypointSeries:
    """The KERAAL Vicon CTK skeleton at 30 Hz (every second frame): the trunk-rotation
    tests twist and project it."""
    from spinecoach.sources.keypoints import read_keypoints

    s = read_keypoints(shared_data / "keraal" / "G3-Vicon-CTK-P1T1-Unknown-C-0.txt")
    return KeypointSeries(
        s.time_s[::2].copy(), s.names, s.positions[::2].copy(), s.confidence[::2].copy(), s.frame
    )


@pytest.fixture(scope="session")
def twist() -> Exercise:
    """The seated spinal twist, loaded from its data file alone."""
    path = default_content_dir() / "exercises" / "seated_spinal_twist.toml"
    return load_exercise_file(path, load_source_tags()).to_domain()
