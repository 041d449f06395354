"""probtorch.autograd.functional: vjp, jvp, jacobian, hessian, hvp, vhp (see issue 3)."""
