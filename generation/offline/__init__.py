"""The offline generator: a story composed from templates and pictures drawn with Pillow, deterministic per seed.

It needs no network and no key, so `make run` makes real books on a fresh clone; the hero's look comes from the
request's seed (same child on every page), and each page's composition from the seed and the page number.
story.py writes, hero.py gives the child a look, scenes.py paints; themes.py describes each theme once and
languages.py holds the sentence patterns of each language.
"""

from .generator import OfflineGenerator, draw_page

__all__ = ["OfflineGenerator", "draw_page"]
