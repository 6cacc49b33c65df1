"""The console as an ASGI app: ``streamlit run console/server.py`` serves console/app.py exactly as before,
plus the two routes that set and clear the HttpOnly login cookie (see console/cookie.py)."""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from console.cookie import COOKIE_NAME, LOGOUT_ROUTE, SESSION_ROUTE, redeem  # noqa: E402

MAX_CODE_CHARS = 64


def _same_origin(request: Request) -> bool:
    """Only the console's own pages may set or clear the cookie (no cross-site form can log anybody in)."""
    origin = request.headers.get("origin")
    return origin is None or origin.split("://", 1)[-1] == request.headers.get("host", "")


async def set_session_cookie(request: Request) -> Response:
    if not _same_origin(request):
        return Response("forbidden", status_code=403)
    code = (await request.body())[:MAX_CODE_CHARS + 1].decode("ascii", errors="replace").strip()
    found = redeem(code) if 0 < len(code) <= MAX_CODE_CHARS else None
    if found is None:
        return Response("unknown or expired code", status_code=400)
    value, max_age = found
    response = Response(status_code=204)
    response.set_cookie(COOKIE_NAME, value, max_age=max_age, path="/", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return response


async def clear_session_cookie(request: Request) -> Response:
    if not _same_origin(request):
        return Response("forbidden", status_code=403)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")
    return response


app = st.App(str(_ROOT / "console" / "app.py"), routes=[
    Route(SESSION_ROUTE, set_session_cookie, methods=["POST"]),
    Route(LOGOUT_ROUTE, clear_session_cookie, methods=["POST"]),
])
