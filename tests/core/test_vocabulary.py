"""The vocabulary names every code the code base uses, and a lookup never shows a raw code.

The completeness tests read the source (spiders, scenarios, the nlp lexicon, the workflow's audit calls, the
worker's job table ...) rather than a list kept beside them, so a new code without a Chinese name fails here."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

from core import crawl_health, vocabulary
from core.post import sentiment_label
from core.vocabulary import (ALERT_STATE_NAMES, AUDIT_ACTION_NAMES, CLOCK_NAMES, CLOCK_STAGE_NAMES,
                             CRAWL_VERDICT_NAMES, DELIVERY_STATUS_NAMES, ESCALATION_KIND_NAMES, ESCALATION_NAMES,
                             ESCALATION_STATUS_NAMES, ESCALATION_TARGET_NAMES, GRADE_NAMES, GRADES, INCIDENT_NAMES,
                             INCIDENT_TYPES, JOB_NAMES, JOB_OUTCOME_NAMES, KINDS, MASK_FINDING_NAMES,
                             NOTIFY_CHANNEL_NAMES, PERMISSION_NAMES, PLATFORM_NAMES, PLATFORMS,
                             PUBLISH_CHANNEL_NAMES, RELEASE_STATUS_NAMES, ROLE_NAMES, ROLES, SENTIMENT_NAMES,
                             TRIGGER_KINDS, WORKER_STATE_NAMES, action_name, actor_name, grade_label, grade_rank,
                             job_name, name_of)
from core.workflow import alerts as alert_module
from core.workflow import escalations as escalation_module
from core.workflow.access import Permission
from core.workflow.model import (AlertState, ClockKind, ClockStage, EscalationKind, EscalationStatus,
                                 EscalationTarget, ReleaseStatus, Role)

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _python_files(*folders: str):
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _assigned(name: str, *folders: str) -> list:
    """The literal values assigned to module-level ``name`` in any file under ``folders``."""
    values = []
    for path in _python_files(*folders):
        for node in _tree(path).body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AnnAssign) else []
            if any(isinstance(t, ast.Name) and t.id == name for t in targets) and node.value is not None:
                try:
                    values.append(ast.literal_eval(node.value))
                except ValueError:
                    pass                      # not a literal (e.g. an alias of the vocabulary's own table)
    return values


# --- the lookup


def test_every_kind_names_every_code_in_chinese():
    for kind, names in KINDS.items():
        assert names, kind
        for code, name in names.items():
            assert code and name and CJK.search(name), (kind, code, name)
            assert name_of(kind, code) == name


def test_unknown_and_empty_values_are_labelled_never_shown_bare():
    assert name_of("platform", "myspace") == "未知（myspace）"
    assert name_of("incident", None) == "—" and name_of("incident", "") == "—"
    assert name_of("incident", "食品安全") == "食品安全"          # already a name (older records stored names)
    assert name_of("alert_state", AlertState.UNDER_REVIEW) == "审核中"       # an enum member reads as its code
    with pytest.raises(KeyError):
        name_of("colour", "red")


def test_grades_in_order_with_labels():
    assert [grade_rank(g) for g in GRADES] == [0, 1, 2, 3]
    assert vocabulary.MAJOR_GRADES == ("II", "I")
    assert grade_label("II") == "II级（重大）" and grade_label("V") == "未知（V）" and grade_label(None) == "—"
    with pytest.raises(ValueError):
        grade_rank("V")


def test_people_and_jobs_get_names():
    names = {"spokesperson": "王芳"}
    assert actor_name("spokesperson", names) == "王芳"
    assert actor_name("system", names) == "系统" and actor_name("anonymous") == "未登录用户"
    assert actor_name("mallory", names) == "mallory（非系统用户）"
    assert job_name("crawl:weibo-search", "微博·关键词搜索") == "采集·微博·关键词搜索"
    assert job_name("enrich") == "研判与预警" and job_name("rebuild") == "未知（rebuild）"
    assert action_name("escalation.attach") == "添加移交附件"


def test_escalation_tables_do_not_overlap():
    parts = (ESCALATION_KIND_NAMES, ESCALATION_TARGET_NAMES, ESCALATION_STATUS_NAMES)
    assert sum(len(p) for p in parts) == len(ESCALATION_NAMES)


def test_the_vocabulary_imports_nothing_of_ours():
    ours = {"core", "nlp", "crawlers", "infra", "console", "bench", "tests"}
    for node in ast.walk(_tree(ROOT / "core" / "vocabulary.py")):
        if isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] not in ours, node.module
        elif isinstance(node, ast.Import):
            assert not {a.name.split(".")[0] for a in node.names} & ours


# --- completeness against the code that uses the codes


def test_the_workflow_enums_are_named():
    assert {str(r) for r in Role} == set(ROLES) == set(ROLE_NAMES)
    assert {str(s) for s in AlertState} == set(ALERT_STATE_NAMES)
    assert {str(k) for k in ClockKind} == set(CLOCK_NAMES)
    assert {str(s) for s in ClockStage} == set(CLOCK_STAGE_NAMES)
    assert {str(s) for s in ReleaseStatus} == set(RELEASE_STATUS_NAMES)
    assert {str(k) for k in EscalationKind} == set(ESCALATION_KIND_NAMES)
    assert {str(t) for t in EscalationTarget} == set(ESCALATION_TARGET_NAMES)
    assert {str(s) for s in EscalationStatus} == set(ESCALATION_STATUS_NAMES)
    assert {str(p) for p in Permission} == set(PERMISSION_NAMES)
    assert set(crawl_health.VERDICTS) == set(CRAWL_VERDICT_NAMES)
    assert set(GRADES) == set(GRADE_NAMES)


def test_every_incident_type_of_the_nlp_lexicon_is_named():
    lexicons = _assigned("LEXICON", "nlp")
    assert lexicons, "no LEXICON found under nlp/"
    found = {kind for lexicon in lexicons for kind in lexicon} | {"other"}
    assert found <= set(INCIDENT_TYPES) == set(INCIDENT_NAMES)


def test_every_platform_the_spiders_scenarios_and_profiles_use_is_named():
    found = set()
    setting = re.compile(r"""platform\s*=\s*["']([a-z_]+)["']""")
    for path in _python_files("crawlers", "infra/simweb", "bench"):
        found |= set(setting.findall(path.read_text(encoding="utf-8")))
    for path in sorted((ROOT / "infra" / "scenarios").glob("*.toml")):
        found |= set(setting.findall(path.read_text(encoding="utf-8")))
    for path in sorted((ROOT / "core" / "profiles").glob("*.toml")):
        found |= {source["spider"] for source in tomllib.loads(path.read_text(encoding="utf-8")).get("sources", [])}
    assert {"weibo", "news", "rss", "tieba", "gov_board"} <= found
    assert found <= set(PLATFORMS) == set(PLATFORM_NAMES), found - set(PLATFORMS)


def _literal_actions() -> set[str]:
    """String literals passed as the action to the audit log (``record``/``deny``) or to the services' helpers
    that pass it on, in core/workflow and the console."""
    callers = {"record": 1, "deny": 1, "_change": 2, "_edit": 3, "_open_session": 1, "_current": 3, "_fresh": 3}
    found = set()
    for path in _python_files("core/workflow", "console"):
        for node in ast.walk(_tree(path)):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            index = callers.get(name)
            if index is None or len(node.args) <= index:
                continue
            argument = node.args[index]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.add(argument.value)
    return found


def test_every_audit_action_of_the_workflow_and_console_is_named():
    literal = _literal_actions()
    assert {"login", "alert.raise", "escalation.attach", "evidence.build", "profile.update"} <= literal
    # Actions built as f"alert.{action}" / f"escalation.{action}" from the services' transition tables, and
    # refused permission checks, which are recorded under the permission's code.
    built = ({f"alert.{a}" for a in alert_module._TRANSITIONS} | {f"escalation.{a}" for a in escalation_module._FLOW}
             | {str(p) for p in Permission})
    missing = (literal | built) - set(AUDIT_ACTION_NAMES)
    assert not missing, f"audit actions without a Chinese name: {sorted(missing)}"


def test_the_mask_findings_are_named():
    source = (ROOT / "core" / "workflow" / "masking.py").read_text(encoding="utf-8")
    kinds = set(re.findall(r'"([a-z_]+)", (?:REPLACEMENTS|f")', source)) | set(_assigned("_KIND_ORDER", "core")[0])
    assert kinds and kinds <= set(MASK_FINDING_NAMES), kinds - set(MASK_FINDING_NAMES)


def test_the_worker_jobs_states_and_outcomes_are_named():
    source = "\n".join(p.read_text(encoding="utf-8") for p in _python_files("infra/worker"))
    jobs = set(re.findall(r'JobSpec\(\s*"([a-z_]+)"', source))
    assert "enrich" in jobs and jobs <= set(JOB_NAMES), jobs - set(JOB_NAMES)
    assert 'JobSpec(f"crawl:' in source.replace("JobSpec(f'crawl:", 'JobSpec(f"crawl:')
    for names in _assigned("OUTCOME_NAMES", "infra"):
        assert set(names) <= set(JOB_OUTCOME_NAMES)
    for names in _assigned("STATE_NAMES", "infra"):
        assert set(names) <= set(WORKER_STATE_NAMES)


def test_the_notification_codes_are_named():
    for kinds in _assigned("TRIGGER_KINDS", "infra"):
        assert set(kinds) <= set(TRIGGER_KINDS)
    for names in _assigned("STATUS_NAMES", "infra/notify"):
        assert set(names) <= set(DELIVERY_STATUS_NAMES)
    for kinds in _assigned("WEBHOOK_KINDS", "infra"):
        assert set(kinds) <= set(NOTIFY_CHANNEL_NAMES)
    assert "email" in NOTIFY_CHANNEL_NAMES
    source = "\n".join(p.read_text(encoding="utf-8") for p in _python_files("infra/publish"))
    channels = set(re.findall(r'^\s+name = "([a-z_]+)"', source, re.MULTILINE))
    assert channels and channels <= set(PUBLISH_CHANNEL_NAMES), channels


def test_sentiment_labels_are_named():
    assert {sentiment_label(x) for x in (0.0, 0.5, 1.0)} == set(SENTIMENT_NAMES)
