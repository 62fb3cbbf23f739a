// An ireg plugin: a logit-norm penalty with its own option, and a small model.
//
//   ireg train --plugin examples/plugin/logit-norm.js --method logit-norm --logit-target 2 \
//     --model tiny-mlp --dataset synthetic --steps 50
//
// The penalty of a micro-batch M with logits z_i is R = mean_i (|z_i| - t)^2: it pulls the length
// of each example's logit vector towards t (--logit-target). The step adds lambda * R to the loss
// (--lambda, default 0.01 as for every penalty method) and differentiates it by autograd.
import { checks, definePlugin, nn } from 'ireg';

/** Flatten, one hidden layer of 32 ReLU units, then the classes: a model small enough for any CPU. */
class TinyMLP extends nn.Module {
  constructor({ inputShape, numClasses }) {
    super();
    const inputs = inputShape.reduce((a, b) => a * b, 1);
    this.flatten = this.registerModule('flatten', new nn.Flatten());
    this.net = this.registerModule(
      'net',
      new nn.Sequential(new nn.Linear(inputs, 32), new nn.ReLU(), new nn.Linear(32, numClasses)),
    );
  }

  forward(x) {
    return this.net.forward(this.flatten.forward(x));
  }
}

export default definePlugin({
  name: 'logit-norm',
  options: {
    // A flag --logit-target <t>, checked (a number in [0, 100]), in --help, in grid files as logit-target.
    logitTarget: { schema: checks.real(0, 100).default(1), arg: '<t>', help: 'logit-norm: the logit length t' },
  },
  penalties: {
    // Intermediate tensors are freed by the step (it runs the penalty inside a tidy scope).
    'logit-norm': {
      compute: ({ logits }, settings) => logits.norm(2, 1).sub(settings.logitTarget).square().mean(),
    },
  },
  methods: {
    'logit-norm': {
      penalty: 'logit-norm',
      description: 'large batch + lambda * mean (|logits| - t)^2, t = --logit-target',
    },
  },
  models: {
    'tiny-mlp': (o) => new TinyMLP(o),
  },
});
