import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createNodeWebSocket } from '@hono/node-ws';
import { Hono } from 'hono';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { loadSecretBox } from './crypto/secret-box.js';
import { openDatabase } from './db/client.js';
import { createCluster, leaderOnly } from './cluster/cluster.js';
import { createEventBus } from './events.js';
import { createApp } from './http/app.js';
import { mountConsole } from './http/console.js';
import type { HubEnv } from './http/context.js';
import { answerClientErrors } from './http/header-limits.js';
import { createRateLimits } from './http/rate-limit.js';
import type { AnyRoute } from './http/route.js';
import { createLogger, createStdoutLogOutput, type Logger } from './logger.js';
import { createMailer } from './mail/mailer.js';
import { createAuthRepo } from './modules/auth/repo.js';
import { createAgentService } from './modules/agent/agent-service.js';
import { createAgentRepo } from './modules/agent/repo.js';
import { agentRoutes } from './modules/agent/routes.js';
import { authRoutes } from './modules/auth/routes.js';
import { createBillingService } from './modules/billing/billing-service.js';
import { createBillingRepo } from './modules/billing/repo.js';
import { billingRoutes } from './modules/billing/routes.js';
import { createPushService } from './modules/push/push-service.js';
import { createPushRepo } from './modules/push/repo.js';
import { pushRoutes } from './modules/push/routes.js';
import { createAuthService } from './modules/auth/auth-service.js';
import { createSessionService } from './modules/auth/session-service.js';
import { createMfaService } from './modules/mfa/mfa-service.js';
import { mfaRoutes } from './modules/mfa/routes.js';
import { createProfileService } from './modules/profile/profile-service.js';
import { profileRoutes } from './modules/profile/routes.js';
import { systemRoutes } from './modules/system/routes.js';
import { createSystemService } from './modules/system/system-service.js';
import { createDatasetsService } from './modules/datasets/datasets-service.js';
import { createDatasetEngine } from './modules/datasets/engine.js';
import { createDatasetsRepo } from './modules/datasets/repo.js';
import { datasetsRoutes } from './modules/datasets/routes.js';
import { createConnectService } from './modules/connectors/connect-service.js';
import { createPolicyService } from './modules/connectors/policy-service.js';
import { createConnectorsRepo } from './modules/connectors/repo.js';
import { connectorsRoutes } from './modules/connectors/routes.js';
import { createUsersRepo } from './modules/users/repo.js';
import { usersRoutes } from './modules/users/routes.js';
import { createUsersService } from './modules/users/users-service.js';
import { createEvaluationsService } from './modules/evaluations/evaluations-service.js';
import { createEvaluationsRepo } from './modules/evaluations/repo.js';
import { evaluationsRoutes } from './modules/evaluations/routes.js';
import { createLlm } from './modules/agent/llm.js';
import { createModelsService } from './modules/models/models-service.js';
import { createModelsRepo } from './modules/models/repo.js';
import { modelsRoutes } from './modules/models/routes.js';
import { createTrainingRepo } from './modules/training/repo.js';
import { trainingRoutes } from './modules/training/routes.js';
import { createTrainingService } from './modules/training/training-service.js';
import { mountTrainingSocket } from './modules/training/ws.js';
import { ensureHubDirs, hubPaths } from './paths.js';
import { createFleet } from './modules/fleet/fleet.js';
import { CONSOLE_SUBSCRIBE } from './mqtt/access.js';
import { createMqttBroker } from './mqtt/broker.js';
import type { DeviceLink } from './mqtt/device-link.js';
import { createExternalLink } from './mqtt/external-link.js';
import { mountMqttWebSocket } from './mqtt/websocket.js';
import { datasetSinkFrom } from './modules/fleet/dataset-sink.js';
import { createDeploymentsService } from './modules/deployments/deployments-service.js';
import { mailDeploymentNotices } from './modules/deployments/notices.js';
import { createDeploymentsRepo } from './modules/deployments/repo.js';
import { deploymentsRoutes } from './modules/deployments/routes.js';
import { loadDeploySigner } from './modules/deployments/signing.js';
import { watchRoutes } from './modules/deployments/watch-routes.js';
import { createPointsRepo } from './modules/points/repo.js';
import { createPointsService } from './modules/points/points-service.js';
import { pointsRoutes } from './modules/points/routes.js';
import { createDiagnosesService } from './modules/diagnoses/diagnoses-service.js';
import { createDiagnosesRepo } from './modules/diagnoses/repo.js';
import { diagnosesRoutes } from './modules/diagnoses/routes.js';
import { createDiagnoseRunner } from './modules/diagnoses/runner.js';
import { createRolloutsRepo } from './modules/rollouts/repo.js';
import { rolloutsRoutes } from './modules/rollouts/routes.js';
import { createRolloutsService } from './modules/rollouts/rollouts-service.js';
import { mountRolloutSocket } from './modules/rollouts/ws.js';

