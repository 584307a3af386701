import type { Command } from 'commander';
import {
  adminClient,
  clientOptions,
  orNotFound,
  output,
  type ClientOptions,
  type CliIo,
} from '../../common.js';
import { describeTool, hintsText } from './describe.js';

export function registerReview(tools: Command, io: CliIo): void {
  clientOptions(
    io,
    tools
      .command('review <tool>')
      .description(
        "accept the hints a trusted upstream's tool (`<server>/<tool>`) declares now: after a changed hint held it at the defaults, they set its attributes again",
      ),
  ).action(async (tool: string, opts: ClientOptions) => {
    const t = await orNotFound(
      adminClient(io, opts).tools.review(tool),
      'see `mandate tools list`',
    );
    output(
      io,
      opts,
      t,
      (v) => `reviewed ${v.id}: ${hintsText(v.reviewed_hints)}\n${describeTool(v)}`,
    );
  });
}
