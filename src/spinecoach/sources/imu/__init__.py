"""Wearable (IMU) sources: file readers registered by name, a simulator, and live streams.

Importing this package registers every reader (x-io Fusion CSV, MEx/Axivity CSV, our generic
CSV and sensor folder, Sensor Logger, phyphox). See docs/imu.md.
"""

from spinecoach.sources.imu import formats as _formats  # noqa: F401  (registers readers)
from spinecoach.sources.imu import phone_apps as _phone_apps  # noqa: F401
from spinecoach.sources.imu.formats import write_generic_csv
from spinecoach.sources.imu.registry import READERS, ReadOptions, detect_format, read_imu

__all__ = ["READERS", "ReadOptions", "detect_format", "read_imu", "write_generic_csv"]
