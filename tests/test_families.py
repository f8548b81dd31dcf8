"""The family registry, and a family plugged in from outside the package end to end:
config, training, entry, registry, loading, evaluation, table; no shared file names it."""

import importlib
import json

import pytest

from ssgm_zoo import experiment, families
from ssgm_zoo.zoo import commands, load_pretrained, publishing, registry
from tests.backends import REPO
from tests.toy_family import config as toy_config


def test_the_registry_finds_each_family_folder_with_a_family_module():
    found = families.all_families()
    folders = {p.name for p in (REPO / "ssgm_zoo" / "models").iterdir()
               if (p / "family.py").is_file()}
    assert set(found) == folders
    for family in found.values():
        assert family.entries_dir.parent.name == family.name
        for spec in family.models:
            assert families.load_object(spec.build) and family.model(spec.name) is spec


def test_unknown_family_and_model_names_are_clear_errors():
    with pytest.raises(families.UnknownFamilyError, match="No model family 'nope'; the zoo has"):
        families.get("nope")
    family = next(iter(families.all_families().values()))
    with pytest.raises(ValueError, match=f"Family {family.name!r} has no model 'nope'; it has"):
        family.model("nope")
    with pytest.raises(ValueError, match="names no model_name"):
        families.resolve({"family": family.name})


def test_a_second_family_with_a_taken_name_is_refused():
    family = next(iter(families.all_families().values()))
    with pytest.raises(ValueError, match="Two families are called"):
        families.register(families.Family(name=family.name, title="x", paper=family.paper,
                                          package="elsewhere", models=family.models))


@pytest.fixture
def toy(monkeypatch, tmp_path):
    """The toy family of tests/toy_family, registered for one test."""
    family = importlib.import_module("tests.toy_family.family").FAMILY
    monkeypatch.setitem(families._REGISTRY, family.name, family)
    monkeypatch.setenv("SSGM_ZOO_ENTRIES", str(tmp_path / "entries"))
    yield family
    registry.clear_cache()


def test_a_family_from_outside_the_package_trains_publishes_and_loads(toy, tmp_path, data_dir):
    config = toy_config.get_config()
    config.train.steps_per_epoch, config.train.epochs = 20, 2
    runs = [tmp_path / "s0", tmp_path / "s1"]
    for seed, run in enumerate(runs):
        config.seed = seed
        metrics = experiment.run(config, str(run), data_dir=str(data_dir), verbose=0)
        assert metrics["family"] == "toy" and metrics["model_name"] == "softmax"
        assert metrics["test_error_rate"] < 0.5
    record = publishing.build_entry("softmax-mnist-100", runs, entries_dir=tmp_path / "entries",
                                    command="train toy {seed}", data_dir=str(data_dir))
    assert registry.list_models("softmax-*") == ["softmax-mnist-100"]
    assert record.title == "Softmax regression on MNIST with 100 labels"
    assert record.metrics["test_error_rate"].num_runs == 2
    card = (tmp_path / "entries" / "softmax-mnist-100" / "README.md").read_text()
    assert "- toy" in card and "(paper)" in card and "Tests 2026" in card
    model = load_pretrained("softmax-mnist-100")
    assert model.can_classify and model.count_params() == record.parameter_count
    result = commands.evaluate_entry("softmax-mnist-100", data_dir=str(data_dir))
    assert result["metrics"]["test_error_rate"]["measured"] == pytest.approx(
        record.metrics["test_error_rate"].published, abs=1e-12)
    assert registry.results_table("toy").startswith("| softmax-mnist-100 |")
    assert json.loads((runs[0] / "run_config.json").read_text())["family"] == "toy"
    # The published run has the lowest validation metric; of tied runs, the lowest seed,
    # whatever order the runs are listed in.
    select_by = toy.model("softmax").select_by
    metrics = [json.loads((r / "metrics.json").read_text()) for r in runs]
    assert record.training.published_seed == min(metrics, key=lambda m: m[select_by])["seed"]
    metrics[1][select_by] = metrics[0][select_by]
    (runs[1] / "metrics.json").write_text(json.dumps(metrics[1]))
    for order in (runs, runs[::-1]):
        record = publishing.build_entry("softmax-mnist-100", order,
                                        entries_dir=tmp_path / "entries",
                                        command="train toy {seed}", data_dir=str(data_dir))
        assert record.training.published_seed == min(m["seed"] for m in metrics)


def test_every_protocol_entry_option_is_an_argument_of_build_entry():
    import inspect

    from ssgm_zoo import checkpoint

    accepted = set(inspect.signature(publishing.build_entry).parameters)
    for family in families.all_families().values():
        if family.protocol is None:
            continue
        for run in family.protocol():
            options = dict(run.entry or {})
            assert set(options) <= accepted, (family.name, run.name, set(options) - accepted)
            assert options.get("weights_dtype", "float32") in checkpoint.WEIGHTS_DTYPES


def test_a_config_the_trainer_refuses_leaves_the_run_directory_as_it_was(toy, tmp_path,
                                                                         data_dir):
    config = toy_config.get_config()
    config.train.optimizer = {"name": "sgd", "learning_rate": 0.1, "linear_decay": [2, 5]}
    with pytest.raises(ValueError, match="training runs 10 steps"):
        experiment.run(config, str(tmp_path / "run"), data_dir=str(data_dir), verbose=0)
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [".lock"]
    # The override the message names trains.
    config.train.optimizer.linear_decay = (7, 10)
    assert experiment.run(config, str(tmp_path / "run"), data_dir=str(data_dir),
                          verbose=0)["epochs"] == 1


def test_a_finished_run_run_again_trains_and_exports_nothing(toy, tmp_path, data_dir):
    # A protocol that finds finished runs (copied in, or a manifest lost) must not
    # re-export them: the entry would report the seconds-long second session.
    config = toy_config.get_config()
    run = tmp_path / "run"
    first = experiment.run(config, str(run), data_dir=str(data_dir), verbose=0)
    def files():  # the logs are rewritten alike on resume; the export must not be
        return {p.relative_to(run): (p.read_bytes(), p.stat().st_mtime_ns
                                     if p.name == "metrics.json" or "model" in p.parts else 0)
                for p in run.rglob("*") if p.is_file() and p.name != ".lock"}

    before = files()
    again = experiment.run(config, str(run), data_dir=str(data_dir), verbose=0)
    assert again == json.loads(json.dumps(first, default=str))
    assert files() == before
    # One epoch more is a new session: it trains, and exports anew.
    config.train.epochs += 1
    longer = experiment.run(config, str(run), data_dir=str(data_dir), verbose=0)
    assert longer["epochs"] == first["epochs"] + 1
    assert (run / experiment.SESSIONS_FILE).read_text().count("\n") == 2
