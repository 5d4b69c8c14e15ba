"""The themes, one record each: the label a parent picks, the story material in every language, the scenery.

Story material is written per language: each theme says where the adventure happens, who comes along, what is
sought, and the things met on the way (noun phrases with their indefinite article, so they fit any sentence pattern
of generation/offline/languages.py). A theme missing from an order falls back to GENERIC.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import scenes
from .scenes import Scene


@dataclass(frozen=True)
class ThemeWords:
    """A theme's story material in one language."""

    place: str
    start: str
    friend: str
    friend_short: str
    quest: str
    title: str
    things: tuple[str, ...]


@dataclass(frozen=True)
class Theme:
    key: str
    label: str | Promise
    words: dict[str, ThemeWords]  # by language code, one entry per language of settings.LANGUAGES
    scene: Scene


THEMES: dict[str, Theme] = {
    theme.key: theme
    for theme in (
        Theme(
            "space",
            _("Space adventure"),
            {
                "fr": ThemeWords(
                    place="les étoiles",
                    start="une fusée argentée se pose dans le jardin",
                    friend="Bip, un petit robot qui clignote",
                    friend_short="Bip",
                    quest="l’étoile filante perdue",
                    title="{name} et l’étoile filante perdue",
                    things=(
                        "une planète rose en forme de bonbon", "une comète à la longue queue dorée",
                        "des anneaux de glace qui tintent", "une lune couverte de cratères moelleux",
                        "un extraterrestre vert qui fait des bulles", "une pluie de météorites scintillantes",
                        "une station spatiale en forme de fleur", "une nébuleuse violette et douce",
                    ),
                ),
                "en": ThemeWords(
                    place="the stars",
                    start="a silver rocket lands in the garden",
                    friend="Beep, a little robot with blinking lights",
                    friend_short="Beep",
                    quest="the lost shooting star",
                    title="{name} and the Lost Shooting Star",
                    things=(
                        "a pink planet shaped like a sweet", "a comet with a long golden tail",
                        "rings of ice that jingle", "a moon full of soft craters",
                        "a green alien blowing bubbles", "a shower of sparkling meteors",
                        "a space station shaped like a flower", "a soft purple nebula",
                    ),
                ),
            },
            Scene(
                skies=(((8, 10, 40), (60, 20, 90)), ((20, 8, 50), (120, 40, 110)), ((2, 2, 20), (30, 30, 80))),
                ground=(150, 140, 170), painter=scenes.paint_space, night=True,
            ),
        ),
        Theme(
            "ocean",
            _("Under the sea"),
            {
                "fr": ThemeWords(
                    place="le fond de la mer",
                    start="une bulle géante s’ouvre au bord de la plage",
                    friend="Perle, une tortue de mer très sage",
                    friend_short="Perle",
                    quest="le coquillage qui chante",
                    title="{name} et le coquillage qui chante",
                    things=(
                        "un banc de poissons arc-en-ciel", "une pieuvre qui jongle avec des perles",
                        "un jardin de coraux roses", "un hippocampe qui fait la course",
                        "une baleine qui chante doucement", "un coffre couvert d’algues",
                        "une méduse qui brille comme une lampe", "un crabe qui danse sur le sable",
                    ),
                ),
                "en": ThemeWords(
                    place="the bottom of the sea",
                    start="a giant bubble opens on the beach",
                    friend="Pearl, a very wise sea turtle",
                    friend_short="Pearl",
                    quest="the singing seashell",
                    title="{name} and the Singing Seashell",
                    things=(
                        "a school of rainbow fish", "an octopus juggling pearls",
                        "a garden of pink coral", "a seahorse having a race",
                        "a whale singing softly", "a chest covered in seaweed",
                        "a jellyfish glowing like a lamp", "a crab dancing on the sand",
                    ),
                ),
            },
            Scene(
                skies=(((10, 60, 120), (40, 170, 200)), ((5, 40, 100), (30, 120, 170)), ((4, 20, 60), (20, 80, 130))),
                ground=(236, 214, 160), painter=scenes.paint_ocean, underwater=True,
            ),
        ),
        Theme(
            "forest",
            _("Enchanted forest"),
            {
                "fr": ThemeWords(
                    place="la forêt enchantée",
                    start="un sentier de lucioles s’allume derrière la maison",
                    friend="Noisette, un écureuil qui parle",
                    friend_short="Noisette",
                    quest="la clé du vieux chêne",
                    title="{name} et la clé du vieux chêne",
                    things=(
                        "un champignon géant à pois blancs", "un hibou qui porte des lunettes",
                        "une rivière qui rit", "un renard qui connaît tous les chemins",
                        "une clairière pleine de fées", "un pont fait de racines",
                        "un arbre qui raconte des histoires", "une famille de hérissons",
                    ),
                ),
                "en": ThemeWords(
                    place="the enchanted forest",
                    start="a path of fireflies lights up behind the house",
                    friend="Hazel, a talking squirrel",
                    friend_short="Hazel",
                    quest="the key of the old oak",
                    title="{name} and the Key of the Old Oak",
                    things=(
                        "a giant spotted mushroom", "an owl wearing glasses",
                        "a river that laughs", "a fox who knows every path",
                        "a clearing full of fairies", "a bridge made of roots",
                        "a tree that tells stories", "a family of hedgehogs",
                    ),
                ),
            },
            Scene(
                skies=(((120, 190, 250), (220, 240, 255)), ((250, 170, 120), (255, 230, 190)), ((20, 30, 80), (70, 80, 140))),
                ground=(76, 140, 60), painter=scenes.paint_forest,
            ),
        ),
        Theme(
            "dinosaurs",
            _("Dinosaurs"),
            {
                "fr": ThemeWords(
                    place="la vallée des dinosaures",
                    start="un gros œuf tacheté roule jusqu’à la porte",
                    friend="Tricé, un bébé tricératops",
                    friend_short="Tricé",
                    quest="le nid de la maman de Tricé",
                    title="{name} au pays des dinosaures",
                    things=(
                        "un diplodocus au cou immense", "un volcan qui fume doucement",
                        "des fougères plus hautes qu’une maison", "un ptérodactyle qui plane",
                        "des empreintes géantes dans la boue", "un stégosaure qui fait la sieste",
                        "un lac où boivent les dinosaures", "un tyrannosaure qui a le hoquet",
                    ),
                ),
                "en": ThemeWords(
                    place="the valley of the dinosaurs",
                    start="a big spotted egg rolls up to the door",
                    friend="Trixie, a baby triceratops",
                    friend_short="Trixie",
                    quest="the nest of Trixie's mother",
                    title="{name} in Dinosaur Land",
                    things=(
                        "a diplodocus with a very long neck", "a volcano puffing gently",
                        "ferns taller than a house", "a gliding pterodactyl",
                        "giant footprints in the mud", "a stegosaurus taking a nap",
                        "a lake where dinosaurs drink", "a tyrannosaurus with the hiccups",
                    ),
                ),
            },
            Scene(
                skies=(((250, 200, 120), (255, 240, 200)), ((240, 130, 90), (255, 210, 150)), ((40, 30, 80), (120, 70, 120))),
                ground=(150, 150, 70), painter=scenes.paint_dinosaurs,
            ),
        ),
        Theme(
            "pirates",
            _("Pirates"),
            {
                "fr": ThemeWords(
                    place="la mer des pirates",
                    start="un bateau aux voiles rouges attend au port",
                    friend="Capitaine Coco, un perroquet bavard",
                    friend_short="Coco",
                    quest="le trésor de l’île aux palmiers",
                    title="{name} et le trésor de l’île aux palmiers",
                    things=(
                        "une carte au trésor un peu déchirée", "une île en forme de tortue",
                        "un dauphin qui montre le chemin", "une longue-vue magique",
                        "une grotte pleine d’échos", "un drapeau à tête de chat",
                        "une tempête qui fait danser le bateau", "une bouteille avec un message",
                    ),
                ),
                "en": ThemeWords(
                    place="the pirate sea",
                    start="a ship with red sails waits in the harbour",
                    friend="Captain Coco, a chatty parrot",
                    friend_short="Coco",
                    quest="the treasure of Palm Tree Island",
                    title="{name} and the Treasure of Palm Tree Island",
                    things=(
                        "a slightly torn treasure map", "an island shaped like a turtle",
                        "a dolphin showing the way", "a magic spyglass",
                        "a cave full of echoes", "a flag with a cat's face",
                        "a storm that makes the ship dance", "a bottle with a message",
                    ),
                ),
            },
            Scene(
                skies=(((100, 180, 250), (200, 235, 255)), ((250, 150, 110), (255, 220, 170)), ((15, 25, 70), (60, 70, 130))),
                ground=(40, 110, 170), painter=scenes.paint_pirates, sea=True,
            ),
        ),
        Theme(
            "castle",
            _("Knights and castles"),
            {
                "fr": ThemeWords(
                    place="le royaume du château",
                    start="un pont-levis descend au bout de la rue",
                    friend="Flamme, un petit dragon gentil",
                    friend_short="Flamme",
                    quest="la couronne disparue",
                    title="{name} et la couronne disparue",
                    things=(
                        "une tour avec un escalier en colimaçon", "un chevalier qui a peur des souris",
                        "un banquet de tartes aux pommes", "un jardin de roses qui parlent",
                        "un passage secret derrière un tableau", "un magicien à la barbe bleue",
                        "un tournoi de chevaux de bois", "une salle du trône pleine de lumière",
                    ),
                ),
                "en": ThemeWords(
                    place="the castle kingdom",
                    start="a drawbridge comes down at the end of the street",
                    friend="Ember, a kind little dragon",
                    friend_short="Ember",
                    quest="the missing crown",
                    title="{name} and the Missing Crown",
                    things=(
                        "a tower with a winding staircase", "a knight who is afraid of mice",
                        "a feast of apple pies", "a garden of talking roses",
                        "a secret passage behind a painting", "a wizard with a blue beard",
                        "a tournament of wooden horses", "a throne room full of light",
                    ),
                ),
            },
            Scene(
                skies=(((140, 190, 250), (230, 240, 255)), ((230, 150, 170), (255, 220, 200)), ((25, 25, 75), (80, 70, 140))),
                ground=(96, 160, 80), painter=scenes.paint_castle,
            ),
        ),
        Theme(
            "farm",
            _("On the farm"),
            {
                "fr": ThemeWords(
                    place="la ferme des Collines",
                    start="un tracteur rouge klaxonne devant la fenêtre",
                    friend="Praline, une vache qui adore chanter",
                    friend_short="Praline",
                    quest="le petit agneau égaré",
                    title="{name} à la ferme des Collines",
                    things=(
                        "une poule qui pond des œufs dorés", "un cochon qui se roule dans la boue",
                        "une grange remplie de foin", "un potager plein de citrouilles",
                        "un âne qui connaît des blagues", "des canards qui font la ronde",
                        "un champ de tournesols", "un chien de berger très malin",
                    ),
                ),
                "en": ThemeWords(
                    place="Hillside Farm",
                    start="a red tractor honks outside the window",
                    friend="Toffee, a cow who loves to sing",
                    friend_short="Toffee",
                    quest="the little lost lamb",
                    title="{name} at Hillside Farm",
                    things=(
                        "a hen laying golden eggs", "a pig rolling in the mud",
                        "a barn full of hay", "a vegetable patch full of pumpkins",
                        "a donkey who knows jokes", "ducks dancing in a circle",
                        "a field of sunflowers", "a very clever sheepdog",
                    ),
                ),
            },
            Scene(
                skies=(((130, 200, 250), (225, 245, 255)), ((255, 180, 110), (255, 235, 180)), ((25, 35, 85), (80, 90, 150))),
                ground=(120, 180, 70), painter=scenes.paint_farm,
            ),
        ),
        Theme(
            "jungle",
            _("Jungle safari"),
            {
                "fr": ThemeWords(
                    place="la jungle",
                    start="une liane descend du ciel jusqu’au lit",
                    friend="Kiki, un petit singe farceur",
                    friend_short="Kiki",
                    quest="la fleur qui brille la nuit",
                    title="{name} et la fleur qui brille la nuit",
                    things=(
                        "un toucan au bec multicolore", "une cascade qui chante",
                        "un éléphant qui arrose tout le monde", "un tigre qui ronronne",
                        "des papillons bleus comme le ciel", "un hamac entre deux palmiers",
                        "une girafe qui mange des nuages", "un perroquet qui parle trois langues",
                    ),
                ),
                "en": ThemeWords(
                    place="the jungle",
                    start="a vine drops from the sky down to the bed",
                    friend="Kiki, a cheeky little monkey",
                    friend_short="Kiki",
                    quest="the flower that glows at night",
                    title="{name} and the Flower that Glows at Night",
                    things=(
                        "a toucan with a rainbow beak", "a singing waterfall",
                        "an elephant spraying everyone", "a purring tiger",
                        "butterflies as blue as the sky", "a hammock between two palm trees",
                        "a giraffe nibbling clouds", "a parrot who speaks three languages",
                    ),
                ),
            },
            Scene(
                skies=(((150, 220, 200), (230, 250, 220)), ((250, 190, 110), (255, 235, 170)), ((15, 40, 50), (50, 90, 90))),
                ground=(40, 120, 50), painter=scenes.paint_jungle,
            ),
        ),
    )
}

