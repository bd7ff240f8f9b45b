/**
 * `peregrine setup apiserver --url URL CREDENTIAL [...]`: the webhook kubeconfig, the recommended audit policy and the
 * kube-apiserver flags, printed as three sections (`# ==> NAME` lines between them) or written to `--out-dir`. The
 * recommended policy is then checked against the rules in use, so that rules of one's own that need more than it
 * gives are said at once (exit 1), not found out when they stay silent.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { apiserverFlags, DEFAULT_EVENTS_PER_SECOND, flagsText } from '../setup/apiserver-flags.js';
import { parsePolicy } from '../setup/audit-policy.js';
import { hasWarnings, reportLines, summaryLine } from '../setup/check-report.js';
import { type WebhookCredential, webhookKubeconfigYaml } from '../setup/kubeconfig.js';
import { checkPolicy } from '../setup/policy-check.js';
import { RECOMMENDED_POLICY } from '../setup/recommended-policy.js';
import { webhookUrl } from '../setup/webhook-url.js';
import { type CommandIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseCommandArgs, UsageError } from '../usage.js';
import { loadRulesInUse } from './setup-check.js';

const DEFAULT_NODE_DIR = '/etc/kubernetes/peregrine';
const KUBECONFIG_FILE = 'webhook-kubeconfig.yaml';
const POLICY_FILE = 'audit-policy.yaml';
const FLAGS_FILE = 'kube-apiserver-flags.txt';
/** kubeadm and most installers run the apiserver as a static pod: the files must be mounted into it. */
const STATIC_POD_NOTE = (dir: string) =>
  `# In a static pod (kubeadm), mount ${dir} into the kube-apiserver container (a read-only hostPath volume).\n`;

