from generation.offline.languages import FRENCH


def test_french_typography_elides_before_a_vowel_and_contracts_articles():
    assert FRENCH.finish("Le courage de Anna grandit à le soleil !") == "Le courage d’Anna grandit au soleil\u202f!"
    assert FRENCH.finish("la quête de Zoë") == "la quête de Zoë"
