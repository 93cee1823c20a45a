import pytest

from imr_llm.prompting import available_prompts, load_prompt


def test_shipped_prompts_by_name():
    assert {"segmented-v1", "monolithic-v1"} <= set(available_prompts())
    segmented = load_prompt("segmented-v1")
    assert segmented.strategy == "segmented"
    assert {call for call, _ in segmented.sections} == {"decision", "case"}
    assert load_prompt("monolithic-v1").strategy == "monolithic"


def test_placeholders_are_filled_and_json_braces_need_no_escaping(tmp_path):
    mine = tmp_path / "monolithic-mine.md"
    mine.write_text('# mine\n\n## letter.system\nAnswer {"like": "this"}.\n\n## letter.user\n$text\n')
    messages = load_prompt(str(mine)).messages("letter", text="LETTER")
    assert messages == [{"role": "system", "content": 'Answer {"like": "this"}.'},
                        {"role": "user", "content": "LETTER"}]


def test_unknown_prompt_names_the_shipped_ones():
    with pytest.raises(ValueError, match="segmented-v1"):
        load_prompt("clever-v9")


def test_a_template_says_whether_the_schema_is_repeated_in_its_system_prompt(tmp_path):
    assert load_prompt("segmented-v2").repeats_schema and load_prompt("monolithic-v1").repeats_schema
    assert not load_prompt("segmented-v3").repeats_schema and not load_prompt("monolithic-v3").repeats_schema
    mine = tmp_path / "monolithic-mine.md"
    mine.write_text("# mine\n\nrepeats-schema: no\n\n## letter.system\nrepeats-schema: yes\n\n## letter.user\n$text\n")
    assert not load_prompt(str(mine)).repeats_schema  # only the notes above the sections count


def test_segmented_v3_groups_a_letters_decisions_in_one_call():
    v3, v2 = load_prompt("segmented-v3"), load_prompt("segmented-v2")
    assert v3.groups_decisions and not v2.groups_decisions
    assert {call for call, _ in v3.sections} == {"decisions", "decision", "case"}
    assert "$item" in v3.sections[("decision", "user")] and "$categories" in v3.sections[("decisions", "system")]
