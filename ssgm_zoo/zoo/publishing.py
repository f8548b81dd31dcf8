"""Turning training runs into zoo entries: entry folder, model card and record.

``tools/make_entry.py`` is the command line over ``build_entry``. The
published checkpoint is the run with the best *validation* metric of its
model (``ModelSpec.select_by``; never chosen on test); the record keeps every
run's test metrics and their mean and sample standard deviation. Everything
family-specific (titles, tags, task, metrics, the paper and its numbers) comes
from the family registry.
"""

import dataclasses
import hashlib
import pathlib
import shutil

from ssgm_zoo import checkpoint, experiment, families, files
from ssgm_zoo.evaluation import METRIC_UNITS, metric_over_runs
from ssgm_zoo.zoo import registry
from ssgm_zoo.zoo.records import EntryRecord, FileInfo, HubRef, Metric, Training

__all__ = ["build_entry", "write_record", "file_table", "model_card", "publish_entries",
           "command_differences", "amend_command", "amend_latent_classifier"]

INDICES_FILE = "labeled_indices.json"


def file_table(directory):
    """``{file name: FileInfo-like dict}`` for every regular file of ``directory``."""
    directory = pathlib.Path(directory)
    return {p.name: {"sha256": files.sha256_file(p), "size": p.stat().st_size}
            for p in sorted(directory.iterdir()) if p.is_file()}


def _unit(spec, metric):
    key = metric.split("_", 1)[1] if "_" in metric else metric
    return dict(spec.units).get(metric) or METRIC_UNITS.get(key, "see the family's docs")


