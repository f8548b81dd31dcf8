"""Measures training speed of a config on this device (and optionally time-to-target).

  python tools/benchmark.py --config=zoo_configs/m1m2_mnist.py:100 \
      --config.m1_checkpoint=runs/m1-mnist-s0/model --data_dir=../shared/data \
      --backend=jax --epochs=3 [--target=0.05 --max_epochs=200] [--output=bench.json]

Prints one JSON object: seconds per epoch (median after a compiling warm-up
epoch), steps/s, images/s, backend and devices. With ``--seeds=1,5,10``: for
each seed count S, S seeds trained as one program, their speed-up over S
separate runs, XLA's FLOPs per epoch and the achieved fraction of the device's
peak (JAX).
"""

import json
import os

from absl import app, flags
from ml_collections import config_flags

import ssgm_zoo
from ssgm_zoo import config as config_lib

_CONFIG = config_flags.DEFINE_config_file("config", None, "Experiment config file[:arg].")
_DATA_DIR = flags.DEFINE_string("data_dir", os.environ.get("SSGM_ZOO_DATA_DIR"), "Data folder.")
_BACKEND = flags.DEFINE_enum("backend", None, ["tensorflow", "jax"], "Keras backend.")
_EPOCHS = flags.DEFINE_integer("epochs", 3, "Timed epochs after the warm-up epoch.")
_TARGET = flags.DEFINE_float("target", None, "Also time until validation error <= target.")
_MAX_EPOCHS = flags.DEFINE_integer("max_epochs", 100, "Give up on the target after this.")
_OUTPUT = flags.DEFINE_string("output", None, "Also write the JSON here.")
_SEEDS = flags.DEFINE_list("seeds", None,
                           "Seed counts (e.g. 1,5,10): time S seeds as one program for each S.")
_SEED_LOOP = flags.DEFINE_enum("seed_loop", "auto", ["auto", "vmap", "map"],
                               "How one program runs several seeds (JAX): vmap, lax.map, "
                               "or auto (map on CPU, vmap elsewhere).")
flags.mark_flags_as_required(["config"])


def main(argv):
    del argv
    if _BACKEND.value:
        ssgm_zoo.use_backend(_BACKEND.value)
    from ssgm_zoo import benchmark

    if _SEEDS.value:
        result = benchmark.seeds_throughput(_CONFIG.value, data_dir=_DATA_DIR.value,
                                            seed_counts=[int(s) for s in _SEEDS.value],
                                            epochs=_EPOCHS.value,
                                            seed_loop=_SEED_LOOP.value)
    else:
        result = benchmark.throughput(_CONFIG.value, data_dir=_DATA_DIR.value,
                                      epochs=_EPOCHS.value)
    if _TARGET.value is not None:
        result["time_to_target"] = benchmark.time_to_target(
            _CONFIG.value, target=_TARGET.value, max_epochs=_MAX_EPOCHS.value,
            data_dir=_DATA_DIR.value)
    text = json.dumps(result, indent=1)
    print(text)
    if _OUTPUT.value:
        with open(_OUTPUT.value, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    app.run(main, flags_parser=config_lib.parse_flags_with_usage)
