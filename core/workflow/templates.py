"""Press templates (``press_templates/``): Jinja2 files rendered from a documented context.

``press_templates/catalog.toml`` lists each template: file, Chinese title, kind (release / report /
letter), its required ``fields`` and ``optional`` fields, each with a description;
``press_templates/samples/<name>.json`` is a sample context. Rendering uses StrictUndefined, and a context
missing fields is refused with one InvalidInput that lists every missing field. A release template's
first line is a Markdown heading: it becomes the release title.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import jinja2
from jinja2 import meta

from core.errors import ConfigurationError, InvalidInput, NotFound
from core.markdown import escape_value
from core.tomltext import parse_toml

KINDS = ("release", "report", "letter")
# Release fields the workflow fills itself (ReleaseService.context_for); every other field of a release
# template is a verified fact the reviewer records and the draft form is pre-filled with.
AUTO_FILLED = frozenset({"county", "publisher", "school", "event_title", "grade", "grade_name", "release_time",
                         "first_release_title", "first_release_time"})
# Keys facts were recorded under before the facts form was built from the catalog, and the words people
# type for them: each is stored under the template field it means.
FACT_ALIASES = {"incident_time": "occurred_at", "time": "occurred_at", "事发时间": "occurred_at",
                "incident_place": "location", "place": "location", "事发地点": "location",
                "summary": "incident_summary", "基本情况": "incident_summary",
                "actions": "measures", "处置措施": "measures"}


def canonical_facts(facts: Mapping[str, Any]) -> dict[str, Any]:
    """``facts`` with every alias key stored under its template field (a field given by its own name wins)."""
    out: dict[str, Any] = {}
    for key, value in facts.items():
        field = FACT_ALIASES.get(key, key)
        if field != key and field in facts:
            continue
        out[field] = value
    return out


@dataclass(frozen=True)
class TemplateField:
    name: str
    description: str
    required: bool = True


@dataclass(frozen=True)
class PressTemplate:
    name: str                                # e.g. first_response
    title: str                               # e.g. 首次回应/情况通报
    kind: str                                # release / report / letter
    file: str
    fields: tuple[TemplateField, ...]

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


class TemplateLibrary:
    def __init__(self, folder: Path | str):
        """Load ``catalog.toml`` from ``folder``; ConfigurationError naming the file if it is wrong."""
        self.folder = Path(folder)
        catalog = self.folder / "catalog.toml"
        try:
            text = catalog.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigurationError(f"press template catalog {catalog} cannot be read: "
                                     f"{getattr(error, 'strerror', None) or error}") from None
        data = parse_toml(text, f"press template catalog {catalog}")
        self._templates = {t.name: t for t in (_entry(catalog, i, e) for i, e in enumerate(data.get("templates", [])))}
        options = dict(loader=jinja2.FileSystemLoader(str(self.folder)), autoescape=False,
                       undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                       lstrip_blocks=True)
        self.env = jinja2.Environment(**options)
        # Reports carry crawled titles into Markdown that is rendered: every value placed is escaped.
        self.report_env = jinja2.Environment(finalize=escape_value, **options)
        for template in self._templates.values():
            if not (self.folder / template.file).is_file():
                raise ConfigurationError(f"press template catalog {catalog}: template '{template.name}' names "
                                         f"file {template.file}, which does not exist in {self.folder}")

    def list(self, kind: str | None = None) -> list[PressTemplate]:
        return [t for t in self._templates.values() if kind is None or t.kind == kind]

    def get(self, name: str) -> PressTemplate:
        """NotFound naming the known templates for an unknown name."""
        try:
            return self._templates[name]
        except KeyError:
            raise NotFound(f"没有名为 {name!r} 的模板；可用模板：{'、'.join(self._templates)}。") from None

    def fact_fields(self) -> list[TemplateField]:
        """The fields of the release templates that verified facts supply (every field but those the
        workflow fills and structured lists of records), each once, in catalog order; required when any
        release template requires it."""
        seen: dict[str, TemplateField] = {}
        for template in self.list("release"):
            for field in template.fields:
                if field.name in AUTO_FILLED or "每项含" in field.description:
                    continue
                known = seen.get(field.name)
                if known is None or (field.required and not known.required):
                    seen[field.name] = TemplateField(field.name, (known or field).description, field.required)
        return list(seen.values())

    def missing_fields(self, name: str, context: Mapping[str, Any]) -> list[str]:
        """Every field the template needs that the context lacks (declared and undeclared alike)."""
        template = self.get(name)
        source = self.env.loader.get_source(self.env, template.file)[0]
        used = meta.find_undeclared_variables(self.env.parse(source))
        optional = {f.name for f in template.fields if not f.required}
        needed = list(template.required) + sorted(used - set(template.required) - optional - set(self.env.globals))
        return [field for field in needed if _absent(context.get(field))]

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        """The rendered text; InvalidInput listing every missing field."""
        template = self.get(name)
        missing = self.missing_fields(name, context)
        if missing:
            raise InvalidInput(f"模板“{template.title}”缺少字段：{'、'.join(missing)}。请补全后再生成。",
                               field=missing[0])
        full = {f.name: None for f in template.fields if not f.required}
        full.update(context)
        try:
            env = self.report_env if template.kind == "report" else self.env
            return env.get_template(template.file).render(full)
        except jinja2.UndefinedError as error:
            # A nested value is missing (e.g. an item of a list lacks a key).
            raise InvalidInput(f"模板“{template.title}”缺少字段：{error.message}。", field=None) from None
        except jinja2.TemplateError as error:
            raise ConfigurationError(f"press template {template.file} is broken: {error}") from None

    def sample_context(self, name: str) -> dict[str, Any]:
        path = self.folder / "samples" / f"{self.get(name).name}.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ConfigurationError(f"sample context {path} cannot be read: {error}") from None


def split_title(text: str) -> tuple[str, str]:
    """(title, body) of a rendered release: the first ``# `` heading line is the title."""
    lines = text.strip().splitlines()
    if lines and lines[0].startswith("# "):
        return lines[0][2:].strip(), "\n".join(lines[1:]).strip() + "\n"
    return "", text.strip() + "\n"


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _entry(catalog: Path, index: int, data: Mapping[str, Any]) -> PressTemplate:
    where = f"press template catalog {catalog}, [[templates]] #{index + 1}"
    for key in ("name", "title", "kind", "file"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ConfigurationError(f"{where}: '{key}' is required")
    if data["kind"] not in KINDS:
        raise ConfigurationError(f"{where}: kind must be one of {', '.join(KINDS)}")
    fields = [TemplateField(k, str(v), True) for k, v in dict(data.get("fields", {})).items()]
    fields += [TemplateField(k, str(v), False) for k, v in dict(data.get("optional", {})).items()]
    return PressTemplate(name=data["name"], title=data["title"], kind=data["kind"], file=data["file"],
                         fields=tuple(fields))
