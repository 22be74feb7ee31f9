// The `wharf` command tree and its runner: global flags, finding the command, flag and
// argument checks, and turning errors into docker's messages and exit codes.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { ConnectionError } from '../client/errors.ts';
import { resolveHostAddress, resolveTls } from '../client/host.ts';
import { WharfClient } from '../client/index.ts';
import {
  CancelledError,
  type CliContext,
  type Command,
  checkArgs,
  findSub,
  type GlobalOptions,
  HELP_FLAG,
  PROGRAM,
  StatusError,
  usageError,
  usageText,
} from './command.ts';
import { builderBuildCommand, buildTopCommand, imageBuildCommand } from './commands/build.ts';
import { builderPruneCommand } from './commands/builder.ts';
import { systemDfCommand } from './commands/df.ts';
import { eventsTopCommand, systemEventsCommand } from './commands/events.ts';
import {
  imageImportCommand,
  imageLoadCommand,
  imageSaveCommand,
  importTopCommand,
  loadTopCommand,
  saveTopCommand,
} from './commands/image-archive.ts';
import { imagePruneCommand, imageRmCommand, rmiCommand } from './commands/image-remove.ts';
import {
  historyTopCommand,
  imageHistoryCommand,
  imageInspectCommand,
  imageLsCommand,
  imagesCommand,
  imageTagCommand,
  tagTopCommand,
} from './commands/images.ts';
import { containerCommand, containerTopCommands } from './commands/containers.ts';
import { inspectCommand } from './commands/inspect.ts';
import { registryCommand } from './commands/registry.ts';
import { volumeCommand } from './commands/volumes.ts';
import { networkCommand } from './commands/network.ts';
import { loginCommand, logoutCommand } from './commands/login.ts';
import { imagePullCommand, pullTopCommand } from './commands/pull.ts';
import { imagePushCommand, pushTopCommand } from './commands/push.ts';
import { infoTopCommand, systemInfoCommand, versionCommand } from './commands/system.ts';
import { errorText } from './errors.ts';
import { FlagError, type FlagSpec, Flags, parseFlags } from './flags.ts';
import { CLIENT_VERSION, gitCommit } from './format/version.ts';
import { NO_SIGNALS, type SignalSource } from './signals.ts';
import { inStream, outStream } from './streams.ts';

function globalFlags(env: Record<string, string | undefined>): FlagSpec[] {
  const certDir = env['WHARF_CERT_PATH'] || env['DOCKER_CERT_PATH'] || join(homedir(), '.docker');
  return [
    { name: 'debug', short: 'D', kind: 'bool', help: 'Enable debug mode' },
    { name: 'host', short: 'H', kind: 'list', help: 'Daemon socket to connect to' },
    {
      name: 'log-level',
      short: 'l',
      kind: 'string',
      default: 'info',
      help: 'Set the logging level ("debug", "info", "warn", "error", "fatal")',
    },
    { name: 'tls', kind: 'bool', help: 'Use TLS; implied by --tlsverify' },
    { name: 'tlscacert', kind: 'string', default: join(certDir, 'ca.pem'), help: 'Trust certs signed only by this CA' },
    { name: 'tlscert', kind: 'string', default: join(certDir, 'cert.pem'), help: 'Path to TLS certificate file' },
    { name: 'tlskey', kind: 'string', default: join(certDir, 'key.pem'), help: 'Path to TLS key file' },
    { name: 'tlsverify', kind: 'bool', help: 'Use TLS and verify the remote' },
    { name: 'version', short: 'v', kind: 'bool', help: 'Print version information and quit' },
    HELP_FLAG,
  ];
}

export function rootCommand(): Command {
  const image: Command = {
    name: 'image',
    use: 'image',
    short: 'Manage images',
    category: 'management',
    subcommands: [
      imageBuildCommand,
      imageHistoryCommand,
      imageImportCommand,
      imageInspectCommand,
      imageLoadCommand,
      imageLsCommand,
      imagePruneCommand,
      imagePullCommand,
      imagePushCommand,
      imageRmCommand,
      imageSaveCommand,
      imageTagCommand,
    ],
  };
  const builder: Command = {
    name: 'builder',
    use: 'builder',
    short: 'Manage builds',
    category: 'management',
    subcommands: [builderBuildCommand, builderPruneCommand],
  };
  const system: Command = {
    name: 'system',
    use: 'system',
    short: 'Manage Wharf',
    category: 'management',
    subcommands: [systemDfCommand, systemEventsCommand, systemInfoCommand],
  };
  return {
    name: PROGRAM,
    use: `${PROGRAM} [OPTIONS] COMMAND [ARG...]`,
    short: 'A self-sufficient runtime for containers',
    subcommands: [
      builder,
      containerCommand,
      image,
      registryCommand,
      system,
      networkCommand,
      volumeCommand,
      ...containerTopCommands,
      buildTopCommand,
      imagesCommand,
      infoTopCommand,
      versionCommand,
      eventsTopCommand,
      historyTopCommand,
      importTopCommand,
      inspectCommand,
      loadTopCommand,
      loginCommand,
      logoutCommand,
      pullTopCommand,
      pushTopCommand,
      rmiCommand,
      saveTopCommand,
      tagTopCommand,
    ],
  };
}

