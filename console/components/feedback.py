"""Run a service call from a page and tell the person what happened, in a sentence they can act on.

Services refuse with ``core.errors`` exceptions whose messages are already Chinese sentences (and the
refusal is already in the audit log); this helper only chooses how to show them."""

from __future__ import annotations

import logging
from typing import Any, Callable, TypeVar

import streamlit as st

from core.errors import (ConfigurationError, Conflict, InvalidInput, NotFound, PermissionDenied,
                         StorageUnavailable, YuqingError)

from console import data

log = logging.getLogger(__name__)
T = TypeVar("T")


def explain(error: Exception) -> str:
    """The sentence shown for a refused or failed action."""
    if isinstance(error, PermissionDenied):
        return f"无权执行此操作：{error}"
    if isinstance(error, Conflict):
        return f"操作未生效：{error}"
    if isinstance(error, InvalidInput):
        where = f"（字段：{error.field}）" if error.field else ""
        return f"输入有误{where}：{error}"
    if isinstance(error, NotFound):
        return f"未找到：{error}。请刷新页面后重新选择。"
    if isinstance(error, StorageUnavailable):
        return f"数据存储暂不可用：{error}。请检查存储服务是否在运行，稍后点击“刷新”重试。"
    if isinstance(error, ConfigurationError):
        return f"配置有误：{error}。请按提示修改配置后重启控制台。"
    return f"操作失败：{error}"


def show_error(error: Exception) -> None:
    if isinstance(error, Conflict):
        st.warning(explain(error), icon="⚠️")
    else:
        st.error(explain(error), icon="🚫")


def attempt(action: Callable[[], T], success: str | None = None) -> T | None:
    """Call ``action``; on success show ``success`` (if given) and return the result; on a refusal show
    why and return None. Errors that are not ours propagate (they are bugs, not refusals)."""
    try:
        result = action()
    except YuqingError as error:
        log.info("console: refused: %s", error)
        show_error(error)
        return None
    if success:
        st.success(success, icon="✅")
    return result


def flash(message: str, kind: str = "success") -> None:
    """Show ``message`` on the next run (after ``st.rerun``)."""
    st.session_state["flash.message"] = (kind, message)


def show_flash() -> None:
    item = st.session_state.pop("flash.message", None)
    if item:
        kind, message = item
        getattr(st, kind)(message)


def call(action: Callable[[], Any], success: str) -> bool:
    """``attempt`` for buttons that change something: on success, flash ``success``, forget cached reads
    and rerun so every widget shows the new state; on refusal show why and stay. Returns False on refusal."""
    try:
        action()
    except YuqingError as error:
        log.info("console: refused: %s", error)
        show_error(error)
        return False
    flash(success)
    data.refresh()
    st.rerun()
    return True
