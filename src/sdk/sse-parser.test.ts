import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { formatSse, type SseMessage } from '../server/handlers/events.js';
import { SseParser, type SseEvent } from './sse-parser.js';

/** Parses `bytes` fed in the given pieces; returns the events and retries seen. */
function parse(pieces: (Uint8Array | string)[]): {
  events: SseEvent[];
  retries: number[];
  comments: string[];
} {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  const comments: string[] = [];
  const p = new SseParser({
    onEvent: (e) => events.push(e),
    onRetry: (ms) => retries.push(ms),
    onComment: (c) => comments.push(c),
  });
  for (const piece of pieces) p.push(piece);
  p.end();
  return { events, retries, comments };
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const at of points) {
    out.push(bytes.subarray(from, at));
    from = at;
  }
  out.push(bytes.subarray(from));
  return out;
}

/** Text with the characters that matter to SSE (line ends, colons, spaces, a BOM, multi-byte UTF-8) over-represented. */
const text = (maxLength: number) =>
  fc.string({
    unit: fc.oneof(
      fc.constantFrom('\r', '\n', '\r\n', ':', ' ', 'é', '😀', '\uFEFF', 'data', 'id'),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    ),
    maxLength,
  });
const oneLine = (maxLength: number) => text(maxLength).map((s) => s.replace(/[\r\n]/g, ''));

const message: fc.Arbitrary<SseMessage> = fc.record(
  {
    event: oneLine(12),
    id: oneLine(12).map((s) => s.replace(/\0/g, '')),
    data: text(40),
    retry: fc.nat({ max: 100_000 }),
    comment: oneLine(10),
  },
  { requiredKeys: [] },
);

describe('SSE parser (WHATWG HTML §9.2.6)', () => {
  test('any sequence of messages, serialized with any line end and split at any byte, parses back', () => {
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 12 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.array(fc.nat(), { maxLength: 12 }),
        (messages, eol, cuts) => {
          const wire = messages.map(formatSse).join('').replace(/\n/g, eol);
          const { events, retries } = parse(splitAt(new TextEncoder().encode(wire), cuts));
          const expected: SseEvent[] = [];
          let lastEventId = '';
          for (const m of messages) {
            // An id in a block without data is dropped with the block (eventsource-parser).
            if (m.id !== undefined && m.data !== undefined) lastEventId = m.id;
            if (m.data !== undefined)
              expected.push({
                type: m.event || 'message',
                data: m.data.replace(/\r\n|\r/g, '\n'),
                lastEventId,
              });
          }
          assert.deepEqual(events, expected);
          assert.deepEqual(
            retries,
            messages.flatMap((m) => (m.retry === undefined ? [] : [m.retry])),
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  test("the spec's examples: fields without a value, one leading space stripped, unknown fields and bad retries ignored", () => {
    const { events, retries, comments } = parse([
      'data\n\ndata\ndata\n\ndata:\n\n',
      ': ping\n',
      'data:  two spaces\nfoo: bar\nretry: 1x\nretry: 250\n\n',
      'event: add\ndata: 73857293\n\nevent\ndata: x\n\n',
    ]);
    assert.deepEqual(
      events.map((e) => [e.type, e.data]),
      [
        ['message', ''],
        ['message', '\n'],
        ['message', ''],
        ['message', ' two spaces'],
        ['add', '73857293'],
        ['message', 'x'],
      ],
    );
    assert.deepEqual(retries, [250]);
    assert.deepEqual(comments, ['ping']);
  });

  test('a leading BOM is stripped once; an event without its blank line at the end is dropped; an id with NULL is ignored', () => {
    const { events } = parse([
      new Uint8Array([0xef, 0xbb]),
      new Uint8Array([0xbf]),
      'id: 1\ndata: a\n\nid: 2\0\ndata: b\n\ndata: never dispatched',
    ]);
    assert.deepEqual(events, [
      { type: 'message', data: 'a', lastEventId: '1' },
      { type: 'message', data: 'b', lastEventId: '1' },
    ]);
    const second = parse(['\uFEFF\uFEFFdata: x\n\n']);
    assert.deepEqual(
      second.events,
      [],
      'only one BOM is stripped: the second makes the field name `\\uFEFFdata`',
    );
  });

  test('a CR ending one chunk and an LF starting the next are one line end', () => {
    const { events } = parse(['data: a\r', '\ndata: b\r', '\r', 'data: c\r\n\r\n']);
    assert.deepEqual(
      events.map((e) => e.data),
      ['a\nb', 'c'],
    );
    assert.deepEqual(
      parse(['data: a\r', '', new Uint8Array(0), '\ndata: b\r\n\r\n']).events.map((e) => e.data),
      ['a\nb'],
      'empty chunks in between change nothing',
    );
    const now: string[] = [];
    new SseParser({ onEvent: (e) => now.push(e.data) }).push('data: now\r\r');
    assert.deepEqual(now, ['now'], 'a CR ending the chunk dispatches without waiting for more');
  });

  test('an event that grows past the bound throws, whether as one unended line or as many data lines, and the parser goes on after it', () => {
    const events: string[] = [];
    const p = new SseParser({ onEvent: (e) => events.push(e.data) }, { maxEventChars: 100 });
    assert.throws(() => {
      for (let i = 0; i < 20; i++) p.push('x'.repeat(10));
    }, /more than 100 characters without ending an event/);
    p.push('\n\n');
    assert.throws(() => {
      for (let i = 0; i < 20; i++) p.push('data: 0123456789\n');
    }, /more than 100 characters/);
    p.push('\ndata: ok\n\n');
    assert.deepEqual(events, ['ok']);
  });

  test('a line of several megabytes split into 4 KiB chunks parses whole', () => {
    const big = 'x'.repeat(4 * 1024 * 1024);
    const wire = new TextEncoder().encode(`event: snapshot\ndata: ${big}\n\n`);
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < wire.length; i += 4096) pieces.push(wire.subarray(i, i + 4096));
    const { events } = parse(pieces);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.data.length, big.length);
  });
});
