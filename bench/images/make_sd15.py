#!/usr/bin/python3
"""A full-size, random-weight Stable Diffusion 1.5 pipeline for the images benchmark (never committed).

Writes OUT_DIR (default bench/models/sd15-standin, the catalog's @outpost/sd15-standin):
  unet/          SD 1.5's UNet2DConditionModel at full size (block_out_channels 320/640/1280/1280,
                 2 ResNet blocks per level, Transformer2D with 8 heads on the first three levels and
                 in the mid block, cross-attention on 768 wide text states, GEGLU, GroupNorm 32;
                 859.5M parameters, 3.4 GB fp32 in model.onnx + model.onnx_data)
  text_encoder/  CLIP ViT-L/14's text tower at full size (12 layers, 768 wide, 12 heads, quick_gelu)
  tokenizer/, scheduler/, vae_decoder/, vae_encoder/, model_index.json
                 copied from the tiny stand-in (../shared/models/standins/sd-tiny): the VAE is the
                 tiny one, so a picture's time is the UNet's steps plus little else
ONNX I/O as optimum exports SD 1.5: unet sample [B,4,h,w] float32, timestep int64 [B],
encoder_hidden_states [B,77,768] -> out_sample; text_encoder input_ids int32 [B,77] ->
last_hidden_state [B,77,768], pooler_output [B,768].
Self-attention runs one head and a quarter of the queries at a time (diffusers' attention
slicing): at 1024² a layer's scores are 16384² per head, 17 GB for all 8 heads of a guided
batch at once, 0.5 GB a slice. THE WEIGHTS ARE RANDOM: pictures are noise; the cost per step is SD 1.5's.

Needs Debian packages python3-torch python3-onnx python3-numpy (torch 1.13, onnx 1.12); run it with
/usr/bin/python3. About 20 minutes and 8 GB of memory on 2 shared cores; fixed seeds, so a rerun gives the
same weights.
Run: /usr/bin/python3 bench/images/make_sd15.py [OUT_DIR] [TINY_STANDIN_DIR]
"""
import gc
import json
import math
import os
import shutil
import sys
import tempfile

import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "models", "sd15-standin"))
TINY = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "..", "..", "shared", "models", "standins", "sd-tiny"))
OPSET = 14

CHANNELS = [320, 640, 1280, 1280]
ATTENTION = [True, True, True, False]  # CrossAttnDownBlock2D x3, DownBlock2D (and the mirror image going up)
LAYERS = 2
HEADS = 8
TEMB = 4 * CHANNELS[0]
TEXT, TEXT_LAYERS, TEXT_HEADS, CTX_LEN, VOCAB = 768, 12, 12, 77, 49408
QUERY_SLICES = 4


def gn(c, eps=1e-5):
    return nn.GroupNorm(32, c, eps=eps)


def sliced_attention(q, k, v, heads):
    """softmax(q k^T / sqrt(d)) v per head, a quarter of the queries at a time (tokens are a multiple of 64)."""
    b, n, c = q.shape
    d = c // heads
    q = q.reshape(b, QUERY_SLICES, -1, c)
    rows = []
    for s in range(QUERY_SLICES):
        qs = q[:, s]
        rows.append(torch.cat([torch.softmax(qs[..., h * d:(h + 1) * d] @ k[..., h * d:(h + 1) * d].transpose(1, 2) / math.sqrt(d), -1)
                               @ v[..., h * d:(h + 1) * d] for h in range(heads)], -1))
    return torch.cat(rows, 1)


def attention(q, k, v, heads):
    b, n, c = q.shape
    d = c // heads

    def split(y):
        return y.reshape(b, -1, heads, d).transpose(1, 2)
    a = torch.softmax(split(q) @ split(k).transpose(-1, -2) / math.sqrt(d), -1) @ split(v)
    return a.transpose(1, 2).reshape(b, n, c)


class Attention(nn.Module):
    def __init__(self, c, ctx, sliced):
        super().__init__()
        self.sliced = sliced
        self.to_q, self.to_k, self.to_v = nn.Linear(c, c, bias=False), nn.Linear(ctx, c, bias=False), nn.Linear(ctx, c, bias=False)
        self.to_out = nn.Linear(c, c)

    def forward(self, x, ctx):
        q, k, v = self.to_q(x), self.to_k(ctx), self.to_v(ctx)
        return self.to_out((sliced_attention if self.sliced else attention)(q, k, v, HEADS))


class Transformer2D(nn.Module):  # Transformer2DModel with one BasicTransformerBlock, conv projections (SD 1.5)
    def __init__(self, c):
        super().__init__()
        self.norm, self.proj_in, self.proj_out = gn(c, 1e-6), nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(c), nn.LayerNorm(c), nn.LayerNorm(c)
        self.attn1, self.attn2 = Attention(c, c, sliced=True), Attention(c, TEXT, sliced=False)
        self.ff_in, self.ff_out = nn.Linear(c, 8 * c), nn.Linear(4 * c, c)  # GEGLU

    def forward(self, x, ctx):
        b, c, h, w = x.shape
        y = self.proj_in(self.norm(x)).flatten(2).transpose(1, 2)
        n = self.norm1(y)
        y = y + self.attn1(n, n)
        y = y + self.attn2(self.norm2(y), ctx)
        u, gate = self.ff_in(self.norm3(y)).chunk(2, -1)
        y = y + self.ff_out(u * F.gelu(gate))
        return x + self.proj_out(y.transpose(1, 2).reshape(b, c, h, w))


