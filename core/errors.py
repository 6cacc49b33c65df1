"""One small error hierarchy. Backends translate driver errors where they occur
(``raise StorageUnavailable(...) from e``); the console and CLI show ``str(error)`` to a person,
so every message is a sentence that says what to fix."""

from __future__ import annotations


class YuqingError(Exception):
    """Root of every error yuqing raises on purpose."""


class ConfigurationError(YuqingError):
    """A setting, profile or model folder is wrong; the message names the file, line or field."""


class StorageUnavailable(YuqingError):
    """A store cannot be reached or answered wrongly; the message names the URL or path."""


class VersionMismatch(ConfigurationError):
    """A server, schema or model was built for another version; the message says which one is needed."""


class NotFound(YuqingError):
    """An id that nothing is stored under."""


class PermissionDenied(YuqingError):
    """A user acted beyond the rights of their role."""


class Conflict(YuqingError):
    """Somebody else changed the thing first (a stale edit, a second approval); nothing was overwritten."""


class InvalidInput(YuqingError):
    """Input that cannot be accepted. ``field`` names the offending field when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
