"""The zoo with entries built here from smoke runs: registry, verified loading,
mirrors, the Hub route (loopback server) and the `ssgm-zoo` command."""

import json
import os
import shutil

import numpy as np
import pytest
from PIL import Image

from ssgm_zoo import checkpoint, cli, data, experiment
from ssgm_zoo.config import load_config_file
from ssgm_zoo.zoo import hub, publishing, registry
from ssgm_zoo.zoo.loading import EntryNotFoundError, IntegrityError, load_pretrained
from ssgm_zoo.zoo.records import HubRef
from tests.backends import REPO
from tests.hub_server import FakeHubServer

TOKEN = "hf_test_token"


@pytest.fixture(scope="module")
def zoo(tmp_path_factory, data_dir):
    """Entries m1-test, m2-test-100 and m1m2-test-100 (sharing m1-test's M1)."""
    root = tmp_path_factory.mktemp("zoo")
    runs = root / "runs"
    configs = REPO / "zoo_configs" / "kingma"
    m1 = load_config_file(configs / "m1_mnist.py:smoke")
    experiment.run(m1, str(runs / "m1"), data_dir=str(data_dir), verbose=0)
    m2 = load_config_file(configs / "m2_mnist.py:100,smoke")
    m2.train.epochs = 2
    experiment.run(m2, str(runs / "m2"), data_dir=str(data_dir), verbose=0)
    m1m2 = load_config_file(configs / "m1m2_mnist.py:100,smoke")
    m1m2.m1_checkpoint = str(runs / "m1" / "model")
    m1m2.train.epochs = 1
    experiment.run(m1m2, str(runs / "m1m2"), data_dir=str(data_dir), verbose=0)
    entries = root / "entries"
    common = dict(entries_dir=entries, data_dir=str(data_dir))
    publishing.build_entry("m1-test", [runs / "m1"], command="train m1",
                           latent_classifier_labels=100, label_seeds=(0,), **common)
    publishing.build_entry("m2-test-100", [runs / "m2"], command="train m2", **common)
    publishing.build_entry("m1m2-test-100", [runs / "m1m2"], command="train m1m2",
                           base_entry="m1-test", **common)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SSGM_ZOO_ENTRIES", str(entries))
        yield {"root": root, "runs": runs, "mirror": entries, "entries": entries}


def test_list_models_filters_with_wildcards(zoo):
    assert registry.list_models("*-test*") == ["m1-test", "m1m2-test-100", "m2-test-100"]
    assert registry.list_models("m1m2-test-*") == ["m1m2-test-100"]
    assert registry.list_models("*-test-100") == ["m1m2-test-100", "m2-test-100"]
    assert registry.list_models("gan-*") == []
    assert "m1m2-mnist-100" in registry.list_models()  # the shipped entries are still there


def test_model_info_carries_the_evidence(zoo):
    info = registry.model_info("m2-test-100")
    assert (info.family, info.model_name, info.dataset, info.num_labeled) == (
        "kingma", "m2", "mnist", 100)
    metric = info.metrics["test_error_rate"]
    run = json.loads((zoo["runs"] / "m2" / "metrics.json").read_text())
    assert metric.published == run["test_error_rate"] and metric.num_runs == 1
    assert metric.unit == "fraction of images misclassified"
    assert info.metrics["validation_error_rate"].split == "validation"
    assert info.training.command == "train m2"
    assert info.training.config["train"]["epochs"] == 2
    assert info.training.train_seconds > 0 and info.training.final_session_wall_seconds > 0
    assert info.parameter_count > 0
    assert set(info.files) >= {"config.json", "metadata.json", "model.weights.h5",
                               "README.md", "labeled_indices.json"}
    m1 = registry.model_info("m1-test")
    assert m1.headline_metric == "test_latent_classifier_error_rate"
    assert m1.headline.details["num_labeled"] == 100


def test_unknown_and_malformed_names_get_clear_errors(zoo):
    with pytest.raises(registry.UnknownEntryError, match="m2-test-100"):
        registry.model_info("m2-tset-100")
    for bad in ("../m2-test-100", "m2/test", "M2-TEST", "", "m2-test-*"):
        with pytest.raises(registry.RegistryError, match="Invalid entry name"):
            load_pretrained(bad)


def test_loaded_entry_predicts_as_the_training_run(zoo, data_dir):
    x, y = data.load_splits("mnist", data_dir=str(data_dir))["test"]
    for name, run in [("m2-test-100", "m2"), ("m1m2-test-100", "m1m2")]:
        model = load_pretrained(name)
        trained = checkpoint.load_model_dir(zoo["runs"] / run / "model")
        np.testing.assert_array_equal(model.predict_proba(x[:500]), trained.predict_proba(x[:500]))
        recorded = registry.model_info(name).metrics["test_errors_first_1000"].published
        assert int((model.classify(x[:1000]) != y[:1000]).sum()) == recorded


