"""Streamlit's own words and developer controls, replaced or hidden for the people who use the console.

The console is started with ``--client.toolbarMode minimal`` (no Deploy button, no developer menu; see
``infra.cli.console.console_command``). What Streamlit still draws in English is its file uploader: the
drop zone's "Drag and drop", "Limit 200MB per file" and "Browse files", and the "Stop" button shown
while a page runs. Each uploader's Chinese label
states the real limit (and ``max_upload_size`` enforces it), so the English lines are hidden and the
button is relabelled here, by Streamlit's test ids."""

from __future__ import annotations

import streamlit as st

_STYLE = """<style>
[data-testid="stAppDeployButton"], [data-testid="stMainMenu"] { display: none !important; }
[data-testid="stFileUploaderDropzoneInstructions"] { display: none !important; }
[data-testid="stFileUploaderDropzone"] button > * { display: none !important; }
[data-testid="stFileUploaderDropzone"] button::after { content: "选择文件"; font-size: 0.875rem; }
[data-testid="stFileUploaderDropzone"]::before { content: "将文件拖到此处，或"; align-self: center;
    font-size: 0.875rem; opacity: 0.7; }
[data-testid="stStatusWidget"] button > * { display: none !important; }
[data-testid="stStatusWidget"] button::after { content: "停止"; font-size: 0.875rem; }
</style>"""


def localise() -> None:
    """Hide the developer chrome and Streamlit's English uploader text (call once per run)."""
    st.html(_STYLE)


def upload_limit_mb(max_bytes: int) -> int:
    """The whole megabytes Streamlit's ``max_upload_size`` takes for a limit in bytes (at least 1)."""
    return max(1, -(-int(max_bytes) // (1024 * 1024)))


def size_text(max_bytes: int) -> str:
    """``10 MB`` / ``256 KB``: a limit as a person reads it."""
    if max_bytes >= 1024 * 1024:
        return f"{max_bytes / 1024 / 1024:g} MB"
    return f"{max_bytes / 1024:g} KB"
