"""The themes, one record each: the label a parent picks, the story material in every language, the scenery.

Story and painter share one closed vocabulary per theme: every character and thing the story names is a `Named`
whose `key` is a drawing of generation/offline/elements.py (the companion, what starts the adventure, what is sought,
the things met on the way). Each language says it with its own noun phrase (with its indefinite article, so it fits
any sentence pattern of generation/offline/languages.py) and the word a reader spots it by (`mark`). A theme missing
from an order falls back to GENERIC.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import scenes
from .scenes import Scene


@dataclass(frozen=True)
class Named:
    """One word of a theme's vocabulary in one language: the drawing it stands for, how it is said, how it is spotted."""

    key: str  # the drawing of generation/offline/elements.py
    phrase: str  # how the story says it ("an owl wearing glasses"; for `start`, the whole clause)
    mark: str  # the word every sentence that names it contains ("owl"), so a test can hold the picture to the text


@dataclass(frozen=True)
class ThemeWords:
    """A theme's story material in one language."""

    place: str
    start: Named
    friend: Named  # phrase: "Hazel, a talking squirrel"; mark: the short name used once introduced
    quest: Named
    title: str
    things: tuple[Named, ...]

    @property
    def friend_short(self) -> str:
        return self.friend.mark

    def vocabulary(self) -> tuple[Named, ...]:
        return (self.friend, self.start, self.quest, *self.things)


@dataclass(frozen=True)
class Theme:
    key: str
    label: str | Promise
    words: dict[str, ThemeWords]  # by language code, one entry per language of settings.LANGUAGES
    scene: Scene


N = Named

