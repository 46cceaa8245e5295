"""``losslab.distill.lint``: the eight known distillation mistakes, in a described setup or in a few lines of code.

The code is read as text (:mod:`._lint_code` and :mod:`._lint_read`, with :func:`ast.parse` only) and never run.
Each finding names its code, the line (for code) or the setup key, the reason, the fix
(``distill/texts/{en,ja}.toml``) and the threads or pages it comes from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._texts import load_toml_texts, normalize_lang
from ..errors import LossInputError
from ._lint_read import read_code

__all__ = ["CODES", "SETUP_KEYS", "SOURCES", "LintFinding", "lint"]

WHERE = "distill.lint"
_TORCH_KL_DOCS = "https://pytorch.org/docs/stable/generated/torch.nn.KLDivLoss.html"
SOURCES: dict[str, tuple[str, ...]] = {
    "missing_t2": ("https://github.com/keras-team/keras-io/issues/869",
                   "https://github.com/IntelLabs/distiller/issues/122"),
    "kl_div_argument_order": ("https://github.com/pytorch/pytorch/issues/57459",),
    "kl_div_mean_reduction": (_TORCH_KL_DOCS,),
    "softmax_twice": (_TORCH_KL_DOCS,),
    "temperature_one_side": ("https://arxiv.org/abs/1503.02531",),
    "jsd_log_mixture": ("https://github.com/huggingface/trl/issues/2202",),
    "jsd_beta_end": ("https://github.com/modelscope/ms-swift/issues/10078",),
    "teacher_not_frozen": ("https://pytorch.org/docs/stable/generated/torch.no_grad.html",
                           "https://pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.eval"),
}
"""Where each mistake is documented: the issue threads of the projects that met it, or the library's own page."""
CODES: tuple[str, ...] = tuple(SOURCES)

SETUP_KEYS: dict[str, str] = {
    "framework": "torch, keras, optax, trl or losslab",
    "temperature": "T used to soften both sides",
    "t2": "whether the soft-target term is multiplied by T²",
    "reduction": "torch's reduction: batchmean, mean, sum or none",
    "input": "the first argument of kl_div: student_log_probs, student_probs, teacher_log_probs, teacher_probs",
    "target": "the second argument of kl_div, in the same words",
    "log_target": "torch's log_target",
    "inputs_softmaxed": "the model outputs are already probabilities and (log_)softmax is applied again",
    "temperature_on": "both, teacher or student",
    "mixture": "where the JSD mixture is computed: probabilities or log",
    "beta": "the JSD's beta",
    "normalized": "the JSD is divided by beta (1 - beta) (losslab's default)",
    "teacher_no_grad": "the teacher runs under no_grad / inference_mode or its output is detached",
    "teacher_eval": "the teacher is in eval() mode",
}
"""The keys a described setup may have; a key left out is not checked."""


@dataclass(frozen=True)
class LintFinding:
    """One mistake: ``code`` (one of :data:`CODES`), ``line`` (1-based, code input) or ``key`` (setup input),
    ``message`` (why it is wrong), ``fix``, and ``sources`` (links)."""

    code: str
    message: str
    fix: str
    sources: tuple[str, ...]
    line: int | None = None
    key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "line": self.line, "key": self.key, "message": self.message, "fix": self.fix,
                "sources": list(self.sources)}


def _finding(code: str, lang: str, *, line: int | None = None, key: str | None = None,
             variant: str = "") -> LintFinding:
    words = load_toml_texts("losslab.distill", lang)["lint"][code]
    message = words[f"message_{variant}"] if variant else words["message"]
    return LintFinding(code=code, message=message, fix=words["fix"], sources=SOURCES[code], line=line, key=key)


def _number(setup: dict[str, Any], key: str) -> float | None:
    value = setup.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LossInputError(WHERE, key, "a number", repr(value))
    return float(value)


_SIDES = tuple(f"{who}_{what}" for who in ("student", "teacher") for what in ("log_probs", "probs", "logits"))


def _side(setup: dict[str, Any], key: str) -> str:
    value = setup.get(key)
    if value is None:
        return ""
    if value not in _SIDES:
        raise LossInputError(WHERE, key, "one of " + ", ".join(_SIDES), repr(value))
    return str(value)


