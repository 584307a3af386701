import { findDuplicateKey } from '../../../core/json-duplicates.js';
import { end, next, type End, type Next } from '../../core/steps.js';
import type { Matched, Read, Refusal } from '../context.js';
import {
  hasMethodParam,
  hasMethodPart,
  isMethodParam,
  METHOD_PARAM,
  overrideRefusal,
} from './override.js';

/**
 * `body`: a JSON request body (`application/json` or `application/*+json`) is read, up to the
 * service's `maxJsonBytes`, so that the decision sees it (`body`) and the upstream gets exactly
 * those bytes. A url-encoded or multipart form is read the same way (the decision does not see
 * it; a larger one is refused 413 like json) so that a `_method` field, which frameworks read as
 * the request's method, is refused, as is a json body's top-level `_method` member (./override.ts)
 * and a json body with a key given twice.
 * Any other body is not read here: it streams to the upstream once the request is allowed, and
 * the decision sees no `body`. A JSON body that does not parse, or a read body that is
 * content-encoded (it could not be checked), is refused rather than forwarded unseen.
 */

const JSON_MEDIA = /^application\/(?:[A-Za-z0-9!#$&^_.+-]+\+)?json$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The media type of a `Content-Type` value, without its parameters. */
function mediaOf(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim();
}

export function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && JSON_MEDIA.test(mediaOf(contentType));
}

const FORM_MEDIA = /^(?:application\/x-www-form-urlencoded|multipart\/form-data)$/i;

export async function body<C extends Matched>(call: C): Promise<Next<C & Read> | End<Refusal>> {
  const { req, service } = call;
  const contentType = req.headers['content-type'];
  if (contentType === undefined) return next({ ...call, json: undefined });
  const form = FORM_MEDIA.test(mediaOf(contentType));
  if (!form && !isJson(contentType)) return next({ ...call, json: undefined });
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity')
    return end({
      code: 'unsupported_content_encoding',
      detail: `send ${form ? 'form' : 'json'} request bodies without a content-encoding: mandate reads them`,
      outcome: 'bad_request',
      reason: 'body',
    });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > service.maxJsonBytes)
      return end({
        code: 'body_too_large',
        detail: `${form ? 'form' : 'json'} request bodies to \`${service.name}\` are limited to ${service.maxJsonBytes} bytes`,
        outcome: 'bad_request',
        reason: 'body',
        headers: { connection: 'close' },
      });
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks, size);
  if (form) {
    const multipart = mediaOf(contentType).toLowerCase() === 'multipart/form-data';
    const field = multipart
      ? hasMethodPart(contentType, bytes)
      : hasMethodParam(new URLSearchParams(bytes.toString('latin1')));
    if (field) return end(overrideRefusal(`the \`${METHOD_PARAM}\` form field`));
    // Forwarded as the same bytes; `value` stays undefined: the decision sees no form body.
    return next({ ...call, json: { bytes, value: undefined } });
  }
  if (size === 0) return next({ ...call, json: { bytes, value: undefined } });
  let text: string;
  let value: unknown;
  try {
    text = utf8.decode(bytes);
    value = JSON.parse(text);
  } catch {
    return end({
      code: 'invalid_json',
      detail: 'the request says it is json but its body does not parse as utf-8 json',
      outcome: 'bad_request',
      reason: 'body',
    });
  }
  // The decision reads the last of two equal keys, the upstream's parser may read the first.
  const dup = findDuplicateKey(text);
  if (dup)
    return end({
      code: 'invalid_json',
      detail: `the json body has the key \`${dup.key.slice(0, 80)}\` twice in \`${dup.path.slice(0, 200)}\`; a body with duplicate keys has more than one reading`,
      outcome: 'bad_request',
      reason: 'body',
    });
  if (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).some(isMethodParam)
  )
    return end(overrideRefusal(`the \`${METHOD_PARAM}\` json member`));
  return next({ ...call, json: { bytes, value } });
}
