"""Tests of ssgm_zoo.zoo.inputs: every input kind round-trips to uint8 / 255, in order,
and every bad input gives an InputError naming the file (and the line / image file)."""

import ast
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from ssgm_zoo.zoo import inputs
from ssgm_zoo.zoo.inputs import InputError, png_files, read_images, read_labeled_images

PIXELS = [f"pixel{i}" for i in range(784)]


def unit(x):
    """What the models were trained on: uint8 / 255 as float32, [N, H, W, C]."""
    x = np.asarray(x, np.uint8)
    return x.reshape(len(x), 28, 28, -1).astype(np.float32) / np.float32(255)


@pytest.fixture
def images():
    """7 random uint8 images with every value 0..255 present and a distinct first pixel."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (7, 28, 28, 1), dtype=np.uint8)
    x.reshape(-1)[:256] = np.arange(256)
    x[:, 0, 0, 0] = np.arange(7) * 30
    return x


@pytest.fixture(scope="module")
def mnist(data_dir):
    from ssgm_zoo.data import load_arrays
    x, y = load_arrays("mnist", "test", data_dir)
    return x[:12], y[:12].astype(np.int64)


def write_csv(path, x, labels=None, label_at=None, header=None, lines=None):
    """A Kaggle-style pixel CSV; ``label_at``: the label column's position."""
    flat = np.asarray(x).reshape(len(x), -1)
    header = list(header or [f"pixel{i}" for i in range(flat.shape[1])])
    rows = [[str(v) for v in r] for r in flat]
    if labels is not None:
        at = len(header) if label_at is None else label_at
        header.insert(at, "label")
        for r, y in zip(rows, labels):
            r.insert(at, str(y))
    text = [",".join(header)] + [",".join(r) for r in rows] + list(lines or [])
    pathlib.Path(path).write_text("\n".join(text) + "\n")
    return path


def write_pngs(folder, x, names=None):
    folder.mkdir(exist_ok=True)
    names = names or [f"{i + 1}.png" for i in range(len(x))]
    for img, name in zip(x, names):
        Image.fromarray(img[..., 0], mode="L").save(folder / name)
    return folder


# --- round trips --------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["nhwc", "nhw", "flat"])
def test_npy_round_trip_every_shape(tmp_path, images, layout):
    arr = {"nhwc": images, "nhw": images[..., 0], "flat": images.reshape(7, 784)}[layout]
    np.save(tmp_path / "x.npy", arr)
    got = read_images(tmp_path / "x.npy")
    assert got.dtype == np.float32 and got.shape == (7, 28, 28, 1)
    np.testing.assert_array_equal(got, unit(images))
    assert read_labeled_images(str(tmp_path / "x.npy"))[1] is None


def test_npy_other_integer_dtypes_and_unit_floats(tmp_path, images):
    np.save(tmp_path / "i64.npy", images.astype(np.int64))
    np.testing.assert_array_equal(read_images(tmp_path / "i64.npy"), unit(images))
    floats = images.astype(np.float64) / 255
    np.save(tmp_path / "f.npy", floats)
    got = read_images(tmp_path / "f.npy")
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, floats.astype(np.float32))
    with open(tmp_path / "upper.NPY", "wb") as f:  # the suffix is case-insensitive
        np.save(f, images)
    np.testing.assert_array_equal(read_images(tmp_path / "upper.NPY"), unit(images))


@pytest.mark.parametrize("image_key,label_key", [("x", "y"), ("images", "labels"),
                                                 ("x", None), ("whatever", None)])
def test_npz_round_trip(tmp_path, images, image_key, label_key):
    labels = np.array([3, 1, 4, 1, 5, 9, 2])
    arrays = {image_key: images.reshape(7, 784)}
    if label_key:
        arrays[label_key] = labels
    np.savez_compressed(tmp_path / "d.npz", **arrays)
    got, got_labels = read_labeled_images(tmp_path / "d.npz")
    np.testing.assert_array_equal(got, unit(images))
    if label_key:
        assert got_labels.dtype == np.int64 and got_labels.tolist() == labels.tolist()
    else:
        assert got_labels is None
    np.testing.assert_array_equal(read_images(tmp_path / "d.npz"), unit(images))


def test_npz_integral_float_labels_are_accepted(tmp_path, images):
    np.savez(tmp_path / "d.npz", x=images, y=np.arange(7, dtype=np.float32))
    assert read_labeled_images(tmp_path / "d.npz")[1].tolist() == list(range(7))


