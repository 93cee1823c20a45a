"""Why the reviewer decided, from the decision rationale, without a model: the contract's codes.

The rationale is read sentence by sentence, and each sentence split into the guideline's words
and the reviewer's: "The MTUS guidelines state ..." and what follows it without turning to the
patient are the guideline's; from "in this case", "the patient", "there was no ..." on, the
reviewer speaks about this case. Each code has phrases (evals/LABELING.md's and more), and a phrase
counts only in the kind of text it belongs to: a home exercise program the guideline mentions is
no reason, one the reviewer says the patient can continue is; a guideline saying the treatment is
not recommended is one. Negation is read ("functional improvement was documented" gives no
`no_functional_improvement`; "not recommended for longer than 2 to 3 weeks" bounds a
recommendation and is no `not_recommended`). What the records lack is sorted by what it is:
functional improvement, information (the number of sessions, a rationale), or a criterion
("no documentation of failed conservative care"). An overturned item is `meets_guidelines`.
"""

from __future__ import annotations

import re
from typing import Optional

from ._folding import lower_literals
from ._gates import GatedPattern
from .taxonomy import REASONS


def _phrase(pattern: str) -> GatedPattern:
    """A phrase pattern, matched against sentences folded to lower case (see _folding): with re.I
    the dev letters' rationales took 2.4-2.9 ms a letter, folded 1.1-1.5 ms; and gated by the
    words a match needs (see _gates), which with the category rules' gates took the whole parser
    from 1.23 to 1.12 ms a dev letter (12 rounds side by side, output byte-identical)."""
    return GatedPattern(re.compile(lower_literals(pattern)))


# Sentences are found in the text as written (one begins with a capital), then folded to lower case.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z(\"'])")
# A guideline's statement: who says it, and what they say.
_GUIDELINE = r"(?:(?:california|ca)\s+)?(?:mtus|odg|acoem|official\s+disability\s+guidelines?|chronic\s+pain\s+(?:medical\s+)?treatment\s+guidelines?|guidelines?)"
_GUIDELINE_LEAD = _phrase(
    rf"^\W*(?:(?:according\s+to|per|as\s+per|as\s+noted\s+(?:on|in)|based\s+on|referencing|under)\s+(?:the\s+)?(?:\w+\s+){{0,3}}?{_GUIDELINE}"
    rf"|(?:the\s+|these\s+|this\s+)?(?:\w+\s+){{0,2}}?{_GUIDELINE}(?:\W+\w+){{0,6}}?\s+(?:cite|cites|quote|quotes|reference|references|state|states|stated|recommend|recommends|indicate|indicates|note|notes|support|supports|allow|allows|suggest|suggests|say|says|specify|specifies|require|requires|consider|considers|address|addresses|endorse|endorses|outline|outlines|stipulate\w*|define|defines|do|does|are|is)\b)"
    r"|^\W*(?:\(\d\)|\d+[.)]|[a-z]\))\s")
# Where the reviewer turns to this case.
_CASE = _phrase(
    r"\b(?:in\s+this\s+case|in\s+the\s+case\s+of|here\b|however|this\s+(?:patient|injured\s+worker|applicant|claimant|individual|worker|employee|request)|"
    r"the\s+(?:patient|injured\s+worker|applicant|claimant|employee|worker|individual|iw|requesting|treating|attending|primary|provider|physician|records?|medical\s+records?|documentation|submitted|clinical\s+(?:note|notes|documentation|information|records?)|current\s+request|requested)|"
    r"there\s+(?:is|was|were|are|has\s+been|have\s+been)\s+(?:no|not|a\s+lack|lack|little|insufficient|nothing|minimal|limited)|"
    r"(?:he|she)\s+(?:has|had|is|was|reports?|reported|continues|complains)|"
    r"(?:was|were|had|revealed|showed|demonstrated|reported|complained|presented|underwent|received)\b|"
    r"(?:is|are)\s+not\s+met|not\s+been\s+met|(?:does|do)\s+not\s+meet|did\s+not|therefore|as\s+such|given\b|"
    r"the\s+(?:medical\s+|progress\s+|clinic\w*\s+|office\s+)?(?:notes?|reports?|visits?)\b|(?:records?|notes?|documentation)\s+(?:provided|reviewed|submitted|available))\b",
)
_GENERIC = _phrase(r"\b(?:recommend\w*|should|may|might|can|criteria|indicat\w+|option|studies|evidence|guidelines?|patients|generally|typically|routine\w*|include|includes|warrant\w*|supported|consider\w*)\b")

