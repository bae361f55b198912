"""Routing inference by checkpoint data: the safetensors metadata names the architecture.

A checkpoint written by :func:`save_checkpoint` carries string metadata
``architecture``, ``task`` and ``config`` (JSON of the constructor arguments). The
runner for the architecture builds the model and runs a batch through it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.checkpoint import architectures
from pytest_ipfs_accelerate.checkpoint.errors import CheckpointError, UnknownArchitectureError


@dataclass(frozen=True)
class Runner:
    """How to build, feed and run one architecture."""

    architecture: str
    task: str
    build: Callable[[dict[str, Any]], Any]  # config -> nn.Module
    example_input: Callable[[dict[str, Any], int, Any], Any]  # config, batch, generator
    postprocess: Callable[[Any], dict[str, Any]]  # raw output -> result

    def run(self, model: Any, inputs: Any, device: str = "cpu") -> dict[str, Any]:
        """One inference: inputs on ``device``, no grad, result tensors on the CPU."""
        import torch

        with torch.inference_mode():
            output = model(inputs.to(device))
        return self.postprocess(output)


def _classify(logits: Any) -> dict[str, Any]:
    probs = logits.float().softmax(-1)
    return {"logits": logits.cpu(), "probabilities": probs.cpu(), "labels": probs.argmax(-1).cpu()}


def _regress(output: Any) -> dict[str, Any]:
    return {"predictions": output.cpu()}


def _next_token(logits: Any) -> dict[str, Any]:
    return {"logits": logits.cpu(), "next_tokens": logits[:, -1, :].argmax(-1).cpu()}


def _float_input(config: dict[str, Any], batch: int, generator: Any) -> Any:
    import torch

    return torch.randn(batch, int(config["in_features"]), generator=generator)


def _token_input(config: dict[str, Any], batch: int, generator: Any) -> Any:
    import torch

    length = int(config.get("context", 16))
    return torch.randint(0, int(config["vocab_size"]), (batch, length), generator=generator)


RUNNERS: dict[str, Runner] = {
    r.architecture: r
    for r in (
        Runner("mlp-classifier", "classification", lambda c: architectures.build_mlp(**c),
               _float_input, _classify),
        Runner("mlp-regressor", "regression", lambda c: architectures.build_mlp(**c),
               _float_input, _regress),
        Runner("tiny-text", "text-generation", lambda c: architectures.build_tiny_text(**c),
               _token_input, _next_token),
    )
}


def runner_for(metadata: Mapping[str, str]) -> Runner:
    """The runner matching the metadata's architecture (and task, if given)."""
    arch = metadata.get("architecture")
    known = ", ".join(f"{r.architecture} ({r.task})" for r in RUNNERS.values())
    if not arch:
        raise UnknownArchitectureError(
            "checkpoint metadata has no 'architecture'; save it with save_checkpoint(..., "
            f"architecture=...). Known architectures: {known}")
    runner = RUNNERS.get(arch)
    if runner is None:
        raise UnknownArchitectureError(f"unknown architecture {arch!r} in checkpoint metadata; "
                                       f"known architectures: {known}")
    task = metadata.get("task")
    if task and task != runner.task:
        raise UnknownArchitectureError(f"architecture {arch!r} runs task {runner.task!r}, "
                                       f"but the checkpoint says task {task!r}")
    return runner


def model_config(metadata: Mapping[str, str]) -> dict[str, Any]:
    """The constructor arguments stored in the metadata's ``config`` (JSON)."""
    try:
        config = json.loads(metadata.get("config") or "{}")
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"checkpoint metadata 'config' is not JSON: {exc}") from None
    if not isinstance(config, dict):
        raise CheckpointError("checkpoint metadata 'config' must be a JSON object")
    return config


def build_model(metadata: Mapping[str, str]) -> Any:
    """A fresh (randomly initialised) model of the architecture the metadata names."""
    return runner_for(metadata).build(model_config(metadata))


def checkpoint_metadata(architecture: str, task: str | None = None,
                        config: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The safetensors metadata runners route by (``task`` defaults to the runner's)."""
    runner = RUNNERS.get(architecture)
    return {"format": "pt", "architecture": architecture,
            "task": task or (runner.task if runner else ""),
            "config": json.dumps(dict(config or {}), sort_keys=True)}


def save_checkpoint(model: Any, path: str | Path, *, architecture: str, task: str | None = None,
                    config: Mapping[str, Any] | None = None,
                    metadata: Mapping[str, str] | None = None) -> Path:
    """Save ``model``'s state dict as safetensors with routing metadata; returns the path."""
    from safetensors.torch import save_file

    meta = {**checkpoint_metadata(architecture, task, config), **(metadata or {})}
    path = Path(path)
    tensors = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    save_file(tensors, str(path), metadata=meta)
    return path
