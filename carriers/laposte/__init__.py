"""La Poste / Colissimo tracking through the Suivi v2 API (polling only; La Poste pushes nothing)."""

from carriers.laposte.adapter import Adapter
from carriers.laposte.parse import parse

__all__ = ["Adapter", "parse"]