_NEGATOR = r"(?:no|not|none|nor|neither|never|lack(?:s|ed|ing)?|absence|absent|without|fail(?:s|ed|ure)?\s+to|unclear|unknown|insufficient|inadequate|limited|minimal|little)"
# What functional improvement from earlier treatment is called; and any word of benefit at all.
_IMPROVEMENT = _phrase(
    r"\bfunctional\s+(?:improvement|gains?|benefit|response|progress)|\bobjective\s+(?:\w+\s+)?(?:improvement|benefit|gains?|response|progress)"
    r"|\b(?:improvement|benefit|efficacy|response|relief)\s+(?:from|with|to|after|following)\s+(?:the\s+)?(?:prior|previous|past|initial|completed|recent|earlier)"
    r"|\bresponse\s+to\s+(?:the\s+)?(?:prior|previous|past)|\bbenefit(?:ing|ed|s)?\s+from\s+(?:the\s+)?(?:treatment|therapy|medication|it)|\b(?:decrease|reduction)\s+in\s+pain|\bincrease\s+in\s+function")
_BENEFIT = _phrase(r"\b(?:improv\w+|benefit\w*|efficacy|effective\w*|response|responded|gains?|relief|progress\w*|outcome)\b")
# Information the records can lack (what is missing begins with it: "the total number of sessions",
# "a clear rationale", "how many visits", "the patient's prior course of therapy").
_INFORMATION = _phrase(
    r"^\W*(?:(?:the|a|an|any|clear|specific|his|her|their|patient'?s|claimant'?s|worker'?s|injured\s+worker'?s|applicant'?s|objective|recent|current|prior|previous)\W+){0,3}"
    r"(?:number|total|frequency|duration|quantity|amount|dates?|rationale|reasons?|results?|type|specifics|specific\s+(?:body|treatment|goals?)|what|which|how|whether|when|why|body\s+parts?|"
    r"records?|reports?|notes?|progress\s+notes?|course|history\s+of\s+(?:prior|previous)|medications?\s+(?:list|regimen)|physical\s+exam\w*|examination|clinical\s+(?:information|findings)|details?|explanation|plan|response)\b",
)
# "No documentation of X", "lack of evidence that X", "did not note X": what is missing is X.
_MISSING = _phrase(
    r"\b(?P<lead>lack(?:s|ing)?\s+of|absence\s+of|paucity\s+of|no|without|not\s+(?:sufficient|enough|adequate)|insufficient|inadequate|limited)\s+(?:\w+\s+){0,3}?"
    r"(?P<what>documentation|documented\s+evidence|information|records?|mention|indication|discussion|evidence|support|details?|notes?|reports?)\b"
    r"(?:\s+(?:\w+\s+){0,3}?(?:of|that|indicating|regarding|noting|showing|describing|to\s+(?:support|suggest|indicate|show|justify|warrant)|as\s+to|for|about|on))?\s*(?P<object>[^.;]{0,120})",
)
_DID_NOT = _phrase(
    r"(?<!guidelines\s)(?<!guideline\s)(?<!mtus\s)(?<!odg\s)\b(?:did|does|do)\s+not\s+(?:\w+ly\s+)?(?P<verb>note|document|provide|include|specify|indicate|mention|describe|discuss|detail|address|identify|state|explain|contain|establish|reveal|show|demonstrate|support|substantiate|justify|suggest|confirm)\w*\s+(?P<object>[^.;]{0,120})",
)
_NOT_GIVEN = _phrase(
    r"\b(?:is|was|were|are|has\s+been|have\s+been|remains?)\s+(?:not|never|neither)\s+(?:been\s+)?(?:clearly\s+|adequately\s+|specifically\s+|objectively\s+|sufficiently\s+|well\s+)?"
    r"(?:documented|provided|submitted|included|available|specified|detailed|described|discussed|stated|reported|given|noted|clear|known|apparent|evident|legible|outlined|quantified|defined)\b",
)


