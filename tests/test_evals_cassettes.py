"""Sealed cassettes hold neither a letter's text nor the model's answers, and replay only with the letter."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import CASSETTES, seed
from evals.cassettes import CassetteError, SealedSerializer, body_digest, sealed_cassette

from imr_llm import extract

RECORDED = CASSETTES / "segmented-v1" / "seed-000.yaml"  # a plain cassette recorded from the local model


def recorded_interactions() -> dict:
    return yaml.safe_load(RECORDED.read_text())


def test_sealing_then_unsealing_gives_back_every_answer():
    letter = seed("000").read_bytes()
    cassette = recorded_interactions()
    sealed = SealedSerializer(letter).serialize(cassette)
    unsealed = SealedSerializer(letter).deserialize(sealed)
    assert len(unsealed["interactions"]) == len(cassette["interactions"]) > 1
    for original, back in zip(cassette["interactions"], unsealed["interactions"], strict=True):
        assert back["response"]["body"]["string"] == original["response"]["body"]["string"]
        assert back["response"]["status"] == original["response"]["status"]
        assert back["request"]["body"] == body_digest(original["request"]["body"])


def test_a_sealed_cassette_holds_no_text_of_the_letter_nor_of_the_answers():
    letter = seed("000").read_bytes()
    cassette = recorded_interactions()
    sealed = SealedSerializer(letter).serialize(cassette)
    words = {line.strip() for line in letter.decode().splitlines() if len(line.strip()) > 20}
    assert words and not any(line in sealed for line in words)
    for exchange in cassette["interactions"]:
        answer = json.loads(exchange["response"]["body"]["string"])["choices"][0]["message"]["content"]
        assert answer not in sealed
        assert "chat.completion" not in sealed


def test_another_letter_cannot_unseal_it():
    sealed = SealedSerializer(seed("000").read_bytes()).serialize(recorded_interactions())
    with pytest.raises(CassetteError, match="different version of this letter"):
        SealedSerializer(seed("001").read_bytes()).deserialize(sealed)
    with pytest.raises(CassetteError, match="not a sealed cassette"):
        SealedSerializer(b"").deserialize(RECORDED.read_text())


def test_requests_match_by_digest_whatever_pydantic_version_the_reask_links():
    old = b'{"msg": "see https://errors.pydantic.dev/2.11/v/missing"}'
    new = b'{"msg": "see https://errors.pydantic.dev/2.12/v/missing"}'
    assert body_digest(old) == body_digest(new) != body_digest(b"{}")
    assert body_digest(body_digest(old)) == body_digest(old)  # a stored digest stays itself


def test_a_sealed_cassette_replays_an_extraction(tmp_path):
    """Re-seal a recorded cassette, then extract through it: the same answers, offline."""
    letter_path = seed("000")
    sealed_path = tmp_path / "seed-000.json"
    serializer = SealedSerializer(letter_path.read_bytes())
    serializer.seconds = 12.5
    sealed_path.write_text(serializer.serialize(recorded_interactions()))

    with sealed_cassette(sealed_path, letter_path.read_bytes(), record=False) as replay:
        result = extract(letter_path, llm=True, model="local", base_url="http://127.0.0.1:9/v1", prompt="segmented-v1")
    assert replay.seconds == 12.5
    assert result.usage.calls == len(recorded_interactions()["interactions"])
    assert result.model == "local" and result.decisions


def test_a_missing_cassette_is_named(tmp_path):
    with pytest.raises(CassetteError, match="missing cassette .*nothing.json"):
        with sealed_cassette(tmp_path / "nothing.json", b"letter", record=False):
            pass
