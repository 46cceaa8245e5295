"""A formula loss as code for the user's framework: plain text to copy, generated from the tree, never run here.

Each target is one row of :data:`TARGETS`: the function or class it writes and how it reads the prediction.
The gradient-boosting ones (xgboost, lightgbm, catboost) write the first and second derivatives; when the formula
reads a probability ``p``, they are taken through the sigmoid, since boosters work on raw margins. CatBoost
maximises, so its derivatives are the loss's with the opposite sign. LightGBM starts from 0 unless given an
``init_score``, so its export carries the constant that minimises the loss (LightGBM#6040).
"""

from __future__ import annotations

from collections.abc import Callable

from ._errors import FormulaError
from ._formula import Formula
from ._nodes import Node
from ._print import CODE_STYLES, render

__all__ = ["TARGETS", "export"]

_HELPERS: dict[str, dict[str, str]] = {
    "torch": {
        "sigmoid": "def _sigmoid(x):\n    return torch.sigmoid(x)\n",
        "softplus": "def _softplus(x):\n    return torch.clamp(x, min=0) + torch.log1p(torch.exp(-torch.abs(x)))\n",
        "logcosh": ("def _logcosh(x):\n    a = torch.abs(x)\n"
                    "    return a + torch.log1p(torch.exp(-2 * a)) - math.log(2.0)\n"),
    },
    "keras": {
        "sigmoid": "def _sigmoid(x):\n    return ops.sigmoid(x)\n",
        "softplus": "def _softplus(x):\n    return ops.maximum(x, 0) + ops.log1p(ops.exp(-ops.abs(x)))\n",
        "logcosh": "def _logcosh(x):\n    a = ops.abs(x)\n    return a + ops.log1p(ops.exp(-2 * a)) - math.log(2.0)\n",
    },
    "jax": {
        "sigmoid": "def _sigmoid(x):\n    return jax.nn.sigmoid(x)\n",
        "softplus": "def _softplus(x):\n    return jnp.maximum(x, 0) + jnp.log1p(jnp.exp(-jnp.abs(x)))\n",
        "logcosh": "def _logcosh(x):\n    a = jnp.abs(x)\n    return a + jnp.log1p(jnp.exp(-2 * a)) - math.log(2.0)\n",
    },
    "numpy": {
        "sigmoid": ("def _sigmoid(x):\n    e = np.exp(-np.abs(x))\n"
                    "    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))\n"),
        "softplus": "def _softplus(x):\n    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))\n",
        "logcosh": "def _logcosh(x):\n    a = np.abs(x)\n    return a + np.log1p(np.exp(-2 * a)) - math.log(2.0)\n",
    },
}
_IMPORTS = {"torch": "import math\n\nimport torch\n",
            "keras": "import math\n\nimport keras\nfrom keras import ops\n",
            "jax": "import math\n\nimport jax\nimport jax.numpy as jnp\n",
            "numpy": "import math\n\nimport numpy as np\n"}


def _code(node: Node, style: str) -> str:
    return render(node, CODE_STYLES[style])


def _helpers(style: str, *nodes: Node, through_sigmoid: bool = False) -> str:
    used = {n.op for node in nodes for n in node.walk()}
    if through_sigmoid:
        used.add("sigmoid")  # the boosters' chain rule from a margin to p
    return "\n\n".join(code for op, code in _HELPERS[style].items() if op in used)


def _signature(f: Formula) -> str:
    return "".join(f", {k}={v!r}" for k, v in f.params.items())


def _locals(f: Formula, indent: str = "    ") -> str:
    lines = []
    symbols = f.computed.symbols() | f.d1.symbols() | f.d2.symbols()
    if "r" in symbols:
        lines.append("r = yhat - y")
    if "p" in symbols:
        lines.append("p = yhat")
    return "".join(f"{indent}{line}\n" for line in lines)


