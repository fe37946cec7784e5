"""Rendering helper: every page gets the user, its CSRF token and the disclaimer."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from spinecoach.web.deps import get_context, web_session_of
from spinecoach.web.i18n import reading_as


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    """Render template ``name`` with the common page context."""
    ctx = get_context(request)
    session = web_session_of(request, ctx)
    context.setdefault("user", getattr(request.state, "user", None))
    user = context["user"]
    if user is not None and getattr(user, "role", None) == "patient" and "safety" not in context:
        from spinecoach.web.safety import banner_for

        context["safety"] = banner_for(ctx, user)  # the safety state on every patient page
    context["csrf_token"] = ctx.signer.csrf_token(session)
    locale, country = reader_of(request, user)
    with reading_as(ctx.emergency, locale, country):
        return ctx.templates.TemplateResponse(request, name, context, status_code=status_code)


def reader_of(request: Request, user: Any = None) -> tuple[str, str]:
    """The language and country to show a page in: the person's settings, else the ones
    the middleware took from the cookies or the browser."""
    state = request.scope.get("state", {})
    locale = getattr(user, "locale", None) or state.get("locale") or "en"
    country = getattr(user, "country", None) or state.get("country") or "GB"
    return locale, country


def reader_choices(request: Request, ctx: Any, user: Any) -> dict[str, Any]:
    """The language and country pickers' options and the person's current choice."""
    from spinecoach.domain.i18n import _

    locale, country = reader_of(request, user)
    countries = sorted(ctx.emergency.countries.values(), key=lambda c: _(c.name))
    return {"locale": locale, "country": country, "countries": countries}


def redirect(url: str) -> RedirectResponse:
    """A 303 redirect (the answer to a successful form POST)."""
    return RedirectResponse(url, status_code=303)


def export_download(db: Any, person: Any, filename_stem: str) -> Response:
    """Everything stored about ``person`` as a downloadable JSON file (see reports.export)."""
    import json
    from datetime import UTC, datetime

    from spinecoach.reports.export import export_person

    export = export_person(db, person.id, datetime.now(UTC))
    body = json.dumps(export, indent=2, ensure_ascii=False)
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename_stem}.json"'},
    )


def report_download(
    db: Any, ctx: Any, person: Any, filename_stem: str, *, patient_version: bool
) -> Response:
    """The progress report PDF of ``person`` as a download (see reports.progress_report)."""
    from datetime import UTC, datetime

    from spinecoach.reports.progress_report import render_pdf, report_data

    report = report_data(
        db, person.id, datetime.now(UTC), library=ctx.library, rules=ctx.rules,
        patient_version=patient_version,
    )  # fmt: skip
    return Response(
        render_pdf(report),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename_stem}.pdf"'},
    )
