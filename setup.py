"""Build hook: pyproject.toml holds the metadata; this file only adds the optional C kernels.

``actlab.activations._kernels`` holds AVX2/FMA float32 kernels that call glibc's libmvec (see
``_kernels.c``). It is optional: where the compiler, Python headers or libmvec are missing the
build skips it and actlab runs on its pure-NumPy kernels. The AVX2 code is selected per function
(``#pragma GCC target``), so the module also loads on older x86-64 CPUs and reports itself unusable.
"""

import platform
import sys

from setuptools import Extension, setup

ext_modules = []
if sys.platform.startswith("linux") and platform.machine().lower() in ("x86_64", "amd64"):
    ext_modules.append(
        Extension(
            "actlab.activations._kernels",
            sources=["src/actlab/activations/_kernels.c", "src/actlab/activations/_kernels_rows.c",
                     "src/actlab/activations/_kernels_pool.c",
                     "src/actlab/activations/_kernels_maxpool.c",
                     "src/actlab/activations/_kernels_im2col.c",
                     "src/actlab/activations/_kernels_call.c"],
            depends=["src/actlab/activations/_kernels.h", "src/actlab/activations/_kernels_pool.h"],
            extra_compile_args=["-O3", "-fno-fast-math"],
            libraries=["mvec", "m", "pthread"],
            optional=True,  # a failed compile never fails the install
        )
    )

setup(ext_modules=ext_modules)
