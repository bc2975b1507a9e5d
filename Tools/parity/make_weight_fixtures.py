#!/usr/bin/env python3
"""Writes the small weight files that Tests/ModelsTests/Weights reads, into
Tests/ModelsTests/Fixtures/weights/, and `expected.json` describing what each must load to.

Every good file is written by the real writer of its format (torch.jit.save, torch.save,
safetensors.torch.save_file), so the Swift readers are checked against files those writers made,
not against our own idea of the format:

- script_clip.pt: a tiny CLIP (ViT image tower + text tower, OpenAI's module layout and names)
  scripted and saved with torch.jit.save, with OpenAI's `convert_weights` fp16 rule applied, an
  int64 buffer, and the text tower's `attn_mask` as a plain tensor attribute (not in state_dict).
- state_dict.pt: torch.save of an OrderedDict state dict: fp32, fp16, bf16, fp64, int64, a 0-d
  tensor, a transposed (non-contiguous) view, two views sharing one storage, fp16/bf16 special
  values (subnormals, ±0, ±inf, NaN, extremes).
- module_prefix.pt, nested_state_dict.pt, nested_model.pt: DataParallel's "module." prefix and
  training checkpoints that wrap the state dict ({"state_dict": ...}, {"model": ...}).
- deflated.pt: state_dict.pt re-packed with DEFLATE entries; zip64.pt: re-packed with ZIP64
  extra fields in every local and central header (PyTorch does that only past 4 GiB).
- openclip.safetensors: OpenAI/OpenCLIP names in F16, BF16, F32 and F64.
- hf/model.safetensors + hf/config.json: Hugging Face `transformers` CLIPModel names (separate
  q/k/v, int64 position_ids buffers), hidden_act "gelu". The expected OpenAI-named tensors are
  derived here, independently of the Swift mapping: q/k/v concatenated along rows, projections
  transposed.
- bad/: a truncated zip (cut inside a storage), a text file, a zip without data.pkl, a
  safetensors header promising more bytes than the file has, an unknown safetensors dtype, the
  legacy (PyTorch < 1.6) torch.save format, and two hand-assembled pickles that would run
  `os.system` / `builtins.eval` if unpickled by Python — they are only written, never loaded.

expected.json stores every tensor as its shape and the float32 bit patterns of its values, so
fp16/bf16 conversion is checked bit for bit (NaN and infinities included).

    pip install torch numpy safetensors && python3 Tools/parity/make_weight_fixtures.py

`transformers` is optional: when it imports, the Hugging Face names written here are checked
against the state dict of a real `transformers.CLIPModel`.
"""
import collections
import json
import os
import shutil
import struct
import sys
import zipfile
from typing import Optional

import numpy
import torch
import torch.nn as nn
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "ModelsTests", "Fixtures",
                   "weights")
# The malicious fixtures name this file; the Swift test checks it never appears.
MARKER = "/tmp/clipcanvas-weight-fixture-was-executed"

# Tiny CLIP: 4x4 images in 2x2 patches, 3-token context, vocabulary of 10.
WIDTH, HEADS, EMBED, RESOLUTION, PATCH, CONTEXT, VOCAB = 8, 2, 4, 4, 2, 3, 10


def values(shape, seed, dtype=torch.float32, scale=0.5):
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=generator) * scale).to(dtype)


def bits(tensor):
    """float32 bit patterns of the tensor's values. float16 is widened by numpy (IEEE, exact, NaN
    payloads kept): PyTorch's scalar path for small tensors turns every half NaN into 0x7fffffff."""
    flat = tensor.detach().contiguous().reshape(-1)
    if flat.dtype == torch.float16:
        return flat.numpy().astype(numpy.float32).view(numpy.uint32).tolist()
    return flat.float().view(torch.int32).tolist()


def describe(tensors):
    return {name: {"shape": list(t.shape), "bits": [b & 0xFFFFFFFF for b in bits(t)]} for name, t in tensors.items()}


def path(*parts):
    return os.path.join(OUT, *parts)


# --- TorchScript: OpenAI's module layout, scaled down --------------------------------------------