def _any(*patterns: str) -> GatedPattern:
    return _phrase("|".join(patterns))


_EXCEEDS = _any(
    r"\b(?<!not\s)(?<!n't\s)(?<!never\s)exceed(?:s|ed|ing)?\b", r"\bin\s+excess\s+of\b", r"\bexcessive\b",
    r"\bbeyond\s+(?:the\s+)?(?:\w+\s+){0,2}(?:recommend\w*|guidelines?|allowed|supported|limits?|maximum)\b",
    r"\b(?:more|greater)\s+than\s+(?:the\s+|what\s+(?:is|the\s+guidelines?)\s+)?(?:\w+\s+){0,2}(?:recommend\w*|guidelines?|allowed|supported)\b",
    r"\bsurpass\w*", r"\bover\s+the\s+(?:recommended|guideline)",
    r"\b(?:no|lack\s+of|without)\s+(?:\w+\s+){0,2}(?:extenuating|exceptional|special|unusual)\s+(?:factors|circumstances)\b[^.]{0,80}\b(?:additional|more|further|exceed\w*|beyond|deviat\w+|quantity|number|sessions|visits|treatments)\b",
    r"\b(?:quantity|number|frequency|duration)\s+(?:of\s+(?:\w+\s+){0,3})?(?:requested|of\s+this\s+request|of\s+the\s+request)\b[^.]{0,40}\b(?:not\s+supported|deviate|too\s+(?:many|long))",
    r"\bgiven\s+the\s+quantity\b",
)
# A duration the guideline allows, and use already longer: too long a course of a drug.
_DURATION_LIMIT = _any(r"\bshort[- ]term\b", r"\bshort\s+(?:course|period)\b", r"\bbrief\b", r"\bno\s+(?:longer|more)\s+than\s+\d", r"\bnot\s+(?:be\s+)?(?:recommended\s+|used\s+)?(?:for\s+)?(?:longer|more)\s+than\b", r"\blimit(?:s|ed)?\s+(?:the\s+)?(?:use\s+)?to\s+\d", r"\b\d+\s+to\s+\d+\s+weeks\b")
_PROLONGED_USE = _any(
    r"\b(?:has|had|have)\s+been\s+(?:\w+\s+){0,2}(?:using|utilizing|taking|prescribed|on|utilized|used)\b[^.]{0,60}\b(?:since|for\s+(?:over|more\s+than|at\s+least|greater\s+than)?\s*\w+\s+(?:months?|years?|weeks?))",
    r"\b(?:utilized|used|taken|prescribed|taking|using|on)\s+(?:\w+\s+){0,3}since\s+(?:at\s+least\s+)?(?:\d|january|february|march|april|may|june|july|august|september|october|november|december)",
    r"\b(?:ongoing|continued|chronic|long[- ]term|prolonged|extended)\s+(?:use|usage|utilization)\b[^.]{0,40}\bnot\s+(?:be\s+)?(?:supported|recommended|indicated|appropriate)",
    r"\b(?:for|over)\s+(?:more\s+than|over|at\s+least|greater\s+than)\s+\w+\s+(?:months?|years?)\b",
)
_NO_FUNCTIONAL_IMPROVEMENT = _any(
    rf"\b{_NEGATOR}\b[^.]{{0,80}}?\b(?:functional|function)\s+(?:improvement|gains?|benefit|response|restoration|improvements)\b",
    rf"\b{_NEGATOR}\b[^.]{{0,60}}?\b(?:objective|significant|measurable|documented|sustained|quantified|quantifiable|meaningful|clinically\s+significant)\s+(?:\w+\s+){{0,2}}(?:improvement|benefit|response|gains?|progress(?:ion)?|decrease\s+in\s+pain|reduction\s+in\s+pain|increase\s+in\s+function|measures)\b",
    rf"\b{_NEGATOR}\b[^.]{{0,60}}?\b(?:improvement|benefit|efficacy|response|relief)\s+(?:from|with|to|after|of|following)\s+(?:the\s+)?(?:prior|previous|past|recent|initial|completed|previously|last|current|ongoing|earlier|this)\b",
    r"\b(?:did\s+not|has\s+not|have\s+not|had\s+not|failed\s+to|without)\s+(?:\w+\s+){0,2}(?:improve|help|benefit|provide\s+(?:\w+\s+){0,2}(?:relief|benefit|improvement))\b(?!\s+(?:with|to|from)\s+(?:\w+\s+)?conservative)",
    r"\bminimal\s+(?:to\s+no\s+)?(?:improvement|benefit|relief)\b", r"\bno\s+(?:significant\s+)?(?:improvement|benefit|relief)\b", r"\bplateau\w*",
)
_INSUFFICIENT = _any(
    r"\b(?:unclear|unknown|incomplete|illegible|not\s+legible|unspecified|vague)\b", r"\bneither\s+(?:\w+\s+){0,2}(?:stated|provided|documented|formulated|specified)\b",
    r"\bfail(?:s|ed)?\s+to\s+(?:specify|document|provide|include|indicate|identify|describe|detail|state|address|mention|explain)\b",
    r"\bno\s+(?:clear\s+|specific\s+|medical\s+|evidence[- ]based\s+)?(?:rationale|discussion|explanation|description|details?|specifics?|information)\b",
    r"\bnothing\s+specific\b",
)
_NOT_RECOMMENDED_BOUNDED = _phrase(
    r"^\s*(?:the\s+)?routine|^[^.;]{0,90}?\b(?:unless|except|until|before|without|in\s+(?:the\s+)?absence)\b|"
    r"^\s*(?:for\s+)?(?:longer|more|beyond|over|past|greater|in\s+excess|as\s+(?:a\s+|an\s+)?(?:first|primary|sole|stand-?alone|isolated|initial|routine)|unless|except|until|prior|before|without|in\s+the\s+absence|when|if|"
    r"for\s+(?:routine|long[- ]term|chronic\s+use|use\s+(?:longer|beyond)|more|longer|over))|^[^.,]{0,60}\b(?:unless|except)\b",
)
_NOT_RECOMMENDED = _any(
    r"\bnot\s+(?:generally\s+|routinely\s+|currently\s+|usually\s+)?recommended\b",
    r"\b(?:guidelines?|mtus|odg|acoem)\s+(?:\w+\s+){0,3}(?:do|does|did)\s+not\s+(?:recommend|endorse|support)\b",
    r"\b(?:no|insufficient|limited|inadequate|lack\s+of)\s+(?:\w+\s+){0,3}(?:scientific\s+|clinical\s+|high[- ]quality\s+|quality\s+|good\s+)?(?:evidence|studies|data|trials)\s+(?:\w+\s+){0,3}(?:to\s+support\s+(?:its|their|the)\s+(?:use|efficacy)|supporting\s+(?:its|their|the)\s+use|of\s+(?:its\s+|their\s+)?(?:efficacy|effectiveness|benefit)|for\s+(?:its\s+|their\s+|the\s+)?(?:use|efficacy|effectiveness))\b",
    r"\b(?:experimental|investigational)\b", r"\bnot\s+fda[- ]approved\b", r"\brecommend(?:s|ed)?\s+against\b",
    r"\bno\s+recommendations?\s+(?:of|for)\b",
)
_CRITERIA = _any(
    r"\bred[- ]flags?\b", r"\b(?:neurologic\w*|neurological|motor|sensory|reflex)\s+(?:\w+\s+){0,2}(?:deficits?|findings|signs|abnormalit\w+|dysfunction|compromise|changes|loss)\b",
    r"\bnerve\s+(?:root\s+)?(?:compromise|impingement|dysfunction|impairment|irritation)\b", r"\bradiculopathy\b", r"\bradicular\b",
    r"\b(?:tried|trialed|trial|attempted)\s+and\s+failed\b", r"\bfail(?:ed|ure)\s+(?:of\s+|to\s+(?:improve|respond)\s+(?:with|to)\s+)?(?:a\s+|an\s+|the\s+)?(?:\w+\s+){0,3}(?:conservative|first[- ]line|oral|course|non-?operative|other|prior\s+treatment)\b",
    r"\bconservative\s+(?:care|treatment|therapy|management|measures|course|modalities)\b",
    r"\b(?:surgical\s+)?candidate\s+for\s+(?:surgery|surgical|an?\s+invasive)", r"\b(?:consider|contemplat\w+|willing\w*|act\s+on)\b[^.]{0,60}\bsurg\w+",
    r"\bsurg(?:ery|ical\s+intervention)\s+(?:is|was)\s+(?:not\s+)?(?:being\s+)?(?:considered|contemplated|planned)", r"\bno\s+plan\s+for\s+surgery\b",
    r"\bcriteria\b[^.]{0,40}\b(?:not|n't)\b|\b(?:not|n't|fail\w*\s+to|does\s+not|do\s+not)\s+(?:\w+\s+){0,3}(?:meet|satisfy|fulfill\w*)\b|\bguidelines?\s+(?:have|has)\s+not\s+been\s+met\b",
    r"\bnot\s+(?:clinically\s+|medically\s+)?indicated\b(?!\s+(?:or|and)\s+medically)",
    r"\b(?:no|without|absence\s+of|lack\s+of|not\s+exhibiting\s+(?:\w+\s+){0,2})\s*(?:\w+\s+){0,3}(?:signs?|symptoms?|findings?|diagnosis|history|complaints?)\s+(?:of|that|to\s+suggest|consistent\s+with|indicating|suggesting|supporting|the|this|he|she)\b",
    r"\b(?:intoleran\w+|unable\s+to\s+tolerate|cannot\s+tolerate|contraindicat\w+|screen(?:ing)?\s+for\s+(?:risk|addiction|aberrant)|risk\s+(?:assessment|of\s+addiction|factors?)|urine\s+drug\s+(?:screen|test)\w*|pain\s+(?:contract|agreement)|opioid\s+(?:contract|agreement)|cures|aberrant|four\s+a'?s|4\s+a'?s)\b",
    r"\b(?:neuropathic\s+pain|instability|tissue\s+insult|focal\s+deficit|physiologic\s+evidence|unequivocal|clinically\s+obvious|time[- ]limited|one[- ]month\s+trial|undermined|argued\s+against)\b",
)
_HOME_PROGRAM = _any(
    r"\bhome\s+(?:exercise|exercises|program|based|care|regimen)\b", r"\bhep\b", r"\bself[- ](?:directed|care|management|paced)\b",
    r"\bindependent\s+(?:\w+\s+){0,2}(?:program|exercises?|regimen)\b", r"\bwell[- ]versed\b", r"\btransition\w*\s+(?:\w+\s+){0,3}(?:home|independent)\b",
)
# A home program is a reason when the reviewer says it of the patient, not of the guideline's aims
# or in the name of the item ("the request for a home exercise kit").
_SUBJECT = _phrase(r"\b(?:patient|injured\s+worker|applicant|claimant|worker|individual|employee|he|she|iw)\b")
_NOT_ABOUT_HOME = _phrase(r"\b(?:request\s+for|goals?|expectations?|guidelines?|recommend\w*|allow\w*|instructed)\b")
_NO_HOME_PROGRAM = _phrase(r"\b(?:no|not|unable|cannot|can't|without|failed|inability)\b[^.]{0,40}$")
_OTHER = _any(
    r"\b(?:as|since|because|given\s+that|with)\s+(?:the\s+)?(?:requested\s+|primary\s+|associated\s+|proposed\s+)?(?:surg\w*(?:\s+(?:intervention|procedure|request))?|procedure|operation)\s+(?:\w+\s+){0,3}?(?:is|was|has\s+been|have\s+been|are|were)\s+(?:not|non)[- ]?(?:\w+\s+){0,2}(?:medically\s+necessary|certified|approved|authorized|supported|indicated|warranted)",
    r"\b(?:ancillary|associated|peri-?operative|post-?operative|pre-?operative)\s+(?:\w+\s+)?(?:services?|requests?|items?|care|treatment)\b[^.]{0,40}\bnot\s+(?:\w+\s+)?(?:medically\s+necessary|certified|supported|needed)",
    r"\b(?:duplicat\w+|redundant|at\s+the\s+same\s+time)\b", r"\bmultiple\s+(?:physical\s+)?modalities\b",
)


