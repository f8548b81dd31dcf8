"""Prints a family's results table (as in its docs/ page) from the zoo records.

  python tools/table.py FAMILY      # a folder name of ssgm_zoo/models/

The paper's columns come from the family (labeled as the paper's); ours from
the entries' recorded test metrics.
"""

from absl import app


def table(family_name):
    """The Markdown results table of ``family_name``."""
    from ssgm_zoo import families
    from ssgm_zoo.zoo import registry

    family = families.get(family_name)
    if family.results_table is None:
        raise app.UsageError(f"Family {family_name!r} has no results table.")
    records = [r for r in registry.records().values() if r.family == family.name]
    return family.results_table(records)


def main(argv):
    if len(argv) != 2:
        raise app.UsageError("Usage: python tools/table.py FAMILY")
    print(table(argv[1]))


if __name__ == "__main__":
    app.run(main)
