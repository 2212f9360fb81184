"""Choose chapters 6-7's recipes on the validation images: train variants, print what they reach.

    .venv/bin/python scripts/tune_cnn.py [--net ours|lenet] [--seeds 0] [--try '{}' ...]

Each ``--try`` is a JSON object of changes to ``zoo.CIFAR_RECIPE`` (``--net ours``, chapter 7)
or ``zoo.LENET_RECIPE`` (``--net lenet``, chapter 6). Every run trains on the training images
the recipe keeps and reports the accuracy on the ones it holds out (for ours also with
test-time flips). The test set is never read here: it is evaluated once, by the book's page,
after the choices are made. Runs with the build's pinned kernels.
"""

from __future__ import annotations

import argparse
import json
import statistics

from nnbook.site.build import ensure_pinned_kernels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--try", dest="variants", nargs="+", default=["{}"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--net", choices=["ours", "lenet"], default="ours")
    args = parser.parse_args()
    ensure_pinned_kernels()
    from nnbook import data, models, zoo
    from nnbook.core import device
    from nnbook.core import seed as set_seed

    dev = device()
    for text in args.variants:
        changes = json.loads(text)
        rows = []
        for seed in args.seeds:
            if args.net == "lenet":
                rows.append(_lenet(changes, seed, dev))
                print(f"  {text} seed {seed}: validation {100 * rows[-1][0]:.2f} %, "
                      f"{rows[-1][2]:.0f} s of training", flush=True)
                continue
            recipe = zoo.CIFAR_RECIPE | changes | {"seed": seed}
            split = data.cifar10().with_validation(recipe["validation"], seed)
            set_seed(seed)
            model = models.CifarNet(recipe["widths"])
            history = zoo.train_cifar_net(model, split, recipe, dev)
            model.eval()
            logits = zoo.cifar_logits(model, split.X_val, dev, flip=True, cache=False)
            flips = (logits.argmax(1) == split.y_val).float().mean().item()
            rows.append((history.last("val_accuracy"), flips, history.train_seconds))
            print(f"  {text} seed {seed}: validation {100 * rows[-1][0]:.2f} %, with flips "
                  f"{100 * flips:.2f} %, {history.train_seconds:.0f} s of training", flush=True)
        plain, flips, seconds = (statistics.median(r[i] for r in rows) for i in range(3))
        print(f"{text}: median of {len(rows)}: validation {100 * plain:.2f} %"
              + (f", with flips {100 * flips:.2f} %" if args.net == "ours" else "")
              + f", training {seconds:.0f} s", flush=True)


def _lenet(changes: dict, seed: int, dev) -> tuple[float, float, float]:
    from nnbook import data, models, zoo
    from nnbook.core import seed as set_seed

    recipe = zoo.LENET_RECIPE | changes | {"seed": seed}
    digits = data.mnist().with_validation(recipe["validation"], seed)
    set_seed(seed)
    history = zoo.train_lenet(models.LeNet(), digits, recipe, dev)
    accuracy = history.last("val_accuracy")
    return accuracy, accuracy, history.train_seconds


if __name__ == "__main__":
    main()
