"""Every public function and class of the motion core and keypoint readers is documented."""

from __future__ import annotations

import importlib
import inspect

import pytest

MODULES = [
    "spinecoach.motion.agreement",
    "spinecoach.motion.analysis",
    "spinecoach.motion.body",
    "spinecoach.motion.events",
    "spinecoach.motion.filters",
    "spinecoach.motion.form",
    "spinecoach.motion.measures",
    "spinecoach.motion.streaming",
    "spinecoach.sources.analysis_input",
    "spinecoach.sources.measures_csv",
    "spinecoach.sources.keypoints",
    "spinecoach.sources.keypoints.blazepose",
    "spinecoach.sources.keypoints.openpose",
    "spinecoach.sources.keypoints.openpose_frames",
    "spinecoach.sources.keypoints.kinect",
    "spinecoach.sources.keypoints.vicon",
    "spinecoach.sources.keypoints.csv_format",
]


@pytest.mark.parametrize("name", MODULES)
def test_public_api_has_docstrings(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__
    undocumented = [
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == name
        and not inspect.getdoc(value)
    ]
    assert undocumented == []
