// `node --import <this file>`: appends the url of every module the process loads to the file
// named by MANDATE_TRACE_IMPORTS, so that a test can tell what a CLI command loaded.
import { register } from 'node:module';

register('./trace-imports-hooks.mjs', import.meta.url);
