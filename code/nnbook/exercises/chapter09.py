"""Chapter 9, a conditional VAE that draws digits: the checkers of exercises 09.1–09.5."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from nnbook.exercises import Wrong, exercise, expect
from nnbook.i18n import N_

ONEHOT_WIDTH = N_("for the labels 0, 2 and 1 your one-hot part has {got} columns, not 10. "
                  "Without num_classes, one_hot counts only up to the largest label in the "
                  "batch.")
ONEHOT_LABEL = N_("you appended the label as one number; the decoder expects ten, a 1 in the "
                  "digit’s place and 0 elsewhere.")
ONEHOT_ORDER = N_("the latent numbers must come first and the ten label numbers after them, "
                  "as in torch.cat([z, onehot], 1).")
ONEHOT_SHAPE = N_("for {rows} rows of {latent} latent numbers your function gives the shape "
                  "{got}; the decoder takes {want}.")
ONEHOT_OTHER = N_("the ten numbers after z are not the one-hot vector of each label.")


@exercise("09.1")
def decoder_input(answer) -> None:
    """A function decoder_input(z, labels): each row's z followed by its label's one-hot."""
    fn = expect.function(answer)
    generator = torch.Generator().manual_seed(1)
    for labels in ([3, 0, 9, 3], [0, 2, 1]):
        labels = torch.tensor(labels)
        z = torch.randn(len(labels), 4, generator=generator)
        want = torch.cat([z, F.one_hot(labels, 10).float()], 1)
        got = expect.tensor(fn(z.clone(), labels.clone()))
        rows, latent = z.shape
        if got.shape == (rows, latent + 1):
            raise Wrong(ONEHOT_LABEL)
        if got.shape == (rows, latent + int(labels.max()) + 1) and got.shape != want.shape:
            raise Wrong(ONEHOT_WIDTH, got=int(labels.max()) + 1)
        if got.shape != want.shape:
            raise Wrong(ONEHOT_SHAPE, rows=rows, latent=latent, got=tuple(got.shape),
                        want=tuple(want.shape))
        got = got.float()
        if torch.allclose(got, want):
            continue
        if torch.allclose(got, torch.cat([want[:, latent:], z], 1)):
            raise Wrong(ONEHOT_ORDER)
        raise Wrong(ONEHOT_OTHER)


# The exercise's two latent numbers (means and variances); the pages glue them into its text.
KL_CASE = {"mu": (1.0, 0.0), "variance": (1.0, 4.0)}

KL_HALF = N_("your number is twice the KL divergence: the ½ in front of the sum is missing.")
KL_SIGN = N_("a KL divergence is never negative: check the minus sign in front of the sum.")
KL_MEAN = N_("you took the mean over the latent numbers; the formula adds them up.")
KL_LOG = N_("log σ² is the logarithm of the variance itself, not of the standard deviation.")
KL_STD = N_("σ² is the variance, the number given; you used its square root.")
KL_OTHER = N_("not the KL divergence of these two latent numbers. Work out each one’s term "
              "1 + log σ² − μ² − σ² first, then add them up and multiply by −½.")


def _kl(mu, variance, log=math.log, square=lambda v: v) -> float:
    """−½ Σ (1 + log σ² − μ² − σ²), with ways to get log σ² and σ² wrong."""
    return -0.5 * sum(1 + log(v) - m * m - square(v) for m, v in zip(mu, variance, strict=True))


@exercise("09.2")
def kl_by_hand(answer) -> None:
    """By hand: the KL divergence to N(0, 1) of the latent numbers in KL_CASE."""
    got = expect.number(answer)
    mu, variance = KL_CASE["mu"], KL_CASE["variance"]
    want = _kl(mu, variance)

    def close(value: float) -> bool:
        return abs(got - value) <= 0.005

    if close(want):
        return
    if close(2 * want):
        raise Wrong(KL_HALF)
    if close(-want) or close(-2 * want):
        raise Wrong(KL_SIGN)
    if close(want / len(mu)):
        raise Wrong(KL_MEAN)
    if close(_kl(mu, variance, log=lambda v: 0.5 * math.log(v))):
        raise Wrong(KL_LOG)
    if close(_kl(mu, variance, square=math.sqrt)):
        raise Wrong(KL_STD)
    raise Wrong(KL_OTHER)


KLF_NOT_TENSOR = N_("your function returns a {kind}. Return a tensor, without .item(): the "
                    "training adds it to the loss and calls backward() through it.")
KLF_NO_GRAD = N_("your result has no gradient: backward() could not reach mu and logvar. "
                 "Compute it from them without detach() or torch.no_grad().")
KLF_SHAPE = N_("your function gives one number per image, shape {got}; the loss needs one "
               "number for the batch, the mean over its images.")
KLF_MEAN_ALL = N_("you took the mean over the latent numbers too. Add up over the latent "
                  "numbers, then take the mean over the images.")
KLF_SUM_ALL = N_("you added up over the images too. The book’s losses are means per image: "
                 "divide by the number of images.")
KLF_EXP = N_("logvar is the logarithm of the variance: the variance σ² itself is "
             "torch.exp(logvar).")
KLF_OTHER = N_("your function gives other numbers than the chapter’s formula for the same mu "
               "and logvar.")


@exercise("09.3")
def kl_divergence(answer) -> None:
    """A function kl_divergence(mu, logvar): the KL term of the loss, a mean per image."""
    fn = expect.function(answer)
    generator = torch.Generator().manual_seed(3)
    for rows, latent in [(5, 4), (3, 7)]:
        mu = torch.randn(rows, latent, generator=generator).requires_grad_(True)
        logvar = torch.randn(rows, latent, generator=generator).requires_grad_(True)
        got = fn(mu, logvar)
        if not isinstance(got, torch.Tensor):
            raise Wrong(KLF_NOT_TENSOR, kind=expect.kind(got))
        if got.numel() != 1:
            raise Wrong(KLF_SHAPE, got=tuple(got.shape))
        if not got.requires_grad:
            raise Wrong(KLF_NO_GRAD)
        value = got.detach().reshape(())
        mu, logvar = mu.detach(), logvar.detach()
        terms = 1 + logvar - mu.pow(2) - logvar.exp()
        want = -0.5 * terms.sum() / rows

        def close(other: torch.Tensor, value: torch.Tensor = value) -> bool:
            return torch.allclose(value, other, rtol=1e-4, atol=1e-5)

        if close(want):
            continue
        if close(-want):
            raise Wrong(KL_SIGN)
        if close(want * 2):
            raise Wrong(KL_HALF)
        if close(want / latent):
            raise Wrong(KLF_MEAN_ALL)
        if close(want * rows):
            raise Wrong(KLF_SUM_ALL)
        if any(close(-0.5 * (1 + logvar - mu.pow(2) - logvar).sum() / n) for n in (1, rows)):
            raise Wrong(KLF_EXP)
        raise Wrong(KLF_OTHER)


REPARAM_SHAPE = N_("z must have the shape of mu, {want}; your function gives {got}.")
REPARAM_NO_GRAD = N_("z has no gradient: autograd cannot go back through it to mu and logvar. "
                     "That is what the trick is for: draw the noise on its own, and compute z "
                     "from mu, σ and the noise.")
REPARAM_NORMAL = N_("z has a gradient, but it is zero: torch.normal draws the numbers "
                    "without letting the gradient through to mu and σ. Draw standard normal "
                    "noise on its own and compute z = mu + σ · noise.")
REPARAM_NO_NOISE = N_("z is the same every time: it has no noise in it. Each z needs its own "
                      "draw of standard normal noise.")
REPARAM_SHARED = N_("every row of z got the same noise. Draw noise of mu’s full shape, one "
                    "number for each latent number of each image.")
REPARAM_UNIFORM = N_("your noise does not have mean 0 and standard deviation 1: torch.rand "
                     "draws evenly between 0 and 1. The trick needs standard normal noise, "
                     "torch.randn.")
REPARAM_VARIANCE = N_("your z varies by the variance, exp(logvar); it must vary by the standard "
                      "deviation σ = exp(½ · logvar).")
REPARAM_LOGVAR = N_("your z varies by logvar itself; logvar is the logarithm of the variance. "
                    "σ = exp(½ · logvar).")
REPARAM_SPREAD = N_("the spread of your z is not σ = exp(½ · logvar) for each latent number.")
REPARAM_MEAN = N_("your z is not centred on mu: z = mu + σ · noise.")
REPARAM_GRAD = N_("your z has the right distribution, but not the right gradient: ∂z/∂mu "
                  "must be 1 and ∂z/∂logvar must be ½ · σ · noise.")


@exercise("09.4")
def reparameterize(answer) -> None:
    """A function reparameterize(mu, logvar): z ~ N(mu, exp(logvar)) that autograd can
    differentiate with respect to mu and logvar."""
    fn = expect.function(answer)
    rows = 20_000
    centre = torch.tensor([0.0, 2.0, -1.0])
    spread = torch.tensor([1.0, 0.5, 2.0])
    mu = centre.repeat(rows, 1).requires_grad_(True)
    logvar = (2 * spread.log()).repeat(rows, 1).requires_grad_(True)
    with torch.random.fork_rng(devices=[]):  # the reader's random state stays as it was
        torch.manual_seed(4)
        z = fn(mu, logvar)
        again = fn(mu, logvar)
    z = expect.tensor(z)
    if z.shape != mu.shape:
        raise Wrong(REPARAM_SHAPE, want=tuple(mu.shape), got=tuple(z.shape))
    if not z.requires_grad:
        raise Wrong(REPARAM_NO_GRAD)
    z.sum().backward()
    if all(g is None or not g.any() for g in (mu.grad, logvar.grad)):
        raise Wrong(REPARAM_NORMAL)
    z = z.detach()
    if torch.equal(z, again.detach()):
        raise Wrong(REPARAM_NO_NOISE)
    if torch.equal(z[0], z[1]) and torch.equal(z[0], z[-1]):
        raise Wrong(REPARAM_SHARED)
    mean, std = z.mean(0), z.std(0)
    if not torch.allclose(std, spread, rtol=0.03):
        noise_std = std / spread
        if torch.allclose(noise_std, torch.full((3,), 12 ** -0.5), rtol=0.05):
            raise Wrong(REPARAM_UNIFORM)
        if torch.allclose(std, spread ** 2, rtol=0.03):
            raise Wrong(REPARAM_VARIANCE)
        if torch.allclose(std[1:], (2 * spread.log()).abs()[1:], rtol=0.03):
            raise Wrong(REPARAM_LOGVAR)
        raise Wrong(REPARAM_SPREAD)
    if not torch.allclose(mean, centre, atol=0.06):
        if torch.allclose(mean - centre, 0.5 * spread, atol=0.06):
            raise Wrong(REPARAM_UNIFORM)
        raise Wrong(REPARAM_MEAN)
    if (mu.grad is None or logvar.grad is None
            or not torch.allclose(mu.grad, torch.ones_like(mu), atol=1e-5)
            or not torch.allclose(logvar.grad, 0.5 * (z - mu.detach()), atol=1e-4)):
        raise Wrong(REPARAM_GRAD)


# The temperature the exercise asks about; the pages glue it into its text.
COLD = 0.0

COLD_SHARPER = N_("at this temperature every z is the same point, the centre of the latent "
                  "space. Can the images in a row then differ at all?")
COLD_NOISE = N_("the centre of the latent space is where the training put the most digits: "
                "the decoder knows it better than any other point.")


@exercise("09.5")
def cold(answer) -> None:
    """A choice: what drawing at temperature COLD gives (A eight copies of one digit per row)."""
    letter = expect.choice(answer, "ABC")
    if letter == "B":
        raise Wrong(COLD_SHARPER)
    if letter == "C":
        raise Wrong(COLD_NOISE)
