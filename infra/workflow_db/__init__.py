"""The workflow database (SQLAlchemy 2 + Alembic) and the composition helper ``open_workflow``.

``open_workflow(settings, clock)`` opens (and migrates) the database named by ``workflow_db_url``
(default: SQLite ``<data_dir>/workflow.db``), builds the publishing channels from the settings and
returns the ``core.workflow.Workflow`` facade with every service. The console and the worker call it.
"""

from __future__ import annotations

from pathlib import Path

from core.clock import Clock, SystemClock
from core.event import EventStore
from core.settings import Settings
from core.storage import PostStore
from core.workflow import Workflow

REPO_ROOT = Path(__file__).resolve().parents[2]
BUNDLED_TEMPLATES = REPO_ROOT / "press_templates"


def workflow_db_url(settings: Settings) -> str:
    """The configured URL, or the SQLite file under the data folder."""
    if settings.workflow_db_url:
        return settings.workflow_db_url
    return f"sqlite:///{(settings.data_path / 'workflow.db').resolve()}"


def open_workflow(settings: Settings, clock: Clock | None = None, *, post_store: PostStore | None = None,
                  event_store: EventStore | None = None) -> Workflow:
    """Every workflow service over the configured database. ``post_store`` None opens the configured post
    store (closed with the workflow); ``event_store`` None leaves reports without event details."""
    raise NotImplementedError
