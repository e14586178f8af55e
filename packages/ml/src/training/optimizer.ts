import * as tf from '@tensorflow/tfjs';
import type { Hyperparameters } from '../hyperparameters.js';

/**
 * One optimisation step with PyTorch's semantics for `weight_decay`: Adam and SGD add it to the
 * gradient (L2); AdamW decays the weights directly before the Adam update (decoupled), as
 * torch.optim.AdamW does. tfjs has no AdamW, hence this wrapper.
 */
export interface Stepper {
  step(loss: () => tf.Scalar): number;
  learningRate: number;
  dispose(): void;
}

export function createStepper(hp: Hyperparameters, variables: tf.Variable[]): Stepper {
  const lr = hp.learning_rate;
  const optimizer: tf.Optimizer = hp.optimizer === 'sgd' ? tf.train.sgd(lr) : tf.train.adam(lr, 0.9, 0.999, 1e-8);
  const decay = hp.weight_decay;
  return {
    learningRate: lr,
    step(loss) {
      return tf.tidy(() => {
        const { value, grads } = tf.variableGrads(loss, variables);
        if (decay > 0 && hp.optimizer === 'adamw') {
          for (const v of variables) v.assign(tf.mul(v, 1 - lr * decay));
        } else if (decay > 0) {
          for (const v of variables) grads[v.name] = tf.add(grads[v.name] as tf.Tensor, tf.mul(v, decay));
        }
        optimizer.applyGradients(grads);
        return value.dataSync()[0] as number;
      });
    },
    dispose() {
      optimizer.dispose();
    },
  };
}

/** Mean loss of a batch: MSE, or binary cross-entropy on sigmoid outputs (clipped like Keras). */
export function lossFunction(name: Hyperparameters['loss']): (target: tf.Tensor, output: tf.Tensor) => tf.Scalar {
  if (name === 'mse') return (t, o) => tf.mean(tf.squaredDifference(t, o)) as tf.Scalar;
  return (t, o) => {
    const p = tf.clipByValue(o, 1e-7, 1 - 1e-7);
    return tf.neg(tf.mean(tf.add(tf.mul(t, tf.log(p)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, p)))))) as tf.Scalar;
  };
}
