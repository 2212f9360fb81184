"""What most checkers ask first: is the answer the kind of thing the exercise asks for?

Each function returns the answer (as the kind asked for) or raises ``Wrong`` with a hint that
names what the reader gave instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from nnbook.exercises import Wrong
from nnbook.i18n import N_

NOT_TENSOR = N_("your answer is a {kind}, not a tensor; torch.tensor turns a list into one.")
SHAPE = N_("the tensor has the shape {got}; the exercise asks for {want}.")
DTYPE = N_("the tensor’s data type is {got}; the exercise asks for {want}.")
NOT_FUNCTION = N_("your answer is a {kind}, not a function. Pass the function itself, its name "
                  "without parentheses.")
NOT_MODULE = N_("your answer is a {kind}, not a network: an object of a class that inherits "
                "from nn.Module.")
NOT_NUMBER = N_("your answer is a {kind}, not a number.")
NOT_FINITE = N_("your answer is {value}, not a finite number.")
NOT_CHOICE = N_("answer with one of the letters {letters}, as a string.")
NOT_DICT = N_("your answer is a {kind}; the exercise asks for a dictionary with the keys {keys}.")


def kind(answer: Any) -> str:
    return type(answer).__name__


def tensor(answer: Any, shape: tuple[int, ...] | None = None,
           dtype: torch.dtype | None = None) -> torch.Tensor:
    if not isinstance(answer, torch.Tensor):
        raise Wrong(NOT_TENSOR, kind=kind(answer))
    if shape is not None and tuple(answer.shape) != tuple(shape):
        raise Wrong(SHAPE, got=tuple(answer.shape), want=tuple(shape))
    if dtype is not None and answer.dtype != dtype:
        raise Wrong(DTYPE, got=answer.dtype, want=dtype)
    return answer


def function(answer: Any) -> Callable:
    if isinstance(answer, nn.Module) or not callable(answer) or isinstance(answer, type):
        raise Wrong(NOT_FUNCTION, kind=kind(answer))
    return answer


def module(answer: Any) -> nn.Module:
    if not isinstance(answer, nn.Module):
        raise Wrong(NOT_MODULE, kind=kind(answer))
    return answer


def number(answer: Any) -> float:
    if isinstance(answer, torch.Tensor) and answer.numel() == 1:
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        raise Wrong(NOT_NUMBER, kind=kind(answer))
    if not math.isfinite(answer):
        raise Wrong(NOT_FINITE, value=answer)
    return float(answer)


def choice(answer: Any, letters: str) -> str:
    if not isinstance(answer, str) or answer.strip().upper() not in letters:
        raise Wrong(NOT_CHOICE, letters=", ".join(letters))
    return answer.strip().upper()


def dictionary(answer: Any, keys: list[str]) -> dict:
    if not isinstance(answer, dict) or sorted(answer) != sorted(keys):
        raise Wrong(NOT_DICT, kind=kind(answer), keys=", ".join(keys))
    return answer
