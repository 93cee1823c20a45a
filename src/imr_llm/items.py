"""What an item's own words say: quantity, body regions, medication, category.

Only what the item text states is read here ("2x4" -> 8, "#120" -> 120, "lumbar" -> "lumbar
spine"); anything the item leaves open stays None or [] for the model layer to fill.
"""

from __future__ import annotations

import re
from typing import Optional

from ._drugs import DRUG_CLASS

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "twenty-four": 24, "thirty": 30, "sixty": 60, "ninety": 90,
}
_WORD_NUMBER = re.compile(r"\b(" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\b(?:\s*\(\d+\))?", re.I)
_TIMES_WORDS = {"once": "1 times", "twice": "2 times", "thrice": "3 times"}
# Numbers that are not quantities: strengths, dates, spinal levels, "Tylenol #3", "3 in 1".
_NOT_QUANTITY = re.compile(
    r"(?<![#\d.])\d+(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)*\s*(?:mg|mcg|milligrams?|g|gm|grams?|ml|cc|%|oz|mm|cm|hours?|hrs?|days?|months?|years?|mos?)(?![A-Za-z])"
    r"|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2}-\d{1,2}-\d{2,4}\b"
    r"|\b[CTLS]\d{1,2}(?:\s*-\s*[CTLS]?\d{1,2})?\b|\btylenol\s*#\s*\d\b|\b\d+\s+in\s+1\b|\b\d+\s*(?:-|to)\s*\d+\b",
    re.I,
)
_QUANTITY_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # "3 times a week for 4 weeks", "2x/week x 6 weeks", "two times a week times six weeks"
    (re.compile(r"(\d+)\s*(?:x|times|visits?|sessions?)?\s*(?:a|per|/|each|every|x)\s*(?:week|wk)\b\W*"
                r"(?:for|x|times|over)?\s*(\d+)\s*(?:weeks?|wks?)\b", re.I), "product"),
    (re.compile(r"\b(\d+)\s*[x×]\s*(\d+)\b(?!\s*(?:mg|mcg|%|ml|cm|mm))", re.I), "product"),  # "2x4"
    # "two sessions for the knee and eight sessions for the wrist": every count, added up
    (re.compile(r"\b(\d+)\s+(?:\w+\s+){0,3}?(?:sessions?|visits?|treatments?|appointments?)\b", re.I), "sum"),
    (re.compile(r"\b(?:sessions?|visits?|treatments?)\s*[,:]\s*(\d+)\b", re.I), "one"),  # "sessions, 12"
    (re.compile(r"#\s*(\d+)"), "one"),  # "#120"
    (re.compile(r"\b(?:x|times|qty|quantity)\s*:?\s*(\d+)\b", re.I), "one"),  # "x 12", "times 3"
    (re.compile(r"(?:^|:)\s*(\d+)\s+(?!(?:phase|level|views?|positions?|tesla|sided|ways?|leads?|channels?)\b)(?=[a-z])", re.I), "one"),  # "1 knee scooter", "service: 2 leg wraps"
)
# The part of a partly certified request that is under review: after the last "original request,".
_REVIEWED_PART = re.compile(r".*original\s+request\s*(?:,|is\b|was\b)\s*(?P<part>.+?)(?:\s+is)?\s*$", re.I | re.S)


def reviewed_part(item: str) -> str:
    """The item text that is under review: for a partly certified request, only the remainder."""
    match = _REVIEWED_PART.match(item)
    return match.group("part") if match else item


def parse_quantity(item: str) -> Optional[int]:
    """Units requested where the item states them: "2x4" -> 8, "#120" -> 120, "nine (9)" -> 9."""
    text = reviewed_part(item)
    for word, replacement in _TIMES_WORDS.items():
        text = re.sub(rf"\b{word}\b", replacement, text, flags=re.I)
    text = _WORD_NUMBER.sub(lambda m: str(_NUMBER_WORDS[m.group(1).lower()]), text)
    text = _NOT_QUANTITY.sub(" ", text)
    for pattern, kind in _QUANTITY_RULES:
        match = pattern.search(text)
        if match:
            if kind == "product":
                value = int(match.group(1)) * int(match.group(2))
            elif kind == "sum":
                value = sum(int(each.group(1)) for each in pattern.finditer(text))
            else:
                value = int(match.group(1))
            return value if 0 < value < 100_000 else None
    return None


