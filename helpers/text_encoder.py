"""The tiny T2V model's tokenizer and text encoder, built locally (nothing from a hub).

Tokenizer: word level, lower-casing; every word of the moving-shapes grammar is one token and any
other word maps to ``[UNK]`` (so ``helpers.pipeline`` can tell a learner which words the model does
not know). ``[BOS] a red circle moving left [EOS]`` is 7 tokens; ``model_max_length`` is 8, so the
pipeline's ``encode_prompt`` (which pads *and truncates* to ``tokenizer.model_max_length``) never
cuts the last word, the direction. Saved as a ``PreTrainedTokenizerFast`` (a ``tokenizer.json``),
it loads through ``DiffusionPipeline.from_pretrained`` with no custom code.

Text encoder: a 2-layer ``CLIPTextModel`` (ModelScope uses OpenCLIP ViT-H with 1024 features; ours
has 64). Like the pipeline, we feed it ``input_ids`` only (no attention mask) and use its last
hidden state ``(B, 8, 64)`` as the cross-attention context.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .shapes import COLORS, DIRECTIONS, SHAPES

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[BOS]", "[EOS]")
#: every word of the grammar "a {color} {shape} moving {direction}"
COURSE_WORDS = ("a", "moving", *COLORS, *SHAPES, *DIRECTIONS)
#: BOS + 5 words + EOS = 7, plus one slot to spare
MAX_LENGTH = 8


def build_tokenizer(words: tuple[str, ...] = COURSE_WORDS, max_length: int = MAX_LENGTH):
    """A word-level ``PreTrainedTokenizerFast``: known words -> one id each, others -> ``[UNK]``."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    if max_length < 7:
        raise ValueError(f"max_length must be >= 7 (BOS + 5 caption words + EOS), got {max_length}")
    vocab = {token: index for index, token in enumerate((*SPECIAL_TOKENS, *dict.fromkeys(words)))}
    core = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    core.normalizer = normalizers.Lowercase()
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    core.post_processor = processors.TemplateProcessing(
        single="[BOS] $A [EOS]", special_tokens=[("[BOS]", vocab["[BOS]"]), ("[EOS]", vocab["[EOS]"])]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token="[PAD]", unk_token="[UNK]", bos_token="[BOS]", eos_token="[EOS]",
        model_max_length=max_length,
    )


@dataclass
class TextEncoderConfig:
    """Size of the CLIP text encoder."""

    hidden_size: int = 64
    num_layers: int = 2
    num_heads: int = 4
    max_length: int = MAX_LENGTH
    kind: str = "clip"  # "clip" (causal, ModelScope's kind) or "t5" (bidirectional, CogVideoX's kind)

    def __post_init__(self) -> None:
        if self.hidden_size % self.num_heads:
            raise ValueError(f"hidden_size {self.hidden_size} must divide by num_heads {self.num_heads}")
        if self.max_length < 7:
            raise ValueError(f"max_length must be >= 7, got {self.max_length}")
        if self.kind not in ("clip", "t5"):
            raise ValueError(f"kind must be 'clip' or 't5', got {self.kind!r}")


def build_text_encoder(cfg: TextEncoderConfig, tokenizer):
    """A fresh ``CLIPTextModel`` (or ``T5EncoderModel`` for ``kind="t5"``) whose vocabulary and special ids match ``tokenizer``."""
    from transformers import CLIPTextConfig, CLIPTextModel, T5Config, T5EncoderModel

    if cfg.kind == "t5":  # relative position buckets: any length, no position table to size
        config = T5Config(
            vocab_size=len(tokenizer), d_model=cfg.hidden_size, d_kv=cfg.hidden_size // cfg.num_heads, d_ff=4 * cfg.hidden_size,
            num_layers=cfg.num_layers, num_heads=cfg.num_heads, dropout_rate=0.0, pad_token_id=tokenizer.pad_token_id,
            eos_token_id=tokenizer.eos_token_id, decoder_start_token_id=tokenizer.pad_token_id,
        )
        return T5EncoderModel(config)

    config = CLIPTextConfig(
        vocab_size=len(tokenizer),
        hidden_size=cfg.hidden_size,
        intermediate_size=4 * cfg.hidden_size,
        num_hidden_layers=cfg.num_layers,
        num_attention_heads=cfg.num_heads,
        max_position_embeddings=cfg.max_length,
        projection_dim=cfg.hidden_size,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    return CLIPTextModel(config)


def tokenize(tokenizer, captions: list[str]) -> torch.Tensor:
    """Token ids ``(B, L)`` exactly as the pipeline's ``encode_prompt`` makes them (pad and truncate to ``model_max_length``)."""
    return tokenizer(
        list(captions), padding="max_length", max_length=tokenizer.model_max_length, truncation=True, return_tensors="pt"
    ).input_ids


def encode_ids(text_encoder, input_ids: torch.Tensor) -> torch.Tensor:
    """Token ids ``(B, L)`` -> context ``(B, L, D)`` (last hidden state, no attention mask, like the pipeline)."""
    return text_encoder(input_ids.to(text_encoder.device))[0]
