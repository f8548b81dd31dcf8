"""The training commands in docs/ (the pending GPU runs above all) and README.md
parse, and name their data folder.

A GPU session runs them as written; an override the tools cannot parse
(a misspelt field, a value of the wrong type) would fail there, after the
machine was started; so would a command without ``--data_dir``, whose data
tensorflow-datasets would try to download on a machine with neither
tensorflow-datasets nor a network. They are parsed as the tools parse them
(``ssgm_zoo.config.parse_flags``). Shell loops (``for V in "a" "b"; do``,
``for A in elu relu; do``) are expanded with each of their values, and lines
continued with a backslash are joined.
"""

import itertools
import re
import shlex

import pytest
from absl import flags
from ml_collections import config_flags

from ssgm_zoo.config import parse_flags
from tests.backends import REPO

_LOOP = re.compile(r"for (\w+) in ([^;]+);")
_TRAIN = re.compile(r"python tools/(?:train|benchmark)\.py ([^`\n;]*)")


def _commands():
    for doc in sorted((REPO / "docs").glob("*.md")) + [REPO / "README.md"]:
        text = re.sub(r"\\\n\s*", " ", doc.read_text())
        for span in re.findall(r"`([^`]+)`|^    (.+)$", text, re.M):
            span = span[0] or span[1]
            loops = {name: re.findall(r'"([^"]*)"', values) if '"' in values else values.split()
                     for name, values in _LOOP.findall(span)}
            for values in itertools.product(*loops.values()):
                text = span
                for name, value in zip(loops, values):
                    text = re.sub(r"\$\{?%s\}?" % name, value, text)
                for match in _TRAIN.finditer(text):
                    if text[:match.start()].endswith('--command="'):
                        continue  # a record's command, quoted inside another
                    words = shlex.split(re.sub(r"\$\([^)]*\)", "x", match.group(1)))
                    args = [a for a in words if a.startswith("--config")]
                    if args and "$" not in " ".join(args):
                        yield pytest.param(args, words, id=f"{doc.name}:{' '.join(args)[:120]}")


@pytest.mark.parametrize("args,words", list(_commands()))
def test_config_overrides_of_documented_commands_parse(args, words):
    assert any(w.startswith("--data_dir=") for w in words), "no --data_dir"
    argv = ["train.py"] + [a.replace("zoo_configs/", f"{REPO}/zoo_configs/", 1) for a in args]
    values = flags.FlagValues()
    config_flags.DEFINE_config_file("config", flag_values=values, sys_argv=argv)
    parse_flags(argv, flag_values=values)
    assert values.config is not None
