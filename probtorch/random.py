"""torch.random's namespace: seeding, generator state and fork_rng (all defined in probtorch._random)."""
from ._random import (Generator, default_generator, manual_seed, seed, initial_seed, get_rng_state,  # noqa: F401
                      set_rng_state, fork_rng)

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "fork_rng"]
