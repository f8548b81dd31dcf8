"""Typed zoo records: what an entry is and the evidence for it.

A record is plain data kept as JSON beside its family (``ssgm_zoo/models/
<family>/entries/<name>.json``), read into the frozen dataclasses below (as
timm's ``PretrainedCfg`` or torchvision's ``Weights``). It names its family
and model, the data, every metric on a named split with its unit and spread
over runs, the command and config that trained it, the hardware and times,
and the sha256 of every file, which loading checks before anything is
deserialized. The paper's numbers are not copied in: the family supplies
them (``ssgm_zoo.families.Family.paper_value``).

Example:
>>> metric = Metric(split="test", published=0.0413, unit="fraction of images misclassified",
...                 mean=0.0483, std=0.0071, num_runs=5)
>>> Metric.from_dict(metric.to_dict()) == metric
True
"""

import dataclasses
import re
from typing import Mapping, Optional

__all__ = ["SCHEMA_VERSION", "RegistryError", "FileInfo", "HubRef", "Metric", "Training",
           "EntryRecord", "NAME_PATTERN", "validate_name", "REQUIRED_FILES"]

SCHEMA_VERSION = 2
# <model>-<dataset>[-<labels>]: lowercase words joined by single dashes.
NAME_PATTERN = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
REQUIRED_FILES = ("config.json", "metadata.json", "model.weights.h5", "README.md")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
#: How an entry's ``model.weights.h5`` may store its weights (``checkpoint`` writes them).
WEIGHTS_DTYPES = ("float32", "float16")


class RegistryError(ValueError):
    """A record or name is malformed; the message names the record and the problem."""


