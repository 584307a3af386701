import type { Step } from '../context.js';
import { findDuplicateKey } from '../../../core/json-duplicates.js';
import {
  hasMethodParam,
  hasMethodPart,
  isMethodParam,
  METHOD_PARAM,
  overrideRefusal,
} from './override.js';

/**
 * Step 5: a JSON request body (`application/json` or `application/*+json`) is read, up to the
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

export function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && JSON_MEDIA.test(contentType.split(';', 1)[0]!.trim());
}

const FORM_MEDIA = /^(?:application\/x-www-form-urlencoded|multipart\/form-data)$/i;

export const body: Step = async (call) => {
  const { req, service } = call;
  const contentType = req.headers['content-type'];
  const form = contentType !== undefined && FORM_MEDIA.test(contentType.split(';', 1)[0]!.trim());
  if (!form && !isJson(contentType)) return undefined;
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return {
      refuse: {
        code: 'unsupported_content_encoding',
        detail: `send ${form ? 'form' : 'json'} request bodies without a content-encoding: mandate reads them`,
        outcome: 'bad_request',
        reason: 'body',
      },
    };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > service.maxJsonBytes) {
      return {
        refuse: {
          code: 'body_too_large',
          detail: `${form ? 'form' : 'json'} request bodies to \`${service.name}\` are limited to ${service.maxJsonBytes} bytes`,
          outcome: 'bad_request',
          reason: 'body',
          headers: { connection: 'close' },
        },
      };
    }
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks, size);
  if (form) {
    // Forwarded as the same bytes; `value` stays undefined: the decision sees no form body.
    call.json = { bytes, value: undefined };
    const multipart = contentType!.split(';', 1)[0]!.trim().toLowerCase() === 'multipart/form-data';
    const field = multipart
      ? hasMethodPart(contentType!, bytes)
      : hasMethodParam(new URLSearchParams(bytes.toString('latin1')));
    return field ? { refuse: overrideRefusal(`the \`${METHOD_PARAM}\` form field`) } : undefined;
  }
  if (size === 0) {
    call.json = { bytes, value: undefined };
    return undefined;
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
    call.json = { bytes, value: JSON.parse(text) as unknown };
  } catch {
    return {
      refuse: {
        code: 'invalid_json',
        detail: 'the request says it is json but its body does not parse as utf-8 json',
        outcome: 'bad_request',
        reason: 'body',
      },
    };
  }
  // The decision reads the last of two equal keys, the upstream's parser may read the first.
  const dup = findDuplicateKey(text);
  if (dup)
    return {
      refuse: {
        code: 'invalid_json',
        detail: `the json body has the key \`${dup.key.slice(0, 80)}\` twice in \`${dup.path.slice(0, 200)}\`; a body with duplicate keys has more than one reading`,
        outcome: 'bad_request',
        reason: 'body',
      },
    };
  const value = call.json.value;
  if (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).some(isMethodParam)
  )
    return { refuse: overrideRefusal(`the \`${METHOD_PARAM}\` json member`) };
  return undefined;
};
