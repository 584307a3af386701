import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MandateError } from '../core/errors.js';
import { parseCredentialBinding } from './binding.js';

const refused = (input: unknown, field: RegExp) =>
  assert.throws(
    () => parseCredentialBinding(input),
    (err: unknown) =>
      err instanceof MandateError &&
      err.code === 'invalid_config' &&
      field.test(String(err.details?.field)),
  );

describe('credential bindings', () => {
  test('accepts each provider in its documented shape', () => {
    for (const b of [
      { provider: 'static', secret: 'gh', as: 'bearer' },
      { provider: 'static', secret: 'k', as: 'header', header: 'X-Api-Key' },
      { provider: 'static', secret: 'k', as: 'query', param: 'api_key' },
      { provider: 'static', secret: 'k', as: 'basic' },
      {
        provider: 'oauth_client_credentials',
        secret: 'cs',
        tokenEndpoint: 'https://as.example.com/token',
        clientId: 'c',
        scope: 'read',
        auth: 'client_secret_post',
      },
      {
        provider: 'oauth_client_credentials',
        secret: 'cs',
        tokenEndpoint: 'http://127.0.0.1:9/token',
        clientId: 'c',
      },
      {
        provider: 'oauth_token_exchange',
        secret: 'cs',
        tokenEndpoint: 'https://as.example.com/token',
        clientId: 'c',
        audience: 'https://api.example.com',
        assertionAudience: 'https://as.example.com',
      },
      { provider: 'mandate_jwt', audience: 'https://internal.example.org', ttlSeconds: 120 },
    ])
      assert.deepEqual(parseCredentialBinding(b), b);
  });

  test('refuses what would leak or misroute a credential, naming the field', () => {
    refused({ provider: 'static', secret: 'k', as: 'header' }, /header/);
    refused({ provider: 'static', secret: 'k', as: 'header', header: 'Host' }, /header/);
    refused({ provider: 'static', secret: 'k', as: 'header', header: 'x-key\r\nevil' }, /header/);
    refused({ provider: 'static', secret: 'k', as: 'query' }, /param/);
    refused({ provider: 'static', secret: '../k', as: 'bearer' }, /secret/);
    refused(
      { provider: 'static', secret: 'k', as: 'bearer', value: 'inline-secret' },
      /credential/,
    );
    refused(
      {
        provider: 'oauth_client_credentials',
        secret: 'cs',
        tokenEndpoint: 'http://as.example.com/token',
        clientId: 'c',
      },
      /tokenEndpoint/,
    );
    refused(
      {
        provider: 'oauth_client_credentials',
        secret: 'cs',
        tokenEndpoint: 'https://user:pw@as.example.com/token',
        clientId: 'c',
      },
      /tokenEndpoint/,
    );
    refused(
      {
        provider: 'oauth_client_credentials',
        secret: 'cs',
        tokenEndpoint: 'not a url',
        clientId: 'c',
      },
      /tokenEndpoint/,
    );
    refused(
      {
        provider: 'oauth_token_exchange',
        secret: 'cs',
        tokenEndpoint: 'https://as.example.com/token',
      },
      /clientId/,
    );
    refused({ provider: 'mandate_jwt', audience: 'x', ttlSeconds: 3600 }, /ttlSeconds/);
    refused({ provider: 'vault', secret: 'x' }, /provider/);
    refused(null, /credential/);
  });

  test('a refusal never quotes the value it refused', () => {
    try {
      parseCredentialBinding({
        provider: 'oauth_client_credentials',
        secret: 'cs',
        tokenEndpoint: 'https://u:hunter2@as.example.com/token',
        clientId: 'c',
      });
      assert.fail('accepted');
    } catch (err) {
      assert.ok(!(err as Error).message.includes('hunter2'));
    }
  });
});
