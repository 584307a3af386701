// Module hooks for trace-imports.mjs; they run on the loader thread, which shares the environment.
import { appendFileSync } from 'node:fs';

export async function load(url, context, next) {
  if (process.env.MANDATE_TRACE_IMPORTS)
    appendFileSync(process.env.MANDATE_TRACE_IMPORTS, `${url}\n`);
  return next(url, context);
}
