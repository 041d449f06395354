"""Flagship example: variational inference for a Gamma-Poisson model, pathwise vs score-function gradients.

Model:   rate ~ Gamma(2, 1),   counts_i | rate ~ Poisson(rate),   i = 1..n
Guide:   q(rate) = TransformedDistribution(Normal(loc, scale), biject_to(Gamma.support))  (a LogNormal)

The ELBO  E_q[log p(counts, rate) - log q(rate)]  is maximized with Adam twice, side by side:
  * pathwise:        rate = q.rsample()  and the ELBO estimate is differentiated through the sample;
  * score function:  rate = q.sample()  (no gradient) and the surrogate  (f - baseline) * log q(rate)  is used.
The exact posterior is Gamma(2 + sum(counts), 1 + n); the example prints both fits against it.

Run: python examples/flagship.py        (about ten seconds)
"""
import probtorch as pt
from probtorch.distributions import Gamma, Normal, Poisson, TransformedDistribution
from probtorch.distributions import biject_to

PRIOR_SHAPE, PRIOR_RATE = 2.0, 1.0


def make_data(n=40, true_rate=3.5, seed=0):
    pt.manual_seed(seed)
    return Poisson(pt.tensor(true_rate, dtype=pt.float64)).sample((n,))


def log_joint(rate, counts):
    """log p(counts, rate) for a batch of rates (shape [S]) -> [S]."""
    prior = Gamma(pt.tensor(PRIOR_SHAPE, dtype=pt.float64), pt.tensor(PRIOR_RATE, dtype=pt.float64))
    lik = Poisson(rate.unsqueeze(-1)).log_prob(counts).sum(-1)
    return prior.log_prob(rate) + lik


def guide(loc, log_scale):
    return TransformedDistribution(Normal(loc, log_scale.exp()), [biject_to(Gamma.arg_constraints["rate"])])


def fit(counts, estimator, steps=600, samples=16, lr=0.05, seed=1, verbose=True):
    """Maximize the ELBO with the 'pathwise' or 'score' gradient estimator; returns (loc, log_scale)."""
    pt.manual_seed(seed)
    loc = pt.tensor(0.0, dtype=pt.float64, requires_grad=True)
    log_scale = pt.tensor(-1.0, dtype=pt.float64, requires_grad=True)
    opt = pt.optim.Adam([loc, log_scale], lr=lr)
    baseline = 0.0
    for step in range(steps + 1):
        if step == 2 * steps // 3:  # smaller steps at the end, so the fit settles instead of jittering
            for group in opt.param_groups:
                group["lr"] = lr / 10
        q = guide(loc, log_scale)
        if estimator == "pathwise":
            rate = q.rsample((samples,))
            elbo = (log_joint(rate, counts) - q.log_prob(rate)).mean()
            loss = -elbo
        else:
            rate = q.sample((samples,))
            logq = q.log_prob(rate)
            f = (log_joint(rate, counts) - logq).detach()
            elbo = f.mean()
            # REINFORCE with a running-mean baseline; E[grad log q] = 0 makes the baseline unbiased
            loss = -((f - baseline) * logq).mean()
            baseline = 0.9 * baseline + 0.1 * elbo.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if verbose and step % 100 == 0:
            print(f"  [{estimator:8s}] step {step:4d}  ELBO {elbo.item():9.3f}  "
                  f"q: loc {loc.item():+.3f} scale {log_scale.exp().item():.3f}")
    return loc.detach(), log_scale.detach()


def summarize(name, loc, log_scale, n_draws=20000):
    q = guide(loc, log_scale)
    draws = q.sample((n_draws,))
    mean, sd = draws.mean().item(), draws.std().item()
    print(f"{name:22s} mean {mean:.4f}  sd {sd:.4f}")
    return mean, sd


def main(verbose=True, steps=600):
    counts = make_data()
    post_shape = PRIOR_SHAPE + counts.sum().item()
    post_rate = PRIOR_RATE + counts.numel()
    exact = Gamma(pt.tensor(post_shape, dtype=pt.float64), pt.tensor(post_rate, dtype=pt.float64))
    print(f"data: {counts.numel()} counts, sum {int(counts.sum().item())}")
    print("fitting q(rate) = exp(Normal(loc, scale)) ...")
    results = {}
    for estimator in ("pathwise", "score"):
        results[estimator] = fit(counts, estimator, steps=steps, verbose=verbose)
    print("\nposterior summary")
    print(f"{'exact Gamma posterior':22s} mean {exact.mean.item():.4f}  sd {exact.stddev.item():.4f}")
    summary = {k: summarize(f"VI ({k})", *v) for k, v in results.items()}
    # KL(q || exact) by Monte Carlo: how close each fit is
    kls = {}
    for k, (loc, log_scale) in results.items():
        q = guide(loc, log_scale)
        z = q.sample((20000,))
        kls[k] = (q.log_prob(z) - exact.log_prob(z)).mean().item()
        print(f"KL(q_{k} || posterior) ~ {kls[k]:.4f}")
    return exact, summary, kls


if __name__ == "__main__":
    main()
