"""Generate CANDIDATE event-vocabulary entries from WordNet (developer tool, never used at run time).

For every single-word lemma of seeds/event_vocabulary.jsonl and seeds/verb_patterns.jsonl, look up
its first WordNet senses (Debian package `wordnet-base`, files in /usr/share/wordnet) and propose
the synonyms, direct hyponyms ("troponyms" for verbs) and derivationally related nouns/verbs that
the seeds do not have yet, with the CAMEO code of the seed lemma they came from. The output is a
TSV for review by hand (tools/vocabulary_candidates.tsv by default); nothing is written to seeds/.
Reviewed candidates go into seeds/event_vocabulary.jsonl with an example of the project's own.

    python tools/gen_vocabulary.py [--wordnet /usr/share/wordnet] [--senses 2] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
POS_FILES = {"VERB": "verb", "NOUN": "noun", "ADJ": "adj"}
WN_POS = {"v": "VERB", "n": "NOUN", "a": "ADJ", "s": "ADJ"}
# pointer symbols followed: hyponym (~), derivationally related (+), verb group ($), similar (&)
FOLLOW = {"~": "hyponym", "+": "derived", "$": "verb_group", "&": "similar"}


def read_index(wn: Path, pos: str) -> dict[str, list[str]]:
    """lemma -> synset offsets, most frequent sense first."""
    out: dict[str, list[str]] = {}
    for line in (wn / f"index.{POS_FILES[pos]}").read_text(encoding="latin-1").splitlines():
        if line.startswith(" "):
            continue
        parts = line.split()
        lemma, n_synsets, p_cnt = parts[0], int(parts[2]), int(parts[3])
        out[lemma] = parts[4 + p_cnt + 2:][:n_synsets]
    return out


def read_synset(wn: Path, pos: str, offset: str, cache: dict) -> tuple[list[str], list[tuple[str, str, str]], str]:
    """(words, pointers (symbol, offset, pos), gloss) of one synset."""
    key = (pos, offset)
    if key not in cache:
        with (wn / f"data.{POS_FILES[pos]}").open("rb") as fh:
            fh.seek(int(offset))
            line = fh.readline().decode("latin-1")
        head, _, gloss = line.partition(" | ")
        parts = head.split()
        n_words = int(parts[3], 16)
        words = [parts[4 + 2 * i].lower() for i in range(n_words)]
        i = 4 + 2 * n_words
        n_ptr = int(parts[i])
        ptrs = []
        for j in range(n_ptr):
            sym, off, p = parts[i + 1 + 4 * j: i + 4 + 4 * j]
            ptrs.append((sym, off, WN_POS.get(p, "")))
        cache[key] = (words, ptrs, gloss.strip())
    return cache[key]


def seed_lemmas() -> dict[tuple[str, str], set[str]]:
    """(lemma, pos) -> CAMEO codes, over both pattern seeds (single words only)."""
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name in ("verb_patterns.jsonl", "event_vocabulary.jsonl"):
        for line in (REPO / "seeds" / name).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("//"):
                r = json.loads(line)
                if " " not in r["lemma"]:
                    out[(r["lemma"], r["pos"])].add(r["code"])
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    ap.add_argument("--senses", type=int, default=2, help="how many senses of each seed lemma to expand")
    ap.add_argument("--out", type=Path, default=REPO / "tools" / "vocabulary_candidates.tsv")
    args = ap.parse_args()
    if not (args.wordnet / "data.verb").exists():
        raise SystemExit(f"no WordNet data in {args.wordnet} (apt-get install wordnet-base)")
    seeds = seed_lemmas()
    index = {pos: read_index(args.wordnet, pos) for pos in POS_FILES}
    cache: dict = {}
    rows: dict[tuple[str, str, str], tuple[str, str, str]] = {}
    for (lemma, pos), codes in sorted(seeds.items()):
        for offset in index[pos].get(lemma.replace("-", "_"), [])[: args.senses]:
            words, ptrs, gloss = read_synset(args.wordnet, pos, offset, cache)
            found = [(w, pos, "synonym", gloss) for w in words]
            for sym, off, p in ptrs:
                if sym in FOLLOW and p in POS_FILES:
                    w2, _, g2 = read_synset(args.wordnet, p, off, cache)
                    found += [(w, p, FOLLOW[sym], g2) for w in w2]
            for word, wpos, rel, g in found:
                word = word.split("(")[0].replace("_", " ")
                if (word, wpos) in seeds or " " in word:
                    continue  # already a seed; multiword candidates need a constraint by hand
                for code in sorted(codes):
                    rows.setdefault((code, word, wpos), (lemma, rel, g[:120]))
    with args.out.open("w", encoding="utf-8") as fh:
        fh.write("code\tcandidate\tpos\tfrom_seed\trelation\tgloss\n")
        for (code, word, wpos), (src, rel, g) in sorted(rows.items()):
            fh.write(f"{code}\t{word}\t{wpos}\t{src}\t{rel}\t{g}\n")
    print(f"{len(rows)} candidates -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
