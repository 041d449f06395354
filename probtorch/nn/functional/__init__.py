"""probtorch.nn.functional: torch.nn.functional's ops, each differentiable to any order."""
from .activation import *  # noqa: F401,F403
from .padding import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .embedding import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .vision import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
