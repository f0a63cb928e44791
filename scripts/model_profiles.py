#!/usr/bin/env python3
"""Per-layer profiles of the catalog models, generated from their architecture definitions.

Each layer is [params, forward FLOPs per sample], in forward order. FLOPs = 2 x multiply-accumulates
(MACs) of the convolutions and matrix products; batch-norm, layer-norm, activations, pooling and
softmax are not counted (as in the published totals, which count only MACs: ResNet-50's "4.1 GFLOPs"
is 4.1 G multiply-accumulates, i.e. 8.2 GFLOPs here). A "layer" is one weight layer and the
normalisation that follows it (conv + its batch-norm), or for transformers one sub-block (attention or
MLP, with its layer-norm): the granularity at which gradients become ready in the backward pass.

Architectures: torchvision ResNet-50/101/152 (v1.5: stride in the 3x3 conv) and VGG-16 at 224x224;
torchvision Inception-v3 at 299x299 without the auxiliary classifier; BERT-Base and BERT-Large (Devlin et al.
2019, encoder + pooler, sequence 128); GPT-2 XL (Radford et al. 2019, 48 layers, d=1600, context 1024, LM head
tied to the token embedding).

Usage: scripts/model_profiles.py [--write CATALOG | --verify CATALOG]
  (no option)  prints each model's parameter and FLOP totals (no torch or torchvision needed).
  --write      stores the profiles in the catalog's models.<name>.layers and forward_flops.
  --verify     exits 1 unless the catalog holds exactly these profiles (a CTest runs it).
"""
import argparse
import json
import re
import sys


