"""Errors on web pages: a page for people, or a redirect to sign in."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response


def render(request: Request, status: int, message: str, exc: Any) -> Response:
    if status == 401:
        target = quote(request.url.path)
        # Patients sign in on the portal's own page, by code.
        login = "/portal/sign-in" if request.url.path.startswith("/portal") else "/login"
        if request.headers.get("hx-request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": f"{login}?next={target}"})
        return RedirectResponse(f"{login}?next={target}", status_code=303)
    from liaison.web.templating import templates

    if request.url.path.startswith("/portal"):
        # Patients get the portal's own page, in their language, without the staff shell.
        from liaison.web.portal.common import page

        return page(
            request,
            None,
            "portal/error.html",
            status_code=status,
            status=status,
            message=message if status < 500 else "",
        )
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "status": status,
            "message": message if status < 500 else "Something went wrong on our side.",
        },
        status_code=status,
    )
