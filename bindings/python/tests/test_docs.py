"""The examples of help(fakejob) (the package docstring) run and print what they say."""

import doctest

import pytest

import fakejob


def test_help_examples_match_real_output():
    try:
        fakejob.load_model()
    except fakejob.Error as e:  # an installed package without the default model
        pytest.skip(f"no default model: {e}")
    result = doctest.testmod(fakejob, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.attempted >= 5
    assert result.failed == 0


def test_help_example_drift_is_caught():
    # the same check on a docstring that promises other output fails
    def drifted():
        """
        >>> import fakejob
        >>> fakejob.load_model().score({"title": "打字员", "description": "日结300元，入职前需缴纳培训费198元"}).verdict
        'legit'
        """
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(verbose=False)
    for t in finder.find(drifted, "drifted", globs={}):
        runner.run(t, out=lambda s: None)
    assert runner.failures == 1
