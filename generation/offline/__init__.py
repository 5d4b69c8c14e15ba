"""The offline generator: a story composed from templates and pictures drawn with Pillow, deterministic per seed.

It needs no network and no key, so `make run` makes real books on a fresh clone; the hero's look comes from the
request's seed (same child on every page), and each page's composition from the seed and the page number.
story.py writes, hero.py gives the child a look, scenes.py paints; themes.py describes each theme once and
languages.py holds the sentence patterns of each language.
"""

__all__ = ["OfflineGenerator", "draw_page"]


def __getattr__(name: str):
    # Loaded on first use: the web imports the theme records (orders.models), and the generator would bring Pillow.
    if name in __all__:
        from . import generator

        return getattr(generator, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
