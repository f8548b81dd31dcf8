"""The family registry: every model family of the zoo is a plug-in found here.

A family is one folder, ``ssgm_zoo/models/<family>/``, holding its models,
its paper's facts, how to build a model and its training streams from a
config, its model-card metadata, its entry records (``entries/``) and its
results table. Its ``family.py`` describes it with a ``Family`` and registers
it (as keras-hub's presets or timm's ``@register_model`` do); the experiment
runner, the zoo registry, publishing, the command line and ``tools/`` reach a
family only through ``get``, ``for_config`` and ``all_families``, and never
name one. A family published in another package registers through the entry
point group ``ssgm_zoo.families`` (``name = "pkg.module:FAMILY"``).

Reading the registry imports each family's ``family.py`` only: no backend,
no model code. Models are imported when one is built or loaded.

Example:
>>> from ssgm_zoo import families
>>> for name, family in families.all_families().items():
...     assert families.get(name) is family and family.model(family.models[0].name)
"""

import dataclasses
import importlib
import importlib.metadata
import importlib.util
import pathlib
import pkgutil
import re
from typing import Callable, Mapping, Optional

__all__ = ["Paper", "PaperResult", "ModelSpec", "ProtocolRun", "Family", "register", "get",
           "all_families", "resolve", "family_of_module", "load_object", "UnknownFamilyError"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_REGISTRY = {}
_DISCOVERED = False


class UnknownFamilyError(KeyError):
    """No registered family has that name; the message lists the registered ones."""

    def __str__(self):
        return str(self.args[0])


@dataclasses.dataclass(frozen=True)
class Paper:
    """The publication a family reproduces."""

    title: str
    authors: str
    venue: str
    url: str
    code: Optional[str] = None

    def citation(self):
        return f'{self.authors}, "{self.title}", {self.venue} ({self.url})'


@dataclasses.dataclass(frozen=True)
class PaperResult:
    """A number the paper reports, always labeled as the paper's.

    Attributes:
        mean: the reported value, in the unit of our metric (error rates as
            fractions).
        std: the reported spread, or None.
        source: where in the paper (e.g. ``"NIPS 2014, table 1"``).
        note: what differs from our metric, if anything (e.g. "M1+TSVM").
    """

    mean: float
    std: Optional[float]
    source: str
    note: str = ""


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """One model of a family, as configs, entries and model cards see it.

    Attributes:
        name: the config's ``model_name`` (e.g. ``"m1m2"``).
        title: a short human title (``"M1+M2 (stacked)"``).
        model_class: ``"module:Class"`` of the Keras model.
        build: ``"module:function"``; the function takes ``(config, data)``
            (a resolved config dict and an ``ssgm_zoo.experiment.RunData``)
            and returns ``(model, train_data)``.
        task: the Hugging Face task of the model card
            (``image-classification``, ``feature-extraction``,
            ``unconditional-image-generation``, ...).
        tags: extra model-card tags.
        metrics: the test metrics every run reports and entries record
            (keys of a run's ``metrics.json``).
        select_by: the validation metric whose lowest value picks the
            published run among seeds.
        headline_metric: the metric the zoo lists first (one of ``metrics``
            or an extra metric such as ``test_latent_classifier_error_rate``).
        usage: one line of Python for the model card (``model`` is loaded).
        units: ``{metric: unit}`` for metrics whose unit the shared table
            (``ssgm_zoo.evaluation.METRIC_UNITS``) does not know.
        paper: the model's own ``Paper``, for a family whose models come from
            several papers (model cards cite it); None: the family's.
    """

    name: str
    title: str
    model_class: str
    build: str
    task: str
    tags: tuple = ()
    metrics: tuple = ("test_error_rate",)
    select_by: str = "validation_error_rate"
    headline_metric: str = "test_error_rate"
    usage: str = "model.classify(images)  # images: [N, 28, 28, 1] in [0, 1]"
    units: Mapping = dataclasses.field(default_factory=dict)
    paper: Optional[Paper] = None


@dataclasses.dataclass(frozen=True)
class ProtocolRun:
    """One configuration of a family's results table, trained with several seeds.

    Attributes:
        name: the run group and, usually, the zoo entry it makes
            (``m1m2-mnist-100``); its seeds train in ``<workdir>/<name>-s<seed>``.
        config: the config file and argument, relative to the repository
            (``zoo_configs/<family>/<config>.py:<arg>``).
        seeds: the seeds.
        overrides: config fields to set (``{"m1_checkpoint": "{workdir}/m1-mnist-s0/model"}``);
            ``{workdir}`` is the protocol's work directory.
        needs: names of runs that must finish first.
        entry: ``publishing.build_entry`` options for the entry (``base_entry``,
            ``latent_classifier_labels``, ``latent_classifier``, ``description``),
            or None for no entry.
    """

    name: str
    config: str
    seeds: tuple
    overrides: Mapping = dataclasses.field(default_factory=dict)
    needs: tuple = ()
    entry: Optional[Mapping] = dataclasses.field(default_factory=dict)


def _no_upgrade(config):
    return config


@dataclasses.dataclass(frozen=True)
class Family:
    """A model family: a paper, its models, and the hooks shared code calls.

    Attributes:
        name: the folder name under ``ssgm_zoo/models/`` and every config's
            ``family``.
        title: a human title for tables and docs.
        paper: the publication.
        package: the package whose import registers the family's Keras classes.
        models: its ``ModelSpec``s.
        legacy_names: values of ``config.family`` written by older versions
            of the package that mean this family, mapped to model names.
        upgrade_config: turns a resolved config written by an older version
            into today's form (for resuming old run directories).
        paper_result: ``(model_name, num_labeled, metric) -> PaperResult or None``.
        results_table: ``(records) -> Markdown`` of the family's results table.
        evaluate: ``(model, record, splits) -> {metric: value}`` for recorded
            metrics the shared evaluation does not know; None if there are none.
        protocol: ``(seeds, labels) -> [ProtocolRun]``, every run the family's
            results table needs, in order (``tools/reproduce.py``); ``seeds``
            and ``labels`` narrow it when given.
    """

    name: str
    title: str
    paper: Paper
    package: str
    models: tuple
    legacy_names: Mapping[str, str] = dataclasses.field(default_factory=dict)
    upgrade_config: Callable = _no_upgrade
    paper_result: Optional[Callable] = None
    results_table: Optional[Callable] = None
    evaluate: Optional[Callable] = None
    protocol: Optional[Callable] = None

    def __post_init__(self):
        if not _NAME.match(self.name):
            raise ValueError(f"Family name {self.name!r} must be a lowercase identifier.")
        names = [m.name for m in self.models]
        if len(set(names)) != len(names) or not names:
            raise ValueError(f"Family {self.name!r} must list distinct models, got {names}.")

    def model(self, name):
        """The ``ModelSpec`` called ``name``; ValueError naming the known ones otherwise."""
        for spec in self.models:
            if spec.name == name:
                return spec
        raise ValueError(f"Family {self.name!r} has no model {name!r}; it has "
                         f"{', '.join(m.name for m in self.models)}.")

    @property
    def entries_dir(self):
        """The folder of the family's shipped entry records and files."""
        module = importlib.import_module(self.package)
        return pathlib.Path(module.__file__).parent / "entries"

    def import_models(self):
        """Imports the family's model classes, registering them for deserialization."""
        return [load_object(spec.model_class) for spec in self.models]

    def paper_value(self, model_name, num_labeled, metric):
        """The paper's result for a metric of one of our entries, or None."""
        if self.paper_result is None:
            return None
        return self.paper_result(model_name, num_labeled, metric)


def register(family):
    """Adds ``family`` to the registry (a family's ``family.py`` calls it); returns it."""
    existing = _REGISTRY.get(family.name)
    if existing is not None and existing is not family:
        raise ValueError(f"Two families are called {family.name!r} ({existing.package} and "
                         f"{family.package}).")
    _REGISTRY[family.name] = family
    return family


def _discover():
    global _DISCOVERED
    if _DISCOVERED:
        return
    _DISCOVERED = True
    import ssgm_zoo.models as models

    for info in pkgutil.iter_modules(models.__path__):
        module = f"ssgm_zoo.models.{info.name}.family"
        if info.ispkg and importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
    for entry_point in importlib.metadata.entry_points(group="ssgm_zoo.families"):
        register(entry_point.load())


def all_families():
    """Every registered family, by name."""
    _discover()
    return dict(sorted(_REGISTRY.items()))


def get(name):
    """The family called ``name`` (or known by a legacy name).

    Raises:
        UnknownFamilyError: naming the registered families.
    """
    families = all_families()
    if name in families:
        return families[name]
    for family in families.values():
        if name in family.legacy_names:
            return family
    raise UnknownFamilyError(f"No model family {name!r}; the zoo has "
                             f"{', '.join(families) or 'none'}.")


def resolve(config):
    """``(family, model spec)`` of a resolved config dict (``family`` and ``model_name``)."""
    family = get(config["family"])
    config = family.upgrade_config(config)
    if "model_name" not in config:
        raise ValueError(f"The config of family {family.name!r} names no model_name; expected "
                         f"one of {', '.join(m.name for m in family.models)}.")
    return family, family.model(config["model_name"])


def family_of_module(module):
    """The registered family whose package holds the Python module ``module``, or None."""
    for family in all_families().values():
        if module == family.package or module.startswith(family.package + "."):
            return family
    return None


def load_object(reference):
    """The object named by ``"package.module:attribute"``."""
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)
