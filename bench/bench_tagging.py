"""Tagging speed: the median time to tag a 5,000-word release (target < 5 ms), the time to
compile the tagger once, and the throughput over the shared corpus.

The 5,000-word release is made of this team's gold-set statements (tests/gold) and the seed
release, repeated and shuffled until it holds 5,000 words, so it is dense with names and theme
phrases (about 1,000 country, theme and role matches: a much harder case than a typical
release). The corpus throughput tags every text in ../shared/corpus: GOV.UK Content API items
(through deskwatch's own GOV.UK parser) and the FCDO travel-advice versions. Times are wall
(perf_counter) and CPU (process_time: on a shared machine the wall time also counts waiting for
a core). BENCH_RUNS changes the number of timed runs (default 200).
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
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        tags = tagger.tag(text, title="UK and Japan: a long statement")
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - t0) * 1000)
    print(
        f"tag one release of {words} words ({len(text)} chars, {len(tags)} tags), {runs} runs "
        f"(target < 5 ms):\n"
        f"  wall: median {statistics.median(wall):.2f} ms, p95 {percentile(wall, 95):.2f}, "
        f"min {min(wall):.2f}\n"
        f"  CPU:  median {statistics.median(cpu):.2f} ms, p95 {percentile(cpu, 95):.2f}, "
        f"min {min(cpu):.2f}\n"
        f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )

    texts = corpus_texts()
    if not texts:
        print(f"corpus absent ({CORPUS}): no throughput figure")
        return
    title, body = max(texts, key=lambda tx: len(tx[1]))
    largest = []
    for _ in range(min(runs, 50)):
        c0 = time.process_time()
        tagger.tag(body, title=title)
        largest.append((time.process_time() - c0) * 1000)
    print(
        f"largest real text in the corpus ({len(body.split())} words): "
        f"median {statistics.median(largest):.2f} ms CPU, p95 {percentile(largest, 95):.2f}"
    )
    chars = sum(len(t) + len(x) for t, x in texts)
    corpus_words = sum(len(x.split()) for _t, x in texts)
    passes = []
    for _ in range(5):
        t0, c0 = time.perf_counter(), time.process_time()
        for title, body in texts:
            tagger.tag(body, title=title)
        passes.append((time.perf_counter() - t0, time.process_time() - c0))
    elapsed, cpu_s = (
        statistics.median(p[0] for p in passes),
        statistics.median(p[1] for p in passes),
    )
    print(
        f"corpus: {len(texts)} texts, {corpus_words:,} words, {chars / 1e6:.2f} MB; median of 5 "
        f"passes {elapsed * 1000:.0f} ms wall, {cpu_s * 1000:.0f} ms CPU: "
        f"{len(texts) / cpu_s:,.0f} texts/s, {corpus_words / cpu_s:,.0f} words/s (CPU)"
    )


if __name__ == "__main__":
    main()
