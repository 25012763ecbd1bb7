"""Access to the recorded carrier replies in ../shared/carrier-samples, read in place, never copied."""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLES_ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "carrier-samples"


def sample_dir(folder: str) -> Path:
    """The samples folder of one carrier, or a skip with the reason when shared/ is not beside the repo."""
    path = SAMPLES_ROOT / folder
    if not path.is_dir():
        pytest.skip(f"recorded samples not available: {path} is absent (shared/ is not beside the project)")
    return path


def sample(folder: str, name: str) -> bytes:
    path = sample_dir(folder) / name
    if not path.is_file():
        pytest.skip(f"recorded sample {path} is absent")
    return path.read_bytes()


def sample_files(folder: str, suffix: str = ".json") -> list[str]:
    """Names of every sample file of a carrier (for parametrised 'every sample parses' tests)."""
    path = SAMPLES_ROOT / folder
    if not path.is_dir():
        return []
    return sorted(p.name for p in path.iterdir() if p.name.endswith(suffix))