def _head(f: Formula, style: str, name: str) -> str:
    helpers = _helpers(style, f.computed, f.d1, f.d2,
                       through_sigmoid=style == "numpy" and f.task == "binary" and f.uses_probability)
    return (f'"""{name}: {f.plain} — written by losslab.custom from the formula {f.text!r}."""\n\n'
            + _IMPORTS[style] + ("\n\n" + helpers if helpers else "") + "\n\n")


def _torch(f: Formula, name: str) -> str:
    return _head(f, "torch", name) + (
        f"def {name}(yhat, y{_signature(f)}, reduction=\"mean\"):\n"
        f'    """Prediction first, target second (as torch.nn.functional); autograd gives the gradient."""\n'
        + _locals(f) + f"    loss = {_code(f.computed, 'torch')}\n"
        "    if reduction == \"none\":\n        return loss\n"
        "    return loss.sum() if reduction == \"sum\" else loss.mean()\n")


def _keras(f: Formula, name: str) -> str:
    cls = "".join(part.capitalize() for part in name.split("_")) or "CustomLoss"
    params = "".join(f"        self.{k} = {k}\n" for k in f.params)
    unpack = "".join(f"        {k} = self.{k}\n" for k in f.params)
    config = ", ".join(f'"{k}": self.{k}' for k in f.params)
    return _head(f, "keras", name) + (
        "@keras.saving.register_keras_serializable(package=\"losslab\")\n"
        f"class {cls}(keras.losses.Loss):\n"
        f'    """Keras order: call(y_true, y_pred). Saved models reload it once this module is imported."""\n\n'
        f"    def __init__(self{_signature(f)}, name=\"{name}\", **kwargs):\n"
        "        super().__init__(name=name, **kwargs)\n" + params + "\n"
        "    def call(self, y_true, y_pred):\n"
        "        yhat = y_pred\n        y = ops.cast(y_true, y_pred.dtype)\n" + unpack + _locals(f, "        ")
        + f"        return ops.mean({_code(f.computed, 'keras')}, axis=-1)\n\n"
        "    def get_config(self):\n"
        f"        return {{**super().get_config(), {config}}}\n".replace(", }", "}"))


def _jax(f: Formula, name: str) -> str:
    return _head(f, "jax", name) + (
        f"def {name}(predictions, targets{_signature(f)}):\n"
        f'    """Elementwise, like optax.losses: no reduction (take .mean() yourself); jax.grad differentiates it."""\n'
        "    yhat = predictions\n    y = targets\n" + _locals(f)
        + f"    return {_code(f.computed, 'jax')}\n")


def _booster_derivatives(f: Formula) -> str:
    """Lines computing grad and hess of the loss with respect to the booster's raw prediction."""
    d1, d2 = _code(f.d1, "numpy"), _code(f.d2, "numpy")
    if f.task == "binary" and f.uses_probability:
        # the booster predicts a margin z; p = sigmoid(z): chain rule dL/dz = L'(p) p(1-p), and the second
        return ("    yhat = _sigmoid(margin)\n" + _locals(f) + f"    g = {d1}\n    h = {d2}\n"
                "    s = yhat * (1 - yhat)\n    grad = g * s\n    hess = h * s * s + g * s * (1 - 2 * yhat)\n")
    return "    yhat = margin\n" + _locals(f) + f"    grad = {d1} + 0 * yhat\n    hess = {d2} + 0 * yhat\n"


def _xgboost(f: Formula, name: str) -> str:
    return _head(f, "numpy", name) + (
        "HESS_FLOOR = 1e-6  # boosting needs a positive hessian; a flat or concave region is floored\n\n\n"
        f"def {name}_objective(predt, dtrain{_signature(f)}):\n"
        f'    """xgboost.train(params, dtrain, obj={name}_objective): gradient and hessian per example."""\n'
        "    y = dtrain.get_label()\n    margin = predt\n" + _booster_derivatives(f)
        + "    return grad, np.maximum(hess, HESS_FLOOR)\n")


