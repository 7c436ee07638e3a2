/**
 * The body of the training script trainingScript.ts writes: everything but the recipe and the
 * run's settings, which come first in the file. Python, kept as text so that the lab can write
 * the script in the browser.
 */
export const TRAINING_SCRIPT_BODY = String.raw`DIGIT_PIXELS = 784
DIGIT_CLASSES = 10
# Keras' BatchNormalization defaults, which the lab keeps.
BATCH_NORM_EPSILON = 1e-3
BATCH_NORM_MOMENTUM = 0.99
MINIBATCH_STD_EPSILON = 1e-8


def fail(message):
    sys.exit(f"{os.path.basename(sys.argv[0])}: {message}")


try:
    import numpy as np
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
    from torch import nn
except ImportError as error:  # explains the set-up instead of a traceback
    fail(f"PyTorch and NumPy are needed ({error}). Install them, e.g. pip install torch numpy h5py.")


# ---------------------------------------------------------------- data

def read_idx(folder, prefix, magic):
    """The IDX file in folder whose name starts with prefix (raw or .gz), as a uint8 array."""
    if not os.path.isdir(folder):
        fail(f"--data {folder} is not a folder; give the folder holding the MNIST IDX files.")
    names = sorted(n for n in os.listdir(folder) if n.startswith(prefix) and "idx" in n)
    if not names:
        fail(f"{folder} holds no {prefix}… IDX file; expected e.g. {prefix}-idx{3 if magic == 0x803 else 1}-ubyte or the same with .gz.")
    path = os.path.join(folder, names[0])
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        data = handle.read()
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        fail(f"{path} is not an IDX file of this kind: magic {magic:#010x} expected, found {found:#010x}.")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(magic & 0xFF)]
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * len(dims))
    if body.size != int(np.prod(dims)):
        fail(f"{path} is cut short: its header announces {int(np.prod(dims))} bytes, it holds {body.size}.")
    return body.reshape(dims)


def load_training_set(folder, need_labels):
    images = read_idx(folder, "train-images", 0x803)
    if images.shape[1] * images.shape[2] != DIGIT_PIXELS:
        fail(f"The images in {folder} are {images.shape[1]}x{images.shape[2]}; the recipe draws 28x28 digits.")
    images = images.reshape(len(images), DIGIT_PIXELS)
    labels = None
    if need_labels:
        labels = read_idx(folder, "train-labels", 0x801)
        if len(labels) != len(images):
            fail(f"{folder} holds {len(images)} images but {len(labels)} labels.")
    return images, labels


def scale(pixels):
    """Bytes to [-1, 1], as the lab: (x - 127.5) / 127.5."""
    return (pixels.float() - 127.5) / 127.5


# ---------------------------------------------------------------- networks

def glorot_(weight):
    # PyTorch's fans for Linear, Conv2d and ConvTranspose2d weights are Keras' for the same kernel.
    nn.init.xavier_uniform_(weight)


def spectral_sigma(layer, matrix, update):
    """σ of matrix ([units, fan-in]) by one power-iteration step from the layer's u, as the lab:
    v and u' are constants to the gradient; with update u keeps u'."""
    with torch.no_grad():
        v = F.normalize(matrix.t() @ layer.u, dim=0, eps=1e-12)
        t = matrix @ v
        u_next = t / t.norm().clamp_min(1e-12)
        if update:
            layer.u.copy_(u_next)
    return torch.dot(u_next, matrix @ v)


class Dense(nn.Module):
    def __init__(self, fan_in, units, spectral):
        super().__init__()
        self.linear = nn.Linear(fan_in, units)
        glorot_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)
        self.spectral = spectral
        if spectral:
            self.register_buffer("u", F.normalize(torch.randn(units), dim=0))

    def forward(self, x, update_u):
        weight = self.linear.weight
        if self.spectral:
            weight = weight / spectral_sigma(self, weight, update_u and self.training)
        return F.linear(x, weight, self.linear.bias)


def same_pads(size, kernel, stride):
    """TensorFlow's 'same' padding (before, after): asymmetric when the total is odd."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class Conv(nn.Module):
    """conv2d, or its transpose, with the lab's (TensorFlow's) 'same' padding, on NCHW tensors."""

    def __init__(self, transpose, channels, filters, kernel, stride, spectral):
        super().__init__()
        self.transpose, self.kernel, self.stride, self.spectral = transpose, kernel, stride, spectral
        module = nn.ConvTranspose2d if transpose else nn.Conv2d
        self.conv = module(channels, filters, kernel, stride=stride)
        glorot_(self.conv.weight)
        nn.init.zeros_(self.conv.bias)
        if spectral:
            self.register_buffer("u", F.normalize(torch.randn(filters), dim=0))

    def forward(self, x, update_u):
        k, s = self.kernel, self.stride
        if not self.transpose:
            (top, bottom), (left, right) = same_pads(x.shape[2], k, s), same_pads(x.shape[3], k, s)
            y = F.conv2d(F.pad(x, (left, right, top, bottom)), self.conv.weight, None, s)
            if self.spectral:
                weight = self.conv.weight
                y = y / spectral_sigma(self, weight.reshape(weight.shape[0], -1), update_u and self.training)
            return y + self.conv.bias.view(1, -1, 1, 1)
        # The transpose of a 'same' conv2d from H·s to H: the full transposed convolution, cropped
        # by that conv2d's padding (or widened where the kernel is shorter than the stride).
        out_h, out_w = x.shape[2] * s, x.shape[3] * s
        top, left = same_pads(out_h, k, s)[0], same_pads(out_w, k, s)[0]
        y = F.conv_transpose2d(x, self.conv.weight, None, s)
        grow_h, grow_w = max(top + out_h - y.shape[2], 0), max(left + out_w - y.shape[3], 0)
        if grow_h or grow_w:
            y = F.pad(y, (0, grow_w, 0, grow_h))
        y = y[:, :, top:top + out_h, left:left + out_w]
        return y + self.conv.bias.view(1, -1, 1, 1)


class BatchNorm(nn.Module):
    """The lab's (Keras') batch norm: ε 1e-3, biased batch variance in the moving statistics,
    moving ← momentum·moving + (1 − momentum)·batch (PyTorch's own momentum is the other way round)."""

    def __init__(self, channels, momentum):
        super().__init__()
        self.momentum = momentum
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.register_buffer("moving_mean", torch.zeros(channels))
        self.register_buffer("moving_variance", torch.ones(channels))

    def forward(self, x, update_u):
        dims = [0] if x.dim() == 2 else [0, 2, 3]
        shape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
        if self.training:
            mean, variance = x.mean(dims), x.var(dims, unbiased=False)
            with torch.no_grad():
                self.moving_mean.mul_(self.momentum).add_(mean.detach() * (1 - self.momentum))
                self.moving_variance.mul_(self.momentum).add_(variance.detach() * (1 - self.momentum))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        scale_ = self.weight.view(shape) * torch.rsqrt(variance.view(shape) + BATCH_NORM_EPSILON)
        return (x - mean.view(shape)) * scale_ + self.bias.view(shape)


def minibatch_std(x, groups):
    """ProGAN's feature: the mean over features of each feature's std over its batch, appended as
    one more channel; groups batches back to back (real then generated rows) each get their own."""
    rows = x.shape[0]
    grouped = x.reshape(groups, rows // groups, *x.shape[1:])
    std = torch.sqrt(grouped.var(dim=1, unbiased=False) + MINIBATCH_STD_EPSILON)
    feature = std.reshape(groups, -1).mean(1).repeat_interleave(rows // groups)
    spatial = x.shape[2:]
    feature = feature.view(rows, 1, *([1] * len(spatial))).expand(rows, 1, *spatial)
    return torch.cat([x, feature], 1)


def layer_shapes(spec):
    """The per-example shape after each layer, channels last as the lab counts them."""
    shapes, shape = [], [spec["inputSize"]]
    for layer in spec["layers"]:
        kind = layer["kind"]
        if kind == "dense":
            shape = [layer["units"]]
        elif kind == "reshape":
            shape = list(layer["shape"])
        elif kind == "conv2d":
            shape = [-(-shape[0] // layer["stride"]), -(-shape[1] // layer["stride"]), layer["filters"]]
        elif kind == "conv2dTranspose":
            shape = [shape[0] * layer["stride"], shape[1] * layer["stride"], layer["filters"]]
        elif kind == "minibatchStd":
            shape = shape[:-1] + [shape[-1] + 1]
        shapes.append(shape)
    return shapes


class Network(nn.Module):
    """A network of the recipe, layer by layer. Between a reshape to [h, w, c] and one back to flat
    the tensors are NCHW; reshapes read and write the values channels last, as the lab does."""

    def __init__(self, spec, classes):
        super().__init__()
        self.spec, self.classes = spec, classes
        self.label_at = next((i for i, l in enumerate(spec["layers"]) if l["kind"] == "dense"), -1) if classes else -1
        self.blocks = nn.ModuleList()
        shapes = layer_shapes(spec)
        shape = [spec["inputSize"]]
        for index, layer in enumerate(spec["layers"]):
            kind = layer["kind"]
            block = nn.Identity()
            if kind == "dense":
                fan_in = shape[0] + (classes if index == self.label_at else 0)
                block = Dense(fan_in, layer["units"], bool(layer.get("spectralNorm")))
            elif kind in ("conv2d", "conv2dTranspose"):
                block = Conv(kind == "conv2dTranspose", shape[2], layer["filters"], layer["kernel"], layer["stride"], bool(layer.get("spectralNorm")))
            elif kind == "batchNorm":
                block = BatchNorm(shape[-1], layer.get("momentum", BATCH_NORM_MOMENTUM))
            self.blocks.append(block)
            shape = shapes[index]

    def forward(self, x, labels=None, logits=False, groups=1, update_u=False):
        """labels: one-hot rows for a class-conditional network. logits: stop before a final
        sigmoid. groups: batches held back to back, for minibatchStd. update_u: spectral norm
        keeps its power-iteration step (D's own updates only)."""
        h = x
        last = len(self.spec["layers"]) - 1
        for index, (layer, block) in enumerate(zip(self.spec["layers"], self.blocks)):
            kind = layer["kind"]
            if index == self.label_at:
                h = torch.cat([h, labels], 1)
            if kind in ("dense", "conv2d", "conv2dTranspose", "batchNorm"):
                h = block(h, update_u)
            elif kind == "leakyRelu":
                h = F.leaky_relu(h, layer["alpha"])
            elif kind == "relu":
                h = F.relu(h)
            elif kind == "tanh":
                h = torch.tanh(h)
            elif kind == "sigmoid":
                if not (logits and index == last):
                    h = torch.sigmoid(h)
            elif kind == "dropout":
                h = F.dropout(h, layer["rate"], self.training)
            elif kind == "minibatchStd":
                h = minibatch_std(h, groups)
            elif kind == "reshape":
                if h.dim() == 4:
                    h = h.permute(0, 2, 3, 1)
                h = h.reshape(h.shape[0], *layer["shape"])
                if h.dim() == 4:
                    h = h.permute(0, 3, 1, 2)
            else:
                fail(f"The recipe has a layer of kind {kind!r}, which this script does not know.")
        return h

    def lab_weights(self):
        """The tensors in the lab's order and shapes: every kernel (channels last) and bias, gamma
        and beta; then the state: moving mean and variance, spectral norm's u."""
        params, state = [], []
        for layer, block in zip(self.spec["layers"], self.blocks):
            kind = layer["kind"]
            if kind == "dense":
                params += [(block.linear.weight, lambda w: w.t(), lambda a: a.t()), (block.linear.bias, None, None)]
            elif kind in ("conv2d", "conv2dTranspose"):
                # Conv2d [out, in, kh, kw] → [kh, kw, in, out]; ConvTranspose2d [in, out, kh, kw] → [kh, kw, out, in].
                params += [(block.conv.weight, lambda w: w.permute(2, 3, 1, 0), lambda a: a.permute(3, 2, 0, 1)), (block.conv.bias, None, None)]
            elif kind == "batchNorm":
                params += [(block.weight, None, None), (block.bias, None, None)]
                state += [(block.moving_mean, None, None), (block.moving_variance, None, None)]
            if kind in ("dense", "conv2d") and layer.get("spectralNorm"):
                state.append((block.u, None, None))
        return params + state

    def load_lab_weights(self, arrays):
        slots = self.lab_weights()
        if len(arrays) != len(slots):
            fail(f"The {self.spec['name']} takes {len(slots)} weight tensors; {len(arrays)} were given.")
        with torch.no_grad():
            for (tensor, _, from_lab), array in zip(slots, arrays):
                value = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
                tensor.copy_(from_lab(value) if from_lab else value)


def parameter_count(net):
    return sum(p.numel() for p in net.parameters())


# ---------------------------------------------------------------- Keras .h5 checkpoints

KERAS_CLASS = {
    "dense": "Dense", "leakyRelu": "LeakyReLU", "relu": "ReLU", "tanh": "Activation", "sigmoid": "Activation",
    "dropout": "Dropout", "batchNorm": "BatchNormalization", "reshape": "Reshape", "conv2d": "Conv2D",
    "conv2dTranspose": "Conv2DTranspose",
}
KERAS_PREFIX = {
    "Dense": "dense", "LeakyReLU": "leaky_re_lu", "ReLU": "re_lu", "Activation": "activation", "Dropout": "dropout",
    "BatchNormalization": "batch_normalization", "Reshape": "reshape", "Conv2D": "conv2d",
    "Conv2DTranspose": "conv2d_transpose", "Concatenate": "concatenate",
}
INITIALIZERS = {
    "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
    "bias_initializer": {"class_name": "Zeros", "config": {}},
    "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
    "kernel_constraint": None, "bias_constraint": None,
}


def keras_layers(net):
    """(class name, config, [(weight name, array)]) for each layer, with Keras' default names."""
    counters, out = {}, []

    def name_for(class_name):
        count = counters.get(class_name, 0)
        counters[class_name] = count + 1
        return KERAS_PREFIX[class_name] + ("" if count == 0 else f"_{count}")

    def numpy_of(tensor, to_keras=None):
        value = tensor.detach().cpu()
        return (to_keras(value) if to_keras else value).contiguous().numpy().astype(np.float32)

    for index, (layer, block) in enumerate(zip(net.spec["layers"], net.blocks)):
        kind = layer["kind"]
        if kind == "minibatchStd":
            fail("minibatchStd has no Keras layer; a generator cannot hold it.")
        class_name = KERAS_CLASS[kind]
        name = name_for(class_name)
        config = {"name": name, "trainable": True, "dtype": "float32"}
        weights = []
        if index == net.label_at:
            out.append(("Concatenate", {"name": name_for("Concatenate"), "trainable": True, "dtype": "float32", "axis": -1}, []))
        if kind == "dense":
            config.update(units=layer["units"], activation="linear", use_bias=True, **INITIALIZERS)
            weights = [("kernel", numpy_of(block.linear.weight, lambda w: w.t())), ("bias", numpy_of(block.linear.bias))]
        elif kind in ("conv2d", "conv2dTranspose"):
            config.update(filters=layer["filters"], kernel_size=[layer["kernel"]] * 2, strides=[layer["stride"]] * 2,
                          padding="same", data_format="channels_last", dilation_rate=[1, 1], groups=1,
                          activation="linear", use_bias=True, **INITIALIZERS)
            if kind == "conv2dTranspose":
                config.update(output_padding=None)
                del config["groups"]
            weights = [("kernel", numpy_of(block.conv.weight, lambda w: w.permute(2, 3, 1, 0))), ("bias", numpy_of(block.conv.bias))]
        elif kind == "leakyRelu":
            config.update(alpha=layer["alpha"])
        elif kind == "relu":
            config.update(max_value=None, negative_slope=0.0, threshold=0.0)
        elif kind in ("tanh", "sigmoid"):
            config.update(activation=kind)
        elif kind == "dropout":
            config.update(rate=layer["rate"], noise_shape=None, seed=None)
        elif kind == "reshape":
            config.update(target_shape=list(layer["shape"]))
        elif kind == "batchNorm":
            config.update(axis=-1, momentum=block.momentum, epsilon=BATCH_NORM_EPSILON, center=True, scale=True,
                          beta_initializer={"class_name": "Zeros", "config": {}},
                          gamma_initializer={"class_name": "Ones", "config": {}},
                          moving_mean_initializer={"class_name": "Zeros", "config": {}},
                          moving_variance_initializer={"class_name": "Ones", "config": {}},
                          beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None)
            weights = [("gamma", numpy_of(block.weight)), ("beta", numpy_of(block.bias)),
                       ("moving_mean", numpy_of(block.moving_mean)), ("moving_variance", numpy_of(block.moving_variance))]
        out.append((class_name, config, weights))
    return out


def keras_model_config(net, layers):
    """A Sequential model; a class-conditional generator as a Functional one whose label input
    joins a Concatenate before its first dense layer."""
    size = net.spec["inputSize"]
    if not net.classes:
        first = {"class_name": "InputLayer", "config": {"batch_input_shape": [None, size], "dtype": "float32",
                                                        "sparse": False, "ragged": False, "name": "input_1"}}
        body = [{"class_name": c, "config": config} for c, config, _ in layers]
        return {"class_name": "Sequential", "config": {"name": net.spec["name"], "layers": [first] + body}}, []
    inputs = [("noise", size), ("label", net.classes)]
    entries = [{"class_name": "InputLayer", "name": n, "inbound_nodes": [],
                "config": {"batch_input_shape": [None, width], "dtype": "float32", "sparse": False, "ragged": False, "name": n}}
               for n, width in inputs]
    previous = "noise"
    for class_name, config, _ in layers:
        inbound = [[previous, 0, 0, {}]] + ([["label", 0, 0, {}]] if class_name == "Concatenate" else [])
        entries.append({"class_name": class_name, "name": config["name"], "config": config, "inbound_nodes": [inbound]})
        previous = config["name"]
    config = {"name": net.spec["name"], "layers": entries, "input_layers": [[n, 0, 0] for n, _ in inputs],
              "output_layers": [[previous, 0, 0]]}
    return {"class_name": "Functional", "config": config}, [n for n, _ in inputs]


def save_keras_h5(path, net):
    """The network as Keras 2's model.save writes a whole model (legacy HDF5)."""
    try:
        import h5py
    except ImportError:
        fail("h5py is needed to save the .h5 checkpoints: pip install h5py.")
    layers = keras_layers(net)
    model_config, input_names = keras_model_config(net, layers)
    names = input_names + [config["name"] for _, config, _ in layers]
    weights = {name: [] for name in input_names}
    weights.update({config["name"]: w for _, config, w in layers})
    partial = path + ".partial"
    with h5py.File(partial, "w") as f:
        f.attrs["keras_version"] = "2.13.1"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = np.array([n.encode("utf8") for n in names])
        group.attrs["backend"] = "tensorflow"
        group.attrs["keras_version"] = "2.13.1"
        for name in names:
            layer_group = group.create_group(name)
            weight_names = [f"{name}/{w}:0" for w, _ in weights[name]]
            layer_group.attrs["weight_names"] = np.array([w.encode("utf8") for w in weight_names], dtype="S" if weight_names else "S1")
            for weight_name, (_, array) in zip(weight_names, weights[name]):
                layer_group.create_dataset(weight_name, data=array)
    # Complete or absent: a run stopped while writing leaves no half file under the real name.
    os.replace(partial, path)


# ---------------------------------------------------------------- training

class KerasAdam(torch.optim.Optimizer):
    """Adam as Keras and the lab apply it: w ← w − lr·√(1−β2ᵗ)/(1−β1ᵗ)·m/(√v + ε). PyTorch's Adam
    puts ε inside the bias correction, which differs when ε is not negligible."""

    def __init__(self, params, lr, beta1, beta2, epsilon):
        super().__init__(params, dict(lr=lr, beta1=beta1, beta2=beta2, epsilon=epsilon))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            b1, b2 = group["beta1"], group["beta2"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["t"], state["m"], state["v"] = 0, torch.zeros_like(p), torch.zeros_like(p)
                state["t"] += 1
                t, m, v = state["t"], state["m"], state["v"]
                m.mul_(b1).add_(p.grad, alpha=1 - b1)
                v.mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                step_size = group["lr"] * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                p.addcdiv_(m, v.sqrt().add_(group["epsilon"]), value=-step_size)


def scheduled_rate(base, step, total_steps):
    """The learning rate at 1-based step: constant, or falling linearly to 0 at the last step."""
    if RECIPE["lrSchedule"] == "constant" or total_steps <= 0:
        return base
    return base * max(0.0, 1 - (step - 1) / total_steps)


def instance_noise_std(step, total_steps):
    noise = RECIPE["instanceNoise"]
    if noise is None:
        return None
    if not noise["anneal"] or total_steps <= 0:
        return noise["std"]
    return noise["std"] * max(0.0, 1 - (max(1, step) - 1) / total_steps)


def r1_applies(step, update):
    """R1 on every every-th D update of the run, counted from its first (lazy regularisation)."""
    r1 = RECIPE["r1"]
    return r1 is not None and ((step - 1) * RECIPE["dStepsPerGStep"] + update) % r1["every"] == 0


def average_decay(step):
    average = RECIPE["average"]
    return min(average["decay"], (1 + step) / (10 + step)) if average["warmup"] else average["decay"]


def discriminator_loss(logits, batch):
    real, fake = logits[:batch], logits[batch:]
    if RECIPE["loss"] == "bce":
        targets = torch.cat([torch.full_like(real, RECIPE["realTarget"]), torch.zeros_like(fake)])
        return F.binary_cross_entropy_with_logits(logits, targets)
    if RECIPE["loss"] == "hinge":
        return F.relu(1 - real).mean() + F.relu(1 + fake).mean()
    return 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake ** 2).mean()


def generator_loss(logits):
    if RECIPE["loss"] == "bce":
        return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
    if RECIPE["loss"] == "hinge":
        return -logits.mean()
    return 0.5 * ((logits - 1) ** 2).mean()


def build_networks(device):
    classes = DIGIT_CLASSES if RECIPE["conditioning"] == "class" else 0
    return Network(RECIPE["generator"], classes).to(device), Network(RECIPE["discriminator"], classes).to(device)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="folder with train-images-idx3-ubyte (and train-labels-idx1-ubyte), raw or .gz")
    parser.add_argument("--out", default="checkpoints", help="folder for gan_generator_epoch_<N>.h5 (default: checkpoints)")
    parser.add_argument("--epochs", type=int, default=RUN["epochs"], help=f"default {RUN['epochs']}")
    parser.add_argument("--steps-per-epoch", type=int, default=RUN["stepsPerEpoch"], help=f"default {RUN['stepsPerEpoch']}")
    parser.add_argument("--save-every", type=int, default=RUN["saveEvery"], help=f"save G every this many epochs (and after the first and last); default {RUN['saveEvery']}")
    parser.add_argument("--device", help="cpu, cuda, cuda:1…; default cuda when there is one")
    parser.add_argument("--max-steps", type=int, help="stop after this many steps (a quick check); the epoch in progress is saved")
    parser.add_argument("--seed", type=int, default=RUN["seed"], help=f"default {RUN['seed']}")
    parser.add_argument("--check-network", nargs="+", metavar="ROLE:DIR", help=argparse.SUPPRESS)
    parser.add_argument("--check-step", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.check_network is None and args.check_step is None and not args.data:
        parser.error("--data is required: the folder holding the MNIST IDX files.")
    for name in ("epochs", "steps_per_epoch", "save_every"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1.")
    return args


def check_network(role, folder):
    """Applies the recipe's role network, with weights in the lab's order and shapes: DIR/check.json
    {"shapes", "rows", "training"}, DIR/weights.bin and DIR/input.bin (and DIR/labels.bin, one byte
    a row, when conditional) in; DIR/output.bin out, then the weights after the pass (float32).
    Training mode (no dropout) shows batch norm's batch statistics and how the moving ones move."""
    torch.set_grad_enabled(False)
    generator, discriminator = build_networks("cpu")
    net = generator if role == "generator" else discriminator
    with open(os.path.join(folder, "check.json")) as handle:
        spec = json.load(handle)
    arrays = lab_arrays(read_floats(folder, "weights.bin"), spec["shapes"])
    net.load_lab_weights(arrays)
    net.train(bool(spec.get("training")))
    x = torch.from_numpy(np.fromfile(os.path.join(folder, "input.bin"), dtype="<f4").reshape(spec["rows"], -1))
    labels = None
    if net.classes:
        rows = np.fromfile(os.path.join(folder, "labels.bin"), dtype=np.uint8).astype(np.int64)
        labels = F.one_hot(torch.from_numpy(rows), net.classes).float()
    output = net(x, labels, update_u=net.training).reshape(-1)
    torch.cat([output] + flat_lab_weights(net)).numpy().astype("<f4").tofile(os.path.join(folder, "output.bin"))


class Trainer:
    """One training step as the lab takes it: the recipe's D updates, then one G update, then the
    average. generator and discriminator may be DistributedDataParallel wrappers of the
    networks g_raw and d_raw."""

    def __init__(self, generator, discriminator, g_raw, d_raw, batch, total_steps, device):
        self.generator, self.discriminator, self.g_raw, self.d_raw = generator, discriminator, g_raw, d_raw
        self.batch, self.total_steps, self.device = batch, total_steps, device
        self.average = copy.deepcopy(g_raw).requires_grad_(False) if RECIPE["average"] else None
        adam = lambda net, key: KerasAdam(net.parameters(), **{k: RECIPE[key][k] for k in ("lr", "beta1", "beta2", "epsilon")})
        self.g_opt, self.d_opt = adam(g_raw, "gOptimizer"), adam(d_raw, "dOptimizer")
        self.conditional = RECIPE["conditioning"] == "class"
        self.latent = RECIPE["generator"]["inputSize"]

    def one_hot(self, rows):
        return F.one_hot(rows, DIGIT_CLASSES).float() if self.conditional else None

    def draw(self, pixels, digit_labels):
        """The step's random inputs: for each D update real digits drawn with replacement (and
        their labels), noise, the labels G is asked for, unit normal draws for instance noise;
        then the same for G's update."""
        b, device = self.batch, self.device
        labels = lambda: torch.randint(DIGIT_CLASSES, (b,), device=device) if self.conditional else None
        instance = lambda rows: torch.randn(rows, DIGIT_PIXELS, device=device) if RECIPE["instanceNoise"] else None
        d = []
        for _ in range(RECIPE["dStepsPerGStep"]):
            index = torch.randint(len(pixels), (b,), device=device)
            d.append({"real": scale(pixels[index]), "real_labels": digit_labels[index] if self.conditional else None,
                      "noise": torch.randn(b, self.latent, device=device), "fake_labels": labels(), "instance": instance(2 * b)})
        return {"d": d, "g": {"noise": torch.randn(b, self.latent, device=device), "labels": labels(), "instance": instance(b)}}

    def step(self, step, inputs):
        """Step number step (1-based) on inputs (draw); [D loss, G loss, mean D(x), mean D(G(z))] on the device."""
        b = self.batch
        for opt, key in ((self.g_opt, "gOptimizer"), (self.d_opt, "dOptimizer")):
            for group in opt.param_groups:
                group["lr"] = scheduled_rate(RECIPE[key]["lr"], step, self.total_steps)
        std = instance_noise_std(step, self.total_steps)
        for update, d in enumerate(inputs["d"]):
            with torch.no_grad():
                fake = self.g_raw(d["noise"], self.one_hot(d["fake_labels"]))
            x = torch.cat([d["real"], fake])
            if std is not None:
                x = x + std * d["instance"]
            both = self.one_hot(torch.cat([d["real_labels"], d["fake_labels"]])) if self.conditional else None
            penalised = r1_applies(step, update)
            if penalised:
                x.requires_grad_(True)
            logits = self.discriminator(x, both, logits=True, groups=2, update_u=True)
            loss = discriminator_loss(logits, b)
            total = loss
            if penalised:
                # R1 on the real rows as D's loss sees them; one update in every carries every's.
                gradient, = torch.autograd.grad(logits[:b].sum(), x, create_graph=True)
                penalty = RECIPE["r1"]["gamma"] / 2 * gradient[:b].pow(2).sum(1).mean()
                total = loss + penalty * RECIPE["r1"]["every"]
            self.d_opt.zero_grad(set_to_none=True)
            total.backward()
            self.d_opt.step()
        # G through D, D's weights held (its dropout still active).
        g = inputs["g"]
        self.d_raw.requires_grad_(False)
        generated = self.generator(g["noise"], self.one_hot(g["labels"]))
        if std is not None:
            generated = generated + std * g["instance"]
        g_loss = generator_loss(self.d_raw(generated, self.one_hot(g["labels"]), logits=True))
        self.g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        self.g_opt.step()
        self.d_raw.requires_grad_(True)
        if self.average is not None:
            decay = average_decay(step)
            with torch.no_grad():
                for a, w in zip(list(self.average.parameters()) + list(self.average.buffers()),
                                list(self.g_raw.parameters()) + list(self.g_raw.buffers())):
                    a.mul_(decay).add_(w.detach(), alpha=1 - decay)
        with torch.no_grad():
            probabilities = torch.sigmoid(logits.detach())
            return torch.stack([loss.detach(), g_loss.detach(), probabilities[:b].mean(), probabilities[b:].mean()])


def read_floats(folder, name):
    return np.fromfile(os.path.join(folder, name), dtype="<f4")


def lab_arrays(flat, shapes):
    """Flat float32 values as tensors of the given shapes, in order."""
    arrays, offset = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        arrays.append(flat[offset:offset + size].reshape(shape))
        offset += size
    return arrays


def flat_lab_weights(net):
    return [(to_lab(t) if to_lab else t).detach().reshape(-1) for t, to_lab, _ in net.lab_weights()]


def check_step(folder):
    """One training step from given weights and inputs, for comparing with the lab's step:
    DIR/check.json {"g", "d" (weight shapes), "step", "totalSteps"}, DIR/weights.bin (G's then D's
    weights, lab order) and DIR/inputs.bin (per D update: real digits in [-1, 1], noise, instance
    noise draws where the recipe adds it; then G's noise and draws) in; DIR/output.bin out: the
    step's four figures, then G's, D's and the average's weights after it. For recipes without
    dropout or conditioning, whose steps draw nothing else."""
    with open(os.path.join(folder, "check.json")) as handle:
        spec = json.load(handle)
    g_raw, d_raw = build_networks("cpu")
    flat = read_floats(folder, "weights.bin")
    g_size = sum(int(np.prod(shape)) for shape in spec["g"])
    g_raw.load_lab_weights(lab_arrays(flat[:g_size], spec["g"]))
    d_raw.load_lab_weights(lab_arrays(flat[g_size:], spec["d"]))
    b = RECIPE["batchSize"]
    trainer = Trainer(g_raw, d_raw, g_raw, d_raw, b, spec["totalSteps"], torch.device("cpu"))
    values, at = read_floats(folder, "inputs.bin"), 0

    def take(*shape):
        nonlocal at
        size = int(np.prod(shape))
        at += size
        return torch.from_numpy(values[at - size:at].reshape(shape).copy())

    noisy = RECIPE["instanceNoise"] is not None
    d = [{"real": take(b, DIGIT_PIXELS), "noise": take(b, trainer.latent), "instance": take(2 * b, DIGIT_PIXELS) if noisy else None,
          "real_labels": None, "fake_labels": None} for _ in range(RECIPE["dStepsPerGStep"])]
    g = {"noise": take(b, trainer.latent), "instance": take(b, DIGIT_PIXELS) if noisy else None, "labels": None}
    figures = trainer.step(spec["step"], {"d": d, "g": g})
    average = flat_lab_weights(trainer.average) if trainer.average is not None else []
    after = [figures] + flat_lab_weights(g_raw) + flat_lab_weights(d_raw) + average
    torch.cat(after).numpy().astype("<f4").tofile(os.path.join(folder, "output.bin"))


def main():
    args = parse_args()
    if args.check_network:
        # Several checks in one run: PyTorch takes longer to import than a check to run.
        for check in args.check_network:
            role, folder = check.split(":", 1)
            check_network(role, folder)
        return
    if args.check_step:
        return check_step(args.check_step)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(args.device or (f"cuda:{local_rank}" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", local_rank)
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        if device.type == "cuda":
            torch.cuda.set_device(device)
    batch_size = RECIPE["batchSize"]
    if batch_size % world != 0:
        fail(f"The recipe's batch of {batch_size} does not split over {world} processes; run a number of processes that divides it.")
    batch = batch_size // world
    conditional = RECIPE["conditioning"] == "class"
    # The same initial weights in every process (DDP also broadcasts rank 0's), then draws of their own.
    torch.manual_seed(args.seed)
    g_raw, d_raw = build_networks(device)
    torch.manual_seed(args.seed * 1000 + rank + 1)
    images, labels = load_training_set(args.data, conditional)
    # A DistributedSampler-like split: every process draws from its own share of the digits.
    pixels = torch.from_numpy(np.array(images[rank::world])).to(device)
    digit_labels = torch.from_numpy(labels[rank::world].astype(np.int64)).to(device) if conditional else None
    if rank == 0:
        print(f"parameters: generator {parameter_count(g_raw)} discriminator {parameter_count(d_raw)}", flush=True)
        print(f"data: {len(images)} digits from {args.data}; {world} process(es) of batch {batch} on {device}", flush=True)
    generator, discriminator = g_raw, d_raw
    if world > 1:
        ids = [device.index] if device.type == "cuda" else None
        generator = nn.parallel.DistributedDataParallel(g_raw, device_ids=ids)
        discriminator = nn.parallel.DistributedDataParallel(d_raw, device_ids=ids)
    total_steps = args.epochs * args.steps_per_epoch
    trainer = Trainer(generator, discriminator, g_raw, d_raw, batch, total_steps, device)
    last_step = min(total_steps, args.max_steps) if args.max_steps else total_steps
    if rank == 0:
        os.makedirs(args.out, exist_ok=True)
    generator.train()
    discriminator.train()
    figures = torch.zeros(4, device=device)
    started, epoch_steps = time.time(), 0
    for step in range(1, last_step + 1):
        figures += trainer.step(step, trainer.draw(pixels, digit_labels))
        epoch_steps += 1
        epoch = -(-step // args.steps_per_epoch)
        if step % args.steps_per_epoch == 0 or step == last_step:
            # Read from the device once an epoch: every read waits for it.
            d_l, g_l, d_x, d_gz = (figures / epoch_steps).tolist()
            rate = epoch_steps / (time.time() - started)
            if rank == 0:
                print(f"epoch {epoch}/{args.epochs}  step {step}  d_loss {d_l:.4f}  g_loss {g_l:.4f}  "
                      f"D(x) {d_x:.3f}  D(G(z)) {d_gz:.3f}  steps/s {rate:.2f}", flush=True)
                if epoch == 1 or epoch % args.save_every == 0 or step == last_step:
                    path = os.path.join(args.out, f"gan_generator_epoch_{epoch}.h5")
                    save_keras_h5(path, trainer.average if trainer.average is not None else g_raw)
                    print(f"saved {path}", flush=True)
            figures.zero_()
            started, epoch_steps = time.time(), 0
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
`;
