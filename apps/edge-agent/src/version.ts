/** Injected by the edge build (toolchains/edge, esbuild define): the version it stamped (--agent-version). */
declare const __PROMETHEUS_EDGE_BUILD__: { version: string } | undefined;

/** The package's own version: what the agent reports when it runs from source (tsx) rather than a build. */
export const SOURCE_VERSION = '0.1.0';

/** The agent's version, reported in its status heartbeat and at enrollment, and compared on self-update. */
export const AGENT_VERSION: string = typeof __PROMETHEUS_EDGE_BUILD__ !== 'undefined' ? __PROMETHEUS_EDGE_BUILD__.version : SOURCE_VERSION;
