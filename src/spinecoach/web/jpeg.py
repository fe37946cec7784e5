"""Read a JPEG's dimensions from its header, before any pixel is decoded.

A small file can decode to a huge image (a 422 kB JPEG of 6000x6000 px is 108 MB of pixels);
the live session refuses such frames, and anything that is not a baseline or progressive
JPEG, from these few header bytes.
"""

from __future__ import annotations

from spinecoach.domain.i18n import _
from spinecoach.errors import InvalidInput

#: Start-of-frame markers that carry the image size (SOF0-SOF15 except DHT, JPG, DAC).
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RSTn: no length field


def jpeg_size(data: bytes) -> tuple[int, int]:
    """``(width, height)`` of a JPEG from its start-of-frame segment.

    Raises
    ------
    InvalidInput
        If ``data`` is not a JPEG or its header is cut or malformed.
    """
    if len(data) < 4 or data[0] != 0xFF or data[1] != 0xD8:
        raise InvalidInput(_("frame: not a JPEG image (only JPEG frames are accepted)"))
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            raise InvalidInput(_("frame: malformed JPEG header"))
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _STANDALONE:
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, or scan data before any frame header
            break
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if length < 2:
            raise InvalidInput(_("frame: malformed JPEG header"))
        if marker in _SOF:
            if i + 9 > len(data) or length < 7:
                break
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            if width == 0 or height == 0:
                raise InvalidInput(_("frame: JPEG without a width or height"))
            return width, height
        i += 2 + length
    raise InvalidInput(_("frame: JPEG header without an image size"))
