"""helpers.t2v_recipes: the named stages and experiments after the shipped recipe's two phases."""

import pytest

from helpers.t2v_recipes import RECIPES, continuation
from helpers.train_t2v import main


def test_recipes_continue_a_saved_pipeline_at_every_noise_level():
    assert list(RECIPES) == ["continue-cpu", "continue-gpu", "band-cpu", "band-low-cpu", "deepen-cpu", "x0-cpu", "one-level-cpu",
                             "posterior-one-level-cpu", "word-heads-cpu", "critic-cpu", "critic-pixel-cpu", "critic-early-cpu",
                             "critic-sampled-cpu", "critic-guided-cpu", "critic-guided-caption-cpu", "critic-late-cpu",
                             "critic-last-cpu", "critic-judge-cpu", "critic-judge-one-cpu", "critic-judge-colour-cpu", "critic-judge-guided-cpu", "word-dropout-cpu", "pool-dropout-cpu", "pool-direction-cpu",
                             "additive-text-cpu", "bake-guidance-cpu"]
    for cfg in RECIPES.values():
        assert cfg.pure_noise is None and cfg.denoiser == "dit"
    one_levels = ["one-level-cpu", "posterior-one-level-cpu"]
    assert all(cfg.high_noise_share == 0.1 for name, cfg in RECIPES.items() if name not in one_levels)
    for name in one_levels:
        one_level = RECIPES[name]
        assert one_level.high_noise_share == 0.0 and one_level.noise_band == (850, 950) and one_level.noise_band_share == 1.0
    assert [name for name, cfg in RECIPES.items() if cfg.posterior_target] == ["posterior-one-level-cpu"]
    assert {name: cfg.additive_text for name, cfg in RECIPES.items() if cfg.additive_text} == {"additive-text-cpu": 1.0}
    assert {name: cfg.word_loss for name, cfg in RECIPES.items() if cfg.word_loss} == {"word-heads-cpu": 0.05}
    assert {name: cfg.critic_weight for name, cfg in RECIPES.items() if cfg.critic_weight} == {"critic-cpu": 0.05, "critic-pixel-cpu": 0.1, "critic-early-cpu": 0.05,
                                                                                               "critic-sampled-cpu": 0.05, "critic-guided-cpu": 0.05,
                                                                                               "critic-guided-caption-cpu": 0.05, "critic-late-cpu": 0.05,
                                                                                               "critic-last-cpu": 0.05, "critic-judge-cpu": 0.1,
                                                                                               "critic-judge-one-cpu": 0.05, "critic-judge-colour-cpu": 0.05,
                                                                                               "critic-judge-guided-cpu": 0.05, "word-dropout-cpu": 0.05,
                                                                                               "pool-dropout-cpu": 0.05, "pool-direction-cpu": 0.05, "additive-text-cpu": 0.05}
    assert RECIPES["critic-cpu"].critic.space == "latent" and RECIPES["critic-pixel-cpu"].critic.space == "pixel"
    assert [name for name, cfg in RECIPES.items() if cfg.critic_weight and cfg.critic.space == "judge"] == ["critic-judge-cpu", "critic-judge-one-cpu",
                                                                                                                "critic-judge-colour-cpu", "critic-judge-guided-cpu",
                                                                                                                "word-dropout-cpu", "pool-dropout-cpu", "pool-direction-cpu", "additive-text-cpu"]
    assert [name for name, cfg in RECIPES.items() if cfg.critic.read_colour] == ["critic-judge-colour-cpu", "critic-judge-guided-cpu", "word-dropout-cpu",
                                                                                 "pool-dropout-cpu", "pool-direction-cpu", "additive-text-cpu"]
    assert {name: cfg.pool_word_dropout for name, cfg in RECIPES.items() if cfg.pool_word_dropout} == {"pool-dropout-cpu": ("color", "direction"),
                                                                                                        "pool-direction-cpu": ("direction",)}
    assert {name: cfg.word_dropout for name, cfg in RECIPES.items() if cfg.word_dropout} == {"word-dropout-cpu": {"color": 0.25, "direction": 0.25}}
    assert not RECIPES["critic-judge-cpu"].critic.count_objects and RECIPES["critic-judge-one-cpu"].critic.count_objects
    assert RECIPES["critic-cpu"].critic.max_t == 950 and RECIPES["critic-early-cpu"].critic.max_t == 990
    assert {name: cfg.bake_guidance for name, cfg in RECIPES.items() if cfg.bake_guidance} == {"bake-guidance-cpu": 2.0}
    assert RECIPES["critic-guided-cpu"].critic.sampled_guidance == 6.0 and RECIPES["critic-sampled-cpu"].critic.sampled_guidance == 1.0
    assert RECIPES["critic-sampled-cpu"].critic.sampled == 16 and RECIPES["critic-cpu"].critic.sampled == 0
    assert [name for name, cfg in RECIPES.items() if cfg.critic and not cfg.critic.sampled_uncond_grad] == ["critic-guided-caption-cpu"]
    assert RECIPES["critic-late-cpu"].critic.sampled_band == (0, 990) and RECIPES["critic-sampled-cpu"].critic.sampled_band == (600, 990)
    assert RECIPES["continue-gpu"].batch_size == 128 and RECIPES["continue-gpu"].train.lr == 1e-3
    assert RECIPES["continue-gpu"].noise_band is None and RECIPES["band-cpu"].noise_band == (700, 1000)
    assert RECIPES["band-cpu"].noise_band_share == 0.5 and RECIPES["band-low-cpu"].noise_band == (100, 500)
    assert RECIPES["deepen-cpu"].deepen_to == 5 and all(RECIPES[name].deepen_to is None for name in list(RECIPES)[:4])
    assert RECIPES["x0-cpu"].prediction_type == "sample" and all(RECIPES[name].prediction_type == "v_prediction" for name in list(RECIPES)[:5])


def test_a_continuation_has_no_pure_noise_phase_and_warms_up_longer_for_big_batches():
    small, big = continuation(32, 5e-4, 100, 0.998), continuation(128, 1e-3, 100, 0.999, noise_band=(0, 10), noise_band_share=0.5)
    assert small.pure_noise is None and small.high_noise_share == 0.1 and small.train.warmup_steps == 50
    assert big.train.warmup_steps == 100 and big.noise_band == (0, 10) and big.noise_band_share == 0.5


def test_a_recipe_needs_the_pipeline_it_continues():
    with pytest.raises(SystemExit):  # --init is required
        main(["--recipe", "continue-gpu", "--out", "unused"])


def test_the_shipped_stages_are_recipes_named_in_the_card_in_order():
    from helpers.runtime import DATA_DIR
    from helpers.t2v_recipes import SHIPPED_STAGES

    assert set(SHIPPED_STAGES) <= set(RECIPES) and len(set(SHIPPED_STAGES)) == len(SHIPPED_STAGES)
    order = list(RECIPES)
    assert [order.index(name) for name in SHIPPED_STAGES] == sorted(order.index(name) for name in SHIPPED_STAGES)
    training = (DATA_DIR / "tiny-t2v" / "README.md").read_text().split("## Training", 1)[1].split("\n## ", 1)[0]
    places = [training.find(f"`{name}`") for name in SHIPPED_STAGES]
    assert -1 not in places and places == sorted(places), dict(zip(SHIPPED_STAGES, places))
