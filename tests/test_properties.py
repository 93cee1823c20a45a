"""No input crashes the parser or its normalisers: they answer or raise a DocumentError."""

from hypothesis import given, settings
from hypothesis import strategies as st
from letters import HEADER, letter

from imr_llm import DocumentError, parse_letter
from imr_llm.categories import classify
from imr_llm.citations import parse_guideline
from imr_llm.dates import parse_date
from imr_llm.diagnoses import diagnoses_in
from imr_llm.items import parse_body_regions, parse_medication, parse_quantity
from imr_llm.reasons import reasons_for
from imr_llm.schema import REASONS

# Fragments of the kind items and guideline lines are made of, in any order.
_pieces = st.sampled_from(
    list("abcXYZ019 #x/-:.,%()\n") + ["mg", " times ", " a week for ", "Section(s): ", " and ", "2016"]
)
words = st.lists(_pieces, max_size=40).map("".join)


@given(words)
def test_item_normalisers_never_crash(item):
    quantity = parse_quantity(item)
    assert quantity is None or quantity > 0
    parse_body_regions(item)
    classify(item, parse_medication(item))


@given(words)
def test_summary_and_rationale_readers_never_crash(text):
    for diagnosis in diagnoses_in("The diagnoses are " + text):
        assert diagnosis and " ".join(diagnosis.split()).casefold() in " ".join(text.split()).casefold()
    assert set(reasons_for(text, "upheld")) <= set(REASONS) - {"meets_guidelines"}  # upheld is never "meets"


@given(words)
def test_guideline_lines_never_crash(line):
    for citation in parse_guideline("Decision based on MTUS " + line):
        assert citation.source in {"MTUS", "ODG", "ACOEM", "Other"}


@given(st.integers(1, 12), st.integers(1, 28), st.integers(1990, 2030))
def test_dates_round_trip(month, day, year):
    assert parse_date(f"{month:02d}/{day:02d}/{year}").isoformat() == f"{year}-{month:02d}-{day:02d}"
    assert parse_date(f"{month}-{day}-{year}").isoformat() == f"{year}-{month:02d}-{day:02d}"


@settings(max_examples=50)
@given(st.text(max_size=300))
def test_arbitrary_text_parses_or_says_why(text):
    try:
        parse_letter(HEADER + text)
    except DocumentError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=50)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet="abcdefgh 0123#x", min_size=1, max_size=30).filter(str.strip),
            st.sampled_from(["Upheld", "Overturned"]),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_generated_letters_round_trip_items_and_verdicts(blocks):
    text = letter(*[(item, verdict, "Not medically necessary.") for item, verdict in blocks])
    d = parse_letter(text)
    assert [(x.item, x.outcome) for x in d.decisions] == [(" ".join(i.split()), v.lower()) for i, v in blocks]


# --- round trips: a value written the ways letters write it is read back as that value ----------

_treatments = st.sampled_from(["Physical therapy", "Acupuncture", "Chiropractic treatment", "Massage therapy",
                               "Norco 10/325mg", "Tramadol 50mg", "Cognitive behavioral therapy"])


@given(_treatments, st.integers(1, 400), st.sampled_from(["{t} x {n}", "{t} #{n}", "{t} x{n}", "{t} QTY: {n}",
                                                           "{t}, quantity {n}"]))
def test_quantities_round_trip(treatment, count, form):
    assert parse_quantity(form.format(t=treatment, n=count)) == count


@given(st.integers(1, 8), st.integers(1, 8))
def test_frequency_times_weeks_round_trip(per_week, weeks):
    assert parse_quantity(f"Physical therapy {per_week}x{weeks}") == per_week * weeks


_mtus_titles = st.sampled_from(["Chronic Pain Medical Treatment", "Low Back Complaints", "Neck and Upper Back Complaints",
                                "Knee Complaints", "Shoulder Complaints"])
# Not "Opioids", "NSAIDs": in letters a comma after those starts a sub-heading ("Opioids, dosing").
_sections = st.lists(st.sampled_from(["Physical medicine", "Acupuncture", "Topical analgesics", "Muscle relaxants",
                                      "Criteria for use of opioids"]), min_size=1, max_size=3, unique=True)


@given(_mtus_titles, st.integers(2004, 2016), _sections, st.integers(1, 300))
def test_mtus_citations_round_trip(title, year, sections, page):
    line = f"Decision based on MTUS {title} {year}, Section(s): {', '.join(sections)}, Page(s): {page}."
    (citation,) = parse_guideline(line)
    assert (citation.source, citation.title, citation.year, citation.sections, citation.pages) == (
        "MTUS", title, year, sections, str(page))


_odg_chapters = st.sampled_from(["Low Back", "Pain (Chronic)", "Knee & Leg", "Shoulder", "Neck and Upper Back"])


@given(_odg_chapters, st.integers(2010, 2017))
def test_odg_citations_round_trip(chapter, year):
    line = f"Decision based on Non-MTUS Official Disability Guidelines (ODG), {chapter} Chapter, {year}"
    (citation,) = parse_guideline(line)
    assert (citation.source, citation.year) == ("ODG", year)
    assert citation.title.casefold().startswith(chapter.split(" (")[0].casefold())
