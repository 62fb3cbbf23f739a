"""One micro-batch of a penalised step the authors' way, shared by the
reference scripts of test/methods/pytorch-step.test.ts and
test/trainer/protocol.test.ts."""
import torch


def penalized_backward(loss, target, params, lam, k, inner):
    """Backpropagates (loss + lam * R) / k, R = ||grad target||^2 by double
    backprop; returns R and inner plus this micro-batch's grad target / k (the
    averaged inner gradient whose norm the authors log)."""
    grads = torch.autograd.grad(target, params, create_graph=True)
    if inner is None:
        inner = [g.detach() / k for g in grads]
    else:
        inner = [a + g.detach() / k for a, g in zip(inner, grads)]
    R = sum((g ** 2).sum() for g in grads)
    ((loss + lam * R) / k).backward()
    return R, inner
