/** The agent's version, reported in its status heartbeat and at enrollment. */
export const AGENT_VERSION = '0.1.0';
