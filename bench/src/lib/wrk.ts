/**
 * The HTTP load generator of the ingest bench: wrk (a C program: one core of load costs it far less than the server
 * spends answering), run as a child process against 127.0.0.1 only, posting pre-built EventList bodies in turn over
 * keep-alive connections. Its Lua script prints one JSON line of results, so nothing is scraped from wrk's text.
 *
 * Latency is wrk's: from a request written to its response read, per connection (closed loop: a slow answer delays
 * that connection's next request, so the percentiles under saturation describe queueing at the server).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WrkResult {
  readonly requests: number;
  /** Answers with a status >= 400 (wrk counts 2xx and 3xx as good). */
  readonly badStatus: number;
  /** Connect, read, write and timeout errors. */
  readonly socketErrors: number;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface WrkLoad {
  /** http://127.0.0.1:PORT (no path). */
  readonly origin: string;
  /** Request paths, used in turn (e.g. one per cluster). */
  readonly paths: readonly string[];
  /** Bodies, used in turn (each request: the next path and the next body). */
  readonly bodies: readonly string[];
  readonly connections: number;
  /** Whole seconds (wrk's smallest unit is 1 s). */
  readonly seconds: number;
}

/** True when wrk is installed (`apt-get install wrk`). */
export function haveWrk(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

const SCRIPT = `-- Written by bench/src/lib/wrk.ts. args: a file listing body files, then request paths.
local requests = {}
local n = 0
function init(args)
  local bodies = {}
  for file in io.lines(args[1]) do
    local f = assert(io.open(file, "rb"))
    bodies[#bodies + 1] = f:read("*a")
    f:close()
  end
  local headers = { ["Content-Type"] = "application/json" }
  local count = math.max(#bodies, #args - 1)
  for i = 1, count do
    local path = args[2 + ((i - 1) % (#args - 1))]
    requests[i] = wrk.format("POST", path, headers, bodies[1 + ((i - 1) % #bodies)])
  end
end
function request()
  n = n + 1
  return requests[1 + (n % #requests)]
end
function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"status":%d,"socket":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

/** Runs wrk once; rejects when it fails or prints no result. */
export async function runWrk(load: WrkLoad): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'peregrine-wrk-'));
  try {
    const files = load.bodies.map((b, i) => {
      const path = join(dir, `body-${i}.json`);
      writeFileSync(path, b);
      return path;
    });
    writeFileSync(join(dir, 'bodies.txt'), `${files.join('\n')}\n`);
    writeFileSync(join(dir, 'post.lua'), SCRIPT);
    const args = [
      '-t1', `-c${load.connections}`, `-d${Math.max(1, Math.round(load.seconds))}s`, '--timeout', '30s',
      '-s', join(dir, 'post.lua'), `${load.origin}/`, '--', join(dir, 'bodies.txt'), ...load.paths,
    ];
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}:\n${text}`))));
    });
    const line = /WRK_JSON (\{.*\})/.exec(out)?.[1];
    if (!line) throw new Error(`wrk printed no result:\n${out}`);
    const r = JSON.parse(line) as { requests: number; duration_us: number; status: number; socket: number; p50_us: number; p99_us: number };
    return {
      requests: r.requests, badStatus: r.status, socketErrors: r.socket, seconds: r.duration_us / 1e6,
      p50Ms: r.p50_us / 1000, p99Ms: r.p99_us / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
