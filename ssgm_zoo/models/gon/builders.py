"""The model and training stream of a GON config: the training split's images,
without labels, read in batches."""

from ssgm_zoo.models.gon.model import GON, ImplicitGON, VariationalGON

__all__ = ["build_gon", "build_variational_gon", "build_implicit_gon"]


def _build(model_class, config, data):
    x, _ = data.splits["train"]
    model = model_class(**config["model"], seed=int(config["seed"]))
    return model, {"images": {"x": x}}


def build_gon(config, data):
    return _build(GON, config, data)


def build_variational_gon(config, data):
    return _build(VariationalGON, config, data)


def build_implicit_gon(config, data):
    return _build(ImplicitGON, config, data)
