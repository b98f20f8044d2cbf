"""Safety phrase rules for arriving patient messages: pure functions of the text.

Emergency phrases (chest pain, stroke signs, suicidal thoughts, severe bleeding, trouble
breathing, overdose, loss of consciousness, seizures, anaphylaxis, ...) and a smaller set
of "urgent" (same-day) phrases, in English and Spanish. The text is normalised first
(lowercase, accents stripped, apostrophes dropped, whitespace collapsed, letters repeated
three or more times squeezed), so "Dolor de PECHO", "dolor de pecho" and "cant breathe"
meet the same patterns. Patterns use word boundaries and allow a few words in between
("pain in my chest", "me duele mucho el pecho").

Safety first: there is deliberately no negation handling ("no chest pain" still matches).
A coordinator dismisses a false alarm in seconds; a missed emergency is not recoverable.
The only exclusions are compound nouns that name a medicine or a service rather than an
event ("seizure medication", "stroke clinic"), and any other mention of the same word in
the message still matches.

No I/O, no clock: importable and testable on its own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

EMERGENCY = "emergency"
URGENT = "urgent"
ROUTINE = "routine"

# Up to ``n`` extra words between two words of a phrase.
_GAP1 = r"(?:\w+\W+){0,1}?"
_GAP2 = r"(?:\w+\W+){0,2}?"
_GAP3 = r"(?:\w+\W+){0,3}?"
_GAP4 = r"(?:\w+\W+){0,4}?"

_MEDS_EN = (
    r"(?:meds?|medications?|medicines?|pills?|tablets?|insulin|inhalers?|prescriptions?|"
    r"doses?|rx)"
)
_MEDS_ES = (
    r"(?:medicinas?|medicamentos?|pastillas?|pildoras?|tabletas?|insulina|inhalador|"
    r"remedios?|receta)"
)
_NOT_A_LAB = r"(?!\W*(?:work|test|tests|draw|drawn|pressure|sugar|type|panel|results?|count))"


@dataclass(frozen=True)
class PhraseRule:
    level: str  # EMERGENCY | URGENT
    phrase: str  # canonical phrase shown to the coordinator
    language: str  # 'en' | 'es'
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class RuleMatch:
    level: str
    phrase: str
    language: str

    @property
    def reason(self) -> str:
        return f'{self.level} phrase "{self.phrase}" ({self.language})'


def _rule(level: str, phrase: str, language: str, *alternatives: str) -> PhraseRule:
    body = "|".join(f"(?:{a})" for a in alternatives)
    return PhraseRule(level, phrase, language, re.compile(rf"\b(?:{body})\b"))


_E, _U = EMERGENCY, URGENT

RULES: tuple[PhraseRule, ...] = (
    # ---------------------------------------------------------------- English, emergency
    _rule(
        _E,
        "chest pain",
        "en",
        rf"chest\W+{_GAP2}(?:pains?|painful|hurts?|hurting|aches?|aching|pressure|tight|"
        r"tightness|heavy|heaviness|squeezing|crushing|burning|is\W+killing)",
        rf"(?:pains?|pressure|tightness|tight|squeezing|heaviness|crushing|sharp|stabbing|"
        rf"sitting\W+on|weight\W+on|elephant)"
        rf"\W+{_GAP2}chest(?!\W*(?:x\W*rays?|xrays?|ct|scan|imaging|film))",
    ),
    _rule(_E, "heart attack", "en", r"heart\W+attack"),
    _rule(
        _E,
        "face drooping",
        "en",
        rf"face\W+{_GAP2}(?:droop\w*|sagg\w*|crooked|lopsided|numb)",
        rf"(?:droop\w*|sagg\w*|crooked|lopsided)\W+{_GAP2}(?:face|mouth|smile)",
        rf"(?:mouth|smile|lip)\W+{_GAP2}(?:droop\w*|sagg\w*|crooked|lopsided)",
        r"one\W+side\W+of\W+(?:my\W+|his\W+|her\W+|their\W+|the\W+)?(?:face|mouth)",
    ),
    _rule(
        _E,
        "slurred speech",
        "en",
        r"slurr(?:ed|ing|s)",
        rf"(?:trouble|difficulty|hard\W+time|problems?)\W+{_GAP1}(?:speaking|talking)",
        r"cant\W+get\W+(?:the\W+|his\W+|her\W+|my\W+)?words\W+out",
        r"(?:cant|cannot|couldnt|unable\W+to)\W+(?:talk|speak)\W+(?:properly|clearly|normally)",
        rf"(?:speech|talking|voice)\W+{_GAP2}(?:garbled|slurred|jumbled|wrong|weird|strange|off|"
        r"funny|gibberish)",
        r"(?:talking|speaking)\W+gibberish",
    ),
    _rule(
        _E,
        "arm weakness",
        "en",
        rf"arms?\W+{_GAP2}(?:weak|weakness|numb|limp|went\W+dead|wont\W+move|cant\W+move)",
        rf"(?:weak|weakness|numb|numbness)\W+{_GAP3}arms?",
        rf"(?:cant|cannot|couldnt|unable\W+to)\W+(?:lift|raise|move)\W+{_GAP2}arms?",
        r"(?:weak|weakness|numb|numbness)\W+(?:on|in|down)\W+(?:one|the\W+(?:left|right)|"
        r"(?:my|his|her)\W+(?:left|right))\W+side",
        rf"one\W+side\W+{_GAP3}(?:weak|numb|paralyzed|went\W+dead)",
    ),
    _rule(
        _E,
        "stroke",
        "en",
        r"stro+ke(?!\W*(?:clinic|rehab\w*|follow\W*up|support|unit|prevention))",
    ),
    _rule(_E, "suicidal thoughts", "en", r"suicid\w*"),
    _rule(
        _E,
        "kill myself",
        "en",
        r"kill(?:ing)?\W+my\W*self",
        r"kill(?:ing)?\W+(?:him|her|them)\W*sel(?:f|ves)",
        r"end(?:s|ing)?\W+(?:(?:my|his|her|their)\W+(?:own\W+)?life|it\W+all)",
        r"take\W+(?:my|his|her|their)\W+(?:own\W+)?life",
    ),
    _rule(
        _E,
        "want to die",
        "en",
        r"(?:wants?|wanna|wanted|wanting|ready)\W+(?:to\W+)?die",
        r"wish\W+(?:i\W+)?(?:was|were|could\W+be)\W+dead",
        r"better\W+off\W+dead",
        r"(?:dont|do\W+not)\W+want\W+to\W+(?:live|be\W+alive|be\W+here\W+anymore|wake\W+up)",
        r"no\W+reason\W+to\W+(?:live|go\W+on)",
    ),
    _rule(
        _E,
        "self-harm",
        "en",
        r"self\W*harm\w*",
        rf"(?:want|wanting|thinking|thoughts|urge)\W+{_GAP2}(?:hurt|hurting|harm|harming|cut|"
        r"cutting)\W+my\W*self",
        r"cutting\W+my\W*self",
    ),
    _rule(
        _E,
        "severe bleeding",
        "en",
        rf"(?:severe|severely|heavy|heavily|profuse|uncontrolled|lots\W+of|a\W+lot\W+of|so\W+much)"
        rf"\W+{_GAP1}(?:bleed\w*|blood{_NOT_A_LAB})",
        rf"bleed\w*\W+{_GAP1}(?:heavily|badly|a\W+lot|really\W+bad|so\W+much|everywhere|"
        r"through)",
        rf"blood{_NOT_A_LAB}\W+(?:is\W+)?everywhere",
        r"gushing\W+blood|blood\W+gushing",
    ),
    _rule(
        _E,
        "won't stop bleeding",
        "en",
        rf"(?:wont|will\W+not|doesnt|does\W+not|isnt|is\W+not|cant|cannot|couldnt|not)\W+{_GAP2}"
        rf"stop\w*\W+{_GAP1}(?:the\W+)?bleed\w*",
        rf"bleed\w*\W+{_GAP3}(?:wont|will\W+not|doesnt|does\W+not|isnt|not|cant)\W+{_GAP1}stop",
    ),
    _rule(
        _E,
        "coughing or vomiting blood",
        "en",
        rf"(?:cough\w*|vomit\w*|throw\w*\W+up|threw\W+up|puk\w*|spit\w*)\W+{_GAP2}"
        rf"blood{_NOT_A_LAB}",
    ),
    _rule(
        _E,
        "trouble breathing",
        "en",
        rf"(?:cant|cannot|can\W+not|unable\W+to|couldnt|could\W+not|struggling\W+to|hard\W+to|"
        rf"trouble|difficulty|difficult\W+to|problems?|hard\W+time|barely)\W+{_GAP1}breath\w*",
        r"short(?:ness)?\W+of\W+breath",
        r"breath\w*\W+(?:is\W+)?(?:hard|difficult|labou?red)",
        r"(?:not|stopped|isnt|wasnt)\W+breathing",
        r"gasping",
        r"(?:lips|face)\W+(?:\w+\W+){0,2}?(?:blue|purple|gray|grey)",
    ),
    _rule(_E, "choking", "en", r"chok(?:ing|ed|es)"),
    _rule(
        _E,
        "overdose",
        "en",
        r"overdos\w*",
        rf"(?:took|taken|swallowed|ate)\W+{_GAP3}(?:too\W+many|whole\W+bottle|bottle\W+of|"
        r"bunch\W+of\W+(?:\w+\W+){0,2}?(?:pills|tablets|meds)|handful\W+of|"
        r"all\W+(?:of\W+)?(?:my|his|her|the)\W+(?:pills|meds|tablets))",
        rf"(?:swallowed|drank|ate|ingested)\W+{_GAP2}(?:bleach|poison|antifreeze|detergent|"
        r"cleaner|pods?)",
        r"poison\W+control",
    ),
    _rule(
        _E,
        "unconscious",
        "en",
        r"unconscious",
        r"unresponsive",
        r"(?:wont|will\W+not|cant|cannot|couldnt|not)\W+(?:\w+\W+){0,1}?wak(?:e|ing)\W+(?:\w+\W+)?up",
        r"collaps\w*",
    ),
    _rule(
        _E,
        "passed out",
        "en",
        r"pass(?:ed|es|ing)?\W+out",
        r"faint(?:ed|ing)",
        r"black(?:ed|ing)?\W+out",
        r"lost\W+consciousness",
    ),
    _rule(
        _E,
        "seizure",
        "en",
        r"(?<!for\W)(?<!anti\W)seizures?(?!\W*(?:meds?|medications?|medicines?|pills?|"
        r"prescriptions?|disorder|precautions|refill))",
        r"seizing",
        r"convuls(?:ing|ed|ions?)",
        r"having\W+(?:a\W+)?fits?",
    ),
    _rule(
        _E,
        "anaphylaxis",
        "en",
        r"anaphyla\w*",
        rf"throat\W+{_GAP2}(?:closing|closed|swell\w*|tight\w*)",
        rf"swell\w*\W+{_GAP1}(?:in\W+)?(?:my\W+|his\W+|her\W+|the\W+)?(?:throat|tongue)",
        rf"(?:tongue|lips?)\W+{_GAP2}(?:swell\w*|swollen|puff\w*)",
        rf"(?:used|use|using|gave|give|giving|inject\w*|needed|need\W+to\W+use)\W+{_GAP2}epi\W?pen",
        r"severe\W+allergic",
    ),
    _rule(
        _E,
        "worst headache",
        "en",
        r"worst\W+headache",
        rf"(?:sudden|thunderclap)\W+{_GAP1}(?:severe\W+)?headache",
    ),
    _rule(_E, "bleeding in pregnancy", "en", rf"pregnan\w*\W+{_GAP4}bleed\w*"),
    _rule(_E, "call 911", "en", r"911"),
    # ---------------------------------------------------------------- Spanish, emergency
    _rule(
        _E,
        "dolor de pecho",
        "es",
        rf"dolor\w*\W+{_GAP3}(?:de|en|del)\W+(?:el\W+|mi\W+|su\W+)?pecho"
        r"(?!\W*(?:radiografia|placa|rayos))",
        rf"(?:me|le|nos)\W+(?:\w+\W+)?duele\W+{_GAP2}(?:el\W+)?pecho",
        rf"pecho\W+{_GAP2}(?:duele|dolor|apretado|apretando|aprieta|presion|opresion|ardor)",
        rf"(?:presion|opresion|apreton|punzadas?|ardor)\W+{_GAP1}(?:en|de)\W+(?:el\W+)?pecho",
        rf"(?:sentado|encima|aplastando|apretando|peso)\W+{_GAP3}pecho",
        r"dolor\W+toracico",
    ),
    _rule(
        _E,
        "infarto",
        "es",
        r"infarto",
        r"ataque\W+(?:al\W+corazon|cardiaco|del\W+corazon)",
    ),
    _rule(
        _E,
        "cara caída",
        "es",
        rf"cara\W+{_GAP3}(?:caida|cayo|cae|cayendo|chueca|torcida|paralizada|de\W+lado)",
        rf"(?:boca|labios?|sonrisa)\W+{_GAP2}(?:chueca|torcida|caida|de\W+lado|cayendo)",
        rf"se\W+(?:le|me)\W+(?:cayo|cae|esta\W+cayendo)\W+{_GAP2}(?:cara|boca)",
        r"(?:mitad|lado)\W+de\W+(?:la\W+|su\W+|mi\W+)?cara",
        rf"(?:durmio|adormec\w*|entumi\w*)\W+{_GAP3}cara",
    ),
    _rule(
        _E,
        "dificultad para hablar",
        "es",
        rf"(?:dificultad|problemas?|trabajo|cuesta)\W+{_GAP1}(?:para\W+)?hablar",
        r"no\W+(?:puede|puedo|podia|pudo)\W+hablar\W+bien",
        rf"habla\w*\W+{_GAP1}(?:arrastrad\w*|rar\w*|enredad\w*|trabad\w*|mocho|chistoso)",
        rf"arrastra\w*\W+{_GAP1}(?:palabras|lengua)",
        r"lengua\W+trabada",
        r"no\W+(?:me|le)\W+salen\W+(?:las\W+)?palabras",
    ),
    _rule(
        _E,
        "debilidad en el brazo",
        "es",
        rf"brazo\W+{_GAP2}(?:debil|dormido|sin\W+fuerza|entumid\w*|paralizad\w*|no\W+(?:lo\W+)?"
        r"(?:puede|puedo)\W+mover)",
        rf"debilidad\W+{_GAP2}(?:brazo|lado)",
        rf"no\W+(?:puede|puedo|podia)\W+(?:levantar|mover)\W+{_GAP1}brazo",
        rf"(?:un|del|el)\W+lado\W+{_GAP3}(?:dormido|paralizado|debil|entumido|sin\W+fuerza)",
    ),
    _rule(
        _E,
        "derrame cerebral",
        "es",
        r"derrame\W+cerebral",
        r"embolia",
        r"ictus",
        r"accidente\W+(?:cerebro\w*|vascular)",
    ),
    _rule(_E, "pensamientos suicidas", "es", r"suicid\w*"),
    _rule(
        _E,
        "quiero morir",
        "es",
        rf"(?:quiero|quisiera|queria|quiere|ganas\W+de|deseo)\W+{_GAP1}morir\w*",
        r"quitar(?:me|se)\W+la\W+vida",
        r"matar(?:me|se)",
        r"(?:me|se|te)\W+(?:quiero|quiere|queria|voy\W+a|va\W+a|iba\W+a)\W+matar",
        r"no\W+quiero\W+(?:seguir\W+)?(?:vivir|viviendo|despertar)",
        r"acabar\W+con\W+(?:mi|su)\W+vida",
        r"hacer(?:me|se)\W+dano",
        r"no\W+vale\W+la\W+pena\W+vivir",
    ),
    _rule(
        _E,
        "sangrado abundante",
        "es",
        rf"sangrado\W+{_GAP1}(?:abundante|fuerte|mucho|grave|excesivo|enorme)",
        r"(?:mucha|muchisima|bastante)\W+sangre",
        rf"(?:sangra|sangrando|sangrado|sangre)\W+{_GAP1}(?:mucho|muchisimo|sin\W+parar|"
        r"a\W+chorros|por\W+todos\W+lados)",
        r"hemorragia",
    ),
    _rule(
        _E,
        "no para de sangrar",
        "es",
        rf"no\W+{_GAP2}(?:para|deja|paro|dejo|parar|dejar|paraba|detiene)\W+de\W+sangrar",
        rf"no\W+(?:se\W+)?(?:le\W+|me\W+)?(?:para|detiene|quita|corta)\W+{_GAP1}(?:el\W+)?sangrado",
    ),
    _rule(
        _E,
        "vómito o tos con sangre",
        "es",
        rf"(?:vomit\w*|tosiendo|tose|tosio|escupiendo|escupe|arrojando|devolviendo)\W+{_GAP1}sangre",
    ),
    _rule(
        _E,
        "no puedo respirar",
        "es",
        rf"no\W+{_GAP2}respirar",
        r"no\W+respira",
        rf"(?:dificultad|problemas?|trabajo)\W+{_GAP1}(?:para|al)\W+respirar",
        rf"cuesta\W+{_GAP1}respirar",
        rf"respira\w*\W+{_GAP1}(?:con\W+dificultad|muy\W+mal|raro|feo)",
    ),
    _rule(
        _E,
        "falta de aire",
        "es",
        r"falta\W+(?:de\W+)?(?:aire|respiracion)",
        rf"(?:me|le|nos)\W+falta\W+{_GAP1}(?:el\W+)?aire",
        r"(?:me|se|le)\W+(?:ahoga|ahogo|estoy\W+ahogando|esta\W+ahogando)",
        r"ahogando",
        rf"(?:labios|cara|unas)\W+{_GAP2}(?:morad\w*|azul\w*)",
    ),
    _rule(
        _E,
        "sobredosis",
        "es",
        r"sobredosis",
        rf"(?:tomo|tome|trago|bebio|tomaron)\W+{_GAP2}demasiad\w*",
        rf"(?:se|me)\W+(?:tomo|tome|trago|trague)\W+{_GAP2}(?:todas|un\W+frasco|el\W+frasco|"
        r"todo\W+el\W+frasco|un\W+monton)",
        rf"envenen\w*|veneno|(?:tomo|trago|bebio)\W+{_GAP1}(?:cloro|lejia|blanqueador)",
    ),
    _rule(
        _E,
        "desmayo",
        "es",
        r"inconscien\w*",
        r"desmay\w*",
        rf"perdi\w*\W+{_GAP1}(?:el\W+)?(?:conocimiento|sentido)",
        rf"no\W+{_GAP1}(?:despierta|reacciona|puedo\W+despertar\w*)",
        r"desvanec\w*",
    ),
    _rule(
        _E,
        "convulsión",
        "es",
        r"(?<!para\W)(?<!para\Wlas\W)(?<!contra\Wlas\W)convulsi\w*",
        r"convulsiona\w*",
        r"(?:ataque|crisis)\W+(?:de\W+)?epilep\w*",
    ),
    _rule(
        _E,
        "anafilaxia",
        "es",
        r"anafila\w*",
        rf"garganta\W+{_GAP2}(?:cerrando|cierra|cerro|cerrada|hinchando)",
        r"se\W+(?:me|le)\W+(?:esta\W+)?(?:cerrando|cierra|cerro|hinchando|hincha|hincho)\W+"
        r"(?:la\W+)?(?:garganta|lengua)",
        rf"(?:lengua|labios)\W+{_GAP2}(?:hinchad\w*|inflamad\w*)",
        rf"hinch(?:ando|aron|o|an|a)\W+{_GAP3}(?:labios|lengua)",
        r"reaccion\W+alergica\W+(?:muy\W+)?(?:grave|fuerte|severa)",
        rf"(?:use|uso|usamos|usar|pusimos|puse|inyect\w*)\W+{_GAP2}epi\W?pen",
    ),
    _rule(_E, "peor dolor de cabeza", "es", r"peor\W+dolor\W+de\W+cabeza"),
    _rule(
        _E,
        "sangrado en el embarazo",
        "es",
        rf"embaraz\w*\W+{_GAP4}sangr\w*",
        rf"sangr\w*\W+{_GAP4}embaraz\w*",
    ),
    # ---------------------------------------------------------------- English, urgent
    _rule(
        _U,
        "ran out of medication",
        "en",
        rf"(?:ran|run)\W+outta\W+{_GAP2}{_MEDS_EN}",
        rf"(?:ran|run|all|completely|totally|already|im|i\W+am|were|we\W+are|is|hes|shes)\W+"
        rf"out\W+of\W+{_GAP3}{_MEDS_EN}",
        rf"(?:no|none|zero)\W+{_GAP2}{_MEDS_EN}\W+left",
        rf"(?:last|final)\W+{_GAP1}(?:pill|dose|tablet|shot|insulin|pen)",
        r"(?:out|without)\W+(?:of\W+)?(?:my\W+|his\W+|her\W+)?(?:insulin|meds|medications?|"
        r"medicines?|pills)\W+(?:since|for|today|now|all)",
    ),
    _rule(
        _U,
        "high fever",
        "en",
        rf"(?:high|very\W+high|bad|burning\W+up\W+with\W+a|spiking\W+a)\W+{_GAP1}fever",
        rf"fever\W+{_GAP3}(?:10[2-6]|39|40|41)",
        rf"(?:temp|temperature)\W+{_GAP2}(?:10[2-6]|39|40|41)",
        rf"fever\W+(?:for|since)\W+{_GAP1}(?:days|\d+\W+days|three|four|five|a\W+week)",
    ),
    _rule(
        _U,
        "can't keep anything down",
        "en",
        rf"(?:cant|cannot|not|isnt)\W+keep(?:ing)?\W+{_GAP1}(?:anything|food|water|fluids|"
        r"liquids|it|meds)\W+down",
        rf"(?:vomiting|throwing\W+up|puking|diarrhea)\W+{_GAP2}(?:all\W+(?:day|night)|nonstop|"
        r"non\W+stop|since|every\W+hour|for\W+\w+\W+(?:days|hours))",
        r"dehydrat\w*",
    ),
    _rule(
        _U,
        "infection getting worse",
        "en",
        rf"infect\w*\W+{_GAP2}(?:worse|spreading)",
        r"(?:looks|look|is|getting|seems|got)\W+infected",
        r"red\W+streak\w*",
        r"pus",
        r"oozing",
    ),
    _rule(
        _U,
        "blood in urine or stool",
        "en",
        r"blood\W+in\W+(?:my\W+|his\W+|her\W+|the\W+)?(?:urine|pee|stools?|poop|diapers?)",
        r"bloody\W+(?:urine|stools?|diarrhea|poop)",
        r"(?:peeing|pooping)\W+blood",
    ),
    _rule(
        _U,
        "severe pain",
        "en",
        rf"(?:severe|unbearable|excruciating|terrible|worst|intense)\W+{_GAP1}pain",
        rf"pain\W+{_GAP2}(?:10\W+(?:out\W+of|of)\W+10|unbearable|excruciating)",
    ),
    _rule(
        _U,
        "allergic reaction",
        "en",
        r"allergic\W+reaction",
        r"hives",
        rf"rash\W+{_GAP2}(?:spreading|all\W+over)",
    ),
    _rule(
        _U,
        "swollen leg",
        "en",
        rf"(?:calf|leg)\W+{_GAP2}(?:swollen|swelling|red\W+and\W+(?:hot|warm))",
    ),
    _rule(
        _U,
        "head injury or fall",
        "en",
        r"hit\W+(?:my|his|her|their)\W+head",
        rf"(?:fell|fall|fallen)\W+{_GAP3}(?:hit|hurt|broke|cant\W+get\W+up)",
        r"broken?\W+(?:bone|arm|leg|wrist|ankle|hip)",
    ),
    _rule(
        _U,
        "needs to be seen today",
        "en",
        rf"(?:seen|see\W+(?:someone|a\W+doctor|the\W+doctor|dr|a\W+nurse))\W+{_GAP1}today",
        r"same\W+day\W+(?:appointment|appt|visit|sick)",
    ),
    # ---------------------------------------------------------------- Spanish, urgent
    _rule(
        _U,
        "se me acabó la medicina",
        "es",
        rf"(?:acabo|acabaron|termino|terminaron|agoto|agotaron)\W+{_GAP2}{_MEDS_ES}",
        rf"(?:quede|quedo|quedamos|estoy|esta)\W+sin\W+{_GAP2}{_MEDS_ES}",
        rf"(?:ya\W+)?no\W+(?:me\W+|le\W+)?(?:tengo|tiene|queda|quedan)\W+{_GAP2}{_MEDS_ES}",
        rf"(?:ultima|ultimas)\W+{_GAP1}(?:pastilla|dosis|tableta|inyeccion)",
        rf"sin\W+{_GAP1}{_MEDS_ES}\W+(?:desde|hace|hoy)",
    ),
    _rule(
        _U,
        "fiebre alta",
        "es",
        rf"(?:fiebre|calentura|temperatura)\W+{_GAP1}(?:alta|muy\W+alta|altisima)",
        rf"(?:fiebre|calentura|temperatura)\W+{_GAP3}(?:39|40|41|10[2-6])",
        r"mucha\W+(?:fiebre|calentura)",
        rf"(?:fiebre|calentura)\W+(?:desde\W+hace|por|hace|de)\W+{_GAP1}dias",
    ),
    _rule(
        _U,
        "vómito sin parar",
        "es",
        rf"(?:vomit\w*|diarrea)\W+{_GAP2}(?:todo\W+el\W+dia|toda\W+la\W+noche|sin\W+parar|"
        r"desde\W+(?:ayer|anoche|hace)|cada)",
        rf"no\W+{_GAP1}(?:retiene|aguanta|tolera|puede\W+retener|retengo)\W+{_GAP1}(?:nada|"
        r"liquidos|agua|comida)",
        r"deshidrat\w*",
    ),
    _rule(
        _U,
        "infección que empeora",
        "es",
        rf"(?:se\W+ve|esta|parece|se\W+puso|veo)\W+{_GAP1}infectad\w*",
        rf"infecci\w*\W+{_GAP2}(?:peor|empeor\w*|extend\w*)",
        r"pus",
        r"lineas\W+rojas",
    ),
    _rule(
        _U,
        "sangre en la orina o heces",
        "es",
        r"sangre\W+en\W+(?:la\W+|el\W+|las\W+|los\W+|su\W+|mi\W+)?(?:orina|heces|popo|"
        r"excremento|pipi|panal)",
        r"(?:orina|heces|popo|pipi|diarrea)\W+con\W+sangre",
    ),
    _rule(
        _U,
        "dolor muy fuerte",
        "es",
        rf"dolor\W+{_GAP1}(?:muy\W+fuerte|insoportable|terrible|horrible|intenso|fortisimo)",
        r"(?:fuertisimo|insoportable|terrible|horrible)\W+dolor",
    ),
    _rule(
        _U,
        "reacción alérgica",
        "es",
        r"reaccion\W+alergica",
        r"ronchas",
        r"urticaria",
        rf"sarpullido\W+{_GAP2}(?:extendiendo|todo\W+el\W+cuerpo|por\W+todo)",
    ),
    _rule(
        _U,
        "pierna hinchada",
        "es",
        rf"(?:pierna|pantorrilla)\W+{_GAP2}(?:hinchad\w*|inflamad\w*|roja\W+y\W+caliente)",
    ),
    _rule(
        _U,
        "golpe o caída",
        "es",
        rf"golpe\w*\W+{_GAP2}cabeza",
        rf"(?:cayo|cai|caimos|caida)\W+{_GAP3}(?:golpe\w*|pego|lastim\w*|no\W+(?:se\W+)?puede\W+"
        r"(?:levantar|parar))",
        r"hueso\W+roto|fractura\w*|esguince",
    ),
    _rule(
        _U,
        "que lo vean hoy",
        "es",
        rf"(?:me|lo|la|le|nos|los)\W+{_GAP1}(?:vea|vean|atienda|atiendan|revise|revisen|"
        rf"chequen|cheque)\W+{_GAP2}hoy",
        r"cita\W+(?:para\W+)?hoy\W+mismo",
    ),
)

_APOSTROPHES = str.maketrans("", "", "'\u2019\u2018`\u00b4")
_REPEATS = re.compile(r"(\w)\1{2,}")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lowercase, accents stripped, apostrophes dropped, repeats squeezed, spaces collapsed.

    "No PUEDO respirar!!" -> "no puedo respirar!!"; "can't breatheee" -> "cant breathe".
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.translate(_APOSTROPHES)
    stripped = _REPEATS.sub(r"\1", stripped)
    return _SPACES.sub(" ", stripped).strip()


_LEVEL_ORDER = {EMERGENCY: 0, URGENT: 1}


def find_phrases(text: str) -> tuple[RuleMatch, ...]:
    """Every emergency and urgent phrase rule that matches, emergencies first."""
    normalized = normalize(text)
    if not normalized:
        return ()
    found = [
        RuleMatch(rule.level, rule.phrase, rule.language)
        for rule in RULES
        if rule.pattern.search(normalized)
    ]
    return tuple(sorted(found, key=lambda m: _LEVEL_ORDER[m.level]))


def rule_urgency(matches: tuple[RuleMatch, ...]) -> str | None:
    """The urgency the rules impose: emergency, urgent, or None when nothing matched."""
    levels = {m.level for m in matches}
    if EMERGENCY in levels:
        return EMERGENCY
    if URGENT in levels:
        return URGENT
    return None


# Function words frequent in one language and rare in the other. "me", "no", "a" and
# "de"/"la" in names are shared or ambiguous enough to leave out or count once.
def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_EN_WORDS = _word_set(
    """
    the and to my i is you for of it this that have has can could would please need with
    on at was are be what do does not when will thanks thank hi hello im ive dont cant
    get got your our we he she his her they from about just if or an any how there yes
    appointment refill bill
    """
)
_ES_WORDS = _word_set(
    """
    el la los las que y en un una por para con es mi mis se lo le su sus al del hola
    gracias favor necesito tengo puedo quiero pero como esta estoy muy ya tiene hay
    buenos buenas dias tardes usted ustedes cita mañana manana si pastillas ayer hoy
    tambien porque cuando donde nos soy fue
    """
)
_ES_MARKS = re.compile(r"[ñ¿¡áéíóú]")
_WORDS = re.compile(r"[a-zñ]+")


def guess_language(text: str, *, default: str = "en") -> str:
    """'en' or 'es' from function words (plus Spanish-only marks); ``default`` on a tie."""
    lowered = text.casefold()
    words = _WORDS.findall(
        "".join(
            c
            for c in unicodedata.normalize("NFKD", lowered.replace("ñ", "\x00"))
            if not unicodedata.combining(c)
        ).replace("\x00", "ñ")
    )
    english = sum(w in _EN_WORDS for w in words)
    spanish = sum(w in _ES_WORDS for w in words) + min(3, len(_ES_MARKS.findall(lowered)))
    if spanish > english:
        return "es"
    if english > spanish:
        return "en"
    return default


# ----------------------------------------------------------------------------- category cues
# Words that point at a category, in both languages, over normalised text (stems end in
# \w*). They are not a decision on their own: the classifier gets their counts as extra
# features next to the TF-IDF ones, which helps with words it never saw in training
# ("deducible", "furosemida") because the cue list knows the family they belong to.
_DRUG_SUFFIXES = (
    r"\w+(?:pril|prilo|olol|ololo|statin|statina|sartan|dipine|dipino|formin|formina|prazole|"
    r"prazol|oxetine|oxetina|aline|alina|zepam|glutide|xaban|thyroxine|tiroxina|cillin|cilina|"
    r"mycin|micina|semide|semida|triptan|tidine|tidina|azole|azol|profen|cetamol|zolam)"
)
CATEGORY_CUES: dict[str, tuple[str, ...]] = {
    "scheduling": (
        r"appointments?",
        r"appts?",
        r"re\W?schedul\w*",
        r"schedul\w*",
        r"book(?:ed|ing)?",
        r"cancel\w*",
        r"slots?",
        r"availab\w*",
        r"openings?",
        r"come\W+in",
        r"move\W+(?:my|the|it|her|his)",
        r"push\W+(?:back|my|it)",
        r"earlier|later|running\W+late",
        r"confirm\w*",
        r"wait\W*list",
        r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?",
        r"tomorrow|tmrw|next\W+(?:week|wk|month)",
        r"\d{1,2}(?::\d\d)?\W*(?:am|pm)",
        r"follow\W*up",
        r"new\W+patients?",
        r"visits?",
        r"citas?",
        r"agend\w*",
        r"reprogram\w*",
        r"cancel\w*",
        r"cambiar|mover|recorrer|pasar\W+(?:la|mi)",
        r"disponib\w*",
        r"(?:lunes|martes|miercoles|jueves|viernes|sabados?|domingos?)",
        r"proxima\W+semana|la\W+otra\W+semana",
        r"llego|llegar|tarde",
        r"turno",
        r"chequeo",
    ),
    "refill": (
        r"refill\w*",
        r"renew\w*",
        r"prescri\w*",
        r"scripts?",
        r"rx",
        r"pharmac\w*",
        r"mail\W+order",
        r"(?:\d+|ninety|thirty)\W+day\W+supply|supply",
        r"\d+\W*(?:mg|mcg|ml)",
        r"doses?|dosis",
        r"pills?|tablets?|capsules?",
        r"inhaler|inhalador",
        r"insulin|insulina",
        r"meds|medications?",
        r"prior\W+auth\w*|autorizacion\W+previa",
        r"generic|generica?o?",
        r"cvs|walgreens|rite\W+aid|costco|walmart|kroger|express\W+scripts|optum",
        _DRUG_SUFFIXES,
        r"resurt\w*",
        r"renuev\w*|renovar",
        r"recetas?",
        r"farmacias?",
        r"medicinas?|medicamentos?",
        r"pastillas?|pildoras?|tabletas?|capsulas?",
        r"se\W+me\W+(?:acaba|esta\W+acabando|estan\W+acabando)",
    ),
    "billing": (
        r"bill\w*",
        r"charg\w*",
        r"co\W?pays?",
        r"deductible|deducible",
        r"insurance|insured|uninsured",
        r"balance",
        r"pay\w*|paid",
        r"refund\w*|reembolso",
        r"statements?",
        r"invoices?",
        r"owe|owed|owing",
        r"costs?|price\w*|quoted|estimate",
        r"collections?|cobranza",
        r"fees?",
        r"claims?|reclamos?",
        r"eob|hsa|fsa|superbill",
        r"medicaid|medicare|medi\W?cal|aetna|cigna|humana|blue\W+cross|tricare|united|cobra",
        r"coverage|covered|covers?|cubre|cubierto|cobertura",
        r"receipts?|recibos?",
        r"\$\s?\d+|dolares|dollars",
        r"factura\w*",
        r"cobr\w*",
        r"cargos?",
        r"copagos?",
        r"seguro\W+(?:nuevo|medico|de\W+salud)|(?:mi|el|del|al|su)\W+seguro|aseguran\w*",
        r"saldo",
        r"pag\w*",
        r"estado\W+de\W+cuenta|cuenta",
        r"debo|deber|deuda",
        r"cuest\w*|costo|precio",
        r"descuento|discount",
    ),
    "clinical": (
        r"pain\w*|hurts?|aches?|aching",
        r"fevers?|temp",
        r"cough\w*",
        r"rash\w*",
        r"swell\w*|swollen",
        r"dizz\w*|nause\w*|vomit\w*|diarrhea|constipat\w*",
        r"headaches?|migraines?",
        r"sore|itch\w*|tingl\w*|numb\w*",
        r"blood\W+(?:pressure|sugar)|sugar|a1c|cholesterol",
        r"side\W+effects?",
        r"is\W+(?:it|that|this)\W+(?:normal|ok|okay|safe|expected)",
        r"should\W+i\W+(?:worry|be\W+worried|take|stop|go)",
        r"safe\W+to",
        r"worr\w*",
        r"symptoms?",
        r"infect\w*",
        r"lump|mole|wart|bruis\w*",
        r"sleep\w*|tired|fatigue",
        r"anxi\w*|depress\w*",
        r"pregnan\w*|breastfeed\w*|periods?",
        r"vaccines?\W+(?:safe|side)",
        r"dolor\w*|duele\w*",
        r"fiebre|calentura",
        r"tos",
        r"sarpullido|ronchas|comezon",
        r"hinch\w*",
        r"mare\w*|nausea\w*|vomit\w*|diarrea|estren\w*|estrin\w*",
        r"presion|azucar|colesterol|glucosa",
        r"efectos?",
        r"es\W+normal|esta\W+bien\W+(?:que|si)|puedo\W+tomar",
        r"preocup\w*",
        r"sintomas?",
        r"infeccion\w*",
        r"bolita|lunar|verruga|moretones",
        r"dormir|duermo|cansad\w*",
        r"ansi\w*|depresi\w*|triste",
        r"embaraz\w*|dando\W+pecho|reglas?",
    ),
    "records": (
        r"records?",
        r"charts?",
        r"cop(?:y|ies)",
        r"fax\w*",
        r"reports?",
        r"forms?|paperwork",
        r"letters?|notes?",
        r"proof",
        r"certif\w*",
        r"immuniz\w*|vaccin\w*\W+(?:record|history|card)",
        r"portal\W+access|access\W+to\W+my\W+portal",
        r"release|transfer\w*",
        r"fmla|disability",
        r"summary|images|cd",
        r"update\W+my|correct\w*|amend\w*",
        r"results?\W+(?:sent|to|for)",
        r"expedientes?",
        r"copias?",
        r"reportes?",
        r"formularios?|formas?",
        r"cartas?|constancias?|comprobantes?|certificados?|cartilla",
        r"registros?|historial|papeles",
        r"resumen|imagenes|disco",
        r"actualic\w*|corrij\w*|correccion",
        r"autorizacion",
        r"incapacidad",
    ),
    "other": (
        r"thanks?|thank\W+you|gracias",
        r"park\w*|estacion\w*",
        r"hours|horario",
        r"holidays?|festivos?",
        r"wifi",
        r"address|direccion",
        r"complain\w*|quej\w*|rude",
        r"wheelchair|accessible|ramp|silla\W+de\W+ruedas",
        r"hiring|job|volunteer\w*|contratando|trabajo",
        r"reviews?|resena",
        r"unsubscribe|opt\W+out|stop|newsletter|boletin|encuestas?|surveys?",
        r"lost\W+and\W+found|elevator|vending|lobby|waiting\W+room|sala\W+de\W+espera",
        r"password|contrasena",
        r"sign\W+up|registr\w*",
        r"wrong\W+number|numero\W+equivocado",
        r"ok|okay|got\W+it|perfecto|yes|si|no",
    ),
}
_CUE_PATTERNS = {
    category: re.compile(rf"\b(?:{'|'.join(f'(?:{c})' for c in cues)})\b")
    for category, cues in CATEGORY_CUES.items()
}


def category_cues(text: str, *, normalized: bool = False) -> dict[str, int]:
    """How many cue words for each category the text contains.

    The text is normalised first unless ``normalized`` says it already is.
    """
    normalized_text = text if normalized else normalize(text)
    return {
        category: len(pattern.findall(normalized_text))
        for category, pattern in _CUE_PATTERNS.items()
    }


# ----------------------------------------------------------------------------- urgency cues
# Words that make a message more likely to need a same-day look, without being alarming on
# their own: time pressure, worsening, a vulnerable patient, red-flag findings, medicine
# running out, a hospital waiting on us. Like the category cues they only feed the
# classifier (as counts per group); the decisions are the phrase rules above.
URGENCY_CUES: dict[str, tuple[str, ...]] = {
    "time": (
        r"today|tonight|right\W+now|now|asap|immediately|urgent\w*|this\W+(?:morning|evening)",
        r"hoy|ahorita|ahora|esta\W+noche|urgente|inmediat\w*|ya\W+mismo|esta\W+manana",
        r"since\W+(?:yesterday|last\W+night|this\W+morning)|desde\W+(?:ayer|anoche|la\W+manana)",
        r"hours?\W+ago|minutes?\W+ago|hace\W+(?:una|\d+)\W+horas?|an\W+hour",
    ),
    "worse": (
        r"worse\w*|spread\w*|getting\W+bigger|not\W+(?:getting\W+)?better|isnt\W+helping",
        r"empeor\w*|peor|se\W+extiende|se\W+paso|no\W+(?:me\W+)?(?:baja|ayuda|hace\W+nada)",
        r"(?:didnt|doesnt|arent|isnt|not)\W+(?:work\w*|help\w*|touch)",
    ),
    "vulnerable": (
        r"baby|newborn|infant|\d+\W+(?:month|week|day)s?\W+old|toddler",
        r"bebe|recien\W+nacido|\d+\W+(?:meses|semanas|dias)",
        r"pregnan\w*|weeks\W+along|embaraz\w*|semanas\W+de\W+embarazo",
        r"chemo|transplant|immun\w*|quimio|trasplante|oncolog\w*",
        r"blood\W+thinner\w*|anticoagulant\w*|diabet\w*",
        r"elderly|grandm\w*|grandp\w*|abuel\w*|\d{2}\W+(?:years?|anos)",
    ),
    "finding": (
        r"blood|bleed\w*|sangr\w*",
        r"swollen|swelling|puffy|hinchad\w*|hinch\w*|inflamad\w*",
        r"fever|temp\w*|chills|fiebre|calentura|escalofrios",
        r"vomit\w*|throwing\W+up|diarrhea|diarrea|dehydrat\w*|deshidrat\w*",
        r"infect\w*|pus|red\W+and\W+hot|roja\W+y\W+caliente|caliente",
        r"vision|blurry|borroso|vista",
        r"fell|fall|broke\w*|cayo|cai|quebr\w*|rot[oa]",
        r"swallowed|trago|stepped\W+on\W+a\W+nail|clavo|bite|bitten|mordi\w*|stung|pico",
        r"cant\W+(?:pee|urinate|move|walk|eat|keep)|no\W+(?:puedo|puede|he\W+podido)\W+"
        r"(?:orinar|mover|caminar|comer)",
        r"pain\w*|dolor\w*|hurts?|duele",
        r"over\W+\d{3}|arriba\W+de\W+\d{3}|\d{3}\W*(?:mg\W*dl)?",
    ),
    "medicine_out": (
        r"out\W+of|ran\W+out|outta|no\W+\w+\W+left|last\W+(?:dose|pill)|missing\W+\w*\W*doses?",
        r"without\W+(?:my\W+)?(?:meds|medication|insulin)|withdrawal",
        r"acab\w*|termin\w*|sin\W+(?:mi\W+|mis\W+|la\W+|el\W+)?(?:medicina|pastillas|insulina)",
        r"ultima\W+dosis|no\W+(?:me\W+)?queda|no\W+tengo\W+(?:las|mis|la)",
        r"denied|rejected|won\W?t\W+fill|negaron|no\W+me\W+surte",
    ),
    "hospital": (
        r"\ber\b|emergency\W+room|hospital|admitted|surgery\W+tomorrow|being\W+admitted",
        r"emergencias|hospital|me\W+operan|internad\w*|urgencias",
    ),
}
_URGENCY_PATTERNS = {
    group: re.compile(rf"\b(?:{'|'.join(f'(?:{c})' for c in cues)})\b")
    for group, cues in URGENCY_CUES.items()
}


def urgency_cues(text: str, *, normalized: bool = False) -> dict[str, int]:
    """How many urgency cue words of each group the text contains (see ``category_cues``)."""
    normalized_text = text if normalized else normalize(text)
    return {group: len(p.findall(normalized_text)) for group, p in _URGENCY_PATTERNS.items()}
