"""Story templates for the offline generator: per theme and language, with a generic fallback.

Sentences avoid gendered agreement in French (present tense, no participle after « être ») because the order does
not say whether the child is a girl or a boy; the child is named, never referred to by a pronoun.
"""

from dataclasses import dataclass

# Each theme: where the adventure happens, who comes along, what is sought, and the things met on the way
# (noun phrases with their indefinite article, so they fit any sentence pattern below).
THEMES: dict[str, dict[str, dict]] = {
    "space": {
        "fr": {
            "place": "les étoiles",
            "start": "une fusée argentée se pose dans le jardin",
            "friend": "Bip, un petit robot qui clignote",
            "friend_short": "Bip",
            "quest": "l’étoile filante perdue",
            "title": "{name} et l’étoile filante perdue",
            "things": [
                "une planète rose en forme de bonbon", "une comète à la longue queue dorée",
                "des anneaux de glace qui tintent", "une lune couverte de cratères moelleux",
                "un extraterrestre vert qui fait des bulles", "une pluie de météorites scintillantes",
                "une station spatiale en forme de fleur", "une nébuleuse violette et douce",
            ],
        },
        "en": {
            "place": "the stars",
            "start": "a silver rocket lands in the garden",
            "friend": "Beep, a little robot with blinking lights",
            "friend_short": "Beep",
            "quest": "the lost shooting star",
            "title": "{name} and the Lost Shooting Star",
            "things": [
                "a pink planet shaped like a sweet", "a comet with a long golden tail",
                "rings of ice that jingle", "a moon full of soft craters",
                "a green alien blowing bubbles", "a shower of sparkling meteors",
                "a space station shaped like a flower", "a soft purple nebula",
            ],
        },
    },
    "ocean": {
        "fr": {
            "place": "le fond de la mer",
            "start": "une bulle géante s’ouvre au bord de la plage",
            "friend": "Perle, une tortue de mer très sage",
            "friend_short": "Perle",
            "quest": "le coquillage qui chante",
            "title": "{name} et le coquillage qui chante",
            "things": [
                "un banc de poissons arc-en-ciel", "une pieuvre qui jongle avec des perles",
                "un jardin de coraux roses", "un hippocampe qui fait la course",
                "une baleine qui chante doucement", "un coffre couvert d’algues",
                "une méduse qui brille comme une lampe", "un crabe qui danse sur le sable",
            ],
        },
        "en": {
            "place": "the bottom of the sea",
            "start": "a giant bubble opens on the beach",
            "friend": "Pearl, a very wise sea turtle",
            "friend_short": "Pearl",
            "quest": "the singing seashell",
            "title": "{name} and the Singing Seashell",
            "things": [
                "a school of rainbow fish", "an octopus juggling pearls",
                "a garden of pink coral", "a seahorse having a race",
                "a whale singing softly", "a chest covered in seaweed",
                "a jellyfish glowing like a lamp", "a crab dancing on the sand",
            ],
        },
    },
    "forest": {
        "fr": {
            "place": "la forêt enchantée",
            "start": "un sentier de lucioles s’allume derrière la maison",
            "friend": "Noisette, un écureuil qui parle",
            "friend_short": "Noisette",
            "quest": "la clé du vieux chêne",
            "title": "{name} et la clé du vieux chêne",
            "things": [
                "un champignon géant à pois blancs", "un hibou qui porte des lunettes",
                "une rivière qui rit", "un renard qui connaît tous les chemins",
                "une clairière pleine de fées", "un pont fait de racines",
                "un arbre qui raconte des histoires", "une famille de hérissons",
            ],
        },
        "en": {
            "place": "the enchanted forest",
            "start": "a path of fireflies lights up behind the house",
            "friend": "Hazel, a talking squirrel",
            "friend_short": "Hazel",
            "quest": "the key of the old oak",
            "title": "{name} and the Key of the Old Oak",
            "things": [
                "a giant spotted mushroom", "an owl wearing glasses",
                "a river that laughs", "a fox who knows every path",
                "a clearing full of fairies", "a bridge made of roots",
                "a tree that tells stories", "a family of hedgehogs",
            ],
        },
    },
    "dinosaurs": {
        "fr": {
            "place": "la vallée des dinosaures",
            "start": "un gros œuf tacheté roule jusqu’à la porte",
            "friend": "Tricé, un bébé tricératops",
            "friend_short": "Tricé",
            "quest": "le nid de la maman de Tricé",
            "title": "{name} au pays des dinosaures",
            "things": [
                "un diplodocus au cou immense", "un volcan qui fume doucement",
                "des fougères plus hautes qu’une maison", "un ptérodactyle qui plane",
                "des empreintes géantes dans la boue", "un stégosaure qui fait la sieste",
                "un lac où boivent les dinosaures", "un tyrannosaure qui a le hoquet",
            ],
        },
        "en": {
            "place": "the valley of the dinosaurs",
            "start": "a big spotted egg rolls up to the door",
            "friend": "Trixie, a baby triceratops",
            "friend_short": "Trixie",
            "quest": "the nest of Trixie's mother",
            "title": "{name} in Dinosaur Land",
            "things": [
                "a diplodocus with a very long neck", "a volcano puffing gently",
                "ferns taller than a house", "a gliding pterodactyl",
                "giant footprints in the mud", "a stegosaurus taking a nap",
                "a lake where dinosaurs drink", "a tyrannosaurus with the hiccups",
            ],
        },
    },
    "pirates": {
        "fr": {
            "place": "la mer des pirates",
            "start": "un bateau aux voiles rouges attend au port",
            "friend": "Capitaine Coco, un perroquet bavard",
            "friend_short": "Coco",
            "quest": "le trésor de l’île aux palmiers",
            "title": "{name} et le trésor de l’île aux palmiers",
            "things": [
                "une carte au trésor un peu déchirée", "une île en forme de tortue",
                "un dauphin qui montre le chemin", "une longue-vue magique",
                "une grotte pleine d’échos", "un drapeau à tête de chat",
                "une tempête qui fait danser le bateau", "une bouteille avec un message",
            ],
        },
        "en": {
            "place": "the pirate sea",
            "start": "a ship with red sails waits in the harbour",
            "friend": "Captain Coco, a chatty parrot",
            "friend_short": "Coco",
            "quest": "the treasure of Palm Tree Island",
            "title": "{name} and the Treasure of Palm Tree Island",
            "things": [
                "a slightly torn treasure map", "an island shaped like a turtle",
                "a dolphin showing the way", "a magic spyglass",
                "a cave full of echoes", "a flag with a cat's face",
                "a storm that makes the ship dance", "a bottle with a message",
            ],
        },
    },
    "castle": {
        "fr": {
            "place": "le royaume du château",
            "start": "un pont-levis descend au bout de la rue",
            "friend": "Flamme, un petit dragon gentil",
            "friend_short": "Flamme",
            "quest": "la couronne disparue",
            "title": "{name} et la couronne disparue",
            "things": [
                "une tour avec un escalier en colimaçon", "un chevalier qui a peur des souris",
                "un banquet de tartes aux pommes", "un jardin de roses qui parlent",
                "un passage secret derrière un tableau", "un magicien à la barbe bleue",
                "un tournoi de chevaux de bois", "une salle du trône pleine de lumière",
            ],
        },
        "en": {
            "place": "the castle kingdom",
            "start": "a drawbridge comes down at the end of the street",
            "friend": "Ember, a kind little dragon",
            "friend_short": "Ember",
            "quest": "the missing crown",
            "title": "{name} and the Missing Crown",
            "things": [
                "a tower with a winding staircase", "a knight who is afraid of mice",
                "a feast of apple pies", "a garden of talking roses",
                "a secret passage behind a painting", "a wizard with a blue beard",
                "a tournament of wooden horses", "a throne room full of light",
            ],
        },
    },
    "farm": {
        "fr": {
            "place": "la ferme des Collines",
            "start": "un tracteur rouge klaxonne devant la fenêtre",
            "friend": "Praline, une vache qui adore chanter",
            "friend_short": "Praline",
            "quest": "le petit agneau égaré",
            "title": "{name} à la ferme des Collines",
            "things": [
                "une poule qui pond des œufs dorés", "un cochon qui se roule dans la boue",
                "une grange remplie de foin", "un potager plein de citrouilles",
                "un âne qui connaît des blagues", "des canards qui font la ronde",
                "un champ de tournesols", "un chien de berger très malin",
            ],
        },
        "en": {
            "place": "Hillside Farm",
            "start": "a red tractor honks outside the window",
            "friend": "Toffee, a cow who loves to sing",
            "friend_short": "Toffee",
            "quest": "the little lost lamb",
            "title": "{name} at Hillside Farm",
            "things": [
                "a hen laying golden eggs", "a pig rolling in the mud",
                "a barn full of hay", "a vegetable patch full of pumpkins",
                "a donkey who knows jokes", "ducks dancing in a circle",
                "a field of sunflowers", "a very clever sheepdog",
            ],
        },
    },
    "jungle": {
        "fr": {
            "place": "la jungle",
            "start": "une liane descend du ciel jusqu’au lit",
            "friend": "Kiki, un petit singe farceur",
            "friend_short": "Kiki",
            "quest": "la fleur qui brille la nuit",
            "title": "{name} et la fleur qui brille la nuit",
            "things": [
                "un toucan au bec multicolore", "une cascade qui chante",
                "un éléphant qui arrose tout le monde", "un tigre qui ronronne",
                "des papillons bleus comme le ciel", "un hamac entre deux palmiers",
                "une girafe qui mange des nuages", "un perroquet qui parle trois langues",
            ],
        },
        "en": {
            "place": "the jungle",
            "start": "a vine drops from the sky down to the bed",
            "friend": "Kiki, a cheeky little monkey",
            "friend_short": "Kiki",
            "quest": "the flower that glows at night",
            "title": "{name} and the Flower that Glows at Night",
            "things": [
                "a toucan with a rainbow beak", "a singing waterfall",
                "an elephant spraying everyone", "a purring tiger",
                "butterflies as blue as the sky", "a hammock between two palm trees",
                "a giraffe nibbling clouds", "a parrot who speaks three languages",
            ],
        },
    },
}

