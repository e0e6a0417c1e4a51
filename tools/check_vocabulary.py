"""Code every example of seeds/event_vocabulary.jsonl and report, per CAMEO root, how many
examples yield an event from their own entry (rule_id) and how many yield the entry's code.

    .venv/bin/python tools/check_vocabulary.py [--root 19] [--sample N] [--misses]

Developer tool (runs `dyadflow code --input ... --json`); not used at run time.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", help="only entries of this CAMEO root (two digits)")
    ap.add_argument("--ids", help="only entries whose id starts with this prefix")
    ap.add_argument("--sample", type=int, help="a random sample of N entries (seed 12)")
    ap.add_argument("--misses", action="store_true", help="print the entries whose example misses")
    args = ap.parse_args()
    rows = [json.loads(x) for x in (REPO / "seeds/event_vocabulary.jsonl").read_text().splitlines()
            if x.strip() and not x.startswith("//")]
    if args.root:
        rows = [r for r in rows if r["code"][:2] == args.root]
    if args.ids:
        rows = [r for r in rows if r["id"].startswith(args.ids)]
    if args.sample and args.sample < len(rows):
        rows = random.Random(12).sample(rows, args.sample)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as fh:
        for r in rows:
            fh.write(json.dumps({"id": r["id"], "text": r["example"], "published": "2024-01-01"}) + "\n")
    out = subprocess.run([str(REPO / ".venv/bin/dyadflow"), "code", "--input", fh.name, "--json"],
                         capture_output=True, text=True, cwd=REPO, check=False)
    got: dict[str, list[dict]] = {}
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            e = json.loads(line)
            got.setdefault(e["id"], []).append(e)
    own, code, total = Counter(), Counter(), Counter()
    for r in rows:
        root = r["code"][:2]
        total[root] += 1
        evs = got.get(r["id"], [])
        if any(r["id"] in str(e.get("rule_id") or "") for e in evs):
            own[root] += 1
        if any(e.get("cameo_code") == r["code"] for e in evs):
            code[root] += 1
        elif args.misses:
            print(f"MISS {r['id']} ({r['code']}): {r['example']}  -> "
                  f"{[(e.get('cameo_code'), e.get('rule_id')) for e in evs]}")
    for root in sorted(total):
        print(f"root {root}: {total[root]:4d} entries, own rule fired {own[root]:4d}, code matched {code[root]:4d}")
    n = sum(total.values())
    print(f"all: {n} entries, own rule {sum(own.values())}/{n}, code {sum(code.values())}/{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
