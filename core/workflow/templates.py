"""Press templates (``press_templates/``): Jinja2 files rendered from a documented context.

``press_templates/catalog.toml`` lists each template: file, Chinese title, kind (release / report /
letter), and its fields with a description; ``press_templates/samples/<name>.json`` is a sample context.
Rendering uses StrictUndefined, and a context missing fields is refused with one InvalidInput that lists
every missing field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping


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


class TemplateLibrary:
    def __init__(self, folder: Path | str):
        """Load ``catalog.toml`` from ``folder``; ConfigurationError naming the file if it is wrong."""
        raise NotImplementedError

    def list(self, kind: str | None = None) -> list[PressTemplate]:
        raise NotImplementedError

    def get(self, name: str) -> PressTemplate:
        """NotFound naming the known templates for an unknown name."""
        raise NotImplementedError

    def missing_fields(self, name: str, context: Mapping[str, Any]) -> list[str]:
        """Every field the template needs that the context lacks (declared and undeclared alike)."""
        raise NotImplementedError

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        """The rendered text; InvalidInput listing every missing field."""
        raise NotImplementedError

    def sample_context(self, name: str) -> dict[str, Any]:
        raise NotImplementedError
