"""probtorch.nn.utils (being filled this session)."""
from . import rnn  # noqa: F401
