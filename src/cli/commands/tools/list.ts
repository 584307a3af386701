import type { Command } from 'commander';
import {
  adminClient,
  clientOptions,
  output,
  table,
  type ClientOptions,
  type CliIo,
} from '../../common.js';
import { annotationText, destinationsText, upstreamText } from './describe.js';

export function registerList(tools: Command, io: CliIo): void {
  clientOptions(
    io,
    tools
      .command('list')
      .description(
        "list the catalog's tools: their attributes, the upstream's hints, the operator's annotation, and which applied (SOURCE: operator, upstream-hint, default, or hint-changed: held at the defaults until `mandate tools review`)",
      )
      .option('--server <name>', "only this server's tools"),
  ).action(async (opts: ClientOptions & { server?: string }) => {
    const list = await adminClient(io, opts).tools.list(
      opts.server === undefined ? {} : { server: opts.server },
    );
    output(io, opts, list, (l) =>
      l.length === 0
        ? "no tools yet: the gateway lists its upstreams' tools at start (or PUT /v1/tools/<server>)"
        : table([
            [
              'TOOL',
              'SIDE EFFECT',
              'CLASSIFICATION',
              'DESTINATIONS',
              'SOURCE',
              'UPSTREAM HINTS',
              'ANNOTATION',
            ],
            ...l.map((t) => [
              t.id,
              t.side_effect,
              t.classification,
              destinationsText(t.destinations),
              t.source,
              upstreamText(t),
              annotationText(t),
            ]),
          ]),
    );
  });
}
