"""A reproducible corpus of training scripts for the benchmark, made without network access.

The mix follows what nnlint meets in a real repository: TF1 graph-mode scripts, Keras models,
PyTorch training and evaluation loops, and the plain Python around them (data preparation,
utilities, tests) that the prefilter should skip. The scripts are generated from templates with
varied names, depths and numbers of helper functions, so that their size and shape resemble real
files; they are valid Python but are not meant to be run.
"""

from __future__ import annotations

import random
import textwrap
from pathlib import Path
from typing import Callable, List

_TF1 = '''
import numpy as np
import tensorflow as tf

FLAGS = tf.app.flags.FLAGS
tf.app.flags.DEFINE_float("learning_rate", {lr}, "Initial learning rate.")
tf.app.flags.DEFINE_integer("batch_size", {batch}, "Batch size.")


def weight_variable(shape, name):
    return tf.get_variable(name, shape, initializer=tf.truncated_normal_initializer(stddev=0.1))


def bias_variable(shape, name):
    return tf.get_variable(name, shape, initializer=tf.constant_initializer(0.1))


{layers}

def build_model(x, keep_prob):
    h = x
{calls}
    w_out = weight_variable([{width}, 10], "w_out")
    b_out = bias_variable([10], "b_out")
    return tf.matmul(h, w_out) + b_out


def main(_):
    x = tf.placeholder(tf.float32, [None, 784])
    y_ = tf.placeholder(tf.int64, [None])
    keep_prob = tf.placeholder(tf.float32)
    logits = build_model(x, keep_prob)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y_, logits=logits))
    train_op = tf.train.AdamOptimizer(FLAGS.learning_rate).minimize(loss)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y_), tf.float32))
    saver = tf.train.Saver()
    init = tf.global_variables_initializer()
    tf.get_default_graph().finalize()
    with tf.Session() as sess:
        sess.run(init)
        for step in range({steps}):
            batch_x = np.random.rand(FLAGS.batch_size, 784)
            batch_y = np.random.randint(0, 10, FLAGS.batch_size)
            _, loss_value = sess.run([train_op, loss], feed_dict={{x: batch_x, y_: batch_y, keep_prob: 0.5}})
            if step % 100 == 0:
                acc = sess.run(accuracy, feed_dict={{x: batch_x, y_: batch_y, keep_prob: 1.0}})
                print("step %d loss %.4f accuracy %.3f" % (step, loss_value, acc))
        saver.save(sess, "model.ckpt")


if __name__ == "__main__":
    tf.app.run()
'''

_TF1_LAYER = '''
def dense_{i}(h, keep_prob):
    with tf.variable_scope("dense_{i}"):
        w = weight_variable([{fan_in}, {width}], "w")
        b = bias_variable([{width}], "b")
        h = tf.nn.relu(tf.matmul(h, w) + b)
        return tf.nn.dropout(h, keep_prob)
'''

_KERAS = '''
import argparse

import numpy as np
from tensorflow import keras
from tensorflow.keras import layers


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default={epochs})
    parser.add_argument("--lr", type=float, default={lr})
    return parser.parse_args()


def build_model(input_shape, num_classes):
    inputs = keras.Input(shape=input_shape)
    x = inputs
{blocks}
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def main():
    args = parse_args()
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    x_train, x_test = x_train / 255.0, x_test / 255.0
    model = build_model(x_train.shape[1:], 10)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=args.lr),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    callbacks = [keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)]
    model.fit(x_train, y_train, epochs=args.epochs, batch_size={batch}, validation_split=0.1, callbacks=callbacks)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy {{accuracy:.3f}}")
    model.save("model.keras")


if __name__ == "__main__":
    main()
'''

_KERAS_BLOCK = '''    x = layers.Conv2D({filters}, 3, padding="same", activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D()(x) if {pool} else x
'''