THEMES: dict[str, Theme] = {
    theme.key: theme
    for theme in (
        Theme(
            "space",
            _("Space adventure"),
            {
                "fr": ThemeWords(
                    place="les étoiles",
                    start=N("rocket", "une fusée argentée se pose dans le jardin", "fusée"),
                    friend=N("robot", "Bip, un petit robot qui clignote", "Bip"),
                    quest=N("shooting_star", "l’étoile filante perdue", "étoile filante"),
                    title="{name} et l’étoile filante perdue",
                    things=(
                        N("pink_planet", "une planète rose en forme de bonbon", "planète"),
                        N("comet", "une comète à la longue queue dorée", "comète"),
                        N("ice_rings", "des anneaux de glace qui tintent", "anneaux"),
                        N("alien", "un extraterrestre vert qui fait des bulles", "extraterrestre"),
                        N("space_station", "une station spatiale en forme de fleur", "station"),
                    ),
                ),
                "en": ThemeWords(
                    place="the stars",
                    start=N("rocket", "a silver rocket lands in the garden", "rocket"),
                    friend=N("robot", "Beep, a little robot with blinking lights", "Beep"),
                    quest=N("shooting_star", "the lost shooting star", "shooting star"),
                    title="{name} and the Lost Shooting Star",
                    things=(
                        N("pink_planet", "a pink planet shaped like a sweet", "planet"),
                        N("comet", "a comet with a long golden tail", "comet"),
                        N("ice_rings", "rings of ice that jingle", "rings"),
                        N("alien", "a green alien blowing bubbles", "alien"),
                        N("space_station", "a space station shaped like a flower", "station"),
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
                    start=N("giant_bubble", "une bulle géante s’ouvre au bord de la plage", "bulle"),
                    friend=N("sea_turtle", "Perle, une tortue de mer très sage", "Perle"),
                    quest=N("singing_shell", "le coquillage qui chante", "coquillage"),
                    title="{name} et le coquillage qui chante",
                    things=(
                        N("rainbow_fish", "un banc de poissons arc-en-ciel", "poissons"),
                        N("octopus", "une pieuvre qui jongle avec des perles", "pieuvre"),
                        N("coral_garden", "un jardin de coraux roses", "coraux"),
                        N("whale", "une baleine qui chante doucement", "baleine"),
                        N("crab", "un crabe qui danse sur le sable", "crabe"),
                    ),
                ),
                "en": ThemeWords(
                    place="the bottom of the sea",
                    start=N("giant_bubble", "a giant bubble opens on the beach", "bubble"),
                    friend=N("sea_turtle", "Pearl, a very wise sea turtle", "Pearl"),
                    quest=N("singing_shell", "the singing seashell", "seashell"),
                    title="{name} and the Singing Seashell",
                    things=(
                        N("rainbow_fish", "a school of rainbow fish", "fish"),
                        N("octopus", "an octopus juggling pearls", "octopus"),
                        N("coral_garden", "a garden of pink coral", "coral"),
                        N("whale", "a whale singing softly", "whale"),
                        N("crab", "a crab dancing on the sand", "crab"),
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
                    start=N("fireflies", "un sentier de lucioles s’allume derrière la maison", "lucioles"),
                    friend=N("squirrel", "Noisette, un écureuil qui parle", "Noisette"),
                    quest=N("oak_key", "la clé du vieux chêne", "clé"),
                    title="{name} et la clé du vieux chêne",
                    things=(
                        N("mushroom", "un champignon géant à pois blancs", "champignon"),
                        N("owl", "un hibou qui porte des lunettes", "hibou"),
                        N("fox", "un renard qui connaît tous les chemins", "renard"),
                        N("fairies", "une clairière pleine de fées", "fées"),
                        N("root_bridge", "un pont fait de racines", "pont"),
                        N("hedgehogs", "une famille de hérissons", "hérissons"),
                    ),
                ),
                "en": ThemeWords(
                    place="the enchanted forest",
                    start=N("fireflies", "a path of fireflies lights up behind the house", "fireflies"),
                    friend=N("squirrel", "Hazel, a talking squirrel", "Hazel"),
                    quest=N("oak_key", "the key of the old oak", "key"),
                    title="{name} and the Key of the Old Oak",
                    things=(
                        N("mushroom", "a giant spotted mushroom", "mushroom"),
                        N("owl", "an owl wearing glasses", "owl"),
                        N("fox", "a fox who knows every path", "fox"),
                        N("fairies", "a clearing full of fairies", "fairies"),
                        N("root_bridge", "a bridge made of roots", "bridge"),
                        N("hedgehogs", "a family of hedgehogs", "hedgehogs"),
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
                    start=N("spotted_egg", "un gros œuf tacheté roule jusqu’à la porte", "œuf"),
                    friend=N("triceratops", "Tricé, un bébé tricératops", "Tricé"),
                    quest=N("nest", "le nid caché", "nid"),
                    title="{name} au pays des dinosaures",
                    things=(
                        N("diplodocus", "un diplodocus au cou immense", "diplodocus"),
                        N("volcano", "un volcan qui fume doucement", "volcan"),
                        N("pterodactyl", "un ptérodactyle qui plane", "ptérodactyle"),
                        N("stegosaurus", "un stégosaure qui fait la sieste", "stégosaure"),
                        N("tyrannosaurus", "un tyrannosaure qui a le hoquet", "tyrannosaure"),
                    ),
                ),
                "en": ThemeWords(
                    place="the valley of the dinosaurs",
                    start=N("spotted_egg", "a big spotted egg rolls up to the door", "egg"),
                    friend=N("triceratops", "Trixie, a baby triceratops", "Trixie"),
                    quest=N("nest", "the hidden nest", "nest"),
                    title="{name} in Dinosaur Land",
                    things=(
                        N("diplodocus", "a diplodocus with a very long neck", "diplodocus"),
                        N("volcano", "a volcano puffing gently", "volcano"),
                        N("pterodactyl", "a gliding pterodactyl", "pterodactyl"),
                        N("stegosaurus", "a stegosaurus taking a nap", "stegosaurus"),
                        N("tyrannosaurus", "a tyrannosaurus with the hiccups", "tyrannosaurus"),
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
                    start=N("red_ship", "un bateau aux voiles rouges attend au port", "bateau"),
                    friend=N("parrot", "Capitaine Coco, un perroquet bavard", "Coco"),
                    quest=N("treasure", "le trésor de l’île aux palmiers", "trésor"),
                    title="{name} et le trésor de l’île aux palmiers",
                    things=(
                        N("map", "une vieille carte un peu déchirée", "carte"),
                        N("turtle_island", "une île en forme de tortue", "forme de tortue"),
                        N("dolphin", "un dauphin qui montre le chemin", "dauphin"),
                        N("spyglass", "une longue-vue magique", "longue-vue"),
                        N("bottle", "une bouteille avec un message", "bouteille"),
                    ),
                ),
                "en": ThemeWords(
                    place="the pirate sea",
                    start=N("red_ship", "a ship with red sails waits in the harbour", "ship"),
                    friend=N("parrot", "Captain Coco, a chatty parrot", "Coco"),
                    quest=N("treasure", "the treasure of Palm Tree Island", "treasure"),
                    title="{name} and the Treasure of Palm Tree Island",
                    things=(
                        N("map", "a slightly torn old map", "map"),
                        N("turtle_island", "an island shaped like a turtle", "shaped like a turtle"),
                        N("dolphin", "a dolphin showing the way", "dolphin"),
                        N("spyglass", "a magic spyglass", "spyglass"),
                        N("bottle", "a bottle with a message", "bottle"),
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
                    start=N("drawbridge", "un pont-levis descend au bout de la rue", "pont-levis"),
                    friend=N("dragon", "Flamme, un petit dragon gentil", "Flamme"),
                    quest=N("crown", "la couronne disparue", "couronne"),
                    title="{name} et la couronne disparue",
                    things=(
                        N("knight", "un chevalier qui a peur des souris", "chevalier"),
                        N("apple_pies", "un banquet de tartes aux pommes", "tartes"),
                        N("roses", "un jardin de roses qui parlent", "roses"),
                        N("wizard", "un magicien à la barbe bleue", "magicien"),
                        N("wooden_horses", "un tournoi de chevaux de bois", "chevaux de bois"),
                    ),
                ),
                "en": ThemeWords(
                    place="the castle kingdom",
                    start=N("drawbridge", "a drawbridge comes down at the end of the street", "drawbridge"),
                    friend=N("dragon", "Ember, a kind little dragon", "Ember"),
                    quest=N("crown", "the missing crown", "crown"),
                    title="{name} and the Missing Crown",
                    things=(
                        N("knight", "a knight who is afraid of mice", "knight"),
                        N("apple_pies", "a feast of apple pies", "pies"),
                        N("roses", "a garden of talking roses", "roses"),
                        N("wizard", "a wizard with a blue beard", "wizard"),
                        N("wooden_horses", "a tournament of wooden horses", "wooden horses"),
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
                    start=N("tractor", "un tracteur rouge klaxonne devant la fenêtre", "tracteur"),
                    friend=N("cow", "Praline, une vache qui adore chanter", "Praline"),
                    quest=N("lamb", "le petit agneau égaré", "agneau"),
                    title="{name} à la ferme des Collines",
                    things=(
                        N("hen", "une poule qui pond des œufs dorés", "poule"),
                        N("pig", "un cochon qui se roule dans la boue", "cochon"),
                        N("pumpkins", "un potager plein de citrouilles", "citrouilles"),
                        N("donkey", "un âne qui connaît des blagues", "âne"),
                        N("ducks", "des canards qui font la ronde", "canards"),
                    ),
                ),
                "en": ThemeWords(
                    place="Hillside Farm",
                    start=N("tractor", "a red tractor honks outside the window", "tractor"),
                    friend=N("cow", "Toffee, a cow who loves to sing", "Toffee"),
                    quest=N("lamb", "the little lost lamb", "lamb"),
                    title="{name} at Hillside Farm",
                    things=(
                        N("hen", "a hen laying golden eggs", "hen"),
                        N("pig", "a pig rolling in the mud", "pig"),
                        N("pumpkins", "a vegetable patch full of pumpkins", "pumpkins"),
                        N("donkey", "a donkey who knows jokes", "donkey"),
                        N("ducks", "ducks dancing in a circle", "ducks"),
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
                    start=N("vine", "une liane descend du ciel jusqu’au lit", "liane"),
                    friend=N("monkey", "Kiki, un petit singe farceur", "Kiki"),
                    quest=N("glowing_flower", "la fleur qui brille la nuit", "fleur"),
                    title="{name} et la fleur qui brille la nuit",
                    things=(
                        N("toucan", "un toucan au bec multicolore", "toucan"),
                        N("waterfall", "une cascade qui chante", "cascade"),
                        N("elephant", "un éléphant qui arrose tout le monde", "éléphant"),
                        N("tiger", "un tigre qui ronronne", "tigre"),
                        N("giraffe", "une girafe qui mange des nuages", "girafe"),
                    ),
                ),
                "en": ThemeWords(
                    place="the jungle",
                    start=N("vine", "a vine drops from the sky down to the bed", "vine"),
                    friend=N("monkey", "Kiki, a cheeky little monkey", "Kiki"),
                    quest=N("glowing_flower", "the flower that glows at night", "flower"),
                    title="{name} and the Flower that Glows at Night",
                    things=(
                        N("toucan", "a toucan with a rainbow beak", "toucan"),
                        N("waterfall", "a singing waterfall", "waterfall"),
                        N("elephant", "an elephant spraying everyone", "elephant"),
                        N("tiger", "a purring tiger", "tiger"),
                        N("giraffe", "a giraffe nibbling clouds", "giraffe"),
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
            start=N("magic_door", "une porte magique apparaît dans la chambre", "porte"),
            friend=N("bluebird", "Plume, un petit oiseau bleu", "Plume"),
            quest=N("golden_star", "l’étoile dorée des rêves", "étoile dorée"),
            title="La grande aventure de {name}",
            things=(
                N("rainbow", "un arc-en-ciel qu’on peut escalader", "arc-en-ciel"),
                N("cloud_rabbit", "un nuage en forme de lapin", "lapin"),
                N("sky_train", "un train qui roule dans le ciel", "train"),
                N("lollipops", "une forêt de sucettes", "sucettes"),
                N("kite", "un cerf-volant qui parle", "cerf-volant"),
            ),
        ),
        "en": ThemeWords(
            place="the land of dreams",
            start=N("magic_door", "a magic door appears in the bedroom", "door"),
            friend=N("bluebird", "Feather, a little blue bird", "Feather"),
            quest=N("golden_star", "the golden star of dreams", "golden star"),
            title="{name}'s Great Adventure",
            things=(
                N("rainbow", "a rainbow you can climb", "rainbow"),
                N("cloud_rabbit", "a cloud shaped like a rabbit", "rabbit"),
                N("sky_train", "a train that rides through the sky", "train"),
                N("lollipops", "a forest of lollipops", "lollipops"),
                N("kite", "a kite that talks", "kite"),
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
