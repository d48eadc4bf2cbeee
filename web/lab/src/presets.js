// One-click experiments for the articles' claims, each with the sentence saying what to watch.
export const PRESETS = {
  vanishing: {
    title: "Vanishing gradients (deep sigmoid)",
    watch: "Watch the gradient-norm bars: each sigmoid layer multiplies the gradient by at most ¼, so the first layer's bar is thousands of times shorter than the last and barely learns.",
    config: { data: "circles", layers: Array(10).fill(8), acts: Array(10).fill("sigmoid"), init: "glorot_uniform", bias: 0, loss: "binary_cross_entropy", opt: "sgd", lr: 0.3, batch: 10, l1: 0, l2: 0, clip: 0 },
  },
  dying: {
    title: "Dying ReLU (large learning rate)",
    watch: "Watch the dead-unit counts: oversized updates push ReLU units below zero for every input; their gradient is then exactly 0, they never come back, and the loss stalls.",
    config: { data: "spirals", layers: [16, 16, 16], acts: ["relu", "relu", "relu"], init: "he_normal", bias: 0, loss: "binary_cross_entropy", opt: "sgd", lr: 0.8, batch: 10, l1: 0, l2: 0, clip: 0 },
  },
  leaky: {
    title: "Leaky ReLU rescues the dead units",
    watch: "Same network and learning rate as the dying-ReLU preset, but with Leaky ReLU: the negative side keeps a slope α, so the dead-unit counts stay at 0 and the loss keeps falling.",
    config: { data: "spirals", layers: [16, 16, 16], acts: ["leaky_relu", "leaky_relu", "leaky_relu"], init: "he_normal", bias: 0, loss: "binary_cross_entropy", opt: "sgd", lr: 0.8, batch: 10, l1: 0, l2: 0, clip: 0 },
  },
  xavier: {
    title: "Deep ReLU with Glorot (Xavier) init",
    watch: "Glorot's variance suits tanh, not ReLU: in this 20-layer ReLU net the signal halves layer after layer, the deep layers' pre-activation histograms collapse to a spike at 0 and the loss stays at log 2. Compare with the He preset.",
    config: { data: "moons", layers: Array(20).fill(16), acts: Array(20).fill("relu"), init: "glorot_uniform", bias: 0, loss: "binary_cross_entropy", opt: "sgd", lr: 0.01, batch: 10, l1: 0, l2: 0, clip: 0 },
  },
  he: {
    title: "Deep ReLU with He init",
    watch: "He's variance 2/fan-in keeps the signal's scale through all 20 ReLU layers: the histograms stay wide and the loss falls where the Glorot run stalled.",
    config: { data: "moons", layers: Array(20).fill(16), acts: Array(20).fill("relu"), init: "he_normal", bias: 0, loss: "binary_cross_entropy", opt: "sgd", lr: 0.01, batch: 10, l1: 0, l2: 0, clip: 0 },
  },
  exploding: {
    title: "Exploding gradients (no clipping)",
    watch: "Watch the loss and the gradient bars: with a deep ReLU net, squared error and a large step, each update overshoots, the gradients grow, and within a few steps the loss overflows and training stops (diverged).",
    config: { data: "plane", layers: Array(6).fill(16), acts: Array(6).fill("relu"), init: "he_normal", bias: 0.1, loss: "sse", opt: "sgd", lr: 0.5, batch: 10, l1: 0, l2: 0, clip: 0, noise: 0.1 },
  },
  clipping: {
    title: "Gradient clipping tames the explosion",
    watch: "Same run as the exploding preset with the global gradient norm clipped at 1: the steps stay bounded and the loss comes down instead of overflowing.",
    config: { data: "plane", layers: Array(6).fill(16), acts: Array(6).fill("relu"), init: "he_normal", bias: 0.1, loss: "sse", opt: "sgd", lr: 0.5, batch: 10, l1: 0, l2: 0, clip: 1, noise: 0.1 },
  },
};