_TORCH = '''
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Block{i}(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn = nn.BatchNorm2d(channels)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x))) + x


class Net(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, {channels}, 3, padding=1)
        self.blocks = nn.Sequential(*[Block{i}({channels}) for _ in range({depth})])
        self.head = nn.Linear({channels}, num_classes)

    def forward(self, x):
        x = self.blocks(F.relu(self.stem(x)))
        return self.head(F.adaptive_avg_pool2d(x, 1).flatten(1))

{helpers}

def train_one_epoch(model, loader, optimizer, device):
    model.train()
    running = 0.0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        running += loss.item()
    return running / len(loader)


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    correct = total = 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        correct += (model(images).argmax(1) == labels).sum().item()
        total += labels.numel()
    return correct / total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default={lr})
    parser.add_argument("--epochs", type=int, default={epochs})
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    data = TensorDataset(torch.randn(512, 3, 32, 32), torch.randint(0, 10, (512,)))
    loader = DataLoader(data, batch_size={batch}, shuffle=True)
    model = Net().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    for epoch in range(args.epochs):
        loss = train_one_epoch(model, loader, optimizer, device)
        accuracy = evaluate(model, loader, device)
        scheduler.step()
        print(f"epoch {{epoch}} loss {{loss:.4f}} accuracy {{accuracy:.3f}}")
    os.makedirs("checkpoints", exist_ok=True)
    torch.save(model.state_dict(), "checkpoints/net.pt")


if __name__ == "__main__":
    main()
'''

_TORCH_HELPER = '''
def augment_{i}(batch, p={p}):
    if torch.rand(1).item() < p:
        batch = torch.flip(batch, dims=[3])
    noise = torch.randn_like(batch) * {noise}
    return batch + noise
'''

_PLAIN = '''
"""Data preparation utilities."""

import csv
import json
import os
from collections import Counter, defaultdict


{functions}

def main(root):
    counts = Counter()
    for name in sorted(os.listdir(root)):
        if name.endswith(".csv"):
            counts.update(read_labels(os.path.join(root, name)))
    with open(os.path.join(root, "summary.json"), "w") as handle:
        json.dump(dict(counts), handle, indent=2)


def read_labels(path):
    with open(path, newline="") as handle:
        return [row["label"] for row in csv.DictReader(handle)]
'''

_PLAIN_FUNCTION = '''
def group_{i}(rows, key="{key}"):
    grouped = defaultdict(list)
    for row in rows:
        grouped[row.get(key, "unknown")].append(row)
    return {{k: len(v) for k, v in sorted(grouped.items())}}
'''


def _tf1(rng: random.Random, i: int) -> str:
    n = rng.randint(2, 8)
    widths = [784] + [rng.choice([128, 256, 512]) for _ in range(n)]
    layers = "".join(_TF1_LAYER.format(i=k, fan_in=widths[k], width=widths[k + 1]) for k in range(n))
    calls = "\n".join(f"    h = dense_{k}(h, keep_prob)" for k in range(n))
    return _TF1.format(lr=rng.choice([1e-3, 3e-4]), batch=rng.choice([32, 64]), layers=layers, calls=calls,
                       width=widths[-1], steps=rng.choice([1000, 5000]))


def _keras(rng: random.Random, i: int) -> str:
    blocks = "".join(_KERAS_BLOCK.format(filters=rng.choice([32, 64, 128]), pool=rng.random() < 0.5)
                     for _ in range(rng.randint(2, 10)))
    return _KERAS.format(epochs=rng.randint(5, 50), lr=rng.choice([1e-3, 3e-4]), blocks=blocks,
                         batch=rng.choice([32, 64, 128]))


def _torch(rng: random.Random, i: int) -> str:
    helpers = "".join(_TORCH_HELPER.format(i=k, p=rng.choice([0.1, 0.5]), noise=rng.choice([0.01, 0.05]))
                      for k in range(rng.randint(1, 12)))
    return _TORCH.format(i=i, channels=rng.choice([32, 64]), depth=rng.randint(2, 8), helpers=helpers,
                         lr=rng.choice([0.1, 0.01]), epochs=rng.randint(10, 100), batch=rng.choice([64, 128]))


def _plain(rng: random.Random, i: int) -> str:
    functions = "".join(_PLAIN_FUNCTION.format(i=k, key=rng.choice(["label", "split", "source"]))
                        for k in range(rng.randint(2, 20)))
    return _PLAIN.format(functions=functions)


_KINDS: List[Callable[[random.Random, int], str]] = [_tf1, _keras, _torch, _torch, _plain]


def generate(directory: Path, files: int, seed: int = 0) -> Path:
    """Write `files` scripts into `directory` (in a few sub-packages) and return it."""
    rng = random.Random(seed)
    for i in range(files):
        make = _KINDS[i % len(_KINDS)]
        folder = directory / f"package_{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{make.__name__.strip('_')}_{i}.py").write_text(textwrap.dedent(make(rng, i)).lstrip())
    return directory
