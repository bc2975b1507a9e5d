"""CLIP's image preprocessing as OpenAI runs it (torchvision Resize + CenterCrop on a PIL image),
on small deterministic images, for Tests/ModelsTests/Preprocessing.

    python3 Tools/parity/make_preprocess_fixtures.py
"""

import json
import os

import numpy as np
from PIL import Image

import reference_setup as ref
from torchvision import transforms  # noqa: E402  (after reference_setup's import shim)

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ModelsTests", "Fixtures", "preprocess")

CASES = [  # (name, height, width, resolution)
    ("landscape-down", 29, 41, 16),
    ("portrait-down", 53, 31, 24),
    ("square-up", 9, 9, 20),
    ("strong-down", 120, 90, 14),
]

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    cases = []
    for name, height, width, resolution in CASES:
        values = ref.uniform_input("preprocess." + name, (height, width, 3))
        pixels = np.round(values * 255).astype(np.uint8)
        image = Image.fromarray(pixels, "RGB")
        pipeline = transforms.Compose([
            transforms.Resize(resolution, interpolation=transforms.InterpolationMode.BICUBIC),
            transforms.CenterCrop(resolution),
        ])
        output = np.asarray(pipeline(image))
        cases.append({
            "name": name, "height": height, "width": width, "resolution": resolution,
            "input": pixels.reshape(-1).tolist(), "output": output.reshape(-1).tolist(),
        })
    with open(os.path.join(OUT, "clip-preprocess.json"), "w") as handle:
        json.dump(cases, handle)
    print("wrote", len(cases), "cases")
