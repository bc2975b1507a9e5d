"""Reference outputs of CLIP (open_clip, PyTorch) for the Swift parity tests.

Weights and inputs are not committed: both sides generate them from the counter-based rule in
reference_setup.py / SyntheticWeights.swift. This script loads those weights into open_clip's
models, runs fixed inputs, and writes small fixtures to Tests/ModelsTests/Fixtures/clip/:
embeddings, logits, ViT block token maps and attention, ResNet stage outputs, and the gradient
of a cosine loss with respect to the input image (in float64).

    pip install torch open_clip_torch   # CPU torch is enough
    python3 Tools/parity/make_clip_fixtures.py
"""

import copy
import os

import numpy as np
import torch

import reference_setup as ref
import open_clip  # noqa: E402  (after reference_setup's import shim)

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ModelsTests", "Fixtures", "clip")
PROMPTS = ["a photo of a cat", "a drawing of a red bicycle on the beach", "fire"]
MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32).reshape(1, 3, 1, 1)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32).reshape(1, 3, 1, 1)


def load_synthetic(model: torch.nn.Module) -> None:
    state = model.state_dict()
    filled = {}
    for name, tensor in state.items():
        if name.endswith("num_batches_tracked") or name == "attn_mask" or not tensor.is_floating_point():
            filled[name] = tensor
            continue
        filled[name] = torch.from_numpy(ref.synthetic_tensor(name, tuple(tensor.shape)))
    model.load_state_dict(filled)
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)


def normalize(images: torch.Tensor) -> torch.Tensor:
    return (images - torch.from_numpy(MEAN)) * torch.from_numpy(1 / STD)


def tokens_for(model_context: int):
    tokenizer = open_clip.get_tokenizer("ViT-B-32")
    ids = tokenizer(PROMPTS)
    assert ids.shape[1] == model_context
    return ids


def common_outputs(writer, model, images, tag_resolution):
    ids = tokens_for(77)
    writer.metadata["prompts"] = PROMPTS
    writer.metadata["tokens"] = ids.tolist()
    image_features = model.encode_image(normalize(images))
    text_features = model.encode_text(ids)
    writer.add("image_embedding", image_features.detach())
    writer.add("text_embedding", text_features.detach())
    image_n = image_features / image_features.norm(dim=-1, keepdim=True)
    text_n = text_features / text_features.norm(dim=-1, keepdim=True)
    writer.add("logits_per_image", (model.logit_scale.exp() * image_n @ text_n.t()).detach())
    # Input gradient of sum_b cos(image_b, text_0), as the methods' losses back-propagate. It is
    # computed in float64: deep networks amplify float32 rounding in the backward pass (for RN101
    # PyTorch's own float32 gradient is 2.7e-3 off the float64 one, relative to its maximum), so
    # the float64 gradient is the reference both float32 implementations are held to.
    exact = copy.deepcopy(model).double()
    images64 = images.detach().double().requires_grad_(True)
    normalized64 = (images64 - torch.from_numpy(MEAN).double()) * torch.from_numpy(1 / STD).double()
    features64 = exact.encode_image(normalized64)
    features64 = features64 / features64.norm(dim=-1, keepdim=True)
    (features64 * text_n[0:1].detach().double()).sum().backward()
    writer.add("input_gradient_image0", images64.grad[0])


def vit_b32():
    model = open_clip.create_model("ViT-B-32-quickgelu", pretrained=None)
    load_synthetic(model)
    images = torch.from_numpy(ref.uniform_input("parity.images", (2, 3, 224, 224)))
    writer = ref.FixtureWriter()
    common_outputs(writer, model, images, 224)
    # Block token maps and attention probabilities of image 0, recorded with hooks on each
    # residual block (the attention weights recomputed from the block input as nn.MultiheadAttention
    # does, averaged later by the saliency code).
    visual = model.visual
    tokens, attentions = [], []
    with torch.no_grad():
        x = normalize(images[0:1])
        x = visual.conv1(x).reshape(1, 768, -1).permute(0, 2, 1)
        cls = visual.class_embedding.reshape(1, 1, -1)
        x = torch.cat([cls, x], dim=1) + visual.positional_embedding
        x = visual.ln_pre(x)
        for block in visual.transformer.resblocks:
            normed = block.ln_1(x)
            _, weights = block.attn(normed, normed, normed, need_weights=True, average_attn_weights=False)
            attentions.append(weights[0])
            x = block(x)
            tokens.append(x[0])
    for index in (0, 5, 11):
        writer.add(f"block{index}_tokens_image0", tokens[index])
    writer.add("block0_attention_image0", attentions[0])
    # CLIPasso's saliency ingredient: per block, heads averaged, the class token's row.
    writer.add("cls_attention_mean_image0", torch.stack([a.mean(0)[0] for a in attentions]))
    writer.write(os.path.join(OUT, "vit-b-32"))


def rn101():
    model = open_clip.create_model("RN101-quickgelu", pretrained=None)
    load_synthetic(model)
    images = torch.from_numpy(ref.uniform_input("parity.images", (2, 3, 224, 224)))
    writer = ref.FixtureWriter()
    common_outputs(writer, model, images, 224)
    visual = model.visual
    with torch.no_grad():
        x = normalize(images[0:1])
        x = visual.act1(visual.bn1(visual.conv1(x)))
        x = visual.act2(visual.bn2(visual.conv2(x)))
        x = visual.act3(visual.bn3(visual.conv3(x)))
        stages = [visual.avgpool(x)]
        for layer in (visual.layer1, visual.layer2, visual.layer3, visual.layer4):
            stages.append(layer(stages[-1]))
    for index, stage in enumerate(stages):
        writer.add(f"stage{index}_channel_means_image0", stage[0].mean(dim=(1, 2)))
        writer.add(f"stage{index}_first_channels_image0", stage[0, :2])
    writer.write(os.path.join(OUT, "rn101"))


def reduced_gelu():
    """A small ViT with a reduced text tower (width 128, 2 layers) and exact GELU."""
    vision = open_clip.model.CLIPVisionCfg(layers=1, width=64, patch_size=32, image_size=64)
    text = open_clip.model.CLIPTextCfg(width=128, heads=2, layers=2)
    model = open_clip.model.CLIP(embed_dim=64, vision_cfg=vision, text_cfg=text, quick_gelu=False)
    load_synthetic(model)
    images = torch.from_numpy(ref.uniform_input("parity.images.small", (2, 3, 64, 64)))
    writer = ref.FixtureWriter()
    common_outputs(writer, model, images, 64)
    writer.write(os.path.join(OUT, "reduced-gelu"))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(2)
    vit_b32()
    rn101()
    reduced_gelu()
    print("wrote fixtures to", os.path.abspath(OUT))
