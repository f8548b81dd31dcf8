"""The Improved GAN family's registration (Salimans et al. 2016): model, paper results, table.

Importing this module needs no backend: the model class and builder are
named as strings and imported when a model is built or loaded.
"""

from ssgm_zoo import families
from ssgm_zoo.models.improved_gan import paper

__all__ = ["FAMILY", "paper_result", "results_table", "protocol"]

_PACKAGE = "ssgm_zoo.models.improved_gan"
MNIST_TEST_IMAGES = 10_000
SEEDS = (0, 1, 2, 3, 4)
LABELS = (20, 50, 100, 200)
#: Label counts with a published zoo entry (the size budget allows one).
ENTRY_LABELS = (100,)


def paper_result(model_name, num_labeled, metric):
    """The paper's test error for one of our runs, as a fraction, or None.

    MNIST (tables' label counts 20-200) and CIFAR-10 (1000-8000) use disjoint
    label counts, which is how the two tables are told apart.
    """
    if model_name != "improved_gan" or metric != "test_error_rate":
        return None
    if num_labeled in paper.TABLE1_MNIST_ERRORS:
        mean, std = paper.TABLE1_MNIST_ERRORS[num_labeled]
        return families.PaperResult(
            mean=mean / MNIST_TEST_IMAGES, std=std / MNIST_TEST_IMAGES,
            source=f"{paper.PAPER.venue}, table 1",
            note="misclassified test images out of 10,000, over 10 seeds")
    if num_labeled in paper.TABLE2_CIFAR10_ERROR:
        mean, std = paper.TABLE2_CIFAR10_ERROR[num_labeled]
        return families.PaperResult(mean=mean / 100, std=std / 100,
                                    source=f"{paper.PAPER.venue}, table 2",
                                    note="CIFAR-10, over 10 seeds")
    return None


def _errors(value):
    return "-" if value is None else f"{value * MNIST_TEST_IMAGES:.0f}"


def results_table(records):
    """The MNIST table of docs/improved_gan.md (misclassified test images of 10,000)."""
    rows = ["| labels | paper | PyTorch reproduction | ours: mean ± std (runs) | "
            "ours: published checkpoint | epochs | train time / run |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for record in sorted(records, key=lambda r: r.num_labeled or 0):
        labels = record.num_labeled
        if labels not in paper.TABLE1_MNIST_ERRORS:
            continue
        metric = record.metrics["test_error_rate"]
        theirs = paper.TABLE1_MNIST_ERRORS[labels]
        torch = paper.PYTORCH_REPRODUCTION_MNIST_ERRORS[labels]
        std = "" if metric.std is None else f" ± {_errors(metric.std)}"
        rows.append(
            f"| {labels} (`{record.name}`) | {theirs[0]} ± {theirs[1]} | {torch[0]} ± {torch[1]} "
            f"| {_errors(metric.mean)}{std} ({metric.num_runs}) | {_errors(metric.published)} "
            f"| {record.training.epochs} | {record.training.train_seconds / 60:.1f} min |")
    return "\n".join(rows)


def protocol(seeds=None, labels=None):
    """Every run of the paper's MNIST table: each label count, every seed."""
    seeds = tuple(seeds or SEEDS)
    runs = []
    for n in labels or LABELS:
        # float16 weights: 4.5 MB instead of about 9 (the repository's size budget).
        entry = ({"description": f"Semi-supervised GAN (feature matching) on MNIST with {n} "
                                 "balanced labels; classifies with the discriminator's "
                                 "weight average, its weights stored in float16.",
                  "weights_dtype": "float16"}
                 if n in ENTRY_LABELS else None)
        runs.append(families.ProtocolRun(
            name=f"improved-gan-mnist-{n}", config=f"zoo_configs/improved_gan/mnist.py:{n}",
            seeds=seeds, entry=entry))
    return runs


FAMILY = families.register(families.Family(
    name="improved_gan",
    title="Salimans et al. 2016: semi-supervised GAN (Improved GAN)",
    paper=paper.PAPER,
    package=_PACKAGE,
    models=(
        families.ModelSpec(
            name="improved_gan", title="Semi-supervised GAN",
            model_class=f"{_PACKAGE}.model:ImprovedGAN",
            build=f"{_PACKAGE}.builders:build_improved_gan", task="image-classification",
            tags=("generative-adversarial-network", "semi-supervised-learning"),
            usage="model.classify(images); model.sample(16, seed=0)"),
    ),
    paper_result=paper_result,
    results_table=results_table,
    protocol=protocol,
))