export interface HubOptions {
  logger?: Logger;
  clock?: Clock;
  /** Tests: check every JSON response against its documented schema. */
  strictResponses?: boolean;
}

/** A part of the hub with its own lifecycle (broker, training queue); started after HTTP listens, stopped before. */
export interface HubComponent {
  name: string;
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
}

/** Composes the hub in an explicit order: store, core services, domain modules, HTTP. */
export async function createHub(config: Config, options: HubOptions = {}) {
  const log = options.logger ?? createLogger(config.logLevel, createStdoutLogOutput(config.logMaxQueuedBytes));
  const clock = options.clock ?? systemClock;
  const paths = hubPaths(config.dataDir);
  ensureHubDirs(paths, { sqlite: !config.databaseUrl });
  const store = await openDatabase({ file: paths.database, url: config.databaseUrl });
  const { db } = store;
  const events = createEventBus((event, err) => log.error({ err, event }, 'event listener failed'));
  // Replicas on one PostgreSQL store share a leader, a message bus and locks; on SQLite the one process is all three.
  const cluster = createCluster({ ...config.cluster, log: log.child({ part: 'cluster', replicaId: config.cluster.replicaId }) });
  const secretBox = loadSecretBox(paths.keys);
  const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, outboxDir: paths.outbox, log });
  const app = new Hono<HubEnv>();
  const ws = createNodeWebSocket({ app });
  // ws buffers a whole message before anyone sees it (100 MiB by default): no message beyond an MQTT packet.
  ws.wss.options.maxPayload = config.mqtt.limits.maxPacketBytes;

  const usersRepo = createUsersRepo(db);
  const authRepo = createAuthRepo(db);
  const sessions = createSessionService({ authRepo, usersRepo, clock, bus: cluster.bus, sessionTtlMs: config.sessionTtlMs, mfaLoginTtlMs: config.mfaLoginTtlMs });
  const newUserTier = config.billing.defaultTier;
  // Replicas count logins and wrong passwords in PostgreSQL, so a limit holds across them.
  const limitStore = cluster.pgPool ? { pool: cluster.pgPool } : undefined;
  const auth = createAuthService({ authRepo, usersRepo, sessions, mailer, events, clock, log, publicUrl: config.publicUrl, newUserTier, limitStore });
  const mfa = createMfaService({ usersRepo, authRepo, sessions, secretBox, events, clock });
  const users = createUsersService({ usersRepo, sessions, events, clock, log, newUserTier });
  const profile = createProfileService({ usersRepo, clock });
  // Billing: subscriptions, Stripe, and the tier limits other modules enforce through billing.limits (see its README).
  const billing = createBillingService({ repo: createBillingRepo(db), usersRepo, settings: config.billing, events, mailer, clock, log, publicUrl: config.publicUrl });
  users.addCleanup((deletedUserId) => billing.cancelForDeletedUser(deletedUserId));
  // Push: Expo notifications for the hub's events (the user's push tokens go with the user by ON DELETE CASCADE).
  const push = createPushService({ repo: createPushRepo(db), usersRepo, events, clock, log, settings: config.push, leadership: cluster.leader });
  // Filled in as the hub is composed and started; read by /health/ready.
  const readiness: { started: boolean; externalLink?: { connected(): boolean } } = { started: false };
  const system = createSystemService({
    dataDir: config.dataDir, version: config.version, maxConcurrentTrainings: () => training.capacitySlots(),
    cluster: {
      replicaId: config.cluster.replicaId, role: config.cluster.role, store: config.databaseUrl ? 'postgresql' : 'sqlite', broker: config.mqtt.external ? 'external' : 'embedded',
      leader: () => cluster.leader.isLeader(), members: () => cluster.members(),
    },
    pingDatabase: () => store.ping(),
    // HTTP listens before the parts start: a replica reports ready only once its device link has subscribed, so a
    // deploy script or load balancer never sends agents to a hub whose broker would drop their messages.
    notReady: () => (!readiness.started ? 'starting'
      : readiness.externalLink?.connected() === false ? 'the external MQTT broker link is down (reconnecting)' : undefined),
  });

  // Datasets: DuckDB reads the stored files; uploads and connector imports share one create path.
  const datasetEngine = createDatasetEngine({ threads: config.datasets.engineThreads, memoryMb: config.datasets.engineMemoryMb, tmpDir: paths.uploadsTmp });
  const datasets = createDatasetsService({
    repo: createDatasetsRepo(db), engine: datasetEngine, clock, root: paths.datasets, tmpDir: paths.uploadsTmp, settings: config.datasets,
    keepLists: cluster.kind === 'single', lock: (key, fn) => cluster.withLock(`dataset:${key}`, fn),
  });
  users.addCleanup((deletedUserId, actorId) => datasets.handOver(deletedUserId, actorId));
  const outboundPolicy = createPolicyService({
    repo: createConnectorsRepo(db), clock, initial: { allow: config.connectors.outboundAllow, deny: config.connectors.outboundDeny },
  });
  const connectors = createConnectService({ datasets, policy: outboundPolicy, clock, log, settings: config.connectors });

  // Fleet: targets, enrollment, telemetry ingest and its hand-over to each target's dataset. Agents pin the
  // deployment signing key (created once under keys/) at enrollment.
  const deploySigner = loadDeploySigner(paths.keys);
  const fleet = createFleet({
    db, clock, log, enrollmentTtlMs: config.enrollmentTtlMs, deployPublicKey: deploySigner.publicKeyPem, lock: (key, fn) => cluster.withLock(key, fn),
    // Worker replicas take no device messages.
    othersConsuming: () => cluster.members().some((m) => m.replicaId !== cluster.replicaId && m.role !== 'worker'),
    // Half the shutdown limit: the parts stopped after it (the store) still get theirs.
    handoverStopBudgetMs: Math.floor(config.shutdownTimeoutMs / 2),
    mqttUrl: config.mqtt.publicUrl, mqttWsUrl: `${config.publicUrl.replace(/^http/, 'ws')}${config.mqtt.wsPath}`,
    datasets: datasetSinkFrom(datasets, createDatasetsRepo(db)),
    brokerHooks: {
      secret: config.mqtt.hookSecret,
      hubLogin: config.mqtt.external ? { username: config.mqtt.external.username, password: config.mqtt.external.password } : undefined,
    },
  });
  users.addCleanup((deletedUserId, actorId) => fleet.targets.handOver(deletedUserId, actorId));
  // The device side is one DeviceLink with one table of device leaves (fleet: telemetry; deployments:
  // deploy/status, inference). Embedded (default): aedes here, every CONNECT authenticated, every topic checked.
  // External (MQTT_URL): the hub is a client of that broker (shared subscriptions, dynamic security), and aedes
  // stays only for the console's MQTT over WebSocket, fed by the external link.
  const external = config.mqtt.external;
  const broker = createMqttBroker({
    config: config.mqtt, targets: fleet.targets, log: log.child({ part: 'edge-link' }), consoleOnly: external !== undefined,
    authenticateDevice: async (id, secret) => !external && (await fleet.enrollment.authenticateDevice(id, secret)) !== undefined,
    authenticateUser: sessions.authenticate,
    userMaySee: (user, id) => fleet.targets.visible(user, id).then(() => true, () => false),
  });
  const externalLink = external
    ? createExternalLink({
      settings: external, targets: fleet.targets, log: log.child({ part: 'edge-link' }),
      relay: { leaves: [...CONSOLE_SUBSCRIBE], publish: (topic, payload, retain) => broker.relay(topic, payload, retain) },
    })
    : undefined;
  const deviceLink: DeviceLink = externalLink ?? broker;
  fleet.attach(deviceLink);
  // Point maps: what each column is (Brick class, AFDD input, unit); an edge dataset reads its target's map.
  const points = createPointsService({
    repo: createPointsRepo(db), datasetsRepo: createDatasetsRepo(db), targets: fleet.targets, clock, publicUrl: config.publicUrl,
  });
  // Diagnoses: the Guideline 36 rules over a dataset's mapped columns, in a worker thread, one at a time.
  const diagnoses = createDiagnosesService({
    repo: createDiagnosesRepo(db), datasets, points, runner: createDiagnoseRunner({ idleMs: 60_000 }), clock, log,
  });

  // Tier limits on every dataset create path (uploads and connector imports): how many, and how large.
  billing.limits.registerCounter('max_datasets', createDatasetsRepo(db).countByOwner);
  datasets.addCreateCheck(async ({ ownerId, sizeBytes }) => {
    await billing.limits.assertCanAdd(ownerId, 'max_datasets');
    await billing.limits.assertSize(ownerId, sizeBytes);
  });
  // PrometheusForge: a configured language model, else the local analyst; conversations cascade with their user.
  const agent = createAgentService({ repo: createAgentRepo(db), datasets, limits: billing.limits, settings: config.agent, clock, log });

  // Training, models and evaluations: runs in worker threads behind a FIFO queue (TRAINING_MAX_CONCURRENT),
  // models as files under <data dir>/models/<id>/ plus a row, evaluations with the Gradient review.
  const models = createModelsService({ repo: createModelsRepo(db), root: paths.models, clock, log });
  const evaluations = createEvaluationsService({
    repo: createEvaluationsRepo(db), models, datasets, limits: billing.limits, llm: config.agent.llm ? createLlm(config.agent.llm) : undefined, clock, log,
    alarmRules: diagnoses.annotateAlarms,
  });
  diagnoses.attachModelScoring({ row: models.row, alarms: evaluations.modelAlarms });
  const training = createTrainingService({
    repo: createTrainingRepo(db, store.dialect), datasets, models, evaluations, limits: billing.limits, events, clock, log, cluster,
    maxConcurrent: config.training.maxConcurrent, leaseMs: config.training.leaseMs, pollMs: config.cluster.pollMs, shutdownGraceMs: Math.floor(config.shutdownTimeoutMs / 2),
  });
  datasets.addDeleteGuard((datasetId) => training.datasetInUse(datasetId));
  billing.limits.registerCounter('max_concurrent_trainings', training.countActive);
  billing.limits.registerCounter('max_models', models.countByOwner);
  system.registerCounter('active_training_runs', training.countRunning);
  system.registerCounter('total_models', models.countAll);
  users.addCleanup(async (deletedUserId, actorId) => {
    await training.handOver(deletedUserId, actorId);
    await models.handOver(deletedUserId, actorId);
    await evaluations.handOver(deletedUserId, actorId);
  });

  // Deployments: a model compiled, quantized, packaged and signed here, sent over MQTT, verified and run by the agent.
  const deployments = createDeploymentsService({
    repo: createDeploymentsRepo(db), db, models, targets: fleet.targets, points, broker: deviceLink, signer: deploySigner, limits: billing.limits,
    events, clock, log, settings: config.deployments, root: paths.deployments,
    lock: (key, fn) => cluster.withLock(`deployment-create:${key}`, fn), leadership: cluster.leader,
    replicas: { self: cluster.replicaId, live: () => cluster.members().map((m) => m.replicaId) },
  });
  billing.limits.registerCounter('max_deployments', deployments.countActive);
  system.registerCounter('total_deployments', deployments.countAll);
  models.addDeleteGuard((modelId) => deployments.modelInUse(modelId));
  users.addCleanup((deletedUserId, actorId) => deployments.handOver(deletedUserId, actorId));
  mailDeploymentNotices({ events, usersRepo, mailer, log });
  // Rollouts: one model to many targets in waves, through ordinary deployments; the engine resumes from the store.
  const rollouts = createRolloutsService({
    repo: createRolloutsRepo(db), deployments, targets: fleet.targets, models, usersRepo, limits: billing.limits, edgeBuildDir: config.deployments.edgeBuildDir,
    isOnline: (id) => deviceLink.isOnline(id), bus: cluster.bus, withLock: (key, fn) => cluster.withLock(key, fn), clock, log,
    tickMs: config.deployments.rolloutTickMs,
  });
  users.addCleanup((deletedUserId, actorId) => rollouts.handOver(deletedUserId, actorId));

  const components: HubComponent[] = [];
  components.push(push.component);
  components.push({ name: 'datasets', start: () => datasets.start(), stop: () => datasetEngine.close() });
  // Broker after the fleet: it stops first, so no telemetry arrives while the hand-over settles.
  components.push(fleet.component, broker, ...(deviceLink === broker ? [] : [deviceLink]));
  // After datasets: stopped before the engine closes, so a diagnosis reading data ends first.
  components.push(diagnoses.component);
  // After the broker: recovery offers waiting packages to agents as they reconnect.
  components.push(deployments.component);
  // After deployments (it creates them); one engine per store: a replicated hub starts it on its leader only.
  components.push(leaderOnly(cluster, rollouts.component, log));
  // Stopped in reverse: training first (its workers stop and keep their best weights), then pending reviews.
  components.push(evaluations.component, training.component);
  // A worker process trains (and scores what it trained); it answers only health and metrics over HTTP.
  const worker = config.cluster.role === 'worker';
  const workerParts = new Set(['datasets', 'evaluations', 'training']);
  if (worker) components.splice(0, components.length, ...components.filter((c) => workerParts.has(c.name)));
  // A worker never starts the device link: its readiness is its parts alone.
  readiness.externalLink = worker ? undefined : externalLink;
  const routes: AnyRoute[] = worker ? systemRoutes(system) : [
    ...systemRoutes(system),
    ...authRoutes({ auth, mfa, usersRepo, trustProxy: config.trustProxy }),
    ...mfaRoutes(mfa),
    ...profileRoutes(profile),
    ...usersRoutes(users),
    ...connectorsRoutes(connectors, outboundPolicy),
    ...datasetsRoutes(datasets),
    ...pointsRoutes(points),
    ...diagnosesRoutes(diagnoses),
    ...billingRoutes(billing),
    ...pushRoutes(push),
    ...agentRoutes(agent),
    ...trainingRoutes(training),
    ...modelsRoutes(models),
    ...evaluationsRoutes(evaluations),
    // Before any future /api/v1/deployments/:id route, so `targets` is never taken for an id.
    ...fleet.routes,
    // After the fleet's /api/v1/deployments/targets... routes (deployments.test.ts checks the order).
    ...deploymentsRoutes(deployments),
    ...rolloutsRoutes(rollouts),
    ...watchRoutes(deployments),
  ];

  createApp(app, routes, {
    log, version: config.version, authenticate: sessions.authenticate, trustProxy: config.trustProxy,
    rateLimits: createRateLimits({ login: config.rateLimits.loginPerMin, api: config.rateLimits.apiPerMin, agent: config.rateLimits.agentPerMin }, limitStore),
    defaultBodyLimit: config.bodyLimitBytes, strictResponses: options.strictResponses ?? false,
  });
  if (!worker) {
    mountMqttWebSocket(app, ws.upgradeWebSocket, { broker, path: config.mqtt.wsPath, trustProxy: config.trustProxy });
    // The admin console at `/` (apps/hub/web/dist); API, WebSocket, health and MQTT paths never fall back to it.
    mountConsole(app);
    mountTrainingSocket(app, ws.upgradeWebSocket, { authenticate: sessions.authenticate, training });
    mountRolloutSocket(app, ws.upgradeWebSocket, { authenticate: sessions.authenticate, rollouts });
  }

  let server: ServerType | undefined;
  const services = { cluster, auth, mfa, users, profile, system, sessions, usersRepo, mailer, events, secretBox, datasets, connectors, outboundPolicy, fleet, broker, deviceLink, billing, push, agent, training, models, evaluations, deployments, points, diagnoses, rollouts };

  return {
    app, config, log, paths, store, services, routes, clock, upgradeWebSocket: ws.upgradeWebSocket,

    /** Prepares state (first admin), listens, then starts the components. Resolves with the bound port. */
    async start(): Promise<number> {
      await users.ensureBootstrapAdmin(config.adminPassword);
      server = await new Promise<ServerType>((resolve) => {
        const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
      });
      ws.injectWebSocket(server);
      answerClientErrors(server);
      await cluster.start();
      for (const component of components) await component.start?.();
      readiness.started = true;
      const port = (server.address() as AddressInfo).port;
      log.info({ port, dataDir: config.dataDir, version: config.version, role: config.cluster.role, replicaId: config.cluster.replicaId, store: cluster.kind }, 'hub listening');
      return port;
    },

    /** Stops taking requests, lets in-flight ones finish, stops components in reverse, closes the store. */
    async stop(): Promise<void> {
      readiness.started = false;
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          if ('closeIdleConnections' in s) s.closeIdleConnections();
        });
      }
      for (const component of [...components].reverse()) await component.stop?.();
      await cluster.stop();
      mailer.close();
      await store.close();
      log.info('hub stopped');
    },
  };
}

export type Hub = Awaited<ReturnType<typeof createHub>>;
