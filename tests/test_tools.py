"""Evaluation helpers, the latent classifier and the benchmark harness."""

import math

import numpy as np
import pytest

from ssgm_zoo import benchmark, evaluation
from ssgm_zoo.config import ConfigFileError, load_config_file, parse_arg, parse_flags
from ssgm_zoo.latent_classifier import LatentLogisticRegression
from tests.backends import REPO


def test_mean_std_uses_the_sample_standard_deviation():
    mean, std, n = evaluation.mean_std([0.03, 0.05])
    assert (mean, n) == (pytest.approx(0.04), 2)
    assert std == pytest.approx(np.std([0.03, 0.05], ddof=1))
    assert math.isnan(evaluation.mean_std([0.1])[1])
    with pytest.raises(ValueError):
        evaluation.mean_std([])


def test_latent_logistic_regression_separates_gaussian_blobs():
    rng = np.random.default_rng(0)
    centers = rng.normal(scale=4, size=(3, 5))
    y = np.repeat(np.arange(3), 30)
    z = centers[y] + rng.normal(size=(90, 5))
    clf = LatentLogisticRegression().fit(z, y)
    y_test = np.repeat(np.arange(3), 100)
    z_test = centers[y_test] + rng.normal(size=(300, 5))
    assert np.mean(clf.predict(z_test) == y_test) > 0.95
    np.testing.assert_allclose(clf.predict_proba(z_test).sum(-1), 1.0)


def test_config_arguments_are_parsed_strictly():
    assert parse_arg("600") == (600, False, frozenset())
    assert parse_arg("100,smoke") == (100, True, frozenset())
    with pytest.raises(ValueError, match="expected"):
        parse_arg("hundred")
    assert parse_arg("100,fast", variants=("fast",)) == (100, False, frozenset({"fast"}))
    assert parse_arg("600", variants=("fast",)) == (600, False, frozenset())
    with pytest.raises(ValueError, match="'N,fast'"):
        parse_arg("100,fats", variants=("fast",))
    with pytest.raises(ValueError, match="expected"):
        parse_arg("100,fast")  # a config without variants
    with pytest.raises(ValueError, match="smoke run has no variants"):
        parse_arg("100,smoke,fast", variants=("fast",))
    with pytest.raises(FileNotFoundError, match="zoo_configs/<family>/"):
        load_config_file(REPO / "zoo_configs" / "nope.py")


def test_a_config_of_version_0_1_says_where_configs_moved(tmp_path):
    old = tmp_path / "m2_mnist.py"
    old.write_text("from ssgm_zoo.config import base_config, m2_schedule\n"
                   "def get_config(arg=''):\n    return base_config('m2', 'm2-mnist-100')\n")
    with pytest.raises(ConfigFileError, match="zoo_configs/<family>/"):
        load_config_file(f"{old}:100")


def _parse_config_flags(tmp_path, *overrides):
    from absl import flags
    from ml_collections import config_flags

    path = tmp_path / "typed.py"
    path.write_text("import ml_collections\n"
                    "def get_config():\n"
                    "    return ml_collections.ConfigDict({'model': {'std': 1e-3, 'units': 8},\n"
                    "                                      'name': 'x'})\n")
    argv = ["train.py", f"--config={path}", *overrides]
    values = flags.FlagValues()
    config_flags.DEFINE_config_file("config", flag_values=values, sys_argv=argv)
    remaining = parse_flags(argv, flag_values=values)
    return values.config, remaining


def test_config_overrides_may_set_a_typed_field_to_none(tmp_path):
    from absl import flags

    config, remaining = _parse_config_flags(
        tmp_path, "--config.model.std=None", "--config.model.units=16", "--config.name=None")
    assert (config.model.std, config.model.units, config.name) == (None, 16, None)
    assert remaining == ["train.py"]
    config, _ = _parse_config_flags(tmp_path, "--config.model.std=0.5")
    assert config.model.std == 0.5
    with pytest.raises(flags.IllegalFlagValueError, match="could not convert"):
        _parse_config_flags(tmp_path, "--config.model.std=none")  # only None means None
    for wrong in ("--config.model.nope=None", "--config.model.nope=3"):
        with pytest.raises(flags.IllegalFlagValueError, match=f"(nope).*{wrong}"):
            _parse_config_flags(tmp_path, wrong)
    with pytest.raises(flags.IllegalFlagValueError, match="model.units.deeper"):
        _parse_config_flags(tmp_path, "--config.model.units.deeper=None")


def test_benchmark_reports_throughput_after_a_warm_up_epoch(data_dir):
    config = load_config_file(REPO / "zoo_configs" / "kingma" / "m2_mnist.py:100,smoke")
    result = benchmark.throughput(config, data_dir=str(data_dir), epochs=1)
    assert result["steps_per_epoch"] == 20 and len(result["epoch_seconds_all"]) == 1
    assert result["images_per_second"] == pytest.approx(20 * 110 / result["epoch_seconds"])
    assert result["backend"] in ("tensorflow", "jax")


def test_time_to_target_stops_at_the_first_epoch_meeting_it(data_dir):
    config = load_config_file(REPO / "zoo_configs" / "kingma" / "m2_mnist.py:100,smoke")
    reached = benchmark.time_to_target(config, target=1.0, max_epochs=3, data_dir=str(data_dir))
    assert reached["reached"] and reached["epochs"] == 1 and reached["seconds"] > 0
    missed = benchmark.time_to_target(config, target=0.0, max_epochs=2, data_dir=str(data_dir))
    assert not missed["reached"] and missed["epochs"] == 2
    assert 0 < missed["validation_error_rate"] < 1
    assert config.train.epochs == 3  # the caller's config is not changed


