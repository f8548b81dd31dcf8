"""Prints the Kingma et al. 2014 results table of docs/kingma2014.md from the zoo records.

  python tools/kingma_table.py

Paper and earlier-reproduction columns come from ssgm_zoo/models/kingma/paper.py
(labeled as theirs); ours from the entries' recorded test metrics.
"""

from absl import app


def _pct(v):
    return "-" if v is None else f"{100 * v:.2f}"


def table():
    from ssgm_zoo.models.kingma import paper
    from ssgm_zoo.zoo import registry

    rows = ["| model | labels | paper (test error %) | earlier reproduction, authors' code | "
            "ours: mean ± std (runs) | ours: published checkpoint | epochs | train time / run |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    names = registry.list_models()
    for name in names:
        r = registry.model_info(name)
        family, n = r["family"], r.get("num_labels")
        key = "test_latent_classifier_error_rate" if family == "m1" else "test_error_rate"
        if key not in r["metrics"]:
            continue
        m = r["metrics"][key]
        n = n or m.get("num_labels")
        p = paper.TABLE1_TEST_ERROR.get((family, n))
        earlier = paper.EARLIER_REPRODUCTION_M1M2.get(n) if family == "m1m2" else None
        label = {"m1": "M1 + logistic regression (paper: M1+TSVM)", "m2": "M2",
                 "m1m2": "M1+M2"}[family]
        std = "" if m.get("std") is None else f" ± {_pct(m['std'])}"
        t = r["training"]
        minutes = t["train_seconds_published_run"] / 60
        rows.append(
            f"| {label} (`{name}`) | {n} | {p[0]:.2f} ± {p[1]:.2f} | "
            f"{'-' if earlier is None else f'{earlier:.2f}'} | {_pct(m['mean'])}{std} "
            f"({m['num_runs']}) | {_pct(m['checkpoint'])} | {t['epochs']} | "
            f"{minutes:.1f} min |")
    return "\n".join(rows)


def main(argv):
    del argv
    print(table())


if __name__ == "__main__":
    app.run(main)