def build_entry(name, run_dirs, *, entries_dir, command, base_entry=None, extra_metrics=None,
                hub=None, description="", data_dir=None, latent_classifier_labels=0,
                label_seeds=(0, 1, 2, 3, 4), latent_classifier="logistic",
                weights_dtype="float32"):
    """Builds entry ``name`` from finished training runs.

    Args:
        name: the entry name (``m1m2-mnist-100``).
        run_dirs: run directories of ``tools/train.py`` (one per seed). The
            published run is the one with the lowest validation metric (the
            family's ``select_by``); of tied runs, the lowest seed, so the
            choice does not depend on the order the runs are listed in.
        entries_dir: where the record ``name.json`` and the entry folder ``name/``
            are written (a family's ``entries/`` folder to ship it).
        command: the training command, as a user would type it (``{seed}`` for the seed).
        base_entry: an entry whose weights the model shares (the model's
            ``shared_submodel``), which are then not stored twice.
        extra_metrics: more ``Metric``s by name (e.g. a latent classifier's).
        hub: ``{"repo_id", "revision"}`` once published.
        description: one paragraph for the model card.
        data_dir: dataset folder, for the per-slice check loading tests repeat.
        latent_classifier_labels: for a model with latent features, also
            measure a classifier on its codes fit on this many labels
            (``test_latent_classifier_error_rate``, over ``label_seeds``).
        label_seeds: the label splits of that classifier.
        latent_classifier: which classifier (a key of
            ``evaluation.LATENT_CLASSIFIERS``: ``"logistic"`` or the
            transductive ``"label_spreading"``).
        weights_dtype: ``"float16"`` ships the weights rounded to float16 (half
            the bytes). The published run's metrics are then measured again on
            the rounded weights, so the record describes the files it vouches
            for; the runs' own values stay in ``per_run``, ``mean`` and ``std``.

    Returns:
        The ``EntryRecord`` (also written to ``entries_dir/name.json``).
    """
    registry.validate_name(name)
    if weights_dtype not in checkpoint.WEIGHTS_DTYPES:
        raise ValueError(f"weights_dtype must be one of {checkpoint.WEIGHTS_DTYPES}, "
                         f"got {weights_dtype!r}.")
    runs = [(pathlib.Path(d), files.read_json(pathlib.Path(d) / experiment.METRICS_FILE))
            for d in run_dirs]
    if not runs:
        raise ValueError("build_entry needs at least one run directory.")
    configs = [families.resolve(files.read_json(d / "run_config.json")) for d, _ in runs]
    if len({(f.name, s.name) for f, s in configs}) != 1:
        raise ValueError("All runs of an entry must train the same model of the same family.")
    family, spec = configs[0]
    missing = [str(d) for d, m in runs if spec.select_by not in m]
    if missing:
        raise ValueError(f"Runs {missing} report no {spec.select_by}, which selects the "
                         "published run.")
    published_dir, published = min(runs, key=lambda r: (r[1][spec.select_by], r[1]["seed"]))
    run_config = family.upgrade_config(files.read_json(published_dir / "run_config.json"))
    model_dir = published_dir / "model"
    meta = files.read_json(model_dir / checkpoint.METADATA_FILE)
    model = checkpoint.load_model_dir(model_dir)
    trained, model = model, model.for_entry()  # a family may ship a lighter model
    checkpoint.round_weights(model, weights_dtype)  # what the stored file will hold

    metrics = {}
    for metric in spec.metrics:
        values = [m[metric] for _, m in runs]
        metrics[metric] = metric_over_runs(values, published[metric], unit=_unit(spec, metric))
    metrics[spec.select_by] = Metric(split="validation", published=published[spec.select_by],
                                     unit=_unit(spec, spec.select_by))
    if weights_dtype != "float32":
        metrics = _remeasured(metrics, model, run_config, data_dir, weights_dtype)
    metrics.update(extra_metrics or {})
    if latent_classifier_labels:
        from ssgm_zoo import data, evaluation

        splits = data.load_splits(run_config["dataset"], data_dir=data_dir)
        metrics["test_latent_classifier_error_rate"] = evaluation.latent_classifier_metric(
            model, splits, latent_classifier_labels, list(label_seeds), latent_classifier)
    if spec.headline_metric not in metrics:
        raise ValueError(f"The headline metric {spec.headline_metric} of {spec.title} is not "
                         f"measured (have {sorted(metrics)}); tools/make_entry.py adds it with "
                         "--latent_classifier_labels for models with latent features.")
    if model.can_classify:
        metrics["test_errors_first_1000"] = _slice_errors(model, run_config["dataset"], data_dir)

    entries_dir = pathlib.Path(entries_dir)
    entries_dir.mkdir(parents=True, exist_ok=True)
    group = None
    if base_entry:
        if not getattr(model, "shared_submodel", None):
            raise ValueError(f"{type(model).__name__} shares no sub-model; base_entry "
                             f"{base_entry!r} does not apply.")
        group = f"layers/{model.shared_submodel}"
    record = EntryRecord(
        name=name, family=family.name, model_name=spec.name,
        title=f"{spec.title} on {run_config['dataset'].upper()}"
              + (f" with {run_config['num_labeled']} labels" if run_config.get("num_labeled")
                 else ""),
        description=description, dataset=run_config["dataset"],
        image_shape=tuple(model.image_shape), num_labeled=run_config.get("num_labeled") or None,
        task=spec.task, headline_metric=spec.headline_metric, metrics=metrics,
        training=Training(
            command=command, config=run_config, seeds=tuple(m["seed"] for _, m in runs),
            published_seed=published["seed"], selected_by=f"lowest {spec.select_by}",
            epochs=published["epochs"], train_seconds=published["train_seconds"],
            # Runs of ssgm-zoo 0.1 called the last session's wall time "wall_seconds".
            final_session_wall_seconds=published.get("final_session_wall_seconds",
                                                     published.get("wall_seconds")),
            device=published["device"], finished=published["finished"]),
        parameter_count=int(model.count_params()),
        versions={k: meta[k] for k in ("keras_version", "ssgm_zoo_version", "backend", "python")
                  if k in meta},
        files={},
        base_entry=base_entry, base_weights_group=group,
        hub=None if hub is None else HubRef(**hub), weights_dtype=weights_dtype)
    with files.atomic_directory(entries_dir / name) as tmp:
        source = model_dir
        if model is not trained or weights_dtype != "float32":
            # Saved afresh, with the trained model's versions and date.
            kept = {k: v for k, v in meta.items() if k != "parameter_count"}
            if model is not trained:
                kept["for_entry"] = True
            source = pathlib.Path(checkpoint.save_model_dir(
                model, tmp / "_for_entry", metadata=kept, weights_dtype=weights_dtype))
        for fname in (checkpoint.CONFIG_FILE, checkpoint.METADATA_FILE):
            shutil.copyfile(source / fname, tmp / fname)
        if (model_dir / INDICES_FILE).exists():
            shutil.copyfile(model_dir / INDICES_FILE, tmp / INDICES_FILE)
        if group:
            checkpoint.split_weights(source / checkpoint.WEIGHTS_FILE,
                                     tmp / checkpoint.WEIGHTS_FILE, group)
        else:
            shutil.copyfile(source / checkpoint.WEIGHTS_FILE, tmp / checkpoint.WEIGHTS_FILE)
        if source != model_dir:
            shutil.rmtree(source)
        (tmp / "README.md").write_text(model_card(record))
        record = record.replace(files={k: FileInfo(**v) for k, v in file_table(tmp).items()})
    write_record(record, entries_dir)
    return record


