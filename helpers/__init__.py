"""Helpers for the text-to-video course: one module per concern, imported by every notebook.

Layers (imports run downward only):

- course plumbing: :mod:`helpers.runtime`, :mod:`helpers.video`, :mod:`helpers.progress`, :mod:`helpers.exercises`
- the world: :mod:`helpers.shapes`, :mod:`helpers.metrics`
- building blocks, models and training, and the lesson's project on top.
"""

__version__ = "0.1.0"