def reasons_for(rationale: str, outcome: str, category: Optional[str] = None) -> list[str]:
    """The contract's reason codes that ``rationale`` gives for an item with ``outcome`` (and, when
    known, the item's ``category``), in the contract's order; [] when no phrase is found."""
    if outcome == "overturned":
        return ["meets_guidelines"]
    found: set[str] = set()
    case_text = []
    for guideline, case in _sentences(rationale):
        if guideline and _recommended_against(guideline):
            found.add("not_recommended")
        if case:
            case_text.append(case)
            found |= _case_reasons(case)
    if _DURATION_LIMIT.search(rationale.lower()) and any(_PROLONGED_USE.search(case) for case in case_text):
        found.add("exceeds_guideline_quantity")
    if category == "Diagnostic Testing":  # a test is no treatment whose earlier course could fail to help
        found.discard("no_functional_improvement")
    return [code for code in REASONS if code in found]


_NEGATED_BEFORE = _phrase(r"\b(?:not|never|no|without|within)\s+(?:\w+\s+){0,3}$")


def _case_reasons(text: str) -> set[str]:
    found: set[str] = set()
    for match in _EXCEEDS.finditer(text):
        if not _NEGATED_BEFORE.search(text[: match.start()]):
            found.add("exceeds_guideline_quantity")
    if _NO_FUNCTIONAL_IMPROVEMENT.search(text):
        found.add("no_functional_improvement")
    if _INSUFFICIENT.search(text):
        found.add("insufficient_documentation")
    if _recommended_against(text):
        found.add("not_recommended")
    if _CRITERIA.search(text):
        found.add("criteria_not_met")
    if _SUBJECT.search(text) and not _NOT_ABOUT_HOME.search(text):
        for match in _HOME_PROGRAM.finditer(text):
            if not _NO_HOME_PROGRAM.search(text[: match.start()]):
                found.add("can_transition_to_home_program")
    if _OTHER.search(text):
        found.add("other")
    found |= _missing(text)
    return found