def test_png_folder_round_trip_in_natural_order(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, (12, 28, 28, 1), dtype=np.uint8)
    folder = write_pngs(tmp_path / "pngs", x)  # 1.png .. 12.png
    (folder / "notes.txt").write_text("not an image")
    (folder / "._3.png").write_bytes(b"macOS resource fork junk")
    (folder / "sub").mkdir()
    names = [p.name for p in png_files(folder)]
    assert names == [f"{i}.png" for i in range(1, 13)]
    got, labels = read_labeled_images(folder)
    assert labels is None
    np.testing.assert_array_equal(got, unit(x))  # 10.png after 9.png, not after 1.png


def test_natural_order_mixed_names(tmp_path):
    names = ["img10.png", "img2.png", "IMG3.PNG", "a.png", "img1b.png", "img1a.png", "b10.png",
             "b9.png"]
    for n in names:
        (tmp_path / n).write_bytes(b"")
    assert [p.name for p in png_files(tmp_path)] == [
        "a.png", "b9.png", "b10.png", "img1a.png", "img1b.png", "img2.png", "IMG3.PNG",
        "img10.png"]


def test_png_gray_rgb_palette_and_bilevel_are_accepted(tmp_path, images):
    folder = tmp_path / "mixed"
    folder.mkdir()
    gray = images[:4, ..., 0]
    Image.fromarray(np.stack([gray[0]] * 3, -1), "RGB").save(folder / "1.png")
    rgba = np.concatenate([np.stack([gray[1]] * 3, -1), np.full((28, 28, 1), 255, np.uint8)], -1)
    Image.fromarray(rgba, "RGBA").save(folder / "2.png")
    Image.fromarray(gray[2], "L").convert("P").save(folder / "3.png")
    bilevel = (gray[3] > 127).astype(np.uint8) * 255
    Image.fromarray(bilevel, "L").convert("1").save(folder / "4.png")
    got = read_images(folder)
    np.testing.assert_array_equal(got[:3], unit(gray[:3]))
    np.testing.assert_array_equal(got[3], unit(bilevel[None])[0])


def test_png_three_channel_target(tmp_path, images):
    folder = tmp_path / "rgb"
    folder.mkdir()
    color = np.random.default_rng(2).integers(0, 256, (28, 28, 3), dtype=np.uint8)
    Image.fromarray(color, "RGB").save(folder / "1.png")
    Image.fromarray(images[0, ..., 0], "L").save(folder / "2.png")
    got = read_images(folder, image_shape=(28, 28, 3))
    assert got.shape == (2, 28, 28, 3)
    np.testing.assert_array_equal(got[0], color.astype(np.float32) / np.float32(255))
    np.testing.assert_array_equal(got[1], np.repeat(unit(images[:1])[0], 3, -1))


@pytest.mark.parametrize("label_at", [None, 0, 300, 784])
def test_csv_round_trip(tmp_path, images, label_at):
    labels = [3, 1, 4, 1, 5, 9, 2]
    path = write_csv(tmp_path / "d.csv", images, labels if label_at is not None else None,
                     label_at=label_at)
    got, got_labels = read_labeled_images(path)
    np.testing.assert_array_equal(got, unit(images))
    if label_at is None:
        assert got_labels is None
    else:
        assert got_labels.dtype == np.int64 and got_labels.tolist() == labels
    np.testing.assert_array_equal(read_images(path), unit(images))


def test_csv_tolerates_bom_crlf_spaces_and_trailing_blank_lines(tmp_path, images):
    header = "label," + ",".join(PIXELS)
    rows = [f"{i}, " + " ,".join(map(str, img.reshape(-1))) for i, img in enumerate(images)]
    (tmp_path / "w.csv").write_bytes(
        ("\ufeff" + "\r\n".join([header] + rows) + "\r\n\r\n").encode("utf-8"))
    got, labels = read_labeled_images(tmp_path / "w.csv")
    np.testing.assert_array_equal(got, unit(images))
    assert labels.tolist() == list(range(7))


