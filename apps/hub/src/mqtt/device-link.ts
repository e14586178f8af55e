import type { DeviceTopic } from '@prometheus/protocol';

// The device side of the hub, whichever broker carries it: the embedded aedes (broker.ts) or an external
// broker the hub is a client of (external-link.ts). Services (fleet, deployments) see only this.

/** Handles a message a device published on its own subtree (the broker has checked the topic). */
export type DeviceMessageHandler = (deviceId: string, payload: Buffer) => void | Promise<void>;

export interface DeviceRouteOptions { beforeAck?: boolean; everyReplica?: boolean }

export interface DeviceLink {
  name: string;
  /** `embedded`: aedes in this process; `external`: a client of MQTT_URL. */
  readonly kind: 'embedded' | 'external';
  /**
   * Adds a row to the table of device leaves (`telemetry`, `deploy/status`, `inference`). `beforeAck` handlers
   * finish before the message is acknowledged to the broker (a rejection refuses it); the others after.
   * `everyReplica` handlers get a copy of every such message on every replica (a non-shared subscription), for
   * state one replica holds in memory (a deployment transfer): each must act only on what its replica holds.
   */
  onDeviceMessage(leaf: string, handler: DeviceMessageHandler, opts?: DeviceRouteOptions): void;
  publishToDevice(deviceId: string, leaf: DeviceTopic, payload: unknown, opts?: { qos?: 0 | 1; retain?: boolean }): Promise<void>;
  /** Enrollment issued these credentials: make the broker accept them (nothing to do on the embedded broker). */
  provisionDevice(deviceId: string, secret: string): Promise<void>;
  /** Revocation: the broker refuses the credentials from now on and drops the device's session at once. */
  revokeDevice(deviceId: string): Promise<void>;
  isOnline(deviceId: string): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}
