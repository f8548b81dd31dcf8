"""Turning training runs into zoo entries: mirror folder, model card and record.

``tools/make_entry.py`` is the command line over ``build_entry``. The
published checkpoint is the run with the best *validation* metric (never
chosen on test); the record keeps every run's test metric and their mean and
sample standard deviation.
"""

import json
import math
import os
import pathlib
import shutil

from ssgm_zoo import checkpoint
from ssgm_zoo.evaluation import mean_std
from ssgm_zoo.models.kingma import paper as kingma_paper
from ssgm_zoo.zoo import registry
from ssgm_zoo.zoo.loading import sha256_file, split_base_weights

__all__ = ["build_entry", "write_record", "file_table", "model_card", "metric_record",
           "latent_classifier_metric", "publish_entries", "read_json"]

INDICES_FILE = "labeled_indices.json"
FAMILY_TITLES = {"m1": "M1 (VAE)", "m2": "M2", "m1m2": "M1+M2 (stacked)"}
ESTIMATOR = "mean and sample standard deviation (ddof=1) over runs"


def file_table(directory):
    """``{file name: {"sha256", "size"}}`` for every regular file of ``directory``."""
    directory = pathlib.Path(directory)
    return {p.name: {"sha256": sha256_file(p), "size": p.stat().st_size}
            for p in sorted(directory.iterdir()) if p.is_file()}


def read_json(path):
    with open(path) as f:
        return json.load(f)


def metric_record(values, checkpoint_value, paper=None, **extra):
    mean, std, n = mean_std(values)
    out = {"split": "test", "checkpoint": checkpoint_value, "mean": mean,
           "std": None if math.isnan(std) else std, "num_runs": n, "per_run": values,
           "estimator": ESTIMATOR}
    if paper:
        out["paper"], out["paper_std"] = paper[0] / 100, paper[1] / 100
        out["paper_source"] = f"{kingma_paper.PAPER['venue']}, table 1 (the paper's numbers)"
    out.update(extra)
    return out


def build_entry(name, run_dirs, *, mirror_root, entries_dir, command, base_entry=None,
                extra_metrics=None, hub=None, description="", data_dir=None):
    """Builds entry ``name`` from finished training runs.

    Args:
        name: the entry name (``m1m2-mnist-100``).
        run_dirs: run directories of ``tools/train.py`` (one per seed).
        mirror_root: where the entry's folder is written (``mirror_root/name``).
        entries_dir: where the record ``name.json`` is written.
        command: the training command, as a user would type it (``{seed}`` for the seed).
        base_entry: for M1+M2, the entry whose M1 the weights share (not stored twice).
        extra_metrics: more metric records (e.g. M1's latent classifier).
        hub: ``{"repo_id", "revision"}`` once published.
        description: one paragraph for the model card.
        data_dir: dataset folder, for the per-slice check loading tests repeat.

    Returns:
        The record (also written to ``entries_dir/name.json``).
    """
    registry.validate_name(name)
    runs = [(pathlib.Path(d), read_json(pathlib.Path(d) / "metrics.json")) for d in run_dirs]
    if not runs:
        raise ValueError("build_entry needs at least one run directory.")
    family = runs[0][1]["family"]
    if any(m["family"] != family for _, m in runs):
        raise ValueError("All runs of an entry must come from the same family.")
    select = "validation_neg_elbo" if family == "m1" else "validation_error_rate"
    published_dir, published = min(runs, key=lambda r: r[1][select])
    run_config = read_json(published_dir / "run_config.json")
    model_dir = published_dir / "model"
    meta = read_json(model_dir / checkpoint.METADATA_FILE)

    target = pathlib.Path(mirror_root) / name
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for fname in (checkpoint.CONFIG_FILE, checkpoint.METADATA_FILE, INDICES_FILE):
        if (model_dir / fname).exists():
            shutil.copyfile(model_dir / fname, tmp / fname)
    if base_entry:
        split_base_weights(model_dir / checkpoint.WEIGHTS_FILE, tmp / checkpoint.WEIGHTS_FILE)
    else:
        shutil.copyfile(model_dir / checkpoint.WEIGHTS_FILE, tmp / checkpoint.WEIGHTS_FILE)

    num_labels = published.get("num_labeled") or None
    metrics = {}
    if family == "m1":
        values = [m["test_neg_elbo"] for _, m in runs]
        metrics["test_neg_elbo"] = metric_record(values, published["test_neg_elbo"],
                                           unit="nats per image (single-sample ELBO)")
    else:
        values = [m["test_error_rate"] for _, m in runs]
        paper = kingma_paper.TABLE1_TEST_ERROR.get((family, num_labels))
        metrics["test_error_rate"] = metric_record(values, published["test_error_rate"], paper)
        metrics["validation_error_rate"] = {"split": "validation",
                                            "checkpoint": published["validation_error_rate"]}
    metrics.update(extra_metrics or {})
    headline = "test_error_rate" if "test_error_rate" in metrics else next(
        k for k in metrics if k.startswith("test_"))
    if family == "m1" and "test_latent_classifier_error_rate" in metrics:
        headline = "test_latent_classifier_error_rate"

    if family != "m1":
        metrics["test_errors_first_1000"] = _slice_errors(model_dir, published["dataset"],
                                                          data_dir)
    record = {
        "name": name,
        "family": family,
        "title": f"{FAMILY_TITLES[family]} on {published['dataset'].upper()}"
                 + (f" with {num_labels} labels" if num_labels else ""),
        "description": description,
        "paper": kingma_paper.PAPER,
        "dataset": published["dataset"],
        "image_shape": [28, 28, 1],
        "num_labels": num_labels,
        "task": "classification and generation" if family != "m1" else "generation and features",
        "metrics": metrics,
        "headline_metric": headline,
        "training": {
            "command": command,
            "config": run_config,
            "seeds": [m["seed"] for _, m in runs],
            "published_seed": published["seed"],
            "selected_by": f"lowest {select}",
            "epochs": published["epochs"],
            "train_seconds_published_run": published["train_seconds"],
            "wall_seconds_published_run": published["wall_seconds"],
            "device": published["device"],
            "date": published["finished"],
        },
        "parameter_count": meta["parameter_count"],
        "versions": {k: meta[k] for k in ("keras_version", "ssgm_zoo_version", "backend",
                                          "python") if k in meta},
        "base_entry": base_entry,
        "hub": hub,
    }
    (tmp / "README.md").write_text(model_card(record))
    record["files"] = file_table(tmp)
    if target.exists():
        shutil.rmtree(target)
    os.replace(tmp, target)
    write_record(record, entries_dir)
    return record


