"""The publications of the family's methods, and the one number we compare with.

The family answers a course lab (MNIST, 3,000 labels, 57,000 unlabeled
images), not one paper; its models follow these papers. No paper reports
MNIST with 3,000 labels for these methods, so the table shows the Ladder
network's 1,000-label result for context, labeled as the paper's.
"""

from ssgm_zoo.families import Paper

__all__ = ["PAPER", "PSEUDO_LABEL", "MEAN_TEACHER", "LADDER", "PYTORCH_EXAMPLE",
           "LADDER_MNIST_1000_ERROR"]

MEAN_TEACHER = Paper(
    title="Mean teachers are better role models: Weight-averaged consistency targets improve "
          "semi-supervised deep learning results",
    authors="Antti Tarvainen and Harri Valpola", venue="NIPS 2017",
    url="https://arxiv.org/abs/1703.01780", code="https://github.com/CuriousAI/mean-teacher")
PSEUDO_LABEL = Paper(
    title="Pseudo-Label: The Simple and Efficient Semi-Supervised Learning Method for Deep "
          "Neural Networks",
    authors="Dong-Hyun Lee", venue="ICML 2013 Workshop on Challenges in Representation Learning",
    url="https://www.researchgate.net/publication/280581078")
LADDER = Paper(
    title="Semi-Supervised Learning with Ladder Networks",
    authors="Antti Rasmus, Harri Valpola, Mikko Honkala, Mathias Berglund and Tapani Raiko",
    venue="NIPS 2015", url="https://arxiv.org/abs/1507.02672",
    code="https://github.com/CuriousAI/ladder")
PYTORCH_EXAMPLE = "https://github.com/pytorch/examples/tree/main/mnist"

#: The family's paper, for models that name none of their own (each method's
#: ``ModelSpec.paper`` is its own paper, which its model card cites).
PAPER = MEAN_TEACHER

#: The Ladder network paper's MNIST test error with 1,000 labels (MLP ladder,
#: table 1), in percent, as the lab quotes it: mean, std over runs.
LADDER_MNIST_1000_ERROR = (0.84, 0.08)
