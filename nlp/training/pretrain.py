"""Pre-training a small Chinese encoder (BERT, masked-language objective) on a character vocabulary built from
the corpus (``nlp.training.corpus``), resumable from the checkpoint it writes every ``save_every`` steps.

The output folder holds the work files (``corpus.txt``, ``heldout.txt``, ``ids.npz``, ``checkpoint.pt``) and,
when a run ends (all steps done, the time budget spent, or Ctrl-C), ``base/``: the encoder in float16 with its
tokenizer, ``pretrain.json`` (configuration, data, steps, throughput, loss curve) and the model card. Running
the same command again resumes from the checkpoint: same data order, same schedule.

torch and transformers are the ``train`` extra: imported inside the functions, never by the runtime.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from core.errors import ConfigurationError, InvalidInput
from nlp.classifiers.transformer import MAX_LEN, load_torch
from nlp.training.corpus import build_corpus, read_lines
from nlp.training.pretrain_card import write_base_card
from nlp.training.transformer import SMALL_BERT, build_vocabulary

log = logging.getLogger(__name__)
CHECKPOINT = "checkpoint.pt"
MASK_SHARE = 0.15


@dataclass
class PretrainConfig:
    steps: int = 6000
    batch_size: int = 64
    max_len: int = 64                  # tokens per post while pre-training (most posts are shorter)
    lr: float = 5e-4
    warmup_share: float = 0.05
    vocab_min_count: int = 5
    vocab_max_size: int = 6000
    save_every: int = 200
    eval_every: int = 500
    max_minutes: float = 0.0           # 0: no time budget
    seed: int = 13
    threads: int = 1                   # the development machine is 2 cores shared by many
    model: dict = field(default_factory=lambda: dict(SMALL_BERT))


@dataclass
class TrainState:
    step: int = 0
    tokens: int = 0
    seconds: float = 0.0
    loss_curve: list = field(default_factory=list)      # [step, mean loss of the last log interval]
    heldout: list = field(default_factory=list)         # [step, loss, masked-token accuracy]
    corpus: dict = field(default_factory=dict)


def prepare_corpus(sources: Sequence[str | Path], out: Path, config: PretrainConfig):
    """Corpus lines, vocabulary, tokenizer and token ids, built once and reused when a run resumes."""
    from transformers import BertTokenizerFast   # the train extra: see the module docstring

    train_file, heldout_file, vocab_file = out / "corpus.txt", out / "heldout.txt", out / "vocab.txt"
    stats_file = out / "corpus.json"
    if not stats_file.is_file():
        if not sources:
            raise InvalidInput("give the corpus files with --data (TSV with a 'text' column, .gz allowed)",
                               field="data")
        stats = build_corpus(sources, train_file, heldout_file)
        stats_file.write_text(json.dumps({**stats.as_dict(), "sources": [Path(s).name for s in sources]},
                                         ensure_ascii=False, indent=1), encoding="utf-8")
    texts = read_lines(train_file)
    if not vocab_file.is_file():
        vocabulary = build_vocabulary(texts, config.vocab_min_count, config.vocab_max_size)
        vocab_file.write_text("\n".join(vocabulary) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab_file), do_lower_case=True, tokenize_chinese_chars=True)
    ids_file = out / "ids.npz"
    if not ids_file.is_file():
        flat, offsets = _encode(tokenizer, texts, config.max_len)
        np.savez(ids_file, flat=flat, offsets=offsets)
    with np.load(ids_file) as data:
        flat, offsets = data["flat"], data["offsets"]
    heldout = _encode(tokenizer, read_lines(heldout_file), config.max_len)
    corpus = json.loads(stats_file.read_text(encoding="utf-8"))
    return tokenizer, (flat, offsets), heldout, corpus


def _encode(tokenizer, texts: list[str], max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """All texts' token ids ([CLS] ... [SEP], at most ``max_len``) end to end, and where each starts."""
    pieces, offsets = [], [0]
    for start in range(0, len(texts), 10000):
        for ids in tokenizer(texts[start:start + 10000], truncation=True, max_length=max_len)["input_ids"]:
            pieces.append(np.asarray(ids, dtype=np.int32))
            offsets.append(offsets[-1] + len(ids))
    flat = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)
    return flat, np.asarray(offsets, dtype=np.int64)