def _slice_errors(model_dir, dataset, data_dir, count=1000):
    """Errors of the checkpoint on the first ``count`` test images: a cheap exact
    check that a loaded entry predicts as the trained model did."""
    from ssgm_zoo import data

    model = checkpoint.load_model_dir(model_dir)
    x, y = data.load_splits(dataset, data_dir=data_dir)["test"]
    errors = int((model.classify(x[:count]) != y[:count]).sum())
    return {"split": "test[:1000]", "checkpoint": errors, "count": count}


def latent_classifier_metric(run_dirs, num_labels, label_seeds, data_dir=None):
    """M1 + logistic regression over several label splits, for an M1 entry's record.

    The M1 is the run with the lowest validation negative ELBO (as ``build_entry``
    publishes); the checkpoint value is the first label seed's.
    """
    from ssgm_zoo import data, evaluation

    published = min(run_dirs, key=lambda d: read_json(
        pathlib.Path(d) / "metrics.json")["validation_neg_elbo"])
    m1 = checkpoint.load_model_dir(pathlib.Path(published) / "model")
    splits = data.load_splits("mnist", data_dir=data_dir)
    values = []
    for seed in label_seeds:
        idx = data.balanced_labeled_indices(splits["train"][1], num_labels, seed=seed)
        values.append(evaluation.latent_classifier_error_rate(m1, splits["train"],
                                                              splits["test"], idx))
    metric = metric_record(values, values[0],
                           kingma_paper.TABLE1_TEST_ERROR.get(("m1", num_labels)),
                           num_labels=num_labels, label_seed=label_seeds[0],
                           label_seeds=list(label_seeds),
                           classifier="L2-regularised logistic regression on the means of "
                                      "q(z|x) (the paper used a transductive SVM)")
    metric["estimator"] = "mean and sample standard deviation (ddof=1) over label splits"
    return metric


def write_record(record, entries_dir):
    registry.validate_record(record)
    path = pathlib.Path(entries_dir) / f"{record['name']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(record, indent=1, sort_keys=False) + "\n")
    os.replace(tmp, path)
    registry._load_records.cache_clear()
    return path


def _pct(v):
    return "-" if v is None else f"{100 * v:.2f}%"


