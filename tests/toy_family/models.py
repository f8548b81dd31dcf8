"""The toy family's one model: softmax regression on pixels, trained on the labeled stream."""

import keras
import numpy as np
from keras import ops

from ssgm_zoo.models.base import Objective, ZooModel


@keras.saving.register_keras_serializable(package="ssgm_zoo_toy")
class Softmax(ZooModel):
    objectives = (Objective("loss", streams=("labeled",)),)
    can_classify = True

    def __init__(self, num_classes=10, image_shape=(28, 28, 1), seed=0, **kwargs):
        super().__init__(**kwargs)
        self.num_classes, self.seed = int(num_classes), int(seed)
        self.image_shape = tuple(int(s) for s in image_shape)
        self.dense = keras.layers.Dense(self.num_classes, name="dense")
        self.dense.build((None, int(np.prod(self.image_shape))))
        self.built = True

    def class_logits(self, x, training=False):
        x = ops.convert_to_tensor(x, "float32")
        return self.dense(ops.reshape(x, (ops.shape(x)[0], -1)))

    def compute_objective(self, name, batch, training=True):
        logits = self.class_logits(batch["labeled"]["x"])
        labels = ops.cast(batch["labeled"]["y"], "int32")
        loss = ops.mean(keras.losses.sparse_categorical_crossentropy(labels, logits,
                                                                     from_logits=True))
        return loss, {}

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "image_shape": list(self.image_shape), "seed": self.seed}


def build(config, data):
    x, y = data.splits["train"]
    idx = data.labeled_indices
    model = Softmax(seed=int(config["seed"]), **config["model"])
    return model, {"labeled": {"x": x[idx], "y": y[idx]}}
