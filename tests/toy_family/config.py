"""The toy family's config: softmax regression on 100 MNIST labels, a few steps."""

from ssgm_zoo import config as config_lib


def get_config(arg=""):
    del arg
    config = config_lib.base_config("toy", "softmax", "softmax-mnist-100")
    config.num_labeled = 100
    config.train.batch_sizes = {"labeled": 50}
    config.train.steps_per_epoch, config.train.epochs = 10, 1
    config.train.eval_every = config.train.checkpoint_every = 1
    config.train.steps_per_execution = 10
    config.model.num_classes = 10
    return config