GENERIC = {
    "fr": {
        "place": "le pays des rêves",
        "start": "une porte magique apparaît dans la chambre",
        "friend": "Plume, un petit oiseau bleu",
        "friend_short": "Plume",
        "quest": "le plus beau des sourires",
        "title": "La grande aventure de {name}",
        "things": [
            "un arc-en-ciel qu’on peut escalader", "un nuage en forme de lapin",
            "une montagne de coussins", "un train qui roule dans le ciel",
            "une forêt de sucettes", "une rivière de chocolat chaud",
            "un cerf-volant qui parle", "une maison dans un arbre",
        ],
    },
    "en": {
        "place": "the land of dreams",
        "start": "a magic door appears in the bedroom",
        "friend": "Feather, a little blue bird",
        "friend_short": "Feather",
        "quest": "the loveliest smile of all",
        "title": "{name}'s Great Adventure",
        "things": [
            "a rainbow you can climb", "a cloud shaped like a rabbit",
            "a mountain of cushions", "a train that rides through the sky",
            "a forest of lollipops", "a river of hot chocolate",
            "a kite that talks", "a house in a tree",
        ],
    },
}

# Sentence patterns by age band: "young" (up to 4) one short sentence, "middle" (5–7) two, "older" (8+) three.
OPENING = {
    "fr": {
        "young": "Voici {name}. Un jour, {start} !",
        "middle": "Voici {name}, {age_phrase}. Un beau matin, {start}.",
        "older": "Voici {name}, {age_phrase}, qui rêve d’aventures. Un beau matin, {start}, "
        "et {friend}, en sort pour demander de l’aide.",
    },
    "en": {
        "young": "This is {name}. One day, {start}!",
        "middle": "This is {name}, {age_phrase}. One fine morning, {start}.",
        "older": "This is {name}, {age_phrase}, who dreams of adventures. One fine morning, {start}, "
        "and out comes {friend}, asking for help.",
    },
}