def test_m1m2_entry_shares_the_m1_weights_of_its_base(zoo):
    own = zoo["mirror"] / "m1m2-test-100" / "model.weights.h5"
    full = zoo["runs"] / "m1m2" / "model" / "model.weights.h5"
    base = zoo["mirror"] / "m1-test" / "model.weights.h5"
    assert own.stat().st_size < full.stat().st_size - 0.9 * base.stat().st_size
    record = registry.model_info("m1m2-test-100")
    assert (record.base_entry, record.base_weights_group) == ("m1-test", "layers/m1")


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete"])
def test_damaged_files_are_refused_before_loading(zoo, tmp_path, monkeypatch, damage):
    copy = tmp_path / "mirror"
    shutil.copytree(zoo["mirror"], copy)
    monkeypatch.setenv("SSGM_ZOO_MIRROR", str(copy))
    # First the damaged copy is passed over for the intact one the entries folder holds.
    path = copy / "m2-test-100" / "model.weights.h5"
    damage_file(path, damage)
    assert load_pretrained("m2-test-100") is not None
    # With no intact copy left, nothing is loaded and the error says what to do.
    monkeypatch.setattr(registry, "mirror_dirs", lambda: [copy])
    expected = registry.model_info("m2-test-100").files["model.weights.h5"].sha256
    with pytest.raises(IntegrityError) as error:
        load_pretrained("m2-test-100")
    message = str(error.value)
    assert "model.weights.h5" in message and expected in message
    assert "Reinstall ssgm-zoo" in message and "delete the file" not in message