def _remeasured(metrics, model, run_config, data_dir, weights_dtype):
    """``metrics`` with the published value of every validation and test metric of the
    model's own evaluation (``ZooModel.evaluation_metrics``) measured again on ``model``
    (rounded weights), on the run's own splits."""
    from ssgm_zoo import experiment

    splits, _, _ = experiment.run_splits(run_config, data_dir=data_dir)
    names = [n for n in ("validation", "test")
             if len(splits[n][1]) and any(m.split == n for m in metrics.values())]
    measured = {f"{n}_{k}": v for n in names
                for k, v in model.evaluation_metrics(*splits[n]).items()}
    out = dict(metrics)
    for key, metric in metrics.items():
        if key in measured:
            out[key] = dataclasses.replace(
                metric, published=measured[key],
                details={**metric.details, "weights_dtype": weights_dtype,
                         "published_as_trained": metric.published})
    return out


def _slice_errors(model, dataset, data_dir, count=1000):
    """Errors of the checkpoint on the first ``count`` test images: a cheap exact
    check that a loaded entry predicts as the trained model did."""
    from ssgm_zoo import data

    x, y = data.load_splits(dataset, data_dir=data_dir)["test"]
    errors = int((model.classify(x[:count]) != y[:count]).sum())
    return Metric(split=f"test[:{count}]", published=errors, unit="images misclassified",
                  details={"count": count})


def write_record(record, entries_dir):
    """Writes ``record`` as ``entries_dir/<name>.json`` (atomically); returns the path."""
    record.validate()
    path = pathlib.Path(entries_dir) / f"{record.name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    files.atomic_write_json(path, record.to_dict())
    registry.clear_cache()
    return path


# Fields that name things and change nothing a run computes.
_NAMING_FIELDS = ("entry",)


def _flat(tree, prefix=""):
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = list(value) if isinstance(value, tuple) else value
    return out


def command_differences(record, command=None, root="."):
    """Where the config ``command`` trains with differs from the record's.

    ``command`` (default the record's own, with ``{seed}`` the published seed)
    is parsed as ``tools/train.py`` parses it; the result is compared, field
    by field, with the config the published run recorded (``label_seed`` -1
    meaning the seed; the entry's name not compared). A default changed since
    the run, and not restated in the command, shows here.

    Returns:
        ``{field: (recorded value, value the command gives)}``, empty when the
        command reproduces every recorded field. Fields added to the configs
        after the run are not in the record and cannot be compared.
    """
    from ssgm_zoo.config import config_from_command

    t = record.training
    command = (command or t.command).replace("{seed}", str(t.published_seed))
    ours, recorded = config_from_command(command, root=root).to_dict(), dict(t.config)
    for config in (ours, recorded):
        if config.get("label_seed", -1) < 0:
            config["label_seed"] = config.get("seed")
    ours, recorded = _flat(ours), _flat(recorded)
    return {key: (value, ours.get(key, "<absent>")) for key, value in recorded.items()
            if key not in _NAMING_FIELDS and ours.get(key, "<absent>") != value}