_REGIONS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (region, re.compile(pattern, re.I))
    for region, pattern in (
        ("cervical spine", r"\bcervical\b|\bneck\b|\bc[-/ ]?spine\b|\bc/s\b|\bC[1-7]\s*-\s*C?[1-7]\b|\bcervicothoracic\b"),
        ("thoracic spine", r"\bthoracic\b|\bt[-/ ]?spine\b|\bt/s\b|\bmid[- ]?back\b|\bupper back\b|\bT\d{1,2}\s*-\s*T?\d{1,2}\b|\bthoracolumbar\b"),
        # A bare "back" in these requests is the low back; "upper"/"mid" back is thoracic.
        ("lumbar spine", r"\blumbar\b|\blumbosacral\b|\blow(?:er)?[- ]back\b|(?<!upper )(?<!mid )(?<!mid-)\bback\b|\bl[-/ ]?spine\b|\bl/s\b|\bL[1-5]\s*-\s*(?:L?[1-5]|S1)\b|\bthoracolumbar\b"),
        ("shoulder", r"\bshoulders?\b|\brotator cuff\b|\bacromioclavicular\b|\bsubacromial\b"),
        ("elbow", r"\belbows?\b|\bepicondyl\w*|\bcubital\b|\bolecranon\b"),
        ("wrist/hand", r"\bwrists?\b|\bhands?\b|\bfingers?\b|\bthumbs?\b|\bcarpal\b|\bdistal radius\b|\bforearms?\b"),
        ("hip", r"\bhips?\b|\bpelvi[sc]\b|\bgroin\b"),
        ("knee", r"\bknees?\b|\bmenisc\w*|\bpatell\w*"),
        ("ankle/foot", r"\bankles?\b|\bfoot\b|\bfeet\b|\btoes?\b|\bheels?\b|\bplantar\b|\bachilles\b"),
        ("head", r"(?<!radial )\bhead\b|\bbrain\b|\bskull\b|\bcranial\b|\bscalp\b"),
        ("other", r"\bextremit(?:y|ies)\b|\blegs?\b|\barms?\b|\bchest\b|\babdom\w*|\bface\b|\bjaw\b|\bTMJ\b|\bribs?\b"),
    )
)


def parse_body_regions(item: str) -> list[str]:
    """The contract's body regions that the item names, in the order the item names them."""
    found = []
    for region, pattern in _REGIONS:
        match = pattern.search(item)
        if match:
            found.append((match.start(), region))
    return [region for _, region in sorted(found)]


_DRUG = re.compile(r"(?<![\w-])(" + "|".join(re.escape(name) for name in sorted(DRUG_CLASS, key=len, reverse=True)) + r")(?![\w-])", re.I)
_STRENGTH = r"\d+(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)*\s*(?:mg|mcg|%|g|gm|ml)(?![A-Za-z])"
_UNKNOWN_DRUG = re.compile(rf"^\s*(?P<name>[A-Z][A-Za-z-]+(?:\s+[A-Za-z-]+){{0,2}}?)\s+{_STRENGTH}")
_FORMULATION = re.compile(r"\s+(?:ER|XR|SR|CR|XL|DR|ODT|IR|HCL|HCl|hydrochloride|sodium|tablets?|capsules?|tabs?|caps?|cream|gel|ointment|patch|lotion|solution|suspension)\b.*$")
_TOPICAL = re.compile(r"\b(?:cream|gel|ointment|patch(?:es)?|topical|transdermal|lotion|base|compound(?:ed)?|spray|rub)\b", re.I)
# Words that make an item a procedure or test even when it names a drug ("lidocaine injection").
_PROCEDURE = re.compile(r"\b(?:injections?|blocks?|infusions?|pumps?|testing|tests?|screens?|levels?|program|detox\w*|weaning)\b", re.I)


def parse_medication(item: str) -> Optional[str]:
    """The drug the item names, as written ("Norco", "Cyclobenzaprine"); None for non-drugs."""
    text = reviewed_part(item)
    known = _DRUG.search(text)
    if known:
        return known.group(1)
    unknown = _UNKNOWN_DRUG.match(text)
    if unknown and not _PROCEDURE.search(text):
        name = _FORMULATION.sub("", unknown.group("name")).strip()
        return name or None
    return None


def _drug_subcategory(item: str, medication: str) -> Optional[str]:
    drugs = {match.group(1).lower() for match in _DRUG.finditer(item)}
    if _TOPICAL.search(item) or "%" in item:
        return "Topical Compounds" if len(drugs) > 1 or re.search(r"compound", item, re.I) else "Topical Analgesics"
    return DRUG_CLASS.get(medication.lower())