def batch_order(lengths: np.ndarray, batch_size: int, epoch: int, seed: int) -> list[np.ndarray]:
    """One epoch's batches: shuffled, grouped by length within windows of 50 batches (little padding), the
    batches shuffled again. The same for the same epoch and seed, so a resumed run sees the same data."""
    rng = np.random.default_rng(seed + epoch)
    order = rng.permutation(len(lengths))
    window = batch_size * 50
    batches = []
    for start in range(0, len(order), window):
        chunk = order[start:start + window]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def collate(torch, ids: tuple[np.ndarray, np.ndarray], rows: np.ndarray, tokenizer, generator):
    """Padded inputs with 15% of the tokens masked (80% [MASK], 10% a random token, 10% kept) and the labels
    (-100 where nothing is to be predicted)."""
    flat, offsets = ids
    width = int(max(offsets[r + 1] - offsets[r] for r in rows))
    input_ids = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        input_ids[i, :offsets[r + 1] - offsets[r]] = torch.from_numpy(flat[offsets[r]:offsets[r + 1]].astype(np.int64))
    attention = (input_ids != tokenizer.pad_token_id).long()
    special = (input_ids == tokenizer.cls_token_id) | (input_ids == tokenizer.sep_token_id) | (attention == 0)
    chosen = (torch.rand(input_ids.shape, generator=generator) < MASK_SHARE) & ~special
    labels = torch.where(chosen, input_ids, torch.full_like(input_ids, -100))
    action = torch.rand(input_ids.shape, generator=generator)
    masked = input_ids.clone()
    masked[chosen & (action < 0.8)] = tokenizer.mask_token_id
    swap = chosen & (action >= 0.8) & (action < 0.9)
    masked[swap] = torch.randint(5, len(tokenizer), (int(swap.sum()),), generator=generator)
    return {"input_ids": masked, "attention_mask": attention}, labels


def _new_encoder(tokenizer, config: PretrainConfig):
    from transformers import BertConfig, BertForMaskedLM   # the train extra: see the module docstring

    bert = BertConfig(vocab_size=len(tokenizer), max_position_embeddings=MAX_LEN + 2, pad_token_id=0,
                      **config.model)
    return BertForMaskedLM(bert)


def _schedule(torch, optimizer, config: PretrainConfig):
    from transformers import get_linear_schedule_with_warmup   # the train extra: see the module docstring

    return get_linear_schedule_with_warmup(optimizer, max(1, int(config.steps * config.warmup_share)),
                                           config.steps)


def masked_loss(torch, model, inputs, labels):
    """Cross-entropy at the masked positions only: the prediction head (hidden x vocabulary) runs on 15% of
    the tokens instead of all of them, about half the work of the whole step at this model size."""
    hidden = model.bert(**inputs).last_hidden_state
    target = labels != -100
    logits = model.cls(hidden[target])
    return torch.nn.functional.cross_entropy(logits, labels[target])


def heldout_figures(torch, model, tokenizer, heldout, batch_size: int = 64) -> tuple[float, float]:
    """Masked-language loss and masked-token accuracy on the held-out texts, with a fixed masking."""
    generator = torch.Generator().manual_seed(0)
    rows = np.arange(len(heldout[1]) - 1)
    total_loss = correct = count = 0.0
    model.eval()
    with torch.no_grad():
        for start in range(0, len(rows), batch_size):
            inputs, labels = collate(torch, heldout, rows[start:start + batch_size], tokenizer, generator)
            target = labels != -100
            logits = model.cls(model.bert(**inputs).last_hidden_state[target])
            n = int(target.sum())
            total_loss += float(torch.nn.functional.cross_entropy(logits, labels[target])) * n
            correct += float((logits.argmax(-1) == labels[target]).sum())
            count += n
    model.train()
    return (total_loss / count, correct / count) if count else (0.0, 0.0)


def _save_checkpoint(torch, out: Path, model, optimizer, schedule, state: TrainState, config: PretrainConfig):
    payload = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(),
               "state": json.dumps(asdict(state)), "config": json.dumps(asdict(config))}
    partial = out / (CHECKPOINT + ".partial")
    torch.save(payload, partial)
    partial.replace(out / CHECKPOINT)        # a crash mid-write leaves the previous checkpoint whole


def _load_checkpoint(torch, out: Path, model, optimizer, schedule, config: PretrainConfig) -> TrainState:
    path = out / CHECKPOINT
    if not path.is_file():
        return TrainState()
    payload = torch.load(path, weights_only=True)
    saved = json.loads(payload["config"])
    if saved.get("model") != config.model or saved.get("batch_size") != config.batch_size:
        raise ConfigurationError(f"checkpoint {path} was written with another model or batch size "
                                 f"({saved.get('model')}, batch {saved.get('batch_size')}): use another --out")
    model.load_state_dict(payload["model"])
    optimizer.load_state_dict(payload["optimizer"])
    schedule.load_state_dict(payload["schedule"])
    return TrainState(**json.loads(payload["state"]))


