"""The clinician's patient list (``/clinic``) runs the same number of SQL statements for two
patients as for six: its cost does not grow query by query with the clinic."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event


def _statements_of_page(browser: Any, path: str) -> tuple[int, str]:
    engine = browser.app.state.ctx.session_factory.kw["bind"]
    seen: list[str] = []

    def before(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    browser.get(path)  # records any safety state that changed since the last visit
    event.listen(engine, "before_cursor_execute", before)
    try:
        page = browser.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert page.status_code == 200, page.text
    return len(seen), page.text


def test_the_patient_list_does_not_query_per_patient(make_browser: Any) -> None:
    clinician = make_browser()
    clinician.sign_up("Dr Rao", "rao@clinic.org", "clinician")
    code = clinician.get("/clinic").text.split('id="clinic-code">')[1].split("<")[0]
    red_flag = clinician.app.state.ctx.rules.red_flags[0].id
    names = ["Ann", "Ben", "Cat", "Dan", "Eve", "Fay"]
    counts = []
    for n, name in enumerate(names):
        patient = make_browser()
        patient.sign_up(name, f"{name.lower()}@example.org", "patient", code)
        assert patient.screen({red_flag: "yes"} if name == "Ben" else None).status_code == 303
        if name not in ("Ben", "Cat"):  # Cat has no plan; Ben is blocked by his answer
            assert patient.intake().status_code == 303
        if n in (1, len(names) - 1):
            count, page = _statements_of_page(clinician, "/clinic")
            assert all(other in page for other in names[: n + 1])
            counts.append(count)
    assert counts[0] == counts[1], counts