export async function setupApiserver(args: readonly string[], io: CommandIo): Promise<number> {
  const { values: v, positionals } = parseCommandArgs(args, {
    url: { type: 'string' },
    token: { type: 'string' },
    'token-file': { type: 'string' },
    'client-cert': { type: 'string' },
    'client-key': { type: 'string' },
    'ca-file': { type: 'string' },
    cluster: { type: 'string' },
    'events-per-second': { type: 'string' },
    rules: { type: 'string', multiple: true },
    'node-dir': { type: 'string' },
    'out-dir': { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const s = (name: string) => v[name] as string | undefined;
  if (s('url') === undefined) throw new UsageError('setup apiserver needs --url (ingest\'s webhook, e.g. https://HOST:8765/k8s-audit)');
  const url = webhookUrl(s('url')!, s('cluster'));
  const credential = await readCredential(s);
  if (!url.https && (credential.kind === 'client-cert' || s('ca-file') !== undefined)) {
    throw new UsageError('--client-cert and --ca-file need an https:// URL (they are TLS settings)');
  }
  const caPem = s('ca-file') === undefined ? undefined : await readPem(s('ca-file')!, '--ca-file', 'CERTIFICATE');
  const eventsPerSecond = positiveNumber(s('events-per-second'), '--events-per-second') ?? DEFAULT_EVENTS_PER_SECOND;
  const nodeDir = s('node-dir') ?? DEFAULT_NODE_DIR;
  if (!nodeDir.startsWith('/')) throw new UsageError('--node-dir: give an absolute path (the apiserver reads the files from there)');

  const rules = await loadRulesInUse(v['rules'] as string[] | undefined, io, 'setup apiserver');
  if (!rules) return EXIT_USAGE;

  const kubeconfig = webhookKubeconfigYaml({ server: url.url, caPem, credential });
  const flags = apiserverFlags({
    eventsPerSecond,
    policyPath: posix.join(nodeDir, POLICY_FILE),
    kubeconfigPath: posix.join(nodeDir, KUBECONFIG_FILE),
  });
  const flagsOut = `${flagsText(flags)}${STATIC_POD_NOTE(nodeDir)}`;
  for (const note of url.notes) io.stderr.write(`peregrine setup apiserver: note: ${note}\n`);
  if (caPem === undefined && url.https) {
    io.stderr.write('peregrine setup apiserver: note: no --ca-file: the apiserver will check ingest\'s certificate against the node\'s system CAs\n');
  }

  const outDir = s('out-dir');
  if (outDir === undefined) {
    io.stdout.write(`# ==> ${KUBECONFIG_FILE}: install as ${posix.join(nodeDir, KUBECONFIG_FILE)} (mode 600)\n${kubeconfig}`);
    io.stdout.write(`# ==> ${POLICY_FILE}: install as ${posix.join(nodeDir, POLICY_FILE)}\n${RECOMMENDED_POLICY}`);
    io.stdout.write(`# ==> kube-apiserver flags, sized for ${eventsPerSecond} audit events/s\n${flagsOut}`);
  } else {
    await mkdir(outDir, { recursive: true });
    // The kubeconfig holds the credential: created private, and made private if it already existed.
    await writeFile(join(outDir, KUBECONFIG_FILE), kubeconfig, { mode: 0o600 });
    await chmod(join(outDir, KUBECONFIG_FILE), 0o600);
    await writeFile(join(outDir, POLICY_FILE), RECOMMENDED_POLICY);
    await writeFile(join(outDir, FLAGS_FILE), flagsOut);
    io.stdout.write([
      `wrote ${join(outDir, KUBECONFIG_FILE)} (mode 600: it holds the credential)`,
      `wrote ${join(outDir, POLICY_FILE)}`,
      `wrote ${join(outDir, FLAGS_FILE)}`,
      `Copy the two YAML files to ${nodeDir}/ on every control-plane node and add the flags of ${FLAGS_FILE} to the kube-apiserver.`,
      '',
    ].join('\n'));
  }

  const report = checkPolicy(parsePolicy(RECOMMENDED_POLICY, 'the recommended policy'), rules);
  for (const line of reportLines(report, false)) io.stderr.write(`peregrine setup apiserver: ${line}\n`);
  if (hasWarnings(report)) {
    io.stderr.write(`peregrine setup apiserver: ${summaryLine(report, 'the recommended policy', false)}; widen it for those rules\n`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}

/** Exactly one credential: a token (given or from a file) or a client certificate with its key. */
async function readCredential(s: (name: string) => string | undefined): Promise<WebhookCredential> {
  const given = ['token', 'token-file', 'client-cert'].filter((n) => s(n) !== undefined);
  if (s('client-key') !== undefined && s('client-cert') === undefined) throw new UsageError('--client-key goes with --client-cert');
  if (given.length === 0) throw new UsageError('give the credential ingest expects: --token T, --token-file F, or --client-cert F --client-key F');
  if (given.length > 1) throw new UsageError(`give one credential, not ${given.map((n) => `--${n}`).join(' and ')}`);
  if (s('client-cert') !== undefined) {
    if (s('client-key') === undefined) throw new UsageError('--client-cert needs --client-key');
    return {
      kind: 'client-cert',
      certPem: await readPem(s('client-cert')!, '--client-cert', 'CERTIFICATE'),
      keyPem: await readPem(s('client-key')!, '--client-key', 'PRIVATE KEY'),
    };
  }
  const token = s('token') ?? (await readText(s('token-file')!, '--token-file')).trim();
  if (token === '') throw new UsageError(`${s('token') !== undefined ? '--token' : '--token-file'}: the token is empty`);
  if (/\s/.test(token)) throw new UsageError('the token contains whitespace: a bearer token is one word');
  return { kind: 'token', token };
}

async function readPem(path: string, flag: string, label: string): Promise<string> {
  const text = await readText(path, flag);
  if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(text)) {
    throw new UsageError(`${flag}: ${path} has no PEM ${label} block`);
  }
  return text;
}

async function readText(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function positiveNumber(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(n > 0)) throw new UsageError(`${flag}: expected a positive number, got '${text}'`);
  return n;
}