def _init_search(f: Formula) -> str:
    if f.task == "binary" and f.uses_probability:
        lo_hi, to_margin = "1e-6, 1 - 1e-6", "math.log(c / (1 - c))"
    elif f.task == "binary":
        lo_hi, to_margin = "-30.0, 30.0", "c"
    else:
        lo_hi, to_margin = "float(np.min(y)), float(np.max(y))", "c"
    return (f"def {{name}}_init_score(y{_signature(f)}):\n"
            '    """The constant prediction with the smallest mean loss (golden-section search): LightGBM starts\n'
            '    from 0 unless given it (fit(..., init_score=...), then add it to predict(..., raw_score=True))."""\n'
            "    y = np.asarray(y, dtype=float)\n"
            f"    lo, hi = {lo_hi}\n"
            "    def mean_loss(c):\n"
            "        yhat = np.full_like(y, c)\n" + _locals(f, "        ")
            + f"        return float(np.mean({_code(f.computed, 'numpy')}))\n"
            "    g = (math.sqrt(5) - 1) / 2\n"
            "    for _ in range(200):\n"
            "        a, b = hi - g * (hi - lo), lo + g * (hi - lo)\n"
            "        if mean_loss(a) <= mean_loss(b):\n            hi = b\n        else:\n            lo = a\n"
            "    c = (lo + hi) / 2\n"
            f"    return {to_margin}\n")


def _lightgbm(f: Formula, name: str) -> str:
    return _head(f, "numpy", name) + (
        "HESS_FLOOR = 1e-6  # boosting needs a positive hessian; a flat or concave region is floored\n\n\n"
        f"def {name}_objective(y_true, y_pred{_signature(f)}):\n"
        f'    """lightgbm.LGBMRegressor(objective={name}_objective): gradient and hessian per example."""\n'
        "    y = np.asarray(y_true, dtype=float)\n    margin = np.asarray(y_pred, dtype=float)\n"
        + _booster_derivatives(f) + "    return grad, np.maximum(hess, HESS_FLOOR)\n\n\n"
        + _init_search(f).replace("{name}", name))


def _catboost(f: Formula, name: str) -> str:
    cls = "".join(part.capitalize() for part in name.split("_")) + "Objective"
    return _head(f, "numpy", name) + (
        f"class {cls}:\n"
        '    """CatBoost maximises: calc_ders_range returns (−dL/dŷ, −d²L/dŷ²) per example, the loss\'s\n'
        '    derivatives with the opposite sign. Use CatBoostRegressor(loss_function=' + cls + '(), ...)."""\n\n'
        f"    def __init__(self{_signature(f)}):\n"
        + "".join(f"        self.{k} = {k}\n" for k in f.params) + ("        pass\n" if not f.params else "")
        + "\n    def calc_ders_range(self, approxes, targets, weights):\n"
        "        y = np.asarray(targets, dtype=float)\n        margin = np.asarray(approxes, dtype=float)\n"
        + "".join(f"        {k} = self.{k}\n" for k in f.params)
        + _booster_derivatives(f).replace("\n    ", "\n        ").replace("    yhat", "        yhat", 1)
        + "        w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)\n"
        "        return list(zip((-grad * w).tolist(), (-hess * w).tolist()))\n")


TARGETS: dict[str, Callable[[Formula, str], str]] = {
    "torch": _torch, "keras": _keras, "jax": _jax, "xgboost": _xgboost, "lightgbm": _lightgbm,
    "catboost": _catboost,
}


def export(f: Formula, target: str, name: str = "custom_loss", lang: str | None = "en") -> str:
    """Source code of ``f`` for ``target`` (one of :data:`TARGETS`), as text for the user to copy."""
    if target not in TARGETS:
        raise FormulaError("bad_export", f.text, None, lang=lang, argument="export", target=target,
                           choices=", ".join(TARGETS))
    code = TARGETS[target](f, name)
    if "math." not in code.split("import math", 1)[1]:
        code = code.replace("import math\n\n", "", 1)
    return code


