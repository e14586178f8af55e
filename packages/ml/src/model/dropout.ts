import * as tf from '@tensorflow/tfjs';

/**
 * Dropout whose masks come from a seed plus a call counter: reproducible across runs with the same
 * seed, yet a fresh mask every batch (tf.layers.dropout with a fixed seed repeats one mask forever).
 */
export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'PrometheusSeededDropout';
  private readonly rate: number;
  private readonly seed: number;
  private calls = 0;

  constructor(args: { rate: number; seed: number; name: string }) {
    super({ name: args.name });
    this.rate = args.rate;
    this.seed = args.seed;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    if (!kwargs.training || this.rate <= 0) return x;
    this.calls += 1;
    return tf.dropout(x, this.rate, undefined, this.seed * 7919 + this.calls);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

tf.serialization.registerClass(SeededDropout);
