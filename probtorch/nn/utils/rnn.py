"""Variable-length sequences for recurrent layers: PackedSequence and the pack / pad helpers of torch.nn.utils.rnn.

A PackedSequence stores the time steps of a batch of sequences sorted by decreasing length, one after another:
step t contributes the rows of the ``batch_sizes[t]`` sequences that are still running.  Packing and padding are
gathers with an integer index computed once from the lengths, so gradients of any order flow through them.
"""
from collections import namedtuple

import numpy as np

from ..._tensor import Tensor
from ..._functions.creation import tensor as _tensor
from ..._functions.shape import cat, stack

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


def _index(a):
    return _tensor(np.asarray(a, dtype=np.int64))


def invert_permutation(permutation):
    """The permutation q with q[p[i]] = i (None stays None)."""
    if permutation is None:
        return None
    p = np.asarray(permutation.numpy() if isinstance(permutation, Tensor) else permutation, dtype=np.int64)
    inv = np.empty_like(p)
    inv[p] = np.arange(p.size, dtype=np.int64)
    return _index(inv)


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """Packed batch of variable-length sequences (data [sum(lengths), *], batch_sizes [max_length] int64).

    Build one with pack_padded_sequence or pack_sequence; recurrent layers accept it in place of a padded tensor.
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if isinstance(data, (list, tuple)) and len(data) == 2:
                data, batch_sizes = data
            else:
                raise TypeError("PackedSequence: batch_sizes is required")
        if not isinstance(batch_sizes, Tensor):
            batch_sizes = _index(batch_sizes)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self, *args, **kwargs):
        return self

    def cuda(self, *args, **kwargs):
        raise RuntimeError("probtorch has no CUDA support")

    def pin_memory(self):
        return self

    def _cast(name):
        def fn(self):
            return type(self)(getattr(self.data, name)(), self.batch_sizes, self.sorted_indices,
                              self.unsorted_indices)
        fn.__name__ = name
        return fn

    double, float, half = _cast("double"), _cast("float"), _cast("half")
    long, int, short, char, byte = _cast("long"), _cast("int"), _cast("short"), _cast("char"), _cast("byte")
    del _cast

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return False


def _lengths_array(lengths):
    if isinstance(lengths, Tensor):
        return np.asarray(lengths.detach().numpy(), dtype=np.int64).reshape(-1)
    return np.asarray(lengths, dtype=np.int64).reshape(-1)


def _packed_rows(lengths, batch):
    """batch_sizes and, for each packed row, its flat index t * batch + b in a [T, batch] layout (lengths sorted)."""
    t_max = int(lengths[0]) if lengths.size else 0
    steps = np.arange(t_max)
    batch_sizes = (lengths[None, :] > steps[:, None]).sum(1)
    mask = np.arange(batch)[None, :] < batch_sizes[:, None]
    rows = (steps[:, None] * batch + np.arange(batch)[None, :])[mask]
    return batch_sizes.astype(np.int64), rows


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch [T, B, *] ([B, T, *] if batch_first) holding sequences of the given lengths."""
    lengths = _lengths_array(lengths)
    batch_dim = 0 if batch_first else 1
    if lengths.size != input.shape[batch_dim]:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.size} "
                           f"(batch_size={input.shape[batch_dim]})")
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
                "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement "
                "if you do not need ONNX exportability.")
        sorted_indices = None
    else:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = _index(order)
        input = input.index_select(batch_dim, sorted_indices)
    if lengths.size and lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           "is <= 0")
    if batch_first:
        input = input.transpose(0, 1)
    t_total, batch = input.shape[0], input.shape[1]
    if lengths.size and lengths[0] > t_total:
        raise RuntimeError(f"pack_padded_sequence: a length ({int(lengths[0])}) exceeds the padded sequence length "
                           f"({t_total})")
    batch_sizes, rows = _packed_rows(lengths, batch)
    flat = input.reshape((t_total * batch,) + tuple(input.shape[2:]))
    return PackedSequence(flat[_index(rows)], _index(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Inverse of pack_padded_sequence: (padded [T, B, *] or [B, T, *], lengths int64 in the original order)."""
    data, batch_sizes = sequence.data, _lengths_array(sequence.batch_sizes)
    t_max, batch = batch_sizes.size, (int(batch_sizes[0]) if batch_sizes.size else 0)
    if total_length is not None:
        if total_length < t_max:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {t_max}")
    else:
        total_length = t_max
    lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(1)
    # every padded slot gathers either its packed row or an extra padding row appended after the data
    mask = np.arange(batch)[None, :] < batch_sizes[:, None]
    src = np.full((total_length, batch), data.shape[0], dtype=np.int64)
    src[:t_max][mask] = np.arange(int(mask.sum()))
    feat = tuple(data.shape[1:])
    pad_row = data.new_full((1,) + feat, padding_value)
    padded = cat([data, pad_row], 0)[_index(src.reshape(-1))].reshape((total_length, batch) + feat)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = lengths[np.asarray(sequence.unsorted_indices.numpy(), dtype=np.int64)]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, _index(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors [L_i, *] into [max L, B, *] ([B, max L, *] if batch_first), padding on the given side."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if len(sequences) == 0:
        raise RuntimeError("received an empty list of sequences")
    t_max = max(s.shape[0] for s in sequences)
    trailing = tuple(sequences[0].shape[1:])
    rows = []
    for s in sequences:
        if tuple(s.shape[1:]) != trailing and s.dim() == len(trailing) + 1:
            for j, (a, b) in enumerate(zip(trailing, s.shape[1:])):
                if a != b and b != 1:
                    raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({b}) at "
                                       f"non-singleton dimension {j + 1}")
            s = s.expand((s.shape[0],) + trailing)  # torch copies each sequence in, broadcasting size-1 dims
        n = t_max - s.shape[0]
        if n == 0:
            rows.append(s)
            continue
        pad = s.new_full((n,) + tuple(s.shape[1:]), padding_value)
        rows.append(cat([s, pad] if padding_side == "right" else [pad, s], 0))
    return stack(rows, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a right-padded batch back into a list of tensors [L_i, *]."""
    lengths = _lengths_array(lengths)
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :int(n)] for i, n in enumerate(lengths)]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of tensors [L_i, *] (sorted by decreasing length unless enforce_sorted=False)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of tensors [L_i, *] a PackedSequence holds, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