def test_learning_curves_figure_is_written_from_run_logs(tmp_path):
    from PIL import Image

    from ssgm_zoo.figures import plot_curves
    from ssgm_zoo.training.logs import RunLog

    for run, slope in (("a", 1.0), ("b", 2.0)):
        log = RunLog(tmp_path / run)
        for epoch in range(1, 6):
            log.write({"epoch": epoch, "step": 10 * epoch, "train_loss": 10 - slope * epoch,
                       "validation_error_rate": 0.5 / epoch})
        log.close()
    out = tmp_path / "curves.png"
    plot_curves([str(tmp_path / "a"), str(tmp_path / "b")],
                ["train_loss", "validation_error_rate"], out)
    image = Image.open(out)
    assert image.size == (1100, 385) and len(set(image.convert("L").getdata())) > 10
    plot_curves([str(tmp_path / "a"), str(tmp_path / "b")], ["train_loss"], out, x="step",
                labels=["first", "second"])
    assert Image.open(out).size == (550, 385)
    # An error rate that reaches 0 keeps its zeros (symlog), not a log scale that drops them.
    import matplotlib.pyplot as plt

    zero = RunLog(tmp_path / "zero")
    for epoch, rate in ((1, 0.01), (2, 0.0), (3, 0.0)):
        zero.write({"epoch": epoch, "step": epoch, "labeled_error_rate": rate})
    zero.close()
    figures = []
    real_close = plt.close
    plt.close = lambda fig=None: figures.append(fig)
    try:
        plot_curves([str(tmp_path / "zero")], ["labeled_error_rate"], out)
    finally:
        plt.close = real_close
    assert figures[-1].axes[0].get_yscale() == "symlog"
    real_close(figures[-1])
    with pytest.raises(ValueError, match="2 runs"):
        plot_curves([str(tmp_path / "a"), str(tmp_path / "b")], ["train_loss"], out,
                    labels=["one"])


def test_misclassified_figure_draws_exactly_the_wrong_images(tmp_path):
    from PIL import Image

    from ssgm_zoo.figures import plot_misclassified

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(30, 28, 28, 1), dtype=np.uint8)
    labels = np.arange(30) % 10
    predicted = labels.copy()
    predicted[::3] = (predicted[::3] + 1) % 10  # 10 wrong: one row of 10
    out = tmp_path / "wrong.png"
    assert plot_misclassified(predicted, images, labels, out) == 10
    image = Image.open(out)
    assert image.size == (990, 159) and len(set(image.convert("L").getdata())) > 10
    predicted[1] = 9  # 11 wrong: a second row
    assert plot_misclassified(predicted, images, labels, out) == 11
    assert Image.open(out).size[1] > 159
    assert plot_misclassified(predicted, images, labels, out, max_images=5) == 11
    assert Image.open(out).size[1] == 159  # five drawn: one row
    # Images in [0, 1] are drawn in ink too: white paper, black digits.
    ink = np.zeros((30, 28, 28), "float32")
    ink[:, 8:20, 8:20] = 1.0
    plot_misclassified(predicted, ink, labels, out)
    pixels = np.asarray(Image.open(out).convert("L"))
    assert (pixels < 50).mean() > 0.02 and (pixels > 200).mean() > 0.5  # 0 when drawn as uint8
    with pytest.raises(ValueError, match="nothing to draw"):
        plot_misclassified(labels, images, labels, tmp_path / "none.png")
    assert not (tmp_path / "none.png").exists()
    with pytest.raises(ValueError, match="one entry per image"):
        plot_misclassified(predicted[:5], images, labels, tmp_path / "bad.png")


def test_figures_are_saved_with_a_palette_exact_when_they_have_few_colours(tmp_path):
    import io

    from PIL import Image

    from ssgm_zoo import figures

    plt = figures._pyplot()

    def render(image):
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.imshow(image, interpolation="nearest")
        ax.axis("off")
        buffer = io.BytesIO()
        fig.savefig(buffer, dpi=110, format="png")
        return fig, np.asarray(Image.open(buffer).convert("RGB")).astype(int)

    few = np.zeros((8, 8, 3))
    few[::2, :, 0] = 1.0  # red and black stripes on white paper
    fig, reference = render(few)
    figures._save(fig, tmp_path / "few.png")
    saved = Image.open(tmp_path / "few.png")
    assert saved.mode == "P"
    np.testing.assert_array_equal(np.asarray(saved.convert("RGB")), reference)
    # A smooth gradient of 4,096 colours: the nearest of 256, close to the render.
    ramp = np.linspace(0, 1, 64)
    many = np.stack(np.broadcast_arrays(ramp[:, None], ramp[None, :], 0.5), -1)
    fig, reference = render(many)
    assert len(np.unique(reference.reshape(-1, 3), axis=0)) > 256
    figures._save(fig, tmp_path / "many.png")
    saved = Image.open(tmp_path / "many.png")
    difference = np.abs(np.asarray(saved.convert("RGB")).astype(int) - reference)
    assert saved.mode == "P" and difference.mean() < 3 and difference.max() < 32


def test_seed_benchmark_times_each_seed_count_and_compares_with_separate_runs(data_dir):
    config = load_config_file(REPO / "zoo_configs" / "kingma" / "m2_mnist.py:100,smoke")
    config.train.steps_per_epoch = 4
    result = benchmark.seeds_throughput(config, seed_counts=[2], data_dir=str(data_dir),
                                        epochs=1)
    (row,) = result["rows"]
    assert row["seeds"] == 2 and row["epoch_seconds"] > 0
    assert row["images_per_second"] == pytest.approx(2 * 4 * 110 / row["epoch_seconds"])
    assert row["speedup_over_separate_runs"] > 0
    assert config.train.epochs == 3  # the caller's config is not changed
