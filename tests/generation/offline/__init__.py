from generation.base import BookRequest


def book_request(**overrides) -> BookRequest:
    fields = {"child_name": "Zoë", "child_age": 5, "theme": "space", "language": "fr", "page_count": 6, "seed": 1}
    fields.update(overrides)
    return BookRequest(**fields)
