"""Video files and cameras as a source: streaming decode, pose, overlay and the analyze handler."""

from spinecoach.sources.video.decode import (
    CameraStream,
    Frame,
    VideoFileStream,
    VideoInfo,
    is_video_file,
    paced,
)

__all__ = ["CameraStream", "Frame", "VideoFileStream", "VideoInfo", "is_video_file", "paced"]
