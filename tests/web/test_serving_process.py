"""What a served process does to itself before it takes requests (not done in tests or
commands): a short GIL switch interval, and the start-up objects frozen out of the cyclic
garbage collector's full collections."""

from __future__ import annotations

import gc
import sys

from spinecoach.settings import Settings
from spinecoach.web.app import create_app, freeze_start_up_objects, serve_pages_promptly


def test_start_up_objects_leave_the_collectors_reach(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(Settings.load(data_dir=tmp_path))  # the library, templates, engine...
    before = gc.get_freeze_count()
    try:
        freeze_start_up_objects()
        frozen = gc.get_freeze_count()
        # everything alive now, the app's own objects among them, is out of reach
        assert frozen > before
        assert frozen > 100_000  # modules, the exercise library, templates, the ORM
        assert gc.get_count()[2] == 0  # the full collection before freezing left nothing
        assert app.state.ctx is not None
    finally:
        gc.unfreeze()


def test_a_served_process_shortens_the_gil_switch_interval(tmp_path) -> None:  # type: ignore[no-untyped-def]
    before = sys.getswitchinterval()
    try:
        serve_pages_promptly(Settings.load(data_dir=tmp_path, gil_switch_interval_ms=0.5))
        assert sys.getswitchinterval() == 0.0005
    finally:
        sys.setswitchinterval(before)
