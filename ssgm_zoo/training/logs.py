"""A run's per-epoch metrics: ``metrics.jsonl``, ``metrics.csv`` and TensorBoard scalars.

TensorBoard files are written by tensorboardX's ``SummaryWriter``, which needs
neither TensorFlow nor PyTorch (the GPU machine runs Keras on JAX alone).
``metrics.jsonl`` is the record of truth; ``metrics.csv`` holds the same rows
for spreadsheets, and is rewritten only when a record brings new columns (the
first evaluation epoch), so long runs append.

Example:
>>> import tempfile
>>> log = RunLog(tempfile.mkdtemp())
>>> log.write({"epoch": 1, "step": 100, "train_loss": 2.5})
>>> log.close()
>>> [r["train_loss"] for r in read_records(log.workdir)]
[2.5]
"""

import csv
import json
import os

from ssgm_zoo import files

__all__ = ["RunLog", "read_records", "JSONL_FILE", "CSV_FILE", "TENSORBOARD_DIR"]

JSONL_FILE = "metrics.jsonl"
CSV_FILE = "metrics.csv"
TENSORBOARD_DIR = "tensorboard"


def read_records(workdir):
    """The per-epoch records of ``workdir/metrics.jsonl`` (an empty list if there is none)."""
    path = os.path.join(workdir, JSONL_FILE)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _summary_writer_class():
    """tensorboardX's ``SummaryWriter``, or an ImportError naming what is missing."""
    try:
        from tensorboardX import SummaryWriter
    except ImportError as error:
        raise ImportError(
            f"The run's TensorBoard logs need tensorboardX, which does not import here "
            f"({error}): `pip install tensorboardX` (it needs protobuf; on the GPU machine "
            "stage both: `bash ../shared/device/stage.sh tensorboardX==2.6.5 "
            "protobuf==7.36.2`).") from error
    return SummaryWriter


class RunLog:
    """Appends one record per epoch to a run folder's metric files.

    Args:
        workdir: the run folder (created if needed).
    """

    def __init__(self, workdir):
        self.workdir = str(workdir)
        self._summary_writer = _summary_writer_class()  # before any training, not after
        os.makedirs(self.workdir, exist_ok=True)
        self._writer = None

    def _tensorboard(self):
        if self._writer is None:
            self._writer = self._summary_writer(os.path.join(self.workdir, TENSORBOARD_DIR))
        return self._writer

    def write(self, record):
        """Appends ``record`` (with ``epoch`` and ``step``) to every metric file."""
        with open(os.path.join(self.workdir, JSONL_FILE), "a") as f:
            f.write(json.dumps(record) + "\n")
        self._write_csv(record)
        writer = self._tensorboard()
        for key, value in record.items():
            if key not in ("epoch", "step") and _is_number(value):
                writer.add_scalar(key, value, global_step=record["step"])
        writer.flush()

    def _write_csv(self, record):
        path = os.path.join(self.workdir, CSV_FILE)
        fields = []
        if os.path.exists(path):
            with open(path, newline="") as f:
                fields = next(csv.reader(f), [])
        if fields and set(record) <= set(fields):
            with open(path, "a", newline="") as f:
                csv.DictWriter(f, fieldnames=fields).writerow(record)
            return
        rows = []
        if fields:
            with open(path, newline="") as f:
                rows = list(csv.DictReader(f))
        self._rewrite_csv(list(dict.fromkeys([*fields, *record])), [*rows, record])

    def _rewrite_csv(self, fields, rows):
        with files.atomic_write(os.path.join(self.workdir, CSV_FILE), newline="",
                                durable=False) as f:
            out = csv.DictWriter(f, fieldnames=fields)
            out.writeheader()
            out.writerows(rows)

    def truncate(self, epoch):
        """Drops records after ``epoch``: a run killed after logging an epoch but before
        checkpointing it repeats that epoch on resume, and each epoch is logged once."""
        path = os.path.join(self.workdir, JSONL_FILE)
        if os.path.exists(path):
            keep = [r for r in read_records(self.workdir) if r["epoch"] <= epoch]
            with files.atomic_write(path, durable=False) as f:
                f.writelines(json.dumps(r) + "\n" for r in keep)
        path = os.path.join(self.workdir, CSV_FILE)
        if os.path.exists(path):
            with open(path, newline="") as f:
                reader = csv.DictReader(f)
                rows = [r for r in reader if int(r["epoch"]) <= epoch]
                fields = reader.fieldnames or []
            self._rewrite_csv(fields, rows)

    def close(self):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