class QuickGELU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, width: int, heads: int, attn_mask: Optional[torch.Tensor] = None):
        super().__init__()
        self.attn = nn.MultiheadAttention(width, heads)
        self.ln_1 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(collections.OrderedDict([
            ("c_fc", nn.Linear(width, width * 4)), ("gelu", QuickGELU()), ("c_proj", nn.Linear(width * 4, width))]))
        self.ln_2 = nn.LayerNorm(width)
        self.attn_mask = attn_mask

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.ln_1(x)
        x = x + self.attn(y, y, y, need_weights=False, attn_mask=self.attn_mask)[0]
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width: int, layers: int, heads: int, attn_mask: Optional[torch.Tensor] = None):
        super().__init__()
        self.resblocks = nn.Sequential(*[ResidualAttentionBlock(width, heads, attn_mask) for _ in range(layers)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.resblocks(x)


class VisionTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        grid = RESOLUTION // PATCH
        self.conv1 = nn.Conv2d(3, WIDTH, PATCH, PATCH, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(WIDTH))
        self.positional_embedding = nn.Parameter(torch.randn(grid * grid + 1, WIDTH))
        self.ln_pre = nn.LayerNorm(WIDTH)
        self.transformer = Transformer(WIDTH, 1, HEADS)
        self.ln_post = nn.LayerNorm(WIDTH)
        self.proj = nn.Parameter(torch.randn(WIDTH, EMBED))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x).flatten(2).permute(0, 2, 1)
        cls = self.class_embedding.to(x.dtype) + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding.to(x.dtype)
        x = self.transformer(self.ln_pre(x).permute(1, 0, 2)).permute(1, 0, 2)
        return self.ln_post(x[:, 0, :]) @ self.proj


class CLIP(nn.Module):
    def __init__(self):
        super().__init__()
        mask = torch.full((CONTEXT, CONTEXT), float("-inf")).triu(1)
        self.visual = VisionTransformer()
        self.transformer = Transformer(WIDTH, 1, HEADS, mask)
        self.token_embedding = nn.Embedding(VOCAB, WIDTH)
        self.positional_embedding = nn.Parameter(torch.randn(CONTEXT, WIDTH))
        self.ln_final = nn.LayerNorm(WIDTH)
        self.text_projection = nn.Parameter(torch.randn(WIDTH, EMBED))
        self.logit_scale = nn.Parameter(torch.ones([]) * 4.6052)
        self.register_buffer("input_resolution", torch.tensor(RESOLUTION))

    def forward(self, image: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        x = self.token_embedding(text) + self.positional_embedding
        x = self.ln_final(self.transformer(x.permute(1, 0, 2)).permute(1, 0, 2))
        text_features = x[torch.arange(x.shape[0]), text.argmax(dim=-1)] @ self.text_projection
        return self.logit_scale.exp() * self.visual(image) @ text_features.t()


def convert_weights(model):
    """OpenAI's clip/model.py rule: conv, linear, attention and projections to fp16; the rest fp32."""
    def to_half(layer):
        if isinstance(layer, (nn.Conv1d, nn.Conv2d, nn.Linear)):
            layer.weight.data = layer.weight.data.half()
            if layer.bias is not None:
                layer.bias.data = layer.bias.data.half()
        if isinstance(layer, nn.MultiheadAttention):
            for name in ["in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias"]:
                tensor = getattr(layer, name)
                if tensor is not None:
                    tensor.data = tensor.data.half()
        for name in ["text_projection", "proj"]:
            if hasattr(layer, name):
                getattr(layer, name).data = getattr(layer, name).data.half()
    model.apply(to_half)


def write_torchscript(expected):
    torch.manual_seed(0)
    model = CLIP()
    for index, parameter in enumerate(model.parameters()):
        parameter.data = values(parameter.shape, 100 + index)
    convert_weights(model)
    scripted = torch.jit.script(model)
    scripted.save(path("script_clip.pt"))
    state = scripted.state_dict()
    assert "transformer.resblocks.0.attn_mask" not in state
    assert any(t.dtype == torch.float16 for t in state.values()) and any(t.dtype == torch.float32 for t in state.values())
    expected["script_clip.pt"] = {"format": "torchScript", "tensors": describe(state)}


# --- torch.save state dicts ----------------------------------------------------------------------

def special_values():
    return [0.0, -0.0, 1e-7, 6e-8, 6.1e-5, 1.0, -2.5, 65504.0, -65504.0, float("inf"), float("-inf"), float("nan")]


def base_state_dict():
    shared = values([12], 5, torch.float16)
    matrix = values([2, 3], 6)
    state = collections.OrderedDict()
    state["features.0.weight"] = values([2, 3, 3, 3], 1)
    state["features.0.bias"] = values([2], 2)
    state["half.weight"] = values([3, 4], 3, torch.float16)
    state["bfloat16.weight"] = values([5], 4, torch.bfloat16)
    state["double.weight"] = values([2, 2], 7, torch.float64)
    state["bn.num_batches_tracked"] = torch.tensor(42, dtype=torch.int64)
    state["scalar"] = torch.tensor(2.5)
    state["special.half"] = torch.tensor(special_values(), dtype=torch.float16)
    state["special.bfloat16"] = torch.tensor(special_values() + [1e38, -3e-39], dtype=torch.bfloat16)
    state["transposed"] = matrix.t()
    state["shared.first"] = shared[2:5]
    state["shared.second"] = shared[4:10].view(2, 3)
    state["shared.column"] = shared.view(4, 3)[:, 1]
    assert not state["transposed"].is_contiguous() and not state["shared.column"].is_contiguous()
    return state


def write_torch_saves(expected):
    state = base_state_dict()
    torch.save(state, path("state_dict.pt"))
    expected["state_dict.pt"] = {"format": "torchZip", "tensors": describe(state)}

    small = collections.OrderedDict([("conv.weight", values([2, 1, 2, 2], 20)),
                                     ("conv.bias", values([2], 21, torch.float16))])
    prefixed = collections.OrderedDict(("module." + name, t) for name, t in small.items())
    torch.save(prefixed, path("module_prefix.pt"))
    torch.save({"epoch": 7, "name": "clipag", "state_dict": prefixed}, path("nested_state_dict.pt"))
    torch.save({"model": small, "optimizer": None, "step": 12.5}, path("nested_model.pt"))
    for name in ["module_prefix.pt", "nested_state_dict.pt", "nested_model.pt"]:
        expected[name] = {"format": "torchZip", "tensors": describe(small)}


def repack(source, destination, compression):
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(destination, "w", compression) as copy:
        for info in original.infolist():
            copy.writestr(info.filename, original.read(info.filename))


def write_zip64(source, destination):
    """Every header carries its sizes and offset in a ZIP64 extra field, as large archives do."""
    with zipfile.ZipFile(source) as original:
        entries = [(info.filename.encode(), original.read(info.filename)) for info in original.infolist()]
    body, central = bytearray(), bytearray()
    for name, data in entries:
        offset = len(body)
        crc = zipfile.crc32(data)
        local_extra = struct.pack("<HHQQ", 1, 16, len(data), len(data))
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                            len(name), len(local_extra)) + name + local_extra + data
        central_extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                               len(name), len(central_extra), 0, 0, 0, 0, 0xFFFFFFFF) + name + central_extra
    directory_offset = len(body)
    record_offset = directory_offset + len(central)
    record = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(entries), len(entries), len(central),
                         directory_offset)
    locator = struct.pack("<IIQI", 0x07064B50, 0, record_offset, 1)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    with open(destination, "wb") as file:
        file.write(bytes(body + central + record + locator + end))


