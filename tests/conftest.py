import os

import numpy as np
import pytest
from hypothesis import settings, HealthCheck

settings.register_profile("ci", derandomize=True, max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _seed():
    import probtorch
    probtorch.manual_seed(0)
    np.random.seed(0)
    yield
    probtorch.set_default_dtype(probtorch.float32)
