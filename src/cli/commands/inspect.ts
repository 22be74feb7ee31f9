// `inspect` (any object by name or ID) and `container inspect`. Without --type, docker tries
// each kind of object in turn — containers, then images (the other kinds join as the engine
// grows) — and reports "No such object" when none has the name.
import { ApiError } from '../../client/errors.ts';
import type { WharfClient } from '../../client/index.ts';
import { type Command, StatusError } from '../command.ts';
import { INSPECT_FORMAT_HELP, printInspect } from './images.ts';

const DOCKER_TYPES = ['config', 'container', 'image', 'network', 'node', 'plugin', 'secret', 'service', 'task', 'volume'];

type Fetch = (client: WharfClient, name: string, size: boolean) => Promise<string>;

const FETCHERS: Record<string, Fetch> = {
  container: (c, name, size) => c.containers.inspectRaw(name, { size }),
  image: (c, name) => c.images.inspectRaw(name),
  volume: (c, name) => c.volumes.inspectRaw(name),
};

class NoSuchObject extends ApiError {}

/** Each kind in turn; a 404 moves on to the next, anything else is the answer. */
async function inspectAny(client: WharfClient, name: string, size: boolean): Promise<string> {
  for (const fetch of Object.values(FETCHERS)) {
    try {
      return await fetch(client, name, size);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
  }
  throw new NoSuchObject(404, `No such object: ${name}`);
}

export const inspectCommand: Command = {
  name: 'inspect',
  use: 'inspect [OPTIONS] NAME|ID [NAME|ID...]',
  short: 'Return low-level information on Wharf objects',
  flags: [
    { name: 'format', short: 'f', kind: 'string', help: INSPECT_FORMAT_HELP },
    { name: 'size', short: 's', kind: 'bool', help: 'Display total file sizes if the type is container' },
    { name: 'type', kind: 'string', help: 'Only inspect objects of the given type' },
  ],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const type = flags.string('type');
    if (type !== '' && !DOCKER_TYPES.includes(type)) {
      throw new StatusError(`unknown type: ${JSON.stringify(type)}: must be one of ${DOCKER_TYPES.map((t) => JSON.stringify(t)).join(', ')}`, 1);
    }
    const client = ctx.client();
    const size = flags.bool('size');
    const fetch = type === '' ? inspectAny : FETCHERS[type];
    if (!fetch) throw new StatusError(`Error: inspecting objects of type ${JSON.stringify(type)} is not supported by Wharf yet`, 1);
    await printInspect(
      ctx.out,
      args,
      flags.string('format'),
      (name) => fetch(client, name, size),
      (_name, err) => (err instanceof NoSuchObject ? `Error: ${err.message}` : `Error response from daemon: ${(err as Error).message}`),
    );
    return 0;
  },
};

export const containerInspectCommand: Command = {
  name: 'inspect',
  use: 'inspect [OPTIONS] CONTAINER [CONTAINER...]',
  short: 'Display detailed information on one or more containers',
  flags: [
    { name: 'format', short: 'f', kind: 'string', help: INSPECT_FORMAT_HELP },
    { name: 'size', short: 's', kind: 'bool', help: 'Display total file sizes' },
  ],
  args: { min: 1 },
  async run(ctx, flags, args) {
    const containers = ctx.client().containers;
    await printInspect(
      ctx.out,
      args,
      flags.string('format'),
      (name) => containers.inspectRaw(name, { size: flags.bool('size') }),
      (_name, err) => `Error response from daemon: ${(err as Error).message}`,
    );
    return 0;
  },
};
