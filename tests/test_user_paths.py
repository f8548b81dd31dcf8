"""Every way in is checked and nothing a user owns is lost (issue 7), on the shipped entries."""

import errno
import json
import os
import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from ssgm_zoo import cli, data, files, images
from ssgm_zoo.images import InputError
from ssgm_zoo.zoo import load_pretrained, registry
from ssgm_zoo.zoo.inputs import read_images
from tests.backends import REPO

ENTRY = "m1m2-mnist-100"


@pytest.fixture(scope="module")
def model():
    return load_pretrained(ENTRY)


@pytest.fixture(scope="module")
def digits(data_dir):
    """The first 12 test images as uint8 and their labels."""
    x, y = data.load_arrays("mnist", "test", data_dir=str(data_dir))
    return x.reshape(-1, 28, 28)[:12], y[:12]


def run_cli(capsys, *argv):
    code = cli.main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


# -- the Python API checks and converts as the command line does -----------------------------
def test_uint8_images_are_scaled_like_the_command_line_does(model, digits, tmp_path):
    x, _ = digits
    as_uint8 = model.classify(x)
    np.testing.assert_array_equal(as_uint8, model.classify(x.astype("float32") / 255))
    np.save(tmp_path / "x.npy", x)
    np.testing.assert_array_equal(as_uint8, model.classify(read_images(tmp_path / "x.npy")))


@pytest.mark.parametrize("bad,message", [
    (np.full((2, 28, 28), np.nan, "float32"), "contains NaN or Inf"),
    (np.full((2, 28, 28), -0.5, "float32"), "must lie in \\[0, 1\\]"),
    (np.full((2, 28, 28), 200.0, "float32"), "look like 0 .. 255: divide by 255"),
    (np.zeros((28, 28), "uint8"), "single image: add a leading axis"),
    (np.zeros((2, 1, 28, 28), "uint8"), "channels-first"),
    (np.zeros((2, 32, 32), "uint8"), "expected an array of shape \\[N, 28, 28, 1\\]"),
    ("digits.png", "expected an array of images, got str"),
    (None, "expected an array of images, got NoneType"),
    (np.zeros((0, 784), "uint8"), "contains no images"),
])
def test_bad_python_inputs_get_the_command_lines_messages(model, bad, message):
    with pytest.raises(ValueError, match=message):
        model.classify(bad)
    with pytest.raises(ValueError, match=message):
        model.m1.features(bad)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_bad_batch_sizes_are_refused(model, digits, batch_size):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        model.classify(digits[0], batch_size=batch_size)


def test_inverted_images_are_detected_and_can_be_inverted(model, digits):
    x, y = digits
    with pytest.raises(ValueError, match="look like dark strokes on a light background"):
        model.classify(255 - x)
    np.testing.assert_array_equal(model.classify(255 - x, invert=True), model.classify(x))
    assert model.classify(255 - x, check_polarity=False).shape == (12,)


def test_sampling_has_one_signature_and_refuses_unknown_classes(model):
    assert model.sample(5, seed=0).shape == (5, 28, 28, 1)
    assert model.sample(3, labels=[1, 2, 3], seed=0).shape == (3, 28, 28, 1)
    with pytest.raises(ValueError, match="labels must lie in \\[0, 10\\)"):
        model.sample(2, labels=[3, 12])
    with pytest.raises(ValueError, match="2 labels for 3 samples"):
        model.sample(3, labels=[1, 2])


