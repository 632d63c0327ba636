"""numpy, pandas and scikit-learn calls that decide how training labels are encoded (NN303).

Labels are usually prepared with these libraries before they reach a framework's loss, so the
label-encoding rule needs them as much as the frameworks' own encoders.
"""

from __future__ import annotations

from typing import FrozenSet

# `pd.get_dummies(y)`: one column per class.
ONE_HOT_FUNCTIONS: FrozenSet[str] = frozenset({"pandas.get_dummies"})
# `np.eye(n)[y]`: rows of an identity matrix picked by class id.
IDENTITY_MATRICES: FrozenSet[str] = frozenset({"numpy.eye", "numpy.identity"})
ARGMAX: FrozenSet[str] = frozenset({"numpy.argmax"})
# Encoders whose `fit_transform`/`transform` output is one-hot, or class ids.
ONE_HOT_ENCODER_CLASSES: FrozenSet[str] = frozenset({
    "sklearn.preprocessing.LabelBinarizer", "sklearn.preprocessing.OneHotEncoder",
})
CLASS_ID_ENCODER_CLASSES: FrozenSet[str] = frozenset({"sklearn.preprocessing.LabelEncoder"})
ENCODING_METHODS: FrozenSet[str] = frozenset({"fit_transform", "transform"})
# Calls that return their first argument's values, perhaps as another array type.
ARRAY_COPIES: FrozenSet[str] = frozenset({
    "numpy.array", "numpy.asarray", "numpy.squeeze", "numpy.ravel", "numpy.reshape",
    "torch.tensor", "torch.as_tensor", "torch.from_numpy", "torch.Tensor", "torch.squeeze",
    "tensorflow.cast", "tensorflow.convert_to_tensor", "tensorflow.reshape", "tensorflow.squeeze",
    "tensorflow.constant",
})
# Array methods that keep the encoding (`y.astype("float32")`, `y.reshape(-1)`, `t.to(device)`).
KEEPING_METHODS: FrozenSet[str] = frozenset({
    "astype", "reshape", "squeeze", "ravel", "flatten", "copy", "toarray", "todense", "to_numpy",
    "values", "to", "cuda", "cpu", "view", "numpy",
})
# Dtype names shared by TensorFlow, torch and numpy (`tf.int64`, `torch.long`, `"float32"`).
FLOAT_DTYPE_NAMES: FrozenSet[str] = frozenset({
    "float16", "float32", "float64", "bfloat16", "half", "float", "double",
})
INTEGER_DTYPE_NAMES: FrozenSet[str] = frozenset({
    "int8", "int16", "int32", "int64", "uint8", "int", "long", "short",
})
