"""Tagging speed: the median time to tag a 5,000-word release (target < 5 ms), the time to
compile the tagger once, and the throughput over the shared corpus.

The 5,000-word release is made of this team's gold-set statements (tests/gold) and the seed
release, repeated and shuffled until it holds 5,000 words, so it is dense with names and theme
phrases (a harder case than a typical release). The corpus throughput tags every text in
../shared/corpus: GOV.UK Content API items (through deskwatch's own GOV.UK parser), the FCDO
travel-advice versions and the White House / GOV.UK news feed entries. BENCH_RUNS changes the
number of timed runs (default 200).
"""

from __future__ import annotations

import os
import random
import statistics
import time
from pathlib import Path

import yaml

from bench.measure import percentile
from tagging.tagger import Tagger
from tagging.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def long_release(words: int = 5000, seed: int = 7) -> str:
    texts = [
        item["text"]
        for path in sorted((ROOT / "tests" / "gold").glob("*.yaml"))
        for item in yaml.safe_load(path.read_text("utf-8"))
    ]
    texts += (ROOT / "seeds" / "releases").glob("*.txt").__next__().read_text("utf-8").split("\n\n")
    rng = random.Random(seed)
    paragraphs: list[str] = []
    count = 0
    while count < words:
        paragraph = rng.choice(texts).strip()
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    return "\n\n".join(paragraphs)


def corpus_texts() -> list[tuple[str, str]]:
    """(title, text) of every text in the shared corpus that the tagger would see."""
    found: list[tuple[str, str]] = []
    govuk = CORPUS / "govuk-content-api"
    if govuk.is_dir():
        from ingest.govuk import parse_content_item

        for path in sorted(govuk.glob("*.json")):
            if path.name in ("LABELS.json", "MANIFEST.json"):
                continue
            try:
                record = parse_content_item(path.read_bytes())
            except Exception:  # noqa: BLE001 - skip what the parser refuses
                continue
            found.append((record.title, record.text))
    advice = CORPUS / "fcdo-travel-advice-history"
    if advice.is_dir():
        for path in sorted(advice.rglob("*")):
            if path.is_file() and path.suffix not in (".json",):
                found.append(("", path.read_text("utf-8", errors="replace")))
    return found


def main() -> None:
    runs = int(os.environ.get("BENCH_RUNS", "200"))
    started = time.perf_counter()
    taxonomy = load_taxonomy()
    tagger = Tagger(taxonomy)
    compile_ms = (time.perf_counter() - started) * 1000
    print(f"compile: {compile_ms:.1f} ms (taxonomy {taxonomy.version}, once per process)")

    text = long_release()
    words = len(text.split())
    tagger.tag(text)  # warm caches (folding)
    times, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.thread_time()
        tags = tagger.tag(text, title="UK and Japan: a long statement")
        cpu.append((time.thread_time() - c0) * 1000)
        times.append((time.perf_counter() - t0) * 1000)
    print(
        f"tag one release of {words} words ({len(text)} chars, {len(tags)} tags), {runs} runs: "
        f"median {statistics.median(times):.2f} ms wall (min {min(times):.2f}, "
        f"p95 {percentile(times, 95):.2f}), median {statistics.median(cpu):.2f} ms CPU "
        f"(target < 5 ms); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )

    texts = corpus_texts()
    if not texts:
        print(f"corpus absent ({CORPUS}): no throughput figure")
        return
    title, body = max(texts, key=lambda tx: len(tx[1]))
    largest = []
    for _ in range(min(runs, 50)):
        c0 = time.thread_time()
        tagger.tag(body, title=title)
        largest.append((time.thread_time() - c0) * 1000)
    print(
        f"largest real text in the corpus ({len(body.split())} words): "
        f"median {statistics.median(largest):.2f} ms CPU"
    )
    chars = sum(len(t) + len(x) for t, x in texts)
    corpus_words = sum(len(x.split()) for _t, x in texts)
    t0 = time.perf_counter()
    for title, body in texts:
        tagger.tag(body, title=title)
    elapsed = time.perf_counter() - t0
    print(
        f"corpus: {len(texts)} texts, {corpus_words:,} words, {chars / 1e6:.2f} MB in "
        f"{elapsed * 1000:.0f} ms: {len(texts) / elapsed:,.0f} texts/s, "
        f"{corpus_words / elapsed:,.0f} words/s"
    )


if __name__ == "__main__":
    main()