MIDDLE = {
    "fr": {
        "young": [
            "{name} voit {thing}.",
            "Oh ! Voici {thing}.",
            "{friend_short} montre {thing} à {name}.",
            "{name} dit bonjour à {thing_bare}.",
            "Regarde, {name} : {thing} !",
        ],
        "middle": [
            "{name} découvre {thing}. Quelle surprise !",
            "Sur le chemin, {friend_short} montre {thing} à {name}. Tout le monde rit.",
            "Soudain, {name} aperçoit {thing}. {name} fait un grand sourire.",
            "Avec {friend_short}, {name} rencontre {thing}. C’est le début d’une amitié.",
            "Plus loin, {name} trouve {thing}. {friend_short} applaudit.",
        ],
        "older": [
            "Au cœur de {place}, {name} découvre {thing}. {friend_short} chuchote que c’est un indice "
            "pour trouver {quest}. Le courage de {name} grandit à chaque pas.",
            "Le chemin monte et descend, puis {name} aperçoit {thing}. Il faut réfléchir vite : "
            "{name} a une idée brillante. {friend_short} n’en revient pas.",
            "Plus loin, {friend_short} montre {thing} à {name}. Ensemble, ils observent, écoutent et "
            "comprennent un nouveau secret de {place}.",
            "Personne n’avait encore vu {thing}. {name} prend le temps de regarder chaque détail, "
            "car les vrais explorateurs sont patients.",
            "Grâce à {thing}, {name} avance encore. La quête de {quest} ne fait que commencer, "
            "et {friend_short} chante de joie.",
        ],
    },
    "en": {
        "young": [
            "{name} sees {thing}.",
            "Oh! Here is {thing}.",
            "{friend_short} shows {name} {thing}.",
            "{name} says hello to {thing}.",
            "Look, {name}: {thing}!",
        ],
        "middle": [
            "{name} finds {thing}. What a surprise!",
            "On the way, {friend_short} shows {name} {thing}. Everyone laughs.",
            "Suddenly, {name} spots {thing}. {name} smiles from ear to ear.",
            "Together with {friend_short}, {name} meets {thing}. A new friendship begins.",
            "A little further on, {name} discovers {thing}. {friend_short} claps.",
        ],
        "older": [
            "Deep in {place}, {name} discovers {thing}. {friend_short} whispers that it is a clue to "
            "{quest}. With every step, {name} feels braver.",
            "The path goes up and down, and then {name} spots {thing}. There is no time to lose: "
            "{name} has a brilliant idea. {friend_short} can hardly believe it.",
            "Further on, {friend_short} shows {name} {thing}. Together they watch, listen and learn "
            "another secret of {place}.",
            "Nobody has ever seen {thing} before. {name} takes the time to look at every detail, "
            "because real explorers are patient.",
            "Thanks to {thing}, {name} keeps going. The search for {quest} has only just begun, "
            "and {friend_short} sings with joy.",
        ],
    },
}