def pretrain(sources: Sequence[str | Path], out: str | Path, config: PretrainConfig | None = None,
             progress: bool = True) -> TrainState:
    """Pre-train (or resume) into ``out``; writes ``out/base`` when the run ends. Returns the final state."""
    config = config or PretrainConfig()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    torch = load_torch()
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    tokenizer, ids, heldout, corpus = prepare_corpus(sources, out, config)
    model = _new_encoder(tokenizer, config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.01)
    schedule = _schedule(torch, optimizer, config)
    state = _load_checkpoint(torch, out, model, optimizer, schedule, config)
    state.corpus = corpus
    if state.step:
        log.info("resuming from step %d of %d (%s)", state.step, config.steps, out / CHECKPOINT)
    try:
        _run(torch, model, tokenizer, ids, heldout, optimizer, schedule, state, config, out, progress)
    finally:
        _save_checkpoint(torch, out, model, optimizer, schedule, state, config)
        loss, accuracy = heldout_figures(torch, model, tokenizer, heldout)
        if not state.heldout or state.heldout[-1][0] != state.step:
            state.heldout.append([state.step, round(loss, 4), round(accuracy, 4)])
        export_base(model, tokenizer, out / "base", state, config)
    return state


def _run(torch, model, tokenizer, ids, heldout, optimizer, schedule, state: TrainState, config: PretrainConfig,
         out: Path, progress: bool) -> None:
    from tqdm import tqdm   # comes with transformers (the train extra)

    lengths = np.diff(ids[1])
    epoch_batches, epoch = None, -1
    # ``seconds`` counts every run of this folder; the time budget counts this run only.
    run_started = time.monotonic()
    started, window_loss, window_steps = run_started - state.seconds, 0.0, 0
    bar = tqdm(total=config.steps, initial=state.step, unit="step", disable=not progress, desc="预训练")
    model.train()
    while state.step < config.steps:
        if config.max_minutes and time.monotonic() - run_started > config.max_minutes * 60:
            log.info("time budget of %.0f minutes spent at step %d", config.max_minutes, state.step)
            break
        per_epoch = -(-len(lengths) // config.batch_size)
        if state.step // per_epoch != epoch:
            epoch = state.step // per_epoch
            epoch_batches = batch_order(lengths, config.batch_size, epoch, config.seed)
        rows = epoch_batches[state.step % per_epoch]
        generator = torch.Generator().manual_seed(config.seed * 1_000_003 + state.step)
        inputs, labels = collate(torch, ids, rows, tokenizer, generator)
        loss = masked_loss(torch, model, inputs, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        state.step += 1
        state.tokens += int(inputs["attention_mask"].sum())
        state.seconds = time.monotonic() - started
        window_loss, window_steps = window_loss + float(loss.detach()), window_steps + 1
        bar.update(1)
        bar.set_postfix(loss=f"{float(loss.detach()):.3f}", tok_s=f"{state.tokens / max(state.seconds, 1e-9):.0f}")
        if state.step % 50 == 0:
            state.loss_curve.append([state.step, round(window_loss / window_steps, 4)])
            window_loss, window_steps = 0.0, 0
        if state.step % config.eval_every == 0:
            loss_h, accuracy = heldout_figures(torch, model, tokenizer, heldout)
            state.heldout.append([state.step, round(loss_h, 4), round(accuracy, 4)])
        if state.step % config.save_every == 0:
            _save_checkpoint(torch, out, model, optimizer, schedule, state, config)
    bar.close()


def export_base(model, tokenizer, folder: Path, state: TrainState, config: PretrainConfig) -> Path:
    """The encoder in float16 (half the bytes; fine-tuning reads it back as float32), its tokenizer,
    ``pretrain.json`` and the model card."""
    import copy

    folder.mkdir(parents=True, exist_ok=True)
    half = copy.deepcopy(model).half()
    half.save_pretrained(str(folder), safe_serialization=True)
    tokenizer.save_pretrained(str(folder))
    figures = {"config": asdict(config), **asdict(state),
               "tokens_per_second": round(state.tokens / state.seconds, 1) if state.seconds else 0.0,
               "parameters": sum(p.numel() for p in model.parameters()), "vocab_size": len(tokenizer)}
    (folder / "pretrain.json").write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    write_base_card(folder, figures)
    return folder
