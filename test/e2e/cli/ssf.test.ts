// `mandate ssf stream …` and `mandate ssf verify` in process (buildProgram) against a real server; a
// loopback RFC 8935 receiver stands in for a push receiver.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CreatedSsfStream, SsfStream, SsfStreamStatus } from '../../../src/sdk/admin-ssf.js';
import { startTestServer, type TestServer } from '../../fakes/server.js';
import { cliJson, killRunningClis, runCli, serverArgs } from '../helpers/cli.js';
import {
  POLL,
  PUSH,
  type Receiver,
  SESSION_REVOKED,
  startReceiver,
  stateOf,
} from '../ssf/helpers.js';

const RISK_LEVEL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/risk-level-change';

describe('mandate ssf (in process)', () => {
  let server: TestServer;
  let receiver: Receiver;
  let args: string[];

  before(async () => {
    [server, receiver] = await Promise.all([startTestServer(), startReceiver()]);
    args = serverArgs(server);
  });

  after(async () => {
    await killRunningClis();
    await Promise.all([server.stop(), receiver.close()]);
  });

  test('stream create --poll, list, show, status --set paused, verify, delete', async () => {
    const created = await runCli([
      'ssf',
      'stream',
      'create',
      '--poll',
      '--events',
      'session-revoked,risk-level-change',
      '--description',
      'siem',
      ...args,
    ]);
    assert.equal(created.code, 0, created.stderr);
    const id = /^created ssf stream (\S+)$/m.exec(created.stdout)?.[1];
    const token = /^receiver token: (mssf_\S+)$/m.exec(created.stdout)?.[1];
    assert.ok(id && token, created.stdout);
    assert.match(
      created.stdout,
      new RegExp(`\\n {2}delivery {5}poll at ${server.url}/v1/ssf/poll/${id}\\n`),
    );
    assert.match(created.stdout, /\n {2}events {7}session-revoked, risk-level-change\n/);
    assert.match(created.stdout, new RegExp(`\\n {2}aud {10}urn:mandate:ssf:stream:${id}\\n`));
    assert.match(created.stdout, /\n {2}shown only now: Mandate keeps only its hash/);
    // The token printed is the stream's receiver token.
    const asReceiver = await fetch(`${server.url}/v1/ssf/status?stream_id=${id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(asReceiver.status, 200);

    const list = await cliJson<SsfStream[]>(['ssf', 'stream', 'list', ...args]);
    assert.deepEqual(list.find((s) => s.stream_id === id)?.events_requested, [
      SESSION_REVOKED,
      RISK_LEVEL_CHANGE,
    ]);
    const listText = await runCli(['ssf', 'stream', 'list', ...args]);
    assert.match(listText.stdout, /^ID\s+DELIVERY\s+EVENTS\s+AUD\s+DESCRIPTION\n/);
    assert.match(
      listText.stdout,
      new RegExp(
        `${id}\\s+poll at \\S+\\s+session-revoked, risk-level-change\\s+urn:mandate:ssf:stream:${id}\\s+siem`,
      ),
    );

    const shown = await runCli(['ssf', 'stream', 'show', id!, ...args]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^stream ${id}\\n {2}status {7}enabled\\n`));

    const paused = await runCli([
      'ssf',
      'stream',
      'status',
      id!,
      '--set',
      'paused',
      '--reason',
      'maintenance',
      ...args,
    ]);
    assert.equal(
      paused.stdout.trim(),
      `stream ${id} is paused (maintenance): its SETs are held, and sent in order once it is enabled`,
    );
    const showJson = await cliJson<SsfStream & SsfStreamStatus>([
      'ssf',
      'stream',
      'show',
      id!,
      ...args,
    ]);
    assert.deepEqual(
      [
        showJson.stream_id,
        showJson.delivery.method,
        showJson.description,
        showJson.status,
        showJson.reason,
      ],
      [id, POLL, 'siem', 'paused', 'maintenance'],
    );
    const { queue, ...read } = await cliJson<SsfStreamStatus>([
      'ssf',
      'stream',
      'status',
      id!,
      ...args,
    ]);
    assert.deepEqual(read, { stream_id: id, status: 'paused', reason: 'maintenance' });
    assert.equal(queue?.dropped_other, 0);

    const verified = await runCli(['ssf', 'verify', id!, '--state', 'cli-check', ...args]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(
      verified.stdout,
      new RegExp(`^asked for a verification event on stream ${id} with state \`cli-check\``),
    );
    assert.equal(
      (
        await cliJson<SsfStreamStatus>([
          'ssf',
          'stream',
          'status',
          id!,
          '--set',
          'enabled',
          ...args,
        ])
      ).status,
      'enabled',
    );
    const { sets } = await server.admin.ssf.poll(id!, { returnImmediately: true });
    assert.deepEqual(
      Object.values(sets).map(stateOf),
      ['cli-check'],
      'the verification event held while paused',
    );

    const deleted = await runCli(['ssf', 'stream', 'delete', id!, ...args]);
    assert.match(
      deleted.stdout,
      new RegExp(`^deleted ssf stream ${id}: its undelivered SETs are dropped`),
    );
    const gone = await runCli(['ssf', 'stream', 'show', id!, ...args]);
    assert.equal(gone.code, 1);
    assert.match(
      gone.stderr,
      new RegExp(`error: stream \`${id}\` does not exist; see \`mandate ssf stream list\``),
    );
  });

  test('stream create --push with --authorization-env (the header kept out of ps and history): all event types by default; verify reaches the receiver with the header', async () => {
    const created = await runCli(
      [
        'ssf',
        'stream',
        'create',
        '--push',
        receiver.url,
        '--authorization-env',
        'RECEIVER_AUTH',
        '--json',
        ...args,
      ],
      { env: { RECEIVER_AUTH: 'Bearer r3ceiver' } },
    );
    assert.equal(created.code, 0, created.stderr);
    const s = JSON.parse(created.stdout) as CreatedSsfStream;
    assert.deepEqual(s.delivery, { method: PUSH, endpoint_url: receiver.url });
    assert.deepEqual(s.events_requested, s.events_supported);
    assert.equal(s.events_requested.length, 4);
    assert.match(s.receiver_token, /^mssf_/);
    assert.match(created.stderr, /warning: the receiver_token is shown only now/);

    assert.equal(
      (await runCli(['ssf', 'verify', s.stream_id, '--state', 'pushed', ...args])).code,
      0,
    );
    const [pushed] = await receiver.waitFor(1);
    assert.deepEqual([pushed!.authorization, stateOf(pushed!.body)], ['Bearer r3ceiver', 'pushed']);
    assert.equal((await runCli(['ssf', 'stream', 'delete', s.stream_id, ...args])).code, 0);
  });

  test('usage errors exit 2 before asking the server; unsupported event types are named', async () => {
    const [
      neither,
      both,
      authWithPoll,
      unknownEvent,
      badStatus,
      reasonAlone,
      authTwice,
      authEnvUnset,
    ] = await Promise.all([
      runCli(['ssf', 'stream', 'create', ...args]),
      runCli(['ssf', 'stream', 'create', '--poll', '--push', receiver.url, ...args]),
      runCli(['ssf', 'stream', 'create', '--poll', '--authorization', 'x', ...args]),
      runCli([
        'ssf',
        'stream',
        'create',
        '--poll',
        '--events',
        'session-revoked,session-ended',
        ...args,
      ]),
      runCli(['ssf', 'stream', 'status', 'x', '--set', 'off', ...args]),
      runCli(['ssf', 'stream', 'status', 'x', '--reason', 'why', ...args]),
      runCli(
        [
          'ssf',
          'stream',
          'create',
          '--push',
          receiver.url,
          '--authorization',
          'x',
          '--authorization-env',
          'RECEIVER_AUTH',
          ...args,
        ],
        { env: { RECEIVER_AUTH: 'y' } },
      ),
      runCli([
        'ssf',
        'stream',
        'create',
        '--push',
        receiver.url,
        '--authorization-env',
        'MANDATE_TEST_UNSET_VARIABLE',
        ...args,
      ]),
    ]);
    for (const r of [
      neither,
      both,
      authWithPoll,
      unknownEvent,
      badStatus,
      reasonAlone,
      authTwice,
      authEnvUnset,
    ])
      assert.equal(r.code, 2, r.stderr);
    assert.match(
      authTwice.stderr,
      /error: pass the push Authorization header once: --authorization or --authorization-env/,
    );
    assert.match(
      authEnvUnset.stderr,
      /error: --authorization-env MANDATE_TEST_UNSET_VARIABLE: that environment variable is not set/,
    );
    assert.match(neither.stderr, /error: choose the delivery: --push <endpoint-url> .* or --poll/);
    assert.match(both.stderr, /error: choose the delivery/);
    assert.match(
      authWithPoll.stderr,
      /error: --authorization is the header Mandate sends with each push: use it with --push/,
    );
    assert.match(
      unknownEvent.stderr,
      /error: unknown event type `session-ended`: use session-revoked, credential-change, token-claims-change, risk-level-change, or a full uri/,
    );
    assert.match(
      badStatus.stderr,
      /error: --set must be one of enabled, paused, disabled, not `off`/,
    );
    assert.match(reasonAlone.stderr, /error: --reason goes with --set <status>/);
    assert.deepEqual(await server.admin.ssf.listStreams(), [], 'nothing was created');

    const foreign = await runCli([
      'ssf',
      'stream',
      'create',
      '--poll',
      '--events',
      'session-revoked,https://example.org/event/other',
      ...args,
    ]);
    assert.equal(foreign.code, 0, foreign.stderr);
    assert.match(
      foreign.stderr,
      /warning: Mandate does not send `https:\/\/example\.org\/event\/other`; the stream asks for session-revoked/,
    );
  });
});
