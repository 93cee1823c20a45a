"""The parser's category and subcategory for an item, by the DWC's taxonomy and its conventions.

Classed by the item's own words (the rationale may discuss other treatments). Every answer carries
its basis, the rule that fired and the words it matched ("imaging: MRI"), or None where no rule
fits: a basis is what lets the parser's answer stand against a model's (`merging`).

How a rule is chosen:
1. Rules about the request as a whole come first: an associated surgical service, a pre-operative
   test or clearance, an assistant surgeon (Adjunct Surgical Services); an evaluation by or for a
   surgeon (Surgical Consult); supplies ("TENS electrodes"); a device named as one ("traction unit").
2. An item naming several treatments is classed by its first, main one: the rules are matched on
   the part before "with"/"plus"/"followed by", and the rule matching earliest there wins (rule order
   settles a tie). A drug named first makes it Pharmaceuticals, its class from the taxonomy. Words
   that only say when ("post-operative") are passed over; a referral or evaluation for a therapy
   ("evaluation for physical therapy", "referral to a psychologist") is that therapy.
3. Within a category a few words decide the subcategory wherever they stand ("arthroscopic" makes a
   repair Arthroscopic; a TENS unit is Electrical Stimulation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ._folding import FoldedPattern
from .items import PROCEDURE_WORDS, TOPICAL_WORDS, drug_spans, reviewed_part
from .taxonomy import COMMERCIAL_TOPICAL_DRUGS, DRUGS, is_subcategory, subcategories


@dataclass(frozen=True)
class Classification:
    category: Optional[str]
    subcategory: Optional[str]
    basis: Optional[str]  # "<rule>: <words matched>"; None: no rule fits, the model's to decide


@dataclass(frozen=True)
class _Rule:
    name: str
    category: str
    subcategory: Optional[str]
    pattern: FoldedPattern


def _rules(*rows: tuple[str, str, Optional[str], str]) -> tuple[_Rule, ...]:
    rules = tuple(_Rule(name, category, sub, FoldedPattern(pattern)) for name, category, sub, pattern in rows)
    for rule in rules:  # no rule may name what the DWC does not have
        assert is_subcategory(rule.category, rule.subcategory), rule
        assert rule.subcategory is not None or not subcategories(rule.category), rule
    return rules


_SESSIONS = r"(?:sessions?|visits?|treatments?|times?\s*(?:a|per|/)\s*(?:week|wk)|x\s*/?\s*(?:week|wk)|\d\s*[x×]\s*\d|weekly)"
_DEVICE = r"(?:unit|device|machine|rental|purchase|system)"
_SURGEON = r"(?:surgeons?|neurosurg\w*|ortho(?:pa?edic)?s?\b(?:\s+spine)?|orthopedists?)"  # a surgeon, the person
_CONSULT = r"(?:consult\w*|evaluation|eval|referral|visit|opinion|TOC|transfer\s+of\s+care|follow[- ]?up|re-?evaluation)"

# Step 1: the request as a whole.
_WHOLE_ITEM_RULES = _rules(
    ("surgical service", "Surgery", "Adjunct Surgical Services", r"\bassociated\s+surgical\s+services?\b|\bsurgical\s+assist\w*|\bassistant\s+surgeon\b|\bco-?surgeon\b|\bPA\s+assist\w*"),
    ("pre-operative", "Surgery", "Adjunct Surgical Services", r"\bpre-?\s?op(?:erative)?\b|\bmedical\s+clearance\b|\bsurgical\s+clearance\b|\bclearance\s+for\s+surgery\b"),
    ("surgical consult", "Surgery", "Surgical Consult",
     rf"(?<!post-)(?<!post\s)\b(?:{_SURGEON}|surgical|surgery)\b[\w\s/-]{{0,30}}?\b{_CONSULT}\b|\b{_CONSULT}\b[\w\s/-]{{0,40}}?\b(?:with|to|by|from)\b[\w\s/-]{{0,30}}?\b{_SURGEON}"
     r"|\bconsult\w*\b[\w\s/-]{0,40}?\bfor\s+(?:a\s+|an\s+)?(?:\w+\s+){0,3}(?:surgery|arthroplasty|fusion|replacement|decompression|arthroscopy)\b"),
    ("supplies", "DMEPOS", "Supplies", r"^(?!.*\b(?:unit|device|machine|rental|purchase|system)\b).*?\b(?:supplies|electrodes?|batteries|lead\s+wires?|conductive\s+garments?|gloves|wipes|dressings?)\b"),
    ("device", "DMEPOS", "DME", rf"\b(?:traction|cold|ice|heat(?:ing)?|hot|cryo\w*|thermo\w*|compression|ultrasound|laser|infrared|paraffin)\b[\w\s/-]{{0,20}}?\b{_DEVICE}\b"),
    ("stimulation device", "DMEPOS", "Electrical Stimulation", rf"\b(?:TENS|EMS|NMES|H-?wave|interferential|e-?stim\w*|electrical\s+(?:muscle\s+)?stimulat\w*|neuromuscular\s+stim\w*|stimulator)\b[\w\s/-]{{0,20}}?\b{_DEVICE}\b|(?<!cord\s)\bstimulator\b"),
)

# Step 2: matched on the item's main part; the earliest match wins.
_RULES = _rules(
    ("electrodiagnosis", "Diagnostic Testing", "EMG/NCV", r"\b(?:EMG|NCV|NCS|electromyogra\w*|nerve\s+conduction|electrodiagnostic\w*)\b"),
    ("imaging", "Diagnostic Testing", "Imaging", r"\b(?:MRI'?s?|MRA|CT|CAT\s+scan|x-?\s?rays?|radiograph\w*|bone\s+scan|imaging|(?<!pulsed\s)(?<!therapeutic\s)ultrasound(?!\s*-?\s*guided)(?!\s+therap)|sonogra\w*|scan|arthrogra\w*|myelogra\w*|discogra\w*|DEXA|bone\s+density|PET)\b"),
    ("lab", "Diagnostic Testing", "Lab & Pathology", r"\b(?:urine|urinalysis|drug\s+(?:screen|test)\w*|toxicology|labs?|laboratory|blood|CBC|CMP|BMP|panel|UDS|UDT|genetic|pharmacogenetic|A1c|hemoglobin|metabolic|culture|biopsy|pathology)\b"),
    ("psych evaluation", "Psych Services", "Evaluation & Management", r"\b(?:psych\w*|neuropsych\w*)\s+(?:evaluation|eval|testing|tests?|consult\w*|assessment|referral|visit|re-?evaluation)\b|\bpsychological\b|\bpsychiatric\b|\bpsychologist\b|\bpsychiatrist\b"),
    ("psych therapy", "Psych Services", "Therapies", r"\b(?:psychotherapy|cognitive\s+behavio\w*\s+therap\w*|CBT|psych\w*\s+(?:therapy|treatment|sessions?)|counsel(?:l)?ing|partial\s+hospitali[sz]ation|hypnotherapy|relaxation\s+training|group\s+therapy)\b"),
    ("other test", "Diagnostic Testing", "Other Diagnostic Tests", r"\b(?:EEG|SSEP|evoked\s+potentials?|electroencephalogra\w*|EKG|ECG|electrocardiogra\w*|echocardiogra\w*|holter|stress\s+test|sleep\s+study|polysomnogra\w*|functional\s+capacity\s+evaluation|FCE|thermogra\w*|audiogra\w*|audiolog\w*|videonystagmogra\w*|VNG|QST|quantitative\s+sensory|grip\s+(?:strength\s+)?test\w*|range\s+of\s+motion\s+(?:of\s+)?test\w*|computeri[sz]ed\s+(?:range|muscle|strength)\w*|pulmonary\s+function|spirometry)\b"),
    ("facet", "Injection", "Facet Injection", r"\b(?:facet|medial\s+branch|radiofrequency|rhizotomy|ablation|neurotomy|RFA)\b"),
    ("injection", "Injection", "Injection", r"\b(?:injections?|epidural|ESI|trigger\s+points?|nerve\s+blocks?|blocks?|PRP|platelet[- ]rich|prolotherapy|botox|cortisone\s+shot|aspiration)\b"),
    ("acupuncture", "Rehabilitation", "Acupuncture", r"\b(?:electro-?\s?)?acupuncture\b|\bacupressure\b"),
    ("chiropractic", "Rehabilitation", "Chiropractic", r"\bchiro\w*|\bmanipulation\b|\bCMT\b|\bspinal\s+adjust\w*"),
    ("program", "Programs", None, r"\b(?:functional\s+restoration|FRP|weight\s+loss|work\s+hardening|work\s+conditioning|detox\w*|pain\s+(?:management\s+)?program|brain\s+injury|HELP\s+program|multidisciplinary|interdisciplinary|program)\b"),
    ("therapy sessions", "Rehabilitation", "Other Therapies", rf"\b(?:electrical\s+(?:muscle\s+)?stimulation|e-?stim\w*|EMS|interferential|neurostimulation|(?:pulsed\s+|therapeutic\s+)?ultrasound|traction|infrared|diathermy|iontophoresis|paraffin|hot\s+packs?|cold\s+packs?|ice|heat)\b[\w\s,/-]{{0,40}}?\b{_SESSIONS}|\b{_SESSIONS}[\w\s,/-]{{0,20}}?\bof\s+(?:electrical\s+stimulation|ultrasound|traction|infrared|diathermy)\b|\b(?:therapeutic|pulsed)\s+ultrasound\b|\binfrared\b|\bneurostimulation\s+therap\w*|\biontophoresis\b|\bdiathermy\b"),
    ("therapy", "Rehabilitation", "Other Therapies", r"\b(?:biofeedback|shock\s?wave|ESWT|laser\s+therap\w*|cold\s+laser|low[- ]level\s+laser|hyperbaric|vestibular\s+(?:therapy|rehab\w*))\b"),
    ("physical therapy", "Rehabilitation", "PT/OT", r"\b(?:physical\s+therap\w*|PT|occupational\s+therap\w*|OT|physiotherap\w*|therapeutic\s+exercises?|therapeutic\s+activit\w*|manual\s+therap\w*|myofascial\s+release|massage|aquatic\s+therap\w*|aqua\s+therap\w*|pool\s+therap\w*|(?<!medicine\sand\s)(?<!medicine\s&\s)rehabilitation(?!\s+(?:consult\w*|evaluation|physician|specialist))|rehab|hand\s+therap\w*|kinesio\w*|neuromuscular\s+re-?education|gait\s+training|home\s+exercise\s+program)\b"),
    ("stimulation", "DMEPOS", "Electrical Stimulation", r"\b(?:TENS|EMS|electrical\s+(?:muscle\s+)?stimulation|e-?stim\w*|interferential|H-?wave|NMES|neuromuscular\s+stim\w*)\b"),
    ("orthotic", "DMEPOS", "Prosthetics/Orthotics", r"\b(?:braces?|orthotics?|orthos[ie]s|orthopedic\s+shoes?|splints?|insoles?|shoes?|prosthe\w*|sling|ultrasling|immobili[sz]er|walking\s+boot|cam\s+boot|collar|corset|(?:back|lumbar|lumbosacral|knee|ankle|wrist|elbow|thumb|cervical|sacroiliac|SI)\s+supports?|LSO|TLSO)\b"),
    ("supplies", "DMEPOS", "Supplies", r"\b(?:supplies|supply|electrodes?|batteries|battery|dressings?|gloves|wipes|lead\s+wires?|conductive\s+garment|garment|bandages?|tape)\b"),
    ("equipment", "DMEPOS", "DME", r"\b(?:DME|hot\s+(?:and|&|/)\s+cold|(?:hot|cold|ice|gel)\s+packs?|heat\s+wraps?|thermacare|canes?|crutch\w*|walkers?|rollators?|wheelchairs?|scooters?|pillows?|mattress\w*|hot/cold|cold\s+therapy|cryotherapy|cryo\s?unit|ice|heat(?:ing)?(?:\s+therapy)?\s+pads?|pads?|workstation|kit|bed|commode|chair|cushion|supports?|hearing\s+aids?|equipment|unit|wraps?|lift|grabbers?|reachers?|shower|bath|raised\s+toilet|vascutherm|game\s*ready|exercise\s+ball|therapy\s+ball|theraband|ergonomic|keyboard|headset)\b"),
    ("home health", "Home Health", None, r"\b(?:home\s+health|home\s+care|caregiver|aides?|nursing|nurse|RN|LVN|home\s+assistance|attendant\s+care|homemaker|housekeeping|in-?home\s+support)\b"),
    ("transportation", "Transportation", None, r"\b(?:transport\w*|taxi|mileage|travel|ambulance|uber|lyft)\b"),
    ("arthroscopy", "Surgery", "Arthroscopic", r"\barthroscop\w*"),
    ("spine surgery", "Surgery", "Spine", r"\b(?:fusion|laminectomy|laminotomy|hemilaminectomy|discectomy|microdiscectomy|foraminotomy|kyphoplasty|vertebroplasty|disc\s+replacement|disc\s+arthroplasty|spinal\s+cord\s+stimulator|decompression\s+of\s+the\s+(?:lumbar|cervical|thoracic)|ACDF|TLIF|PLIF|ALIF)\b"),
    ("surgery", "Surgery", "Non-arthroscopic", r"\b(?:surgery|surgical|repair|release|replacement|arthroplasty|ORIF|open\s+reduction|internal\s+fixation|fixation|excision|debridement|tenotomy|osteotomy|reconstruction|transposition|decompression|manipulation\s+under\s+anesthesia|amputation|\w+ectomy|\w+plasty|\w+otomy|\w+desis|hardware\s+removal|removal\s+of\s+hardware)\b"),
    ("test", "Diagnostic Testing", "Other Diagnostic Tests", r"\btest(?:s|ing)?\b|\bstud(?:y|ies)\b"),
    ("dental", "Evaluation & Management", "Dental Services", r"\bdental\b|\bdentist\w*|\bteeth\b|\btooth\b|\bdentures?\b|\borthodont\w*"),
    ("visit", "Evaluation & Management", "Medical Specialties", r"\b(?:consult\w*|referral|office\s+visits?|follow[- ]?up|evaluation|eval|re-?examination|re-?exam|examination|visits?|specialist|management|second\s+opinion|TOC|transfer\s+of\s+care|appointment)\b"),
    ("other", "Other", None, r"\b(?:gym|pool|membership|interpreter|translat\w*)\b"),
)

# Step 3: words that decide the subcategory within a category wherever they stand.
_REFINEMENTS: dict[str, tuple[_Rule, ...]] = {
    "Surgery": tuple(rule for rule in _RULES if rule.name in ("arthroscopy", "spine surgery")),
    "DMEPOS": tuple(rule for rule in _RULES if rule.name == "stimulation"),
}
_GENERIC = ("Non-arthroscopic", "DME")
_REFERRED = ("Rehabilitation", "Psych Services", "Programs")
# "Post-operative" and the like say when, not what: post-operative care is classed by what it is.
_POST_OP = re.compile(r"\b(?:post-?\s?(?:surgical|operative(?:ly)?|op)|postoperative(?:ly)?|(?:after|following)\s+(?:the\s+)?surgery)\b", re.I)
# The main treatment of an item that names several: what comes before these words.
_SECOND_TREATMENT = re.compile(r"\s+(?:with|plus|followed\s+by|along\s+with|in\s+addition\s+to|and\s+then)\s+", re.I)
# Classes whose drugs come as patches or gels that act on the whole body (Butrans, Androgel): their
# class, never a topical one.
_PATCHED = {"Opioids", "Hormones", "Antiemetic", "Antihypertensive", "Androgens & Anabolic Steroids", "Stimulants"}
_VISCOSUPPLEMENT = {name for name, drug_class in DRUGS.items() if drug_class == "Viscosupplementation"}


def classify(item: str, medication: Optional[str] = None) -> Classification:
    """The category and subcategory the item's words give, with the basis; or all None."""
    text = reviewed_part(item)
    for rule in _WHOLE_ITEM_RULES:
        span = rule.pattern.span(text)
        if span:
            return _refined(text, Classification(rule.category, rule.subcategory, _basis(rule.name, text, span)))
    text = _POST_OP.sub(lambda match: " " * len(match.group(0)), text)
    head = _SECOND_TREATMENT.split(text, maxsplit=1)[0]
    found = _earliest(head, medication)
    if head != text and (found is None or (found.basis or "").startswith("visit:")):
        # nothing before "with", or only a visit: "Re-exam with chiropractor" is the chiropractor's
        whole = _earliest(text, medication)
        found = whole if found is None or (whole and whole.category in _REFERRED) else found
    return _refined(text, found) if found else Classification(None, None, None)


