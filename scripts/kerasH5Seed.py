"""Writes the Keras scripts' seed generator with random weights as Keras 2 writes it, with h5py.

Usage: kerasH5Seed.py OUT.h5 [--weights-only] [--seed=N]
--seed draws other weights (default 5), as the generators of different epochs have.
The layout is the one model.save("x.h5") (or model.save_weights) produces in Keras 2, as the
README's "Coming from the Keras scripts" describes it. Keras itself is not needed.
"""
import json
import sys

import h5py
import numpy as np

LAYERS = [('dense', 'Dense', 256), ('leaky_re_lu', 'LeakyReLU', None), ('dense_1', 'Dense', 512),
          ('leaky_re_lu_1', 'LeakyReLU', None), ('dense_2', 'Dense', 1024), ('leaky_re_lu_2', 'LeakyReLU', None),
          ('dense_3', 'Dense', 784)]


def config():
    layers = [{'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 100], 'dtype': 'float32',
                                                      'sparse': False, 'ragged': False, 'name': 'input_1'}}]
    for name, cls, units in LAYERS:
        cfg = {'name': name, 'trainable': True, 'dtype': 'float32'}
        if cls == 'Dense':
            cfg.update(units=units, activation='tanh' if name == 'dense_3' else 'linear', use_bias=True,
                       kernel_initializer={'class_name': 'GlorotUniform', 'config': {'seed': None}},
                       bias_initializer={'class_name': 'Zeros', 'config': {}})
            if name == 'dense':
                cfg['batch_input_shape'] = [None, 100]
        else:
            cfg['alpha'] = 0.2
        layers.append({'class_name': cls, 'config': cfg})
    return {'class_name': 'Sequential', 'config': {'name': 'sequential', 'layers': layers}}


def main(out, weights_only, seed=5):
    rng = np.random.default_rng(seed)
    f = h5py.File(out, 'w')
    if weights_only:
        g = f
    else:
        f.attrs['keras_version'] = b'2.13.1'
        f.attrs['backend'] = b'tensorflow'
        f.attrs['model_config'] = json.dumps(config()).encode('utf8')
        f.attrs['training_config'] = json.dumps({'loss': 'binary_crossentropy'}).encode('utf8')
        g = f.create_group('model_weights')
    g.attrs['layer_names'] = np.array([n.encode('utf8') for n, _, _ in LAYERS])
    g.attrs['backend'] = b'tensorflow'
    g.attrs['keras_version'] = b'2.13.1'
    width = 100
    for name, cls, units in LAYERS:
        layer = g.create_group(name)
        if cls != 'Dense':
            layer.attrs['weight_names'] = np.array([])
            continue
        layer.attrs['weight_names'] = np.array([f'{name}/kernel:0'.encode(), f'{name}/bias:0'.encode()])
        layer.create_dataset(f'{name}/kernel:0', data=(rng.standard_normal((width, units)) / np.sqrt(width)).astype(np.float32))
        layer.create_dataset(f'{name}/bias:0', data=(0.1 * rng.standard_normal(units)).astype(np.float32))
        width = units
    f.close()


if __name__ == '__main__':
    seeds = [int(a.split('=', 1)[1]) for a in sys.argv[2:] if a.startswith('--seed=')]
    main(sys.argv[1], '--weights-only' in sys.argv[2:], seeds[-1] if seeds else 5)
