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
