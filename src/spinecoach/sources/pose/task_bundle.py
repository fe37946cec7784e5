"""Build the MediaPipe Tasks ``pose_landmarker`` bundle from the models the wheel ships.

The browser's pose estimator (``@mediapipe/tasks-vision``) loads a ``.task`` file: a zip of
``pose_detector.tflite`` and ``pose_landmarks_detector.tflite`` whose inputs carry TFLite
metadata (the Tasks graphs read the image normalisation from it). Google's official bundle
is downloaded from a Google host at run time, which spinecoach never does; instead this
module takes the BlazePose models inside the ``mediapipe`` wheel
(``mediapipe/modules/pose_detection/pose_detection.tflite`` and
``mediapipe/modules/pose_landmark/pose_landmark_full.tflite``, Apache-2.0), adds the
metadata the Tasks API requires, and zips them the way MediaPipe's own
``model_asset_bundle_utils`` does::

    python -m spinecoach.sources.pose.task_bundle OUT.task

``make run`` and ``make test`` run it once (see the Makefile and docs/web.md).

Normalisation (from the graphs of the legacy solution these models come from): the
detector takes 224x224 RGB scaled to [-1, 1] (mean 127.5, std 127.5); the landmark model
256x256 RGB scaled to [0, 1] (mean 0, std 255).
"""

from __future__ import annotations

import sys
from pathlib import Path

from spinecoach.domain.i18n import gettext
from spinecoach.errors import PoseBackendError

#: (file in the bundle, file in the wheel, normalisation mean, std, description)
MODELS = (
    (
        "pose_detector.tflite",
        ("pose_detection", "pose_detection.tflite"),
        127.5,
        127.5,
        "BlazePose person detector (224x224), from the mediapipe wheel",
    ),
    (
        "pose_landmarks_detector.tflite",
        ("pose_landmark", "pose_landmark_full.tflite"),
        0.0,
        255.0,
        "BlazePose GHUM full landmark model (256x256), from the mediapipe wheel",
    ),
)


def _with_metadata(model: bytes, name: str, mean: float, std: float, description: str) -> bytes:
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer, writer_utils

    buffer = bytearray(model)
    writer = metadata_writer.MetadataWriter.create(buffer)
    writer.add_general_info(name, description)
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    for output in writer_utils.get_output_tensor_names(buffer):
        writer.add_feature_output(name=output)
    with_metadata, _ = writer.populate()
    return bytes(with_metadata)


def build_pose_task(out: Path) -> Path:
    """Write the pose-landmarker ``.task`` bundle to ``out`` (atomically) and return it."""
    try:
        import mediapipe
        from mediapipe.tasks.python.metadata.metadata_writers import model_asset_bundle_utils
    except ImportError as exc:
        raise PoseBackendError(
            gettext("mediapipe is not installed: {exc}").format(exc=exc)
        ) from None
    modules = Path(mediapipe.__file__).resolve().parent / "modules"
    models: dict[str, bytes] = {}
    for bundle_name, (folder, filename), mean, std, description in MODELS:
        source = modules / folder / filename
        if not source.is_file():
            raise PoseBackendError(
                gettext("{source}: not in the installed mediapipe wheel").format(source=source)
            )
        models[bundle_name] = _with_metadata(
            source.read_bytes(), bundle_name.removesuffix(".tflite"), mean, std, description
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    model_asset_bundle_utils.create_model_asset_bundle(models, str(tmp))
    tmp.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m spinecoach.sources.pose.task_bundle OUT.task``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m spinecoach.sources.pose.task_bundle OUT.task", file=sys.stderr)
        return 2
    try:
        path = build_pose_task(Path(args[0]))
    except PoseBackendError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path} ({path.stat().st_size // 1024} kB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
