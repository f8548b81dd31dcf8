"""The registration of the MNIST-3,000 lab family: a supervised CNN baseline,
semi-supervised CNNs (pseudo-labeling, mean teacher) and the Ladder network.

Importing this module needs no backend: model classes and builders are named
as strings and imported when a model is built or loaded.
"""

from ssgm_zoo import families
from ssgm_zoo.models.ssl_cnn import paper

__all__ = ["FAMILY", "paper_result", "results_table", "protocol", "SEEDS", "ENTRY",
           "CNN_ENTRY"]

_PACKAGE = "ssgm_zoo.models.ssl_cnn"
SEEDS = (0, 1, 2)
#: The zoo entries: the best model of the comparison (the lowest validation error),
#: and the best model on the lab's CNN.
ENTRY = "ladder-mnist-3000"
CNN_ENTRY = "ssl-cnn-mnist-3000"
_USAGE = "model.classify(images)  # images: [N, 28, 28] uint8 or [N, 28, 28, 1] in [0, 1]"
_TAGS = ("semi-supervised-learning", "mnist", "cnn")


def _spec(name, title, cls, build, tags=(), module="model", paper=None):
    return families.ModelSpec(
        name=name, title=title, model_class=f"{_PACKAGE}.{module}:{cls}",
        build=f"{_PACKAGE}.builders:{build}", task="image-classification",
        tags=_TAGS + tuple(tags), usage=_USAGE, paper=paper)


def paper_result(model_name, num_labeled, metric):
    """None: no paper reports these methods on MNIST with 3,000 labels."""
    del model_name, num_labeled, metric
    return None


def results_table(records):
    """The zoo entries of the family (the comparison of every method is
    ``ssgm_zoo.models.ssl_cnn.tables.comparison_table``)."""
    rows = ["| entry | model | labels | test error mean ± std (runs) | published run | epochs "
            "| train time / run |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for record in sorted(records, key=lambda r: r.name):
        metric = record.metrics["test_error_rate"]
        std = "" if metric.std is None else f" ± {100 * metric.std:.2f}"
        rows.append(f"| `{record.name}` | {record.model_name} | {record.num_labeled} "
                    f"| {100 * metric.mean:.2f} %{std} ({metric.num_runs}) "
                    f"| {100 * metric.published:.2f} % | {record.training.epochs} "
                    f"| {record.training.train_seconds / 60:.1f} min |")
    return "\n".join(rows)


def protocol(seeds=None, labels=None):
    """Every row of the comparison: the baseline, each technique, each method on the
    lab's CNN, the Ladder network, and the methods on the deeper CNN (for a GPU).

    Two runs make zoo entries: the Ladder network, the best model (the lowest
    validation error of our runs, tied since 2026-12-07 with the CNN entry's:
    2 of 500 each), whose encoder ships in float16 (3.1 MB instead of 6.2),
    and the mean teacher on the lab's CNN, the best CNN.
    """
    if labels and tuple(labels) != (3000,):
        raise ValueError("The lab's protocol has 3,000 labels; --labels does not apply.")
    from ssgm_zoo.models.ssl_cnn import configs  # no backend: configs only

    seeds = tuple(seeds or SEEDS)
    runs = [families.ProtocolRun(name=f"cnn-mnist-3000-{t.replace('_', '-')}",
                                 config=f"zoo_configs/ssl_cnn/supervised.py:{t}", seeds=seeds,
                                 entry=None)
            for t in configs.TECHNIQUES]
    runs.append(families.ProtocolRun(
        name="pseudo-label-lab-mnist-3000", config="zoo_configs/ssl_cnn/pseudo_label.py:lab",
        seeds=seeds, entry=None))
    runs.append(families.ProtocolRun(
        name=CNN_ENTRY, config="zoo_configs/ssl_cnn/mean_teacher.py:lab", seeds=seeds,
        entry={"description": "Mean teacher (Tarvainen & Valpola 2017) on the lab's small CNN "
                              "(the PyTorch MNIST example's network, 21,840 weights, without "
                              "its dropouts), trained with 3,000 labels (2,500 train, 500 "
                              "validate) and the 57,000 other training images unlabeled (the "
                              "lab's split); ships the teacher."}))
    runs.append(families.ProtocolRun(
        name=ENTRY, config="zoo_configs/ssl_cnn/ladder.py", seeds=seeds,
        entry={"description": "The Ladder network (Rasmus et al. 2015), its fully connected "
                              "version with the paper's MNIST settings (784-1000-500-250-250-"
                              "250-10, noise 0.3, denoising weights 1000, 10, 0.1, 0.1, 0.1, "
                              "0.1, 0.1, 150 epochs), trained with 3,000 labels (2,500 train, "
                              "500 validate) and the 57,000 other training images unlabeled "
                              "(the lab's split); ships the encoder alone, whose clean pass "
                              "classifies, with its weights stored in float16.",
               "weights_dtype": "float16"}))
    for method in ("pseudo_label", "mean_teacher"):
        runs.append(families.ProtocolRun(
            name=f"{method.replace('_', '-')}-convnet-mnist-3000",
            config=f"zoo_configs/ssl_cnn/{method}.py:convnet", seeds=seeds, entry=None))
    return runs


FAMILY = families.register(families.Family(
    name="ssl_cnn",
    title="MNIST with 3,000 labels: supervised CNN baseline, pseudo-labeling, mean teacher, "
          "Ladder network",
    paper=paper.PAPER,
    package=_PACKAGE,
    models=(
        _spec("cnn", "CNN (labeled images only)", "CNNClassifier", "build_cnn",
              ("supervised-baseline",)),
        _spec("pseudo_label", "Pseudo-labeling CNN", "PseudoLabel", "build_pseudo_label",
              ("pseudo-labeling",), paper=paper.PSEUDO_LABEL),
        _spec("mean_teacher", "Mean teacher CNN", "MeanTeacher", "build_mean_teacher",
              ("mean-teacher",), paper=paper.MEAN_TEACHER),
        _spec("ladder", "Ladder network (MLP)", "LadderNetwork", "build_ladder",
              ("ladder-network",), module="ladder", paper=paper.LADDER),
    ),
    paper_result=paper_result,
    results_table=results_table,
    protocol=protocol,
))
