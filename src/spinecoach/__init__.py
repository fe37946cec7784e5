"""spinecoach: an open-source, sensor-guided coach for people with low back pain.

spinecoach offers general exercise guidance. It is not a substitute for a clinician and does
not diagnose.
"""

__version__ = "0.1.0"

DISCLAIMER = (
    "spinecoach gives general exercise guidance. It is not a substitute for a clinician, "
    "does not diagnose, and cannot rule out a serious cause of back pain."
)