# -- predict: outputs --------------------------------------------------------------------------
def test_predict_never_writes_over_its_input(capsys, digits, tmp_path, monkeypatch):
    x, y = digits
    header = "label," + ",".join(f"pixel{i}" for i in range(784))
    rows = [",".join(map(str, [y[i], *x[i].reshape(-1)])) for i in range(len(x))]
    source = tmp_path / "train.csv"
    source.write_text("\n".join([header, *rows]) + "\n")
    before = source.read_bytes()
    (tmp_path / "link.csv").symlink_to(source)
    monkeypatch.chdir(tmp_path)
    for output in (source, "train.csv", "./sub/../train.csv", tmp_path / "link.csv"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        code, _, err = run_cli(capsys, "predict", ENTRY, "--input", source, "--output", output)
        assert code == 2 and "would replace it" in err, output
    assert source.read_bytes() == before


def test_an_existing_output_keeps_its_permissions(capsys, digits, tmp_path):
    np.save(tmp_path / "x.npy", digits[0])
    out = tmp_path / "out.csv"
    out.write_text("old")
    os.chmod(out, 0o600)
    code, _, err = run_cli(capsys, "predict", ENTRY, "--input", tmp_path / "x.npy",
                           "--output", out)
    assert code == 0, err
    assert oct(os.stat(out).st_mode & 0o777) == "0o600" and out.read_text() != "old"


@pytest.mark.parametrize("output,message", [
    ("", "output path is empty"),
    ("{tmp}", "is a folder"),
    ("{tmp}/missing/out.csv", "does not exist"),
])
def test_bad_output_paths_are_refused_before_the_model_loads(capsys, tmp_path, monkeypatch,
                                                            output, message):
    def fail(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr("ssgm_zoo.zoo.commands.load_pretrained", fail)
    code, _, err = run_cli(capsys, "predict", ENTRY, "--output",
                           output.format(tmp=tmp_path))
    assert code == 2 and err.startswith("ssgm-zoo predict: error:") and message in err


def test_an_unwritable_folder_is_named(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(files.os, "access", lambda path, mode: False)
    code, _, err = run_cli(capsys, "sample", ENTRY, "--output", tmp_path / "g.png")
    assert code == 2 and f"the folder {tmp_path} is not writable" in err


def test_a_full_disk_is_an_error_line_and_leaves_nothing_behind(capsys, digits, tmp_path,
                                                               monkeypatch):
    np.save(tmp_path / "x.npy", digits[0])

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    out = tmp_path / "out.csv"
    code, _, err = run_cli(capsys, "predict", ENTRY, "--input", tmp_path / "x.npy",
                           "--output", out)
    assert code == 2 and err.strip() == f"ssgm-zoo predict: error: {out}: No space left on device"
    assert sorted(os.listdir(tmp_path)) == ["x.npy"]


def test_sigterm_while_writing_removes_the_temporary_file(tmp_path):
    code = ("import os, signal, sys, time\n"
            "from ssgm_zoo import cli, files\n"
            "signal.signal(signal.SIGTERM, cli._terminate)\n"
            "with files.atomic_write(sys.argv[1]) as f:\n"
            "    f.write('partial')\n"
            "    os.kill(os.getpid(), signal.SIGTERM)\n"
            "    time.sleep(30)\n")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "out.csv")],
                            capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 128 + signal.SIGTERM, result.stderr
    assert os.listdir(tmp_path) == []


# -- predict: inputs ---------------------------------------------------------------------------
def test_out_of_range_labels_are_refused_not_scored(capsys, digits, tmp_path):
    x, y = digits
    np.savez(tmp_path / "a.npz", x=x, y=np.where(np.arange(12) == 3, 12, y))
    code, _, err = run_cli(capsys, "predict", ENTRY, "--input", tmp_path / "a.npz",
                           "--output", tmp_path / "out.csv")
    assert code == 2 and "label 12 of image 3 (0-based) is out of range" in err
    assert not (tmp_path / "out.csv").exists()


def test_dark_on_light_pngs_are_detected_and_invert_fixes_them(capsys, digits, tmp_path):
    x, _ = digits
    (tmp_path / "png").mkdir()
    for i, image in enumerate(x):
        Image.fromarray(255 - image).save(tmp_path / "png" / f"{i}.png")
    out = tmp_path / "out.csv"
    code, _, err = run_cli(capsys, "predict", ENTRY, "--input", tmp_path / "png",
                           "--output", out)
    assert code == 2 and "--invert" in err and str(tmp_path / "png") in err
    code, _, err = run_cli(capsys, "predict", ENTRY, "--input", tmp_path / "png",
                           "--output", out, "--invert")
    assert code == 0, err
    np.save(tmp_path / "x.npy", x)
    code, _, _ = run_cli(capsys, "predict", ENTRY, "--input", tmp_path / "x.npy",
                         "--output", tmp_path / "plain.csv")
    assert out.read_text() == (tmp_path / "plain.csv").read_text()


def test_a_huge_png_is_refused_with_a_message(capsys, tmp_path):
    (tmp_path / "png").mkdir()
    Image.new("1", (20000, 20000)).save(tmp_path / "png" / "1.png")
    code, _, err = run_cli(capsys, "predict", ENTRY, "--input", tmp_path / "png",
                           "--output", tmp_path / "out.csv")
    assert code == 2 and "1.png" in err


def test_a_folder_of_sub_folders_says_so(tmp_path):
    (tmp_path / "digits" / "set1").mkdir(parents=True)
    Image.fromarray(np.zeros((28, 28), "uint8")).save(tmp_path / "digits" / "set1" / "1.png")
    with pytest.raises(InputError, match="sub-folders \\(set1\\), which are not searched"):
        read_images(tmp_path / "digits")


def test_large_inputs_are_read_in_their_own_dtype(digits, tmp_path):
    from ssgm_zoo.zoo.inputs import read_labeled_images

    np.save(tmp_path / "x.npy", digits[0])
    raw, _ = read_labeled_images(tmp_path / "x.npy", scale=False)
    assert raw.dtype == np.uint8 and raw.shape == (12, 28, 28, 1)


@pytest.mark.parametrize("option", ["--batch_size=0", "--batch_size=-1"])
def test_bad_batch_size_option(capsys, tmp_path, option):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["predict", ENTRY, "--output", str(tmp_path / "o.csv"), option])
    assert exit_.value.code == 2 and "expected a number of at least 1" in capsys.readouterr().err