GENERIC = Theme(
    "adventure",
    _("A great adventure"),
    {
        "fr": ThemeWords(
            place="le pays des rêves",
            start="une porte magique apparaît dans la chambre",
            friend="Plume, un petit oiseau bleu",
            friend_short="Plume",
            quest="le plus beau des sourires",
            title="La grande aventure de {name}",
            things=(
                "un arc-en-ciel qu’on peut escalader", "un nuage en forme de lapin",
                "une montagne de coussins", "un train qui roule dans le ciel",
                "une forêt de sucettes", "une rivière de chocolat chaud",
                "un cerf-volant qui parle", "une maison dans un arbre",
            ),
        ),
        "en": ThemeWords(
            place="the land of dreams",
            start="a magic door appears in the bedroom",
            friend="Feather, a little blue bird",
            friend_short="Feather",
            quest="the loveliest smile of all",
            title="{name}'s Great Adventure",
            things=(
                "a rainbow you can climb", "a cloud shaped like a rabbit",
                "a mountain of cushions", "a train that rides through the sky",
                "a forest of lollipops", "a river of hot chocolate",
                "a kite that talks", "a house in a tree",
            ),
        ),
    },
    Scene(
        skies=(((150, 200, 255), (240, 245, 255)), ((240, 160, 180), (255, 225, 210)), ((20, 20, 60), (70, 60, 120))),
        ground=(110, 170, 90), painter=scenes.paint_generic,
    ),
)



def theme_for(key: str) -> Theme:
    """Return the theme named `key`, or the generic adventure for a theme this generator does not know."""
    return THEMES.get(key, GENERIC)
