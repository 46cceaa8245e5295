"""losslab.distill.lint: each of the eight mistakes found in code (read as text, never run) and in a described
setup, with its line, words in en and ja, and sources; correct code gives no finding."""

from __future__ import annotations

import pytest

from losslab import distill
from losslab._texts import load_toml_texts
from losslab.errors import LossInputError

GOOD_TORCH = '''
teacher.eval()
with torch.no_grad():
    t_logits = teacher(x)
s_logits = student(x)
soft = F.kl_div(F.log_softmax(s_logits / T, dim=-1), F.softmax(t_logits / T, dim=-1), reduction="batchmean")
loss = alpha * F.cross_entropy(s_logits, y) + (1 - alpha) * soft * T ** 2
loss.backward()
'''

GOOD = {
    "torch": GOOD_TORCH,
    "torch_module_detach": '''
teacher.eval()
kl = nn.KLDivLoss(reduction="batchmean", log_target=True)
t_logits = teacher(x).detach()
loss = kl(F.log_softmax(student(x) / T, dim=1), F.log_softmax(t_logits / T, dim=1)) * T * T
''',
    "fragment_method": '''
    def forward(self, s, t):
        return self.kl(F.log_softmax(s / self.T, dim=1), F.softmax(t / self.T, dim=1)) * self.T * self.T
''',
    "trl_ends": "loss = self.generalized_jsd_loss(student_logits, teacher_logits, beta=1.0, temperature=1.0)",
    "trl_mixture": '''
mixture_log_probs = torch.logsumexp(torch.stack([student_log_probs + torch.log(1 - beta),
                                                 teacher_log_probs + torch.log(beta)]), dim=0)
''',
    "prob_mixture": "m = beta * teacher_probs + (1 - beta) * student_probs",
    "losslab": "loss = distill.kl(teacher_logits, student_logits, temperature=4, scale_t2=True, from_logits=True)",
    "losslab_jsd": "d = distill.generalized_jsd(t, s, beta=0.01)",
    "optax": "loss = optax.kl_divergence(jax.nn.log_softmax(z), jax.nn.softmax(a)).mean()",
    "keras": '''
distiller = keras.distillation.LogitsDistillation(temperature=4, loss=keras.losses.KLDivergence())
t_logits = teacher(x, training=False)
''',
}

# (code, expected (code, line) findings): each snippet holds one mistake (and the T² one where T is used)
BAD = {
    "missing_t2": ('''
s = F.log_softmax(student_logits / T, dim=-1)
t = F.softmax(teacher_logits / T, dim=-1)
loss = F.kl_div(s, t, reduction="batchmean")
''', [("missing_t2", 4)]),
    "keras_io_example": ('''
distillation_loss = self.distillation_loss_fn(
    tf.nn.softmax(teacher_predictions / self.temperature, axis=1),
    tf.nn.softmax(student_predictions / self.temperature, axis=1),
)
''', [("missing_t2", 2)]),
    "argument_order": ("loss = F.kl_div(F.log_softmax(teacher_logits, -1), F.softmax(student_logits, -1), "
                       "reduction='batchmean')", [("kl_div_argument_order", 1)]),
    "probabilities_as_input": ("loss = F.kl_div(student_probs, teacher_probs, reduction='batchmean')",
                               [("kl_div_argument_order", 1)]),
    "mean_reduction": ('''
criterion = nn.KLDivLoss()
loss = criterion(F.log_softmax(s_logits, dim=1), F.softmax(t_logits, dim=1))
''', [("kl_div_mean_reduction", 3)]),
    "softmax_twice": ('''
probs = model(x).softmax(dim=-1)
log_s = F.log_softmax(probs, dim=-1)
''', [("softmax_twice", 3)]),
    "temperature_one_side": ('''
t = F.softmax(teacher_logits / T, dim=-1)
s = F.log_softmax(student_logits, dim=-1)
loss = F.kl_div(s, t, reduction="batchmean") * T ** 2
''', [("temperature_one_side", 3)]),
    "jsd_log_mixture": ("mixture_log_probs = beta * teacher_log_probs + (1 - beta) * student_log_probs",
                        [("jsd_log_mixture", 1)]),
    "jsd_beta_near_end": ("config = GKDConfig(beta=0.05)", [("jsd_beta_end", 1)]),
    "jsd_beta_zero_by_hand": ('''
beta = 0
m = beta * teacher_probs + (1 - beta) * student_probs
''', [("jsd_beta_end", 2)]),
    "teacher_grad_and_mode": ('''
t_logits = teacher(x)
loss = F.kl_div(F.log_softmax(s_logits, 1), F.softmax(t_logits, 1), reduction="batchmean")
loss.backward()
''', [("teacher_not_frozen", 2)]),
    "teacher_mode_only": ('''
with torch.no_grad():
    t_logits = self.teacher(x)
''', [("teacher_not_frozen", 3)]),
    "keras_training_true": ("t_logits = teacher(x, training=True)", [("teacher_not_frozen", 1)]),
}


@pytest.mark.parametrize("name", list(GOOD))
def test_correct_code_gives_no_finding(name: str) -> None:
    assert distill.lint(GOOD[name]) == []


@pytest.mark.parametrize("name", list(BAD))
def test_each_mistake_is_found_at_its_line(name: str) -> None:
    text, want = BAD[name]
    assert [(f.code, f.line) for f in distill.lint(text)] == want


