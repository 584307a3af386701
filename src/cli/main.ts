#!/usr/bin/env node
import { processIo, runProgram } from './program.js';

process.exitCode = await runProgram(process.argv, processIo(), 'node');
