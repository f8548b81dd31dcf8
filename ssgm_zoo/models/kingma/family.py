"""The Kingma et al. 2014 family's registration: its models, paper results and table.

Importing this module needs no backend: the model classes and builders are
named as strings and imported when a model is built or loaded.
"""

from ssgm_zoo import families
from ssgm_zoo.models.kingma import paper

__all__ = ["FAMILY", "paper_result", "results_table", "upgrade_config", "protocol"]

_PACKAGE = "ssgm_zoo.models.kingma"
_UNITS = "test error rate on the 10,000 MNIST test images"

# Before families were plug-ins (ssgm-zoo 0.1), a config's `family` named the model.
_LEGACY = {"m1": "m1", "m2": "m2", "m1m2": "m1m2"}


#: Options added in 0.3, with the values that give the behaviour from before
#: they existed, so a run or record written earlier still resumes and loads.
_ADDED_MODEL_OPTIONS = {"authors_init": False}
_ADDED_M1M2_OPTIONS = {"decoder_variance": "per_dimension"}
#: Added to M2 and M1+M2 on 2026-12-02 (the KL weight's schedule, off).
_ADDED_M2_OPTIONS = {"kl_weight_start": 1.0, "kl_weight_steps": 0}


def upgrade_config(config):
    """A resolved config of an earlier version (0.1's ``family: "m2"``, or one
    written before an option existed) in today's form."""
    config = dict(config)
    if config.get("family") in _LEGACY:
        config["model_name"] = _LEGACY[config["family"]]
        config["family"] = "kingma"
    if config.get("family") != "kingma":
        return config
    model = dict(config.get("model") or {})
    added = dict(_ADDED_MODEL_OPTIONS)
    if config.get("model_name") in ("m2", "m1m2"):
        added.update(_ADDED_M2_OPTIONS)
    if config.get("model_name") == "m1m2":
        added.update(_ADDED_M1M2_OPTIONS)
    for key, value in added.items():
        model.setdefault(key, value)
    config["model"] = model
    train = dict(config.get("train") or {})
    optimizer = train.get("optimizer")
    if isinstance(optimizer, dict) and str(optimizer.get("name", "adam")).lower() == "adam":
        train["optimizer"] = {**optimizer, "bias_correction": optimizer.get("bias_correction",
                                                                             True)}
    config["train"] = train
    return config


def paper_result(model_name, num_labeled, metric):
    """The paper's table 1 value for one of our metrics, or None.

    Our ``test_error_rate`` of M2 and M1+M2 is the paper's test error; for M1
    the paper reports M1+TSVM, which our ``test_latent_classifier_error_rate``
    (a classifier on M1's codes) stands in for.
    """
    wanted = {"m1": "test_latent_classifier_error_rate"}.get(model_name, "test_error_rate")
    value = paper.TABLE1_TEST_ERROR.get((model_name, num_labeled))
    if metric != wanted or value is None:
        return None
    note = "M1+TSVM (a transductive SVM on M1's codes)" if model_name == "m1" else ""
    return families.PaperResult(mean=value[0] / 100, std=value[1] / 100,
                                source=f"{paper.PAPER.venue}, table 1", note=note)


def _pct(value):
    return "-" if value is None else f"{100 * value:.2f}"