def amend_command(name, command, entries_dir, root="."):
    """Replaces entry ``name``'s training command (record and model card).

    For when a config default changed after the entry was made: the new command
    states what the run used. It is refused unless it gives every field the
    published run recorded (``command_differences``). The weights and every
    other file stay as they are.

    Returns:
        The amended record.
    """
    entries_dir = pathlib.Path(entries_dir)
    record = _read_record(name, entries_dir)
    differences = command_differences(record, command, root=root)
    if differences:
        raise ValueError(f"{name}: the command does not give the config the run recorded: "
                         + "; ".join(f"{k} recorded {a!r}, command gives {b!r}"
                                     for k, (a, b) in sorted(differences.items())))
    record = record.replace(training=dataclasses.replace(record.training, command=command))
    return _rewrite_card_and_record(record, entries_dir)


def _read_record(name, entries_dir):
    path = pathlib.Path(entries_dir) / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"No record {path}.")
    return EntryRecord.from_dict(files.read_json(path), name=name)


def _rewrite_card_and_record(record, entries_dir):
    """Writes ``record``'s model card into its entry folder, then the record with
    the card's new sha256. The record is validated first, so a bad one changes
    neither file."""
    entries_dir = pathlib.Path(entries_dir)
    card_text = model_card(record)
    data = card_text.encode()
    record = record.replace(files={**record.files, "README.md": FileInfo(
        sha256=hashlib.sha256(data).hexdigest(), size=len(data))})
    record.validate()
    with files.atomic_write(entries_dir / record.name / "README.md", "wb") as f:
        f.write(data)
    write_record(record, entries_dir)
    return record


def amend_latent_classifier(name, entries_dir, *, data_dir=None, num_labeled, label_seeds,
                            classifier, description=None):
    """Measures entry ``name``'s latent classifier again, with another classifier or
    label splits, and rewrites its record and model card.

    For a model with latent features whose headline is a classifier on its codes
    (``test_latent_classifier_error_rate``): the weights are what the entry
    ships, checked against the record's sha256 before they are read, so only the
    measurement changes. ``description`` replaces the card's paragraph (say what
    the new classifier is), where the old one named the old classifier.

    Returns:
        The amended record.
    """
    from ssgm_zoo import data, evaluation
    from ssgm_zoo.zoo import loading

    entries_dir = pathlib.Path(entries_dir)
    record = _read_record(name, entries_dir)
    if classifier not in evaluation.LATENT_CLASSIFIERS:
        raise ValueError(f"Unknown latent classifier {classifier!r}; choose one of "
                         f"{sorted(evaluation.LATENT_CLASSIFIERS)}.")
    if int(num_labeled) <= 0 or not label_seeds:
        raise ValueError("A latent classifier needs labels (num_labeled > 0) and at least one "
                         "label seed.")
    model = loading.build_model(loading.verify_files(entries_dir / name, record), record)
    if not getattr(model, "has_features", False):
        raise ValueError(f"{name}: {type(model).__name__} has no latent features; there is no "
                         "latent classifier to measure.")
    splits = data.load_splits(record.dataset, data_dir=data_dir)
    metric = evaluation.latent_classifier_metric(model, splits, num_labeled, list(label_seeds),
                                                 classifier)
    record = record.replace(
        metrics={**record.metrics, "test_latent_classifier_error_rate": metric},
        description=record.description if description is None else description)
    return _rewrite_card_and_record(record, entries_dir)


def _fmt(metric_name, value):
    if value is None:
        return "-"
    if "error_rate" in metric_name:
        return f"{100 * value:.2f}%"
    if 0 < abs(value) < 0.1:  # a per-pixel error, say: three significant digits, not 0.00
        return f"{value:.3g}"
    return f"{value:.2f}"


