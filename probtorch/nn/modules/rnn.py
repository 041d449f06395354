"""Recurrent layers: RNN (tanh / relu), LSTM (with optional projection), GRU, and their single-step cells.

Everything is composed from Tensor ops (matmul, sigmoid, tanh, cat), so gradients of any order come from the
autograd engine.  A layer first projects the whole input sequence with one matmul per layer and direction, then
loops over time applying only the recurrent matmul.  Padded and packed inputs share one code path: a padded batch
[T, B, *] is handled as a packed one whose batch size is B at every step.
"""
import math
import numbers
import warnings

import numpy as np

from ..._primitive import Primitive
from ..._functions.creation import empty, zeros
from ..._functions.shape import cat, stack
from .. import functional as F, init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _split_impl(x, sizes, dim):
    return tuple(np.ascontiguousarray(p) for p in np.split(x, np.cumsum(sizes)[:-1], axis=dim))


_SPLITS = {}


def _split(x, sizes, dim):
    """Pieces of x along dim, as the outputs of one primitive.

    Slicing each piece separately would make every piece's gradient a full-size zero tensor, and summing them costs
    O(pieces * size); here the gradient is a single cat (whose own gradient is slicing, so higher orders work).
    """
    n = len(sizes)
    if n == 1:
        return (x,)
    prim = _SPLITS.get(n)
    if prim is None:
        prim = Primitive("split_with_sizes", _split_impl, nout=n, saves=(), linear=True)
        prim.defvjp(lambda g, out, x, sizes, dim: (cat(list(g), dim),))
        _SPLITS[n] = prim
    return prim(x, sizes=tuple(sizes), dim=dim)


# ---- one time step; gi is the input projection of this step (including b_ih), h the previous state ----

def _rnn_step(gi, h, w_hh_t, b_hh, relu):
    pre = gi + h.matmul(w_hh_t)
    if b_hh is not None:
        pre = pre + b_hh
    return pre.relu() if relu else pre.tanh()


def _lstm_step(gi, h, c, w_hh_t, b_hh, w_hr_t):
    gates = gi + h.matmul(w_hh_t)
    if b_hh is not None:
        gates = gates + b_hh
    n = c.shape[-1]
    i, f, g, o = _split(gates, (n, n, n, n), -1)  # torch's gate order
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    o = o.sigmoid()
    h = o * c.tanh()
    if w_hr_t is not None:
        h = h.matmul(w_hr_t)
    return h, c


def _gru_step(gi, h, w_hh_t, b_hh):
    gh = h.matmul(w_hh_t)
    if b_hh is not None:
        gh = gh + b_hh
    n = h.shape[-1]
    # gate order r, z, n; the reset gate scales the recurrent part of the candidate only (bias included)
    gi_rz, gi_n = _split(gi, (2 * n, n), -1)
    gh_rz, gh_n = _split(gh, (2 * n, n), -1)
    r, z = _split((gi_rz + gh_rz).sigmoid(), (n, n), -1)
    cand = (gi_n + r * gh_n).tanh()
    return cand + z * (h - cand)


# ---- torch's top-level single-step functions (torch.lstm_cell etc.): batched input [B, I] ----

def _proj(input, w_ih, b_ih):
    gi = input.matmul(w_ih.t())
    return gi if b_ih is None else gi + b_ih


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One tanh RNN step: tanh(input w_ih^T + b_ih + hx w_hh^T + b_hh)."""
    return _rnn_step(_proj(input, w_ih, b_ih), hx, w_hh.t(), b_hh, False)


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One relu RNN step: relu(input w_ih^T + b_ih + hx w_hh^T + b_hh)."""
    return _rnn_step(_proj(input, w_ih, b_ih), hx, w_hh.t(), b_hh, True)


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step; hx = (h, c); returns (h', c')."""
    h, c = hx
    return _lstm_step(_proj(input, w_ih, b_ih), h, c, w_hh.t(), b_hh, None)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step."""
    return _gru_step(_proj(input, w_ih, b_ih), hx, w_hh.t(), b_hh)