def results_table(records):
    """The results table of docs/kingma2014.md, from this family's entry records."""
    rows = ["| model | labels | paper (test error %) | earlier reproduction, authors' code | "
            "ours: mean ± std (runs) | ours: published checkpoint | epochs | train time / run |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    titles = {"m2": "M2", "m1m2": "M1+M2"}
    m1_classifiers = {"logistic": "logistic regression", "label_spreading": "label spreading"}
    for record in sorted(records, key=lambda r: (r.model_name, r.num_labeled or 0, r.name)):
        metric_name = record.headline_metric
        metric = record.metrics[metric_name]
        labels = record.num_labeled or metric.details.get("num_labeled")
        theirs = paper_result(record.model_name, labels, metric_name)
        if theirs is None:
            continue
        earlier = (paper.EARLIER_REPRODUCTION_M1M2.get(labels)
                   if record.model_name == "m1m2" else None)
        std = "" if metric.std is None else f" ± {_pct(metric.std)}"
        title = titles.get(record.model_name) or (
            f"M1 + {m1_classifiers[metric.details.get('latent_classifier', 'logistic')]} "
            "(paper: M1+TSVM)")
        minutes = record.training.train_seconds / 60
        rows.append(
            f"| {title} (`{record.name}`) | {labels} | "
            f"{_pct(theirs.mean)} ± {_pct(theirs.std)} | "
            f"{'-' if earlier is None else f'{earlier:.2f}'} | {_pct(metric.mean)}{std} "
            f"({metric.num_runs}) | {_pct(metric.published)} | {record.training.epochs} | "
            f"{minutes:.1f} min |")
    return "\n".join(rows)


SEEDS = (0, 1, 2, 3, 4)
LABELS = (100, 600, 1000, 3000)
M2_ENTRY_LABELS = 100


def protocol(seeds=None, labels=None):
    """Every run of the paper's table 1: M1, then M1+M2 and M2 at each number of labels.

    M1 trains once (seed 0): its classifier row varies the label split
    instead, and every M1+M2 run stacks on it.
    """
    seeds = tuple(seeds or SEEDS)
    runs = [families.ProtocolRun(
        name="m1-mnist", config="zoo_configs/kingma/m1_mnist.py", seeds=(0,),
        entry={"latent_classifier_labels": 100, "label_seeds": SEEDS,
               "latent_classifier": "label_spreading",
               "description": "The VAE M1 trained without labels on the 50,000 MNIST training "
                              "images; the frozen first stage of every M1+M2 entry."})]
    for n in labels or LABELS:
        runs.append(families.ProtocolRun(
            name=f"m1m2-mnist-{n}", config=f"zoo_configs/kingma/m1m2_mnist.py:{n}",
            seeds=seeds, overrides={"m1_checkpoint": "{workdir}/m1-mnist-s0/model"},
            needs=("m1-mnist",),
            entry={"base_entry": "m1-mnist",
                   "description": f"M2 on the z1 features of the frozen m1-mnist encoder, with "
                                  f"{n} balanced labels."}))
    for n in labels or LABELS:
        # M2 on pixels is 2.6 MB even in float16: only N = 100 is published, the other
        # label counts are table rows (four would take the repository past its 25 MB).
        entry = ({"description": f"M2 on MNIST pixels with {n} balanced labels.",
                  "weights_dtype": "float16"} if n == M2_ENTRY_LABELS else None)
        runs.append(families.ProtocolRun(
            name=f"m2-mnist-{n}", config=f"zoo_configs/kingma/m2_mnist.py:{n}", seeds=seeds,
            entry=entry))
    return runs


_TAGS = ("variational-autoencoder", "semi-supervised-learning")

FAMILY = families.register(families.Family(
    name="kingma",
    title="Kingma et al. 2014: M1, M2, M1+M2",
    paper=paper.PAPER,
    package=_PACKAGE,
    models=(
        families.ModelSpec(
            name="m1", title="M1 (VAE)", model_class=f"{_PACKAGE}.m1:M1",
            build=f"{_PACKAGE}.builders:build_m1", task="feature-extraction",
            tags=("variational-autoencoder",), metrics=("test_neg_elbo",),
            select_by="validation_neg_elbo",
            headline_metric="test_latent_classifier_error_rate",
            usage="model.sample(16, seed=0); model.features(images)"),
        families.ModelSpec(
            name="m2", title="M2", model_class=f"{_PACKAGE}.m2:M2",
            build=f"{_PACKAGE}.builders:build_m2", task="image-classification", tags=_TAGS),
        families.ModelSpec(
            name="m1m2", title="M1+M2 (stacked)", model_class=f"{_PACKAGE}.m1m2:M1M2",
            build=f"{_PACKAGE}.builders:build_m1m2", task="image-classification", tags=_TAGS),
    ),
    legacy_names=_LEGACY,
    upgrade_config=upgrade_config,
    paper_result=paper_result,
    results_table=results_table,
    protocol=protocol,
))
