"""The settings registry (after Datasette): every setting has a name, a default and help text.

Precedence, lowest first: the defaults here < the config file (TOML, ``yuqing.toml`` or ``--config``)
< the environment (``YUQING_<NAME>`` in upper case) < the command line (``--set name=value``).
Every setting here is documented in the README; a test checks that.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from core.errors import ConfigurationError
from core.tomltext import parse_toml

CORE_DIR = Path(__file__).resolve().parent
SHIPPED_PROFILES = CORE_DIR / "profiles"
BUNDLED_TEMPLATES = CORE_DIR.parent / "press_templates"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env_var(self) -> str:
        return "YUQING_" + self.name.upper()

    def parse(self, value: Any, origin: str) -> Any:
        """Coerce a value from a file, the environment or the command line to the default's type."""
        kind = type(self.default)
        if value is None or kind is type(None) or isinstance(value, kind) and kind is not bool:
            return value
        try:
            if kind is bool:
                if isinstance(value, bool):
                    return value
                text = str(value).strip().lower()
                if text in ("1", "true", "yes", "on"):
                    return True
                if text in ("0", "false", "no", "off"):
                    return False
                raise ValueError(value)
            if kind is int:
                return int(value)
            if kind is float:
                return float(value)
            if kind is list:
                return [part.strip() for part in str(value).split(",") if part.strip()]
            return kind(value)
        except (TypeError, ValueError):
            raise ConfigurationError(
                f"setting '{self.name}' from {origin}: {value!r} is not a valid {kind.__name__}") from None


