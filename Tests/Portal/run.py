"""Runs the web portal's tests: every Tests/Portal/test_*.py, each module against its own demo node.

    python3 Tests/Portal/run.py                  # all of them (what `make test` runs)
    python3 Tests/Portal/run.py test_browser     # some modules, or test ids (module.Class.test)

Prints unittest's report, then one line `portal: N passed, N failed, N skipped`; exits 1 on any
failure or error, and when no test ran at all (a suite that finds nothing must not look green).
Screenshots of the pages the browser visited are left in .build/portal-screenshots/.
"""
import os
import shutil
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class CountingResult(unittest.TextTestResult):
    """Counts passes itself: a module whose node cannot start adds an error but runs no test."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.passed = 0

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1


def main(names):
    sys.path.insert(0, HERE)
    import browser  # on the path only now
    # Only this run's pages: a screenshot left from an earlier run would pass for one taken now.
    shutil.rmtree(browser.SCREENSHOTS, ignore_errors=True)
    loader = unittest.TestLoader()
    if names:
        suite = loader.loadTestsFromNames(names)
    else:
        suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout, resultclass=CountingResult).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    # Alone on its line, in the words CI reads a run's outcome from.
    print(f"portal: {result.passed} passed, {failed} failed, {len(result.skipped)} skipped")
    return 0 if failed == 0 and result.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
