"""helpers.playground: the form generates on click, refuses bad requests with a message, and has a plain fallback."""

import pytest

from helpers.pipeline import load_pipeline
from helpers.playground import PromptPlayground, prompt_playground, try_prompt
from helpers.tiny_pipelines import build_tiny


@pytest.fixture(scope="module")
def pipe(tmp_path_factory):
    return load_pipeline(build_tiny("text-to-video-sd", tmp_path_factory.mktemp("tiny") / "p"), progress=False)


def test_button_click_generates_and_calls_back(pipe):
    seen = []
    playground = PromptPlayground(pipe, "a red circle moving left", num_frames=3, steps=1, on_generate=seen.append)
    playground.num_frames.value = 2
    playground.button.click()
    assert playground.last is not None and playground.last.clip.shape == (2, 32, 32, 3)
    assert seen == [playground.last] and playground.error is None and not playground.button.disabled
    assert PromptPlayground(pipe, "a red circle moving left").steps.value == 50  # the pipeline's default


def test_refused_request_is_a_message_not_a_traceback(pipe):
    playground = PromptPlayground(pipe, "a purple circle moving left", num_frames=2, steps=1)
    assert playground.generate() is None
    assert "purple" in playground.error and not playground.button.disabled


def test_plain_function_and_the_shown_form(pipe, capsys):
    result = try_prompt(pipe, "a blue square moving up", num_frames=2, steps=1)
    assert result.clip.shape == (2, 32, 32, 3) and "2x32x32 clip" in capsys.readouterr().out
    assert isinstance(prompt_playground(pipe, "a blue square moving up", steps=1), PromptPlayground)