def write_repacked(expected):
    repack(path("state_dict.pt"), path("deflated.pt"), zipfile.ZIP_DEFLATED)
    write_zip64(path("state_dict.pt"), path("zip64.pt"))
    for name in ["deflated.pt", "zip64.pt"]:
        reloaded = torch.load(path(name))
        assert all(torch.equal(reloaded[k].float().nan_to_num(), v.float().nan_to_num())
                   for k, v in base_state_dict().items())
        expected[name] = dict(expected["state_dict.pt"])


# --- safetensors ---------------------------------------------------------------------------------

def write_openclip_safetensors(expected):
    state = {
        "visual.conv1.weight": values([WIDTH, 3, PATCH, PATCH], 30, torch.float16),
        "visual.class_embedding": values([WIDTH], 31),
        "visual.proj": values([WIDTH, EMBED], 32, torch.bfloat16),
        "positional_embedding": values([CONTEXT, WIDTH], 33, torch.float64),
        "logit_scale": torch.tensor(4.6052),
        "special.half": torch.tensor(special_values(), dtype=torch.float16),
        "special.bfloat16": torch.tensor(special_values(), dtype=torch.bfloat16),
    }
    save_file(state, path("openclip.safetensors"), metadata={"format": "pt", "model": "tiny-clip"})
    os.chmod(path("openclip.safetensors"), 0o644)
    expected["openclip.safetensors"] = {"format": "safetensors", "tensors": describe(state)}


