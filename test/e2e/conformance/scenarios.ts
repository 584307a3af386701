// The `server` scenarios of @modelcontextprotocol/conformance 0.1.16 (`conformance list --server`),
// in the CLI's order. `--suite all` runs all 32; the default "active" suite leaves out the two
// marked pending.

export const SCENARIOS = [
  'server-initialize',
  'logging-set-level',
  'ping',
  'completion-complete',
  'tools-list',
  'tools-call-simple-text',
  'tools-call-image',
  'tools-call-audio',
  'tools-call-embedded-resource',
  'tools-call-mixed-content',
  'tools-call-with-logging',
  'tools-call-error',
  'tools-call-with-progress',
  'tools-call-sampling',
  'tools-call-elicitation',
  'json-schema-2020-12', // pending in 0.1.16
  'elicitation-sep1034-defaults',
  'server-sse-polling', // pending in 0.1.16
  'server-sse-multiple-streams',
  'elicitation-sep1330-enums',
  'resources-list',
  'resources-read-text',
  'resources-read-binary',
  'resources-templates-read',
  'resources-subscribe',
  'resources-unsubscribe',
  'prompts-list',
  'prompts-get-simple',
  'prompts-get-with-args',
  'prompts-get-embedded-resource',
  'prompts-get-with-image',
  'dns-rebinding-protection',
] as const;

export type Scenario = (typeof SCENARIOS)[number];
