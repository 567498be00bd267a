"""A prompt playground for a loaded pipeline: an ipywidgets form, or a plain function without widgets.

    pg = prompt_playground(pipe, prompt="a red circle moving right")   # form: prompt, frames, steps, guidance, seed
    pg.generate()                                                      # what the Generate button does
    try_prompt(pipe, "a red circle moving right", num_frames=16)       # the same without widgets

Bad requests (an unknown word, a frame count the model refuses) are shown as a message in the form,
never as a traceback that hides the form.
"""

from __future__ import annotations

from typing import Callable

from .generation import Generation, call_defaults, generate
from .video import show_video

OnGenerate = Callable[[Generation], None]


def try_prompt(
    pipe,
    prompt: str,
    num_frames: int = 16,
    steps: int | None = None,
    guidance: float | None = None,
    seed: int = 0,
    on_generate: OnGenerate | None = None,
) -> Generation:
    """Generate one clip, play it inline, print its time and peak memory; returns the :class:`Generation`."""
    result = generate(pipe, prompt, num_frames=num_frames, steps=steps, guidance=guidance, seed=seed)
    show_video(result.clip, f"{prompt} (seed {seed})")
    print(result)
    if on_generate is not None:
        on_generate(result)
    return result


class PromptPlayground:
    """The form: prompt, frames, steps, guidance, seed and a Generate button above an output area.

    ``steps``/``guidance`` None start the sliders at what :func:`helpers.pipeline.generate` would use.
    """

    def __init__(
        self,
        pipe,
        prompt: str,
        num_frames: int = 16,
        steps: int | None = None,
        guidance: float | None = None,
        seed: int = 0,
        max_frames: int = 64,
        on_generate: OnGenerate | None = None,
    ) -> None:
        import ipywidgets as widgets

        self.pipe, self.on_generate = pipe, on_generate
        defaults = call_defaults(pipe)  # None: what generate would use
        steps = defaults.get("num_inference_steps", 25) if steps is None else steps
        guidance = defaults.get("guidance_scale", 7.5) if guidance is None else guidance
        self.last: Generation | None = None
        self.error: str | None = None
        wide = widgets.Layout(width="95%")
        self.prompt = widgets.Text(value=prompt, description="prompt", layout=wide)
        self.num_frames = widgets.IntSlider(value=num_frames, min=1, max=max_frames, description="frames")
        self.steps = widgets.IntSlider(value=steps, min=1, max=100, description="steps")
        self.guidance = widgets.FloatSlider(value=guidance, min=1.0, max=20.0, step=0.5, description="guidance")
        self.seed = widgets.IntText(value=seed, description="seed")
        self.button = widgets.Button(description="Generate", button_style="primary", icon="play")
        self.output = widgets.Output()
        self.button.on_click(lambda _: self.generate())
        controls = widgets.HBox([self.num_frames, self.steps, self.guidance])
        self.widget = widgets.VBox([self.prompt, controls, widgets.HBox([self.seed, self.button]), self.output])

    def generate(self) -> Generation | None:
        """Run the form's request; show the clip (or the reason it was refused) in the output area."""
        self.output.clear_output()
        self.button.disabled = True
        try:
            with self.output:
                self.last = try_prompt(
                    self.pipe,
                    self.prompt.value,
                    num_frames=self.num_frames.value,
                    steps=self.steps.value,
                    guidance=self.guidance.value,
                    seed=self.seed.value,
                    on_generate=self.on_generate,
                )
            self.error = None
        except ValueError as error:  # a refused request: say why, keep the form usable
            self.error, self.last = str(error), None
            with self.output:
                print(f"Not generated: {error}")
        finally:
            self.button.disabled = False
        return self.last


def prompt_playground(pipe, prompt: str, **defaults) -> PromptPlayground | None:
    """Show the playground form and return it; without ipywidgets say so and return None (use :func:`try_prompt`)."""
    try:
        from IPython.display import display

        playground = PromptPlayground(pipe, prompt, **defaults)
    except ImportError:
        print("ipywidgets is not installed: call try_prompt(pipe, prompt, num_frames, steps, guidance, seed) instead")
        return None
    display(playground.widget)
    return playground
