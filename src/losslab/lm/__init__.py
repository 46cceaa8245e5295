"""Next-token prediction: the loss of a language model, in its units, on corpora you can check by hand.

>>> from losslab import lm
>>> step = lm.synthetic_language("ja").read("今日はいい天気")[-1]
>>> step.word, step.p, round(step.loss, 4), round(step.entropy, 4), round(lm.perplexity(step.entropy), 3)
('天気', 0.6, 0.5108, 0.9503, 2.586)

The parts, each usable on its own:

- units — :func:`entropy`, :func:`perplexity`, :func:`bits`, :func:`rates` (bits per token, character, byte)
- the output layer at scale — :func:`chunked_cross_entropy` (never the N × V logits), :func:`logits_memory`,
  :func:`accumulation_trap` (mean of micro-batch means ≠ mean over tokens)
- tokenizers — :class:`CharTokenizer`, :class:`ByteTokenizer`, :class:`BPETokenizer` (trained here)
- corpora — :func:`load_corpus` (synthetic en / ja with a known entropy floor, an excerpt of Hamlet, your file),
  :func:`load_text`, :func:`synthetic_language`, :func:`true_entropy`
- models — :class:`Unigram`, :class:`Bigram`, :class:`MLPModel`; :func:`train` → :class:`LMRun`, :func:`init_check`
- reading a model — :func:`token_view`, :func:`true_view`, :func:`sample`, :func:`filter_probs`

See ``docs/lm.md``.
"""

from __future__ import annotations

from . import texts
from ._chunked import MEMORY_PRESETS, AccumulationTrap, accumulation_trap, chunked_cross_entropy, logits_memory
from ._corpus import CORPORA, MAX_CHARS, MAX_VOCAB, Corpus, load_corpus, load_text
from ._measures import Rates, bits, entropy, perplexity, rates
from ._models import MODELS, Bigram, LanguageModel, MLPModel, Unigram
from ._sample import TokenRow, filter_probs, sample, token_view, true_view
from ._synthetic import SyntheticLanguage, TrueEntropy, TrueStep, synthetic_language, true_entropy
from ._tokenizers import TOKENIZERS, BPETokenizer, ByteTokenizer, CharTokenizer, Tokenizer, count_units, make_tokenizer
from ._train import InitCheck, LMRun, init_check, mean_loss, train

__all__ = [
    "CORPORA",
    "MAX_CHARS",
    "MAX_VOCAB",
    "MEMORY_PRESETS",
    "MODELS",
    "TOKENIZERS",
    "AccumulationTrap",
    "BPETokenizer",
    "Bigram",
    "ByteTokenizer",
    "CharTokenizer",
    "Corpus",
    "InitCheck",
    "LMRun",
    "LanguageModel",
    "MLPModel",
    "Rates",
    "SyntheticLanguage",
    "TokenRow",
    "Tokenizer",
    "TrueEntropy",
    "TrueStep",
    "Unigram",
    "accumulation_trap",
    "bits",
    "chunked_cross_entropy",
    "count_units",
    "entropy",
    "filter_probs",
    "init_check",
    "load_corpus",
    "load_text",
    "logits_memory",
    "make_tokenizer",
    "mean_loss",
    "perplexity",
    "rates",
    "sample",
    "synthetic_language",
    "texts",
    "token_view",
    "train",
    "true_entropy",
    "true_view",
]
