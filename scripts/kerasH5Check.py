"""Checks a Keras 2 .h5 generator the way keras.models.load_model reads it, with h5py and NumPy.

Usage: kerasH5Check.py MODEL.h5 CASE.json
CASE.json: {"count": n, "noise": [...], "expected": [...]} (row-major, n x latent and n x 784).
Checks the layout (root attributes, layer_names, weight_names, weight shapes against the config),
runs the model from its own model_config and weights, prints the largest difference from
"expected" and exits non-zero on any failure.
"""
import json
import sys

import h5py
import numpy as np


def names(value):
    return [v.decode('utf8') if hasattr(v, 'decode') else str(v) for v in value]


def text(value):
    return value.decode('utf8') if hasattr(value, 'decode') else value


def pad_before(size, k, s):
    out = -(-size // s)
    return max((out - 1) * s + k - size, 0) // 2


def conv2d(x, kernel, s):
    n, h, w, c = x.shape
    k = kernel.shape[0]
    oh, ow = -(-h // s), -(-w // s)
    ph, pw = pad_before(h, k, s), pad_before(w, k, s)
    padded = np.zeros((n, h + 2 * k, w + 2 * k, c), np.float64)
    padded[:, ph:ph + h, pw:pw + w, :] = x
    out = np.zeros((n, oh, ow, kernel.shape[3]), np.float64)
    for a in range(k):
        for b in range(k):
            patch = padded[:, a:a + oh * s:s, b:b + ow * s:s, :][:, :oh, :ow, :]
            out += patch @ kernel[a, b]
    return out


def conv2d_transpose(x, kernel, s):
    # The gradient of a 'same' conv2d from an (h*s, w*s) input to (h, w): scatter each input.
    n, h, w, c = x.shape
    k = kernel.shape[0]
    oh, ow = h * s, w * s
    ph, pw = pad_before(oh, k, s), pad_before(ow, k, s)
    out = np.zeros((n, oh + 2 * k + s * h, ow + 2 * k + s * w, kernel.shape[2]), np.float64)
    for a in range(k):
        for b in range(k):
            contrib = x @ kernel[a, b].T
            for i in range(h):
                for j in range(w):
                    out[:, k + i * s + a - ph, k + j * s + b - pw, :] += contrib[:, i, j, :]
    return out[:, k:k + oh, k:k + ow, :]


def activation(x, name):
    return {'linear': lambda v: v, 'tanh': np.tanh, 'relu': lambda v: np.maximum(v, 0),
            'sigmoid': lambda v: 1 / (1 + np.exp(-v))}[name](x)


def main(model_path, case_path):
    f = h5py.File(model_path, 'r')
    assert text(f.attrs['keras_version']).startswith('2.'), f.attrs['keras_version']
    assert text(f.attrs['backend']) == 'tensorflow'
    config = json.loads(text(f.attrs['model_config']))
    assert config['class_name'] == 'Sequential', config['class_name']
    layers = config['config']['layers']
    assert layers[0]['class_name'] == 'InputLayer'
    g = f['model_weights']
    layer_names = names(g.attrs['layer_names'])
    assert layer_names == [l['config']['name'] for l in layers[1:]], layer_names
    assert len(set(layer_names)) == len(layer_names)

    case = json.load(open(case_path))
    latent = layers[0]['config']['batch_input_shape'][1]
    x = np.array(case['noise'], np.float64).reshape(case['count'], latent)
    for layer in layers[1:]:
        cls, cfg = layer['class_name'], layer['config']
        group = g[cfg['name']]
        weight_names = names(group.attrs['weight_names'])
        w = [np.array(g[cfg['name']][name], np.float64) for name in weight_names]
        for name in weight_names:
            assert name.startswith(cfg['name'] + '/') and name.endswith(':0'), name
            assert g[cfg['name']][name].dtype == np.float32
        if cls == 'Dense':
            assert [n.split('/')[-1] for n in weight_names] == ['kernel:0', 'bias:0'][:len(w)]
            assert w[0].shape == (x.shape[-1], cfg['units']), (cfg['name'], w[0].shape)
            x = x @ w[0] + (w[1] if cfg['use_bias'] else 0)
            x = activation(x, cfg['activation'])
        elif cls in ('Conv2D', 'Conv2DTranspose'):
            assert cfg['padding'] == 'same' and cfg['data_format'] == 'channels_last'
            k, s = cfg['kernel_size'][0], cfg['strides'][0]
            if cls == 'Conv2D':
                assert w[0].shape == (k, k, x.shape[-1], cfg['filters']), w[0].shape
                x = conv2d(x, w[0], s)
            else:
                assert w[0].shape == (k, k, cfg['filters'], x.shape[-1]), w[0].shape
                x = conv2d_transpose(x, w[0], s)
            x = activation(x + (w[1] if cfg['use_bias'] else 0), cfg['activation'])
        elif cls == 'BatchNormalization':
            assert [n.split('/')[-1] for n in weight_names] == ['gamma:0', 'beta:0', 'moving_mean:0', 'moving_variance:0']
            assert all(v.shape == (x.shape[-1],) for v in w)
            gamma, beta, mean, var = w
            x = gamma * (x - mean) / np.sqrt(var + cfg['epsilon']) + beta
        elif cls == 'LeakyReLU':
            assert not w
            x = np.where(x > 0, x, x * cfg['alpha'])
        elif cls == 'ReLU':
            x = np.maximum(x, 0)
        elif cls == 'Activation':
            x = activation(x, cfg['activation'])
        elif cls == 'Reshape':
            x = x.reshape((x.shape[0], *cfg['target_shape']))
        elif cls == 'Dropout':
            pass
        else:
            raise AssertionError('unknown layer ' + cls)
    out = x.reshape(case['count'], -1)
    expected = np.array(case['expected'], np.float64).reshape(out.shape)
    print(json.dumps({'maxAbsDiff': float(np.max(np.abs(out - expected))), 'layers': layer_names}))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
