"""Placeholder: the calibrated sample generator is being written."""
from pathlib import Path


def generate(out_dir: Path, seed: int = 2022, scale: float = 1.0) -> dict[Path, int]:
    raise NotImplementedError
