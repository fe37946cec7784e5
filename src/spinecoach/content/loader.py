"""Read the data files under ``data/`` and validate them; errors name file, field and problem."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from spinecoach.content.rules_schema import RulesModel
from spinecoach.content.schema import ExerciseModel
from spinecoach.domain.exercise import ExerciseLibrary
from spinecoach.domain.i18n import _
from spinecoach.domain.intake import DERIVED_CONDITIONS, KNOWN_CONDITIONS
from spinecoach.domain.rules import Rules
from spinecoach.errors import InvalidDataFile
from spinecoach.motion.imu_angles import ALL_MEASURES as IMU_ALL_MEASURES
from spinecoach.motion.measures import MEASURES
from spinecoach.settings import default_content_dir

#: Names the camera (keypoint) measures compute, from their definitions.
CAMERA_MEASURES = frozenset(MEASURES)
#: Names the IMU pipeline computes, from its placement -> measures table.
IMU_MEASURES = frozenset(IMU_ALL_MEASURES)
#: Names the motion core can measure; a signature naming another angle is rejected.
KNOWN_ANGLES = CAMERA_MEASURES | IMU_MEASURES


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning syntax errors into :class:`InvalidDataFile`."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise InvalidDataFile(str(path), "", _("file not found")) from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidDataFile(str(path), "", _("not valid TOML: {exc}").format(exc=exc)) from None


def first_validation_problem(exc: ValidationError) -> tuple[str, str]:
    """Return (dotted field path, message) of the first pydantic error."""
    err = exc.errors()[0]
    loc = ".".join(str(part) for part in err["loc"]) or "(file)"
    return loc, err["msg"]


def load_source_tags(content_dir: Path | None = None) -> frozenset[str]:
    """Return the clinical source tags listed in ``sources.toml``."""
    path = (content_dir or default_content_dir()) / "sources.toml"
    return frozenset(read_toml(path))


def load_sources(content_dir: Path | None = None) -> dict[str, str]:
    """Every clinical source tag with its reference, in file order."""
    path = (content_dir or default_content_dir()) / "sources.toml"
    return {str(k): str(v) for k, v in read_toml(path).items()}


def load_exercise_file(path: Path, source_tags: frozenset[str]) -> ExerciseModel:
    """Validate one exercise file; the file's stem must equal its ``id``."""
    raw = read_toml(path)
    try:
        model = ExerciseModel.model_validate(raw)
    except ValidationError as exc:
        field, problem = first_validation_problem(exc)
        raise InvalidDataFile(str(path), field, problem) from None
    if model.id != path.stem:
        raise InvalidDataFile(
            str(path), "id", _("'{id}' must match the file name").format(id=model.id)
        )
    for field, tag in model.all_source_tags():
        if tag not in source_tags:
            raise InvalidDataFile(str(path), field, _("unknown source tag '{tag}'").format(tag=tag))
    for i, contra in enumerate(model.contraindications):
        if contra.condition not in KNOWN_CONDITIONS | DERIVED_CONDITIONS:
            raise InvalidDataFile(
                str(path),
                f"contraindications[{i}].condition",
                _("unknown condition '{condition}'").format(condition=contra.condition),
            )
    checks = [("signature.primary_angle", model.signature.primary_angle, KNOWN_ANGLES)]
    if model.signature.imu_angle is not None:
        checks.append(("signature.imu_angle", model.signature.imu_angle, IMU_MEASURES))
    for field, angle, known in checks:
        if angle not in known:
            raise InvalidDataFile(
                str(path), field, _("unknown measure '{angle}'").format(angle=angle)
            )
    return model


def load_library(content_dir: Path | None = None) -> ExerciseLibrary:
    """Load and cross-check every exercise file.

    Parameters
    ----------
    content_dir : Path, optional
        Folder holding ``exercises/`` and ``sources.toml``; defaults to the shipped data.

    Returns
    -------
    ExerciseLibrary
        Validated exercises; progressions and regressions all resolve to known ids.
    """
    root = content_dir or default_content_dir()
    tags = load_source_tags(root)
    files = sorted((root / "exercises").glob("*.toml"))
    if not files:
        raise InvalidDataFile(str(root / "exercises"), "", _("no exercise files (*.toml) found"))
    models = {path: load_exercise_file(path, tags) for path in files}
    ids = {m.id for m in models.values()}
    for path, model in models.items():
        for field in ("progressions", "regressions"):
            for ref in getattr(model, field):
                if ref not in ids:
                    raise InvalidDataFile(
                        str(path), field, _("unknown exercise id '{ref}'").format(ref=ref)
                    )
                if ref == model.id:
                    raise InvalidDataFile(str(path), field, _("an exercise cannot list itself"))
    return ExerciseLibrary({m.id: m.to_domain() for m in models.values()}, tags)


def load_rules(content_dir: Path | None = None) -> Rules:
    """Load red-flag questions, stop rules and progression thresholds from ``rules/``."""
    root = content_dir or default_content_dir()
    tags = load_source_tags(root)
    merged: dict[str, Any] = {}
    paths: dict[str, Path] = {}
    for path in sorted((root / "rules").glob("*.toml")):
        for key, value in read_toml(path).items():
            merged[key] = value
            paths[key] = path
    try:
        model = RulesModel.model_validate(merged)
    except ValidationError as exc:
        field, problem = first_validation_problem(exc)
        top = field.split(".")[0]
        raise InvalidDataFile(str(paths.get(top, root / "rules")), field, problem) from None
    for field, tag in model.all_source_tags():
        if tag not in tags:
            top = field.split(".")[0].split("[")[0]
            raise InvalidDataFile(
                str(paths.get(top, root)), field, _("unknown source tag '{tag}'").format(tag=tag)
            )
    return model.to_domain()
