"""The pre-trained encoder's model card: README.md with the data, the steps, the throughput and the held-out
figures, and loss.png, the loss curve."""

from __future__ import annotations

from pathlib import Path


def plot_loss(folder: Path, figures: dict) -> Path | None:
    """loss.png: training loss per 50 steps and the held-out loss; None when there is nothing to draw."""
    curve, heldout = figures.get("loss_curve") or [], figures.get("heldout") or []
    if not curve:
        return None
    # matplotlib is imported late (a second): only when a card is written.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    ax.plot([c[0] for c in curve], [c[1] for c in curve], label="train (mean of 50 steps)")
    if heldout:
        ax.plot([h[0] for h in heldout], [h[1] for h in heldout], "o-", label="held-out texts")
    ax.set_xlabel("step")
    ax.set_ylabel("masked-language loss")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path = folder / "loss.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def write_base_card(folder: Path, figures: dict) -> Path:
    config, corpus = figures["config"], figures.get("corpus", {})
    heldout = figures.get("heldout") or [[0, 0.0, 0.0]]
    first = figures["loss_curve"][0][1] if figures.get("loss_curve") else float("nan")
    last = figures["loss_curve"][-1][1] if figures.get("loss_curve") else float("nan")
    plot = plot_loss(folder, figures)
    lines = [
        "# yuqing-bert-tiny-zh (pre-trained encoder, masked-language objective)", "",
        f"- architecture: BERT, {config['model']}, {figures['parameters']:,} parameters, stored in float16",
        f"- vocabulary: {figures.get('vocab_size', '?')} entries: characters seen at least "
        f"{config['vocab_min_count']} times in the corpus, plus ASCII letters and digits",
        f"- data: {', '.join(corpus.get('sources', [])) or '?'} (from `../shared/data`; no rows kept here): "
        f"{corpus.get('rows_read', 0):,} rows read, {corpus.get('bare_reposts', 0):,} bare reposts or empty "
        f"after cleaning dropped, {corpus.get('too_short', 0):,} too short, {corpus.get('duplicates', 0):,} "
        f"duplicates, {corpus.get('dev_texts', 0):,} dev-split texts kept out; "
        f"{corpus.get('kept', 0):,} distinct texts ({corpus.get('characters', 0):,} characters) trained on",
        f"- steps: {figures['step']:,} of {config['steps']:,} planned, batch {config['batch_size']}, at most "
        f"{config['max_len']} tokens a post, peak learning rate {config['lr']}; {figures['tokens']:,} tokens "
        f"in {figures['seconds']:.0f} s = {figures['tokens_per_second']:.0f} tokens/s "
        "(one torch thread on the shared 2-core development machine)",
        f"- training loss: {first:.3f} (first 50 steps) -> {last:.3f} (last 50 steps)",
        f"- held-out texts (dev split, never trained on): loss {heldout[-1][1]:.3f}, masked-token accuracy "
        f"{heldout[-1][2]:.3f} at step {heldout[-1][0]}",
        "",
        "Resume or extend: `yuqing pretrain --data FILE --out DIR --steps N` on the same DIR; fine-tune: "
        "`yuqing train TASK --data FILE.tsv --base DIR/base --out MODEL_DIR`.",
    ]
    if plot:
        lines += ["", "![loss curve](loss.png)"]
    path = folder / "README.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
