"""Install the fakejob bindings against an installed libfakejob (found with pkg-config):

    /usr/bin/python3 -m pip install --no-index --no-build-isolation bindings/python

Needs python3-cffi, python3-setuptools and python3-dev; see README.md beside this file.
"""
import os
import re

from setuptools import setup

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "fakejob", "_version.py"), encoding="utf-8") as f:
    VERSION = re.search(r'__version__ = "([^"]+)"', f.read()).group(1)

setup(
    name="fakejob",
    version=VERSION,
    description="Explainable fraudulent job posting classifier (Chinese and English): "
                "bindings of libfakejob",
    long_description=open(os.path.join(HERE, "README.md"), encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    packages=["fakejob"],
    package_data={"fakejob": ["py.typed"]},
    python_requires=">=3.8",
    install_requires=["cffi>=1.12"],
    cffi_modules=["fakejob_build.py:ffibuilder"],
    zip_safe=False,
)
