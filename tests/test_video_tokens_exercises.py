"""Notebook-06 exercises: each checker accepts its solution, rejects the typical mistakes, and the solutions agree with the models."""

import torch

from helpers.video_tokenizer import EMAQuantizer, VideoTokenizerConfig
from helpers.video_tokens_exercises import (
    check_nearest_code,
    check_sequence_length,
    check_top_k,
    nearest_code_solution,
    sequence_length_solution,
)


def test_checkers_accept_solutions_and_reject_mistakes():
    for check in (check_nearest_code, check_sequence_length, check_top_k):
        assert check(check.solution).passed
        for wrong in check.wrong_answers:
            feedback = check(wrong)
            assert not feedback.passed and any("Hint:" in m for m in feedback.messages)


def test_nearest_code_matches_the_quantizer():
    q = EMAQuantizer(VideoTokenizerConfig(embed_dim=5, codebook_size=12))
    z = torch.randn(40, 5, generator=torch.Generator().manual_seed(0))
    assert torch.equal(nearest_code_solution(z, q.codebook), q.nearest(z))


def test_sequence_length_of_the_shipped_setup():
    assert sequence_length_solution(16, 32, 32, 4, 4, 5) == 5 + 256
