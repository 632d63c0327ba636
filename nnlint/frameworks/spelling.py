"""One canonical spelling per API, so tables list each function once.

`tf.compat.v1.log`, `tensorflow.compat.v2.math.log` and `tf.log` differ only in the path a user
took to reach them; `tf.keras.backend.log` and `keras.backend.log` are the same Keras API (Keras 2
inside TensorFlow, standalone Keras 2 and 3, the `tf_keras` package). Every qualified name goes
through `canonical()` before it is compared with a table.
"""

from __future__ import annotations

from typing import Tuple

# (prefix, replacement), applied repeatedly until none matches; order matters.
_REWRITES: Tuple[Tuple[str, str], ...] = (
    ("tensorflow.compat.v1.", "tensorflow."),
    ("tensorflow.compat.v2.", "tensorflow."),
    ("tensorflow._api.v2.compat.v1.", "tensorflow."),
    ("tensorflow._api.v2.", "tensorflow."),
    ("tensorflow.python.keras.", "keras."),
    ("tensorflow.keras.", "keras."),
    ("tensorflow.optimizers.", "keras.optimizers."),
    ("tensorflow.contrib.keras.api.keras.", "keras."),
    ("tensorflow.contrib.keras.", "keras."),
    # TF 0.12's losses, moved to `tf.losses` in 1.0 with the same names.
    ("tensorflow.contrib.losses.", "tensorflow.losses."),
    ("tf_keras.", "keras."),
    ("keras.api._v2.keras.", "keras."),
    ("keras.src.", "keras."),
    ("keras._tf_keras.keras.", "keras."),
    # Keras 2 kept layers in submodules that the public `keras.layers` re-exports.
    ("keras.layers.core.", "keras.layers."),
    ("keras.layers.convolutional.", "keras.layers."),
    ("keras.layers.recurrent.", "keras.layers."),
    ("keras.layers.advanced_activations.", "keras.layers."),
    ("keras.layers.activation.", "keras.layers."),
    ("torch.nn.modules.activation.", "torch.nn."),
    ("torch.nn.modules.linear.", "torch.nn."),
)

_EXACT = {
    "tensorflow.compat.v1": "tensorflow",
    "tensorflow.compat.v2": "tensorflow",
    "tensorflow.keras": "keras",
    "tensorflow.python.keras": "keras",
    "tf_keras": "keras",
}


def canonical(qualified_name: str) -> str:
    """Return the canonical spelling of a dotted name (unchanged if it has none)."""
    name = _EXACT.get(qualified_name, qualified_name)
    changed = True
    while changed:
        changed = False
        for prefix, replacement in _REWRITES:
            if name.startswith(prefix):
                name = replacement + name[len(prefix):]
                changed = True
    return name
