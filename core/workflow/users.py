"""Users, passwords and sessions, and the OIDC identity hook for ``st.login``.

Passwords are stored as bcrypt hashes. ``login`` returns a Session whose ``token`` the console keeps;
``resolve`` turns a token back into the user until the session expires (setting ``session_ttl_minutes``).
Wrong passwords, unknown users and expired sessions are refused with a sentence and audited.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Mapping

from core.clock import Clock
from core.workflow.access import Guard
from core.workflow.audit import AuditLog
from core.workflow.model import Role, Session, User
from core.workflow.repository import WorkflowRepository


class UserService:
    def __init__(self, repo: WorkflowRepository, audit: AuditLog, guard: Guard, clock: Clock,
                 session_ttl: timedelta = timedelta(hours=8)):
        self.repo, self.audit, self.guard, self.clock = repo, audit, guard, clock
        self.session_ttl = session_ttl

    def create(self, actor: User | None, username: str, password: str, role: Role | str, *,
               display_name: str = "", email: str = "", unit: str = "", on_duty: bool = False) -> User:
        """Add a user (admins only; ``actor`` None is the command line / first-run bootstrap).
        InvalidInput for a bad username, an unknown role or a password under 8 characters;
        Conflict if the username is taken."""
        raise NotImplementedError

    def list(self, actor: User) -> list[User]:
        """Every user, by username (admins only)."""
        raise NotImplementedError

    def get(self, user_id: str) -> User | None:
        raise NotImplementedError

    def by_username(self, username: str) -> User | None:
        raise NotImplementedError

    def set_role(self, actor: User, username: str, role: Role | str) -> User:
        raise NotImplementedError

    def set_on_duty(self, actor: User, username: str, on_duty: bool) -> User:
        """Mark a leader as (not) on duty: leaders on duty receive overdue flags."""
        raise NotImplementedError

    def set_active(self, actor: User, username: str, active: bool) -> User:
        raise NotImplementedError

    def set_password(self, actor: User, username: str, password: str) -> User:
        """Admins reset anyone's password; a user may change their own."""
        raise NotImplementedError

    def login(self, username: str, password: str) -> Session:
        """A new session for the right password; PermissionDenied ("用户名或密码错误") otherwise, audited."""
        raise NotImplementedError

    def resolve(self, token: str) -> User:
        """The user behind a session token; PermissionDenied when unknown or expired ("会话已过期，请重新登录")."""
        raise NotImplementedError

    def logout(self, token: str) -> None:
        raise NotImplementedError

    def login_oidc(self, claims: Mapping[str, object]) -> Session:
        """A session for an identity from ``st.login`` (``st.user``), mapped by ``map_oidc_identity``."""
        raise NotImplementedError

    def map_oidc_identity(self, claims: Mapping[str, object]) -> User:
        """The OIDC hook: the active yuqing user whose ``email`` equals the identity's verified email
        (case-insensitive). An identity with no such user, or with ``email_verified`` false, is refused
        with PermissionDenied and audited: an administrator must first add the user with that email."""
        raise NotImplementedError

    def on_duty_leaders(self) -> list[User]:
        raise NotImplementedError