def _read_setup(setup: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(code, key, variant) for a described setup: only what the keys state is checked."""
    unknown = [k for k in setup if k not in SETUP_KEYS]
    if unknown:
        raise LossInputError(WHERE, str(unknown[0]), "one of the setup keys " + ", ".join(SETUP_KEYS),
                             repr(unknown[0]), "leave out what you do not know: only the keys given are checked")
    found: list[tuple[str, str, str]] = []
    framework = str(setup.get("framework", "")).lower()
    temperature = _number(setup, "temperature")
    beta = _number(setup, "beta")
    if temperature is not None and temperature != 1 and setup.get("t2") is False:
        found.append(("missing_t2", "t2", ""))
    if beta is not None and not 0 <= beta <= 1:
        raise LossInputError(WHERE, "beta", "a number in [0, 1]", repr(setup["beta"]))
    first, second = (_side(setup, key) for key in ("input", "target"))
    wrong_space = first.endswith("_probs") and "log" not in first
    if first.startswith("teacher") or second.startswith("student") or wrong_space or (
            "log" in second and not setup.get("log_target")):
        found.append(("kl_div_argument_order", "input", ""))
    if framework == "torch" and setup.get("reduction", "batchmean") == "mean":
        found.append(("kl_div_mean_reduction", "reduction", ""))
    if setup.get("inputs_softmaxed") is True:
        found.append(("softmax_twice", "inputs_softmaxed", ""))
    if setup.get("temperature_on") in ("teacher", "student"):
        found.append(("temperature_one_side", "temperature_on", ""))
    if setup.get("mixture") == "log":
        found.append(("jsd_log_mixture", "mixture", ""))
    normalized = setup.get("normalized", framework == "losslab")
    if beta is not None and not normalized and (0 < beta <= 0.1 or 0.9 <= beta < 1 or (
            beta in (0, 1) and framework not in ("trl", "losslab"))):
        found.append(("jsd_beta_end", "beta", ""))
    no_grad, in_eval = setup.get("teacher_no_grad"), setup.get("teacher_eval")
    if no_grad is False or in_eval is False:
        variant = "both" if no_grad is False and in_eval is False else "grad" if no_grad is False else "eval"
        found.append(("teacher_not_frozen", "teacher_no_grad" if no_grad is False else "teacher_eval", variant))
    return found


def lint(text_or_setup: str | os.PathLike[str] | dict[str, Any], lang: str = "en") -> list[LintFinding]:
    """The known distillation mistakes in a described setup (a dict) or in a few lines of code (a string, or the
    path of a file), each with its reason, its fix and its sources. The code is read, never run.

    The eight mistakes (:data:`CODES`): ``missing_t2`` (keras-io#869, IntelLabs/distiller#122),
    ``kl_div_argument_order`` (pytorch#57459), ``kl_div_mean_reduction``, ``softmax_twice``,
    ``temperature_one_side``, ``jsd_log_mixture`` (trl#2202), ``jsd_beta_end`` (ms-swift#10078) and
    ``teacher_not_frozen``. A setup is a dict with any of :data:`SETUP_KEYS`; only the keys given are checked.

    >>> from losslab import distill
    >>> code = '''
    ... s = F.log_softmax(student_logits / T, dim=-1)
    ... t = F.softmax(teacher_logits / T, dim=-1)
    ... loss = F.kl_div(s, t, reduction="batchmean")
    ... '''
    >>> [(f.code, f.line) for f in distill.lint(code)]
    [('missing_t2', 4)]
    >>> [f.code for f in distill.lint({"temperature": 4, "t2": True, "reduction": "mean", "framework": "torch"})]
    ['kl_div_mean_reduction']
    """
    language = normalize_lang(lang)
    if isinstance(text_or_setup, dict):
        return [_finding(code, language, key=key, variant=variant)
                for code, key, variant in _read_setup(text_or_setup)]
    if isinstance(text_or_setup, os.PathLike):
        text_or_setup = Path(text_or_setup).read_text(encoding="utf-8")
    if not isinstance(text_or_setup, str):
        raise LossInputError(WHERE, "text_or_setup", "code as a string, a file path, or a setup dict",
                             f"a {type(text_or_setup).__name__}")
    return [_finding(code, language, line=line, variant=variant) for code, line, variant in read_code(text_or_setup)]
