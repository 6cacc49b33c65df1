"""Training a model folder: read labelled TSV files, hold out the dev split, fit a model, write the weights,
the manifest with the dev-split figures, and the model card."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Sequence

from core.errors import InvalidInput
from nlp.models import TASKS, Manifest, read_manifest, save_manifest, write_model_card
from nlp.training.classical import fit_classical
from nlp.training.data import DEV_FRACTION, Example, read_tsv, split
from nlp.training.evaluate import Scores, score
from nlp.training.onnx_export import export_onnx
from nlp.training.transformer import fit_transformer

log = logging.getLogger(__name__)
KINDS = ("classical", "transformer")


def train_model(task: str, data_files: Sequence[str | Path], out: str | Path, *, kind: str = "classical",
                base: str | Path | None = None, dev_fraction: float = DEV_FRACTION, epochs: int | None = None,
                max_rows: int | None = None, lr: float | None = None, extra_train: Sequence[Example] = (),
                extra_names: Sequence[str] = ()) -> tuple[Manifest, Scores]:
    """Train on the train split of every file, measure on their dev split, write the folder ``out``.
    ``extra_train`` rows (already held-out-free, e.g. our labelled posts' train split) join the training rows
    only; ``extra_names`` say what they are in the manifest."""
    if task not in TASKS:
        raise InvalidInput(f"task {task!r} is not one of {', '.join(TASKS)}", field="task")
    if kind not in KINDS:
        raise InvalidInput(f"kind {kind!r} is not 'classical' or 'transformer'", field="kind")
    rows = [row for path in data_files for row in read_tsv(path)]
    train, dev = split(rows, dev_fraction)
    if max_rows:
        train = train[:max_rows]
    if not dev:
        dev, train = train[-max(1, len(train) // 5):], train[:-max(1, len(train) // 5)]
    train = list(train) + list(extra_train)
    started = time.monotonic()
    log.info("training %s %s on %d rows, holding out %d", kind, task, len(train), len(dev))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if kind == "classical":
        classifier = fit_classical(task, train)
    else:
        classifier = fit_transformer(task, train, out, base=base, epochs=epochs, lr=lr)
    seconds = time.monotonic() - started
    dev_scores = score([r.label for r in dev], classifier.predict_proba([r.text for r in dev]))
    metrics = {"dev": dev_scores.as_dict(), "train_rows": len(train), "train_seconds": round(seconds, 1),
               "dev_split": f"md5(text) < {dev_fraction:.2f}, emoticons stripped"}
    manifest = Manifest(**{**classifier.manifest.__dict__, "metrics": metrics,
                           "training_data": tuple(Path(p).name for p in data_files) + tuple(extra_names)})
    classifier.manifest = manifest
    classifier.save(out)
    save_manifest(out, manifest)
    if kind == "transformer":
        export_onnx(out)                  # the runtime reads model.onnx; the manifest now lists it
        manifest = read_manifest(out, task)
    write_model_card(out, manifest)
    return manifest, dev_scores
