"""A transformers sequence classifier: a small BERT trained from scratch on a character vocabulary built
from the data, or a local checkpoint (a downloaded Chinese BERT/RoBERTa folder) fine-tuned with ``base``.

Everything loads from local folders only (``local_files_only``): yuqing never fetches weights at run time.
"""

from __future__ import annotations

import logging
import math
import random
from collections import Counter
from pathlib import Path
from typing import Sequence

import numpy as np

from core.errors import ConfigurationError
from nlp.classifiers import prepare
from nlp.models import Manifest

log = logging.getLogger(__name__)
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
SMALL_BERT = {"hidden_size": 192, "num_hidden_layers": 3, "num_attention_heads": 4, "intermediate_size": 512}
MAX_LEN = 128


def _torch():
    import torch

    # The machine is shared and has two cores: never take more than two threads.
    torch.set_num_threads(min(2, torch.get_num_threads()))
    return torch


def build_vocabulary(texts: Sequence[str], min_count: int = 2, max_size: int = 8000) -> list[str]:
    """Special tokens, then characters seen at least ``min_count`` times, most frequent first, then ASCII
    letters and digits as word pieces so that English words are spelled rather than unknown."""
    counts = Counter(ch.lower() for text in texts for ch in text if not ch.isspace())
    chars = [ch for ch, n in counts.most_common(max_size) if n >= min_count]
    ascii_pieces = [f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
    return list(dict.fromkeys([*SPECIAL, *chars, *"abcdefghijklmnopqrstuvwxyz0123456789", *ascii_pieces]))


def _new_model(vocabulary: list[str], folder: Path):
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    vocab_file = folder / "vocab.txt"
    vocab_file.write_text("\n".join(vocabulary) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab_file), do_lower_case=True, tokenize_chinese_chars=True)
    config = BertConfig(vocab_size=len(vocabulary), max_position_embeddings=MAX_LEN + 2, num_labels=2,
                        pad_token_id=0, **SMALL_BERT)
    return tokenizer, BertForSequenceClassification(config)


def _base_model(base: Path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    if not (base / "config.json").is_file():
        raise ConfigurationError(f"checkpoint folder {base} has no config.json: give a local BERT/RoBERTa folder")
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(str(base), num_labels=2, local_files_only=True,
                                                                   ignore_mismatched_sizes=True)
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"checkpoint folder {base} cannot be loaded: {error}") from None
    return tokenizer, model


def fit_transformer(task: str, train, out: Path, *, base: str | Path | None = None, epochs: int | None = None,
                    batch_size: int = 32, seed: int = 13) -> "TransformerClassifier":
    """Fine-tune ``base`` or train a small BERT from scratch; the weights are written by ``save``."""
    torch = _torch()
    torch.manual_seed(seed)
    random.seed(seed)
    texts, _ = prepare([r.text for r in train])
    labels = [r.label for r in train]
    if base:
        tokenizer, model = _base_model(Path(base))
        lr, epochs, name = 3e-5, epochs or 2, f"{task}-bert-finetuned"
    else:
        tokenizer, model = _new_model(build_vocabulary(texts), out)
        lr, epochs, name = 5e-4, epochs or 4, f"{task}-bert-small"
    _train_loop(torch, model, tokenizer, texts, labels, lr=lr, epochs=epochs, batch_size=batch_size)
    config = {"max_len": MAX_LEN, "epochs": epochs, "lr": lr, "base": str(base) if base else "",
              "architecture": model.config.model_type, "hidden_size": model.config.hidden_size,
              "layers": model.config.num_hidden_layers}
    manifest = Manifest(task=task, kind="transformer", name=name, version=_version(), config=config,
                        files=("config.json", "model.safetensors"))
    return TransformerClassifier(manifest, tokenizer, model)


def _version() -> str:
    from nlp.train import _version as version

    return version()


def _train_loop(torch, model, tokenizer, texts, labels, *, lr, epochs, batch_size) -> None:
    counts = Counter(labels)
    # Balance the loss so that the rarer label (rumours) is not ignored.
    weight = torch.tensor([len(labels) / (2 * max(1, counts[k])) for k in (0, 1)], dtype=torch.float)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    order = list(range(len(texts)))
    steps = epochs * math.ceil(len(order) / batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, 1 - s / steps))
    # Batches of texts of similar length (shuffled as batches) waste little time on padding.
    order.sort(key=lambda i: len(texts[i]))
    batches = [order[start:start + batch_size] for start in range(0, len(order), batch_size)]
    model.train()
    for epoch in range(epochs):
        random.shuffle(batches)
        total = 0.0
        for batch in batches:
            encoded = tokenizer([texts[i] for i in batch], truncation=True, max_length=MAX_LEN, padding=True,
                                return_tensors="pt")
            logits = model(**encoded).logits
            loss = loss_fn(logits, torch.tensor([labels[i] for i in batch]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            total += float(loss.detach()) * len(batch)
        log.info("epoch %d/%d: loss %.4f", epoch + 1, epochs, total / max(1, len(order)))
    model.eval()


class TransformerClassifier:
    """A BertForSequenceClassification (or any sequence classifier) with its tokenizer."""

    def __init__(self, manifest: Manifest, tokenizer, model, batch_size: int = 64):
        self.manifest = manifest
        self.tokenizer = tokenizer
        self.model = model
        self.batch_size = batch_size

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        torch = _torch()
        body, readable = prepare(texts)
        result = np.full(len(body), 0.5)
        # Batches of similar length waste less time on padding.
        order = sorted((i for i in range(len(body)) if readable[i]), key=lambda i: len(body[i]))
        with torch.no_grad():
            for start in range(0, len(order), self.batch_size):
                batch = order[start:start + self.batch_size]
                encoded = self.tokenizer([body[i] for i in batch], truncation=True, max_length=MAX_LEN,
                                         padding=True, return_tensors="pt")
                proba = torch.softmax(self.model(**encoded).logits, dim=-1)[:, 1].numpy()
                result[batch] = proba
        return result

    def save(self, folder: Path) -> None:
        self.model.save_pretrained(str(folder), safe_serialization=True)
        self.tokenizer.save_pretrained(str(folder))

    @classmethod
    def load(cls, folder: Path, manifest: Manifest) -> "TransformerClassifier":
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        _torch()
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
            model = AutoModelForSequenceClassification.from_pretrained(str(folder), local_files_only=True)
        except (OSError, ValueError) as error:
            raise ConfigurationError(f"transformer model in {folder} cannot be loaded: {error}") from None
        model.eval()
        return cls(manifest, tokenizer, model)
