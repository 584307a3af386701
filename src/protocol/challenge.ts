import { quotedDescription, quotedString } from './auth-param.js';
import type { RequestVerificationCode } from './errors.js';

/** How a resource server describes itself in its `WWW-Authenticate` challenges. */
export interface ChallengeOptions {
  /** RFC 6750 §3 `realm`. */
  realm?: string | undefined;
  /** RFC 9728 §5.1: the URL of this resource's protected resource metadata. */
  resourceMetadata?: string | undefined;
  /** RFC 9449 §7.1 `algs`: the DPoP proof algorithms accepted. */
  dpopAlgorithms: readonly string[];
  /** When true, only the DPoP challenge is offered. */
  requireDpop: boolean;
}

/** What a refusal puts in the challenge of the scheme the request used. */
export interface ChallengeError {
  scheme: 'Bearer' | 'DPoP';
  code: RequestVerificationCode;
  description: string;
  /** RFC 6750 §3 `scope`: the scopes the request needs (with `insufficient_scope`, or on a request without credentials). */
  scope?: string;
}

/**
 * The `WWW-Authenticate` value every enforcement point sends: a Bearer challenge (unless DPoP is
 * required) and a DPoP challenge with `algs`; the error goes in the challenge of the scheme the
 * request used. RFC 6750 §3.1: a request without credentials gets challenges without an error
 * code (with the `scope` it needs, when the resource says). `resource_metadata` comes right after `realm`, before anything built from input: some
 * clients take the first `resource_metadata=` they find, even inside another value.
 *
 * @example
 * challenge({ dpopAlgorithms: ['ES256'], requireDpop: false }) // 'Bearer, DPoP algs="ES256"'
 */
export function challenge(opts: ChallengeOptions, error?: ChallengeError): string {
  const schemes: ('Bearer' | 'DPoP')[] = opts.requireDpop ? ['DPoP'] : ['Bearer', 'DPoP'];
  // With DPoP required there is no Bearer challenge to carry an error about a Bearer request.
  const target = opts.requireDpop ? 'DPoP' : error?.scheme;
  return schemes
    .map((scheme) => {
      const params: string[] = [];
      if (opts.realm !== undefined) params.push(`realm=${quotedString(opts.realm)}`);
      if (opts.resourceMetadata !== undefined)
        params.push(`resource_metadata=${quotedString(opts.resourceMetadata)}`);
      if (error && target === scheme) {
        if (error.code !== 'missing_token')
          params.push(
            `error="${error.code}"`,
            `error_description=${quotedDescription(error.description)}`,
          );
        // RFC 6750 §3: `scope` may come without an error code, e.g. on a request without credentials.
        if (error.scope !== undefined) params.push(`scope=${quotedString(error.scope)}`);
      }
      if (scheme === 'DPoP') params.push(`algs=${quotedString(opts.dpopAlgorithms.join(' '))}`);
      return params.length === 0 ? scheme : `${scheme} ${params.join(', ')}`;
    })
    .join(', ');
}
