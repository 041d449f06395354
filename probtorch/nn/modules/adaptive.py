"""AdaptiveLogSoftmaxWithLoss: the adaptive softmax of Grave et al. (2017) for large, skewed label sets.

Frequent classes (below the first cutoff) are scored directly by a head layer; the rest are split into clusters,
each represented in the head by one extra logit and scored inside the cluster by a small two-layer tail whose
hidden size shrinks by `div_value` per cluster. log p(c) = log p_head(cluster of c) + log p_tail(c | cluster).

Reference: E. Grave, A. Joulin, M. Cissé, D. Grangier, H. Jégou, "Efficient softmax approximation for GPUs",
ICML 2017.
"""
from collections import namedtuple

from ..._dtype import int64
from ..._functions.creation import zeros
from ..._functions.shape import cat
from .. import functional as F
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax: returns the target log-probabilities and their mean negative as the loss.

    Args:
        in_features: size of each input row.
        n_classes: number of classes.
        cutoffs: increasing, unique integers in [1, n_classes - 1] splitting the classes into the head shortlist
            and the tail clusters.
        div_value: ratio between the hidden sizes of consecutive tail clusters.
        head_bias: give the head layer a bias.

    Returns (forward): a named tuple ``(output, loss)``; ``output[i]`` is log p(target[i] | input[i]).
    """

    def __init__(self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False, device=None, dtype=None):
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             "order, where each value is between 1 and n_classes-1")
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, dtype=dtype)
        tails = []
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            tails.append(Sequential(Linear(in_features, hsz, bias=False, dtype=dtype),
                                    Linear(hsz, osz, bias=False, dtype=dtype)))
        self.tail = ModuleList(tails)

    def reset_parameters(self):
        self.head.reset_parameters()
        for proj, out in self.tail:
            proj.reset_parameters()
            out.reset_parameters()

    def forward(self, input_, target_):
        if target_.dim() == 1:
            if input_.size(0) != target_.size(0):
                raise RuntimeError("Input and target should have the same size in the batch dimension.")
            if input_.dim() != 2:
                raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with size "
                                   f"{input_.shape}")
            input, target, unbatched = input_, target_, False
        elif target_.dim() == 0:
            if input_.dim() != 1:
                raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with size "
                                   f"{input_.shape}")
            input, target, unbatched = input_.unsqueeze(0), target_.unsqueeze(0), True
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batch = target.size(0)
        if batch > 0:
            lo, hi = int(target.min().item()), int(target.max().item())
            if lo < 0 or hi >= self.n_classes:
                raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                                   f"[{lo}, {hi}] were found. ")
        output = zeros(batch, dtype=input.dtype)
        # the head column to read per row: the class itself in the shortlist, else its cluster's logit
        head_col = target.clone()
        for i in range(self.n_clusters):
            low, high = self.cutoffs[i], self.cutoffs[i + 1]
            rows = ((target >= low) & (target < high)).nonzero().reshape(-1)
            if rows.numel() == 0:
                continue
            head_col = head_col.index_fill(0, rows, self.shortlist_size + i)
            cluster_logprob = F.log_softmax(self.tail[i](input.index_select(0, rows)), 1)
            local = cluster_logprob.gather(1, (target.index_select(0, rows) - low).unsqueeze(1)).squeeze(1)
            output = output.index_copy(0, rows, local)
        head_logprob = F.log_softmax(self.head(input), 1)
        output = output + head_logprob.gather(1, head_col.to(int64).unsqueeze(1)).squeeze(1)
        loss = (-output).mean()
        if unbatched:
            output = output.squeeze(0)
        return _ASMoutput(output, loss)

    def _full_log_prob(self, input, head_output):
        head_logprob = F.log_softmax(head_output, 1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster_logprob = F.log_softmax(self.tail[i](input), 1)
            parts.append(cluster_logprob + head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return cat(parts, 1)

    def log_prob(self, input):
        """Log-probabilities of every class: (N, in_features) -> (N, n_classes), or unbatched (in_features,)."""
        unbatched = input.dim() == 1
        if unbatched:
            input = input.unsqueeze(0)
        out = self._full_log_prob(input, self.head(input))
        return out.squeeze(0) if unbatched else out

    def predict(self, input):
        """The most likely class per row: (N, in_features) -> (N,) int64."""
        return self.log_prob(input).argmax(-1)
