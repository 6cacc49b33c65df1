"""Login throttling: failed logins are counted per username and per client in the state database, so
every console process (and every host) sees the same count. A key that reaches its limit within the
window is locked for the lockout period; while it is locked even the right password is refused.

Keys are ``user:<username>`` (only for a well-formed username, known or not, so that a lockout tells an
attacker nothing about which usernames exist) and ``client:<address>``. A success clears the username's
count; a client's count runs out with its window (a guesser holding one valid account cannot reset it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from core.clock import Clock
from core.errors import Conflict
from core.workflow.model import LoginThrottle
from core.workflow.repository import WorkflowRepository

CLIENT_MAX = 64              # characters of a client address kept in a key


@dataclass(frozen=True)
class ThrottlePolicy:
    max_user_failures: int = 5           # per username within the window
    max_client_failures: int = 20        # per client address within the window
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)


class LoginThrottler:
    def __init__(self, repo: WorkflowRepository, clock: Clock, policy: ThrottlePolicy = ThrottlePolicy()):
        self.repo, self.clock, self.policy = repo, clock, policy

    @staticmethod
    def keys(username: str, client: str) -> list[str]:
        """The throttle keys of one attempt: the (already validated) username, if any, and the client."""
        keys = [f"user:{username}"] if username else []
        client = "".join(ch for ch in str(client or "") if ch.isprintable())[:CLIENT_MAX].strip()
        return keys + ([f"client:{client}"] if client else [])

    def locked_until(self, keys: list[str]) -> datetime | None:
        """The latest lockout end among ``keys`` still in the future, or None."""
        now = self.clock.now()
        ends = [row.locked_until for row in (self.repo.get(LoginThrottle, key) for key in keys)
                if row is not None and row.locked_until is not None and row.locked_until > now]
        return max(ends) if ends else None

    def failed(self, keys: list[str]) -> datetime | None:
        """Count a failed login against every key; the lockout end if one of them is now locked."""
        ends = [end for end in (self._count(key) for key in keys) if end is not None]
        return max(ends) if ends else None

    def succeeded(self, username: str) -> None:
        """A right password clears the username's count."""
        self.repo.delete(LoginThrottle, f"user:{username}")

    def _limit(self, key: str) -> int:
        return self.policy.max_user_failures if key.startswith("user:") else self.policy.max_client_failures

    def _count(self, key: str) -> datetime | None:
        for _ in range(5):                   # another process counting the same key at once: count again
            try:
                with self.repo.transaction():
                    return self._count_once(key)
            except Conflict:
                continue
        return None

    def _count_once(self, key: str) -> datetime | None:
        now = self.clock.now()
        row = self.repo.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(id=key, failures=0, window_started_at=now)
            self.repo.add(row)
        if now - row.window_started_at >= self.policy.window and not (row.locked_until and row.locked_until > now):
            row = replace(row, failures=0, window_started_at=now, locked_until=None)
        failures = row.failures + 1
        locked = now + self.policy.lockout if failures >= self._limit(key) else row.locked_until
        self.repo.update(replace(row, failures=failures, locked_until=locked), row.version)
        return locked if locked and locked > now else None
