import type { Command } from 'commander';
import type { CliIo } from '../../common.js';
import { registerList } from './list.js';
import { registerRegistrationToken } from './registration-token.js';
import { registerRevoke } from './revoke.js';
import { registerShow } from './show.js';

/** mandate clients list|show|revoke|registration-token: the authorization server's OAuth clients, MCP hosts (docs/clients.md). */
export function register(program: Command, io: CliIo): void {
  const clients = program
    .command('clients')
    .alias('client')
    .description(
      "the authorization server's OAuth clients (MCP hosts such as Claude Code or VS Code): each acts as the agent spiffe://<trust-domain>/client/<id>, owned by the human who first consented",
    );
  registerList(clients, io);
  registerShow(clients, io);
  registerRevoke(clients, io);
  registerRegistrationToken(clients, io);
}
