from imr_llm.citations import parse_guideline, split_sections


def fields(citations):
    return [(c.source, c.title, c.year, c.sections, c.pages) for c in citations]


def test_no_medical_evidence_is_an_empty_list():
    assert parse_guideline("The Claims Administrator did not cite any medical\nevidence for its decision.") == []


def test_mtus_2016_form_with_sections():
    line = (
        "Decision based on MTUS Chronic Pain Medical Treatment\n2016, Section(s): Topical analgesics, Compound drugs."
    )
    assert fields(parse_guideline(line)) == [
        ("MTUS", "Chronic Pain Medical Treatment", 2016, ["Topical analgesics", "Compound drugs"], None)
    ]


def test_several_mtus_titles_one_with_a_comma_of_its_own():
    line = (
        "Decision based on MTUS Neck and Upper Back Complaints 2004, Section(s): Special Studies, and "
        "Forearm, Wrist, and Hand Complaints 2004, Section(s): Special Studies."
    )
    assert fields(parse_guideline(line)) == [
        ("MTUS", "Neck and Upper Back Complaints", 2004, ["Special Studies"], None),
        ("MTUS", "Forearm, Wrist, and Hand Complaints", 2004, ["Special Studies"], None),
    ]


def test_mtus_and_odg_in_one_line():
    line = (
        "The Claims Administrator based their decision on recommendation(s) outside of the MTUS Guidelines. "
        "Decision based on MTUS Low Back Complaints 2004. Decision based on Non-MTUS Citation Official "
        "Disability Guidelines (ODG), Low Back Chapter (updated 11/3/16), MRIs."
    )
    citations = parse_guideline(line)
    assert fields(citations) == [
        ("MTUS", "Low Back Complaints", 2004, [], None),
        ("ODG", "Low Back", None, ["MRIs"], None),
    ]
    assert citations[1].text == "Official Disability Guidelines (ODG), Low Back Chapter (updated 11/3/16), MRIs"


def test_2014_form_with_pages():
    line = "Decision based on MTUS Chronic Pain Treatment Guidelines Physical Medicine Page(s): 98-99."
    (citation,) = parse_guideline(line)
    assert fields([citation]) == [("MTUS", "Chronic Pain Medical Treatment", None, ["Physical Medicine"], "98-99")]
    assert citation.text == "MTUS Chronic Pain Treatment Guidelines Physical Medicine Page(s): 98-99"


def test_2014_acoem_chapters_cited_as_mtus():
    line = "Decision based on MTUS ACOEM Chapter 8 Neck and Upper Back Complaints, Chapter 12 Low Back Complaints Page(s): 303-305."
    assert fields(parse_guideline(line)) == [
        ("MTUS", "Neck and Upper Back Complaints", None, [], "303-305"),
        ("MTUS", "Low Back Complaints", None, [], "303-305"),
    ]


def test_non_mtus_acoem_odg_and_other_sources():
    line = (
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Hip & Pelvis, MRI and Other "
        "Medical Treatment Guidelines ACOEM Occupational Medicine Practice Guidelines, 3rd ed., Hip and Groin "
        "Disorders, pg. 64 and https://example.org/guideline.html."
    )
    assert fields(parse_guideline(line)) == [
        ("ODG", "Hip & Pelvis", None, ["MRI"], None),
        ("ACOEM", "Hip and Groin Disorders", None, [], "64"),
        ("Other", None, None, [], None),
    ]


def test_section_names_that_hold_commas_stay_whole():
    assert split_sections(
        "NSAIDs, GI symptoms & cardiovascular risk, TENS, chronic pain (transcutaneous), Summary"
    ) == [
        "NSAIDs, GI symptoms & cardiovascular risk",
        "TENS, chronic pain (transcutaneous)",
        "Summary",
    ]


def test_odg_chapter_titles_are_known_chapters_and_publication_words_are_dropped():
    def odg(line):
        return fields(parse_guideline("Decision based on Non-MTUS Citation " + line))

    assert odg("Official Disability Guidelines (ODG) Pain (Chronic) Acupuncture.") == [
        ("ODG", "Pain (Chronic)", None, ["Acupuncture"], None)]
    assert odg("Official Disability Guidelines (ODG), Forearm, Wrist, and Hand (updated 01/02/17), Splinting.") == [
        ("ODG", "Forearm, Wrist, and Hand", None, ["Splinting"], None)]
    assert odg("Official Disability Guidelines (ODG), Work Loss Data Institute (22nd Edition), 2017, Knee & Leg "
               "(Acute & Chronic) Chapter.") == [("ODG", "Knee & Leg", 2017, [], None)]
    assert odg("ODG Low Back (Shock wave therapy).") == [("ODG", "Low Back", None, ["Shock wave therapy"], None)]
