"""The workflow database (SQLAlchemy 2 + Alembic) and the composition helper ``open_workflow``.

``open_workflow(settings, clock)`` opens (and migrates) the database named by ``workflow_db_url``
(default: SQLite ``<data_dir>/workflow.db``), builds the publishing channels from the settings and
returns the ``core.workflow.Workflow`` facade with every service. The console and the worker call it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from core.clock import Clock, SystemClock
from core.errors import ConfigurationError, StorageUnavailable
from core.event import GRADES, EventStore
from core.profile import DEFAULT_PROFILE, load_profile
from core.settings import Settings
from core.storage import PostStore
from core.workflow import AlertRules, Workflow, WorkflowConfig, build_workflow
from infra.workflow_db import migrate
from infra.workflow_db.repository import SqlWorkflowRepository, describe

REPO_ROOT = Path(__file__).resolve().parents[2]
BUNDLED_TEMPLATES = REPO_ROOT / "press_templates"


def workflow_db_url(settings: Settings) -> str:
    """The configured URL, or the SQLite file under the data folder."""
    return settings.state_url


def open_repository(url: str) -> SqlWorkflowRepository:
    """The repository over ``url``, migrated to the newest schema (SQLite folders are created)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        try:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageUnavailable(f"workflow database {parsed.database}: cannot create its folder "
                                     f"({error.strerror}); set workflow_db_url or data_dir to a writable place") from None
    repo = SqlWorkflowRepository(url)
    try:
        migrate.upgrade(repo.engine, describe(url))
    except Exception:
        repo.close()
        raise
    return repo


def workflow_config(settings: Settings) -> WorkflowConfig:
    """The services' knobs from the settings (folders default to places under ``data_dir``)."""
    grade = str(settings.alert_min_grade).strip().upper()
    if grade not in GRADES:
        raise ConfigurationError(f"setting 'alert_min_grade' is {settings.alert_min_grade!r}; use IV, III, II or I")
    if settings.session_ttl_minutes <= 0:
        raise ConfigurationError("setting 'session_ttl_minutes' must be a positive number of minutes")
    county, schools = "渠县", {}
    try:
        profile = load_profile(_profile_path(settings))
        county, schools = profile.county, {s.id: s.name for s in profile.schools}
    except ConfigurationError:
        pass                                # the profile's own commands report a broken profile
    return WorkflowConfig(
        templates_dir=Path(settings.press_templates_dir) if settings.press_templates_dir else BUNDLED_TEMPLATES,
        evidence_dir=Path(settings.evidence_dir) if settings.evidence_dir else settings.data_path / "evidence",
        session_ttl=timedelta(minutes=settings.session_ttl_minutes),
        rules=AlertRules(min_grade=grade, rumour_share=float(settings.alert_rumour_share),
                         min_posts=int(settings.alert_min_posts)),
        upload_max_bytes=int(settings.upload_max_bytes), county=county, publisher=settings.publisher,
        school_names=schools)


def _profile_path(settings: Settings) -> Path | None:
    configured = Path(str(settings.profile)) if settings.profile else None
    if configured is None or configured.is_absolute() or configured.exists():
        return configured
    return DEFAULT_PROFILE.parent.parent / configured


def open_workflow(settings: Settings, clock: Clock | None = None, *, post_store: PostStore | None = None,
                  event_store: EventStore | None = None, bcrypt_rounds: int = 12) -> Workflow:
    """Every workflow service over the configured database. ``post_store`` None opens the configured post
    store (closed with the workflow); a store passed in stays the caller's to close. ``event_store`` None
    leaves reports without event details."""
    from infra.publish import channels_from_settings

    config = workflow_config(settings)
    repo = open_repository(workflow_db_url(settings))
    owned = None
    if post_store is None:
        from infra.storage import open_post_store

        post_store = owned = open_post_store(settings)
    workflow = build_workflow(repo, clock or SystemClock(), config, channels=channels_from_settings(settings),
                              post_store=post_store, event_store=event_store, bcrypt_rounds=bcrypt_rounds)
    if owned is not None:
        workflow.on_close.append(owned.close)
    return workflow
