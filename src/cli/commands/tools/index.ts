import type { Command } from 'commander';
import type { CliIo } from '../../common.js';
import { registerAnnotate } from './annotate.js';
import { registerList } from './list.js';
import { registerReview } from './review.js';

/** mandate tools list|annotate|review: the tool catalog policy decides with (docs/policy.md, "Tool catalog"). */
export function register(program: Command, io: CliIo): void {
  const tools = program
    .command('tools')
    .alias('tool')
    .description(
      'the tool catalog: what each tool is to policy (side effect, classification, destinations) and whether the operator, a trusted upstream hint or the default said so',
    );
  registerList(tools, io);
  registerAnnotate(tools, io);
  registerReview(tools, io);
}
