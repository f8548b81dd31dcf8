"""Mean teacher (Tarvainen & Valpola 2017) on MNIST with 3,000 labels.

Usage: ``--config=zoo_configs/ssl_cnn/mean_teacher.py:lab`` (the PyTorch
example's CNN, trains on a CPU) or ``:convnet`` (the deeper CNN, for a GPU);
add ``,smoke`` for a seconds-long CPU run.

On top of the lab's best supervised settings (Nesterov momentum, affine and
elastic augmentation, He initialisation): batches of 64 labeled and 192
unlabeled images, the consistency cost (squared distance of the softmaxes,
summed over classes) weighted 10 after a ramp-up over the first 2,000 steps
(Tarvainen & Valpola use 100 for the mean over classes, 10 for the sum);
the teacher's decay 0.99. On the lab's CNN the dropouts are off: with the
PyTorch example's dropouts the mean teacher underfits (validation error 3.4 %
after 4,000 steps, against 1.6 % without them; seed 0, 500 held-out labels,
``docs/ssl_cnn.md``), so the labeled images' own validation error chose it.
"""

from ssgm_zoo.models.ssl_cnn import configs


def get_config(arg="lab"):
    network, smoke = configs.parse_lab_arg(arg, configs.NETWORKS, "lab")
    config = configs.lab_config(f"mean-teacher-{network}-mnist-3000", "mean_teacher")
    configs.apply_technique(config, "all")
    configs.use_network(config, network)
    if network == "lab":
        config.model.dropout = 0.0
    config.train.batch_sizes.unlabeled = 192
    m = config.model
    m.consistency_weight = 10.0
    m.rampup_steps = 2000
    m.ema_decay = 0.99
    if smoke:
        configs.smoke(config, unlabeled=True)
        m.rampup_steps, m.ema_decay = 10, 0.9
    return config
