"""torch's import path for constraints: ``probtorch.distributions.constraints`` re-exports ``probtorch.constraints``."""
from ..constraints import *  # noqa: F401,F403
from ..constraints import __all__  # noqa: F401
from ..constraints import (  # noqa: F401  (private classes some torch code imports by name)
    Constraint, _Boolean, _Cat, _CorrCholesky, _Dependent, _DependentProperty, _GreaterThan, _GreaterThanEq,
    _HalfOpenInterval, _IndependentConstraint, _IntegerGreaterThan, _IntegerInterval, _IntegerLessThan, _Interval,
    _LessThan, _LowerCholesky, _LowerTriangular, _Multinomial, _OneHot, _PositiveDefinite, _PositiveSemidefinite,
    _Real, _Simplex, _Square, _Stack, _Symmetric,
)
