"""``spinecoach posture``: assess, desk, breaks, break, monitor, history — on synthetic
projections, simulated IMU recordings and a real video."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from spinecoach.cli import main
from spinecoach.sources.keypoints.csv_format import write_keypoints_csv

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "motion"))
from _posture_person import still_front, still_side  # noqa: E402

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: A synthetic desk worker (no directional preference) - the issue's example person.
PROFILE = {"pain_now": 4, "duration_weeks": 20, "desk_hours": 8, "minutes_per_day": 10,
           "goals": ["desk_relief", "flexibility"], "age": 34, "aggravators": []}  # fmt: skip
DESK = {"hours_sitting": 9, "screen_height": "well_below", "chair": "chair_with_back",
        "feet": "supported", "breaks": "rarely", "device": "laptop_only"}  # fmt: skip


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def run(capsys, *args: str):  # type: ignore[no-untyped-def]
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    return json.loads(captured.out) if "--json" in args else captured.out


def _files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "seated_side": still_side(42.0, 6.0, True, noise_px=1.5),
        "standing_side": still_side(47.0, 3.0, False, noise_px=1.5),
        "standing_front": still_front(2.5, noise_px=1.5),
    }
    out = {}
    for name, series in files.items():
        out[name] = write_keypoints_csv(series, tmp_path / f"{name}.csv")
    (tmp_path / "profile.json").write_text(json.dumps(PROFILE))
    (tmp_path / "desk.json").write_text(json.dumps(DESK))
    return out


def _onboard(capsys, tmp_path):  # type: ignore[no-untyped-def]
    run(capsys, "screen", "--answers", str(EXAMPLES / "screening_clear.json"))
    run(capsys, "intake", "--answers", str(tmp_path / "profile.json"))


def test_desk_worker_assessment_changes_the_plan(capsys, data_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    files = _files(tmp_path)
    _onboard(capsys, tmp_path)
    seated = run(capsys, "posture", "assess", "--video", str(files["seated_side"]), "--view",
                 "side", "--position", "seated", "--json")  # fmt: skip
    assert {"id", "taken_at", "position", "view", "figures", "unmeasurable", "notes",
            "findings"} <= set(seated)  # fmt: skip
    cva = next(f for f in seated["figures"] if f["measure"] == "craniovertebral_angle_deg")
    assert cva["value_deg"] == pytest.approx(42.0, abs=1.0) and cva["status"] == "below"
    assert cva["confidence"] >= 0.75 and cva["normal_range"]["low"] == 50.0
    assert "SHEIK18" in cva["norm_sources"]
    assert "not measurable from a camera" in seated["unmeasurable"]["pelvic_tilt_deg"]
    front = run(capsys, "posture", "assess", "--video", str(files["standing_front"]), "--view",
                "front", "--position", "standing", "--pelvic-tilt-deg", "28", "--json")  # fmt: skip
    tilt = next(f for f in front["figures"] if f["measure"] == "pelvic_tilt_deg")
    assert tilt["status"] == "above" and tilt["source"] == "manual"
    assert {f["code"] for f in front["findings"]} == {"forward_head", "anterior_pelvic_tilt"}
    plan = run(capsys, "plan", "--json")
    ids = [i["exercise_id"] for i in plan["items"]]
    assert "chin_tuck" in ids and "seated_thoracic_extension" in ids
    assert not {"prone_on_elbows", "prone_press_up", "standing_extension"} & set(ids)
    assert all(c["reason"] for c in plan["changes"])
    assert any(r.startswith("Posture check") for r in plan["reasons"])
    advice = run(capsys, "posture", "desk", "--answers", str(tmp_path / "desk.json"), "--json")
    assert {a["id"] for a in advice["advice"]} >= {"screen_height", "laptop", "breaks"}


def test_desk_breaks_run_as_sessions_and_adapt(capsys, data_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _files(tmp_path)
    _onboard(capsys, tmp_path)
    run(capsys, "plan")
    breaks = run(capsys, "posture", "breaks", "--times", "10:30,15:00", "--json")["breaks"]
    assert [b["at"] for b in breaks] == ["10:30", "15:00"]
    assert all(60 <= b["duration_s"] <= 180 for b in breaks)
    out = run(capsys, "posture", "break", "1", "--speed", "0", "--pain", "2")
    assert "Desk break 10:30" in out and "hold" in out
    after = run(capsys, "posture", "breaks", "--json")
    assert after["breaks"][0]["done_today"] is True and after["changes"]
    assert all(c["break_at"] == "10:30" for c in after["changes"])
    second = run(capsys, "posture", "break", "15:00", "--speed", "0", "--pain", "3")
    assert "Desk break 15:00" in second  # the same engine, check-ins and stop rules
    changed = run(capsys, "posture", "breaks", "--json")
    assert {c["break_at"] for c in changed["changes"]} == {"15:00"}
    assert [b["done_today"] for b in changed["breaks"]] == [True, True]
    history = run(capsys, "posture", "history", "--json")
    assert history[-1]["breaks_done"] == 2
    from spinecoach.store import models
    from spinecoach.store.db import open_database

    engine, factory = open_database(f"sqlite:///{data_dir / 'spinecoach.db'}")
    with factory() as db:
        rows = db.query(models.Session).all()
        assert [(r.kind, r.break_at) for r in rows] == [
            ("desk_break", "10:30"),
            ("desk_break", "15:00"),
        ]
    engine.dispose()


def test_adherence_and_adaptation_count_desk_breaks(capsys, data_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A day with only a desk break is an active day everywhere adherence is counted (the
    progress calendar, the weekly goal, the clinician's missed-days flag, the PDF), and a
    painful break is adapted by the ordinary rules (never progressed)."""
    from datetime import UTC, datetime

    from spinecoach.reports.progress import compute_progress
    from spinecoach.reports.progress_report import report_data
    from spinecoach.store import models
    from spinecoach.store.dashboard import adherence_items
    from spinecoach.store.db import open_database

    _files(tmp_path)
    _onboard(capsys, tmp_path)
    run(capsys, "plan")
    run(capsys, "posture", "breaks", "--times", "10:30,15:00")
    run(capsys, "posture", "break", "1", "--speed", "0", "--pain", "7")
    changes = run(capsys, "posture", "breaks", "--json")["changes"]
    # pain above the limit in a break: the ordinary rule holds the dose until the
    # next-morning check-in (never progresses it), one change per exercise of that break
    assert changes and all(c["break_at"] == "10:30" for c in changes)
    assert {c["action"] for c in changes} <= {"hold", "regress"}
    assert all("check-in" in c["reason"] or "pain" in c["reason"].lower() for c in changes)
    engine, factory = open_database(f"sqlite:///{data_dir / 'spinecoach.db'}")
    now = datetime.now(UTC)
    with factory() as db:
        person = db.query(models.Person).one()
        assert [s.kind for s in db.query(models.Session)] == ["desk_break"]  # no routine
        progress = compute_progress(db, person.id, now.astimezone().date())
        assert dict(progress.adherence)[now.astimezone().date()] is True
        assert progress.week_done == 1 and progress.streak_days >= 1
        from spinecoach.store.dashboard import Wording

        items = adherence_items(db, person.id, now, Wording(None, {}, {}))  # type: ignore[arg-type]
        assert not any(i.kind == "missed_sessions" for i in items)
        weeks = report_data(db, person.id, now).data["adherence"]
        assert weeks[-1]["sessions"] == 1 and weeks[-1]["days"] == 1
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--view", "top"], "--view: expected one of side, front"),
        (["--position", "lying"], "--position: expected one of standing, seated"),
        (["--video", "missing.mp4"], "missing.mp4: file not found"),
        (["--pelvic-tilt-deg", "80"], "--pelvic-tilt-deg: expected degrees"),
        ([], "give --video"),
    ],
)
def test_bad_input_is_one_line_exit_2(capsys, data_dir, args, message) -> None:  # type: ignore[no-untyped-def]
    assert main(["posture", "assess", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) <= 2


def test_a_recording_without_the_view_is_refused_not_stored(capsys, data_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    files = _files(tmp_path)
    code = main(["posture", "assess", "--video", str(files["standing_front"]), "--view", "side"])
    err = capsys.readouterr().err
    assert code == 2 and "no posture figure could be measured" in err and "side view" in err
    assert run(capsys, "posture", "history", "--json") == []


def test_bad_desk_file_and_break_times(capsys, data_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "desk.json"
    bad.write_text(json.dumps({**DESK, "hours_sitting": 40}))
    assert main(["posture", "desk", "--answers", str(bad)]) == 2
    assert "hours_sitting" in capsys.readouterr().err
    assert main(["posture", "breaks", "--times", "10:30"]) == 2
    assert "2 to 4" in capsys.readouterr().err


def test_imu_assessment_and_monitor(capsys, data_dir, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from spinecoach.sources.imu import simulate as sim
    from spinecoach.sources.imu.formats import write_generic_csv

    movement = sim.Movement("slump_cli", "lumbar_flexion_deg", lower_sagittal=-12.0,
                            upper_sagittal=10.0, lever_m=0.1)  # fmt: skip
    monkeypatch.setitem(sim.MOVEMENTS, "slump_cli", movement)
    recording = sim.simulate("slump_cli", n_reps=1, rep_s=4.0, hold_s=40.0, rest_s=0.0)
    path = tmp_path / "slump.csv"
    write_generic_csv(recording.recording, path)
    result = run(capsys, "posture", "assess", "--imu", str(path), "--position", "seated",
                 "--json")  # fmt: skip
    by = {f["measure"]: f for f in result["figures"]}
    assert by["pelvic_tilt_deg"]["value_deg"] == pytest.approx(-12.0, abs=2.5)
    assert by["lumbar_angle_deg"]["value_deg"] == pytest.approx(22.0, abs=2.5)
    assert by["pelvic_tilt_deg"]["status"] == "no_norm"  # a change, not ASIS-PSIS tilt
    monitored = run(capsys, "posture", "monitor", "--imu", str(path), "--json")
    assert monitored["calibrated"] and monitored["minutes"]["slumped"] > 0.3
    assert set(monitored["minutes"]) == {"upright", "slumped", "away"}
    history = run(capsys, "posture", "history", "--json")
    assert history[-1]["sitting_min"] > 0.5
    out = tmp_path / "me.json"
    assert main(["export", "--out", str(out)]) == 0
    capsys.readouterr()
    export = json.loads(out.read_text())
    assert export["posture_assessments"][0]["figures"][0]["source"] == "imu"
    assert set(export["posture_monitor"][0]) == {"started_at", "ended_at", "source", "minutes",
                                                 "nudges"}  # fmt: skip


def test_monitor_on_a_real_video(capsys, data_dir, shared_data) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("mediapipe")
    clip = shared_data / "video" / "sports2d_walk_side.mp4"
    out = run(capsys, "posture", "monitor", "--video", str(clip), "--json")
    total = sum(out["minutes"].values())
    assert total == pytest.approx(13.4 / 60, abs=0.05)  # every second accounted for
    assert out["nudges"] == []


def test_monitor_on_a_live_imu_stream(capsys, data_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """``posture monitor --imu-stream udp://...``: a simulated back IMU sends protocol lines
    (upright, then slumped) over UDP; minutes per category and nudges come back and are
    stored."""
    import socket
    import threading
    import time

    from spinecoach.sources.imu import simulate as sim
    from spinecoach.sources.imu.transport import recording_lines

    movement = sim.Movement("slump_udp", "lumbar_flexion_deg", lower_sagittal=-12.0,
                            upper_sagittal=10.0, lever_m=0.1)  # fmt: skip
    monkeypatch.setitem(sim.MOVEMENTS, "slump_udp", movement)
    recording = sim.simulate("slump_udp", n_reps=1, rep_s=30.0, hold_s=60.0, rest_s=0.0,
                             sample_rate_hz=50.0).recording  # fmt: skip
    lines = [line for _, line in recording_lines(recording)]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    def send() -> None:
        time.sleep(2.0)  # the listener binds in its own thread, after the app starts
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
            for i in range(0, len(lines), 10):
                out.sendto("\n".join(lines[i : i + 10]).encode(), ("127.0.0.1", port))
                time.sleep(0.004)  # a real sensor sends 50 lines a second; 12x faster here
            out.sendto(b'{"type": "end"}', ("127.0.0.1", port))

    threading.Thread(target=send, daemon=True).start()
    monkeypatch.setenv("SPINECOACH_MONITOR_POSTURE_NUDGE_MIN", "0.5")
    result = run(capsys, "posture", "monitor", "--imu-stream", f"udp://127.0.0.1:{port}", "--json")
    assert result["source"] == "imu" and result["calibrated"]
    total = sum(result["minutes"].values())
    assert total == pytest.approx(len(lines) / 50.0 / 60.0, abs=0.15)  # sender time, not wall
    assert result["minutes"]["slumped"] > 0.8
    assert [n["kind"] for n in result["nudges"]].count("posture") >= 1
    history = run(capsys, "posture", "history", "--json")
    assert history[-1]["slumped_min"] > 0.8


def test_monitor_stream_needs_a_url(capsys, data_dir) -> None:  # type: ignore[no-untyped-def]
    assert main(["posture", "monitor", "--imu-stream", "tcp://x"]) == 2
    assert "--imu-stream: expected udp://HOST:PORT" in capsys.readouterr().err
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        url = f"udp://127.0.0.1:{taken.getsockname()[1]}"
        assert main(["posture", "monitor", "--imu-stream", url]) == 2
    err = capsys.readouterr().err
    assert f"--imu-stream: cannot listen on {url}" in err and "Traceback" not in err
