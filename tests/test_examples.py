"""The README's flagship example runs and recovers the exact posterior."""
import os
import runpy
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_flagship_fits_the_exact_posterior(capsys):
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    try:
        flagship = runpy.run_path(os.path.join(ROOT, "examples", "flagship.py"))
    finally:
        sys.path.pop(0)
    exact, summary, kls = flagship["main"](verbose=True)
    out = capsys.readouterr().out
    assert "step  600" in out and "posterior summary" in out
    mean, sd = exact.mean.item(), exact.stddev.item()
    for estimator, (m, s) in summary.items():
        # 20000 posterior draws: the Monte Carlo error of the mean is ~sd/140; the VI fit itself is the
        # larger error, so allow a tenth of a posterior sd for the mean and 15% for the sd
        assert abs(m - mean) < 0.1 * sd, estimator
        assert abs(s - sd) < 0.15 * sd, estimator
        assert kls[estimator] < 0.02, estimator
