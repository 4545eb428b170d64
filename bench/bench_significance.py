""" "What moved" on one pair of texts of about 1,000 words each: the cost of the significance scorer
(diffing.significance) and of version triage (diffing.compare.version_diff, which classifies
with the same lexicon and details), per pair.

The pair is two consecutive real travel-advice versions from ../shared/corpus (Ukraine, 24 Feb
2022 05:00 and 06:40, 1,151 and 1,011 words) when the corpus is there, else two texts of the
same size put together from sentences written for this benchmark. The lexicon is compiled once
first (timed apart); then each function runs ROUNDS times on a fresh prepared text and the
median and best times are printed: "cold" with the per-sentence caches (diffing.memo) emptied
before each round, the figure to compare with the target, and "warm" with them kept (the same
pair again: what a sentence already seen costs). Target: under 20 ms per pair on the shared two-core machine.
BENCH_ROUNDS changes the number of rounds.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

from core.normalise import clean_text
from diffing import memo
from diffing.compare import Text, version_diff
from diffing.lexicon import load_lexicon
from diffing.significance import significance

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "fcdo-travel-advice-history"
PAIR = (
    "ukraine/summary/20220224T0500_585765b63.txt",
    "ukraine/summary/20220224T0640_b6e2fa94f.txt",
)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "50"))

_SENTENCES = [
    "The FCDO advises against all but essential travel to the northern region.",
    "British nationals should leave now while commercial options remain.",
    "The UK calls for humanitarian pauses to let aid reach civilians.",
    "The embassy in the capital is open to the public by appointment only.",
    "If you need help, call +44 20 7946 0000 or use the web contact form.",
    "Roads to the border may be closed at short notice and queues are long.",
    "We strongly condemn the attacks on civilian areas and infrastructure.",
    "The UK will continue to support Ruritania for as long as it takes.",
]


def synthetic_pair(words: int = 1000) -> tuple[str, str]:
    """Two texts of about `words` words: the second rewords, drops and adds sentences."""
    old, new, count, n = [], [], 0, 0
    while count < words:
        sentence = f"{_SENTENCES[n % len(_SENTENCES)]} Paragraph {n}."
        old.append(sentence)
        if n % 5 == 1:
            new.append(sentence.replace("all but essential travel", "all travel"))
        elif n % 7 != 3:
            new.append(sentence.replace("humanitarian pauses", "a sustainable ceasefire"))
        if n % 9 == 4:
            new.append(f"A curfew is in place in district {n}; stay indoors.")
        count += len(sentence.split())
        n += 1
    return "\n\n".join(old), "\n\n".join(new)


def texts() -> tuple[str, str, str]:
    paths = [CORPUS / p for p in PAIR]
    if all(p.is_file() for p in paths):
        old, new = (clean_text(p.read_text(encoding="utf-8")) for p in paths)
        return old, new, "corpus: " + " -> ".join(p.name for p in paths)
    old, new = synthetic_pair()
    return old, new, "synthetic (the corpus is absent)"


def timed(run: object, rounds: int, *, cold: bool = True) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each round."""
    times, cpus = [], []
    for _ in range(rounds):
        if cold:
            memo.clear()  # no sentence matched or diffed by an earlier round
        start, cpu = time.perf_counter(), time.process_time()
        run()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return times, cpus


def main() -> None:
    old, new, where = texts()
    start = time.perf_counter()
    lexicon = load_lexicon()
    compile_ms = (time.perf_counter() - start) * 1000
    significance(old, new, lexicon=lexicon)  # warm the caches of the tokeniser
    print(f"pair: {where}; {len(old.split())} and {len(new.split())} words")
    print(f"lexicon {lexicon.version}: read, validated and compiled in {compile_ms:.1f} ms (once)")
    moved = significance(Text(old), Text(new), lexicon=lexicon)
    print(f"moves: {len(moved.moves)}, headlines: {[m.label for m in moved.headlines()]}")
    for name, run in [
        ("significance", lambda: significance(Text(old), Text(new), lexicon=lexicon)),
        ("version_diff + triage", lambda: version_diff(Text(old), Text(new), None)),
    ]:
        for cold in (True, False):
            times, cpus = timed(run, ROUNDS, cold=cold)
            print(
                f"{name:22} {'cold' if cold else 'warm'} median {statistics.median(times):6.1f} ms"
                f" (CPU {statistics.median(cpus):5.1f} ms), best {min(times):6.1f} ms"
                f" ({ROUNDS} rounds)"
            )
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
