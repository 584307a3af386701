/**
 * How Mandate should see this agent's local tools: what each one touches. An operator registers
 * them once (`PUT /v1/tools/<server>`, admin token); policies decide on these attributes.
 * `crm/lookup` returns confidential data; `mail/send` writes to the address in `to`, which Mandate
 * reads as a destination (external unless it is in the trust domain).
 */
export const CATALOG = {
  crm: {
    tools: [
      {
        name: 'lookup',
        description: 'Find a customer by email',
        inputSchema: {
          type: 'object',
          properties: { email: { type: 'string' } },
          required: ['email'],
        },
      },
    ],
    // `extractors: []`: the `email` argument is a lookup key, not a recipient. Without it Mandate
    // would read any argument named `email` as a destination, and a lookup by an outside address
    // would count as reaching outside.
    annotations: {
      lookup: {
        sideEffect: 'read',
        classification: 'confidential',
        destinations: [],
        extractors: [],
      },
    },
  },
  mail: {
    tools: [
      {
        name: 'send',
        description: 'Send an email',
        inputSchema: {
          type: 'object',
          properties: {
            to: { type: 'string' },
            subject: { type: 'string' },
            body: { type: 'string' },
          },
          required: ['to', 'subject', 'body'],
        },
      },
    ],
    annotations: {
      send: {
        sideEffect: 'write',
        classification: 'public',
        extractors: [{ path: 'to', kind: 'email' }],
      },
    },
  },
} as const;

/** The scopes the agent needs for these tools: `tool:<server>/<tool>`. */
export const SCOPES = ['tool:crm/lookup', 'tool:mail/send'];
