"""Users, passwords and sessions, and the OIDC identity hook for ``st.login``.

Passwords are stored as bcrypt hashes. ``login`` returns a Session whose ``token`` the console keeps;
``resolve`` turns a token back into the user until the session expires (setting ``session_ttl_minutes``),
the user logs out, is deactivated, or their password is changed or reset (each user has a session epoch
that a password change raises; a session of an older epoch is refused). Wrong passwords, unknown users and
expired sessions are refused with a sentence and audited.

Guessing is resisted: a username is checked for shape and length before anything is stored or looked up;
failed logins are counted per username and per client (``core.workflow.throttle``) and lock both for a
while; an unknown username costs the same bcrypt work as a known one, so timing does not tell them apart.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Iterable, Mapping

import bcrypt

from core.clock import Clock
from core.errors import ConfigurationError, Conflict, InvalidInput, NotFound, PermissionDenied
from core.notifications import Contact
from core.vocabulary import ROLE_NAMES
from core.workflow.access import Guard, Permission
from core.workflow.audit import AuditLog
from core.workflow.model import Role, Session, User, new_id, snapshot
from core.workflow.repository import WorkflowRepository
from core.workflow.throttle import LoginThrottler, ThrottlePolicy

_USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,31}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
USERNAME_MAX = 32
WRONG_LOGIN = "用户名或密码错误。"
WRONG_CURRENT_PASSWORD = "原密码不正确，密码未修改。"
PASSWORD_CHANGED = "密码已修改或重置，请用新密码重新登录。"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class UserService:
    def __init__(self, repo: WorkflowRepository, audit: AuditLog, guard: Guard, clock: Clock,
                 session_ttl: timedelta = timedelta(hours=8), bcrypt_rounds: int = 12,
                 throttle: ThrottlePolicy = ThrottlePolicy()):
        self.repo, self.audit, self.guard, self.clock = repo, audit, guard, clock
        self.session_ttl = session_ttl
        self.bcrypt_rounds = bcrypt_rounds
        self.throttle = LoginThrottler(repo, clock, throttle)
        # Checked against when the username is unknown, so that refusing it costs what refusing a known one does.
        self._decoy_hash = bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(bcrypt_rounds))

    # --- managing users

    def create(self, actor: User | None, username: str, password: str, role: Role | str, *,
               display_name: str = "", email: str = "", unit: str = "", on_duty: bool = False) -> User:
        """Add a user (admins only; the command line passes ``core.workflow.SYSTEM``).
        InvalidInput for a bad username, an unknown role or a password under 8 characters;
        Conflict if the username is taken."""
        who = self.guard.require(actor, Permission.USERS, f"user:{username}").username
        username = (username or "").strip().lower()
        if not _USERNAME.match(username):
            raise InvalidInput("用户名须以小写字母开头，由 2–32 个小写字母、数字或 _ . - 组成。", field="username")
        role = _role(role)
        if email and not _EMAIL.match(email.strip()):
            raise InvalidInput(f"邮箱地址 {email!r} 格式不正确。", field="email")
        user = User(id=new_id("U"), username=username, display_name=display_name.strip() or username, role=role,
                    password_hash=self._hash(password) if password else "", email=email.strip().lower(),
                    unit=unit.strip(), on_duty=on_duty, created_at=self.clock.now())
        with self.audit.work():
            if self.by_username(username):
                raise Conflict(f"用户名 {username} 已被使用。")
            self.repo.add(user)
            self.audit.record(who, "user.create", f"user:{username}", after=snapshot(user))
        return user

    def list(self, actor: User) -> list[User]:
        """Every user, by username (admins only)."""
        self.guard.require(actor, Permission.USERS, "users")
        return self.repo.find(User, order_by="username")

    def get(self, user_id: str) -> User | None:
        return self.repo.get(User, user_id)

    def by_username(self, username: str) -> User | None:
        found = self.repo.find(User, username=(username or "").strip().lower(), limit=1)
        return found[0] if found else None

    def set_role(self, actor: User, username: str, role: Role | str) -> User:
        return self._change(actor, username, "user.set_role", role=_role(role))

    def set_on_duty(self, actor: User, username: str, on_duty: bool) -> User:
        """Mark a leader as (not) on duty: leaders on duty receive overdue flags."""
        return self._change(actor, username, "user.set_on_duty", on_duty=bool(on_duty))

    def set_active(self, actor: User, username: str, active: bool) -> User:
        return self._change(actor, username, "user.set_active", active=bool(active))

    def set_password(self, actor: User, username: str, password: str, *, current_password: str | None = None) -> User:
        """Admins reset another user's password; anyone changing their own must give ``current_password``
        (PermissionDenied "原密码不正确" otherwise, audited). Either way the user's session epoch goes up, so every
        session opened before ends (``resolve`` refuses it saying the password changed)."""
        stored_actor = self.repo.get(User, actor.id) if actor is not None else None
        own = stored_actor is not None and stored_actor.username == (username or "").strip().lower()
        if own and not (current_password and stored_actor.password_hash
                        and _check(current_password, stored_actor.password_hash)):
            self.guard.deny(stored_actor.username, "user.set_password", f"user:{stored_actor.username}",
                            WRONG_CURRENT_PASSWORD)
        target = self.by_username(username)
        updated = self._change(actor, username, "user.set_password", check=not own,
                               password_hash=self._hash(password),
                               session_epoch=(target.session_epoch + 1) if target else 0)
        return updated

    def _change(self, actor: User, username: str, action: str, check: bool = True, **changes) -> User:
        who = self.guard.require(actor, Permission.USERS if check else Permission.VIEW, f"user:{username}")
        with self.audit.work():
            user = self.by_username(username)
            if user is None:
                raise NotFound(f"没有用户名为 {username} 的用户。")
            updated = self.repo.update(replace(user, **changes), user.version)
            self.audit.record(who.username, action, f"user:{user.username}", before=snapshot(user),
                              after=snapshot(updated))
        return updated

    # --- sessions

    def login(self, username: str, password: str, client: str = "") -> Session:
        """A new session for the right password; PermissionDenied ("用户名或密码错误") otherwise, audited.
        ``client`` names where the attempt comes from (the console passes the browser's address): failures
        are counted per username and per client, and a locked one is refused even with the right password."""
        name = login_name(username)
        actor, target = name or "anonymous", f"user:{name}" if name else "user:(无效用户名)"
        keys = self.throttle.keys(name, client)
        until = self.throttle.locked_until(keys)
        if until is not None:
            self.guard.deny(actor, "login", target, self._locked_sentence(until))
        user = self.by_username(name) if name else None
        hashed = user.password_hash.encode("ascii") if user is not None and user.password_hash else self._decoy_hash
        ok = _check_bytes(password or "", hashed) and user is not None and bool(user.password_hash)
        if not ok:
            until = self.throttle.failed(keys)
            self.guard.deny(actor, "login", target,
                            WRONG_LOGIN + (self._locked_sentence(until) if until is not None else ""))
        if not user.active:
            self.guard.deny(actor, "login", target, "该账号已停用，请联系系统管理员。")
        self.throttle.succeeded(name)
        return self._open_session(user, "login")

    def _locked_sentence(self, until) -> str:
        minutes = max(1, -(-int((until - self.clock.now()).total_seconds()) // 60))
        return f"登录失败次数过多，已暂时锁定，请 {minutes} 分钟后再试；如忘记密码请联系系统管理员重置。"

    def _open_session(self, user: User, action: str) -> Session:
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        session = Session(id=hash_token(token), user_id=user.id, created_at=now, expires_at=now + self.session_ttl,
                          epoch=user.session_epoch)
        self.repo.add(session)
        self.audit.record(user.username, action, f"user:{user.username}",
                          after={"expires_at": session.expires_at.isoformat()})
        return replace(session, token=token)

    def resolve(self, token: str) -> User:
        """The user behind a session token; PermissionDenied when unknown or expired ("会话已过期，请重新登录")."""
        session = self.repo.get(Session, hash_token(token or ""))
        if session is None:
            self.guard.deny("anonymous", "session.resolve", "session", "会话无效，请重新登录。")
        user = self.repo.get(User, session.user_id)
        if self.clock.now() >= session.expires_at:
            self.repo.delete(Session, session.id)
            self.guard.deny(user.username if user else "anonymous", "session.resolve", "session",
                            "会话已过期，请重新登录。")
        if user is None or not user.active:
            self.guard.deny(user.username if user else "anonymous", "session.resolve", "session",
                            "该账号已停用，请联系系统管理员。")
        if session.epoch != user.session_epoch:
            self.repo.delete(Session, session.id)
            self.guard.deny(user.username, "session.resolve", "session", PASSWORD_CHANGED)
        return user

    def resolve_epoch(self, user_id: str, epoch: int) -> User:
        """The active user ``user_id`` when ``epoch`` is still their session epoch (for a signed cookie that
        carries the user and the epoch of its login instead of a session token); PermissionDenied after a
        password change or reset, for an unknown or deactivated user."""
        user = self.repo.get(User, str(user_id or ""))
        if user is None or not user.active:
            self.guard.deny(user.username if user else "anonymous", "session.resolve", "session",
                            "会话无效，请重新登录。")
        if int(epoch) != user.session_epoch:
            self.guard.deny(user.username, "session.resolve", "session", PASSWORD_CHANGED)
        return user

    def session_expiry(self, token: str) -> datetime | None:
        """When the session behind ``token`` ends (None for an unknown one); read-only, not audited, for
        the console's warning before a login runs out."""
        session = self.repo.get(Session, hash_token(token or ""))
        return session.expires_at if session else None

    def logout(self, token: str) -> None:
        session = self.repo.get(Session, hash_token(token or ""))
        if session is not None:
            self.repo.delete(Session, session.id)
            user = self.repo.get(User, session.user_id)
            self.audit.record(user.username if user else "anonymous", "logout", "session")

    # --- OIDC (st.login)

    def login_oidc(self, claims: Mapping[str, object]) -> Session:
        """A session for an identity from ``st.login`` (``st.user``), mapped by ``map_oidc_identity``."""
        return self._open_session(self.map_oidc_identity(claims), "login.oidc")

    def map_oidc_identity(self, claims: Mapping[str, object]) -> User:
        """The OIDC hook: the active yuqing user whose ``email`` equals the identity's verified email
        (case-insensitive). An identity with no such user, or with ``email_verified`` false, is refused
        with PermissionDenied and audited: an administrator must first add the user with that email."""
        email = str(claims.get("email") or "").strip().lower()
        if not email:
            self.guard.deny("anonymous", "login.oidc", "oidc", "统一身份认证未提供邮箱，无法对应系统用户。")
        if not _verified(claims.get("email_verified")):
            # Missing counts as unverified: a provider that does not vouch for the address cannot map to a user.
            self.guard.deny(email[:320], "login.oidc", "oidc", f"邮箱 {email[:320]} 未经验证（身份提供方未确认该邮箱），无法登录。")
        found = [u for u in self.repo.find(User, email=email) if u.active]
        if not found:
            self.guard.deny(email, "login.oidc", "oidc",
                            f"邮箱 {email} 未对应任何系统用户，请联系系统管理员添加（yuqing users add --email）。")
        return found[0]

    # --- system-side reads (the worker, the drill, the console's labels): no actor, no permission check

    def contacts(self) -> list[Contact]:
        """A contact (role, e-mail) for every active user with an e-mail, by username."""
        return [Contact(str(u.role), u.email) for u in self.repo.find(User, active=True, order_by="username")
                if u.email]

    def emails_of(self, user_ids: Iterable[str]) -> list[str]:
        """The e-mails of these users in the order given; unknown ids and users without an e-mail are
        skipped, and an address appears once."""
        emails: list[str] = []
        for user_id in user_ids:
            user = self.repo.get(User, user_id)
            if user is not None and user.email and user.email not in emails:
                emails.append(user.email)
        return emails

    def report_signer(self) -> User:
        """The user the worker writes scheduled reports as: the first active admin or leader by username.
        ConfigurationError (naming ``yuqing users add``) when there is none."""
        for user in self.repo.find(User, active=True, role=(Role.ADMIN, Role.LEADER), order_by="username"):
            return user
        raise ConfigurationError("no active admin or leader user to write scheduled reports as; add one with "
                                 "`yuqing users add <username> --role leader` (or --role admin)")

    def display_names(self) -> dict[str, str]:
        """Username -> display name of every user, active or not (past actors of the audit log are named
        too); a user without a display name is shown by username."""
        return {u.username: u.display_name or u.username for u in self.repo.find(User, order_by="username")}

    def names_by_email(self) -> dict[str, str]:
        """E-mail -> "display name（role）" of every user with an e-mail, for naming who a notice went to."""
        return {u.email: f"{u.display_name or u.username}（{ROLE_NAMES.get(str(u.role), str(u.role))}）"
                for u in self.repo.find(User, order_by="username") if u.email}

    def on_duty_leaders(self) -> list[User]:
        return [u for u in self.repo.find(User, role=Role.LEADER, on_duty=True) if u.active]

    def _hash(self, password: str) -> str:
        if not password or len(password) < MIN_PASSWORD:
            raise InvalidInput(f"密码至少需要 {MIN_PASSWORD} 个字符。", field="password")
        if len(password.encode("utf-8")) > 72:
            raise InvalidInput("密码过长（bcrypt 最多 72 字节）。", field="password")
        return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(self.bcrypt_rounds)).decode("ascii")


def login_name(username: str) -> str:
    """The normalised username of a login attempt, or '' when it cannot be a username (wrong shape or
    longer than 32 characters): such input is never stored, looked up or written into the audit log."""
    text = str(username or "")[:USERNAME_MAX + 8].strip().lower()
    return text if len(text) <= USERNAME_MAX and _USERNAME.match(text) else ""


def _verified(flag: object) -> bool:
    """OIDC ``email_verified``: only a true boolean (or the string "true" some providers send) counts."""
    return flag is True or (isinstance(flag, str) and flag.strip().lower() == "true")


def _check(password: str, hashed: str) -> bool:
    try:
        return _check_bytes(password, hashed.encode("ascii"))
    except UnicodeEncodeError:
        return False


def _check_bytes(password: str, hashed: bytes) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8", "replace")[:72], hashed)
    except ValueError:
        return False


def _role(value: Role | str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput(f"未知角色 {value!r}；可选：{', '.join(r.value for r in Role)}。", field="role") from None


__all__ = ["UserService", "hash_token", "login_name", "PermissionDenied"]
