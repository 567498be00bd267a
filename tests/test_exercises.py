"""The exercise mechanism, and every checker in `helpers` (found generically): accepts its solution, rejects wrong answers."""

import importlib
import pkgutil

import pytest

import helpers
from helpers import exercises
from helpers.exercises import Attempt, Case, Feedback, attempt, is_stub, make_checker


def all_checkers() -> list[tuple[str, object]]:
    """(module.name, checker) for every checker built by make_checker at module level anywhere in helpers."""
    found = []
    for info in pkgutil.iter_modules(helpers.__path__):
        module = importlib.import_module(f"helpers.{info.name}")
        for name, value in vars(module).items():
            if callable(value) and hasattr(value, "exercise_name") and hasattr(value, "wrong_answers"):
                found.append((f"{info.name}.{name}", value))
    return found


CHECKERS = all_checkers()


def test_checkers_are_discovered():
    names = [name for name, _ in CHECKERS]
    assert "video_exercises.check_display_frames" in names


@pytest.mark.parametrize("name, check", CHECKERS, ids=[name for name, _ in CHECKERS])
def test_checker_accepts_its_solution(name, check):
    assert check.solution is not None, f"{name}: pass solution= to make_checker"
    feedback = check(check.solution)
    assert feedback.passed, f"{name} rejects its own solution:\n{feedback}"


@pytest.mark.parametrize("name, check", CHECKERS, ids=[name for name, _ in CHECKERS])
def test_checker_rejects_each_wrong_answer_with_a_hint(name, check):
    assert check.wrong_answers, f"{name}: pass wrong_answers=[...] (at least one typical mistake) to make_checker"
    for wrong in check.wrong_answers:
        feedback = check(wrong)
        assert not feedback.passed, f"{name} accepts the wrong answer {wrong.__name__}"
        assert feedback.attempted and feedback.messages
        assert all("Hint:" in message for message in feedback.messages), f"{name}: every failure message carries a hint"


# ----------------------------------------------------------------------------- the mechanism


def _stub(x):
    ...


def _stub_with_docstring(x):
    """Return twice x."""
    pass


def _double(x):
    return 2 * x


def _not_implemented(x):
    raise NotImplementedError


check_double = make_checker(
    "double",
    [Case("double 3", [3], lambda r: r == 6, "multiply by 2"), Case("double -1", [-1], lambda r: r == -2, "signs")],
    solution=_double,
    wrong_answers=[lambda x: x + x + 1],
)


def test_is_stub():
    assert is_stub(_stub) and is_stub(_stub_with_docstring)
    assert not is_stub(_double) and not is_stub(_not_implemented)
    assert not is_stub(print)  # no source: treated as filled in


def test_attempt_uses_the_solution_only_for_an_empty_stub_in_quick_mode():
    chosen = attempt(_stub, _double, quick=True)
    assert chosen.used_solution and chosen(4) == 8
    chosen = attempt(_stub, _double, quick=False)
    assert not chosen.attempted and not chosen.used_solution
    chosen = attempt(_not_implemented, _double, quick=True)
    assert chosen.fn is _not_implemented  # the learner's code is always what gets checked when there is some


def test_attempt_reads_the_quick_switch(monkeypatch):
    monkeypatch.setenv("COURSE_QUICK", "0")
    monkeypatch.setenv("CI", "")
    assert not attempt(_stub, _double).attempted
    monkeypatch.setenv("COURSE_QUICK", "1")
    assert attempt(_stub, _double).used_solution


def test_feedback_for_each_outcome():
    passed = check_double(attempt(_stub, _double, quick=True))
    assert passed.passed and passed.used_solution and "reference solution" in str(passed)
    wrong = check_double(lambda x: x * 3)
    assert not wrong.passed and len(wrong.messages) == 2 and "Hint: multiply by 2" in wrong.messages[0]
    open_ = check_double(attempt(_stub, _double, quick=False))
    assert not open_.attempted and "Fill in the function" in str(open_)
    assert not check_double(_not_implemented).attempted
    crashed = check_double(lambda x: 1 / 0)
    assert "raised ZeroDivisionError" in crashed.messages[0]
    malformed = make_checker("m", [Case("len", [1], lambda r: len(r) == 1, "a list")])(lambda x: 5)
    assert "could not be checked" in malformed.messages[0]
    assert "✅" in passed._repr_markdown_() and "❌" in wrong._repr_markdown_()
    assert isinstance(passed, Feedback) and bool(passed) and not bool(wrong)


def test_checker_needs_cases():
    with pytest.raises(ValueError, match="at least one Case"):
        make_checker("empty", [])


def test_attempt_object_is_callable():
    assert isinstance(attempt(_double, _double), Attempt) and attempt(_double, _double)(2) == 4
    assert exercises.NotAttempted.__doc__
