"""Sealed cassettes: model exchanges recorded for letters that may not be redistributed.

The dev letters are others' data: neither their text nor the model's answers (which quote it) may
be committed. A sealed cassette keeps the exchange replayable without holding either:

- each request body is stored only as its SHA-256, and replay matches requests by that hash;
- each response body is encrypted with AES-256-GCM (the `cryptography` package) under a key
  derived from the letter file's own bytes (HKDF-SHA256), with a random 96-bit nonce stored beside
  it and the request's digest as associated data: an answer cannot be moved to another request,
  and a body that was altered fails authentication loudly instead of replaying something else.

Replaying therefore needs the letter itself, read from ../shared at run time like the letter's
gold file; without it the cassette holds no readable text. The SHA-256 of the letter's bytes is
kept too, so that a changed letter is told apart from a tampered cassette. The wall time of the
recorded extraction is kept, so replayed rows can report seconds per letter.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

FORMAT = "imr-llm sealed cassette 2"
_KEY_INFO = b"imr-llm sealed cassette 2: AES-256-GCM key"


class CassetteError(Exception):
    """A cassette cannot be replayed: missing, from another letter, or not a sealed cassette."""


def comparable(body: Any) -> bytes:
    """A request body as matching compares it (the one place this normalisation lives)."""
    if body is None:
        return b""
    data = body if isinstance(body, bytes) else str(body).encode("utf-8")
    # Re-asks quote pydantic's errors with a versioned link; the version must not break replay.
    return re.sub(rb"errors\.pydantic\.dev/[0-9.]+/", b"errors.pydantic.dev/_/", data)


def body_digest(body: Any) -> str:
    """What a sealed cassette stores for a request body (a stored digest is returned as it is)."""
    data = comparable(body)
    if data.startswith(b"sha256:") and len(data) == 71:
        return data.decode("ascii")
    return "sha256:" + hashlib.sha256(data).hexdigest()


def match_body(r1: Any, r2: Any) -> None:
    """vcrpy matcher: a live request and a sealed one match when their body digests do."""
    assert body_digest(r1.body) == body_digest(r2.body)


class SealedSerializer:
    """A vcrpy serializer whose key comes from one letter's bytes (one serializer per cassette)."""

    def __init__(self, letter: bytes) -> None:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(letter)
        self._cipher = AESGCM(key)
        self._letter = "sha256:" + hashlib.sha256(letter).hexdigest()
        self.seconds: Optional[float] = None  # wall time of the recorded extraction
        self.about: dict[str, Any] = {}  # model, prompt, document: for people reading the file

    def _seal(self, digest: str, text: str) -> tuple[str, str]:
        nonce = os.urandom(12)  # random per body: re-recording a request never reuses one
        sealed = self._cipher.encrypt(nonce, text.encode("utf-8"), digest.encode("ascii"))
        return base64.b64encode(nonce).decode("ascii"), base64.b64encode(sealed).decode("ascii")

    def _unseal(self, digest: str, nonce: str, sealed: str) -> str:
        from cryptography.exceptions import InvalidTag

        try:
            data = self._cipher.decrypt(base64.b64decode(nonce), base64.b64decode(sealed), digest.encode("ascii"))
        except (InvalidTag, ValueError, TypeError):
            raise CassetteError(f"an answer to request {digest[:15]}… fails authentication: the cassette is "
                                "tampered or corrupt; record it again") from None
        return data.decode("utf-8")

    def serialize(self, cassette: dict) -> str:
        interactions = []
        for exchange in cassette["interactions"]:
            request, response = exchange["request"], exchange["response"]
            digest = body_digest(request["body"])
            body = response["body"]["string"]
            if isinstance(body, bytes):
                body = body.decode("utf-8")
            nonce, sealed = self._seal(digest, body)
            interactions.append({
                "request": {"method": request["method"], "uri": request["uri"], "body": digest},
                "response": {
                    "status": response["status"],
                    "content_type": _header(response.get("headers", {}), "content-type"),
                    "nonce": nonce,
                    "sealed_body": sealed,
                },
            })
        document = {"format": FORMAT, **self.about, "letter": self._letter, "seconds": self.seconds,
                    "interactions": interactions}
        return json.dumps(document, indent=1) + "\n"

    def deserialize(self, text: str) -> dict:
        try:
            document = json.loads(text)
        except ValueError:
            raise CassetteError("not a sealed cassette (not JSON)") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise CassetteError(f"not a sealed cassette (format is not {FORMAT!r})")
        if document.get("letter") != self._letter:
            raise CassetteError("recorded from a different version of this letter: its bytes have changed")
        self.seconds = document.get("seconds")
        interactions = []
        for exchange in document["interactions"]:
            request, response = exchange["request"], exchange["response"]
            headers = {"content-type": [response["content_type"]]} if response.get("content_type") else {}
            interactions.append({
                "request": {"method": request["method"], "uri": request["uri"], "body": request["body"], "headers": {}},
                "response": {
                    "status": response["status"],
                    "headers": headers,
                    "body": {"string": self._unseal(request["body"], response.get("nonce", ""),
                                                    response["sealed_body"])},
                },
            })
        return {"version": 1, "interactions": interactions}


def _header(headers: dict, name: str) -> Optional[str]:
    for key, value in headers.items():
        if key.lower() == name:
            return value[0] if isinstance(value, list) else value
    return None


def recorded_seconds(path: Path, letter: bytes) -> Optional[float]:
    """The wall time kept in the sealed cassette at ``path`` for ``letter``."""
    serializer = SealedSerializer(letter)
    serializer.deserialize(path.read_text(encoding="utf-8"))
    return serializer.seconds


@contextmanager
def sealed_cassette(
    path: Path, letter: bytes, *, record: bool, about: Optional[dict] = None
) -> Iterator[SealedSerializer]:
    """Replay (or, with ``record``, record afresh) the model exchanges of one letter at ``path``.

    While recording, set ``.seconds`` on the yielded serializer before the block ends: it is
    written into the cassette. Replaying, ``.seconds`` holds the recorded value.
    """
    import vcr

    serializer = SealedSerializer(letter)
    serializer.about = dict(about or {})
    if record:
        path.unlink(missing_ok=True)  # "all" mode would keep old exchanges beside the new ones
    elif not path.is_file():
        raise CassetteError(f"missing cassette {path}")
    recorder = vcr.VCR(
        serializer="sealed",
        match_on=["method", "path", "sealed_body"],
        record_mode="all" if record else "none",
        decode_compressed_response=True,
    )
    recorder.register_serializer("sealed", serializer)
    recorder.register_matcher("sealed_body", match_body)
    try:
        context = recorder.use_cassette(str(path))
        context.__enter__()
    except CassetteError as error:
        raise CassetteError(f"cassette {path}: {error}") from None
    try:
        yield serializer
    finally:
        context.__exit__(None, None, None)