# (category, subcategory, pattern), first match wins: the order settles overlaps such as
# "electro acupuncture" (acupuncture, not electrical stimulation).
_CATEGORY_RULES: tuple[tuple[str, Optional[str], re.Pattern[str]], ...] = tuple(
    (category, subcategory, re.compile(pattern, re.I))
    for category, subcategory, pattern in (
        # Post-operative care is classed by what it is ("post-op physical therapy" is PT/OT).
        ("Surgery", "Adjunct Surgical Services", r"\b(?:pre-?operative|pre-?op|associated surgical service|assistant surgeon|surgical assistant|medical clearance)\b"),
        ("Diagnostic Testing", "EMG/NCV", r"\b(?:EMG|NCV|NCS|electromyogra\w*|nerve conduction)\b"),
        ("Diagnostic Testing", "Imaging", r"\b(?:MRI'?s?|MRA|CT|CAT scan|x-?rays?|radiograph\w*|bone scan|imaging|(?<!pulsed )ultrasound(?! therap)|sonogram|scan|arthrogram|myelogram|discogram)\b"),
        ("Diagnostic Testing", "Lab & Pathology", r"\b(?:urine|drug screen\w*|toxicology|lab(?:s|oratory)?|blood|CBC|panel|UDS|UDT|genetic)\b"),
        ("Psych Services", "Evaluation & Management", r"\bpsych\w* (?:evaluation|testing|consult\w*|assessment)|\bpsychological testing\b"),
        ("Psych Services", "Therapies", r"\b(?:psychotherapy|cognitive behavio\w* therap\w*|CBT|psych\w* (?:therapy|treatment|sessions?)|partial hospitali[sz]ation)\b"),
        ("Diagnostic Testing", "Other Diagnostic Tests", r"\b(?:EEG|SSEP|evoked potentials?|electroencephalogra\w*|EKG|ECG|electrocardiogra\w*|sleep study|polysomnogra\w*|functional capacity evaluation|FCE|thermography|audiogra\w*|diagnostic)\b"),
        ("Injection", "Facet Injection", r"\b(?:facet|medial branch|radiofrequency|rhizotomy|ablation)\b"),
        ("Injection", "Injection", r"\b(?:injections?|epidural|ESI|trigger point|nerve block|blocks?|PRP|platelet[- ]rich)\b"),
        ("Rehabilitation", "Acupuncture", r"\bacupuncture\b"),
        ("Rehabilitation", "Chiropractic", r"\bchiro\w*|\bmanipulation\b|\bCMT\b"),
        ("Programs", None, r"\b(?:functional restoration|FRP|weight loss|work hardening|work conditioning|detox\w*|pain (?:management )?program|brain injury|program)\b"),
        # Stimulation given in clinic sessions is therapy; a unit to take home is DME.
        ("Rehabilitation", "PT/OT", r"\b(?:electrical (?:muscle )?stimulation|e-?stim\w*)\b.*\b(?:sessions?|visits?|times (?:a|per) week)\b"),
        ("Rehabilitation", "PT/OT", r"\b(?:physical therap\w*|PT|occupational therap\w*|OT|physiotherap\w*|therapeutic exercise|manual therapy|myofascial release|massage|aquatic therap\w*|infrared|(?:pulsed |therapeutic )ultrasound|rehabilitation|physical medicine|hand therap\w*)\b"),
        ("Rehabilitation", "Other Therapies", r"\b(?:biofeedback|shock ?wave|ESWT|hypnotherapy|laser)\b"),
        ("DMEPOS", "Electrical Stimulation", r"\b(?:TENS|EMS|electrical (?:muscle )?stimulation|e-?stim\w*|interferential|H-?wave|NMES|neuromuscular stim\w*)\b"),
        ("DMEPOS", "Prosthetics/Orthotics", r"\b(?:braces?|orthotics?|orthos[ie]s|splints?|insoles?|shoes?|prosthe\w*)\b"),
        ("DMEPOS", "Supplies", r"\b(?:supplies|electrodes?|batteries|dressings?)\b"),
        ("DMEPOS", "DME", r"\b(?:DME|canes?|walkers?|wheelchairs?|pillows?|mattress\w*|hot/cold|cold therapy|cryotherapy|ice|heat(?:ing)?(?: therapy)? pad|pads?|scooter|workstation|kit|bed|commode|chair|cushion|supports?|hearing aids?|equipment|unit|traction|wrap)\b"),
        ("Home Health", None, r"\b(?:home health|home care|caregiver|aide|nursing|home assistance)\b"),
        ("Transportation", None, r"\b(?:transport\w*|taxi|mileage|travel)\b"),
        ("Surgery", "Surgical Consult", r"\bsurg\w* consult\w*"),
        ("Surgery", "Arthroscopic", r"\barthroscop\w*"),
        ("Surgery", "Spine", r"\b(?:fusion|laminectomy|laminotomy|discectomy|foraminotomy|kyphoplasty|vertebroplasty|disc replacement)\b"),
        ("Surgery", "Non-arthroscopic", r"\b(?:surgery|surgical|repair|release|replacement|arthroplasty|ORIF|open reduction|internal fixation|excision|debridement|tenotomy|osteotomy|\w+ectomy)\b"),
        ("Diagnostic Testing", "Other Diagnostic Tests", r"\btest(?:s|ing)?\b"),
        ("Evaluation & Management", "Dental Services", r"\bdental\b|\bdentist\w*|\bteeth\b"),
        ("Evaluation & Management", "Medical Specialties", r"\b(?:consult\w*|referral|office visits?|follow[- ]?up|evaluation|re-?examination|visit|specialist|management)\b"),
    )
)


def classify(item: str, medication: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """(category, subcategory) by the DWC's categories, or (None, None) when no rule fits."""
    text = reviewed_part(item)
    if medication and not _PROCEDURE.search(text):
        return "Pharmaceuticals", _drug_subcategory(text, medication)
    for category, subcategory, pattern in _CATEGORY_RULES:
        if pattern.search(text):
            return category, subcategory
    return None, None
