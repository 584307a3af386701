import { Http, type HttpOptions } from './http.js';

export interface AttestRequest {
  /** One-time join token from `mandate join-token create`. */
  joinToken?: string;
  /** Or a JWT from a trusted issuer (Kubernetes service-account token, CI OIDC token). */
  attestationJwt?: string;
  /** Audiences of the JWT-SVID to issue. */
  audience?: string | string[];
  jwtSvidTtlSeconds?: number;
  /** PEM CSR for an X.509-SVID. */
  csrPem?: string;
  x509SvidTtlSeconds?: number;
}

export interface AttestResponse {
  agent: string;
  spiffe_id: string;
  jwt_svid?: { token: string; expires_at: string };
  x509_svid?: { cert_chain: string[]; bundle: string[]; expires_at: string };
}

/**
 * Attests this agent instance and returns its SVIDs.
 *
 * @example
 * const { jwt_svid } = await attest({ url: 'http://127.0.0.1:8080', joinToken, audience: 'https://tools.example.org' });
 */
export async function attest(options: HttpOptions & AttestRequest): Promise<AttestResponse> {
  const http = new Http(options);
  return http.json('POST', '/v1/attest', {
    ...(options.joinToken ? { join_token: options.joinToken } : {}),
    ...(options.attestationJwt ? { attestation_jwt: options.attestationJwt } : {}),
    ...(options.audience
      ? {
          jwt_svid: {
            audience: options.audience,
            ...(options.jwtSvidTtlSeconds ? { ttl: options.jwtSvidTtlSeconds } : {}),
          },
        }
      : {}),
    ...(options.csrPem
      ? {
          x509_svid: {
            csr: options.csrPem,
            ...(options.x509SvidTtlSeconds ? { ttl: options.x509SvidTtlSeconds } : {}),
          },
        }
      : {}),
  });
}