class Resnet(nn.Module):  # ResnetBlock2D
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1, self.conv1 = gn(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(TEMB, cout)
        self.norm2, self.conv2 = gn(cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x))) + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        return self.shortcut(x) + self.conv2(F.silu(self.norm2(h)))


class Level(nn.Module):
    """One down or up block: resnets, each followed by a transformer on attention levels, then the resampler."""

    def __init__(self, inputs, cout, attention, resample):
        super().__init__()
        self.resnets = nn.ModuleList(Resnet(cin, cout) for cin in inputs)
        self.transformers = nn.ModuleList(Transformer2D(cout) for _ in inputs) if attention else None
        self.resample = resample

    def forward(self, x, temb, ctx, skips=None, outputs=None):
        for i, resnet in enumerate(self.resnets):
            if skips is not None:
                x = torch.cat([x, skips.pop()], 1)
            x = resnet(x, temb)
            if self.transformers is not None:
                x = self.transformers[i](x, ctx)
            if outputs is not None:
                outputs.append(x)
        return x


def sinusoid(t, dim):
    half = dim // 2
    f = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
    a = t.float()[..., None] * f
    return torch.cat([torch.cos(a), torch.sin(a)], -1)  # flip_sin_to_cos=True, freq_shift 0


class UNet(nn.Module):  # UNet2DConditionModel, SD 1.5's config
    def __init__(self):
        super().__init__()
        c = CHANNELS
        self.linear_1, self.linear_2 = nn.Linear(c[0], TEMB), nn.Linear(TEMB, TEMB)
        self.conv_in = nn.Conv2d(4, c[0], 3, padding=1)
        self.down = nn.ModuleList()
        prev = c[0]
        for i, cout in enumerate(c):
            last = i == len(c) - 1
            self.down.append(Level([prev] + [cout] * (LAYERS - 1), cout, ATTENTION[i], None if last else nn.Conv2d(cout, cout, 3, stride=2, padding=1)))
            prev = cout
        self.mid_res1, self.mid_attn, self.mid_res2 = Resnet(prev, prev), Transformer2D(prev), Resnet(prev, prev)
        # Skip channels in the order the down path makes them: conv_in, each resnet, each downsampler.
        skips = [c[0]]
        for i, cout in enumerate(c):
            skips += [cout] * LAYERS + ([cout] if i < len(c) - 1 else [])
        self.up = nn.ModuleList()
        for i, cout in reversed(list(enumerate(c))):
            inputs = []
            for _ in range(LAYERS + 1):
                inputs.append(prev + skips.pop())
                prev = cout
            self.up.append(Level(inputs, cout, ATTENTION[i], nn.Conv2d(cout, cout, 3, padding=1) if i > 0 else None))
        self.conv_norm_out, self.conv_out = gn(c[0]), nn.Conv2d(c[0], 4, 3, padding=1)

    def forward(self, sample, timestep, encoder_hidden_states):
        temb = self.linear_2(F.silu(self.linear_1(sinusoid(timestep, CHANNELS[0]))))
        ctx = encoder_hidden_states
        x = self.conv_in(sample)
        skips = [x]
        for level in self.down:
            x = level(x, temb, ctx, outputs=skips)
            if level.resample is not None:
                x = level.resample(x)
                skips.append(x)
        x = self.mid_res2(self.mid_attn(self.mid_res1(x, temb), ctx), temb)
        for level in self.up:
            x = level(x, temb, ctx, skips=skips)
            if level.resample is not None:
                x = level.resample(F.interpolate(x, scale_factor=2.0, mode="nearest"))
        return self.conv_out(F.silu(self.conv_norm_out(x)))


class TextEncoder(nn.Module):  # CLIPTextModel, ViT-L/14's text tower
    def __init__(self):
        super().__init__()
        d = TEXT
        self.token_embedding, self.position_embedding = nn.Embedding(VOCAB, d), nn.Embedding(CTX_LEN, d)
        self.layers = nn.ModuleList(nn.ModuleDict(dict(
            ln1=nn.LayerNorm(d), q=nn.Linear(d, d), k=nn.Linear(d, d), v=nn.Linear(d, d), o=nn.Linear(d, d),
            ln2=nn.LayerNorm(d), fc1=nn.Linear(d, 4 * d), fc2=nn.Linear(4 * d, d))) for _ in range(TEXT_LAYERS))
        self.final_layer_norm = nn.LayerNorm(d)
        for name, p in self.named_parameters():  # HF's _init_weights: N(0, 0.02) matrices, zero biases
            if p.dim() > 1:
                nn.init.normal_(p, std=0.02)
            elif name.endswith("bias"):
                nn.init.zeros_(p)

    def forward(self, input_ids):
        b, t = input_ids.shape
        x = self.token_embedding(input_ids.long()) + self.position_embedding(torch.arange(t)[None])
        causal = torch.triu(torch.full((t, t), -1e4), 1)[None, None]
        d = TEXT // TEXT_HEADS
        for L in self.layers:
            h = L["ln1"](x)

            def split(y):
                return y.view(b, t, TEXT_HEADS, d).transpose(1, 2)
            a = torch.softmax(split(L["q"](h)) @ split(L["k"](h)).transpose(-1, -2) / math.sqrt(d) + causal, -1) @ split(L["v"](h))
            x = x + L["o"](a.transpose(1, 2).reshape(b, t, -1))
            u = L["fc1"](L["ln2"](x))
            x = x + L["fc2"](u * torch.sigmoid(1.702 * u))  # quick_gelu
        last = self.final_layer_norm(x)
        return last, last[torch.arange(b), input_ids.long().argmax(-1)]  # pooled at <|endoftext|>, the highest id