# What the records are (their lack is missing documentation), and verbs that say a finding is absent.
_DOCUMENTARY = frozenset(("documentation", "documented evidence", "information", "records", "record", "details", "detail",
                          "notes", "note", "reports", "report", "mention", "discussion"))
_SHOWING = frozenset(("establish", "reveal", "show", "demonstrate", "support", "substantiate", "justify", "suggest", "confirm"))


def _missing(text: str) -> set[str]:
    """Codes for what the records lack, by what it is."""
    found: set[str] = set()
    for match in _MISSING.finditer(text):
        what, lead, missing = match.group("what").lower(), match.group("lead").lower(), match.group("object")
        # "No documentation of failed conservative care" is a criterion unmet; "lack of documentation" also a gap.
        documentary = what in _DOCUMENTARY and (lead != "no" or _INFORMATION.match(missing) is not None)
        found |= _sorted_by_object(missing, documentary)
    for match in _DID_NOT.finditer(text):
        # "did not document prior failed therapy": a criterion unmet, said of the records
        missing = match.group("object")
        documentary = match.group("verb").lower() not in _SHOWING and not _CRITERION.search(missing[:120])
        found |= _sorted_by_object(missing, documentary)
    for match in _NOT_GIVEN.finditer(text):
        subject = re.split(r"[,;]", text[max(0, match.start() - 80): match.start()])[-1]  # what was not given
        found.add("insufficient_documentation")
        if _IMPROVEMENT.search(subject):
            found.add("no_functional_improvement")
    return found