ENDING = {
    "fr": {
        "young": "{name} trouve {quest}. Bravo, {name} ! Bonne nuit.",
        "middle": "Enfin, {name} trouve {quest}. De retour à la maison, {name} s’endort en souriant.",
        "older": "Enfin, {name} trouve {quest}, et c’est la fête dans {place}. Le soir, de retour à la maison, "
        "{name} s’endort en pensant déjà à la prochaine aventure.",
    },
    "en": {
        "young": "{name} finds {quest}. Well done, {name}! Good night.",
        "middle": "At last, {name} finds {quest}. Back home, {name} falls asleep smiling.",
        "older": "At last, {name} finds {quest}, and everyone in {place} celebrates. That night, back home, "
        "{name} falls asleep already dreaming of the next adventure.",
    },
}


@dataclass(frozen=True)
class Words:
    """The theme's words in one language, with the generic words appended so long books never run short."""

    place: str
    start: str
    friend: str
    friend_short: str
    quest: str
    title: str
    things: list[str]


def theme_words(theme: str, language: str) -> Words:
    """Return the theme's words in `language`, falling back to the generic adventure and to English."""
    language = language if language in ("fr", "en") else "en"
    own = THEMES.get(theme, {}).get(language) or GENERIC[language]
    things = list(own["things"]) + [t for t in GENERIC[language]["things"] if t not in own["things"]]
    return Words(**{**own, "things": things})


def age_band(age: int) -> str:
    if age <= 4:
        return "young"
    if age <= 7:
        return "middle"
    return "older"


def age_phrase(age: int, language: str) -> str:
    if language == "fr":
        return f"{age} an" if age == 1 else f"{age} ans"
    return f"{age} year old" if age == 1 else f"{age} years old"


FRENCH_VOWELS = set("aeiouyàâäéèêëîïôöùûüÿæœAEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÆŒ")


def elide(text: str) -> str:
    """Apply French elision before a vowel: « de Anna » → « d’Anna », « que Élise » → « qu’Élise »."""
    words = text.split(" ")
    out: list[str] = []
    for word in words:
        previous = out[-1] if out else None
        if word and word[0] in FRENCH_VOWELS and previous in ("de", "De", "que", "Que", "le", "la", "Le", "La"):
            out[-1] = {"de": "d’", "De": "D’", "que": "qu’", "Que": "Qu’"}.get(previous, previous[0] + "’") + word
            continue
        out.append(word)
    return " ".join(out)


def contract_a(text: str) -> str:
    """Contract French « à le », « de les »… into « au », « des »…"""
    for before, after in ((" à le ", " au "), (" à les ", " aux "), (" de le ", " du "), (" de les ", " des ")):
        text = text.replace(before, after)
    return text


def bare(thing: str, language: str) -> str:
    """Turn « un hibou » into « le hibou » for sentences that greet what was already seen."""
    if language != "fr":
        return thing
    for article, definite in (("un ", "le "), ("une ", "la "), ("des ", "les ")):
        if thing.startswith(article):
            return definite + thing[len(article):]
    return thing


def finish(text: str, language: str) -> str:
    """Apply the language's typography: elision, contractions and non-breaking spaces before « ! ? : »."""
    if language != "fr":
        return text
    text = contract_a(elide(text))
    for mark in ("!", "?", ":", ";"):
        text = text.replace(f" {mark}", f"\u202f{mark}")
    return text
