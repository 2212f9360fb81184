"""Chapter 9's checkers reject the typical mistakes, each with its own hint."""

import math

import pytest
import torch
import torch.nn.functional as F

from exercise_cases import Case, assert_rejected
from nnbook import generative
from nnbook.exercises import chapter09 as ch
from nnbook.exercises import check


def _decoder_input(z, labels):
    return torch.cat([z, F.one_hot(labels, 10).float()], 1)


def _kl(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / len(mu)


def _reparameterize(mu, logvar):
    return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)


def _sample(mu, logvar):
    return torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).sample()


def _kl_case(**wrong):
    return ch._kl(ch.KL_CASE["mu"], ch.KL_CASE["variance"], **wrong)


WRONG: list[Case] = [
    ("09.1", lambda: lambda z, y: torch.cat([z, F.one_hot(y).float()], 1), ch.ONEHOT_WIDTH),
    ("09.1", lambda: lambda z, y: torch.cat([z, y.float().unsqueeze(1)], 1), ch.ONEHOT_LABEL),
    ("09.1", lambda: lambda z, y: torch.cat([F.one_hot(y, 10).float(), z], 1), ch.ONEHOT_ORDER),
    ("09.1", lambda: lambda z, y: F.one_hot(y, 10).float(), ch.ONEHOT_SHAPE),
    ("09.1", lambda: lambda z, y: torch.cat([z, F.one_hot(9 - y, 10).float()], 1),
     ch.ONEHOT_OTHER),
    ("09.2", lambda: 2 * _kl_case(), ch.KL_HALF),
    ("09.2", lambda: -_kl_case(), ch.KL_SIGN),
    ("09.2", lambda: _kl_case() / 2, ch.KL_MEAN),
    ("09.2", lambda: _kl_case(log=lambda v: 0.5 * math.log(v)), ch.KL_LOG),
    ("09.2", lambda: _kl_case(square=math.sqrt), ch.KL_STD),
    ("09.2", lambda: 1.0, ch.KL_OTHER),
    ("09.3", lambda: lambda mu, logvar: _kl(mu, logvar).item(), ch.KLF_NOT_TENSOR),
    ("09.3", lambda: lambda mu, logvar: _kl(mu.detach(), logvar.detach()), ch.KLF_NO_GRAD),
    ("09.3", lambda: lambda mu, logvar: -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1),
     ch.KLF_SHAPE),
    ("09.3", lambda: lambda mu, logvar: -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp()),
     ch.KLF_MEAN_ALL),
    ("09.3", lambda: lambda mu, logvar: -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()),
     ch.KLF_SUM_ALL),
    ("09.3", lambda: lambda mu, logvar: -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar)
     / len(mu), ch.KLF_EXP),
    ("09.3", lambda: lambda mu, logvar: -_kl(mu, logvar), ch.KL_SIGN),
    ("09.4", lambda: _sample, ch.REPARAM_NO_GRAD),
    ("09.4", lambda: lambda mu, logvar: torch.normal(mu, torch.exp(0.5 * logvar)),
     ch.REPARAM_NORMAL),
    ("09.4", lambda: lambda mu, logvar: mu + 0 * logvar, ch.REPARAM_NO_NOISE),
    ("09.4", lambda: lambda mu, logvar: mu + torch.randn(mu.shape[1]) * torch.exp(0.5 * logvar),
     ch.REPARAM_SHARED),
    ("09.4", lambda: lambda mu, logvar: mu + torch.rand_like(mu) * torch.exp(0.5 * logvar),
     ch.REPARAM_UNIFORM),
    ("09.4", lambda: lambda mu, logvar: mu + torch.randn_like(mu) * torch.exp(logvar),
     ch.REPARAM_VARIANCE),
    ("09.4", lambda: lambda mu, logvar: mu + torch.randn_like(mu) * logvar, ch.REPARAM_LOGVAR),
    ("09.4", lambda: lambda mu, logvar: torch.randn_like(mu) * torch.exp(0.5 * logvar),
     ch.REPARAM_MEAN),
    ("09.5", lambda: "B", ch.COLD_SHARPER),
    ("09.5", lambda: "C", ch.COLD_NOISE),
]


@pytest.mark.parametrize(("name", "make_answer", "hint"), WRONG)
def test_a_typical_mistake_gets_its_hint(name, make_answer, hint):
    assert_rejected(name, make_answer, hint)


RIGHT = [
    ("09.1", _decoder_input),
    ("09.2", round(_kl_case(), 3)),
    ("09.3", _kl),
    ("09.3", lambda mu, logvar: generative.vae_loss(torch.zeros(len(mu)), torch.zeros(len(mu)),
                                                    mu, logvar)[1]),
    ("09.4", _reparameterize),
    ("09.4", lambda mu, logvar: torch.distributions.Normal(mu, torch.exp(0.5 * logvar)).rsample()),
    ("09.5", "a"),
]


@pytest.mark.parametrize(("name", "answer"), RIGHT)
def test_a_right_answer_passes(name, answer):
    assert check(name, answer)


def test_the_reparameterization_check_leaves_the_random_state_alone():
    torch.manual_seed(0)
    want = torch.rand(3)
    torch.manual_seed(0)
    check("09.4", _reparameterize)
    assert torch.equal(torch.rand(3), want)