def model_card(record):
    """A Hugging Face model card (YAML front matter, then Markdown)."""
    m = record["metrics"][record["headline_metric"]]
    lines = [
        "---",
        "library_name: keras",
        "license: apache-2.0",
        "tags:",
        "- ssgm-zoo",
        "- semi-supervised-learning",
        "- variational-autoencoder",
        f"- {record['family']}",
        "datasets:",
        f"- {record['dataset']}",
        "model-index:",
        f"- name: {record['name']}",
        "  results:",
        "  - task:",
        "      type: image-classification" if record["family"] != "m1" else
        "      type: feature-extraction",
        "    dataset:",
        f"      name: {record['dataset'].upper()}",
        f"      type: {record['dataset']}",
        "      split: test",
        "    metrics:",
        f"    - type: {record['headline_metric']}",
        f"      value: {m['checkpoint']:.6f}",
        "---",
        "",
        f"# {record['name']}: {record['title']}",
        "",
        record.get("description") or "",
        "",
        f"Paper: {record['paper']['authors']}, \"{record['paper']['title']}\", "
        f"{record['paper']['venue']} ({record['paper']['url']}).",
        "",
        "## Results (test split, 10,000 images)",
        "",
        "| metric | this checkpoint | mean ± std over runs | runs | paper |",
        "| --- | --- | --- | --- | --- |",
    ]
    for key, metric in record["metrics"].items():
        if metric.get("split") != "test":
            continue
        unit_is_rate = "error_rate" in key
        fmt = _pct if unit_is_rate else (lambda v: "-" if v is None else f"{v:.2f}")
        spread = f"{fmt(metric.get('mean'))} ± {fmt(metric.get('std'))}"
        paper = metric.get("paper")
        paper_text = f"{fmt(paper)} ± {fmt(metric.get('paper_std'))} (paper)" if paper else "-"
        lines.append(f"| {key} | {fmt(metric['checkpoint'])} | {spread} | "
                     f"{metric.get('num_runs', 1)} | {paper_text} |")
    t = record["training"]
    lines += [
        "",
        f"Published run: seed {t['published_seed']} ({t['selected_by']}), {t['epochs']} epochs, "
        f"{t['train_seconds_published_run']:.0f} s of training on {t['device']['backend']} "
        f"({t['device'].get('machine')}, {t['device'].get('cpu_count')} CPUs; "
        f"devices {', '.join(t['device'].get('devices') or []) or 'n/a'}), finished {t['date']}.",
        "",
        "## Use",
        "",
        "```python",
        "import ssgm_zoo",
        f"model = ssgm_zoo.load_pretrained(\"{record['name']}\")",
        "model.classify(images)  # images: [N, 28, 28, 1] in [0, 1]" if record["family"] != "m1"
        else "model.sample(16, seed=0)",
        "```",
        "",
        "## Reproduce",
        "",
        "```",
        t["command"],
        "```",
        "",
    ]
    if record.get("base_entry"):
        lines += [f"The frozen M1 is the entry `{record['base_entry']}`; its weights are not "
                  "repeated in this folder's `model.weights.h5`.", ""]
    return "\n".join(lines)



def publish_entries(patterns, *, org, endpoint=None, token=None, dry_run=False, private=False):
    """Uploads the mirror folders of the entries matching ``patterns`` and pins revisions.

    Returns:
        The ``hub.PublishResult`` of each entry; unless ``dry_run``, each entry's
        record gains ``hub: {"repo_id", "revision"}``.
    """
    from ssgm_zoo.zoo import hub

    names = sorted({n for p in patterns for n in registry.list_models(p)})
    if not names:
        raise registry.UnknownEntryError(f"No entries match {list(patterns)}.")
    results = []
    for name in names:
        record = registry.model_info(name)
        folder = next((d / name for d in registry.mirror_dirs() if (d / name).is_dir()), None)
        if folder is None:
            raise FileNotFoundError(f"No mirror folder holds {name}; build it with make_entry.")
        from ssgm_zoo.zoo.loading import verify_files

        verify_files(folder, record)  # never publish files the record does not vouch for
        repo_id = f"{org}/{name}"
        result = hub.publish_entry(folder, repo_id, token=token, endpoint=endpoint,
                                   private=private, dry_run=dry_run)
        if not dry_run:
            record["hub"] = {"repo_id": repo_id, "revision": result.commit_sha}
            write_record(record, registry.ENTRIES_DIR)
        results.append(result)
    return results
