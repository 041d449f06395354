"""Distribution: the base class every probability distribution derives from."""
import warnings

from .._tensor import Tensor, Size
from .._grad_mode import no_grad, _state
from .utils import lazy_property

__all__ = ["Distribution"]


def _constraints():
    from .. import constraints
    return constraints


class Distribution:
    """A (batch of) probability distribution(s).

    A distribution object holds ``batch_shape`` independent (but not necessarily identical) distributions over
    events of shape ``event_shape``; a sample of ``sample(sample_shape)`` has shape
    ``sample_shape + batch_shape + event_shape``.

    Args:
        batch_shape (Size): the shape over which parameters are batched.
        event_shape (Size): the shape of a single sample (without batching).
        validate_args (bool, optional): check parameters at construction and values passed to ``log_prob`` etc.
            (default: the class-wide setting, on unless Python runs with ``-O`` or
            :meth:`set_default_validate_args` turned it off).
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value):
        """Switch argument validation on or off for every distribution created afterwards without
        an explicit ``validate_args``."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args expects True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape=Size(), event_shape=Size(), validate_args=None):
        self._batch_shape = batch_shape if isinstance(batch_shape, Size) else Size(batch_shape)
        self._event_shape = event_shape if isinstance(event_shape, Size) else Size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            self._check_parameters()
        super().__init__()

    def _check_parameters(self):
        try:
            arg_constraints = self.arg_constraints
        except NotImplementedError:
            arg_constraints = {}
            warnings.warn(f"{self.__class__} does not define `arg_constraints`. Please set `arg_constraints = {{}}` "
                          "or initialize the distribution with `validate_args=False` to turn off validation.")
        if not arg_constraints:
            return
        is_dependent = _constraints().is_dependent
        cls = type(self)
        with no_grad():
            for param, constraint in arg_constraints.items():
                if is_dependent(constraint):
                    continue
                # parameters derived lazily (e.g. logits from probs) were checked through their source
                if param not in self.__dict__ and isinstance(getattr(cls, param, None), lazy_property):
                    continue
                value = getattr(self, param)
                valid = constraint.check(value)
                if not _all_true(valid):
                    raise ValueError(
                        f"Expected parameter {param} ({type(value).__name__} of shape {tuple(value.shape)}) of "
                        f"distribution {self!r} to satisfy the constraint {constraint!r}, but found invalid "
                        f"values:\n{value}")

    def expand(self, batch_shape, _instance=None):
        """A new distribution (sharing parameter storage) with its batch dims expanded to `batch_shape`.

        Args:
            batch_shape (Size): the desired expanded size.
            _instance: a new instance provided by subclasses that need to override `.expand`.
        """
        raise NotImplementedError

    def _expand_params(self, cls, batch_shape, _instance, params, shared=()):
        """The whole of `expand` for a distribution that is just its parameters.

        Returns a new instance (of type(self), checked against `cls` as `_get_checked_instance` does) whose
        `params` are this instance's expanded to `batch_shape` followed by each one's own trailing dims beyond
        this batch shape: tensors (as views) or distributions it is built from (a distribution's trailing batch
        dims are kept). A parameter derived lazily and not yet computed is skipped (the new instance derives its
        own). Attributes named in `shared` are shared as they are. Validation follows this instance, and the
        parameters are not checked again.
        """
        new = self._get_checked_instance(cls, _instance)
        batch_shape = Size(batch_shape)
        n_batch = len(self._batch_shape)
        for name in params:
            if name not in self.__dict__ and isinstance(getattr(type(self), name, None), lazy_property):
                continue
            value = getattr(self, name)
            own_shape = value.batch_shape if isinstance(value, Distribution) else value.shape
            setattr(new, name, value.expand(batch_shape + own_shape[n_batch:]))
        for name in shared:
            setattr(new, name, getattr(self, name))
        super(cls, new).__init__(batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def batch_shape(self):
        """The shape over which parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self):
        """The shape of a single sample (without batching)."""
        return self._event_shape

    @property
    def arg_constraints(self):
        """Map from parameter name to the :class:`~probtorch.constraints.Constraint` it must satisfy."""
        raise NotImplementedError

    @property
    def support(self):
        """The :class:`~probtorch.constraints.Constraint` describing where the distribution puts its mass."""
        raise NotImplementedError

    @property
    def mean(self):
        raise NotImplementedError(f"{self.__class__} does not implement mean")

    @property
    def mode(self):
        raise NotImplementedError(f"{self.__class__} does not implement mode")

    @property
    def variance(self):
        raise NotImplementedError(f"{self.__class__} does not implement variance")

    @property
    def stddev(self):
        return self.variance.sqrt()

    def sample(self, sample_shape=Size()):
        """Draw a sample (or a batch of them, shape ``sample_shape + batch_shape + event_shape``) with no graph."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=Size()):
        """Draw a reparameterized sample: differentiable with respect to the parameters."""
        raise NotImplementedError(f"{self.__class__.__name__} does not support rsample (has_rsample is False)")

    def sample_n(self, n):
        """``sample((n,))``; deprecated spelling kept for compatibility."""
        warnings.warn("sample_n will be deprecated. Use .sample((n,)) instead", UserWarning)
        return self.sample(Size((n,)))

    def log_prob(self, value):
        """Log of the density (or mass) at `value`."""
        raise NotImplementedError

    def cdf(self, value):
        """Cumulative distribution function at `value`."""
        raise NotImplementedError

    def icdf(self, value):
        """Inverse cumulative distribution function (quantile function) at `value`."""
        raise NotImplementedError

    def enumerate_support(self, expand=True):
        """All values of a discrete support, along a new leading dim (expanded over the batch if `expand`)."""
        raise NotImplementedError

    def _support_over_batch(self, values, expand):
        """`enumerate_support` from the support's values (along the leading dim, each of event_shape): viewed with
        a singleton dim per batch dim, or expanded over the batch if `expand`."""
        lead, event = (values.shape[0],), tuple(self._event_shape)
        values = values.view(lead + (1,) * len(self._batch_shape) + event)
        return values.expand(lead + tuple(self._batch_shape) + event) if expand else values

    def entropy(self):
        """Entropy, batched over batch_shape."""
        raise NotImplementedError

    def perplexity(self):
        """exp(entropy), batched over batch_shape."""
        return self.entropy().exp()

    def _extended_shape(self, sample_shape=Size()):
        """The shape of a sample of size `sample_shape`: ``sample_shape + batch_shape + event_shape``."""
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def _validate_sample(self, value):
        """Raise ValueError unless `value` is a Tensor broadcastable to the batch whose events lie in the support."""
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        shape = value._data.shape
        event = tuple(self._event_shape)
        start = len(shape) - len(event)
        if start < 0 or shape[start:] != event:
            raise ValueError(f"The right-most size of value must match event_shape: {Size(shape)} vs "
                             f"{self._event_shape}.")
        expected = tuple(self._batch_shape) + event
        for a, b in zip(reversed(shape), reversed(expected)):
            if a != 1 and b != 1 and a != b:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: {Size(shape)} vs "
                                 f"{Size(expected)}.")
        try:
            support = self.support
        except NotImplementedError:
            warnings.warn(f"{self.__class__} does not define `support` to enable sample validation. Please "
                          "initialize the distribution with `validate_args=False` to turn off validation.")
            return
        prev = _state.enabled
        _state.enabled = False
        try:
            valid = support.check(value)
        finally:
            _state.enabled = prev
        if not _all_true(valid):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape {tuple(shape)}) to be within "
                             f"the support ({support!r}) of the distribution {self!r}, but found invalid "
                             f"values:\n{value}")

    def _get_checked_instance(self, cls, _instance=None):
        """A blank instance of type(self) for `expand`; subclasses with their own __init__ must pass `_instance`."""
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(f"Subclass {self.__class__.__name__} of {cls.__name__} that defines a custom "
                                      "__init__ method must also define a custom .expand() method.")
        return self.__new__(type(self)) if _instance is None else _instance

    def __repr__(self):
        try:
            names = [k for k in self.arg_constraints if k in self.__dict__]
        except NotImplementedError:
            names = []
        parts = []
        for k in names:
            v = self.__dict__[k]
            if isinstance(v, Tensor):
                v = v._data.reshape(()).item() if v._data.size == 1 else v.size()
            parts.append(f"{k}: {v}")
        return self.__class__.__name__ + "(" + ", ".join(parts) + ")"


def _all_true(valid):
    """Whether every entry of a constraint check result holds (bool Tensor, array or Python bool)."""
    if isinstance(valid, Tensor):
        return bool(valid._data.all())
    return bool(valid if isinstance(valid, bool) else getattr(valid, "all", lambda: valid)())