export interface CliIO {
  stdout: Writable & { isTTY?: boolean; columns?: number | undefined };
  stderr: Writable & { isTTY?: boolean; columns?: number | undefined };
  stdin: Readable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  signals?: SignalSource;
}

/** Runs `wharf <argv>` and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const out = outStream(io.stdout);
  const err = outStream(io.stderr);
  const root = rootCommand();
  const gflags = globalFlags(io.env);
  let client: WharfClient | undefined;
  try {
    let parsed: ReturnType<typeof parseFlags>;
    try {
      parsed = parseFlags(argv, gflags, false);
    } catch (e) {
      if (e instanceof FlagError) throw new StatusError(usageError([PROGRAM], root, e.message), 125);
      throw e;
    }
    const g = new Flags(parsed);
    if (g.bool('version')) {
      out.write(`Wharf version ${CLIENT_VERSION}, build ${gitCommit()}\n`);
      return 0;
    }
    if (g.bool('help')) {
      out.write(`${usageText([PROGRAM], root, gflags)}`);
      return 0;
    }
    const globals: GlobalOptions = {
      debug: g.bool('debug') || g.string('log-level') === 'debug',
      host: g.list('host'),
      tls: g.bool('tls'),
      tlsverify: g.changed('tlsverify') ? g.bool('tlsverify') : undefined,
    };
    if (g.changed('tlscacert')) globals.tlscacert = g.string('tlscacert');
    if (g.changed('tlscert')) globals.tlscert = g.string('tlscert');
    if (g.changed('tlskey')) globals.tlskey = g.string('tlskey');

    // Walk down the tree as far as the arguments name commands.
    let cmd = root;
    const path = [PROGRAM];
    let args = parsed.args;
    while (cmd.subcommands && args.length > 0) {
      const next = findSub(cmd, args[0] as string);
      if (!next) break;
      cmd = next;
      path.push(next.name);
      args = args.slice(1);
    }
    if (!cmd.run) {
      const first = args[0];
      if (first === undefined) {
        err.write(`${usageText(path, cmd, cmd === root ? gflags : undefined)}`);
        return 0;
      }
      if (first === '--help' || first === '-h') {
        out.write(`${usageText(path, cmd, cmd === root ? gflags : undefined)}`);
        return 0;
      }
      if (first.startsWith('-')) throw new StatusError(usageError(path, cmd, `unknown flag: ${first}`), 125);
      const what = `unknown command: ${[...path, first].join(' ')}`;
      if (cmd === root) throw new StatusError(`${PROGRAM}: ${what}\n\nRun '${PROGRAM} --help' for more information`, 1);
      throw new StatusError(`${PROGRAM}: ${usageError(path, cmd, what)}`, 1);
    }

    let flags: Flags;
    try {
      // run and create define their own --help: their -h is --hostname.
      const own = cmd.flags ?? [];
      const specs = own.some((f) => f.name === 'help') ? own : [...own, HELP_FLAG];
      flags = new Flags(parseFlags(args, specs, !cmd.noInterspersed));
    } catch (e) {
      if (e instanceof FlagError) throw new StatusError(usageError(path, cmd, e.message), 125);
      throw e;
    }
    if (flags.bool('help')) {
      out.write(`${usageText(path, cmd)}`);
      return 0;
    }
    checkArgs(path, cmd, flags.parsed.args);

    const ctx: CliContext = {
      out,
      err,
      in: inStream(io.stdin),
      env: io.env,
      globals,
      signal: io.signal ?? new AbortController().signal,
      signals: io.signals ?? NO_SIGNALS,
      client() {
        if (!client) {
          const tls = resolveTls(
            {
              tls: globals.tls,
              ...(globals.tlsverify !== undefined ? { tlsverify: globals.tlsverify } : {}),
              ...(globals.tlscacert ? { tlscacert: globals.tlscacert } : {}),
              ...(globals.tlscert ? { tlscert: globals.tlscert } : {}),
              ...(globals.tlskey ? { tlskey: globals.tlskey } : {}),
            },
            io.env,
          );
          client = new WharfClient({
            host: resolveHostAddress(globals.host, io.env),
            tls,
            version: io.env['WHARF_API_VERSION'] || io.env['DOCKER_API_VERSION'] || undefined,
          });
        }
        return client;
      },
    };
    return (await cmd.run(ctx, flags, flags.parsed.args)) ?? 0;
  } catch (e) {
    if (e instanceof CancelledError) return 0;
    if (e instanceof StatusError) {
      if (e.message !== '') err.write(`${e.message}\n`);
      return e.status === 0 ? 1 : e.status;
    }
    if (e instanceof Error && e.name === 'AbortError') return 0;
    err.write(`${errorText(e)}\n`);
    if (io.env['WHARF_DEBUG_STACK'] && e instanceof Error && !(e instanceof ConnectionError)) err.write(`${e.stack}\n`);
    return 1;
  } finally {
    client?.close();
  }
}