SETTINGS: tuple[Setting, ...] = (
    # --- storage
    Setting("data_dir", "var", "Folder for the embedded store, the workflow database, spools, models and outputs."),
    Setting("store", "sqlite", "Post store backend: 'sqlite' (embedded, default) or 'elasticsearch'."),
    Setting("sqlite_path", "", "Path of the embedded post store; empty means <data_dir>/posts.db."),
    Setting("es_url", "http://127.0.0.1:9200", "Elasticsearch URL used when store = 'elasticsearch'."),
    Setting("es_index_prefix", "yuqing", "Prefix of the Elasticsearch index template, indices and write alias."),
    Setting("es_timeout", 5.0, "Seconds to wait for Elasticsearch before reporting it unreachable."),
    Setting("retention_days", 365, "Posts published longer ago than this are deleted by the retention job."),
    # --- crawlers
    Setting("profile", "profiles/qu_county.toml", "The county profile: schools, aliases, townships, keywords, sources."),
    Setting("crawl_base_url", "", "Fetch every source from this address instead of the real sites (the simulated web), e.g. http://127.0.0.1:8765."),
    Setting("crawl_time_limit_s", 600, "A `yuqing crawl` subprocess running longer is ended and its run recorded as failing."),
    Setting("crawl_silent_after_s", 21600, "A source whose pages held no items at all (or that was not crawled) for this long is 'silent'."),
    Setting("crawl_max_pages", 10, "Most list pages one run of a source reads; stopping there is recorded as truncation."),
    Setting("crawl_overlap_s", 600, "Paging goes this far past the watermark of the last complete run, for late-indexed posts."),
    Setting("crawl_polite", True, "AutoThrottle, robots.txt, a download delay and 2 requests per domain; off only for the simulated web."),
    Setting("crawl_download_delay_s", 1.0, "Seconds between requests to one domain when crawl_polite is on."),
    Setting("crawl_backoff_s", 2.0, "First retry delay after HTTP 429/5xx or a network error; doubled per retry (Retry-After wins)."),
    Setting("crawl_batch_size", 200, "Posts written to the store per batch by the crawl pipeline."),
    Setting("crawl_cookies_file", "", "JSON file {host: cookie header} for sites that need a login; never logged, keep it out of git."),
    Setting("crawl_proxy", "", "HTTP proxy for crawling, e.g. http://user:pass@host:port; never logged."),
    Setting("crawl_user_agent", "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 yuqing/0.1", "User-Agent header of crawl requests."),
    Setting("reaction_interval_s", 600, "Seconds between the worker's reaction rounds (comments, reposts, replies of rising or alerted events' posts); 0 turns them off."),
    Setting("reaction_max_posts", 20, "Most posts whose reactions one reaction round collects (the busiest of rising or alerted events)."),
    Setting("reaction_max_per_post", 100, "Most reactions kept per post and round (Weibo: half comments, half reposts; Tieba: floors and 楼中楼)."),
    Setting("crawl_parallel", 2, "How many sources `yuqing crawl-all` crawls at once (one subprocess each)."),
    # --- nlp
    Setting("sentiment_model", "", "Sentiment model folder (yuqing train sentiment); empty means the shipped nlp/models/sentiment."),
    Setting("sentiment_neutral_model", "", "Neutral model folder (yuqing train neutral) that gives sentiment its third class 中性; empty means the shipped nlp/models/neutral; off scores two classes with the sentiment model alone."),
    Setting("rumour_model", "", "Rumour model folder (yuqing train rumour); empty means the shipped nlp/models/rumour."),
    Setting("nlp_event_window_hours", 72.0, "A post joins an event when published within this many hours of the event's posts."),
    Setting("nlp_growth_hours", 6.0, "Event heat compares posts of the last N hours with the N hours before (growth)."),
    Setting("nlp_grade_iii_heat", 30.0, "Event heat (0-100) from which an event is graded III (较大)."),
    Setting("nlp_grade_ii_heat", 55.0, "Event heat (0-100) from which an event is graded II (重大)."),
    Setting("nlp_grade_i_heat", 80.0, "Event heat (0-100) from which an event is graded I (特别重大)."),
    # --- console and workflow
    Setting("state_db_url", "", "SQLAlchemy URL of the state database (events, workflow, crawl state and health, notifications, worker status and jobs): empty means sqlite:///<data_dir>/state.db; postgresql+psycopg://user:pass@host/db in production."),
    Setting("state_db_schema", "", "PostgreSQL only: the schema the state database's tables live in (empty: the connection's default; a drill on PostgreSQL uses its own)."),
    Setting("session_ttl_minutes", 480, "Minutes a console login stays valid before the user must log in again."),
    Setting("login_max_failures", 5, "Wrong passwords for one username within login_lockout_minutes before that username is locked for as long."),
    Setting("login_client_max_failures", 20, "Failed logins from one client address within login_lockout_minutes before that client is locked for as long."),
    Setting("login_lockout_minutes", 15, "The window failed logins are counted in, and how long a username or client stays locked."),
    Setting("publish_dir", "", "Folder the official-website channel writes release HTML and rss.xml to; empty means <data_dir>/published."),
    Setting("publish_base_url", "http://localhost:8080/", "Public URL of publish_dir, used for links in the RSS feed."),
    Setting("publisher", "", "The issuing body printed on releases (发布单位); empty means the county's education bureau, <county>教育局."),
    Setting("webhook_url", "", "URL that receives each published release as a JSON POST (Weibo/WeChat relay); empty disables it."),
    Setting("webhook_secret", "", "When set, each webhook POST carries X-Yuqing-Signature: sha256=<HMAC of the body>."),
    Setting("webhook_timeout", 5.0, "Seconds to wait for the webhook receiver before the publication is recorded as failed."),
    Setting("evidence_dir", "", "Folder for evidence packs and escalation attachments; empty means <data_dir>/evidence."),
    Setting("upload_max_bytes", 10485760, "Largest file a user may attach to an escalation, in bytes."),
    Setting("pack_upload_max_mb", 100, "Largest evidence pack (ZIP, in MB) the console's 证据包校验 form accepts as an upload."),
    Setting("pack_unpacked_max_mb", 2048, "Largest total uncompressed size (MB) of an evidence pack that verify-pack and the console check; larger packs, packs of more than 20,000 files and entries compressed more than 200:1 are refused unread."),
    Setting("audit_hmac_key", "", "Secret key (HMAC-SHA256) that signs the audit log's head in the anchor file and on daily reports; set it in the environment, never in the database or under version control."),
    Setting("audit_anchor_file", "", "Append-only file the signed audit heads go to, outside the state database's folder (another volume or host, chattr +a, another owner); empty means <data_dir>/audit-anchor/audit-heads.jsonl."),
    Setting("capture_browser", "", "Chromium executable that captures each post's page (HTML and screenshot) when a case is escalated, for the evidence pack (e.g. /usr/bin/chromium); empty = no capture."),
    Setting("press_templates_dir", "", "Folder of the Jinja2 press templates; empty means the bundled press_templates/."),
    Setting("alert_min_grade", "III", "Events of at least this grade (IV, III, II, I) raise an alert."),
    Setting("alert_rumour_share", 0.3, "Events whose share of rumour-like posts is at least this raise an alert."),
    Setting("alert_min_posts", 3, "The rumour-share rule applies only to events with at least this many posts."),
    Setting("console_port", 8501, "Port `yuqing console` serves the Streamlit console on."),
    Setting("console_cache_ttl_s", 15, "Seconds the console keeps a read of posts and events before asking the store again."),
    Setting("console_page_size", 20, "Posts per page in the console's feed."),
    Setting("console_profile_max_bytes", 262144, "Largest county profile (TOML) the console accepts as an upload, in bytes."),
    Setting("console_oidc_provider", "", "Single sign-on through st.login: empty is off; 'default' uses [auth] of .streamlit/secrets.toml, another name [auth.<name>]."),
    # --- worker and notifications
    Setting("worker_heartbeat_s", 10, "Seconds between worker heartbeats; after three missed the worker shows as stopped."),
    Setting("worker_crawl_limit_s", 600, "A crawl subprocess running longer is ended and its source marked unhealthy."),
    Setting("worker_interval_scale", 1.0, "Every source's crawl interval is divided by this (a drill sets its speed)."),
    Setting("worker_enrich_interval_s", 20, "Seconds between enrichment runs (enrich, events, alerts) of the worker."),
    Setting("worker_clock_interval_s", 30, "Seconds between response-clock ticks and notification rounds."),
    Setting("worker_report_hour", 8, "Hour (China time) of the daily report written by the worker; -1 turns it off."),
    Setting("worker_shutdown_grace_s", 20, "On SIGTERM, seconds a running crawl may take to finish before it is ended."),
    Setting("enrich_batch_size", 200, "Posts enriched per batch; a batch is written at once, so a crash loses at most one."),
    Setting("spool", True, "Spool post batches to local disk while the store is unavailable; replay them when it is back."),
    Setting("spool_dir", "", "Folder of the ingest spool; empty means <data_dir>/spool."),
    Setting("spool_min_free_mb", 64, "The worker refuses to start when the spool's disk has less free space (MB) than this."),
    Setting("clock_origin", "", "Drill clock: the drill time at its start (ISO 8601); empty means real time."),
    Setting("clock_speed", 1.0, "Drill clock: how many times faster than life drill time runs."),
    Setting("clock_wall_origin", 0.0, "Drill clock: the Unix time at which drill time was clock_origin (0 = now)."),
    Setting("smtp_host", "", "SMTP server for e-mail notifications; empty turns e-mail off."),
    Setting("smtp_port", 25, "SMTP server port."),
    Setting("smtp_user", "", "SMTP login; empty sends without logging in."),
    Setting("smtp_password", "", "SMTP password (set it in the environment, not in a file under version control)."),
    Setting("smtp_from", "yuqing@localhost", "Sender address of notification e-mails."),
    Setting("smtp_tls", "starttls", "SMTP transport security: 'starttls' (default) or 'ssl'; 'none' only for a relay on this host (127.0.0.1)."),
    Setting("notify_webhooks", [], "Group-chat webhooks, comma-separated 'kind=url'; kind is wecom, dingtalk, feishu or json."),
    Setting("notify_emails", [], "E-mail recipients by role, comma-separated 'role=address', added to workflow users' e-mails."),
    Setting("notify_routes", [], "Who is told what, comma-separated 'trigger=role+role'; replaces that trigger's default roles."),
    Setting("notify_max_attempts", 5, "Attempts per notification before it is recorded as failed."),
    Setting("notify_retry_s", 30, "Seconds before the first retry of a failed notification; doubled for each later one."),
)

