// The container commands in the tree: `wharf container <verb>` and docker's top-level
// shortcuts (`wharf run`, `wharf ps`, `wharf stop`, ...).
import type { Command } from '../command.ts';
import { containerCommitCommand, containerExportCommand, commitTopCommand, exportTopCommand } from './container-image.ts';
import {
  containerDiffCommand,
  containerPortCommand,
  containerTopCommand,
  diffTopCommand,
  portTopCommand,
  topTopCommand,
} from './container-info.ts';
import { containerPruneCommand } from './container-prune.ts';
import { containerCpCommand, cpTopCommand } from './cp.ts';
import { containerExecCommand, execTopCommand } from './exec.ts';
import { containerInspectCommand } from './inspect.ts';
import { lifecycleCommands } from './lifecycle.ts';
import { containerLogsCommand, logsTopCommand } from './logs.ts';
import { containerLsCommand, psCommand } from './ps.ts';
import { containerCreateCommand, containerRunCommand, createTopCommand, runCommand } from './run.ts';
import { attachTopCommand, containerAttachCommand, containerStartCommand, startTopCommand } from './start.ts';
import { containerStatsCommand, statsTopCommand } from './stats.ts';
import { containerUpdateCommand, updateTopCommand } from './update.ts';

export const containerCommand: Command = {
  name: 'container',
  use: 'container',
  short: 'Manage containers',
  category: 'management',
  subcommands: [
    containerAttachCommand,
    containerCommitCommand,
    containerCpCommand,
    containerCreateCommand,
    containerDiffCommand,
    containerExecCommand,
    containerExportCommand,
    containerInspectCommand,
    containerLogsCommand,
    containerLsCommand,
    containerPortCommand,
    containerPruneCommand,
    containerRunCommand,
    containerStartCommand,
    containerStatsCommand,
    containerTopCommand,
    containerUpdateCommand,
    ...lifecycleCommands.container,
  ],
};

export const containerTopCommands: Command[] = [
  runCommand,
  execTopCommand,
  psCommand,
  attachTopCommand,
  commitTopCommand,
  cpTopCommand,
  createTopCommand,
  diffTopCommand,
  exportTopCommand,
  logsTopCommand,
  portTopCommand,
  startTopCommand,
  statsTopCommand,
  topTopCommand,
  updateTopCommand,
  ...lifecycleCommands.top,
];