# -- sample ------------------------------------------------------------------------------------
def test_sample_writes_the_format_its_name_asks_for(capsys, tmp_path):
    for name, fmt in (("g.jpg", "JPEG"), ("g.png", "PNG"), ("g.bmp", "BMP")):
        code, _, err = run_cli(capsys, "sample", ENTRY, "--output", tmp_path / name, "--num", 1)
        assert code == 0, err
        assert Image.open(tmp_path / name).format == fmt
    for name in ("g.txt", "g"):
        code, _, err = run_cli(capsys, "sample", ENTRY, "--output", tmp_path / name)
        assert code == 2 and "cannot tell the image format" in err
        assert not (tmp_path / name).exists()


@pytest.mark.parametrize("num,message", [("0", "at least 1"), ("-3", "at least 1"),
                                         ("101", "from 1 to 100")])
def test_sample_counts_outside_the_range_are_refused(capsys, tmp_path, num, message):
    argv = ["sample", ENTRY, "--output", str(tmp_path / "g.png"), f"--num={num}"]
    try:
        code = cli.main(argv)
    except SystemExit as exit_:  # argparse's own refusal
        code = exit_.code
    assert code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "g.png").exists()


# -- records, revisions and integrity -------------------------------------------------------------
def test_info_refuses_a_tampered_model_card(capsys, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    shutil.copytree(registry.record_path(ENTRY).parent / ENTRY, mirror / ENTRY)
    (mirror / ENTRY / "README.md").write_text("# a card someone edited\n")
    monkeypatch.setattr(registry, "mirror_dirs", lambda: [mirror])
    code, out, err = run_cli(capsys, "info", ENTRY)
    assert code == 2 and "does not match its recorded sha256" in err
    assert "someone edited" not in out


def test_a_broken_record_is_named_and_the_others_keep_working(capsys, tmp_path, monkeypatch):
    (tmp_path / "entries").mkdir()
    (tmp_path / "entries" / "broken-entry.json").write_text("{not json")
    monkeypatch.setenv("SSGM_ZOO_ENTRIES", str(tmp_path / "entries"))
    code, out, err = run_cli(capsys, "list")
    assert code == 0 and ENTRY in out
    assert "broken-entry.json is broken" in err
    with pytest.raises(registry.RegistryError, match="broken-entry.json is broken"):
        registry.model_info("broken-entry")
    registry.clear_cache()


def test_a_revision_of_an_entry_without_a_hub_copy_says_what_happened(capsys):
    code, _, err = run_cli(capsys, "sample", ENTRY, "--output", "/tmp/unused.png",
                           "--revision", "0" * 40)
    assert code == 2 and "a revision asks for a copy on the Hugging Face Hub" in err
    code, _, err = run_cli(capsys, "sample", ENTRY, "--output", "/tmp/unused.png",
                           "--revision", "main")
    assert code == 2 and "pin a 40-hex commit sha" in err


def test_a_larger_file_is_not_called_truncated(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    shutil.copytree(registry.record_path(ENTRY).parent / ENTRY, mirror / ENTRY)
    config = mirror / ENTRY / "config.json"
    config.write_text(json.dumps(json.loads(config.read_text()), indent=4))
    monkeypatch.setattr(registry, "mirror_dirs", lambda: [mirror])
    with pytest.raises(ValueError, match="config.json is larger than recorded"):
        load_pretrained(ENTRY)


# -- fuzzing the shared input function ----------------------------------------------------------
def _pick(rng, options):
    return options[int(rng.integers(0, len(options)))]


def _random_npy(rng, path):
    """A valid array, or (half the time) one with a random fault."""
    n = int(rng.integers(1, 4))
    array = _pick(rng, [rng.integers(0, 256, (n, 28, 28)).astype("uint8"),
                        rng.random((n, 784)).astype("float32"),
                        rng.integers(0, 256, (n, 28, 28, 1)).astype("int16")])
    if rng.random() < 0.5:
        fault = _pick(rng, ["nan", "range", "shape", "dtype", "empty", "single"])
        if fault == "nan":
            array = array.astype("float64")
            array.flat[int(rng.integers(0, array.size))] = np.nan
        elif fault == "range":
            array = array.astype("float32") * 300 - 5
        elif fault == "shape":
            array = array.reshape(n, -1)[:, :700]
        elif fault == "dtype":
            array = array > 100
        elif fault == "empty":
            array = array[:0]
        else:
            array = array[0]
    np.save(path, array)


def _random_csv(rng, path):
    header = [f"pixel{i}" for i in range(784)]
    if rng.random() < 0.5:
        header.insert(int(rng.integers(0, 785)), "label")
    rows = [[str(v) for v in rng.integers(0, 256, len(header))]
            for _ in range(int(rng.integers(1, 4)))]
    if rng.random() < 0.5:
        fault = _pick(rng, ["header", "cell", "short", "range", "no rows"])
        if fault == "header":
            header[int(rng.integers(0, len(header)))] = "oops"
        elif fault == "cell":
            rows[0][int(rng.integers(0, len(header)))] = _pick(rng, ["", "x", "1.5", "-"])
        elif fault == "short":
            rows[-1] = rows[-1][:-1]
        elif fault == "range":
            rows[0][int(rng.integers(0, len(header)))] = "300"
        else:
            rows = []
    lines = [",".join(header)] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + _pick(rng, ["", "\n", "\n\n"]))


def _random_png_folder(rng, folder):
    folder.mkdir()
    for i in range(int(rng.integers(1, 3))):
        gray = rng.integers(0, 256, (28, 28), dtype="uint8")
        image = Image.fromarray(gray).convert(_pick(rng, ["L", "RGB", "P"]))
        image.save(folder / f"{i}.png")
    if rng.random() < 0.5:
        fault = _pick(rng, ["size", "color", "16-bit", "garbage", "alpha"])
        target = folder / "9.png"
        if fault == "size":
            Image.new("L", (27, 28)).save(target)
        elif fault == "color":
            Image.fromarray(rng.integers(0, 256, (28, 28, 3), dtype="uint8")).save(target)
        elif fault == "16-bit":
            Image.new("I;16", (28, 28)).save(target)
        elif fault == "alpha":
            Image.new("LA", (28, 28), (10, 100)).save(target)
        else:
            target.write_bytes(rng.bytes(50))


def test_fuzzed_inputs_give_valid_images_or_the_documented_error(tmp_path):
    rng = np.random.default_rng(0)
    makers = [("x.npy", _random_npy), ("x.csv", _random_csv), ("pngs", _random_png_folder)]
    outcomes = {"images": 0, "errors": 0}
    for trial in range(60):
        name, make = makers[trial % 3]
        path = tmp_path / f"{trial}-{name}"
        make(rng, path)
        try:
            x = read_images(path)
        except InputError:  # the documented error; any other exception fails the test
            outcomes["errors"] += 1
            continue
        assert x.dtype == np.float32 and x.ndim == 4 and x.shape[1:] == (28, 28, 1)
        assert np.isfinite(x).all() and x.min() >= 0 and x.max() <= 1
        outcomes["images"] += 1
    assert outcomes["images"] > 5 and outcomes["errors"] > 5, outcomes


def test_the_shared_check_is_what_both_ways_use():
    bad = np.full((2, 28, 28), 300, "int32")
    with pytest.raises(InputError) as api:
        images.check_images(bad, (28, 28, 1))
    assert "integer values must lie in 0 .. 255" in str(api.value)
