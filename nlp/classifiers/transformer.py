"""The transformer classifier on torch (the ``train`` extra): a sequence classifier (a small BERT or a
fine-tuned Chinese BERT/RoBERTa) with its tokenizer, read from a local model folder. The runtime runs the same
model exported to ONNX (``nlp.classifiers.onnx_runtime``); this class trains, exports and checks it.

Everything loads from local folders only (``local_files_only``): yuqing never fetches weights at run time.
torch and transformers are imported inside the functions that need them: together they take seconds to
import, and a process that never loads a transformer model (the console, the classical default) never pays.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from core.errors import ConfigurationError
from nlp.classifiers.base import prepare
from nlp.models import Manifest

MAX_LEN = 128          # tokens read of a post (its head says what it is about)
MAX_THREADS = 2


def load_torch():
    """torch, limited to ``MAX_THREADS`` threads: the machines yuqing runs on are shared and small."""
    # torch is imported late (seconds): see the module docstring.
    try:
        import torch
    except ImportError:
        raise ConfigurationError("torch is not installed: it comes with the training extra "
                                 "(pip install 'yuqing[train]'); the runtime runs transformer models exported "
                                 "to ONNX (yuqing export-onnx DIR)") from None

    torch.set_num_threads(min(MAX_THREADS, torch.get_num_threads()))
    return torch


class TransformerClassifier:
    """A BertForSequenceClassification (or any sequence classifier) with its tokenizer."""

    def __init__(self, manifest: Manifest, tokenizer, model, batch_size: int = 64):
        self.manifest = manifest
        self.tokenizer = tokenizer
        self.model = model
        self.batch_size = batch_size

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        torch = load_torch()
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
        load_torch()     # first: names the training extra when torch is missing
        # transformers is imported late (seconds): see the module docstring.
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
            model = AutoModelForSequenceClassification.from_pretrained(str(folder), local_files_only=True)
        except (OSError, ValueError) as error:
            raise ConfigurationError(f"transformer model in {folder} cannot be loaded: {error}") from None
        model.eval()
        return cls(manifest, tokenizer, model)
