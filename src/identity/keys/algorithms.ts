/** Algorithms Mandate signs with. `none` and HMAC never appear: every key here is asymmetric. */
export const TOKEN_ALGS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'] as const;
export type TokenAlg = (typeof TOKEN_ALGS)[number];

/** JWT-SVID spec §3: RS, ES or PS family only (so never EdDSA). */
export const JWT_SVID_ALGS = ['ES256', 'ES384', 'RS256', 'PS256'] as const;
export type JwtSvidAlg = (typeof JWT_SVID_ALGS)[number];
