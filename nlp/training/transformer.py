"""Training a transformer classifier: a small BERT from scratch on a character vocabulary built from the data,
or a local checkpoint (a downloaded Chinese BERT/RoBERTa folder) fine-tuned with ``base``.

The loop is plain PyTorch with transformers' parts: its linear warm-up schedule
(``get_linear_schedule_with_warmup``) and its length-grouped sampler (batches of similar length, shuffled, so
little time goes on padding). torch and transformers are imported inside the functions: seconds of import that
``yuqing train`` of a classical model never needs.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Sequence

from core.errors import ConfigurationError
from nlp.classifiers.base import prepare
from nlp.classifiers.transformer import MAX_LEN, TransformerClassifier, load_torch
from nlp.models import Manifest, new_version
from nlp.training.data import Example

log = logging.getLogger(__name__)
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
SMALL_BERT = {"hidden_size": 192, "num_hidden_layers": 3, "num_attention_heads": 4, "intermediate_size": 512}
WARMUP_SHARE = 0.1       # of all steps, the learning rate rises linearly before it decays linearly to 0


def build_vocabulary(texts: Sequence[str], min_count: int = 2, max_size: int = 8000) -> list[str]:
    """Special tokens, then characters seen at least ``min_count`` times, most frequent first, then ASCII
    letters and digits as word pieces so that English words are spelled rather than unknown."""
    counts = Counter(ch.lower() for text in texts for ch in text if not ch.isspace())
    chars = [ch for ch, n in counts.most_common(max_size) if n >= min_count]
    ascii_pieces = [f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
    return list(dict.fromkeys([*SPECIAL, *chars, *"abcdefghijklmnopqrstuvwxyz0123456789", *ascii_pieces]))


def _new_model(vocabulary: list[str], folder: Path):
    # transformers is imported late (seconds): see the module docstring.
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    vocab_file = folder / "vocab.txt"
    vocab_file.write_text("\n".join(vocabulary) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab_file), do_lower_case=True, tokenize_chinese_chars=True)
    config = BertConfig(vocab_size=len(vocabulary), max_position_embeddings=MAX_LEN + 2, num_labels=2,
                        pad_token_id=0, **SMALL_BERT)
    return tokenizer, BertForSequenceClassification(config)


def _base_model(base: Path):
    # transformers is imported late (seconds): see the module docstring.
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


def fit_transformer(task: str, train: Sequence[Example], out: Path, *, base: str | Path | None = None,
                    epochs: int | None = None, batch_size: int = 32, seed: int = 13,
                    lr: float | None = None) -> TransformerClassifier:
    """Fine-tune ``base`` or train a small BERT from scratch; the weights are written by ``save``. ``lr``
    overrides the peak learning rate (a small pre-trained encoder learns faster than a large one)."""
    torch = load_torch()
    torch.manual_seed(seed)
    texts, _ = prepare([r.text for r in train])
    labels = [r.label for r in train]
    if base:
        tokenizer, model = _base_model(Path(base))
        lr, epochs, name = lr or 3e-5, epochs or 2, f"{task}-bert-finetuned"
    else:
        tokenizer, model = _new_model(build_vocabulary(texts), out)
        lr, epochs, name = lr or 5e-4, epochs or 4, f"{task}-bert-small"
    _train_loop(torch, model, tokenizer, texts, labels, lr=lr, epochs=epochs, batch_size=batch_size, seed=seed)
    config = {"max_len": MAX_LEN, "epochs": epochs, "lr": lr, "base": str(base) if base else "",
              "architecture": model.config.model_type, "hidden_size": model.config.hidden_size,
              "layers": model.config.num_hidden_layers}
    manifest = Manifest(task=task, kind="transformer", name=name, version=new_version(), config=config,
                        files=("config.json", "model.safetensors"))
    return TransformerClassifier(manifest, tokenizer, model)


def _train_loop(torch, model, tokenizer, texts: list[str], labels: list[int], *, lr: float, epochs: int,
                batch_size: int, seed: int) -> None:
    # transformers is imported late (seconds): see the module docstring.
    from transformers import get_linear_schedule_with_warmup
    from transformers.trainer_pt_utils import LengthGroupedSampler

    counts = Counter(labels)
    # Balance the loss so that the rarer label (rumours) is not ignored.
    weight = torch.tensor([len(labels) / (2 * max(1, counts[k])) for k in (0, 1)], dtype=torch.float)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sampler = LengthGroupedSampler(batch_size, lengths=[len(t) for t in texts],
                                   generator=torch.Generator().manual_seed(seed))
    # The dataset is the row numbers; each batch is a list of them, in the sampler's order.
    loader = torch.utils.data.DataLoader(range(len(texts)), batch_size=batch_size, sampler=sampler, collate_fn=list)
    steps = epochs * len(loader)
    schedule = get_linear_schedule_with_warmup(optimizer, num_warmup_steps=max(1, int(steps * WARMUP_SHARE)),
                                               num_training_steps=steps)
    model.train()
    for epoch in range(epochs):
        total = 0.0
        for batch in loader:
            encoded = tokenizer([texts[i] for i in batch], truncation=True, max_length=MAX_LEN, padding=True,
                                return_tensors="pt")
            loss = loss_fn(model(**encoded).logits, torch.tensor([labels[i] for i in batch]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            total += float(loss.detach()) * len(batch)
        log.info("epoch %d/%d: loss %.4f", epoch + 1, epochs, total / max(1, len(texts)))
    model.eval()
