"""Analysis of a finished run: the run record, detectors, the judge, verdicts and exposure."""
