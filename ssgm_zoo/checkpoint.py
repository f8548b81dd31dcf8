"""Model directories in Keras's own layout: ``config.json``, ``metadata.json``,
``model.weights.h5`` (the layout keras-hub presets and ``hf://`` repositories use).

Only JSON and HDF5 weights are read: no pickles, no code from the directory.
A model's classes are registered by importing its family's model modules,
found through the family registry from the module the config names.
"""

import datetime
import json
import os
import platform
import shutil

from ssgm_zoo import files
from ssgm_zoo.version import __version__
from ssgm_zoo.zoo.records import WEIGHTS_DTYPES

__all__ = ["save_model_dir", "load_model_dir", "split_weights", "merge_weights", "round_weights",
           "cast_weights_file", "CONFIG_FILE", "METADATA_FILE", "WEIGHTS_FILE", "WEIGHTS_DTYPES"]

CONFIG_FILE = "config.json"
METADATA_FILE = "metadata.json"
WEIGHTS_FILE = "model.weights.h5"
# WEIGHTS_DTYPES: how a model directory may store its floating-point weights.
# float16 halves the file; the model still computes in float32 (Keras casts on
# loading).


def save_model_dir(model, path, metadata=None, extra_files=None, weights_dtype="float32"):
    """Writes ``model`` to the directory ``path`` atomically (a temp dir, then a rename).

    Args:
        model: a built Keras model registered as serializable.
        path: target directory (parents are created); replaced if it exists.
        metadata: extra JSON-able fields for ``metadata.json``.
        extra_files: ``{file name: JSON-able object}`` written next to the model.
        weights_dtype: ``"float16"`` stores the float32 weights as float16
            (``round_weights`` first, to know what that changes); the dtype is
            written to ``metadata.json``.

    Returns:
        ``path``.
    """
    import keras

    path = os.path.abspath(path)
    meta = {
        "keras_version": keras.__version__,
        "ssgm_zoo_version": __version__,
        "backend": keras.backend.backend(),
        "parameter_count": int(model.count_params()),
        "date_saved": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
    }
    if weights_dtype not in WEIGHTS_DTYPES:
        raise ValueError(f"weights_dtype must be one of {WEIGHTS_DTYPES}, got {weights_dtype!r}.")
    if weights_dtype != "float32":
        meta["weights_dtype"] = weights_dtype
    meta.update(metadata or {})
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with files.atomic_directory(path) as tmp:
        (tmp / CONFIG_FILE).write_text(
            json.dumps(keras.saving.serialize_keras_object(model), indent=2))
        (tmp / METADATA_FILE).write_text(json.dumps(meta, indent=2))
        if weights_dtype == "float32":
            model.save_weights(str(tmp / WEIGHTS_FILE))
        else:
            model.save_weights(str(tmp / "float32.weights.h5"))
            cast_weights_file(tmp / "float32.weights.h5", tmp / WEIGHTS_FILE, weights_dtype)
            os.remove(tmp / "float32.weights.h5")
        for name, obj in (extra_files or {}).items():
            (tmp / name).write_text(json.dumps(obj, indent=1))
    return path


def _register_classes(config):
    """Imports the model classes a serialized model needs (its family's, found by module).

    Nothing else is imported: a class outside the zoo's families loads only if
    the caller registered it already.
    """
    import keras

    from ssgm_zoo import families

    module = config.get("module", "") if isinstance(config, dict) else ""
    family = families.family_of_module(module)
    if family is not None:
        family.import_models()
    elif keras.saving.get_registered_object(config.get("registered_name")) is None:
        raise ValueError(f"The model's config names class {config.get('registered_name')!r} "
                         f"of module {module!r}, which belongs to no registered ssgm-zoo family "
                         "and is not registered with Keras; import the module that defines it.")


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
    import keras

    for name in (CONFIG_FILE, WEIGHTS_FILE) if load_weights else (CONFIG_FILE,):
        if not os.path.isfile(os.path.join(path, name)):
            raise FileNotFoundError(f"{os.path.join(path, name)} is missing; not a model directory.")
    with open(os.path.join(path, CONFIG_FILE)) as f:
        config = json.load(f)
    _register_classes(config)
    # safe_mode forbids lambdas and other code in the config.
    model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    if load_weights:
        model.load_weights(os.path.join(path, WEIGHTS_FILE))
    return model