def validate_name(name):
    """Checks an entry name's form (no paths, no wildcards); returns it."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name) or len(name) > 100:
        raise RegistryError(
            f"Invalid entry name {name!r}: names look like 'm1m2-mnist-100' "
            "(lowercase letters, digits and single dashes; no paths)."
        )
    return name


def _build(cls, data, where):
    """``cls(**data)`` with errors that name the record and the fields."""
    if not isinstance(data, dict):
        raise RegistryError(f"{where}: expected an object, got {type(data).__name__}.")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    required = [n for n, f in fields.items() if f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING]
    missing = [n for n in required if n not in data]
    if unknown or missing:
        parts = ([f"lacks {missing}"] if missing else []) + (
            [f"has unknown fields {unknown}"] if unknown else [])
        raise RegistryError(f"{where} {' and '.join(parts)}.")
    return cls(**data)


@dataclasses.dataclass(frozen=True)
class FileInfo:
    """A file of an entry: its sha256 and size in bytes."""

    sha256: str
    size: int

    def __post_init__(self):
        if not _SHA256.match(str(self.sha256)) or not isinstance(self.size, int) or self.size < 0:
            raise RegistryError(f"bad file info {self.sha256!r}, {self.size!r}: expected a "
                                "64-hex sha256 and a size in bytes.")


@dataclasses.dataclass(frozen=True)
class HubRef:
    """Where an entry lives on the Hugging Face Hub, pinned to a commit."""

    repo_id: str
    revision: str

    def __post_init__(self):
        if not _COMMIT.match(str(self.revision)):
            raise RegistryError(f"hub.revision {self.revision!r} must be a 40-hex commit sha.")


@dataclasses.dataclass(frozen=True)
class Metric:
    """One measured metric.

    Attributes:
        split: what it was measured on (``test``, ``validation``, ``test[:1000]``).
        published: the value of the published checkpoint.
        unit: what the number counts (``fraction of images misclassified``,
            ``nats per image``, ``images misclassified``).
        mean, std, num_runs, per_run: over the runs the entry was chosen
            from (``std`` is the sample standard deviation; None for one run).
        estimator: how ``mean`` and ``std`` were computed.
        details: what else defines the metric (e.g. ``num_labeled`` and
            ``label_seeds`` of a latent classifier).
    """

    split: str
    published: float
    unit: str
    mean: Optional[float] = None
    std: Optional[float] = None
    num_runs: int = 1
    per_run: tuple = ()
    estimator: Optional[str] = None
    details: Mapping = dataclasses.field(default_factory=dict)

    @property
    def repeats(self):
        """What ``num_runs`` counts, in the number it takes: ``"label splits"`` (or
        ``"label split"``) for a classifier measured over label splits of one
        model, else ``"runs"`` (``"run"``)."""
        word = "label split" if "label_seeds" in self.details else "run"
        return word if self.num_runs == 1 else word + "s"

    @classmethod
    def from_dict(cls, data, where="metric"):
        metric = _build(cls, data, where)
        return dataclasses.replace(metric, per_run=tuple(metric.per_run),
                                   details=dict(metric.details))

    def to_dict(self):
        out = dataclasses.asdict(self)
        out["per_run"] = list(self.per_run)
        return out


@dataclasses.dataclass(frozen=True)
class Training:
    """How the published checkpoint was trained.

    Attributes:
        command: the command that trains one run (``{seed}`` for the seed).
        config: the resolved config of the published run.
        seeds: the seeds of every run the entry was chosen from.
        published_seed: the seed of the published run.
        selected_by: the rule that chose it (``lowest validation_error_rate``).
        epochs: epochs of the published run.
        train_seconds: the published run's summed epoch times over all the
            sessions that trained it (compilation included, evaluation not).
        final_session_wall_seconds: wall-clock time of the last
            ``tools/train.py`` session of that run (a resumed session covers
            only the epochs it added).
        device: backend, devices, machine and CPU count of that session.
        finished: when the published run finished (UTC, ISO 8601).
    """

    command: str
    config: Mapping
    seeds: tuple
    published_seed: int
    selected_by: str
    epochs: int
    train_seconds: float
    final_session_wall_seconds: float
    device: Mapping
    finished: str

    @classmethod
    def from_dict(cls, data, where="training"):
        training = _build(cls, data, where)
        return dataclasses.replace(training, seeds=tuple(training.seeds))

    def to_dict(self):
        out = dataclasses.asdict(self)
        out["seeds"] = list(self.seeds)
        return out


@dataclasses.dataclass(frozen=True)
class EntryRecord:
    """A zoo entry's record (see the module docstring).

    Attributes:
        name: the entry name (``m1m2-mnist-100``).
        family: the family (a folder of ``ssgm_zoo/models/``).
        model_name: the family's model.
        title: a human title.
        description: a paragraph for the model card.
        dataset: the dataset name (``mnist``).
        image_shape: ``[H, W, C]`` of the images the model takes.
        num_labeled: labeled training examples, or None (unsupervised).
        task: the Hugging Face task of the model card.
        headline_metric: the metric listed first.
        metrics: ``{name: Metric}``.
        training: a ``Training``.
        parameter_count: the model's parameters.
        versions: package versions that saved it.
        files: ``{file name: FileInfo}`` of the entry folder.
        base_entry: the entry whose weights this one shares (not stored twice).
        base_weights_group: the group of ``model.weights.h5`` those weights fill.
        hub: the pinned Hub copy, or None.
        weights_dtype: how ``model.weights.h5`` stores the floating-point
            weights (``"float32"``, or ``"float16"`` rounded from float32).
        schema_version: the record format.
    """

    name: str
    family: str
    model_name: str
    title: str
    description: str
    dataset: str
    image_shape: tuple
    num_labeled: Optional[int]
    task: str
    headline_metric: str
    metrics: Mapping
    training: Training
    parameter_count: int
    versions: Mapping
    files: Mapping
    base_entry: Optional[str] = None
    base_weights_group: Optional[str] = None
    hub: Optional[HubRef] = None
    weights_dtype: str = "float32"
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self):
        validate_name(self.name)

    def validate(self):
        """Raises ``RegistryError`` naming the first problem; returns the record."""
        where = f"Record {self.name!r}"
        if self.schema_version != SCHEMA_VERSION:
            raise RegistryError(f"{where} has schema version {self.schema_version}; this "
                                f"ssgm-zoo reads version {SCHEMA_VERSION}.")
        for required in REQUIRED_FILES:
            if required not in self.files:
                raise RegistryError(f"{where} lists no {required}.")
        for filename in self.files:
            if "/" in filename or "\\" in filename or filename.startswith("."):
                raise RegistryError(f"{where}: bad file name {filename!r}.")
        if self.headline_metric not in self.metrics:
            raise RegistryError(f"{where}: headline metric {self.headline_metric!r} is not "
                                f"among its metrics {sorted(self.metrics)}.")
        if self.weights_dtype not in WEIGHTS_DTYPES:
            raise RegistryError(f"{where}: weights_dtype must be one of {WEIGHTS_DTYPES}, got "
                                f"{self.weights_dtype!r}.")
        if self.base_entry is not None:
            validate_name(self.base_entry)
            if not self.base_weights_group:
                raise RegistryError(f"{where} shares {self.base_entry}'s weights but names no "
                                    "base_weights_group.")
        return self

    @property
    def headline(self):
        """The headline ``Metric``."""
        return self.metrics[self.headline_metric]

    @classmethod
    def from_dict(cls, data, name=None):
        """A record from its JSON form; ``RegistryError`` naming the first problem."""
        where = f"Record {name or (data or {}).get('name')!r}"
        if isinstance(data, dict) and data.get("schema_version", 1) != SCHEMA_VERSION:
            raise RegistryError(
                f"{where} has schema version {data.get('schema_version', 1)}; this ssgm-zoo "
                f"reads version {SCHEMA_VERSION}. Rebuild it with tools/make_entry.py.")
        record = _build(cls, data, where)
        try:
            metrics = {k: Metric.from_dict(v, f"{where}, metric {k!r},")
                       for k, v in record.metrics.items()}
            files = {k: FileInfo(**v) for k, v in record.files.items()}
            training = Training.from_dict(record.training, f"{where}, training,")
            hub = None if record.hub is None else HubRef(**record.hub)
        except TypeError as error:
            raise RegistryError(f"{where}: {error}") from None
        except RegistryError as error:
            raise RegistryError(f"{where}: {error}") from None
        record = dataclasses.replace(record, metrics=metrics, files=files, training=training,
                                     hub=hub, image_shape=tuple(record.image_shape))
        if name is not None and record.name != name:
            raise RegistryError(f"Record file {name}.json names entry {record.name!r}.")
        return record.validate()

    def to_dict(self):
        """The JSON form (what ``from_dict`` reads)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["image_shape"] = list(self.image_shape)
        out["metrics"] = {k: m.to_dict() for k, m in self.metrics.items()}
        out["training"] = self.training.to_dict()
        out["files"] = {k: dataclasses.asdict(f) for k, f in self.files.items()}
        out["hub"] = None if self.hub is None else dataclasses.asdict(self.hub)
        if self.weights_dtype == "float32":  # the default, left out as before it existed
            del out["weights_dtype"]
        return out

    def replace(self, **changes):
        """A copy with ``changes`` (records are immutable)."""
        return dataclasses.replace(self, **changes)
