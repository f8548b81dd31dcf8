"""The lab's comparison table, from the runs of ``tools/reproduce.py ssl_cnn``.

The zoo publishes one entry (the best model), but the lab's table has a row
per method and technique, each a mean over seeds. This reads every finished
run of a protocol work directory (its ``manifest.json`` and each seed's
``metrics.json``) and prints them in protocol order.

Example:
    python -c "from ssgm_zoo.models.ssl_cnn import tables; print(tables.comparison_table('runs/ssl_cnn'))"
"""

import numpy as np

from ssgm_zoo import reproduce

__all__ = ["comparison_table"]


def _percent(values):
    values = 100 * np.asarray(values, dtype=float)
    if len(values) == 1:
        return f"{values[0]:.2f} %"
    return f"{values.mean():.2f} ± {values.std(ddof=1):.2f} %"


def comparison_table(workdir, baseline="cnn-mnist-3000-baseline"):
    """Markdown: test and held-out validation error (mean ± sample std over seeds), the
    factor by which each row's mean test error is below the baseline's, steps and
    training time."""
    runs = reproduce.finished_metrics(workdir)
    base = runs.get(baseline)
    base_error = None if base is None else np.mean([m["test_error_rate"] for m in base])
    rows = ["| run | model | test error | validation error (500 held-out labels) | "
            "baseline / this | seeds | epochs | train time / seed |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, seeds in runs.items():
        test = [m["test_error_rate"] for m in seeds]
        ratio = "-" if not base_error else f"{base_error / max(np.mean(test), 1e-12):.1f}x"
        rows.append(
            f"| `{name}` | {seeds[0]['model_name']} | {_percent(test)} "
            f"| {_percent([m['validation_error_rate'] for m in seeds])} | {ratio} "
            f"| {len(seeds)} | {seeds[0]['epochs']} "
            f"| {np.mean([m['train_seconds'] for m in seeds]) / 60:.1f} min |")
    return "\n".join(rows)
