"""Tagging speed: the median time to tag a 5,000-word release (target < 5 ms), the time to
compile the tagger once, and the throughput over the shared corpus.

Two 5,000-word releases are timed. The *dense* one is made of this team's gold-set statements
(tests/gold) and the seed release, repeated and shuffled until it holds 5,000 words, so it is
dense with names and theme phrases (about 1,000 country, theme and role matches: a much harder
case than a real release). The *typical* one is real text: the GOV.UK Content API bodies of
../shared/corpus joined in file order, paragraph by paragraph, until they hold 5,000 words
(about 360 phrase matches, with the ellipses and the odd paragraph in Arabic script that real
text has); without the corpus, synthetic releases from bench/generate.py joined the same way.
The corpus throughput tags every text in ../shared/corpus: GOV.UK Content API items
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
from tagging.text import tokenize

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def long_release(words: int = 5000, seed: int = 7) -> str:
    texts = [
        item["text"]
        for path in sorted((ROOT / "tests" / "gold").glob("*.yaml"))
        if isinstance(data := yaml.safe_load(path.read_text("utf-8")), list)  # not the labels
        for item in data
        if isinstance(item, dict) and "text" in item
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


def typical_release(words: int = 5000) -> tuple[str, str]:
    """(where from, text): real GOV.UK bodies joined until `words`, or synthetic ones."""
    bodies = [text for _title, text in govuk_texts()]
    source = "GOV.UK Content API bodies from the corpus"
    if not bodies:
        from bench.generate import releases

        bodies = [r.text for r in releases(40, seed=11)]
        source = "synthetic releases (bench/generate.py; corpus absent)"
    paragraphs: list[str] = []
    count = used = 0
    for body in bodies:
        if count >= words:
            break
        used += 1
        for paragraph in body.strip().split("\n\n"):
            if count >= words:
                break
            paragraphs.append(paragraph)
            count += len(paragraph.split())
    return f"{used} {source}", "\n\n".join(paragraphs)


def govuk_texts() -> list[tuple[str, str]]:
    """(title, text) of the GOV.UK Content API items in the shared corpus (deskwatch's parser)."""
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
    return found


def corpus_texts() -> list[tuple[str, str]]:
    """(title, text) of every text in the shared corpus that the tagger would see."""
    found = govuk_texts()
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

    _time_release(tagger, "dense release (gold statements and the seed)", long_release(), runs)
    source, typical = typical_release()
    _time_release(tagger, f"typical release ({source})", typical, runs)
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

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


def _time_release(tagger: Tagger, name: str, text: str, runs: int) -> None:
    title = "UK and Japan: a long statement"
    tags = tagger.tag(text, title=title)  # warm caches (folding)
    matches = sum(len(found) for found in tagger.channels.scan(tokenize(text), text))
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        tagger.tag(text, title=title)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - t0) * 1000)
    print(
        f"{name}: {len(text.split())} words ({len(text)} chars, {matches} phrase matches, "
        f"{len(tags)} tags), {runs} runs (target < 5 ms):\n"
        f"  wall: median {statistics.median(wall):.2f} ms, p95 {percentile(wall, 95):.2f}, "
        f"min {min(wall):.2f}\n"
        f"  CPU:  median {statistics.median(cpu):.2f} ms, p95 {percentile(cpu, 95):.2f}, "
        f"min {min(cpu):.2f}"
    )


if __name__ == "__main__":
    main()
