"""The DWC's taxonomy, in one place: request categories and their subcategories, the drug classes,
the drugs seen in these requests, the reason codes, and the conventions for borderline items.

Everything else reads this module: the contract's vocabularies (`schema`), the parser's category
rules (`items`), the answer validators (`grounding`), the prompts (`prompting` renders the lists and
conventions into the v2 templates) and the labeling guide (evals/LABELING.md points here). The
names are the DWC's, as its public IMR decision search listed them (docs/DOMAIN.md): analysts
compare their tables with the DWC's, name for name. Adding a drug is one name on its class's line;
adding a class is one line in `DRUG_CLASSES` (and, with drugs, one in `_DRUGS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

# Category -> its subcategories. Home Health, Programs, Transportation and Other have one each,
# their own name, which the contract writes as null; Pharmaceuticals' subcategory is the drug class.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "Pharmaceuticals": (),  # DRUG_CLASSES
    "Rehabilitation": ("PT/OT", "Chiropractic", "Acupuncture", "Other Therapies"),
    "Diagnostic Testing": ("Imaging", "EMG/NCV", "Lab & Pathology", "Other Diagnostic Tests"),
    "DMEPOS": ("DME", "Electrical Stimulation", "Prosthetics/Orthotics", "Supplies"),
    "Injection": ("Facet Injection", "Injection"),
    "Surgery": ("Spine", "Arthroscopic", "Non-arthroscopic", "Adjunct Surgical Services", "Surgical Consult"),
    "Evaluation & Management": ("Medical Specialties", "Dental Services"),
    "Psych Services": ("Evaluation & Management", "Therapies"),
    "Home Health": (),
    "Programs": (),
    "Transportation": (),
    "Other": (),
}
# The DWC's long forms, where the contract keeps a short one.
LONG_NAMES: dict[str, str] = {
    "Imaging": "Imaging * Radiology",
    "EMG/NCV": "EMG/NCV/NCS",
    "PT/OT": "Physical Therapy/Occupational Therapy (PT/OT)",
    "Arthroscopic": "Arthroscopic Surgery",
    "Non-arthroscopic": "Non-arthroscopic Surgery",
}
# The DWC's drug classes as its search form lists them (DOMAIN.md calls them 40; the form lists 42).
DRUG_CLASSES: tuple[str, ...] = (
    "Adrenal Cortical Steroids", "Alpha-blocker", "Androgens & Anabolic Steroids", "AntiAnxiety",
    "Anti-coagulant", "Antidepressant", "Antidiabetics", "Antiemetic", "Anti-epilepsy drugs", "Antihistamine",
    "Antihypertensive", "Anti-infectives", "Antimigraine Agent", "Asthma Medications", "Atypical Antipsychotic",
    "Barbiturates", "Benzodiazepine", "Beta-blocker", "Bisphosphonates", "Calcium Channel Blocker", "Cannabinoids",
    "Dopamine agonists", "Fibric Acid", "GI Agents", "H2 Blocker", "Hormones", "Impotence Agents", "Injection",
    "Misc Analgesics", "Muscle Relaxant", "NSAID", "Nutritional Products", "Opioid Antagonist", "Opioids",
    "Proton Pump Inhibitors", "Sedative-hypnotics", "Statin", "Stimulants", "Topical Analgesics",
    "Topical Compounds", "Tumor necrosis factor (TNF) modified", "Viscosupplementation",
)
# Other spellings -> the canonical name: the DWC form's own variants, and names used before v1.1.
DRUG_CLASS_ALIASES: dict[str, str] = {
    "Benzodiazepines": "Benzodiazepine", "Asthma medication": "Asthma Medications", "Histamine 2": "H2 Blocker",
    "Calcium Cannel Blocker": "Calcium Channel Blocker", "Opoid Antagonist": "Opioid Antagonist",
    "H2 Blockers": "H2 Blocker", "Laxatives": "GI Agents", "Corticosteroids": "Adrenal Cortical Steroids",
    "Opioid": "Opioids", "NSAIDs": "NSAID", "Muscle Relaxants": "Muscle Relaxant", "Antidepressants": "Antidepressant",
    "Anticonvulsants": "Anti-epilepsy drugs", "Proton Pump Inhibitor": "Proton Pump Inhibitors", "PPI": "Proton Pump Inhibitors",
    "Topical Analgesic": "Topical Analgesics", "Topical Compound": "Topical Compounds", "Medical Foods": "Nutritional Products",
}
# An older category of the DWC's form, and where it went.
CATEGORY_ALIASES: dict[str, tuple[str, str]] = {"Therapies": ("Rehabilitation", "Other Therapies")}

# Drug names (brand and generic, lower case) by class: the parser's table. A name that is a
# compounding kit or a cream is classed by the topical rules, whatever its active drug.
_DRUGS: dict[str, str] = {
    "Adrenal Cortical Steroids": "prednisone, prednisolone, methylprednisolone, medrol, medrol dosepak, dexamethasone, decadron, hydrocortisone, triamcinolone, kenalog, depo-medrol, betamethasone, celestone",
    "Alpha-blocker": "tamsulosin, flomax, terazosin, doxazosin, cardura, prazosin, alfuzosin, uroxatral",
    "Androgens & Anabolic Steroids": "testosterone, androgel, testim, axiron, depo-testosterone, oxandrolone, nandrolone",
    "AntiAnxiety": "buspirone, buspar, hydroxyzine, vistaril, atarax",
    "Anti-coagulant": "warfarin, coumadin, enoxaparin, lovenox, heparin, rivaroxaban, xarelto, apixaban, eliquis, dabigatran, pradaxa, clopidogrel, plavix",
    "Antidepressant": "milnacipran, savella, duloxetine, cymbalta, amitriptyline, elavil, nortriptyline, pamelor, bupropion, wellbutrin, venlafaxine, effexor, sertraline, zoloft, fluoxetine, prozac, escitalopram, lexapro, citalopram, celexa, paroxetine, paxil, trazodone, desyrel, mirtazapine, remeron, desvenlafaxine, pristiq, vilazodone, viibryd, vortioxetine, trintellix, imipramine, desipramine, doxepin",
    "Antidiabetics": "metformin, glucophage, glipizide, glyburide, glimepiride, insulin, lantus, humalog, novolog, sitagliptin, januvia, pioglitazone, actos, liraglutide, victoza, jardiance, invokana, trulicity",
    "Antiemetic": "ondansetron, zofran, promethazine, phenergan, metoclopramide, reglan, prochlorperazine, compazine, meclizine, scopolamine",
    "Anti-epilepsy drugs": "gabapentin, neurontin, gralise, horizant, pregabalin, lyrica, topiramate, topamax, levetiracetam, keppra, divalproex, depakote, lamotrigine, lamictal, carbamazepine, tegretol, oxcarbazepine, trileptal, zonisamide, lacosamide, phenytoin, dilantin, fanatrex",
    "Antihistamine": "diphenhydramine, benadryl, dicopanol, cetirizine, zyrtec, loratadine, claritin, fexofenadine, allegra, cyproheptadine, chlorpheniramine",
    "Antihypertensive": "lisinopril, losartan, cozaar, valsartan, diovan, enalapril, benazepril, hydrochlorothiazide, hctz, clonidine, catapres, hydralazine, chlorthalidone, furosemide, lasix, spironolactone",
    "Anti-infectives": "cephalexin, keflex, amoxicillin, augmentin, ciprofloxacin, cipro, levofloxacin, levaquin, doxycycline, azithromycin, zithromax, bactrim, clindamycin, mupirocin, bactroban, vancomycin, cefazolin, fluconazole, valacyclovir, valtrex, acyclovir, metronidazole, flagyl, nitrofurantoin",
    "Antimigraine Agent": "sumatriptan, imitrex, rizatriptan, maxalt, zolmitriptan, zomig, eletriptan, relpax, naratriptan, frovatriptan, ergotamine, cafergot",
    "Asthma Medications": "albuterol, proair, ventolin, montelukast, singulair, advair, symbicort, budesonide, tiotropium, spiriva, ipratropium",
    "Atypical Antipsychotic": "quetiapine, seroquel, aripiprazole, abilify, olanzapine, zyprexa, risperidone, risperdal, ziprasidone, geodon, lurasidone, latuda",
    "Barbiturates": "butalbital, fioricet, fiorinal, esgic, phenobarbital",
    "Benzodiazepine": "alprazolam, xanax, diazepam, valium, clonazepam, klonopin, lorazepam, ativan, temazepam, restoril, chlordiazepoxide, librium, clorazepate, oxazepam, triazolam",
    "Beta-blocker": "metoprolol, lopressor, toprol, propranolol, inderal, atenolol, tenormin, carvedilol, coreg, nadolol, bisoprolol",
    "Bisphosphonates": "alendronate, fosamax, risedronate, actonel, ibandronate, boniva, zoledronic acid, reclast",
    "Calcium Channel Blocker": "amlodipine, norvasc, diltiazem, cardizem, verapamil, nifedipine, procardia, felodipine",
    "Cannabinoids": "dronabinol, marinol, nabilone, cesamet, cannabidiol, medical marijuana",
    "Dopamine agonists": "ropinirole, requip, pramipexole, mirapex, bromocriptine, carbidopa, sinemet",
    "Fibric Acid": "fenofibrate, tricor, gemfibrozil, lopid",
    "GI Agents": "senna, senokot, sennosides, docusate, colace, lubiprostone, amitiza, linaclotide, linzess, miralax, polyethylene glycol, bisacodyl, dulcolax, lactulose, dicyclomine, bentyl, sucralfate, carafate, misoprostol, cytotec, loperamide, simethicone, stool softener, laxative",
    "H2 Blocker": "ranitidine, zantac, famotidine, pepcid, deprizine, cimetidine, tagamet, nizatidine",
    "Hormones": "levothyroxine, synthroid, estradiol, premarin, progesterone, medroxyprogesterone, calcitonin",
    "Impotence Agents": "sildenafil, viagra, tadalafil, cialis, vardenafil, levitra",
    "Misc Analgesics": "acetaminophen, tylenol, apap",
    "Muscle Relaxant": "cyclobenzaprine, flexeril, fexmid, amrix, baclofen, tizanidine, zanaflex, carisoprodol, soma, methocarbamol, robaxin, metaxalone, skelaxin, orphenadrine, norflex, chlorzoxazone, parafon, lorzone, dantrolene, tabradol",
    "NSAID": "zipsor, cambia, sprix, tivorbex, naproxen, anaprox, naprosyn, aleve, ibuprofen, motrin, advil, meloxicam, mobic, diclofenac, voltaren, zorvolex, celebrex, celecoxib, etodolac, lodine, nabumetone, relafen, ketorolac, toradol, indomethacin, duexis, vimovo, arthrotec, piroxicam, feldene, oxaprozin, daypro, sulindac, fenoprofen, nalfon, ketoprofen, flurbiprofen, salsalate, diflunisal, aspirin",
    "Nutritional Products": "genicin, theramine, sentradine, sentra, trepadone, gabadone, somnicin, percura, apptrim, hypertensa, glucosamine, chondroitin, vitamin d, vitamin b12, fish oil",
    "Opioid Antagonist": "naloxone, narcan, naltrexone, naloxegol, movantik, methylnaltrexone, relistor",
    "Opioids": "roxicet, vicoprofen, ibudone, lorcet, xodol, xartemis, embeda, zubsolv, norco, hydrocodone, vicodin, lortab, oxycodone, oxycontin, percocet, roxicodone, endocet, tramadol, ultram, ultracet, nucynta, tapentadol, morphine, ms contin, kadian, fentanyl, duragesic, buprenorphine, butrans, suboxone, methadone, hydromorphone, dilaudid, exalgo, oxymorphone, opana, codeine, tylenol #3, tylenol with codeine, hysingla, zohydro, xtampza, belbuca, meperidine, demerol, conzip, synapryn",
    "Proton Pump Inhibitors": "omeprazole, prilosec, pantoprazole, protonix, esomeprazole, nexium, lansoprazole, prevacid, rabeprazole, aciphex, dexlansoprazole, dexilant",
    "Sedative-hypnotics": "silenor, zolpidem, ambien, eszopiclone, lunesta, zaleplon, sonata, ramelteon, rozerem, suvorexant, belsomra",
    "Statin": "atorvastatin, lipitor, simvastatin, zocor, rosuvastatin, crestor, pravastatin, lovastatin",
    "Stimulants": "modafinil, provigil, armodafinil, nuvigil, adderall, methylphenidate, ritalin",
    # Commercial topical products; a cream of drug percentages that is not one is a compound.
    "Topical Analgesics": "kera-tek, icy hot, aspercreme, tiger balm, dendracin, capzasin, lidoderm, lidocaine, flector, pennsaid, voltaren gel, salonpas, ben-gay, bengay, biofreeze, capsaicin, zostrix, menthoderm, anecream, methyl salicylate",
    # Compounding kits common in California workers' compensation requests (DOMAIN.md).
    "Topical Compounds": "terocin, lidopro, ketophene, cyclophene, fluriflex, tghot, gabacyclotram, medrox, flurbitrac, mediderm",
    "Tumor necrosis factor (TNF) modified": "etanercept, enbrel, adalimumab, humira, infliximab, remicade, certolizumab, cimzia, golimumab, simponi",
    "Viscosupplementation": "synvisc, synvisc-one, orthovisc, euflexxa, hyalgan, supartz, monovisc, gel-one, gelsyn, durolane, hyaluronic acid, hyaluronan",
}
DRUGS: dict[str, str] = {name: drug_class for drug_class, names in _DRUGS.items() for name in names.split(", ")}
# Drugs sold as commercial topicals: a patch, gel or cream of one of these alone is a Topical
# Analgesic; any other drug in a cream, or several, is a Topical Compound.
COMMERCIAL_TOPICAL_DRUGS: frozenset[str] = frozenset(
    {name for name, drug_class in DRUGS.items() if drug_class == "Topical Analgesics"}
    | {"diclofenac", "voltaren", "menthol", "trolamine salicylate"}
)

# Why a reviewer decided, the contract's codes with what each means (LABELING.md says the same).
REASONS: dict[str, str] = {
    "exceeds_guideline_quantity": "the number, frequency or duration requested is more than the guideline allows",
    "no_functional_improvement": "earlier treatment of the kind brought no documented objective functional improvement",
    "insufficient_documentation": "the records lack what the decision needs (not documented, not provided, unclear, no rationale)",
    "not_recommended": "the guideline does not recommend the treatment, for this condition or at all",
    "criteria_not_met": "the guideline's conditions are not met: red flags, neurologic findings, failed conservative care, a trial first",
    "can_transition_to_home_program": "the patient can continue with or move to a home exercise program",
    "meets_guidelines": "overturned: the request is supported by the guidelines",
    "other": "any other reason, e.g. the surgery it belongs to was not certified",
}


@dataclass(frozen=True)
class Convention:
    """One reading for a borderline kind of item: rule, prompt and labeler class it the same way."""

    what: str  # the kind of item, in words
    category: str
    subcategory: Optional[str]
    examples: tuple[str, ...]  # items of the kind; the parser's rules are tested on each


CONVENTIONS: tuple[Convention, ...] = (
    Convention("Items named 'Associated surgical service: ...', pre-operative tests and medical clearance, an assistant surgeon or PA assist",
               "Surgery", "Adjunct Surgical Services",
               ("Associated surgical service: Cryotherapy unit", "Pre-op CBC", "Pre-operative medical clearance", "Medical clearance", "Assistant surgeon")),
    Convention("Post-operative care not named as an associated surgical service, classed by what it is",
               "Rehabilitation", "PT/OT", ("Post-op physical therapy x12",)),
    Convention("A consultation or evaluation by a surgeon or for a surgery",
               "Surgery", "Surgical Consult",
               ("Spine surgery evaluation", "Neurosurgeon evaluation", "Orthopedic surgeon consultation for a total hip arthroplasty", "TOC to ortho spine surgeon")),
    Convention("Other consultations, referrals, office visits and follow-ups",
               "Evaluation & Management", "Medical Specialties",
               ("Pain management consultation", "Follow-up visit with the primary treating physician", "Referral to a neurologist")),
    Convention("Psychological or psychiatric evaluations, consultations and testing",
               "Psych Services", "Evaluation & Management", ("Psychological evaluation", "Psychiatric consultation")),
    Convention("Therapy given in sessions that is not PT/OT, chiropractic or acupuncture (therapeutic ultrasound, traction, infrared, ice/heat sessions, electrical or neurostimulation sessions, shockwave, biofeedback)",
               "Rehabilitation", "Other Therapies",
               ("Therapeutic ultrasound x8", "Infrared therapy 2 times a week for 4 weeks", "Extracorporeal shockwave therapy x3")),
    Convention("A device to own or rent (TENS unit, cold therapy unit, brace)", "DMEPOS", None,
               ("TENS unit", "Cold therapy unit rental", "Lumbar brace")),
    Convention("A supply (gloves, wipes, electrodes)", "DMEPOS", "Supplies", ("TENS electrodes", "Conductive garment supplies")),
    Convention("Compounded topicals: a kit (Ketophene, Cyclophene, Lidopro, Terocin) or a cream of drug percentages that is not a commercial product",
               "Pharmaceuticals", "Topical Compounds",
               ("Terocin patches", "Flurbiprofen 20%, Lidocaine 5% cream 180gm", "Ketoprofen 20% in cream base 240g")),
    Convention("Commercial topicals (Lidoderm, Flector, Voltaren gel, Pennsaid, capsaicin patch)",
               "Pharmaceuticals", "Topical Analgesics", ("Lidoderm 5% patch #30", "Voltaren gel 1%")),
    Convention("Famotidine, ranitidine (Pepcid, Zantac, Deprizine)", "Pharmaceuticals", "H2 Blocker", ("Famotidine 20mg #60",)),
    Convention("Omeprazole, pantoprazole", "Pharmaceuticals", "Proton Pump Inhibitors", ("Omeprazole 20mg #30",)),
    Convention("Sildenafil, tadalafil", "Pharmaceuticals", "Impotence Agents", ("Viagra 100mg #10",)),
    Convention("Laxatives and stool softeners", "Pharmaceuticals", "GI Agents", ("Senna 8.6mg #60", "Docusate sodium 100mg")),
    Convention("Prednisone, methylprednisolone", "Pharmaceuticals", "Adrenal Cortical Steroids", ("Medrol dosepak",)),
    Convention("Naloxegol, methylnaltrexone", "Pharmaceuticals", "Opioid Antagonist", ("Movantik 25mg #30",)),
    Convention("An item that names several treatments, classed by the first, main one",
               "Rehabilitation", "Acupuncture", ("Twelve acupuncture visits with capsaicin patch",)),
)


def subcategories(category: str) -> tuple[str, ...]:
    """The DWC's subcategories for ``category``: the drug classes for Pharmaceuticals, () where the
    contract writes none."""
    return DRUG_CLASSES if category == "Pharmaceuticals" else CATEGORIES.get(category, ())


def all_subcategories() -> tuple[str, ...]:
    """Every subcategory name of every category, drug classes included, each once."""
    names = [name for category in CATEGORIES for name in subcategories(category)]
    return tuple(dict.fromkeys(names))


def canonical_subcategory(name: Optional[str]) -> Optional[str]:
    """A drug class or subcategory by its canonical name ("Benzodiazepines" -> "Benzodiazepine")."""
    if name is None:
        return None
    return DRUG_CLASS_ALIASES.get(name, name)


def is_subcategory(category: str, subcategory: Optional[str]) -> bool:
    """Whether ``subcategory`` is one the DWC lists for ``category`` (null is always allowed)."""
    return subcategory is None or subcategory in subcategories(category)
