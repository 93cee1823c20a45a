"""Sealed cassettes hold neither a letter's text nor the model's answers, and replay only with the letter."""

from __future__ import annotations

import base64
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


def test_one_flipped_bit_is_a_loud_error_naming_the_file(tmp_path):
    letter = seed("000").read_bytes()
    path = tmp_path / "seed-000.json"
    path.write_text(SealedSerializer(letter).serialize(recorded_interactions()))
    document = json.loads(path.read_text())
    sealed = bytearray(base64.b64decode(document["interactions"][1]["response"]["sealed_body"]))
    sealed[5] ^= 0x01
    document["interactions"][1]["response"]["sealed_body"] = base64.b64encode(bytes(sealed)).decode()
    path.write_text(json.dumps(document))
    with pytest.raises(CassetteError, match=r"seed-000\.json: .*tampered or corrupt"):
        with sealed_cassette(path, letter, record=False):
            pass


def test_an_answer_moved_to_another_request_fails_authentication():
    letter = seed("000").read_bytes()
    document = json.loads(SealedSerializer(letter).serialize(recorded_interactions()))
    first, second = document["interactions"][0]["response"], document["interactions"][1]["response"]
    first["nonce"], first["sealed_body"], second["nonce"], second["sealed_body"] = \
        second["nonce"], second["sealed_body"], first["nonce"], first["sealed_body"]
    with pytest.raises(CassetteError, match="tampered or corrupt"):
        SealedSerializer(letter).deserialize(json.dumps(document))


def test_sealing_twice_never_reuses_a_nonce():
    letter = seed("000").read_bytes()
    nonces = [exchange["response"]["nonce"] for _ in range(2)
              for exchange in json.loads(SealedSerializer(letter).serialize(recorded_interactions()))["interactions"]]
    assert len(set(nonces)) == len(nonces)


def test_every_committed_sealed_cassette_is_aes_gcm():
    sealed = sorted((CASSETTES / "evals").rglob("*.json"))
    assert len(sealed) >= 150
    for path in sealed:
        document = json.loads(path.read_text())
        assert document["format"] == "imr-llm sealed cassette 2" and "key_check" not in document, path
        assert all(len(base64.b64decode(x["response"]["nonce"])) == 12 for x in document["interactions"]), path