@pytest.mark.parametrize("label_at", [None, 0])
def test_large_csv_is_read_exactly(tmp_path, label_at):
    """20,000 lines (Kaggle test.csv / train.csv layouts): every value and label as written.

    Lines are built from 500 random tails (pixels 2 .. 783) plus a first two pixels that
    encode the line number, so every line differs and writing the file stays quick."""
    n = 20_000
    rng = np.random.default_rng(4)
    tails = rng.integers(0, 256, (500, 782), dtype=np.uint8)
    pick = rng.integers(0, len(tails), n)
    x = np.column_stack([np.arange(n) % 256, np.arange(n) // 256, tails[pick]]).astype(np.uint8)
    assert x.min() == 0 and x.max() == 255
    y = rng.integers(0, 10, n)
    y[5] = 123_456_789_012  # labels are not limited to 0 .. 255
    tail_text = [",".join(map(str, t)) for t in tails.tolist()]
    lines = [f"{i % 256},{i // 256}," + tail_text[k] for i, k in enumerate(pick.tolist())]
    header = ",".join(PIXELS)
    if label_at is not None:
        header = "label," + header
        lines = [f"{label},{line}" for label, line in zip(y.tolist(), lines)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join([header] + lines) + "\n")
    got, labels = read_labeled_images(path)
    assert got.shape == (n, 28, 28, 1) and got.dtype == np.float32
    np.testing.assert_array_equal(got, unit(x))
    if label_at is None:
        assert labels is None
    else:
        assert labels.dtype == np.int64
        np.testing.assert_array_equal(labels, y)


def test_csv_layouts_only_the_csv_module_reads_are_still_accepted(tmp_path, images):
    """Quoted cells, a quoted line break, lines of spaces and a quoted header: read as before."""
    flat = images.reshape(7, -1)
    rows = [",".join(f'"{v}"' for v in r) for r in flat[:3]]
    rows.append("   ")  # a line of spaces counts as blank
    rows += [",".join(map(str, r)) for r in flat[3:6]]
    rows.append(",".join(map(str, flat[6][:-1])) + ',"\n' + str(flat[6][-1]) + '"')
    header = ",".join(f'"{name}"' for name in PIXELS[:-1]) + ',"pixel783"'
    (tmp_path / "q.csv").write_text("\n".join([header] + rows) + "\n")
    np.testing.assert_array_equal(read_images(tmp_path / "q.csv"), unit(images))
    multi_line_header = ",".join(PIXELS[:-1]) + ',"pixel783\n"'
    (tmp_path / "h.csv").write_text("\n".join([multi_line_header] + rows[4:7]) + "\n")
    np.testing.assert_array_equal(read_images(tmp_path / "h.csv"), unit(images[3:6]))


def test_csv_read_line_by_line_over_many_lines(tmp_path):
    """A line of spaces sends the file to the line-by-line reader: values and the line of
    a late error are still exact."""
    rng = np.random.default_rng(5)
    x = rng.integers(0, 256, (2_300, 784), dtype=np.uint8)
    y = rng.integers(0, 10, 2_300)
    lines = ["label," + HEADER] + [f"{label}," + ",".join(map(str, r))
                                   for label, r in zip(y.tolist(), x.tolist())]
    lines.insert(3, "   ")
    path = tmp_path / "s.csv"
    path.write_text("\n".join(lines) + "\n")
    got, labels = read_labeled_images(path)
    np.testing.assert_array_equal(got, unit(x))
    np.testing.assert_array_equal(labels, y)
    lines[2_101] = "4," + _row(p10="300")  # image 2,099 (0-based) after the blank line
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"s\.csv: line 2102, column 12 \('pixel10'\): value 300 "
                                         r"is out of range"):
        read_images(path)


def test_csv_error_line_counts_blank_lines_and_the_header(tmp_path):
    rows = [HEADER, _row(), "", "   ", _row(), _row(p5="7", p9="1.0"), _row()]
    (tmp_path / "b.csv").write_text("\r\n".join(rows) + "\r\n")
    with pytest.raises(InputError, match=r"b\.csv: line 6, column 10 \('pixel9'\): '1\.0' is "
                                         r"not an integer; expected an integer 0 \.\. 255\."):
        read_images(tmp_path / "b.csv")


def test_real_mnist_round_trips_through_every_kind(tmp_path, mnist):
    x, y = mnist
    expected = unit(x)
    np.save(tmp_path / "a.npy", x[..., 0])
    np.savez(tmp_path / "b.npz", x=x.reshape(12, -1), y=y)
    write_pngs(tmp_path / "pngs", x)
    write_csv(tmp_path / "train.csv", x, y, label_at=0)  # Kaggle train.csv layout
    write_csv(tmp_path / "test.csv", x)                   # Kaggle test.csv layout
    for name in ("a.npy", "pngs", "test.csv"):
        got, labels = read_labeled_images(tmp_path / name)
        np.testing.assert_array_equal(got, expected)
        assert labels is None
    for name in ("b.npz", "train.csv"):
        got, labels = read_labeled_images(tmp_path / name, num_classes=10)
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(labels, y)
    assert y.tolist()[:5] == [7, 2, 1, 0, 4]


# --- bad inputs ---------------------------------------------------------------------------


def _bad_npy(arr):
    def make(tmp_path):
        path = tmp_path / "bad.npy"
        np.save(path, arr)
        return path
    return make


BAD_NPY = {
    "float_0_255": (_bad_npy(np.full((2, 28, 28), 200.0)), ["divide by 255", "[0, 1]"]),
    "float_negative": (_bad_npy(np.full((2, 28, 28), -0.5)), ["[0, 1]", "image 0"]),
    "nan": (_bad_npy(np.concatenate([np.zeros((2, 784)), np.full((1, 784), np.nan)])),
            ["NaN", "image 2"]),
    "inf": (_bad_npy(np.full((1, 784), np.inf, np.float32)), ["NaN or Inf"]),
    "int_300": (_bad_npy(np.concatenate([np.zeros((1, 784), np.int64),
                                         np.full((1, 784), 300)])), ["0 .. 255", "image 1"]),
    "int_negative": (_bad_npy(np.full((1, 784), -1, np.int16)), ["0 .. 255", "-1"]),
    "color": (_bad_npy(np.zeros((2, 28, 28, 3), np.uint8)),
              ["(2, 28, 28, 3)", "[N, 28, 28, 1]", "[N, 784]"]),
    "wrong_size": (_bad_npy(np.zeros((2, 27, 28), np.uint8)), ["(2, 27, 28)", "[N, 28, 28]"]),
    "single_image": (_bad_npy(np.zeros((28, 28), np.uint8)), ["single image", "x[None]"]),
    "single_flat": (_bad_npy(np.zeros(784, np.uint8)), ["single image"]),
    "channels_first": (_bad_npy(np.zeros((2, 1, 28, 28), np.uint8)), ["channels-first"]),
    "no_images": (_bad_npy(np.zeros((0, 28, 28), np.uint8)), ["no images"]),
    "bool": (_bad_npy(np.zeros((2, 784), bool)), ["dtype bool", "0 .. 255"]),
    "complex": (_bad_npy(np.zeros((2, 784), complex)), ["dtype complex"]),
    "strings": (_bad_npy(np.array([["a"] * 784])), ["dtype <U1"]),
    "object": (_bad_npy(np.array([[1] * 784], dtype=object)), ["Python objects"]),
}


@pytest.mark.parametrize("case", sorted(BAD_NPY))
def test_bad_npy(tmp_path, case):
    make, fragments = BAD_NPY[case]
    path = make(tmp_path)
    with pytest.raises(InputError) as info:
        read_images(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_npy_that_is_not_numpy_or_is_an_npz(tmp_path):
    (tmp_path / "text.npy").write_text("hello")
    with pytest.raises(InputError, match=r"text\.npy.*not a NumPy file"):
        read_images(tmp_path / "text.npy")
    np.savez(tmp_path / "zipped.npz", x=np.zeros((1, 784), np.uint8))
    os.rename(tmp_path / "zipped.npz", tmp_path / "zipped.npy")
    with pytest.raises(InputError, match=r"zipped\.npy.*\.npz archive"):
        read_images(tmp_path / "zipped.npy")
    np.save(tmp_path / "single.npy", np.zeros((1, 784), np.uint8))
    os.rename(tmp_path / "single.npy", tmp_path / "single.npz")
    with pytest.raises(InputError, match=r"single\.npz.*single \.npy array"):
        read_images(tmp_path / "single.npz")
    raw = (tmp_path / "trunc.npy")
    np.save(raw, np.zeros((5, 784), np.uint8))
    raw.write_bytes(raw.read_bytes()[:300])
    with pytest.raises(InputError, match=r"trunc\.npy"):
        read_images(raw)


def _npz(**arrays):
    def make(tmp_path):
        path = tmp_path / "bad.npz"
        np.savez(path, **arrays)
        return path
    return make


X = np.zeros((3, 784), np.uint8)
BAD_NPZ = {
    "ambiguous": (_npz(a=X, b=X), ["'a', 'b'", "'x' or 'images'"]),
    "both_image_keys": (_npz(x=X, images=X), ["'x'", "'images'"]),
    "both_label_keys": (_npz(x=X, y=np.zeros(3, int), labels=np.zeros(3, int)),
                        ["'y'", "'labels'"]),
    "empty": (_npz(), ["no arrays"]),
    "bad_images": (_npz(x=np.zeros((3, 28, 28, 3), np.uint8)), ["array 'x'", "(3, 28, 28, 3)"]),
    "labels_length": (_npz(x=X, y=np.zeros(2, int)), ["array 'y'", "(2,)", "(3,)"]),
    "labels_one_hot": (_npz(x=X, labels=np.eye(3, 10)), ["array 'labels'", "argmax"]),
    "labels_fraction": (_npz(x=X, y=np.array([0, 1.5, 2])), ["1.5", "image 1", "integer"]),
    "labels_negative": (_npz(x=X, y=np.array([0, 1, -1])), ["-1", "image 2", "negative"]),
    "labels_text": (_npz(x=X, y=np.array(["a", "b", "c"])), ["dtype <U1"]),
    "object_member": (_npz(x=np.array([[0] * 784], dtype=object)), ["array 'x'",
                                                                   "Python objects"]),
}


@pytest.mark.parametrize("case", sorted(BAD_NPZ))
def test_bad_npz(tmp_path, case):
    make, fragments = BAD_NPZ[case]
    path = make(tmp_path)
    with pytest.raises(InputError) as info:
        read_labeled_images(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_damaged_npz(tmp_path):
    path = tmp_path / "damaged.npz"
    np.savez_compressed(path, x=np.random.default_rng(0).integers(0, 256, (50, 784)))
    data = bytearray(path.read_bytes())
    data[100:400] = bytes(300)
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"damaged\.npz"):
        read_images(path)


def test_labels_out_of_num_classes(tmp_path):
    np.savez(tmp_path / "d.npz", x=X, y=np.array([0, 10, 3]))
    assert read_labeled_images(tmp_path / "d.npz")[1].tolist() == [0, 10, 3]
    with pytest.raises(InputError, match=r"d\.npz.*label 10 of image 1.*0 \.\. 9"):
        read_labeled_images(tmp_path / "d.npz", num_classes=10)


GRAY = np.zeros((28, 28), np.uint8)
BAD_PNG = {
    "wrong_size": ("3.png", lambda f: Image.fromarray(np.zeros((32, 28), np.uint8), "L").save(
        f / "3.png"), ["32x28", "exactly 28x28", "not resized"]),
    "color": ("3.png", lambda f: Image.fromarray(
        np.dstack([GRAY, GRAY, GRAY + 1]), "RGB").save(f / "3.png"), ["color", "784 pixels"]),
    "transparent": ("3.png", lambda f: Image.fromarray(
        np.dstack([GRAY, GRAY, GRAY, GRAY + 100]), "RGBA").save(f / "3.png"), ["transparent"]),
    "gray_alpha": ("3.png", lambda f: Image.fromarray(
        np.dstack([GRAY, GRAY + 7]), "LA").save(f / "3.png"), ["transparent"]),
    "sixteen_bit": ("3.png", lambda f: Image.fromarray(
        np.zeros((28, 28), np.uint16)).save(f / "3.png"), ["16-bit", "8-bit grayscale",
                                                           "not rescaled"]),
    "palette_color": ("3.png", lambda f: Image.fromarray(
        np.dstack([GRAY, GRAY + 9, GRAY]), "RGB").convert("P", palette=Image.ADAPTIVE).save(
            f / "3.png"), ["color", "784 pixels"]),
    "transparent_key": ("3.png", lambda f: Image.fromarray(GRAY, "L").save(
        f / "3.png", transparency=0), ["transparent", "784 with alpha"]),
    "corrupt": ("3.png", lambda f: (f / "3.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken"),
                ["cannot be read as a PNG"]),
    "truncated": ("3.png", lambda f: (f / "3.png").write_bytes(_png_bytes()[:60]),
                  ["cannot be read as a PNG"]),
}


def _png_bytes():
    import io
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (28, 28), np.uint8), "L").save(
        buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize("case", sorted(BAD_PNG))
def test_bad_png_names_the_image_file(tmp_path, case):
    name, make, fragments = BAD_PNG[case]
    folder = write_pngs(tmp_path / "imgs", np.zeros((2, 28, 28, 1), np.uint8))
    make(folder)
    with pytest.raises(InputError) as info:
        read_images(folder)
    message = str(info.value)
    assert str(folder / name) in message
    for fragment in fragments:
        assert fragment in message


def test_png_folder_without_pngs(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match=r"empty.*no \.png images \(it is empty\)"):
        read_images(empty)
    other = tmp_path / "jpegs"
    other.mkdir()
    Image.fromarray(GRAY, "L").save(other / "1.jpg")
    (other / "readme.txt").write_text("x")
    with pytest.raises(InputError, match=r"jpegs.*it has only \.jpg, \.txt files"):
        read_images(other)


def test_png_folder_unsupported_channel_count(tmp_path):
    folder = write_pngs(tmp_path / "imgs", np.zeros((1, 28, 28, 1), np.uint8))
    with pytest.raises(InputError, match=r"imgs.*1 or 3 channels"):
        read_images(folder, image_shape=(28, 28, 4))


HEADER = ",".join(PIXELS)


def _row(values=None, **cells):
    values = list(values or ["0"] * 784)
    for k, v in cells.items():
        values[int(k[1:])] = v
    return ",".join(values)


# case: (file text, fragments of the message)
BAD_CSV = {
    "empty": ("", ["empty", "pixel0, pixel1, ..., pixel783"]),
    "no_header": (_row() + "\n" + _row() + "\n", ["line 1", "no header row"]),
    "header_only": (HEADER + "\n", ["no image lines"]),
    "out_of_order": (",".join(["pixel1", "pixel0"] + PIXELS[2:]) + "\n" + _row() + "\n",
                     ["line 1 (header)", "column 1 ('pixel1')", "expected 'pixel0'"]),
    "missing_pixel": (",".join(PIXELS[:5] + PIXELS[6:]) + "\n",
                      ["column 6 ('pixel6')", "expected 'pixel5'"]),
    "too_few_pixels": (",".join(PIXELS[:400]) + "\n", ["400 pixel columns", "expected 784"]),
    "too_many_pixels": (",".join(PIXELS + ["pixel784"]) + "\n", ["785 pixel columns"]),
    "unexpected_column": ("ImageId," + HEADER + "\n", ["column 1 ('ImageId')",
                                                       "unexpected column"]),
    "two_labels": ("label," + HEADER + ",label\n", ["two 'label' columns", "1 and 786"]),
    "non_numeric": (HEADER + "\n" + _row() + "\n" + _row(p12="abc") + "\n",
                    ["line 3", "column 13 ('pixel12')", "'abc' is not an integer"]),
    "float_value": (HEADER + "\n" + _row(p0="12.5") + "\n", ["line 2", "'12.5'"]),
    "out_of_range": (HEADER + "\n" + _row() + "\n" + _row() + "\n" + _row() + "\n"
                     + _row(p783="256") + "\n",
                     ["line 5", "column 784 ('pixel783')", "256", "0 .. 255"]),
    "negative": (HEADER + "\n" + _row(p7="-3") + "\n", ["line 2", "'pixel7'", "-3"]),
    "missing_value": (HEADER + "\n" + _row(p100="") + "\n",
                      ["line 2", "column 101 ('pixel100')", "missing"]),
    "short_row": (HEADER + "\n" + _row() + "\n" + ",".join(["0"] * 700) + "\n",
                  ["line 3", "700 values", "expected 784"]),
    "long_row": (HEADER + "\n" + _row() + ",0\n", ["line 2", "785 values"]),
    "label_text": ("label," + HEADER + "\n" + "seven," + _row() + "\n",
                   ["line 2", "column 1 ('label')", "'seven'", "class index"]),
    "label_negative": ("label," + HEADER + "\n1," + _row() + "\n-1," + _row() + "\n",
                       ["line 3", "'label'", "negative"]),
    "huge_value": (HEADER + "\n" + _row(p3="9" * 30) + "\n", ["line 2", "'pixel3'",
                                                              "out of range"]),
    "labeled_out_of_range": ("label," + HEADER + "\n3," + _row() + "\n3," + _row(p0="300")
                             + "\n", ["line 3", "column 2 ('pixel0')", "value 300",
                                      "0 .. 255"]),
    "labeled_negative_pixel": ("label," + HEADER + "\n3," + _row(p783="-1") + "\n",
                               ["line 2", "column 785 ('pixel783')", "value -1"]),
    "huge_label": ("label," + HEADER + "\n" + "9" * 30 + "," + _row() + "\n",
                   ["line 2", "column 1 ('label')", "out of range", "class index"]),
    "integral_float": (HEADER + "\n" + _row(p1="2.0") + "\n",
                       ["line 2", "'pixel1'", "'2.0' is not an integer"]),
    "comment_like": (HEADER + "\n" + _row(p2="#3") + "\n", ["line 2", "'#3'"]),
    "header_and_blank_lines": (HEADER + "\n\n  \n", ["no image lines"]),
    "trailing_comma": (HEADER + "\n" + _row() + ",\n", ["line 2", "785 values"]),
    "not_utf8": (b"\xff\xfe\x00bad", ["UTF-8"]),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV))
