"""/reset-password/{token}: the page a mailed one-time link opens (no sign-in: the link is it).

GET shows a form for the new password; POST sets it after the strength check and spends the link.
A weak password shows the form again with the reason, and the link keeps working.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from sync.accounts import service as accounts_service
from sync.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from sync.deps import DbSession
from sync.errors import InvalidInput
from sync.notify.rendering import local_time
from sync.resources import resource_path
from sync.schools.models import School

reset_pages_router = APIRouter()

# Two password fields and a user name: anything longer is not from the form.
MAX_FORM_BYTES = 4 * MAX_PASSWORD_LENGTH + 1024

_templates = Environment(
    loader=FileSystemLoader(str(resource_path("web"))),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _now() -> datetime:
    return datetime.now(UTC)


def _page(name: str, status_code: int, **context: Any) -> HTMLResponse:
    return HTMLResponse(_templates.get_template(name).render(**context), status_code=status_code)


def _notice(problem: accounts_service.LinkUnusable) -> HTMLResponse:
    return _page("reschedule_notice.html", problem.status_code, title=problem.title,
                 message=problem.message)


def _form(db: Any, reset: Any, account: Any, *, error: str = "",
          status_code: int = status.HTTP_200_OK) -> HTMLResponse:
    school = db.get(School, account.school_id)
    return _page("password_reset_form.html", status_code, email=account.email, school=school.name,
                 expires=local_time(reset.expires_at, school.timezone), error=error,
                 min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)


@reset_pages_router.get("/{token}", response_class=HTMLResponse, include_in_schema=False)
def reset_page(token: str, db: DbSession) -> HTMLResponse:
    try:
        reset, account = accounts_service.open_link(db=db, token=token, now=_now())
    except accounts_service.LinkUnusable as problem:
        return _notice(problem)
    return _form(db, reset, account)


@reset_pages_router.post("/{token}", response_class=HTMLResponse, include_in_schema=False)
async def reset_submit(token: str, request: Request) -> HTMLResponse:
    # Read the form here (no multipart dependency for two fields), then do the work in a thread.
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return _page("reschedule_notice.html", status.HTTP_413_CONTENT_TOO_LARGE,
                     title="That is too long",
                     message=f"A password has at most {MAX_PASSWORD_LENGTH} characters. Go back "
                             "and choose a shorter one.")
    form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    password = form.get("password", [""])[0]
    confirm = form.get("confirm", [""])[0]
    return await run_in_threadpool(_set_password, token, password, confirm, request)


def _set_password(token: str, password: str, confirm: str, request: Request) -> HTMLResponse:
    db = request.app.state.sessionmaker()
    try:
        with db.begin():
            now = _now()
            try:
                reset, account = accounts_service.open_link(db=db, token=token, now=now)
            except accounts_service.LinkUnusable as problem:
                return _notice(problem)
            if password != confirm:
                return _form(db, reset, account, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
                             error="The two passwords are not the same: type the new password "
                                   "twice.")
            try:
                accounts_service.complete_password_reset(db=db, token=token, password=password,
                                                         now=now)
            except InvalidInput as exc:
                return _form(db, reset, account, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
                             error=exc.message[:1].upper() + exc.message[1:])
            except accounts_service.LinkUnusable as problem:
                return _notice(problem)
            school = db.get(School, account.school_id)
            return _page("password_reset_done.html", status.HTTP_200_OK, email=account.email,
                         school=school.name)
    finally:
        db.close()
