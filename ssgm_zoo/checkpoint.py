"""Model directories in Keras's own layout: ``config.json``, ``metadata.json``,
``model.weights.h5`` (the layout keras-hub presets and ``hf://`` repositories use).

Only JSON and HDF5 weights are read: no pickles, no code from the directory.
"""

import datetime
import json
import os
import platform
import shutil

import keras

from ssgm_zoo.version import __version__

__all__ = ["save_model_dir", "load_model_dir", "CONFIG_FILE", "METADATA_FILE", "WEIGHTS_FILE"]

CONFIG_FILE = "config.json"
METADATA_FILE = "metadata.json"
WEIGHTS_FILE = "model.weights.h5"


def save_model_dir(model, path, metadata=None, extra_files=None):
    """Writes ``model`` to the directory ``path`` atomically (a temp dir, then a rename).

    Args:
        model: a built Keras model registered as serializable.
        path: target directory; replaced if it exists.
        metadata: extra JSON-able fields for ``metadata.json``.
        extra_files: ``{file name: JSON-able object}`` written next to the model.

    Returns:
        ``path``.
    """
    path = os.path.abspath(path)
    tmp = path + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    with open(os.path.join(tmp, CONFIG_FILE), "w") as f:
        json.dump(keras.saving.serialize_keras_object(model), f, indent=2)
    meta = {
        "keras_version": keras.__version__,
        "ssgm_zoo_version": __version__,
        "backend": keras.backend.backend(),
        "parameter_count": int(model.count_params()),
        "date_saved": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
    }
    meta.update(metadata or {})
    with open(os.path.join(tmp, METADATA_FILE), "w") as f:
        json.dump(meta, f, indent=2)
    model.save_weights(os.path.join(tmp, WEIGHTS_FILE))
    for name, obj in (extra_files or {}).items():
        with open(os.path.join(tmp, name), "w") as f:
            json.dump(obj, f, indent=1)
    if os.path.exists(path):
        shutil.rmtree(path)
    os.replace(tmp, path)
    return path


def load_model_dir(path, *, load_weights=True):
    """Builds the model in ``path`` and loads its weights.

    Args:
        path: a directory written by ``save_model_dir``.
        load_weights: False to return the freshly built model only.

    Returns:
        The model, ready for inference.

    Raises:
        FileNotFoundError: a file of the layout is missing (named in the message).
    """
    for name in (CONFIG_FILE, WEIGHTS_FILE) if load_weights else (CONFIG_FILE,):
        if not os.path.isfile(os.path.join(path, name)):
            raise FileNotFoundError(f"{os.path.join(path, name)} is missing; not a model directory.")
    with open(os.path.join(path, CONFIG_FILE)) as f:
        config = json.load(f)
    import ssgm_zoo.models  # noqa: F401  (registers the zoo's classes for deserialization)

    # safe_mode forbids lambdas and other code in the config.
    model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    if load_weights:
        model.load_weights(os.path.join(path, WEIGHTS_FILE))
    return model
