"""Publishes zoo entries to the Hugging Face Hub and pins the resulting revision.

  HF_TOKEN=... python tools/publish.py --entries=m1-mnist,m1m2-mnist-100 --org=ssgm-zoo
  python tools/publish.py --entries=m1m2-mnist-100 --dry_run   # lists what would be sent

Each entry's mirror folder is uploaded to ``<org>/<entry>`` with
``HfApi.create_repo`` and ``upload_folder``; the commit sha is written into the
entry's record (``hub.revision``), so loads are pinned to exactly that upload.
"""

from absl import app, flags

_ENTRIES = flags.DEFINE_list("entries", None, "Entry names (shell wildcards allowed).")
_ORG = flags.DEFINE_string("org", "ssgm-zoo", "Hub organisation or user.")
_ENDPOINT = flags.DEFINE_string("endpoint", None, "Hub URL (default $HF_ENDPOINT or the Hub).")
_DRY_RUN = flags.DEFINE_bool("dry_run", False, "Show what would be uploaded; send nothing.")
_PRIVATE = flags.DEFINE_bool("private", False, "Create private repositories.")
flags.mark_flags_as_required(["entries"])


def main(argv):
    del argv
    from ssgm_zoo.zoo import publish_entries

    for result in publish_entries(_ENTRIES.value, org=_ORG.value, endpoint=_ENDPOINT.value,
                                  dry_run=_DRY_RUN.value, private=_PRIVATE.value):
        print(f"{result.repo_id}: {'(dry run) ' if result.dry_run else ''}"
              f"{len(result.files)} files" + ("" if result.dry_run else
                                              f", revision {result.commit_sha}"))
        for name, size, sha in result.files:
            print(f"  {name:24s} {size:>10d}  {sha}")


if __name__ == "__main__":
    app.run(main)