def _earliest(text: str, medication: Optional[str]) -> Optional[Classification]:
    found: list[tuple[int, int, Classification]] = []
    drug = next(drug_spans(text), None) if medication else None
    if medication and (drug or text.lower().startswith(medication.lower())):
        named = (text[slice(*drug)] if drug else medication).lower()
        if named in _VISCOSUPPLEMENT or not PROCEDURE_WORDS.search(text):
            found.append((drug[0] if drug else 0, -1, _drug_classification(text, medication)))
    for order, rule in enumerate(_RULES):
        span = rule.pattern.span(text)
        if span:
            found.append((span[0], order, Classification(rule.category, rule.subcategory, _basis(rule.name, text, span))))
    if not found:
        return None
    found.sort(key=lambda each: each[:2])
    first = found[0][2]
    if first.basis and first.basis.startswith("visit:"):
        # "Referral to a psychologist", "evaluation for physical therapy", "referral to a chiropractor
        # ..., twice a week": the therapy or psychological care referred to, not an office visit.
        return next((each[2] for each in found[1:] if each[2].category in _REFERRED), first)
    return first


def _drug_classification(text: str, medication: str) -> Classification:
    names = [text[start:end].lower() for start, end in drug_spans(text)]
    kit = next((name for name in names if DRUGS.get(name) == "Topical Compounds"), None)
    if kit:
        return Classification("Pharmaceuticals", "Topical Compounds", f"compounding kit: {kit}")
    systemic = DRUGS.get(names[0]) if names else None
    topical = (TOPICAL_WORDS.search(text) or "%" in text) and not (len(set(names)) == 1 and systemic in _PATCHED)
    if topical:
        # A commercial topical product has one active drug sold that way; anything else is compounded.
        distinct = set(names)
        commercial = len(distinct) <= 1 and distinct <= COMMERCIAL_TOPICAL_DRUGS and not re.search(r"\b(?:compound\w*|base)\b", text, re.I)
        if commercial and distinct:
            return Classification("Pharmaceuticals", "Topical Analgesics", f"commercial topical: {names[0]}")
        return Classification("Pharmaceuticals", "Topical Compounds", f"compounded topical: {', '.join(names) or medication}")
    drug_class = DRUGS.get(medication.lower()) or next((DRUGS[name] for name in names if name in DRUGS), None)
    if drug_class is None:
        return Classification("Pharmaceuticals", None, f"drug named: {medication}")
    return Classification("Pharmaceuticals", drug_class, f"drug table: {medication.lower() if medication.lower() in DRUGS else names[0]}")


def _refined(text: str, found: Classification) -> Classification:
    if found.subcategory not in _GENERIC:  # only a category's catch-all subcategory is refined
        return found
    for rule in _REFINEMENTS.get(found.category or "", ()):
        span = rule.pattern.span(text)
        if span:
            return Classification(rule.category, rule.subcategory, _basis(rule.name, text, span))
    return found


def _basis(name: str, text: str, span: tuple[int, int]) -> str:
    return f"{name}: {' '.join(text[slice(*span)].split())}"