def test_bad_csv_names_line_and_column(tmp_path, case):
    text, fragments = BAD_CSV[case]
    path = tmp_path / "user.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(InputError) as info:
        read_labeled_images(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message


def test_missing_path_and_unsupported_kind(tmp_path):
    with pytest.raises(InputError, match=r"nope\.npy: no such file or folder.*\.npz"):
        read_images(tmp_path / "nope.npy")
    Image.fromarray(GRAY, "L").save(tmp_path / "digit.png")
    with pytest.raises(InputError) as info:
        read_images(tmp_path / "digit.png")
    message = str(info.value)
    assert "digit.png" in message and "unsupported" in message
    for kind in (".npy", ".npz", ".csv", "folder of .png"):
        assert kind in message
    (tmp_path / "noext").write_text("x")
    with pytest.raises(InputError, match=r"noext.*no suffix"):
        read_images(tmp_path / "noext")


@pytest.mark.parametrize("shape", [(28, 28), (28, 28, 0), (28, 28.0, 1), "abc", None,
                                   (True, 28, 1)])
def test_bad_image_shape_argument(tmp_path, shape):
    np.save(tmp_path / "x.npy", X)
    with pytest.raises(ValueError, match="image_shape"):
        read_images(tmp_path / "x.npy", image_shape=shape)


def test_other_image_shapes(tmp_path):
    x = np.random.default_rng(3).integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    np.save(tmp_path / "c.npy", x.reshape(4, -1))
    np.testing.assert_array_equal(read_images(tmp_path / "c.npy", image_shape=(32, 32, 3)),
                                  x.astype(np.float32) / np.float32(255))
    path = write_csv(tmp_path / "c.csv", x)
    np.testing.assert_array_equal(read_images(path, image_shape=(32, 32, 3)),
                                  x.astype(np.float32) / np.float32(255))
    np.save(tmp_path / "hw.npy", x[..., 0])  # [N, H, W] only when C == 1
    with pytest.raises(InputError, match=r"hw\.npy.*\(4, 32, 32\)"):
        read_images(tmp_path / "hw.npy", image_shape=(32, 32, 3))


def test_module_imports_no_tensorflow_or_keras():
    tree = ast.parse(pathlib.Path(inputs.__file__).read_text())
    names = {(node.module if isinstance(node, ast.ImportFrom) else alias.name)
             for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
             for alias in node.names}
    top = {n.split(".")[0] for n in names}
    assert top <= {"csv", "os", "pathlib", "re", "warnings", "zipfile", "numpy", "PIL",
                   "ssgm_zoo"}, names
    assert {n for n in names if n.startswith("ssgm_zoo")} == {"ssgm_zoo.images"}


def test_module_loads_and_reads_without_tensorflow_keras_or_jax(tmp_path, images):
    """Imported through the package, the module reads CSV and PNG input with none of
    them in ``sys.modules``."""
    write_csv(tmp_path / "d.csv", images, [1] * 7, label_at=0)
    write_pngs(tmp_path / "pngs", images)
    code = (
        "import sys\n"
        "import ssgm_zoo.zoo.inputs as m\n"
        f"assert m.read_labeled_images({str(tmp_path / 'd.csv')!r})[0].shape == (7, 28, 28, 1)\n"
        f"assert m.read_images({str(tmp_path / 'pngs')!r}).shape == (7, 28, 28, 1)\n"
        "print(sorted({n.split('.')[0] for n in sys.modules} & "
        "{'tensorflow', 'keras', 'jax', 'torch'}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout
