"""Drug names seen in workers' compensation requests, by the DWC's drug-class subcategories.

Brand and generic names both, lower case. Used to tell a medication in an item and to give the
parser's Pharmaceuticals subcategory; the model layer fills in what this table does not know.
"""

from __future__ import annotations

_CLASSES: dict[str, str] = {
    "Opioids": (
        "norco, hydrocodone, vicodin, lortab, oxycodone, oxycontin, percocet, roxicodone, "
        "endocet, tramadol, ultram, ultracet, nucynta, tapentadol, morphine, ms contin, kadian, "
        "fentanyl, duragesic, buprenorphine, butrans, suboxone, methadone, hydromorphone, "
        "dilaudid, exalgo, oxymorphone, opana, codeine, tylenol #3, tylenol with codeine, "
        "hysingla, zohydro, xtampza, belbuca"
    ),
    "NSAID": (
        "naproxen, anaprox, naprosyn, ibuprofen, motrin, meloxicam, mobic, diclofenac, voltaren, "
        "celebrex, celecoxib, etodolac, lodine, nabumetone, relafen, ketorolac, toradol, "
        "indomethacin, duexis, vimovo, arthrotec, piroxicam, feldene, oxaprozin, daypro, "
        "sulindac, fenoprofen, nalfon"
    ),
    "Muscle Relaxant": (
        "cyclobenzaprine, flexeril, fexmid, amrix, baclofen, tizanidine, zanaflex, carisoprodol, "
        "soma, methocarbamol, robaxin, metaxalone, skelaxin, orphenadrine, norflex, "
        "chlorzoxazone, parafon, dantrolene"
    ),
    "Anti-epilepsy drugs": (
        "gabapentin, neurontin, gralise, pregabalin, lyrica, topiramate, topamax, levetiracetam, "
        "keppra, divalproex, depakote, lamotrigine, lamictal, carbamazepine, tegretol, "
        "oxcarbazepine, trileptal"
    ),
    "Antidepressant": (
        "duloxetine, cymbalta, amitriptyline, elavil, nortriptyline, pamelor, bupropion, "
        "wellbutrin, venlafaxine, effexor, sertraline, zoloft, fluoxetine, prozac, escitalopram, "
        "lexapro, citalopram, celexa, paroxetine, paxil, trazodone, desyrel, mirtazapine, "
        "remeron, desvenlafaxine, pristiq"
    ),
    "Topical Analgesics": (
        "lidoderm, lidocaine, flector, terocin, menthoderm, capsaicin, pennsaid, salonpas, ben-, "
        "gay, biofreeze, voltaren gel, ketoprofen, flurbiprofen, methyl salicylate"
    ),
    "Proton Pump Inhibitors": (
        "omeprazole, prilosec, pantoprazole, protonix, esomeprazole, nexium, lansoprazole, "
        "prevacid, rabeprazole, aciphex, dexilant"
    ),
    "Sedative-hypnotics": (
        "zolpidem, ambien, eszopiclone, lunesta, zaleplon, sonata, ramelteon, rozerem, "
        "suvorexant, belsomra"
    ),
    "Benzodiazepine": (
        "alprazolam, xanax, diazepam, valium, clonazepam, klonopin, lorazepam, ativan, temazepam, "
        "restoril"
    ),
    "AntiAnxiety": (
        "buspirone, buspar, hydroxyzine, vistaril, atarax"
    ),
    "Antiemetic": (
        "ondansetron, zofran, promethazine, phenergan, metoclopramide, reglan"
    ),
    "Stimulants": (
        "modafinil, provigil, armodafinil, nuvigil, adderall, methylphenidate, ritalin"
    ),
    "Misc Analgesics": (
        "acetaminophen, tylenol, fioricet, butalbital, sumatriptan, imitrex"
    ),
    "Viscosupplementation": (
        "synvisc, orthovisc, euflexxa, hyalgan, supartz, monovisc, gel-one"
    ),
    "Nutritional Products": (
        "theramine, sentradine, trepadone, gabadone, somnicin"
    ),
    "Laxatives": (
        "senna, senokot, docusate, colace, amitiza, lubiprostone, linzess, movantik, relistor, "
        "miralax"
    ),
    "Corticosteroids": (
        "prednisone, medrol, methylprednisolone, dexamethasone"
    ),
    # Compounded kits common in California workers' compensation requests, by their active drug.
    "H2 Blockers": "ranitidine, zantac, famotidine, pepcid, deprizine",
    "Antihistamine": "diphenhydramine, benadryl, dicopanol",
}
_KITS = {"fanatrex": "Anti-epilepsy drugs", "synapryn": "Opioids", "tabradol": "Muscle Relaxant", "ketophene": "NSAID"}

DRUG_CLASS: dict[str, str] = {
    **{name: drug_class for drug_class, names in _CLASSES.items() for name in names.split(", ")},
    **_KITS,
}
