"""Exercises: the learner fills in a stub, a checker gives specific feedback.

How an exercise looks in a notebook::

    def my_flicker(clip):            # the learner's stub
        ...                          # your code here (leave `...` to skip for now)

    answer = exercises.attempt(my_flicker, check_flicker.solution)  # quick mode (CI): the solution runs
    check_flicker(answer)                                          # specific feedback, never a bare "wrong"

- A stub whose body is only ``...`` or ``pass`` (or that raises ``NotImplementedError``) counts
  as *not attempted*. In quick mode the reference solution is used instead, so CI executes both the
  solution and the checker; in full mode the notebook says the exercise is open and carries on.
- A checker is a function ``check(candidate) -> Feedback``; :func:`make_checker` builds one from a
  list of named cases. Tests in ``tests/`` show that every checker accepts its solution and rejects
  at least one wrong answer with the right hint.
- Solutions live beside the module they exercise (in ``helpers/<module>.py`` or a sibling
  ``helpers/<module>_exercises.py``), never in the notebook. Build the checker with
  ``make_checker(name, cases, solution=..., wrong_answers=[...])`` at module level: the test suite
  discovers it there (any module of ``helpers``) and runs the solution and the wrong answers.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from .runtime import is_quick


class NotAttempted(Exception):
    """Raised by a stub that the learner has not filled in yet."""


@dataclass
class Feedback:
    """The verdict on an answer: passed or not, what was wrong, and a hint."""

    name: str
    passed: bool
    messages: list[str] = field(default_factory=list)
    used_solution: bool = False
    attempted: bool = True

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        if not self.attempted:
            return f"[ ] {self.name}: not attempted yet. " + " ".join(self.messages)
        head = f"[x] {self.name}: correct" if self.passed else f"[ ] {self.name}: not yet"
        if self.used_solution:
            head += " (quick mode ran the reference solution)"
        return "\n  - ".join([head, *self.messages])

    def _repr_markdown_(self) -> str:
        icon = "✅" if self.passed else ("⬜" if not self.attempted else "❌")
        lines = [f"{icon} **{self.name}**" + (" (quick mode ran the reference solution)" if self.used_solution else "")]
        lines += [f"- {message}" for message in self.messages]
        return "\n".join(lines)


def is_stub(fn: Callable) -> bool:
    """True if ``fn``'s body is only ``...`` or ``pass`` (plus a docstring and comments)."""
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        return False
    import ast
    import textwrap

    tree = ast.parse(textwrap.dedent(source))
    func = next((node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.Lambda))), None)
    if func is None or isinstance(func, ast.Lambda):
        return False
    body = [
        stmt
        for stmt in func.body
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str))
    ]
    return all(
        isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and stmt.value.value is Ellipsis)
        for stmt in body
    )


@dataclass
class Attempt:
    """What :func:`attempt` chose: the function to check and where it came from."""

    fn: Callable
    used_solution: bool
    attempted: bool

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)


def attempt(learner_fn: Callable, solution_fn: Callable, quick: bool | None = None) -> Attempt:
    """Pick what to check: the learner's function, or in quick mode the solution if the stub is empty."""
    quick = is_quick() if quick is None else quick
    if not is_stub(learner_fn):
        return Attempt(learner_fn, used_solution=False, attempted=True)
    if quick:
        return Attempt(solution_fn, used_solution=True, attempted=True)
    return Attempt(learner_fn, used_solution=False, attempted=False)


@dataclass
class Case:
    """One check: call the candidate with ``args``, pass if ``accept(result)`` is true, else say ``hint``."""

    description: str
    args: Sequence[Any]
    accept: Callable[[Any], bool]
    hint: str
    kwargs: dict = field(default_factory=dict)


def make_checker(
    name: str, cases: Sequence[Case], solution: Callable | None = None, wrong_answers: Sequence[Callable] = ()
) -> Callable[[Callable | Attempt], Feedback]:
    """A checker that runs every case and reports each failure with its hint.

    Register the reference ``solution`` and at least one typical ``wrong_answers`` function: they are
    kept on the checker (``check.solution``, ``check.wrong_answers``) and ``tests/test_exercises.py``
    finds every checker in ``helpers`` and proves it accepts the solution and rejects each wrong answer.
    """
    if not cases:
        raise ValueError(f"checker {name!r} needs at least one Case, got none")

    def check(candidate: Callable | Attempt) -> Feedback:
        used_solution = isinstance(candidate, Attempt) and candidate.used_solution
        if isinstance(candidate, Attempt) and not candidate.attempted:
            return Feedback(
                name,
                passed=False,
                attempted=False,
                messages=["Fill in the function above (replace `...`), run its cell, then this one."],
            )
        fn = candidate.fn if isinstance(candidate, Attempt) else candidate
        messages = []
        for case in cases:
            try:
                result = fn(*case.args, **case.kwargs)
            except (NotAttempted, NotImplementedError):
                return Feedback(name, passed=False, attempted=False, messages=["The stub is not filled in yet."])
            except Exception as error:  # noqa: BLE001 - the learner's code may raise anything
                messages.append(f"{case.description}: raised {type(error).__name__}: {error}. Hint: {case.hint}")
                continue
            try:
                ok = bool(case.accept(result))
            except Exception as error:  # noqa: BLE001 - a malformed result (wrong type/shape)
                ok = False
                messages.append(f"{case.description}: the result could not be checked ({error}). Hint: {case.hint}")
                continue
            if not ok:
                messages.append(f"{case.description}: wrong result. Hint: {case.hint}")
        if not messages:
            messages = [f"all {len(cases)} checks passed"]
            return Feedback(name, passed=True, messages=messages, used_solution=used_solution)
        return Feedback(name, passed=False, messages=messages, used_solution=used_solution)

    check.__name__ = f"check_{name.lower().replace(' ', '_')}"
    check.__doc__ = f"Check an answer to the exercise {name!r} ({len(cases)} cases)."
    check.exercise_name = name
    check.solution = solution
    check.wrong_answers = tuple(wrong_answers)
    return check
