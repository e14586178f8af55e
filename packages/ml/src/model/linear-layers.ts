import * as tf from '@tensorflow/tfjs';
import type { LinearStage } from './linear-stage.js';

/** x [N, T, F] -> (x - offset) @ residual: what the frozen linear stage leaves (linear-stage.ts). Never trained. */
export class LinearResidual extends tf.layers.Layer {
  static readonly className = 'PrometheusLinearResidual';
  private readonly stage: LinearStage;
  private offset?: tf.LayerVariable;
  private matrix?: tf.LayerVariable;

  constructor(args: { stage: LinearStage; name: string }) {
    super({ name: args.name, trainable: false });
    this.stage = args.stage;
  }

  override build(): void {
    const F = this.stage.offset.length;
    this.offset = this.addWeight('offset', [F], 'float32', tf.initializers.zeros(), undefined, false);
    this.matrix = this.addWeight('residual', [F, F], 'float32', tf.initializers.zeros(), undefined, false);
    this.offset.write(tf.tensor1d(this.stage.offset));
    this.matrix.write(tf.tensor2d(this.stage.residual, [F, F]));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
    return tf.tidy(() => {
      const [n, t, f] = x.shape;
      const centred = tf.sub(x, this.offset!.read()).reshape([n * t, f]);
      return tf.matMul(centred, this.matrix!.read()).reshape([n, t, f]);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), components: this.stage.components };
  }
}

/** [x, residual, correction] -> x - residual + correction: the linear reconstruction plus the LSTM's correction. */
export class AddCorrection extends tf.layers.Layer {
  static readonly className = 'PrometheusAddCorrection';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [x, residual, correction] = inputs as tf.Tensor[];
    return tf.tidy(() => tf.add(tf.sub(x!, residual!), correction!));
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return (inputShape as tf.Shape[])[0] as tf.Shape;
  }
}

tf.serialization.registerClass(LinearResidual);
tf.serialization.registerClass(AddCorrection);

/** The linear reconstruction of a batch, for the correction penalty: x - (x - offset) @ residual. */
export function linearReconstruction(stage: LinearStage, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const F = stage.offset.length;
    const shape = x.shape;
    const flat = x.reshape([-1, F]);
    const r = tf.matMul(tf.sub(flat, tf.tensor1d(stage.offset)), tf.tensor2d(stage.residual, [F, F]));
    return tf.sub(flat, r).reshape(shape);
  });
}
