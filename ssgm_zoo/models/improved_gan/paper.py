"""Facts of Salimans et al. 2016 and of the reproductions this family is measured against.

Every number here is the paper's (or an earlier reproduction's), never ours.
"""

from ssgm_zoo import families

PAPER = families.Paper(
    title="Improved Techniques for Training GANs",
    authors="Tim Salimans, Ian Goodfellow, Wojciech Zaremba, Vicki Cheung, Alec Radford, "
            "Xi Chen",
    venue="NIPS 2016",
    url="https://arxiv.org/abs/1606.03498",
    code="https://github.com/openai/improved-gan",
)

#: Table 1: misclassified MNIST test images (of 10,000), permutation-invariant
#: MNIST, feature matching; mean and std over 10 seeds. Keyed by labels.
TABLE1_MNIST_ERRORS = {20: (1677, 452), 50: (221, 136), 100: (93, 6.5), 200: (90, 4.2)}

#: Table 2: CIFAR-10 test error (%), feature matching; mean and std over 10 seeds.
TABLE2_CIFAR10_ERROR = {1000: (21.83, 2.01), 2000: (19.61, 2.09), 4000: (18.63, 2.32),
                        8000: (17.72, 1.82)}

#: A PyTorch reproduction (Sleepychord/ImprovedGAN-pytorch), as its tracker
#: recorded it: misclassified MNIST test images, mean and std. Its generator's
#: sigmoid output was replaced by softplus.
PYTORCH_REPRODUCTION_MNIST_ERRORS = {20: (1952, 227), 50: (569, 11), 100: (433, 8),
                                     200: (398, 14)}