def export(model, args, path, inputs, outputs, axes):
    """torch.onnx.export, then every weight in one model.onnx_data beside the graph (protobuf stops at 2 GB)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    print(f"  {sum(p.numel() for p in model.parameters()):,} parameters", flush=True)
    model.eval()
    with tempfile.TemporaryDirectory(dir=os.path.dirname(path)) as tmp:
        staged = os.path.join(tmp, "model.onnx")
        with torch.no_grad():
            torch.onnx.export(model, args, staged, input_names=inputs, output_names=outputs, dynamic_axes=axes, opset_version=OPSET)
        del model  # the caller keeps no reference: torch's copy of the weights goes before onnx loads its own
        gc.collect()
        graph = onnx.load(staged)
        for name in ("model.onnx", "model.onnx_data"):
            if os.path.exists(os.path.join(os.path.dirname(path), name)):
                os.remove(os.path.join(os.path.dirname(path), name))
        onnx.save_model(graph, path, save_as_external_data=True, all_tensors_to_one_file=True, location="model.onnx_data", size_threshold=1024)
    onnx.checker.check_model(path)
    print(f"  wrote {path} (+ model.onnx_data, {os.path.getsize(path + '_data'):,} B)", flush=True)


def dump(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


def main():
    if not os.path.isfile(os.path.join(TINY, "model_index.json")):
        sys.exit(f"{TINY} is not the tiny SD stand-in (no model_index.json); pass its folder as the second argument")
    os.makedirs(OUT, exist_ok=True)
    for part in ("tokenizer", "scheduler", "vae_decoder", "vae_encoder"):
        shutil.copytree(os.path.join(TINY, part), os.path.join(OUT, part), dirs_exist_ok=True, copy_function=shutil.copyfile)
    index = json.load(open(os.path.join(TINY, "model_index.json")))
    index["_name_or_path"] = "runwayml/stable-diffusion-v1-5 (random-weight full-size UNet and text encoder, tiny VAE)"
    dump(os.path.join(OUT, "model_index.json"), index)
    batch = {0: "batch_size"}
    image = {0: "batch_size", 2: "height", 3: "width"}

    torch.manual_seed(0)
    print("text encoder", flush=True)
    ids = torch.full((1, CTX_LEN), VOCAB - 1, dtype=torch.int32)
    ids[0, 0] = VOCAB - 2
    export(TextEncoder(), (ids,), os.path.join(OUT, "text_encoder", "model.onnx"), ["input_ids"], ["last_hidden_state", "pooler_output"],
           {"input_ids": batch, "last_hidden_state": batch, "pooler_output": batch})
    dump(os.path.join(OUT, "text_encoder", "config.json"), {
        "architectures": ["CLIPTextModel"], "model_type": "clip_text_model", "hidden_size": TEXT, "intermediate_size": 4 * TEXT,
        "num_hidden_layers": TEXT_LAYERS, "num_attention_heads": TEXT_HEADS, "max_position_embeddings": CTX_LEN, "vocab_size": VOCAB,
        "hidden_act": "quick_gelu", "layer_norm_eps": 1e-05, "projection_dim": TEXT, "bos_token_id": VOCAB - 2, "eos_token_id": VOCAB - 1})

    torch.manual_seed(1)
    print("unet", flush=True)
    export(UNet(), (torch.randn(2, 4, 64, 64), torch.tensor([999, 999]), torch.randn(2, CTX_LEN, TEXT)), os.path.join(OUT, "unet", "model.onnx"),
           ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
           {"sample": image, "timestep": batch, "encoder_hidden_states": batch, "out_sample": image})
    dump(os.path.join(OUT, "unet", "config.json"), {
        "_class_name": "UNet2DConditionModel", "sample_size": 64, "in_channels": 4, "out_channels": 4, "block_out_channels": CHANNELS,
        "layers_per_block": LAYERS, "cross_attention_dim": TEXT, "attention_head_dim": HEADS, "norm_num_groups": 32,
        "down_block_types": ["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"], "up_block_types": ["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3,
        "flip_sin_to_cos": True, "freq_shift": 0, "act_fn": "silu"})
    print(f"done: {OUT}", flush=True)


main()
