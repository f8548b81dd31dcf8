"""Prints a family's results table (as in its docs/ page) from the zoo records.

  python tools/table.py FAMILY      # a folder name of ssgm_zoo/models/

The paper's columns come from the family (labeled as the paper's); ours from
the entries' recorded test metrics.
"""

from absl import app


def main(argv):
    if len(argv) != 2:
        raise app.UsageError("Usage: python tools/table.py FAMILY")
    from ssgm_zoo.zoo import registry

    print(registry.results_table(argv[1]))


if __name__ == "__main__":
    app.run(main)
