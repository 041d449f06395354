"""Flagship demo: fit a logistic regression by gradient descent with probtorch's autograd.

Run: python examples/flagship.py
"""
import probtorch as pt


def main(steps=200, verbose=True):
    pt.manual_seed(0)
    n, d = 500, 3
    true_w = pt.tensor([1.5, -2.0, 0.5])
    X = pt.randn(n, d)
    y = pt.bernoulli(pt.sigmoid(X @ true_w + 0.3))
    w = pt.zeros(d, requires_grad=True)
    b = pt.zeros((), requires_grad=True)
    lr = 0.5
    for step in range(steps + 1):
        logits = X @ w + b
        # mean negative log-likelihood of a Bernoulli with logits
        loss = (pt.nn.functional.softplus(logits) - y * logits).mean()
        w.grad = b.grad = None
        loss.backward()
        with pt.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        if verbose and step % 50 == 0:
            print(f"step {step:4d}  loss {loss.item():.4f}  w {[round(v, 3) for v in w.tolist()]}  b {b.item():.3f}")
    return w.detach(), b.detach()


if __name__ == "__main__":
    main()
