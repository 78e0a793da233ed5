"""The training's optimiser (backend.generative.optim) against torch.optim's AdamW and OneCycleLR."""

from __future__ import annotations

import copy

import pytest
import torch

from backend.generative.optim import AdamW, one_cycle


def _net() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.SiLU(), torch.nn.Linear(16, 3))


def _train(net, opt_step, zero, steps: int) -> None:
    g = torch.Generator().manual_seed(1)
    for _ in range(steps):
        x = torch.randn(32, 6, generator=g)
        loss = ((net(x) - x[:, :3].sin()) ** 2).mean()
        zero()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt_step()


@pytest.mark.parametrize("steps", [10, 37])
def test_the_optimiser_follows_torch_adamw_with_one_cycle(steps):
    ours, theirs = _net(), _net()
    opt = AdamW(ours.parameters(), 2e-3, steps, weight_decay=1e-4)
    _train(ours, opt.step, opt.zero_grad, steps)
    ref = torch.optim.AdamW(theirs.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(ref, max_lr=2e-3, total_steps=steps)

    def ref_step():
        ref.step()
        sched.step()

    _train(theirs, ref_step, ref.zero_grad, steps)
    moved = 0.0
    start = _net()
    for a, b, s in zip(ours.parameters(), theirs.parameters(), start.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-7)
        moved = max(moved, float((a - s).detach().abs().max()))
    assert moved > 1e-3  # the comparison is not of two untrained networks


def test_the_schedule_warms_up_then_anneals():
    total, lr = 100, 1e-2
    rates = [one_cycle(i, total, lr)[0] for i in range(total)]
    betas = [one_cycle(i, total, lr)[1] for i in range(total)]
    peak = rates.index(max(rates))
    assert peak == 29 and rates[peak] == pytest.approx(lr)
    assert rates[0] == pytest.approx(lr / 25) and rates[-1] == pytest.approx(lr / 25 / 1e4)
    assert (
        betas[0] == pytest.approx(0.95)
        and betas[peak] == pytest.approx(0.85)
        and betas[-1] == pytest.approx(0.95)
    )
    assert all(a <= b for a, b in zip(rates[:peak], rates[1 : peak + 1]))
    assert all(a >= b for a, b in zip(rates[peak:], rates[peak + 1 :]))


def test_parameters_without_gradients_are_left_alone():
    """A layer the loss does not reach (the network's embedding without a context vector) gets no
    gradient: no step and no weight decay, as in torch.optim."""
    net = _net()
    unused = torch.nn.Linear(4, 4)
    before = copy.deepcopy(unused.weight.detach())
    opt = AdamW([*net.parameters(), *unused.parameters()], 1e-2, 5, weight_decay=0.5)
    _train(net, opt.step, opt.zero_grad, 5)
    assert torch.equal(unused.weight.detach(), before)
    assert not torch.equal(net[0].weight.detach(), _net()[0].weight.detach())
