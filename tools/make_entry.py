"""Makes a zoo entry (entry folder, model card, registry record) from training runs.

  python tools/make_entry.py --name=m1m2-mnist-100 --runs=runs/m1m2-mnist-100-s0,... \
      --base_entry=m1-mnist --command="python tools/train.py ..." --data_dir=../shared/data

The record and folder go to the family's ``entries/`` folder (``--entries`` to
write elsewhere). For a model with latent features, ``--latent_classifier_labels=100``
also measures a classifier on its codes over ``--label_seeds``
(``--latent_classifier=label_spreading`` for the transductive one).
``--weights_dtype=float16`` stores the weights at half the size.

``--amend_command`` replaces an existing entry's training command (record and
model card) without ``--runs``: for when a config default changed after the
entry was made. The new command must give every field the run recorded.

``--amend_latent_classifier`` measures an existing entry's latent classifier
again on its shipped (sha256-checked) weights, with ``--latent_classifier``,
``--latent_classifier_labels`` and ``--label_seeds``, and rewrites its record
and model card (``--description`` replaces the card's paragraph):

  python tools/make_entry.py --amend_latent_classifier --name=m1-mnist \
      --latent_classifier=label_spreading --latent_classifier_labels=100 \
      --data_dir=../shared/data --description="..."
"""

import json
import os

from absl import app, flags

from ssgm_zoo.evaluation import LATENT_CLASSIFIERS

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # where zoo_configs/ is

_NAME = flags.DEFINE_string("name", None, "Entry name.")
_RUNS = flags.DEFINE_list("runs", None, "Run directories of tools/train.py.")
_COMMAND = flags.DEFINE_string("command", None, "The training command, {seed} for the seed.")
_BASE = flags.DEFINE_string("base_entry", None,
                            "Entry whose weights the model's shared sub-model takes.")
_DESCRIPTION = flags.DEFINE_string("description", "", "Model card paragraph.")
_DATA_DIR = flags.DEFINE_string("data_dir", os.environ.get("SSGM_ZOO_DATA_DIR"), "Data folder.")
_LABELS = flags.DEFINE_integer("latent_classifier_labels", 0,
                               "Labels for a classifier on the model's latent features.")
_LABEL_SEEDS = flags.DEFINE_list("label_seeds", ["0", "1", "2", "3", "4"],
                                 "Label splits of that classifier.")
_CLASSIFIER = flags.DEFINE_enum("latent_classifier", "logistic", list(LATENT_CLASSIFIERS),
                                "That classifier: logistic regression on the labeled codes, or "
                                "label spreading over every training and test code.")
_DTYPE = flags.DEFINE_enum("weights_dtype", "float32", ["float32", "float16"],
                           "How the entry stores its weights (float16: half the bytes; the "
                           "published metrics are measured again on the rounded weights).")
_ENTRIES = flags.DEFINE_string("entries", None,
                               "Folder for the record and entry files (default: the family's).")
_AMEND = flags.DEFINE_bool("amend_command", False,
                            "Only replace entry --name's command by --command (no --runs).")
_AMEND_CLASSIFIER = flags.DEFINE_bool(
    "amend_latent_classifier", False,
    "Only measure entry --name's latent classifier again (--latent_classifier, "
    "--latent_classifier_labels, --label_seeds) on its shipped weights (no --runs).")
flags.mark_flags_as_required(["name"])


def main(argv):
    del argv
    from ssgm_zoo import families
    from ssgm_zoo.zoo import publishing, registry

    if _AMEND.value and _AMEND_CLASSIFIER.value:
        raise app.UsageError("Give --amend_command or --amend_latent_classifier, not both.")
    if _AMEND.value or _AMEND_CLASSIFIER.value:
        flag = "--amend_command" if _AMEND.value else "--amend_latent_classifier"
        if _RUNS.value:
            raise app.UsageError(f"{flag} changes a record; it takes no --runs.")
        if _AMEND.value and not _COMMAND.value:
            raise app.UsageError("--amend_command needs --command (the new command).")
        if _AMEND_CLASSIFIER.value and not _LABELS.value:
            raise app.UsageError("--amend_latent_classifier needs --latent_classifier_labels.")
        try:
            entries_dir = _ENTRIES.value or families.get(
                registry.model_info(_NAME.value).family).entries_dir
            if _AMEND.value:
                publishing.amend_command(_NAME.value, _COMMAND.value, entries_dir, root=_REPO)
                print(f"Amended the command of entry {_NAME.value}.")
                return
            record = publishing.amend_latent_classifier(
                _NAME.value, entries_dir, data_dir=_DATA_DIR.value, num_labeled=_LABELS.value,
                label_seeds=[int(s) for s in _LABEL_SEEDS.value],
                classifier=_CLASSIFIER.value,
                description=_DESCRIPTION.value or None)
        except (ValueError, OSError, flags.Error, registry.UnknownEntryError) as error:
            raise SystemExit(f"make_entry: {error.args[0] if error.args else error}") from None
        metric = record.metrics["test_latent_classifier_error_rate"]
        spread = "" if metric.std is None else f" ± {metric.std:.4f}"
        print(f"Amended entry {_NAME.value}: test_latent_classifier_error_rate = "
              f"{metric.mean:.4f}{spread} over {metric.num_runs} {metric.repeats} "
              f"({metric.details['latent_classifier']}).")
        return
    if not _COMMAND.value:
        raise app.UsageError("--command is required (the training command, {seed} for the seed).")
    if not _RUNS.value:
        raise app.UsageError("--runs is required (the run directories of tools/train.py).")
    with open(os.path.join(_RUNS.value[0], "run_config.json")) as f:
        family, _ = families.resolve(json.load(f))
    record = publishing.build_entry(
        _NAME.value, _RUNS.value, entries_dir=_ENTRIES.value or family.entries_dir,
        command=_COMMAND.value, base_entry=_BASE.value, description=_DESCRIPTION.value,
        data_dir=_DATA_DIR.value, latent_classifier_labels=_LABELS.value,
        label_seeds=[int(s) for s in _LABEL_SEEDS.value], latent_classifier=_CLASSIFIER.value,
        weights_dtype=_DTYPE.value)
    size = sum(f.size for f in record.files.values())
    print(f"Wrote entry {record.name} ({size / 1e6:.2f} MB): {record.headline_metric} = "
          f"{record.headline.published:.4f}")


if __name__ == "__main__":
    app.run(main)
