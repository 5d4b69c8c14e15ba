import pytest
from django.urls import reverse
from django.utils.html import escape

from orders.forms import OrderForm, name_is_valid, price_display
from orders.models import Order
from orders.payments import order_price_cents

pytestmark = pytest.mark.django_db

VALID = {
    "email": "parent@example.com",
    "child_name": "Zoë-Chloé N'Diaye",
    "child_age": "5",
    "theme": "space",
    "language": "fr",
    "page_count": "8",
    "dedication": "Pour Zoë, qui aime les étoiles.",
}

# (field, submitted value, the message the parent reads)
BAD_INPUT = [
    ("email", "", "Please enter your email address."),
    ("email", "not-an-email", "Please enter a valid email address, like name@example.com."),
    ("email", "a" * 250 + "@x.fr", "This email address is too long."),
    ("child_name", "", "Please tell us your child's first name."),
    ("child_name", "   ", "Please tell us your child's first name."),
    ("child_name", "A" * 41, "The first name can be at most 40 characters long."),
    ("child_name", "Zoé2", "The first name can only contain letters, spaces, hyphens and apostrophes."),
    ("child_name", "Léo!", "The first name can only contain letters, spaces, hyphens and apostrophes."),
    ("child_name", "--'", "The first name can only contain letters, spaces, hyphens and apostrophes."),
    ("child_name", "<script>alert(1)</script>", "The first name can only contain letters, spaces, hyphens and apostrophes."),
    ("child_age", "", "Please enter your child's age."),
    ("child_age", "five", "Please enter the age as a whole number, like 5."),
    ("child_age", "4.5", "Please enter the age as a whole number, like 5."),
    ("child_age", "0", "The age must be between 1 and 12."),
    ("child_age", "13", "The age must be between 1 and 12."),
    ("theme", "", "Please choose a theme for the story."),
    ("theme", "moon", "Please choose one of the themes offered."),
    ("language", "", "Please choose the language of the book."),
    ("language", "de", "Please choose French or English."),
    ("page_count", "", "Please choose the number of pages."),
    ("page_count", "ten", "Please enter the number of pages as a whole number, like 12."),
    ("page_count", "1", "A book has between 2 and 24 pages."),
    ("page_count", "25", "A book has between 2 and 24 pages."),
    ("dedication", "x" * 301, "The dedication can be at most 300 characters long."),
    # The book's font has no glyph for these, or would print them backwards: refused before payment, never boxes.
    ("child_name", "小明", "Sorry, the book cannot print Chinese characters yet (小 明). Please write the first name in Latin letters."),
    ("child_name", "ليلى", "Sorry, the book cannot print Arabic script yet (ل ي ى). Please write the first name in Latin letters."),
    ("dedication", "Pour Zoë 🦄🦄 ❤", "Sorry, the book cannot print these characters yet: 🦄. Please remove them."),
]


def post_order(client, **changes):
    return client.post(reverse("orders:create"), {**VALID, **changes}, HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUT, ids=[f"{f}={v[:12]!r}" for f, v, _ in BAD_INPUT])
def test_bad_input_is_refused_with_a_clear_message_and_creates_nothing(client, field, value, message):
    response = post_order(client, **{field: value})

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert escape(message) in response.content.decode()
    assert Order.objects.count() == 0


