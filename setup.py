"""The one compiled part of logitlab: the large-n passes of dense fits (src/logitlab/_fused.c),
the logistic value+gradient in one read of X and the weighted Gram matrix of Hessians.

Everything else is in pyproject.toml. The extension is optional: without a C compiler the
package installs with a warning and the same passes run in numpy and BLAS, about 1.5 times slower.
"""
import sys

from setuptools import Extension, setup

flags = [] if sys.platform == "win32" else ["-O3", "-fopenmp-simd", "-fno-math-errno"]
setup(ext_modules=[Extension("logitlab._fused", ["src/logitlab/_fused.c"],
                             extra_compile_args=flags, optional=True)])
