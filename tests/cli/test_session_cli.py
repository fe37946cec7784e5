"""``spinecoach session``: headless replays, stored results, resume/close, and kill -9."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spinecoach.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
ELK = "keraal/G3-BP-ELK-P1T1-Unknown-C-0.json"


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPINECOACH_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture()
def planned(data_dir, capsys):  # type: ignore[no-untyped-def]
    """A screened person with an intake and a plan."""
    assert main(["screen", "--answers", str(EXAMPLES / "screening_clear.json"), "--json"]) == 0
    assert main(["intake", "--answers", str(EXAMPLES / "profile_desk_worker.json")]) == 0
    assert main(["plan", "--json"]) == 0
    capsys.readouterr()
    return data_dir


def db_rows(data_dir: Path, query: str) -> list[tuple]:  # type: ignore[type-arg]
    with sqlite3.connect(data_dir / "spinecoach.db") as connection:
        return connection.execute(query).fetchall()


def test_no_plan_says_run_plan_first(data_dir, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["screen", "--answers", str(EXAMPLES / "screening_clear.json"), "--json"]) == 0
    code = main(["session", "--headless", "--no-audio"])
    err = capsys.readouterr().err
    assert code == 2 and "run `spinecoach plan` first" in err


def test_headless_keypoint_replay_prints_logs_and_stores(
    planned, shared_data, capsys, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "cues.jsonl"
    code = main([
        "session", "--headless", "--speed", "0", "--pain", "2", "--no-audio",
        "--keypoints", str(shared_data / ELK), "--exercise", "seated_side_bend",
        "--log", str(log),
    ])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "breath        Breathe out and lean over." in out
    assert "The recording ended; I'll carry on with the timer." in out
    cues = [json.loads(line) for line in log.read_text().splitlines()]
    assert {c["kind"] for c in cues} >= {"instruction", "breath", "count", "encouragement"}
    assert all(set(c) == {"t_s", "kind", "text", "priority"} for c in cues)
    assert [c["t_s"] for c in cues] == sorted(c["t_s"] for c in cues)
    ((status, summary),) = db_rows(planned, "select status, summary from sessions")
    assert status == "completed" and "next_morning_checkin_due" in json.loads(summary)
    ((exercise_id, tracking, ranges),) = db_rows(
        planned, "select exercise_id, tracking, ranges_deg from exercise_results"
    )
    assert exercise_id == "seated_side_bend" and json.loads(tracking)["measured"] is True
    assert 15.0 <= json.loads(ranges)[0] <= 25.0
    # adapt_plan stored tomorrow's plan
    assert db_rows(planned, "select count(*) from plans where origin = 'adapted'") == [(1,)]


def test_headless_imu_replay_counts_measured_reps(planned, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from spinecoach.sources.imu.formats import write_generic_csv
    from spinecoach.sources.imu.simulate import simulate

    path = tmp_path / "cat_cow_imu.csv"
    write_generic_csv(simulate("cat_cow", n_reps=16, rep_s=4.0, rest_s=0.5, seed=3).recording, path)
    code = main([
        "session", "--headless", "--speed", "0", "--pain", "1", "--no-audio",
        "--imu", str(path), "--exercise", "cat_cow",
    ])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    ((reps, target, completed),) = db_rows(
        planned, "select reps_done, reps_target, completed from exercise_results"
    )
    assert (reps, target, completed) == (16, 16, 1)
    ((cues,),) = db_rows(planned, "select cues from exercise_results")
    stored = json.loads(cues)  # the cues spoken in the terminal are kept for the review page
    assert stored and {"t_s", "kind", "text"} <= set(stored[0])
    assert any(c["kind"] == "count" for c in stored)
    ((traces,),) = db_rows(planned, "select traces from exercise_results")
    trace = json.loads(traces)["imu"]  # the simulated bends, thinned to 10 samples a second
    assert trace["label"] == "Lumbar flexion (sensor)" and len(trace["t_s"]) >= 300
    assert max(trace["deg"]) - min(trace["deg"]) > 20.0


def test_bad_input_file_is_one_line_exit_2(planned, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "nothing.json"
    bad.write_text("{}")
    code = main(["session", "--headless", "--no-audio", "--keypoints", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and str(bad) in err and len(err.strip().splitlines()) == 1


def test_kill_9_mid_exercise_keeps_finished_exercises(planned, shared_data, tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), SPINECOACH_DATA_DIR=str(planned))
    command = [
        sys.executable, "-m", "spinecoach", "session", "--headless", "--speed", "100",
        "--pain", "1", "--no-audio", "--keypoints", str(shared_data / ELK),
        "--exercise", "seated_side_bend", "--exercise", "cat_cow",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path
    )
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            time.sleep(0.02)
            assert process.poll() is None, process.stderr.read().decode()  # type: ignore[union-attr]
            try:
                if db_rows(planned, "select count(*) from exercise_results")[0][0] >= 1:
                    break
            except sqlite3.OperationalError:
                continue  # the database is being created
        else:
            pytest.fail("no exercise result was committed within 60 s")
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    assert db_rows(planned, "pragma integrity_check") == [("ok",)]
    results = db_rows(planned, "select exercise_id, completed from exercise_results order by id")
    assert results == [("seated_side_bend", 1)]  # cat-cow was in progress and is lost
    assert db_rows(planned, "select status from sessions") == [("in_progress",)]
    # resume: the interrupted session continues with what is left of it
    code = main([
        "session", "--resume", "--headless", "--speed", "0", "--pain", "1", "--no-audio",
        "--exercise", "seated_side_bend", "--exercise", "cat_cow",
    ])  # fmt: skip
    assert code == 0
    results = db_rows(planned, "select exercise_id from exercise_results order by id")
    assert results == [("seated_side_bend",), ("cat_cow",)]
    assert db_rows(planned, "select id, status from sessions") == [(1, "completed")]


def test_close_unfinished(planned, capsys) -> None:  # type: ignore[no-untyped-def]
    from spinecoach.store.db import open_database
    from spinecoach.store.repositories import PersonRepository, SessionRepository

    engine, factory = open_database(f"sqlite:///{planned / 'spinecoach.db'}")
    with factory() as db:
        person = PersonRepository(db).local_person()
        SessionRepository(db).start(person.id, None)
    engine.dispose()
    assert main(["session", "--close-unfinished"]) == 0
    assert "Closed 1 interrupted session(s): 1." in capsys.readouterr().out
    assert db_rows(planned, "select status from sessions") == [("closed",)]
    # a headless session closes interrupted ones by itself and says so
    engine, factory = open_database(f"sqlite:///{planned / 'spinecoach.db'}")
    with factory() as db:
        SessionRepository(db).start(PersonRepository(db).local_person().id, None)
    engine.dispose()
    code = main(["session", "--headless", "--speed", "0", "--pain", "1", "--no-audio",
                 "--exercise", "cat_cow"])  # fmt: skip
    assert code == 0 and "Closed interrupted session(s) 2." in capsys.readouterr().out


@pytest.mark.parametrize(("scheme", "port"), [("udp", 9917), ("ws", 9918)])
def test_live_imu_stream_counts_repetitions(planned, capsys, tmp_path, scheme, port) -> None:  # type: ignore[no-untyped-def]
    import socket
    import threading

    from spinecoach.sources.imu.formats import write_generic_csv
    from spinecoach.sources.imu.simulate import simulate
    from spinecoach.sources.imu.transport import replay_file

    path = tmp_path / "stream.csv"
    write_generic_csv(simulate("cat_cow", n_reps=20, rep_s=4.0, rest_s=0.5, seed=5).recording, path)

    def listening() -> bool:
        if scheme == "ws":
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", port)) == 0
        table = Path("/proc/net/udp")
        if not table.exists():  # not Linux: give the session time to open its listener
            time.sleep(3.0)
            return True
        return any(f":{port:04X} " in line for line in table.read_text().splitlines()[1:])

    def send() -> None:
        deadline = time.monotonic() + 30
        while not listening() and time.monotonic() < deadline:
            time.sleep(0.05)
        replay_file(path, f"{scheme}://127.0.0.1:{port}", speed=20.0)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    log = tmp_path / "cues.jsonl"
    code = main([
        "session", "--headless", "--speed", "0", "--pain", "1", "--no-audio", "--imu-stream",
        f"{scheme}://127.0.0.1:{port}", "--exercise", "cat_cow", "--log", str(log),
    ])  # fmt: skip
    sender.join(timeout=30)
    assert code == 0, capsys.readouterr().out
    counts = [json.loads(line)["text"] for line in log.read_text().splitlines()]
    assert [c for c in counts if c.isdigit() and len(c) == 1][:8] == list("12345678")
    ((tracking,),) = db_rows(planned, "select tracking from exercise_results")
    assert json.loads(tracking)["measured"] is True


@pytest.mark.slow
def test_headless_video_replay_runs_pose_estimation(planned, shared_data, capsys) -> None:  # type: ignore[no-untyped-def]
    code = main([
        "session", "--headless", "--speed", "0", "--pain", "1", "--no-audio",
        "--video", str(shared_data / "video" / "pose2sim_single_cam01.mp4"),
        "--exercise", "standing_hip_hinge",
    ])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "pose estimation" in out and "The recording ended" in out
    ((tracking,),) = db_rows(planned, "select tracking from exercise_results")
    assert json.loads(tracking)["measured"] is True


def test_closed_stdin_says_to_pass_pain_instead_of_waiting(planned, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # like `< /dev/null`
    code = main(["session", "--speed", "0", "--no-audio"])
    err = capsys.readouterr().err
    assert code == 2 and "pass --pain" in err and "standard input is closed" in err
    monkeypatch.setattr(sys, "stdin", io.StringIO("3\n"))  # a piped answer is used
    assert main(["session", "--speed", "0", "--no-audio", "--exercise", "cat_cow"]) == 0
