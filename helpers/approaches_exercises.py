"""Exercise of notebook 08 (compare and wrap up): reference solution, typical mistakes, checker.

"Pareto front": which approaches are worth considering at all when you care about quality and cost?
An approach is *dominated* when another one is at least as good and at least as cheap, and strictly
better in one of the two; the front is every approach that is not dominated.
"""

from __future__ import annotations

from .exercises import Case, make_checker


def pareto_front_solution(rows: list[dict], quality: str = "all_train", cost: str = "s_per_clip") -> list[str]:
    """Reference: the ``approach`` names of the rows no other row dominates (higher ``quality``, lower ``cost``), in row order."""
    front = []
    for row in rows:
        dominated = any(
            other[quality] >= row[quality] and other[cost] <= row[cost] and (other[quality] > row[quality] or other[cost] < row[cost])
            for other in rows
        )
        if not dominated:
            front.append(row["approach"])
    return front


def _best_quality_only(rows: list[dict], quality: str = "all_train", cost: str = "s_per_clip") -> list[str]:
    """Mistake: keeps only the highest quality, forgetting that a cheaper approach can still be worth it."""
    best = max(row[quality] for row in rows)
    return [row["approach"] for row in rows if row[quality] == best]


def _strict_only(rows: list[dict], quality: str = "all_train", cost: str = "s_per_clip") -> list[str]:
    """Mistake: calls a row dominated only when another is strictly better in *both*, so ties survive."""
    return [
        row["approach"] for row in rows
        if not any(other[quality] > row[quality] and other[cost] < row[cost] for other in rows)
    ]


def _rows(*triples) -> list[dict]:
    return [{"approach": name, "all_train": q, "s_per_clip": c} for name, q, c in triples]


_MIXED = _rows(("slow and good", 0.9, 5.0), ("fast and poor", 0.2, 0.1), ("dominated", 0.1, 3.0), ("middle", 0.5, 1.0))
_TIES = _rows(("a", 0.5, 1.0), ("b", 0.5, 2.0), ("c", 0.8, 2.0))

check_pareto_front = make_checker(
    "Pareto front",
    [
        Case("a trade-off keeps both ends", (_MIXED,), lambda y: list(y) == ["slow and good", "fast and poor", "middle"],
             "keep every approach that no other beats on both axes: a fast, poorer one is still on the front."),
        Case("ties are dominated", (_TIES,), lambda y: list(y) == ["a", "c"],
             "'b' is as good as 'a' but slower: dominated means at least as good on both and strictly better on one."),
    ],
    solution=pareto_front_solution,
    wrong_answers=[_best_quality_only, _strict_only],
)