_CRITERION = _phrase(
    r"\b(?:fail\w*|tried|trial\w*|conservative|first[- ]line|red\s+flags?|neurolog\w*|deficits?|radicul\w*|nerve|surg\w*|candidate|intoleran\w+|tolerat\w+|"
    r"risk|screen\w*|spasms?|instability|return\s+to\s+work|unsuccessful|work\s+hardening|willing\w*|contraindicat\w+|neuropath\w*|objective\s+findings|"
    r"reduction|reduced|symptoms?|signs?|findings|pathology|diagnosis|indications?|warrant\w*|meets?|criteria|concerns?|history|complaints?|abnormalit\w+|"
    r"conditions?)\b")
# What does not say why the item is needed: the need itself, or factors outside the guideline.
_NEED = _phrase(r"^\W*(?:the\s+|any\s+|a\s+)?(?:medical\s+necessity|necessity|need|exceptional|extenuating|special|unusual|clear\s+need)\b")
_USE_EVIDENCE = _phrase(r"^\W*(?:the\s+|its\s+|their\s+)?(?:routine\s+|long[- ]term\s+)?(?:use|efficacy|effectiveness|benefit)\s+(?:of|for)\b")


def _sorted_by_object(missing: str, documentary: bool) -> set[str]:
    head = missing[:120]
    if not head.strip() or _NEED.match(head):
        return {"insufficient_documentation"} if documentary else set()
    if _USE_EVIDENCE.match(head):
        return {"not_recommended"}
    information = _INFORMATION.match(head)
    if _IMPROVEMENT.search(head):
        return {"no_functional_improvement", "insufficient_documentation"} if documentary and information else {"no_functional_improvement"}
    if _BENEFIT.search(head) and not information:
        return {"insufficient_documentation"} if documentary else set()
    if information:
        return {"insufficient_documentation"}
    if _CRITERION.search(head) or not documentary:
        return {"criteria_not_met", "insufficient_documentation"} if documentary else {"criteria_not_met"}
    return {"insufficient_documentation"}


