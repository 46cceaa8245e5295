"""Three tokenizers written here: characters, UTF-8 bytes, and byte-level BPE trained on your text.

Each turns text into integer ids and back (``decode(encode(s)) == s``), has a ``vocab_size`` and tells the UTF-8
bytes each token stands for (:meth:`token_bytes`), which is how losses per token become bits per character and per
byte whatever the tokenizer (:func:`count_units`).

BPE (Sennrich et al. 2016; byte-level as in GPT-2) starts from the 256 byte values and repeatedly merges the most
frequent adjacent pair into a new token. Each merge recounts the pairs of the current sequence with one
``np.bincount`` over pair codes ``a·K + b`` and rewrites the sequence with vectorised NumPy, so 256 merges on
100 KB take well under a second; ties go to the smallest pair code, so training is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import LossInputError

__all__ = ["TOKENIZERS", "BPETokenizer", "ByteTokenizer", "CharTokenizer", "Tokenizer", "count_units",
           "make_tokenizer"]

TOKENIZERS: tuple[str, ...] = ("char", "byte", "bpe")
MAX_BPE = 4096
"""The largest BPE vocabulary: the pair count table has vocab² entries."""


def _is_lead(byte_values: np.ndarray) -> np.ndarray:
    """True for the bytes that start a UTF-8 character (not a continuation byte 10xxxxxx)."""
    return (byte_values & 0xC0) != 0x80


class Tokenizer:
    """What the models, the metrics and the command line need from a tokenizer."""

    name = "tokenizer"
    vocab_size: int

    def encode(self, text: str) -> np.ndarray:
        raise NotImplementedError

    def decode(self, ids: np.ndarray | list[int], errors: str = "strict") -> str:
        return b"".join(self.token_bytes(int(i)) for i in ids).decode("utf-8", errors=errors)

    def token_bytes(self, token: int) -> bytes:
        raise NotImplementedError

    def token_text(self, token: int) -> str:
        """The token as readable text (a byte that is part of a character is shown as ``<0xE4>``)."""
        raw = self.token_bytes(token)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return "".join(f"<0x{b:02X}>" for b in raw)


def count_units(tokenizer: Tokenizer, ids: np.ndarray) -> tuple[int, int]:
    """(characters, UTF-8 bytes) spelled by the tokens ``ids`` (a character counts where its first byte is)."""
    lengths = np.array([len(tokenizer.token_bytes(t)) for t in range(tokenizer.vocab_size)], dtype=np.int64)
    leads = np.array([int(_is_lead(np.frombuffer(tokenizer.token_bytes(t), dtype=np.uint8)).sum())
                      for t in range(tokenizer.vocab_size)], dtype=np.int64)
    ids = np.asarray(ids, dtype=np.int64)
    return int(leads[ids].sum()), int(lengths[ids].sum())


@dataclass
class CharTokenizer(Tokenizer):
    """One token per Unicode character of the training text (sorted by code point)."""

    chars: tuple[str, ...]
    name = "char"
    _index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {c: i for i, c in enumerate(self.chars)}
        self.vocab_size = len(self.chars)

    @classmethod
    def train(cls, text: str) -> CharTokenizer:
        return cls(tuple(sorted(set(text))))

    def encode(self, text: str) -> np.ndarray:
        try:
            return np.array([self._index[c] for c in text], dtype=np.int64)
        except KeyError as exc:
            raise LossInputError("char tokenizer", "text", "characters seen in the training text",
                                 f"{exc.args[0]!r}", "use the byte or bpe tokenizer, which cover any text") from None

    def token_bytes(self, token: int) -> bytes:
        return self.chars[token].encode("utf-8")


class ByteTokenizer(Tokenizer):
    """One token per UTF-8 byte: V = 256, any text, a Japanese character is 3 tokens."""

    name = "byte"
    vocab_size = 256

    def encode(self, text: str) -> np.ndarray:
        return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(np.int64)

    def token_bytes(self, token: int) -> bytes:
        return bytes([token])


def _apply_merge(seq: np.ndarray, a: int, b: int, new: int) -> np.ndarray:
    """``seq`` with every non-overlapping adjacent pair (a, b), taken left to right, replaced by ``new``."""
    if seq.size < 2:
        return seq
    hits = np.flatnonzero((seq[:-1] == a) & (seq[1:] == b))
    if hits.size == 0:
        return seq
    if a == b:  # in a run "a a a" only the 1st, 3rd, ... pair is merged
        run_start = np.ones(hits.size, dtype=bool)
        run_start[1:] = hits[1:] != hits[:-1] + 1
        starts = np.maximum.accumulate(np.where(run_start, np.arange(hits.size), 0))
        hits = hits[(np.arange(hits.size) - starts) % 2 == 0]
    out = seq.copy()
    out[hits] = new
    keep = np.ones(seq.size, dtype=bool)
    keep[hits + 1] = False
    return out[keep]


@dataclass
class BPETokenizer(Tokenizer):
    """Byte-level byte-pair encoding: the 256 bytes plus one token per learned merge, applied in order."""

    merges: tuple[tuple[int, int], ...]
    name = "bpe"
    _bytes: list[bytes] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._bytes = [bytes([i]) for i in range(256)]
        for a, b in self.merges:
            self._bytes.append(self._bytes[a] + self._bytes[b])
        self.vocab_size = len(self._bytes)

    @classmethod
    def train(cls, text: str, vocab_size: int) -> BPETokenizer:
        """Learn ``vocab_size - 256`` merges on ``text`` (fewer if no pair occurs twice)."""
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or not 256 <= vocab_size <= MAX_BPE:
            raise LossInputError("bpe tokenizer", "vocab_size", f"an integer from 256 (the bytes) to {MAX_BPE}",
                                 repr(vocab_size))
        seq = ByteTokenizer().encode(text)
        merges: list[tuple[int, int]] = []
        for new in range(256, vocab_size):
            if seq.size < 2:
                break
            codes = seq[:-1] * new + seq[1:]  # ids are < new: the code identifies the pair
            counts = np.bincount(codes)
            best = int(np.argmax(counts))
            if counts[best] < 2:
                break
            a, b = divmod(best, new)
            merges.append((a, b))
            seq = _apply_merge(seq, a, b, new)
        return cls(tuple(merges))

    def encode(self, text: str) -> np.ndarray:
        seq = ByteTokenizer().encode(text)
        for i, (a, b) in enumerate(self.merges):
            seq = _apply_merge(seq, a, b, 256 + i)
        return seq

    def token_bytes(self, token: int) -> bytes:
        return self._bytes[token]


def make_tokenizer(name: str, text: str, vocab_size: int = 512) -> Tokenizer:
    """The tokenizer ``name`` (one of :data:`TOKENIZERS`) fitted to ``text``; ``vocab_size`` is BPE's."""
    if name == "char":
        return CharTokenizer.train(text)
    if name == "byte":
        return ByteTokenizer()
    if name == "bpe":
        return BPETokenizer.train(text, vocab_size)
    raise LossInputError("lm", "tokenizer", "one of " + ", ".join(TOKENIZERS), repr(name))
