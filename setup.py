"""ssgm-zoo: semi-supervised deep generative models with pretrained checkpoints."""

import pathlib
import re

from setuptools import find_namespace_packages, setup

HERE = pathlib.Path(__file__).parent
VERSION = re.search(
    r'^__version__ = "([^"]+)"', (HERE / "ssgm_zoo" / "version.py").read_text(), re.M
).group(1)

setup(
    name="ssgm-zoo",
    version=VERSION,
    description=(
        "Keras 3 model zoo of semi-supervised deep generative models "
        "(Kingma et al. 2014 M1/M2/M1+M2, Improved GAN, GON) with pretrained checkpoints."
    ),
    long_description=(HERE / "README.md").read_text(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    # Namespace discovery takes in the families' `entries` folders (data only), which
    # plain find_packages leaves out and setuptools then warns about at every build.
    packages=find_namespace_packages(include=["ssgm_zoo", "ssgm_zoo.*"],
                                     exclude=["*.__pycache__"]),
    include_package_data=True,
    # Each family ships its entry records and entry files in its own folder.
    package_data={"ssgm_zoo": ["models/*/entries/*.json", "models/*/entries/*/*"]},
    install_requires=[
        "tensorflow>=2.16",
        "keras>=3.3",
        # TFP's `tf` extra pulls tf-keras, which TFP needs on TF 2.16+.
        "tensorflow-probability[tf]>=0.24",
        "tensorflow-datasets>=4.9",
        # tensorflow-datasets imports it when it downloads, without requiring it.
        "importlib_resources>=5",
        "absl-py>=1.0",
        "huggingface-hub>=0.23",
        "ml-collections>=0.1.1",
        "numpy>=1.24",
        "h5py>=3.7",
        "pillow>=9.0",
        "matplotlib>=3.7",
        # TensorBoard logs without TensorFlow (the GPU route runs Keras on JAX alone).
        "tensorboardX>=2.6",
    ],
    extras_require={
        # The JAX backend. TFP's released JAX substrate lags current jax: see
        # README ("Running on JAX") for installing tfp-nightly next to it.
        "jax": ["jax>=0.4.30"],
        "svhn": ["scipy>=1.9"],
        "test": ["pytest>=7", "pytest-xdist>=3", "scipy>=1.9", "jax>=0.4.30"],
    },
    entry_points={"console_scripts": ["ssgm-zoo=ssgm_zoo.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
