"""Shared set-up for the fixture scripts: deterministic values both sides can reproduce, and
importing open_clip with the CPU-only torch wheel.

The CPU torch wheel available here has no matching torchvision build; torchvision's Python
transforms work, but its compiled-operator registrations fail at import. The fixture scripts only
use the Python parts, so we skip that one registration module. Nothing here is used at run time.
"""

import sys
import types

import numpy as np

sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def fnv1a64(text: str) -> int:
    """FNV-1a 64 of the UTF-8 bytes; mirrors SyntheticWeights.fnv1a64 in Swift."""
    value = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        value ^= byte
        value = (value * 0x100000001B3) & MASK64
    return value


def splitmix_mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def counter_uniform(seed: int, count: int) -> np.ndarray:
    """Element i of stream `seed` in [0, 1): SeededGenerator.counterUniform(seed:index:)."""
    base = (seed * GOLDEN + 1) & MASK64
    with np.errstate(over="ignore"):
        z = np.arange(count, dtype=np.uint64) + np.uint64(base)
        bits = splitmix_mix(z)
    return (bits >> np.uint64(40)).astype(np.float32) * np.float32(1.0 / 16777216.0)


def counter_bits(seed: int, index: int) -> int:
    """The 64 random bits behind element `index` of stream `seed`, in exact Python integers."""
    z = (seed * GOLDEN + index + 1) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def distribution(name: str, shape) -> tuple:
    """(center, half-range) per tensor: mirrors SyntheticWeights.distribution in Swift."""
    leaf = name.split(".")[-1]
    f32 = np.float32
    if name == "logit_scale":
        return f32(2.6592601), f32(0)
    if leaf == "running_var":
        return f32(1), f32(0.5)
    if leaf == "running_mean":
        return f32(0), f32(0.1)
    is_norm = (".ln_" in name or name.startswith("ln_") or ".bn" in name or "downsample.1" in name
               or name.startswith("visual.ln_"))
    if is_norm:
        return (f32(1), f32(0.1)) if leaf == "weight" else (f32(0), f32(0.05))
    if leaf in ("bias", "in_proj_bias"):
        return f32(0), f32(0.02)
    if leaf == "positional_embedding" or name == "token_embedding.weight":
        return f32(0), f32(0.05)
    if name in ("visual.class_embedding", "visual.proj", "text_projection"):
        return f32(0), np.sqrt(f32(3) / f32(shape[0]))
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    return f32(0), np.sqrt(f32(3) / f32(max(fan_in, 1)))


def synthetic_tensor(name: str, shape, seed: int = 0) -> np.ndarray:
    count = int(np.prod(shape)) if len(shape) else 1
    u = counter_uniform(fnv1a64(name) ^ seed, count)
    center, scale = distribution(name, tuple(shape))
    values = center + scale * (np.float32(2) * u - np.float32(1))
    return values.astype(np.float32).reshape(shape)


def uniform_input(name: str, shape) -> np.ndarray:
    """Deterministic inputs in [0, 1) (test images)."""
    return counter_uniform(fnv1a64(name), int(np.prod(shape))).reshape(shape)


class FixtureWriter:
    """Float32 arrays in one little-endian .bin file with a JSON index of names, shapes, offsets."""

    def __init__(self):
        self.index = {}
        self.chunks = []
        self.offset = 0
        self.metadata = {}

    def add(self, name: str, array) -> None:
        data = np.ascontiguousarray(np.asarray(array, dtype=np.float32))
        self.index[name] = {"shape": list(data.shape), "offset": self.offset, "count": int(data.size)}
        self.chunks.append(data.astype("<f4").tobytes())
        self.offset += int(data.size)

    def write(self, stem: str) -> None:
        import json

        with open(stem + ".bin", "wb") as handle:
            for chunk in self.chunks:
                handle.write(chunk)
        with open(stem + ".json", "w") as handle:
            json.dump({"tensors": self.index, "metadata": self.metadata}, handle, indent=1, sort_keys=True)