_NOT_ROUTINELY = _phrase(r"\bnot\s+routinely\s+recommended\b")  # recommended in some cases: a bound


def _recommended_against(text: str) -> bool:
    """A guideline's word against the treatment: "not recommended" unless it only bounds a
    recommendation ("... for longer than 2 weeks", "... as a primary treatment, but ..."), "the
    guidelines do not recommend", "no evidence of efficacy", "experimental"."""
    for match in _NOT_RECOMMENDED.finditer(text):
        if not (_NOT_ROUTINELY.match(match.group(0)) or _NOT_RECOMMENDED_BOUNDED.search(text[match.end():])):
            return True
    return False


def _sentences(rationale: str) -> list[tuple[str, str]]:
    """Each sentence of the rationale as (the guideline's words, the reviewer's words about the case),
    in lower case."""
    text = " ".join(rationale.split())
    out: list[tuple[str, str]] = []
    previous_guideline = False
    for sentence in _SENTENCE_END.split(text):
        if not sentence.strip():
            continue
        sentence = sentence.lower()
        case = _CASE.search(sentence)
        if _GUIDELINE_LEAD.match(sentence):
            split = case.start() if case and case.start() > 0 else len(sentence)
            out.append((sentence[:split], sentence[split:]))
            previous_guideline = split == len(sentence)
        elif case is None and previous_guideline and _GENERIC.search(sentence):
            out.append((sentence, ""))
        else:
            out.append(("", sentence))
            previous_guideline = False
    return out