def model_card(record):
    """A Hugging Face model card (YAML front matter, then Markdown)."""
    family = families.get(record.family)
    spec = family.model(record.model_name)
    headline = record.headline
    paper = spec.paper or family.paper
    tags = ["ssgm-zoo", family.name, *spec.tags, record.model_name]
    lines = [
        "---",
        "library_name: keras",
        "license: apache-2.0",
        "tags:",
        *[f"- {tag}" for tag in dict.fromkeys(tags)],
        "datasets:",
        f"- {record.dataset}",
        "model-index:",
        f"- name: {record.name}",
        "  results:",
        "  - task:",
        f"      type: {record.task}",
        "    dataset:",
        f"      name: {record.dataset.upper()}",
        f"      type: {record.dataset}",
        f"      split: {headline.split}",
        "    metrics:",
        f"    - type: {record.headline_metric}",
        f"      value: {headline.published:.6f}",
        "---",
        "",
        f"# {record.name}: {record.title}",
        "",
        record.description or "",
        "",
        f"Paper: {paper.citation()}.",
        "",
        "## Results (test split, 10,000 images)",
        "",
        "| metric | this checkpoint | mean ± std over runs | runs | paper |",
        "| --- | --- | --- | --- | --- |",
    ]
    for key, metric in record.metrics.items():
        if metric.split != "test":
            continue
        theirs = family.paper_value(record.model_name, record.num_labeled
                                    or metric.details.get("num_labeled"), key)
        paper_text = "-" if theirs is None else (
            f"{_fmt(key, theirs.mean)} ± {_fmt(key, theirs.std)} (paper"
            + (f": {theirs.note}" if theirs.note else "") + ")")
        lines.append(f"| {key} | {_fmt(key, metric.published)} | {_fmt(key, metric.mean)} ± "
                     f"{_fmt(key, metric.std)} | {metric.num_runs} | {paper_text} |")
    t = record.training
    device = t.device
    lines += [
        "",
        f"Published run: seed {t.published_seed} ({t.selected_by}), {t.epochs} epochs, "
        f"{t.train_seconds:.0f} s of training on {device['backend']} "
        f"({device.get('machine')}, {device.get('cpu_count')} CPUs; "
        f"devices {', '.join(device.get('devices') or []) or 'n/a'}), finished {t.finished}.",
        "",
        "## Use",
        "",
        "```python",
        "import ssgm_zoo",
        f"model = ssgm_zoo.load_pretrained(\"{record.name}\")",
        spec.usage,
        "```",
        "",
        "## Reproduce",
        "",
        "```",
        t.command,
        "```",
        "",
    ]
    if record.weights_dtype != "float32":
        lines += [f"The weights are stored in {record.weights_dtype}, rounded from the trained "
                  "float32 weights; the model computes in float32. \"This checkpoint\" is "
                  "measured on the stored weights, the runs' mean as they trained.", ""]
    if record.base_entry:
        lines += [f"The weights under `{record.base_weights_group}` are those of the entry "
                  f"`{record.base_entry}`; they are not repeated in this folder's "
                  "`model.weights.h5`.", ""]
    return "\n".join(lines)


def publish_entries(patterns, *, org, endpoint=None, token=None, dry_run=False, private=False):
    """Uploads the folders of the entries matching ``patterns`` and pins revisions.

    Returns:
        The ``hub.PublishResult`` of each entry; unless ``dry_run``, each entry's
        record gains ``hub: {"repo_id", "revision"}``.
    """
    from ssgm_zoo.zoo import hub
    from ssgm_zoo.zoo.loading import verify_files

    names = sorted({n for p in patterns for n in registry.list_models(p)})
    if not names:
        raise registry.UnknownEntryError(f"No entries match {list(patterns)}.")
    results = []
    for name in names:
        record = registry.model_info(name)
        folder = next((d / name for d in registry.mirror_dirs() if (d / name).is_dir()), None)
        if folder is None:
            raise FileNotFoundError(f"No mirror folder holds {name}; build it with make_entry.")
        verify_files(folder, record)  # never publish files the record does not vouch for
        repo_id = f"{org}/{name}"
        result = hub.publish_entry(folder, repo_id, token=token, endpoint=endpoint,
                                   private=private, dry_run=dry_run)
        if not dry_run:
            path = registry.record_path(name)
            write_record(record.replace(hub=HubRef(repo_id=repo_id, revision=result.commit_sha)),
                         path.parent)
        results.append(result)
    return results