class Net:
    """Accumulates [params, flops] layers while tracking the feature map (channels, height, width)."""

    def __init__(self, c, h, w):
        self.c, self.h, self.w = c, h, w
        self.layers = []

    def conv(self, out, k, stride=1, pad=None, kw=None, bias=False, bn=True, at=None, keep=False):
        kh, kw = k, (kw if kw is not None else k)
        c, h, w = at if at else (self.c, self.h, self.w)
        ph, pw = pad if isinstance(pad, tuple) else ((kh // 2, kw // 2) if pad is None else (pad, pad))
        ho = (h + 2 * ph - kh) // stride + 1
        wo = (w + 2 * pw - kw) // stride + 1
        params = kh * kw * c * out + (out if bias else 0) + (2 * out if bn else 0)
        self.layers.append([params, 2 * kh * kw * c * out * ho * wo])
        if not keep:
            self.c, self.h, self.w = out, ho, wo
        return out, ho, wo

    def pool(self, k, stride, pad=0):
        self.h = (self.h + 2 * pad - k) // stride + 1
        self.w = (self.w + 2 * pad - k) // stride + 1

    def linear(self, n_in, n_out, bias=True):
        self.layers.append([n_in * n_out + (n_out if bias else 0), 2 * n_in * n_out])


def resnet(blocks):
    n = Net(3, 224, 224)
    n.conv(64, 7, stride=2, pad=3)
    n.pool(3, 2, 1)
    width_in = 64
    for stage, count in enumerate(blocks):
        width = 64 * 2 ** stage
        for b in range(count):
            stride = 2 if (b == 0 and stage > 0) else 1
            entry = (n.c, n.h, n.w)
            n.conv(width, 1)
            n.conv(width, 3, stride=stride)  # v1.5: the stride is in the 3x3 convolution
            n.conv(4 * width, 1)
            if b == 0:  # projection shortcut, on the block's input
                n.conv(4 * width, 1, stride=stride, pad=0, at=entry, keep=True)
            width_in = 4 * width
    n.linear(width_in, 1000)
    return n.layers


def vgg16():
    n = Net(3, 224, 224)
    for stage in ([64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]):
        for out in stage:
            n.conv(out, 3, bias=True, bn=False)
        n.pool(2, 2)
    n.linear(512 * 7 * 7, 4096)
    n.linear(4096, 4096)
    n.linear(4096, 1000)
    return n.layers


def inception_v3():
    """torchvision Inception3 (transform_input, no aux logits): BasicConv2d = conv (no bias) + BN."""
    n = Net(3, 299, 299)
    n.conv(32, 3, stride=2, pad=0)
    n.conv(32, 3, pad=0)
    n.conv(64, 3, pad=1)
    n.pool(3, 2)
    n.conv(80, 1, pad=0)
    n.conv(192, 3, pad=0)
    n.pool(3, 2)

    def branch(chain, at):
        """Convolutions in sequence from the block input `at`; returns output channels."""
        c, h, w = at
        for out, kh, kw, stride, pad in chain:
            c, h, w = n.conv(out, kh, kw=kw, stride=stride, pad=pad, at=(c, h, w), keep=True)
        return c, h, w

    def inception_a(pool_features):
        at = (n.c, n.h, n.w)
        outs = [branch([(64, 1, 1, 1, 0)], at),
                branch([(48, 1, 1, 1, 0), (64, 5, 5, 1, 2)], at),
                branch([(64, 1, 1, 1, 0), (96, 3, 3, 1, 1), (96, 3, 3, 1, 1)], at),
                branch([(pool_features, 1, 1, 1, 0)], at)]  # after a 3x3 average pool (stride 1)
        n.c = sum(o[0] for o in outs)

    def inception_b():
        at = (n.c, n.h, n.w)
        a = branch([(384, 3, 3, 2, 0)], at)
        b = branch([(64, 1, 1, 1, 0), (96, 3, 3, 1, 1), (96, 3, 3, 2, 0)], at)
        n.c, n.h, n.w = a[0] + b[0] + at[0], a[1], a[2]  # + max pool of the input

    def inception_c(c7):
        at = (n.c, n.h, n.w)
        outs = [branch([(192, 1, 1, 1, 0)], at),
                branch([(c7, 1, 1, 1, 0), (c7, 1, 7, 1, (0, 3)), (192, 7, 1, 1, (3, 0))], at),
                branch([(c7, 1, 1, 1, 0), (c7, 7, 1, 1, (3, 0)), (c7, 1, 7, 1, (0, 3)),
                        (c7, 7, 1, 1, (3, 0)), (192, 1, 7, 1, (0, 3))], at),
                branch([(192, 1, 1, 1, 0)], at)]
        n.c = sum(o[0] for o in outs)

    def inception_d():
        at = (n.c, n.h, n.w)
        a = branch([(192, 1, 1, 1, 0), (320, 3, 3, 2, 0)], at)
        b = branch([(192, 1, 1, 1, 0), (192, 1, 7, 1, (0, 3)), (192, 7, 1, 1, (3, 0)), (192, 3, 3, 2, 0)], at)
        n.c, n.h, n.w = a[0] + b[0] + at[0], a[1], a[2]

    def inception_e():
        at = (n.c, n.h, n.w)
        b1 = branch([(320, 1, 1, 1, 0)], at)
        b3 = branch([(384, 1, 1, 1, 0)], at)
        branch([(384, 1, 3, 1, (0, 1))], b3)
        branch([(384, 3, 1, 1, (1, 0))], b3)
        d = branch([(448, 1, 1, 1, 0), (384, 3, 3, 1, 1)], at)
        branch([(384, 1, 3, 1, (0, 1))], d)
        branch([(384, 3, 1, 1, (1, 0))], d)
        bp = branch([(192, 1, 1, 1, 0)], at)
        n.c = b1[0] + 2 * 384 + 2 * 384 + bp[0]

    inception_a(32), inception_a(64), inception_a(64)
    inception_b()
    inception_c(128), inception_c(160), inception_c(160), inception_c(192)
    inception_d()
    inception_e(), inception_e()
    n.linear(2048, 1000)
    return n.layers


def bert(d, layers, ff, seq=128, vocab=30522, positions=512, types=2):
    out = [[(vocab + positions + types) * d + 2 * d, 0]]  # embeddings + layer-norm: lookups, no FLOPs
    for _ in range(layers):
        attention = 2 * seq * (4 * d * d) + 2 * 2 * seq * seq * d  # Q,K,V,out projections; QK^T and AV
        out.append([4 * (d * d + d) + 2 * d, attention])
        out.append([d * ff + ff + ff * d + d + 2 * d, 2 * seq * 2 * d * ff])
    out.append([d * d + d, 2 * d * d])  # pooler on the [CLS] token
    return out


def gpt2_xl(seq=1024, d=1600, layers=48, vocab=50257):
    out = [[vocab * d + seq * d, 0]]  # token + position embeddings
    for _ in range(layers):
        attention = 2 * seq * (4 * d * d) + 2 * 2 * seq * seq * d
        out.append([2 * d + 3 * d * d + 3 * d + d * d + d, attention])  # ln_1, c_attn, c_proj
        out.append([2 * d + 4 * d * d + 4 * d + 4 * d * d + d, 2 * seq * 8 * d * d])  # ln_2, c_fc, c_proj
    out.append([2 * d, 2 * seq * d * vocab])  # ln_f; LM head tied to the token embedding (no own params)
    return out


PROFILES = {
    "resnet50": lambda: resnet([3, 4, 6, 3]),
    "resnet101": lambda: resnet([3, 4, 23, 3]),
    "resnet152": lambda: resnet([3, 8, 36, 3]),
    "vgg16": vgg16,
    "inception_v3": inception_v3,
    "bert_base": lambda: bert(d=768, layers=12, ff=3072),
    "bert_large": lambda: bert(d=1024, layers=24, ff=4096),
    "gpt2_xl": gpt2_xl,
}


def dump_catalog(catalog, indent=""):
    """The catalog as readable JSON: small objects on one line, layers six [params, flops] pairs a line."""
    def scalar(v):
        if isinstance(v, float) and v >= 1e6:  # peaks: 1.57e13, not 15700000000000.0
            mantissa, exponent = f"{v:.6e}".split("e")
            return mantissa.rstrip("0").rstrip(".") + "e" + str(int(exponent))
        return json.dumps(v)

    def flat(v):
        return not isinstance(v, (dict, list)) or (isinstance(v, list) and all(not isinstance(x, (dict, list)) for x in v))

    inner = indent + "  "
    if isinstance(catalog, dict):
        if all(flat(v) for v in catalog.values()) and len(catalog) <= 6:
            return "{" + ", ".join(json.dumps(k) + ": " + dump_catalog(v) for k, v in catalog.items()) + "}"
        items = [inner + json.dumps(k) + ": " + dump_catalog(v, inner) for k, v in catalog.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(catalog, list):
        if catalog and all(isinstance(x, list) for x in catalog):  # layers: [params, flops] pairs
            rows = [", ".join(json.dumps(x) for x in catalog[i:i + 6]) for i in range(0, len(catalog), 6)]
            return "[\n" + ",\n".join(inner + r for r in rows) + "\n" + indent + "]"
        if all(flat(x) for x in catalog):
            return "[" + ", ".join(dump_catalog(x) for x in catalog) + "]"
        return "[\n" + ",\n".join(inner + dump_catalog(x, inner) for x in catalog) + "\n" + indent + "]"
    return scalar(catalog)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", metavar="CATALOG")
    parser.add_argument("--verify", metavar="CATALOG")
    args = parser.parse_args()
    profiles = {name: make() for name, make in PROFILES.items()}
    for name, layers in profiles.items():
        params = sum(p for p, _ in layers)
        flops = sum(f for _, f in layers)
        print(f"{name:13s} {len(layers):4d} layers  {params:>13,d} params  {flops / 1e9:10.3f} GFLOPs forward"
              f" ({flops / 2e9:.3f} GMACs)")
    if args.write:
        with open(args.write) as f:
            catalog = json.load(f)
        for name, layers in profiles.items():
            if name not in catalog["models"]:
                sys.exit(f"{args.write}: no models.{name}; add its entry first")
            catalog["models"][name]["layers"] = layers
            catalog["models"][name]["forward_flops"] = sum(f for _, f in layers)
        with open(args.write, "w") as f:
            f.write(dump_catalog(catalog) + "\n")


    if args.verify:
        with open(args.verify) as f:
            catalog = json.load(f)
        wrong = [name for name, layers in profiles.items()
                 if catalog["models"].get(name, {}).get("layers") != layers
                 or catalog["models"][name].get("forward_flops") != sum(f for _, f in layers)]
        if wrong:
            sys.exit(f"{args.verify}: profiles of {', '.join(wrong)} differ from the architectures; "
                     f"run scripts/model_profiles.py --write {args.verify}")
        print(f"{args.verify}: every profile matches its architecture")


if __name__ == "__main__":
    main()
