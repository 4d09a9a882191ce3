// `npm run emulator -- --estate emulator/estate.sample.json` (or `node dist/emulator/cli.js ...`):
// serves every instance of the estate on loopback, prints how to connect, stops on Ctrl-C.
import { resolve } from 'node:path';
import { ScaledClock } from './engine/clock';
import { defaultServices } from './engine/defaultServices';
import { EstateError, loadEstateFile } from './engine/estate';
import { startEstate, type RunningEstate } from './engine/estateServer';

interface CliOptions {
  estate: string;
  adminPort: number;
  clockSpeed?: number;
  azuriteBlobEndpoint?: string;
  stateFile?: string;
}

const USAGE = `usage: emulator --estate <estate.json> [--admin-port <port>] [--clock-speed <n>] [--azurite-blob-endpoint <url>] [--state-file <file>]
  --estate                 the estate file (see emulator/estate.sample.json)
  --admin-port             admin API port on 127.0.0.1 (default: any free port)
  --clock-speed            simulated ms per real ms for restores, WAITFOR and the workload (default: the estate's, else 1)
  --azurite-blob-endpoint  e.g. http://127.0.0.1:10000/devstoreaccount1: prints the credential statement for it
  --state-file             keep the estate's state in this file across runs (mode 0600: it holds credential secrets)`;

export function parseArgs(argv: string[]): CliOptions {
  const options: Partial<CliOptions> = { adminPort: 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    const number = (text: string, min: number): number => {
      const n = Number(text);
      if (!Number.isFinite(n) || n < min) throw new Error(`${arg} must be a number >= ${min}\n${USAGE}`);
      return n;
    };
    switch (arg) {
      case '--estate':
        options.estate = value();
        break;
      case '--admin-port':
        options.adminPort = number(value(), 0);
        break;
      case '--clock-speed':
        options.clockSpeed = number(value(), Number.MIN_VALUE);
        break;
      case '--azurite-blob-endpoint':
        options.azuriteBlobEndpoint = value().replace(/\/+$/, '');
        break;
      case '--state-file':
        options.stateFile = value();
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown argument ${arg}\n${USAGE}`);
    }
  }
  if (!options.estate) throw new Error(`--estate is required\n${USAGE}`);
  return options as CliOptions;
}

export function describeEstate(running: RunningEstate, azuriteBlobEndpoint?: string): string {
  const lines = ['mi-autopilot emulator: local-only sample estate (loopback only; passwords come from the estate file)', ''];
  for (const r of running.instances) {
    const inst = r.instance;
    const kind = inst.config.kind === 'managedInstance' ? `managed instance (${inst.config.updatePolicy})` : `SQL Server ${inst.product.productVersion}`;
    lines.push(`${inst.config.name}: ${kind}`);
    lines.push(`  ${r.connectionString}`);
    lines.push(`  tsql -H ${r.host} -p ${r.port} -U ${r.user} -P '<password>'`);
  }
  lines.push('', `admin API: ${running.adminUrl}/instances`);
  if (azuriteBlobEndpoint) {
    lines.push(
      '',
      `backups in Azurite: create the credential on an instance before BACKUP/RESTORE TO URL, e.g.`,
      `  CREATE CREDENTIAL [${azuriteBlobEndpoint}/backups] WITH IDENTITY = 'SHARED ACCESS SIGNATURE', SECRET = '<sas token without ?>';`,
    );
  }
  lines.push('', 'Ctrl-C stops the emulator.');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const estate = loadEstateFile(resolve(options.estate));
  const clock = options.clockSpeed === undefined ? undefined : new ScaledClock(options.clockSpeed);
  const running = await startEstate(estate, {
    services: defaultServices(),
    adminPort: options.adminPort,
    clock,
    stateFile: options.stateFile === undefined ? undefined : resolve(options.stateFile),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`${describeEstate(running, options.azuriteBlobEndpoint)}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    running.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof EstateError || e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  });
}
