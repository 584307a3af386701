/**
 * The JWS algorithms Mandate accepts, by use. Only asymmetric signatures: `none` and every HMAC
 * are never on a list (RFC 8725 §3.1; an HMAC "verified" with a public key is the classic
 * algorithm-confusion forgery).
 */

const RSA = ['RS256', 'RS384', 'RS512'];
const RSA_PSS = ['PS256', 'PS384', 'PS512'];
const ECDSA = ['ES256', 'ES384', 'ES512'];

/** RFC 7518 §3.1's asymmetric algorithms and RFC 8037 `EdDSA`: for tokens from issuers outside Mandate (attestation, SETs). */
export const SIGNATURE_ALGORITHMS: readonly string[] = [...RSA, ...RSA_PSS, ...ECDSA, 'EdDSA'];

/** SPIFFE JWT-SVID §3: the algorithms a JWT-SVID may be signed with (client assertions included). */
export const JWT_SVID_ALGORITHMS: readonly string[] = [...RSA, ...ECDSA, ...RSA_PSS];

/** What an access-token verifier may be configured to accept: the above, the fully specified `Ed25519`, and ML-DSA. */
export const ACCESS_TOKEN_ALGORITHMS: readonly string[] = [
  ...SIGNATURE_ALGORITHMS,
  'Ed25519',
  'ML-DSA-44',
  'ML-DSA-65',
  'ML-DSA-87',
];

/** An access-token verifier's default; RS256 is on it because RFC 9068 §4 says resource servers MUST support it. */
export const DEFAULT_ACCESS_TOKEN_ALGORITHMS: readonly string[] = [
  'ES256',
  'ES384',
  'PS256',
  'RS256',
  'EdDSA',
];

/**
 * Asymmetric JWS algorithms a DPoP proof may use (RFC 9449 §4.2); `Ed25519` is the fully
 * specified name (what oauth4webapi sends).
 *
 * @example
 * mandateExpress({ verifier, dpopAlgorithms: DPOP_ALGORITHMS.filter((a) => a.startsWith('ES')) });
 */
export const DPOP_ALGORITHMS: readonly string[] = [
  ...ECDSA,
  ...RSA_PSS,
  ...RSA,
  'EdDSA',
  'Ed25519',
];