def damage_file(path, damage):
    blob = path.read_bytes()
    if damage == "flip":
        path.write_bytes(blob[:-10] + bytes([blob[-10] ^ 1]) + blob[-9:])
    elif damage == "truncate":
        path.write_bytes(blob[: len(blob) // 2])
    else:
        path.unlink()


def test_explicit_source_directory_is_verified_too(zoo, tmp_path):
    source = tmp_path / "entry"
    shutil.copytree(zoo["mirror"] / "m2-test-100", source)
    assert load_pretrained("m2-test-100", source=str(source)) is not None
    (source / "config.json").write_text("{}")
    with pytest.raises(IntegrityError, match="config.json"):
        load_pretrained("m2-test-100", source=str(source))


# -- the Hub route, against a real HTTP server on 127.0.0.1 --------------------------
@pytest.fixture
def hub_server(tmp_path, monkeypatch):
    server = FakeHubServer(token=TOKEN)
    server.start()
    cache = tmp_path / "hf"
    for var in ("HF_HOME", "HF_HUB_CACHE"):
        monkeypatch.setenv(var, str(cache))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_ENDPOINT", server.url)  # ssgm_zoo.zoo.hub reads it per call
    yield server
    server.stop()


def test_publish_then_load_from_the_hub_then_offline_from_the_cache(
        zoo, hub_server, tmp_path, monkeypatch):
    result = hub.publish_entry(zoo["mirror"] / "m2-test-100", "ssgm-zoo/m2-test-100",
                               token=TOKEN, endpoint=hub_server.url)
    record = registry.model_info("m2-test-100").replace(
        hub=HubRef(repo_id="ssgm-zoo/m2-test-100", revision=result.commit_sha))
    entries = tmp_path / "entries"
    entries.mkdir()
    publishing.write_record(record, entries)
    monkeypatch.setenv("SSGM_ZOO_ENTRIES", str(entries))
    monkeypatch.setattr(registry, "mirror_dirs", lambda: [tmp_path / "empty-mirror"])

    from_hub = load_pretrained("m2-test-100")
    assert from_hub.count_params() == record.parameter_count
    served = len(hub_server.requests)
    assert served > 0

    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert load_pretrained("m2-test-100") is not None  # warm cache, no request
    assert len(hub_server.requests) == served

    shutil.rmtree(tmp_path / "hf")
    with pytest.raises(hub.HubError, match="ssgm-zoo/m2-test-100"):
        load_pretrained("m2-test-100")


def test_entry_in_no_mirror_and_not_on_the_hub_says_so(zoo, tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "mirror_dirs", lambda: [tmp_path])
    with pytest.raises(EntryNotFoundError, match="source="):
        load_pretrained("m2-test-100")


# -- the command line ------------------------------------------------------------------
def run_cli(capsys, *argv):
    code = cli.main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_list_and_info(zoo, capsys):
    code, out, _ = run_cli(capsys, "list", "m*-100")
    assert code == 0
    assert "m2-test-100" in out and "m1m2-test-100" in out and "m1-test" not in out
    code, out, _ = run_cli(capsys, "info", "m2-test-100")
    assert code == 0 and '"model_name": "m2"' in out and "library_name: keras" in out
    code, _, err = run_cli(capsys, "info", "m2-tset-100")
    assert code == 2 and "Did you mean: m2-test-100" in err


def test_cli_evaluate_json_matches_the_record(zoo, capsys, data_dir):
    code, out, _ = run_cli(capsys, "evaluate", "m2-test-100", "--data_dir", data_dir, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["entry"] == "m2-test-100" and result["split"] == "test"
    assert result["num_images"] == 10000
    metric = result["metrics"]["test_error_rate"]
    assert metric["measured"] == pytest.approx(metric["recorded"], abs=1e-12)
    assert 0 < metric["measured"] < 1 and isinstance(result["counts"]["test_errors"], int)


def test_cli_predict_writes_kaggle_csv_for_every_input_kind(zoo, capsys, data_dir, tmp_path):
    x, y = data.load_splits("mnist", data_dir=str(data_dir))["test"]
    images = (x[:12] * 255).round().astype("uint8")
    expected = load_pretrained("m2-test-100").classify(images.astype("float32") / 255)
    inputs = {}
    np.save(tmp_path / "a.npy", images)
    inputs["npy"] = tmp_path / "a.npy"
    np.savez(tmp_path / "a.npz", x=images, y=y[:12])
    inputs["npz"] = tmp_path / "a.npz"
    (tmp_path / "png").mkdir()
    for i, image in enumerate(images):
        Image.fromarray(image[..., 0]).save(tmp_path / "png" / f"{i + 1}.png")
    inputs["png"] = tmp_path / "png"
    header = "label," + ",".join(f"pixel{i}" for i in range(784))
    rows = [",".join(map(str, [y[i], *images[i].reshape(-1)])) for i in range(12)]
    (tmp_path / "a.csv").write_text("\n".join([header, *rows]) + "\n")
    inputs["csv"] = tmp_path / "a.csv"
    for kind, path in inputs.items():
        out = tmp_path / f"{kind}.csv"
        code, _, err = run_cli(capsys, "predict", "m2-test-100", "--input", path,
                               "--output", out, "--id_column", "ImageId",
                               "--label_column", "Label", "--first_id", "1")
        assert code == 0, err
        lines = out.read_text().splitlines()
        assert lines[0] == "ImageId,Label"
        assert lines[1:] == [f"{i + 1},{label}" for i, label in enumerate(expected)], kind


def test_cli_predict_bad_input_leaves_no_file(zoo, capsys, tmp_path):
    bad = tmp_path / "bad.npy"
    np.save(bad, np.full((3, 28, 28), 300, "int32"))
    out = tmp_path / "out.csv"
    code, _, err = run_cli(capsys, "predict", "m2-test-100", "--input", bad, "--output", out)
    assert code == 2 and "bad.npy" in err
    assert not out.exists() and os.listdir(tmp_path) == ["bad.npy"]


def test_cli_predict_default_is_the_test_split(zoo, capsys, data_dir, tmp_path):
    out = tmp_path / "predictions.csv"
    code, stdout, _ = run_cli(capsys, "predict", "m2-test-100", "--data_dir", data_dir,
                              "--output", out)
    assert code == 0 and "Error rate against the known labels" in stdout
    lines = out.read_text().splitlines()
    assert lines[0] == "ID,label" and len(lines) == 10001 and lines[1].startswith("0,")


def test_cli_sample_writes_a_grid(zoo, capsys, tmp_path):
    for name, extra in [("m1m2-test-100", []), ("m2-test-100", ["--class", "3"]),
                        ("m1-test", [])]:
        out = tmp_path / f"{name}.png"
        code, _, err = run_cli(capsys, "sample", name, "--output", out, "--num", "2", *extra)
        assert code == 0, err
        image = Image.open(out)
        assert image.size == (10 * 30 + 2, 2 * 30 + 2)
    code, _, err = run_cli(capsys, "sample", "m2-test-100", "--output", tmp_path / "x.png",
                           "--class", "12")
    assert code == 2 and "--class" in err


def test_publish_entries_pins_the_uploaded_revision_in_the_record(
        zoo, hub_server, tmp_path, monkeypatch):
    entries = tmp_path / "entries"
    shutil.copytree(zoo["entries"], entries)
    monkeypatch.setenv("SSGM_ZOO_ENTRIES", str(entries))
    dry = publishing.publish_entries(["m2-test-*"], org="ssgm-zoo", dry_run=True)
    assert dry[0].commit_sha is None and hub_server.requests == []
    assert {name for name, _, _ in dry[0].files} == set(
        registry.model_info("m2-test-100").files)
    (result,) = publishing.publish_entries(["m2-test-*"], org="ssgm-zoo", token=TOKEN)
    record = registry.model_info("m2-test-100")
    assert record.hub == HubRef(repo_id="ssgm-zoo/m2-test-100", revision=result.commit_sha)
    assert registry.record_path("m2-test-100").parent == entries
