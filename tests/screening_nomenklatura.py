"""Scores the pairs the Rust screening benchmark wrote with nomenklatura's logic-v1 matcher and
prints its speed and its agreement with Drop's matcher (both at or above 0.70, or both below)."""
import json
import sys
import time

from followthemoney import model
from nomenklatura.matching import LogicV1, ScoringConfig

THRESHOLD = 0.70


def person(name: str):
    e = model.make_entity("Person")
    e.id = "q"
    e.add("name", name)
    return e


def main(path: str) -> None:
    pairs = json.load(open(path))
    config = ScoringConfig.defaults()
    prepared = [(person(p["query"]), person(p["entry"]), p["score"]) for p in pairs]
    start = time.perf_counter()
    scores = [LogicV1.compare(q, e, config).score for q, e, _ in prepared]
    elapsed = time.perf_counter() - start
    agree = sum((s >= THRESHOLD) == (ours >= THRESHOLD) for s, (_, _, ours) in zip(scores, prepared))
    print(f"| nomenklatura logic-v1 pair comparisons per second | {len(prepared) / elapsed:.0f} |")
    print(f"| agreement with Drop's matcher at 0.70 on {len(prepared)} candidate pairs | {100 * agree / max(len(prepared), 1):.1f} % |")
    # Where the two disagree, and how: a confusion matrix and a few examples each way.
    cells = {(a, b): 0 for a in (True, False) for b in (True, False)}
    only_ours, only_theirs = [], []
    for s, (q, e, ours) in zip(scores, prepared):
        key = (ours >= THRESHOLD, s >= THRESHOLD)
        cells[key] += 1
        row = (q.first("name"), e.first("name"), round(ours, 2), round(s, 2))
        if key == (True, False):
            only_ours.append(row)
        elif key == (False, True):
            only_theirs.append(row)
    n = max(len(prepared), 1)
    print()
    print("| Drop \\ logic-v1 | match | no match |")
    print("|---|---:|---:|")
    print(f"| match | {100 * cells[(True, True)] / n:.1f} % | {100 * cells[(True, False)] / n:.1f} % |")
    print(f"| no match | {100 * cells[(False, True)] / n:.1f} % | {100 * cells[(False, False)] / n:.1f} % |")
    for title, rows in (("Drop matches, logic-v1 does not", only_ours), ("logic-v1 matches, Drop does not", only_theirs)):
        print(f"\n{title} (first 8 of {len(rows)}): query | entry | Drop | logic-v1")
        for q, e, a, b in rows[:8]:
            print(f"  {q} | {e} | {a} | {b}")


if __name__ == "__main__":
    main(sys.argv[1])
