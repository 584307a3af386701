import type { Command } from 'commander';
import type { ToolAnnotationInput } from '../../../sdk/admin-tools.js';
import {
  adminClient,
  CliError,
  clientOptions,
  orNotFound,
  output,
  type ClientOptions,
  type CliIo,
} from '../../common.js';
import { describeTool } from './describe.js';

type AnnotateOptions = ClientOptions & {
  sideEffect?: string;
  classification?: string;
  destinations?: string;
  label?: string[];
  annotation?: string;
};

/** The annotation the options give: `--annotation` JSON first, each flag over it. */
function annotationOf(opts: AnnotateOptions): ToolAnnotationInput {
  let base: ToolAnnotationInput = {};
  if (opts.annotation !== undefined) {
    try {
      base = JSON.parse(opts.annotation) as ToolAnnotationInput;
    } catch {
      throw new CliError('--annotation must be a json object, e.g. \'{"extractors": []}\'');
    }
  }
  const labels = opts.label?.map((l) => {
    const eq = l.indexOf('=');
    return eq < 0 ? [l, ''] : [l.slice(0, eq), l.slice(eq + 1)];
  });
  const annotation = {
    ...base,
    ...(opts.sideEffect !== undefined ? { sideEffect: opts.sideEffect } : {}),
    ...(opts.classification !== undefined ? { classification: opts.classification } : {}),
    ...(opts.destinations !== undefined
      ? { destinations: opts.destinations.split(',').filter((d) => d.trim() !== '') }
      : {}),
    ...(labels ? { labels: { ...base.labels, ...Object.fromEntries(labels) } } : {}),
  } as ToolAnnotationInput;
  if (Object.keys(annotation).length === 0 && opts.annotation === undefined)
    throw new CliError(
      'nothing to annotate: give --side-effect, --classification, --destinations, --label or --annotation',
    );
  return annotation;
}

export function registerAnnotate(tools: Command, io: CliIo): void {
  clientOptions(
    io,
    tools
      .command('annotate <tool>')
      .description(
        "say what a tool (`<server>/<tool>`) is to policy; it applies at the next call, no restart. What you set overrides the upstream's hints; for an upstream trusted for hints it also reviews them",
      )
      .option('--side-effect <effect>', 'read, write or destructive')
      .option('--classification <level>', 'public, internal, confidential or restricted')
      .option(
        '--destinations <hosts>',
        "hosts the tool reaches of its own, comma-separated (`*` any, `*.example.org`, '' none)",
      )
      .option(
        '--label <key=value>',
        'a label policies can read (repeatable)',
        (v: string, acc: string[] = []) => [...acc, v],
      )
      .option(
        '--annotation <json>',
        'the whole annotation as json (extractors, …); flags go over it',
      ),
  ).action(async (tool: string, opts: AnnotateOptions) => {
    const annotation = annotationOf(opts);
    const t = await orNotFound(
      adminClient(io, opts).tools.annotate(tool, annotation),
      'see `mandate tools list`',
    );
    output(io, opts, t, describeTool);
  });
}