_BY_NAME = {s.name: s for s in SETTINGS}
# Settings that were renamed: the old name still works in files, the environment and --set.
RENAMED = {"workflow_db_url": "state_db_url"}


def setting(name: str) -> Setting:
    try:
        return _BY_NAME[RENAMED.get(name, name)]
    except KeyError:
        raise ConfigurationError(f"unknown setting '{name}'") from None


class Settings(Mapping[str, Any]):
    """Resolved settings. Read with ``settings["name"]`` or ``settings.name``."""

    def __init__(self, values: Mapping[str, Any], origins: Mapping[str, str]):
        self._values = dict(values)
        self._origins = dict(origins)

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def origin(self, name: str) -> str:
        """Where a value came from: 'default', the config file's path, the environment variable or 'command line'."""
        return self._origins[name]

    def environment(self) -> dict[str, str]:
        """Every setting as its ``YUQING_<NAME>`` variable (spelled by ``env_text``), so a child process that
        resolves its settings from the environment sees exactly these, whatever file or flag they came from
        (the environment outranks any config file the child might find). Secrets travel this way and never
        on a command line."""
        return {setting(name).env_var: env_text(value) for name, value in self._values.items()}

    def replace(self, **overrides: Any) -> "Settings":
        values, origins = dict(self._values), dict(self._origins)
        for name, value in overrides.items():
            known = setting(name).name
            values[known] = setting(known).parse(value, "code")
            origins[known] = "code"
        return Settings(values, origins)

    # --- derived places: the one spot where a folder or URL left empty gets its default under data_dir

    @property
    def data_path(self) -> Path:
        return Path(self._values["data_dir"])

    def _under_data(self, name: str, default: str) -> Path:
        value = self._values[name]
        return Path(value) if value else self.data_path / default

    @property
    def sqlite_file(self) -> Path:
        """The embedded post store's file."""
        return self._under_data("sqlite_path", "posts.db")

    @property
    def spool_path(self) -> Path:
        return self._under_data("spool_dir", "spool")

    @property
    def evidence_path(self) -> Path:
        return self._under_data("evidence_dir", "evidence")

    @property
    def audit_anchor_path(self) -> Path:
        return self._under_data("audit_anchor_file", "audit-anchor/audit-heads.jsonl")

    @property
    def publish_path(self) -> Path:
        return self._under_data("publish_dir", "published")

    @property
    def templates_path(self) -> Path:
        """The press templates: ``press_templates_dir``, or the bundled ``press_templates/``."""
        return self._under_data("press_templates_dir", "") if self._values["press_templates_dir"] else BUNDLED_TEMPLATES

    @property
    def state_url(self) -> str:
        """The state database's SQLAlchemy URL (a SQLite file under data_dir unless set)."""
        return self._values["state_db_url"] or f"sqlite:///{(self.data_path / 'state.db').resolve()}"

    @property
    def profile_file(self) -> Path:
        """The county profile: empty means the shipped Qu County profile; a relative path is looked up in the
        working folder first, then among the profiles shipped in ``core/`` (e.g. ``profiles/qu_county.toml``)."""
        configured = str(self._values["profile"] or "").strip()
        if not configured:
            return SHIPPED_PROFILES / "qu_county.toml"
        path = Path(configured)
        if path.is_absolute() or path.exists():
            return path
        shipped = CORE_DIR / path
        return shipped if shipped.exists() else path


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ConfigurationError(f"cannot read config file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"config file {path} is not UTF-8 text") from None
    data = parse_toml(text, f"config file {path}")
    flat = dict(data.pop("yuqing", {})) if isinstance(data.get("yuqing"), dict) else {}
    flat.update({k: v for k, v in data.items() if not isinstance(v, dict)})
    return flat


def load_settings(config_file: str | Path | None = None, environ: Mapping[str, str] | None = None,
                  overrides: Mapping[str, Any] | None = None) -> Settings:
    """Resolve every setting. ``config_file`` None means ``$YUQING_CONFIG`` or ``./yuqing.toml`` if present."""
    environ = os.environ if environ is None else environ
    values = {s.name: s.default for s in SETTINGS}
    origins = {s.name: "default" for s in SETTINGS}
    path = Path(config_file) if config_file else Path(environ.get("YUQING_CONFIG", "yuqing.toml"))
    if config_file or path.exists():
        for name, value in _read_config_file(path).items():
            known = setting(name).name if RENAMED.get(name, name) in _BY_NAME else _unknown(name, path)
            values[known] = setting(known).parse(value, str(path))
            origins[known] = str(path)
    for old, new in RENAMED.items():
        variable = "YUQING_" + old.upper()
        if variable in environ and setting(new).env_var not in environ:
            values[new] = setting(new).parse(environ[variable], variable)
            origins[new] = variable
    for s in SETTINGS:
        if s.env_var in environ:
            values[s.name] = s.parse(environ[s.env_var], s.env_var)
            origins[s.name] = s.env_var
    for name, value in (overrides or {}).items():
        known = setting(name).name
        values[known] = setting(known).parse(value, "the command line")
        origins[known] = "command line"
    return Settings(values, origins)


def env_text(value: Any) -> str:
    """A setting's value spelled as its ``YUQING_*`` environment variable (``Setting.parse`` reads it back),
    so a subprocess started with it sees exactly the settings of its parent."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _unknown(name: str, path: Path) -> Any:
    raise ConfigurationError(f"config file {path}: unknown setting '{name}' (see `yuqing settings`)")


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """``["name=value", ...]`` from ``--set`` flags."""
    result = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ConfigurationError(f"--set {pair!r}: expected name=value")
        result[setting(name.strip()).name] = value
    return result