def hugging_face_state():
    """transformers' CLIPModel names, with its shapes: Linear weights are [out, in]."""
    grid = RESOLUTION // PATCH
    state, seed = {}, 40

    def put(name, shape, dtype=torch.float16):
        nonlocal seed
        seed += 1
        state[name] = values(shape, seed, dtype)

    put("logit_scale", [], torch.float32)
    for tower, positions in [("text_model", CONTEXT), ("vision_model", grid * grid + 1)]:
        if tower == "text_model":
            put("text_model.embeddings.token_embedding.weight", [VOCAB, WIDTH])
            put("text_model.embeddings.position_embedding.weight", [positions, WIDTH])
        else:
            put("vision_model.embeddings.class_embedding", [WIDTH], torch.bfloat16)
            put("vision_model.embeddings.patch_embedding.weight", [WIDTH, 3, PATCH, PATCH])
            put("vision_model.embeddings.position_embedding.weight", [positions, WIDTH])
            put("vision_model.pre_layrnorm.weight", [WIDTH], torch.float32)
            put("vision_model.pre_layrnorm.bias", [WIDTH], torch.float32)
        state[f"{tower}.embeddings.position_ids"] = torch.arange(positions, dtype=torch.int64)[None]
        for layer in range(2):
            block = f"{tower}.encoder.layers.{layer}"
            for projection in ["k_proj", "v_proj", "q_proj", "out_proj"]:
                put(f"{block}.self_attn.{projection}.weight", [WIDTH, WIDTH])
                put(f"{block}.self_attn.{projection}.bias", [WIDTH])
            for norm in ["layer_norm1", "layer_norm2"]:
                put(f"{block}.{norm}.weight", [WIDTH], torch.float32)
                put(f"{block}.{norm}.bias", [WIDTH], torch.float32)
            put(f"{block}.mlp.fc1.weight", [4 * WIDTH, WIDTH])
            put(f"{block}.mlp.fc1.bias", [4 * WIDTH])
            put(f"{block}.mlp.fc2.weight", [WIDTH, 4 * WIDTH])
            put(f"{block}.mlp.fc2.bias", [WIDTH])
        final = "text_model.final_layer_norm" if tower == "text_model" else "vision_model.post_layernorm"
        put(f"{final}.weight", [WIDTH], torch.float32)
        put(f"{final}.bias", [WIDTH], torch.float32)
    put("visual_projection.weight", [EMBED, WIDTH])
    put("text_projection.weight", [EMBED, WIDTH], torch.bfloat16)
    return state


def hugging_face_config():
    text = {"hidden_size": WIDTH, "intermediate_size": 4 * WIDTH, "num_hidden_layers": 2, "num_attention_heads": HEADS,
            "vocab_size": VOCAB, "max_position_embeddings": CONTEXT, "hidden_act": "gelu", "projection_dim": EMBED}
    vision = {"hidden_size": WIDTH, "intermediate_size": 4 * WIDTH, "num_hidden_layers": 2,
              "num_attention_heads": HEADS, "image_size": RESOLUTION, "patch_size": PATCH, "hidden_act": "gelu",
              "projection_dim": EMBED}
    return {"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": EMBED,
            "text_config": text, "vision_config": vision}


