"""Small example architectures the runners know how to build from checkpoint metadata.

Each is a plain ``torch.nn.Module`` with several top-level children, so device maps
can split it across devices. torch is imported only when a model is built.
"""

from __future__ import annotations

from typing import Any


def build_mlp(in_features: int, hidden: int, out_features: int, depth: int = 2) -> Any:
    """An MLP: ``input`` -> ``blocks.0..depth-1`` (Linear+ReLU) -> ``head``."""
    import torch
    from torch import nn

    class Mlp(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.input = nn.Linear(in_features, hidden)
            self.blocks = nn.ModuleList(
                nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU()) for _ in range(depth))
            self.head = nn.Linear(hidden, out_features)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = torch.relu(self.input(x))
            for block in self.blocks:
                x = block(x)
            return self.head(x)

    return Mlp()


def build_tiny_text(vocab_size: int, dim: int, layers: int = 2, context: int = 16) -> Any:
    """A tiny next-token model: ``embed`` -> ``blocks`` (MLP, residual) -> ``norm`` -> ``lm_head``."""
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.norm = nn.LayerNorm(dim)
            self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x + self.mlp(self.norm(x))

    class TinyText(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(vocab_size, dim)
            self.position = nn.Embedding(context, dim)
            self.blocks = nn.ModuleList(Block() for _ in range(layers))
            self.norm = nn.LayerNorm(dim)
            self.lm_head = nn.Linear(dim, vocab_size)

        def forward(self, tokens: torch.Tensor) -> torch.Tensor:
            positions = torch.arange(tokens.shape[-1], device=tokens.device) % context
            x = self.embed(tokens) + self.position(positions)
            for block in self.blocks:
                x = block(x)
            return self.lm_head(self.norm(x))

    return TinyText()
