from django import template

from generation.elision import elide_names

register = template.Library()


@register.filter
def elide(text: str, name: str) -> str:
    """Elide the words before `name` as the active language wants it: "de Inès" → "d’Inès"."""
    return elide_names(text, [name])