def check_against_transformers(state, config):
    """The names above must be exactly those of a real CLIPModel (when transformers imports)."""
    sys.modules.setdefault("torchvision", None)  # transformers' optional vision extras are not needed
    try:
        from transformers import CLIPConfig, CLIPModel
    except Exception as error:  # noqa: BLE001 - optional check
        print(f"transformers unavailable ({type(error).__name__}); Hugging Face names not cross-checked")
        return
    model = CLIPModel(CLIPConfig(text_config=config["text_config"], vision_config=config["vision_config"],
                                 projection_dim=EMBED))
    reference = {name: list(t.shape) for name, t in model.state_dict().items()}
    reference.update({name: list(t.shape) for name, t in model.named_buffers()})
    ours = {name: list(t.shape) for name, t in state.items()}
    assert reference == ours, sorted(set(reference.items()) ^ set(ours.items()))
    print("Hugging Face names match transformers", __import__("transformers").__version__)


def openai_names_from_hugging_face(state):
    """Independent reference for the Swift mapping (OpenAI's clip/model.py names and layouts)."""
    out = {"logit_scale": state["logit_scale"]}
    for tower, prefix in [("text_model", "transformer"), ("vision_model", "visual.transformer")]:
        for layer in range(2):
            source, target = f"{tower}.encoder.layers.{layer}", f"{prefix}.resblocks.{layer}"
            for kind in ["weight", "bias"]:
                out[f"{target}.attn.in_proj_{kind}"] = torch.cat(
                    [state[f"{source}.self_attn.{p}_proj.{kind}"] for p in "qkv"], dim=0)
                out[f"{target}.attn.out_proj.{kind}"] = state[f"{source}.self_attn.out_proj.{kind}"]
                out[f"{target}.ln_1.{kind}"] = state[f"{source}.layer_norm1.{kind}"]
                out[f"{target}.ln_2.{kind}"] = state[f"{source}.layer_norm2.{kind}"]
                out[f"{target}.mlp.c_fc.{kind}"] = state[f"{source}.mlp.fc1.{kind}"]
                out[f"{target}.mlp.c_proj.{kind}"] = state[f"{source}.mlp.fc2.{kind}"]
    out["token_embedding.weight"] = state["text_model.embeddings.token_embedding.weight"]
    out["positional_embedding"] = state["text_model.embeddings.position_embedding.weight"]
    out["visual.class_embedding"] = state["vision_model.embeddings.class_embedding"]
    out["visual.conv1.weight"] = state["vision_model.embeddings.patch_embedding.weight"]
    out["visual.positional_embedding"] = state["vision_model.embeddings.position_embedding.weight"]
    for kind in ["weight", "bias"]:
        out[f"ln_final.{kind}"] = state[f"text_model.final_layer_norm.{kind}"]
        out[f"visual.ln_pre.{kind}"] = state[f"vision_model.pre_layrnorm.{kind}"]
        out[f"visual.ln_post.{kind}"] = state[f"vision_model.post_layernorm.{kind}"]
    out["visual.proj"] = state["visual_projection.weight"].t()
    out["text_projection"] = state["text_projection.weight"].t()
    return out


def write_hugging_face(expected):
    os.makedirs(path("hf"), exist_ok=True)
    state, config = hugging_face_state(), hugging_face_config()
    check_against_transformers(state, config)
    save_file(state, path("hf", "model.safetensors"), metadata={"format": "pt"})
    os.chmod(path("hf", "model.safetensors"), 0o644)
    with open(path("hf", "config.json"), "w") as file:
        json.dump(config, file, indent=2)
    expected["hf/model.safetensors"] = {"format": "safetensors", "activation": "gelu",
                                        "tensors": describe(openai_names_from_hugging_face(state))}


# --- bad files -----------------------------------------------------------------------------------

def storage_data_offset(archive, entry):
    """Where an entry's bytes start: after its local header, name and (alignment) extra field."""
    with zipfile.ZipFile(archive) as zip_file:
        header_offset = zip_file.getinfo(entry).header_offset
    with open(archive, "rb") as file:
        file.seek(header_offset)
        header = file.read(30)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    return header_offset + 30 + name_length + extra_length