def _run_direction(mode, gi_all, batch_sizes, h, c, w_hh, b_hh, w_hr, reverse):
    """Scan one direction of one layer over packed rows.

    gi_all: [N, gates] input projections of all packed rows; batch_sizes: rows of each time step;
    h, c: [B, *] initial states (c None unless LSTM).  Returns (outputs [N, H_out] in packed order, h_n, c_n).
    """
    w_hh_t = w_hh.t()
    w_hr_t = w_hr.t() if w_hr is not None else None
    n_steps = len(batch_sizes)
    outs = [None] * n_steps
    order = range(n_steps - 1, -1, -1) if reverse else range(n_steps)
    full = h.shape[0]
    gis = _split(gi_all, batch_sizes, 0)
    for t in order:
        bs = batch_sizes[t]
        gi = gis[t]
        hp = h if bs == full else h[:bs]
        if mode == "LSTM":
            cp = c if bs == full else c[:bs]
            hn, cn = _lstm_step(gi, hp, cp, w_hh_t, b_hh, w_hr_t)
            c = cn if bs == full else cat([cn, c[bs:]], 0)
        elif mode == "GRU":
            hn = _gru_step(gi, hp, w_hh_t, b_hh)
        else:
            hn = _rnn_step(gi, hp, w_hh_t, b_hh, mode == "RNN_RELU")
        outs[t] = hn
        h = hn if bs == full else cat([hn, h[bs:]], 0)
    return cat(outs, 0), h, c


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU: parameters per layer and direction, argument checks, the scan."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}")
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        gate_size = _GATES[mode] * hidden_size
        num_directions = 2 if bidirectional else 1
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else real_hidden * num_directions
            for direction in range(num_directions):
                sfx = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih" + sfx, (gate_size, layer_in)), ("weight_hh" + sfx, (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih" + sfx, (gate_size,)), ("bias_hh" + sfx, (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr" + sfx, (proj_size, hidden_size)))
                for name, shape in shapes:
                    setattr(self, name, Parameter(empty(*shape, dtype=dtype)))
                names = [n for n, _ in shapes]
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self):
        """No-op: parameters are used where they are (there is no fused weight buffer)."""

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ---- argument handling ----

    def _dim_error(self, dim):
        name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(self.mode, self.mode)
        tail = "tensor instead" if name == "RNN" else "instead"
        raise ValueError(f"{name}: Expected input to be 2D or 3D, got {dim}D {tail}")

    def _state_shapes(self, batch):
        d = 2 if self.bidirectional else 1
        h = (self.num_layers * d, batch, self.proj_size if self.proj_size > 0 else self.hidden_size)
        return h, (self.num_layers * d, batch, self.hidden_size)

    def _check_input(self, data, expected_dim):
        if data.dim() != expected_dim:
            raise RuntimeError(f"input must have {expected_dim} dimensions, got {data.dim()}")
        if data.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {data.shape[-1]}")
        w = self.weight_ih_l0
        if data.is_floating_point() and data.dtype != w.dtype:
            name = "RNN" if self.mode.startswith("RNN") else self.mode
            raise ValueError(f"{name} input dtype ({data.dtype}) does not match weight dtype ({w.dtype}). Convert "
                             f"input: input.to({w.dtype}), or convert model: model.to({data.dtype})")

    @staticmethod
    def _check_hidden(t, shape, what):
        if tuple(t.shape) != shape:
            raise RuntimeError(f"Expected {what} size {shape}, got {list(t.shape)}")

    def forward(self, input, hx=None):
        """Run the layers over a sequence.

        Args:
            input: [T, B, input_size] ([B, T, input_size] if batch_first), unbatched [T, input_size], or a
                PackedSequence.
            hx: initial state [num_layers * num_directions, B, H_out] (zeros if None); for LSTM a pair (h_0, c_0)
                with c_0 of size hidden_size.  Unbatched input takes unbatched states.

        Returns:
            (output, h_n), or (output, (h_n, c_n)) for LSTM; output is a PackedSequence for packed input.
        """
        is_lstm = self.mode == "LSTM"
        packed = isinstance(input, PackedSequence)
        if packed:
            data, batch_sizes = input.data, input.batch_sizes
            self._check_input(data, 2)
            bsz = [int(b) for b in batch_sizes.tolist()]
            max_batch = bsz[0] if bsz else 0
            batched = True
        else:
            if input.dim() not in (2, 3):
                self._dim_error(input.dim())
            batched = input.dim() == 3
            x = input if batched else input.unsqueeze(1)
            if batched and self.batch_first:
                x = x.transpose(0, 1)
            self._check_input(x, 3)
            seq_len, max_batch = x.shape[0], x.shape[1]
            if seq_len == 0:
                raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
            bsz = [max_batch] * seq_len
            data = x.reshape(seq_len * max_batch, self.input_size)
        h_shape, c_shape = self._state_shapes(max_batch)
        if hx is None:
            h0 = zeros(*h_shape, dtype=data.dtype)
            c0 = zeros(*c_shape, dtype=data.dtype) if is_lstm else None
        else:
            if is_lstm:
                h0, c0 = hx
            else:
                h0, c0 = hx, None
            if not batched:
                if h0.dim() != 2 or (is_lstm and c0.dim() != 2):
                    if is_lstm:
                        raise RuntimeError("For unbatched 2-D input, hx and cx should also be 2-D but got "
                                           f"({h0.dim()}-D, {c0.dim()}-D) tensors")
                    raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {h0.dim()}-D tensor")
                h0 = h0.unsqueeze(1)
                c0 = c0.unsqueeze(1) if is_lstm else None
            else:
                if h0.dim() != 3 or (is_lstm and c0.dim() != 3):
                    if is_lstm:
                        raise RuntimeError("For batched 3-D input, hx and cx should also be 3-D but got "
                                           f"({h0.dim()}-D, {c0.dim()}-D) tensors")
                    raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {h0.dim()}-D tensor")
            if packed and input.sorted_indices is not None:
                h0 = h0.index_select(1, input.sorted_indices)
                c0 = c0.index_select(1, input.sorted_indices) if is_lstm else None
            self._check_hidden(h0, h_shape, "hidden[0]" if is_lstm else "hidden")
            if is_lstm:
                self._check_hidden(c0, c_shape, "hidden[1]")

        num_dir = 2 if self.bidirectional else 1
        h_n, c_n = [], []
        layer_in = data
        for layer in range(self.num_layers):
            outs = []
            for d in range(num_dir):
                k = layer * num_dir + d
                ws = self.all_weights[k]
                w_ih, w_hh = ws[0], ws[1]
                b_ih, b_hh = (ws[2], ws[3]) if self.bias else (None, None)
                w_hr = ws[-1] if self.proj_size > 0 else None
                gi = layer_in.matmul(w_ih.t())
                if b_ih is not None:
                    # outside the GRU's reset gate the two biases simply add; fold them into the projection
                    gi = gi + (b_ih if self.mode == "GRU" else b_ih + b_hh)
                    if self.mode != "GRU":
                        b_hh = None
                out, h, c = _run_direction(self.mode, gi, bsz, h0[k], c0[k] if is_lstm else None,
                                           w_hh, b_hh, w_hr, d == 1)
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            layer_in = outs[0] if num_dir == 1 else cat(outs, 1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_in = F.dropout(layer_in, p=self.dropout, training=True)
        h_n = stack(h_n, 0)
        c_n = stack(c_n, 0) if is_lstm else None

        if packed:
            if input.unsorted_indices is not None:
                h_n = h_n.index_select(1, input.unsorted_indices)
                c_n = c_n.index_select(1, input.unsorted_indices) if is_lstm else None
            output = PackedSequence(layer_in, input.batch_sizes, input.sorted_indices, input.unsorted_indices)
        else:
            output = layer_in.reshape(len(bsz), max_batch, layer_in.shape[-1])
            if not batched:
                output = output.squeeze(1)
                h_n = h_n.squeeze(1)
                c_n = c_n.squeeze(1) if is_lstm else None
            elif self.batch_first:
                output = output.transpose(0, 1)
        return (output, (h_n, c_n)) if is_lstm else (output, h_n)


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) with act tanh or relu.

    Args: input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False, dropout=0.0,
    bidirectional=False.  Returns (output, h_n).
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory; with proj_size > 0 the hidden state is projected by weight_hr to proj_size.

    Args: input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False,
    proj_size=0.  Returns (output, (h_n, c_n)).
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit (gates r, z, n; n = tanh(W_in x + b_in + r * (W_hn h + b_hn))).

    Args: input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False.
    Returns (output, h_n).
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    """Parameters and checks shared by the single-step cells (weight_ih [chunks*H, I], weight_hh [chunks*H, H])."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty(num_chunks * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(empty(num_chunks * hidden_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nl = getattr(self, "nonlinearity", "tanh")
        if nl != "tanh":
            s += f", nonlinearity={nl}"
        return s

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def _prepare(self, input, states):
        """Checks; returns (batched input, batched states or None, batched flag)."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected "
                               f"{self.input_size}")
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        if states is None:
            return x, None, batched
        out = []
        for i, s in enumerate(states):
            if s.shape[-1] != self.hidden_size:
                raise RuntimeError(f"hidden{i} has inconsistent hidden_size: got {s.shape[-1]}, expected "
                                   f"{self.hidden_size}")
            s = s if batched else s.unsqueeze(0)
            if s.dim() != 2 or s.shape[0] != x.shape[0]:
                raise RuntimeError(f"Input batch size {x.shape[0]} doesn't match hidden{i} batch size "
                                   f"{s.shape[0]}")
            out.append(s)
        return x, out, batched

    def _zeros(self, x):
        return zeros(x.shape[0], self.hidden_size, dtype=x.dtype)

    def _gi(self, x):
        gi = x.matmul(self.weight_ih.t())
        return gi + self.bias_ih if self.bias_ih is not None else gi


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        x, st, batched = self._prepare(input, None if hx is None else (hx,))
        h = self._zeros(x) if st is None else st[0]
        out = _rnn_step(self._gi(x), h, self.weight_hh.t(), self.bias_hh, self.nonlinearity == "relu")
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step; returns (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        x, st, batched = self._prepare(input, hx)
        h, c = (self._zeros(x), self._zeros(x)) if st is None else st
        h, c = _lstm_step(self._gi(x), h, c, self.weight_hh.t(), self.bias_hh, None)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: h' = (1 - z) * n + z * h."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        x, st, batched = self._prepare(input, None if hx is None else (hx,))
        h = self._zeros(x) if st is None else st[0]
        out = _gru_step(self._gi(x), h, self.weight_hh.t(), self.bias_hh)
        return out if batched else out.squeeze(0)
