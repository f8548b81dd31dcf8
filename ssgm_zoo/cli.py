"""The ``ssgm-zoo`` command (also ``python -m ssgm_zoo``).

  ssgm-zoo list [PATTERN]
  ssgm-zoo info NAME
  ssgm-zoo evaluate NAME [--data_dir D] [--json]
  ssgm-zoo predict NAME --output predictions.csv [--input FILE_OR_DIR] [--data_dir D]
  ssgm-zoo sample NAME --output grid.png [--class K]

Every command takes ``--source`` (a local entry directory or ``hf://org/repo``)
and ``--revision``. ``--backend`` picks the Keras backend. Commands start
quietly: the lines TensorFlow and XLA write at start-up (CUDA stubs, CPU
feature notices) are hidden unless ``--verbose``; ``list`` and ``info`` read
JSON only and import no backend.
"""

import argparse
import contextlib
import os
import signal
import sys

import ssgm_zoo

__all__ = ["main", "build_parser"]


def _add_entry_options(parser):
    parser.add_argument("name", help="zoo entry, e.g. m1m2-mnist-100 (see `ssgm-zoo list`)")
    parser.add_argument("--source", default=None,
                        help="load from this directory or hf://org/repo[@revision] instead of "
                             "the mirror/Hub resolution")
    parser.add_argument("--revision", default=None,
                        help="Hub revision (commit sha) instead of the pinned one")


def _add_data_option(parser):
    parser.add_argument("--data_dir", default=os.environ.get("SSGM_ZOO_DATA_DIR"),
                        help="folder with the dataset's original files (default: "
                             "$SSGM_ZOO_DATA_DIR; unset: tensorflow-datasets, may download)")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def build_parser():
    parser = argparse.ArgumentParser(
        prog="ssgm-zoo", description="Pretrained semi-supervised deep generative models.")
    parser.add_argument("--backend", choices=["tensorflow", "jax"], default=None,
                        help="Keras backend (default: $KERAS_BACKEND or tensorflow)")
    parser.add_argument("--verbose", action="store_true",
                        help="show the backend's start-up and log lines")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="entries and their headline metric")
    p.add_argument("pattern", nargs="?", default=None, help="shell-style wildcard, e.g. 'm1m2-*'")
    p.add_argument("--markdown", action="store_true",
                   help="a Markdown table with sizes and commands (as in docs/zoo.md)")

    p = sub.add_parser("info", help="an entry's record and model card")
    p.add_argument("name", help="zoo entry")
    p.add_argument("--json", action="store_true", help="print the record as JSON only")

    p = sub.add_parser("evaluate", help="recompute an entry's test metrics on this machine")
    _add_entry_options(p)
    _add_data_option(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("predict", help="write a Kaggle-style CSV of predicted labels")
    _add_entry_options(p)
    _add_data_option(p)
    p.add_argument("--output", required=True, help="CSV file to write (atomically)")
    p.add_argument("--input", default=None,
                   help=".npy/.npz array, folder of PNG images, or Kaggle pixel CSV "
                        "(pixel0..pixel783, optional label column); default: the test split")
    p.add_argument("--id_column", default="ID", help="name of the ID column (Kaggle: ImageId)")
    p.add_argument("--label_column", default="label", help="name of the label column (Kaggle: Label)")
    p.add_argument("--first_id", type=int, default=0, help="ID of the first row (Kaggle: 1)")
    p.add_argument("--batch_size", type=_positive_int, default=1000,
                   help="images per forward pass")
    p.add_argument("--invert", action="store_true",
                   help="invert the images (1 - x): for dark strokes on a light background")
    p.add_argument("--no_polarity_check", action="store_true",
                   help="use images that look inverted as they are")

    p = sub.add_parser("sample", help="save a grid of generated images")
    _add_entry_options(p)
    p.add_argument("--output", required=True,
                   help="image file to write; its extension picks the format (.png, .jpg, ...)")
    p.add_argument("--class", dest="label", type=int, default=None,
                   help="generate this class only (conditional models); default: one column "
                        "per class with a shared style per row")
    p.add_argument("--num", type=_positive_int, default=10,
                   help="rows of the grid (styles or samples), 1 to 100")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    return parser


@contextlib.contextmanager
def _native_stderr_hidden():
    """Sends what native code writes to file descriptor 2 to /dev/null; Python's
    ``sys.stderr`` (our errors, warnings, tracebacks) keeps the real stream."""
    try:
        sys.stderr.flush()
        real = sys.stderr.fileno() == 2
    except (OSError, ValueError):  # no real file descriptor (e.g. captured in tests)
        real = False
    if not real:
        yield
        return
    saved = os.dup(2)
    python_stderr = sys.stderr
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1)
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stderr.close()
        sys.stderr = python_stderr
        os.dup2(saved, 2)
        os.close(saved)


def _quiet_logs():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import logging

    logging.getLogger("absl").setLevel(logging.ERROR)


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.backend:
        ssgm_zoo.use_backend(args.backend)
    if not args.verbose:
        _quiet_logs()
    from ssgm_zoo.zoo import commands

    command = {"list": commands.list_entries, "info": commands.info,
               "evaluate": commands.evaluate, "predict": commands.predict,
               "sample": commands.sample}[args.command]
    quiet = contextlib.nullcontext() if args.verbose else _native_stderr_hidden()
    # SIGTERM unwinds like Ctrl-C, so that files being written are removed, not left half done.
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread: leave signals alone
        previous = None
    try:
        with quiet:
            return command(args) or 0
    except commands.USER_ERRORS as error:
        print(f"ssgm-zoo {args.command}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # disk full, permission denied, ... while writing
        where = f"{error.filename}: " if error.filename else ""
        print(f"ssgm-zoo {args.command}: error: {where}{error.strerror or error}",
              file=sys.stderr)
        return 2
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _terminate(signum, frame):
    del frame
    raise SystemExit(128 + signum)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