def checkpoint_zip(destination, pickle_bytes):
    """A zip laid out like torch.save's (archive/data.pkl, archive/version), holding any pickle."""
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_STORED) as zip_file:
        zip_file.writestr("archive/data.pkl", pickle_bytes)
        zip_file.writestr("archive/byteorder", "little")
        zip_file.writestr("archive/version", "3\n")


def write_bad_files(expected):
    os.makedirs(path("bad"), exist_ok=True)
    errors = {}

    truncated = path("bad", "truncated.pt")
    torch.save(collections.OrderedDict([("small", values([4], 50)), ("large", values([64, 64], 51))]), truncated)
    offset = storage_data_offset(truncated, "truncated/data/1")
    cut = offset + 64 * 64 * 4 // 2
    with open(truncated, "r+b") as file:
        file.truncate(cut)
    errors["truncated.pt"] = {"storage": "data/1", "needed": 64 * 64 * 4, "offset": offset, "fileSize": cut}

    with open(path("bad", "not_a_checkpoint.txt"), "w") as file:
        file.write("This is a text file, not a CLIP checkpoint.\n")

    with zipfile.ZipFile(path("bad", "no_data_pkl.zip"), "w") as zip_file:
        zip_file.writestr("archive/version", "3\n")
        zip_file.writestr("archive/data/0", b"\0" * 16)

    header = json.dumps({"weight": {"dtype": "F32", "shape": [16, 16], "data_offsets": [0, 1024]}}).encode()
    with open(path("bad", "truncated.safetensors"), "wb") as file:
        file.write(struct.pack("<Q", len(header)) + header + b"\0" * 100)
    errors["truncated.safetensors"] = {"tensor": "weight", "needed": 1024, "offset": 8 + len(header),
                                       "fileSize": 8 + len(header) + 100}

    header = json.dumps({"__metadata__": {"format": "pt"},
                         "weight": {"dtype": "F8_E4M3", "shape": [4], "data_offsets": [0, 4]}}).encode()
    with open(path("bad", "unknown_dtype.safetensors"), "wb") as file:
        file.write(struct.pack("<Q", len(header)) + header + b"\0" * 4)

    torch.save(collections.OrderedDict([("weight", values([2], 52))]), path("bad", "legacy.pt"),
               _use_new_zipfile_serialization=False)

    # Protocol 2: GLOBAL 'os system', the command as a 1-tuple, REDUCE (= os.system(command)), STOP.
    command = f"touch {MARKER}".encode()
    pickle_global = (b"\x80\x02" + b"cos\nsystem\n" + b"\x8c" + bytes([len(command)]) + command + b"\x85" + b"R" + b".")
    checkpoint_zip(path("bad", "malicious.pt"), pickle_global)
    # Protocol 4: STACK_GLOBAL builtins.eval, hidden inside an otherwise ordinary state dict.
    source = f"__import__('os').system('touch {MARKER}')".encode()
    pickle_stack_global = (b"\x80\x04" + b"}" + b"\x8c\x06weight"
                           + b"\x8c\x08builtins" + b"\x8c\x04eval" + b"\x93"
                           + b"\x8c" + bytes([len(source)]) + source + b"\x85" + b"R" + b"s" + b".")
    checkpoint_zip(path("bad", "malicious_stack_global.pt"), pickle_stack_global)
    errors["malicious.pt"] = {"global": "os.system", "marker": MARKER}
    errors["malicious_stack_global.pt"] = {"global": "builtins.eval", "marker": MARKER}

    expected["errors"] = errors


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    files = {}
    write_torchscript(files)
    write_torch_saves(files)
    write_repacked(files)
    write_openclip_safetensors(files)
    write_hugging_face(files)
    expected = {}
    write_bad_files(expected)
    expected["files"] = files
    with open(path("expected.json"), "w") as file:
        json.dump(expected, file, sort_keys=True, separators=(",", ":"))
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"wrote {OUT} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
