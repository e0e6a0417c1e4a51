"""PETRARCH2 unit-test conformance: code every record through `dyadflow code` and score it.

    python benchmarks/petrarch_unittest.py [--shared ../shared] [--keep DIR]

Writes the records as JSONL (id, text, published), runs
`DYADFLOW_PETRARCH_NONCAMEO=keep dyadflow code --input X.jsonl --lexicon <suite> --lexicon-format
petrarch --json` (the suite's dictionaries use test codes such as 903 that are not CAMEO codes;
"keep" emits them unchanged, as PETRARCH does), and prints the
share of records whose set of (source, target, code) equals the expected set exactly, per
category, plus the records that yield an event where none is expected.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from dyadflow.petrarch.lexicon import NONCAMEO_ENV
from dyadflow.petrarch.unittest_records import read_unittest_records

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--keep", type=Path, default=None, help="folder to keep input.jsonl / output.jsonl in")
    ap.add_argument("--verbose", action="store_true", help="print every failing record")
    ap.add_argument("--noncameo", choices=("keep", "map"), default="keep",
                    help="policy for the suite's non-CAMEO dictionary codes (903, 174K...): keep them "
                         "(conformance, the default here) or map/drop them as `dyadflow run` does")
    args = ap.parse_args()
    suite = args.shared / "eval" / "external" / "petrarch-unittest"
    records = read_unittest_records(suite / "PETR.UnitTest.records.xml")
    work = args.keep or Path(tempfile.mkdtemp(prefix="petr-unittest-"))
    work.mkdir(parents=True, exist_ok=True)
    inp = work / "input.jsonl"
    # ids repeat in the file (AGENTS-18, AGENTS-19): the second one becomes "AGENTS-18#2"
    seen: Counter[str] = Counter()
    uids: list[str] = []
    for r in records:
        seen[r.id] += 1
        uids.append(r.id if seen[r.id] == 1 else f"{r.id}#{seen[r.id]}")
    with inp.open("w", encoding="utf-8") as fh:
        for uid, r in zip(uids, records, strict=True):
            fh.write(json.dumps({"id": uid, "text": r.text, "published": r.published.isoformat()}) + "\n")
    cmd = [sys.executable, "-c", "from dyadflow.cli.app import main; main()", "code", "--input", str(inp),
           "--lexicon", str(suite), "--lexicon-format", "petrarch", "--json"]
    env = {**os.environ, NONCAMEO_ENV: args.noncameo}
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False, env=env)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        return proc.returncode
    (work / "output.jsonl").write_text(proc.stdout, encoding="utf-8")
    got: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for line in proc.stdout.splitlines():
        if line.strip().startswith("{"):
            e = json.loads(line)
            got[e["id"]].add((e["source_code"] or "", e["target_code"] or "", e["cameo_code"]))
    total: Counter[str] = Counter()
    passed: Counter[str] = Counter()
    spurious: list[str] = []
    failing: list[str] = []
    for uid, r in zip(uids, records, strict=True):
        mine = got.get(uid, set())
        total[r.category] += 1
        if mine == set(r.expected):
            passed[r.category] += 1
        else:
            failing.append(f"{uid} [{r.category}] expected {sorted(r.expected)} got {sorted(mine)}")
            if not r.expected and mine:
                spurious.append(uid)
    n, k = sum(total.values()), sum(passed.values())
    print(f"PETRARCH2 unit-test records: {k}/{n} exactly right = {k / n:.1%}")
    for cat in sorted(total):
        print(f"  {cat:10s} {passed[cat]:3d}/{total[cat]:3d}")
    print(f"records with an event where none is expected: {len(spurious)} {spurious}")
    if args.verbose:
        print("\n".join(failing))
    print(f"input/output in {work}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
