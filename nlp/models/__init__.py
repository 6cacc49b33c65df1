"""Model folders: weights plus a manifest (task, kind, name, version, format version, figures).

A folder is written by ``save_manifest`` after the weights and read back by ``nlp.classifiers.load_classifier``.
A missing folder or file raises ``ConfigurationError`` naming the path; a folder written in another format
raises ``VersionMismatch`` naming the version this yuqing reads. The models that ship with yuqing are folders
beside this file (``nlp/models/<task>`` and ``nlp/models/<task>-<kind>``): package data, not code.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core.errors import ConfigurationError, VersionMismatch

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TASKS = ("sentiment", "rumour", "neutral")       # binary text classifiers (neutral: 1 = 中性)
# Tasks whose models are not binary text classifiers: incident types (multi-label) read by nlp.incident.
OTHER_TASKS = ("incident",)
KINDS = ("classical", "transformer", "snownlp", "crowd", "multilabel")
SHIPPED_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Manifest:
    """What a model folder holds. ``version`` changes whenever the weights do."""

    task: str                     # sentiment | rumour | incident
    kind: str                     # classical | transformer | snownlp | crowd | multilabel
    name: str                     # e.g. "sentiment-charngram-lr"
    version: str                  # e.g. "2026.11.1"
    format_version: int = FORMAT_VERSION
    files: tuple[str, ...] = ()   # weight files that must be present beside the manifest
    config: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    training_data: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``name@version``: what an enriched post records."""
        return f"{self.name}@{self.version}"


def new_version(at: datetime | None = None) -> str:
    """The version of weights written at ``at`` (now by default): ``YYYY.MM.DD.HHMM`` in UTC, so that versions
    sort by age."""
    return (at or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y.%m.%d.%H%M")


def save_manifest(folder: Path, manifest: Manifest) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / MANIFEST
    data = asdict(manifest)
    data["files"] = list(manifest.files)
    data["training_data"] = list(manifest.training_data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def read_manifest(folder: str | Path, task: str | None = None) -> Manifest:
    """The folder's manifest, checked: format version, task, kind, and that every weight file exists."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not folder.is_dir():
        raise ConfigurationError(f"model folder {folder} does not exist (train one with `yuqing train`)")
    if not path.is_file():
        raise ConfigurationError(f"model folder {folder} has no {MANIFEST}: file {path} is missing")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigurationError(f"model manifest {path} cannot be read: {error}") from None
    found = data.get("format_version")
    if found != FORMAT_VERSION:
        raise VersionMismatch(f"model folder {folder} has format version {found!r}; this yuqing reads format "
                              f"version {FORMAT_VERSION}: retrain it with `yuqing train`")
    try:
        manifest = Manifest(task=data["task"], kind=data["kind"], name=data["name"], version=str(data["version"]),
                            format_version=found, files=tuple(data.get("files", ())),
                            config=dict(data.get("config", {})), metrics=dict(data.get("metrics", {})),
                            training_data=tuple(data.get("training_data", ())))
    except KeyError as error:
        raise ConfigurationError(f"model manifest {path} lacks the field {error.args[0]!r}") from None
    if manifest.kind not in KINDS:
        raise ConfigurationError(f"model manifest {path}: kind {manifest.kind!r} is not one of {', '.join(KINDS)}")
    if task and manifest.task != task:
        raise ConfigurationError(f"model folder {folder} holds a {manifest.task} model, not a {task} model")
    for name in manifest.files:
        if not (folder / name).is_file():
            raise ConfigurationError(f"model folder {folder} is incomplete: file {folder / name} is missing")
    return manifest


def shipped_model_dir(task: str, kind: str | None = None) -> Path:
    """The folder of a model that ships with yuqing: ``nlp/models/<task>`` (the default) or
    ``nlp/models/<task>-<kind>``."""
    return SHIPPED_DIR / (task if kind is None else f"{task}-{kind}")


def write_model_card(folder: Path, manifest: Manifest, notes: str = "") -> Path:
    """README.md beside the weights: what the model is, what it was trained on, and its held-out figures."""
    dev = manifest.metrics.get("dev", {})
    meaning = {"sentiment": "1 = positive, 0 = negative", "neutral": "1 = neutral, 0 = negative or positive"}.get(
        manifest.task, "1 = rumour, 0 = not a rumour")
    lines = [
        f"# {manifest.name} ({manifest.task}, {manifest.kind})", "",
        f"- version: `{manifest.version}` (format version {manifest.format_version}); an enriched post records "
        f"`{manifest.label}`",
        f"- output: the probability of label 1 ({meaning})",
        f"- training data: {', '.join(manifest.training_data) or 'not recorded'} (from `../shared/data`; no rows of "
        "it are kept here), train split only",
        f"- training rows: {manifest.metrics.get('train_rows', '?')}, time: {manifest.metrics.get('train_seconds', '?')} s "
        "on the 2-core development machine",
        f"- held-out dev split ({manifest.metrics.get('dev_split', 'a hash of each text')}), never trained on: "
        f"accuracy {dev.get('accuracy', 0):.3f}, macro-F1 {dev.get('macro_f1', 0):.3f}, n = {dev.get('n', 0)}",
        f"- configuration: `{json.dumps(manifest.config, ensure_ascii=False)}`",
    ]
    if manifest.task != "neutral":          # the neutral model is trained on our labels: its notes say how
        lines += ["", "Retrain: `yuqing train " + manifest.task + " --data FILE.tsv --out DIR"
                  + (" --kind transformer" if manifest.kind == "transformer" else "") + "`; measure: `yuqing eval "
                  + manifest.task + " --model DIR --data FILE.tsv`."]
    if notes:
        lines += ["", notes]
    path = folder / "README.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
