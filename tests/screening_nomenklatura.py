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


if __name__ == "__main__":
    main(sys.argv[1])