def test_a_wrong_call_shows_every_mistake_it_has() -> None:
    text = '''
t_logits = teacher(x)
s_logits = student(x)
soft = F.kl_div(F.softmax(t_logits / T, dim=1), F.log_softmax(s_logits, dim=1))
'''
    assert {(f.code, f.line) for f in distill.lint(text)} == {
        ("teacher_not_frozen", 2), ("kl_div_argument_order", 4), ("kl_div_mean_reduction", 4),
        ("missing_t2", 4), ("temperature_one_side", 4)}


def test_teacher_variants_name_what_is_missing() -> None:
    words = load_toml_texts("losslab.distill", "en")["lint"]["teacher_not_frozen"]
    both = distill.lint(BAD["teacher_grad_and_mode"][0])[0]
    assert both.message == words["message_both"]
    mode = distill.lint(BAD["teacher_mode_only"][0])[0]
    assert mode.message == words["message_eval"]


def test_the_code_is_never_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "ran"
    text = f"open({str(marker)!r}, 'w').write('x')\nimport os; os.remove('/nonexistent')\n" + GOOD_TORCH
    assert distill.lint(text) == []
    assert not marker.exists()


def test_a_file_path_is_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "kd.py"
    path.write_text(BAD["mean_reduction"][0], encoding="utf-8")
    assert [f.code for f in distill.lint(path)] == ["kl_div_mean_reduction"]


def test_findings_carry_words_and_sources_in_both_languages() -> None:
    text = BAD["argument_order"][0]
    en, ja = distill.lint(text)[0], distill.lint(text, lang="ja")[0]
    assert en.sources == ja.sources == ("https://github.com/pytorch/pytorch/issues/57459",)
    assert "log-probabilities" in en.message and "対数確率" in ja.message
    assert ja.fix.endswith("ください。") and en.to_dict()["line"] == 1
    assert distill.SOURCES["missing_t2"] == ("https://github.com/keras-team/keras-io/issues/869",
                                             "https://github.com/IntelLabs/distiller/issues/122")
    assert "trl/issues/2202" in distill.SOURCES["jsd_log_mixture"][0]
    assert "ms-swift/issues/10078" in distill.SOURCES["jsd_beta_end"][0]


def test_the_texts_have_the_same_keys_in_both_languages() -> None:
    def keys(d: dict, prefix: str = "") -> set[str]:  # type: ignore[type-arg]
        out: set[str] = set()
        for k, v in d.items():
            out |= keys(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k}
        return out

    en, ja = load_toml_texts("losslab.distill", "en"), load_toml_texts("losslab.distill", "ja")
    assert keys(en) == keys(ja)
    assert set(en["lint"]) - {"title", "none", "line", "key", "source"} == set(distill.CODES)
    assert len(distill.CODES) == 8


# --------------------------------------------------------------------------------------------------- setups
def test_a_correct_setup_gives_no_finding() -> None:
    setup = {"framework": "torch", "temperature": 4, "t2": True, "reduction": "batchmean",
             "input": "student_log_probs", "target": "teacher_probs", "inputs_softmaxed": False,
             "temperature_on": "both", "teacher_no_grad": True, "teacher_eval": True}
    assert distill.lint(setup) == []
    assert distill.lint({"framework": "trl", "beta": 0.0}) == []
    assert distill.lint({"framework": "losslab", "beta": 0.01}) == []
    assert distill.lint({"mixture": "probabilities", "beta": 0.5}) == []


@pytest.mark.parametrize(("setup", "code", "key"), [
    ({"temperature": 4, "t2": False}, "missing_t2", "t2"),
    ({"input": "teacher_probs", "target": "student_log_probs"}, "kl_div_argument_order", "input"),
    ({"input": "student_log_probs", "target": "teacher_log_probs"}, "kl_div_argument_order", "input"),
    ({"framework": "torch", "reduction": "mean"}, "kl_div_mean_reduction", "reduction"),
    ({"inputs_softmaxed": True}, "softmax_twice", "inputs_softmaxed"),
    ({"temperature_on": "teacher"}, "temperature_one_side", "temperature_on"),
    ({"mixture": "log"}, "jsd_log_mixture", "mixture"),
    ({"framework": "trl", "beta": 0.95}, "jsd_beta_end", "beta"),
    ({"beta": 1.0}, "jsd_beta_end", "beta"),
    ({"teacher_no_grad": False}, "teacher_not_frozen", "teacher_no_grad"),
    ({"teacher_eval": False}, "teacher_not_frozen", "teacher_eval"),
])
def test_each_mistake_in_a_setup(setup: dict, code: str, key: str) -> None:  # type: ignore[type-arg]
    assert [(f.code, f.key) for f in distill.lint(setup)] == [(code, key)]


def test_a_bad_setup_is_refused() -> None:
    with pytest.raises(LossInputError, match="setup keys"):
        distill.lint({"temprature": 4})
    with pytest.raises(LossInputError, match=r"\[0, 1\]"):
        distill.lint({"beta": 1.5})
    with pytest.raises(LossInputError, match="student_log_probs"):
        distill.lint({"input": "logits"})
    with pytest.raises(LossInputError, match="setup dict"):
        distill.lint(42)  # type: ignore[arg-type]