def test_missing_field_is_refused_like_an_empty_one(client):
    data = {k: v for k, v in VALID.items() if k != "child_age"}

    response = client.post(reverse("orders:create"), data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.context["form"].errors["child_age"] == ["Please enter your child's age."]
    assert Order.objects.count() == 0


def test_script_tags_in_the_name_come_back_as_text_never_as_html(client):
    response = post_order(client, child_name='<script>alert("x")</script>')

    html = response.content.decode()
    assert response.status_code == 400
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_errors_are_listed_at_the_top_with_links_to_their_fields(client):
    response = post_order(client, child_age="13", theme="moon")

    html = response.content.decode()
    assert 'role="alert"' in html
    assert 'href="#id_child_age"' in html
    assert 'href="#id_theme_0"' in html


def test_invalid_field_is_marked_for_assistive_technology(client):
    response = post_order(client, child_age="0")

    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_child_age_helptext id_child_age_error"' in html


def test_messages_are_in_french_by_default(client):
    response = client.post(reverse("orders:create"), {**VALID, "page_count": "25"})

    assert response.status_code == 400
    assert response.context["form"].errors["page_count"] == ["Un livre compte de 2 à 24 pages."]


def test_the_page_count_keeps_the_price_of_the_valid_value_when_another_field_is_wrong(client):
    response = client.post(reverse("orders:create"), {**VALID, "child_age": "", "page_count": "24"})

    assert response.status_code == 400
    assert response.context["price"] == price_display(order_price_cents(24))


@pytest.mark.parametrize(
    "name", ["Zoë-Chloé N'Diaye", "Jean Paul", "Léa", "Ana’s", "Björn", "Łucja", "Иван", "A" * 40]
)
def test_real_first_names_are_accepted(name):
    assert name_is_valid(name)


@pytest.mark.parametrize("value", [("Zoe\u0308", "Zoë"), ("  Jean   Paul ", "Jean Paul")])
def test_the_name_is_tidied_before_it_is_saved(value):
    submitted, saved = value
    form = OrderForm({**VALID, "child_name": submitted})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["child_name"] == saved


def test_dedication_with_the_typographic_characters_parents_type_is_accepted():
    form = OrderForm({**VALID, "dedication": "« Pour toi, Zoë » — avec tout notre amour ❤️ ♥ ★ !\nPapa & Maman’s"})

    assert form.is_valid(), form.errors


def test_unprintable_letters_are_explained_in_french(client):
    response = client.post(reverse("orders:create"), {**VALID, "child_name": "小明"})

    assert response.context["form"].errors["child_name"] == [
        "Désolés, le livre ne sait pas encore imprimer les caractères chinois (小 明). Écrivez le prénom en lettres "
        "latines, s’il vous plaît."
    ]


def test_dedication_of_300_characters_is_accepted():
    form = OrderForm({**VALID, "dedication": "x" * 300})

    assert form.is_valid(), form.errors


def test_dedication_is_optional():
    form = OrderForm({**VALID, "dedication": ""})

    assert form.is_valid(), form.errors


@pytest.mark.parametrize(("pages", "age"), [("2", "1"), ("24", "12")])
def test_the_limits_themselves_are_allowed(pages, age):
    form = OrderForm({**VALID, "page_count": pages, "child_age": age})

    assert form.is_valid(), form.errors


# How the hero looks: optional closed lists (generation/appearance.py), empty means "surprise me".


def test_the_hero_look_chosen_on_the_form_is_stored_on_the_order(client):
    look = {"skin_tone": "brown", "hair_color": "black", "hair_style": "coily", "glasses": "yes"}
    assert post_order(client, **look).status_code == 303
    order = Order.objects.get()
    assert {name: getattr(order, name) for name in look} == look


def test_a_hero_look_left_to_surprise_is_stored_empty(client):
    assert post_order(client).status_code == 303
    order = Order.objects.get()
    assert (order.skin_tone, order.hair_color, order.hair_style, order.glasses) == ("", "", "", "")


@pytest.mark.parametrize("field", ["skin_tone", "hair_color", "hair_style", "glasses"])
def test_a_hero_look_outside_the_list_is_refused_with_a_message(client, field):
    response = post_order(client, **{field: "green with stars"})
    assert response.status_code == 400
    assert escape("Please choose one of the options offered, or “Surprise me”.") in response.content.decode()
    assert not Order.objects.exists()


def test_the_hero_look_picker_works_without_javascript_as_radio_buttons_with_surprise_me_checked(client):
    page = client.get(reverse("orders:landing"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for field in ("skin_tone", "hair_color", "hair_style", "glasses"):
        assert f'type="radio" name="{field}" value="" required' not in page
        assert f'type="radio" name="{field}" value="" id="id_{field}_0" checked' in page
    assert "Surprise me" in page
    assert 'style="--swatch: rgb(98, 60, 38)"' in page  # the darkest skin tone shows its colour


def test_the_worker_passes_the_hero_look_to_the_generator():
    from orders import tasks
    from tests.conftest import make_order

    order = make_order(skin_tone="tan", hair_color="auburn", hair_style="long", glasses="no")
    request = tasks.book_request(order)
    assert (request.skin_tone, request.hair_color, request.hair_style, request.glasses) == ("tan", "auburn", "long", "no")


# Names in a dozen scripts: accepted exactly when the book's font prints them; the others named plainly.

PRINTABLE_NAMES = ["Zoë", "Fọ̀láṣadé", "Ọláolúwa", "Nguyễn Thị Ánh", "Αθηνά", "Анастасия", "Անի", "ნინო", "Łucja",
                   "Çağla", "Þóra", "Ṣadé"]
UNPRINTABLE_NAMES = [("ليلى", "Arabic script"), ("נועה", "Hebrew script"), ("小明", "Chinese characters"),
                     ("さくら", "Japanese kana"), ("지민", "Korean Hangul"), ("आरव", "Devanagari script"),
                     ("มะลิ", "Thai script"), ("ꦱꦶꦠ", "Javanese script")]


@pytest.mark.parametrize("name", PRINTABLE_NAMES)
def test_a_name_the_font_prints_is_accepted_as_typed_in_nfc(client, name):
    import unicodedata

    decomposed = unicodedata.normalize("NFD", name)  # as some keyboards send it
    assert post_order(client, child_name=decomposed).status_code == 303
    assert Order.objects.get().child_name == unicodedata.normalize("NFC", name)


@pytest.mark.parametrize(("name", "script"), UNPRINTABLE_NAMES)
def test_a_name_the_font_cannot_print_is_refused_naming_its_script(client, name, script):
    response = post_order(client, child_name=name)
    assert response.status_code == 400
    assert f"Sorry, the book cannot print {script} yet" in response.content.decode()
    assert not Order.objects.exists()


def test_the_name_rule_agrees_with_the_font_for_every_script_tried():
    from generation.glyphs import undrawable

    for name in PRINTABLE_NAMES + [name for name, _ in UNPRINTABLE_NAMES]:
        form = OrderForm(data={**VALID, "child_name": name})
        assert form.is_valid() == (undrawable(name) == []), name


def test_a_lone_combining_accent_is_not_a_name(client):
    assert post_order(client, child_name="\u0301\u0300").status_code == 400


# Email addresses


def test_an_international_domain_is_accepted_and_kept_in_ascii(client):
    assert post_order(client, email="parent@exämple.fr").status_code == 303
    assert Order.objects.get().email == "parent@xn--exmple-cua.fr"


def test_an_accent_before_the_at_is_refused_saying_why(client):
    response = post_order(client, email="zoé@example.fr")
    assert response.status_code == 400
    html = response.content.decode()
    assert "accents after the @ are fine" in html
    assert "Please enter a valid email address" not in html
    assert not Order.objects.exists()


# The dedication fits its page, measured with the book's font.


def test_a_dedication_of_many_short_lines_is_refused_past_what_the_page_holds(client):
    from generation import dedication

    assert post_order(client, dedication="\n".join(["Love"] * dedication.MAX_LINES)).status_code == 303
    response = post_order(client, dedication="\n".join(["Love"] * (dedication.MAX_LINES + 1)))
    assert response.status_code == 400
    assert "does not fit on its page" in response.content.decode()


def test_a_long_word_in_the_dedication_is_broken_to_the_line(client):
    from generation import dedication
    from generation.glyphs import text_width

    url = "https://example.com/" + "a-very-long-path" * 8
    lines = dedication.lines(url)
    assert len(lines) > 1
    assert "".join(lines) == url
    assert all(text_width(line, dedication.FONT_SIZE) <= dedication.WIDTH for line in lines)