def split_weights(weights_path, out_path, group):
    """Writes ``weights_path`` without ``group`` (weights another entry ships)."""
    import h5py

    # Copy every other group into a fresh file (deleting in place leaves the space used).
    with h5py.File(weights_path, "r") as src, h5py.File(out_path, "w") as dst:
        for key, value in src.attrs.items():
            dst.attrs[key] = value
        _copy_except(src, dst, group.strip("/").split("/"))


def _copy_except(src, dst, parts):
    for key in src:
        if parts and key == parts[0]:
            if len(parts) > 1:
                target = dst.require_group(key)
                for k, v in src[key].attrs.items():
                    target.attrs[k] = v
                _copy_except(src[key], target, parts[1:])
            continue
        src.copy(src[key], dst, name=key)


def merge_weights(own_path, base_path, out_path, group):
    """Writes a full weights file: ``own_path`` plus ``base_path``'s weights under ``group``."""
    import h5py

    shutil.copyfile(own_path, out_path)
    with h5py.File(out_path, "a") as dst, h5py.File(base_path, "r") as base:
        target = dst.require_group(group)
        for key in base:
            base.copy(base[key], target, name=key)


def _stays_float32(values):
    """Whether an array is stored as it is in a float16 file: all but float32
    arrays of more than one value.

    Single values cost nothing, and the counters models keep as float32 scalars (steps
    of a schedule, batches seen by an average) pass float16's 2,048, beyond
    which it skips integers, and its 65,504 within a GPU run's 180,000 steps.
    """
    import numpy as np

    return values.dtype != np.float32 or values.size == 1


def _float16_overflow(values):
    import numpy as np

    finite = np.isfinite(values)
    return bool(np.any(np.abs(values[finite]) > np.finfo(np.float16).max))


def round_weights(model, dtype="float16"):
    """Rounds every float32 variable of ``model`` to ``dtype``'s precision, in place.

    Single values (step counters) stay as they are, as ``cast_weights_file``
    stores them. The model then holds exactly what a weights file stored in
    ``dtype`` gives back, so metrics measured after this call are those of the
    stored file.

    Raises:
        ValueError: a weight is too large for ``dtype`` (the message names it);
            nothing is changed then.
    """
    import numpy as np

    if dtype not in WEIGHTS_DTYPES:
        raise ValueError(f"dtype must be one of {WEIGHTS_DTYPES}, got {dtype!r}.")
    if dtype == "float32":
        return model
    pairs = [(v, np.asarray(v.value)) for v in model.variables]
    pairs = [(v, x) for v, x in pairs if not _stays_float32(x)]
    too_large = [v.path for v, x in pairs if _float16_overflow(x)]
    if too_large:
        raise ValueError(f"Weights {too_large} hold values beyond float16's range "
                         f"({np.finfo(np.float16).max:g}); store this model in float32.")
    for v, x in pairs:
        v.assign(x.astype(dtype).astype(np.float32))
    return model


def cast_weights_file(src, dst, dtype="float16"):
    """Copies a Keras ``.weights.h5`` file with its float32 arrays stored as ``dtype``.

    Groups, attributes and other arrays (integer seed states, and float32
    single values: step counters, which float16 would round or overflow) are
    copied as they are. Keras casts the arrays back to its variables' dtype on
    loading.

    Raises:
        ValueError: an array holds values beyond ``dtype``'s range (named);
            ``dst`` is then not written.
    """
    import h5py
    import numpy as np

    with h5py.File(src, "r") as f:
        arrays = {}
        f.visititems(lambda name, obj: arrays.__setitem__(name, obj[()])
                     if isinstance(obj, h5py.Dataset) else None)
        too_large = [n for n, x in arrays.items()
                     if not _stays_float32(x) and _float16_overflow(x)]
        if too_large:
            raise ValueError(f"Weights {too_large} of {src} hold values beyond float16's range; "
                             "store this model in float32.")
        with h5py.File(dst, "w") as out:
            def copy(name, obj):
                if isinstance(obj, h5py.Dataset):
                    data = arrays[name]
                    out.create_dataset(name, data=data if _stays_float32(data)
                                       else data.astype(dtype))
                else:
                    out.require_group(name)
                for key, value in obj.attrs.items():
                    out[name].attrs[key] = value

            for key, value in f.attrs.items():
                out.attrs[key] = value
            f.visititems(copy)
    return dst
