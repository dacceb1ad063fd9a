import { execFile } from "node:child_process";
import { chown, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./ports.js";
import { type ServiceProcess, startProcess, waitFor } from "./process.js";

const run = promisify(execFile);

/** Debian's PostgreSQL server binaries (package `postgresql`, major 15 on bookworm). */
export const PG_BIN = process.env.KILN_TEST_PG_BIN ?? "/usr/lib/postgresql/15/bin";

export interface Postgres {
  host: string;
  port: number;
  /** The superuser initdb made (trust auth on loopback: no password anywhere). */
  superuser: string;
  /** Runs SQL in `db` with psql; returns unaligned, tuples-only output (`|`-separated). */
  sql(db: string, text: string): Promise<string>;
  jdbcUrl(db: string): string;
  process: ServiceProcess;
  logs(lines?: number): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A throwaway PostgreSQL server on 127.0.0.1:<free port> with `wal_level=logical` (for
 * Debezium's pgoutput), trust authentication on loopback for every user and for replication,
 * and its socket in a private directory. As root, initdb and postgres run as the `postgres`
 * user through setpriv (PostgreSQL refuses to run as root). Data lives under the system temp
 * directory and is removed on stop.
 */
export async function startPostgres(
  opts: {
    name?: string;
    /** A loopback address of its own, e.g. for a host name clients resolve, and its port. */
    host?: string;
    port?: number;
    /** Roles other than the superuser sign in over TCP with their password (scram-sha-256). */
    passwords?: boolean;
  } = {},
): Promise<Postgres> {
  const base = await mkdtemp(join(tmpdir(), "kiln-pg-"));
  const data = join(base, "data");
  const sock = join(base, "sock");
  await mkdir(sock);
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? "postgres" : (process.env.USER ?? "postgres");
  const drop = (cmd: string, args: string[]): [string, string[]] =>
    asRoot
      ? ["setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", cmd, ...args]]
      : [cmd, args];
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    for (const d of [base, sock]) await chown(d, Number(stdout.trim()), Number(gid.trim()));
  }
  const superuser = "postgres";
  try {
    const [cmd, args] = drop(join(PG_BIN, "initdb"), [
      "-D",
      data,
      "-U",
      superuser,
      "--auth=trust",
      "--encoding=UTF8",
      "--locale=C.UTF-8",
      "--no-instructions",
      "--no-sync",
    ]);
    await run(cmd, args, { maxBuffer: 8 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    await rm(base, { recursive: true, force: true });
    throw new Error(`initdb failed (running as ${user}):\n${e.stdout ?? ""}${e.stderr ?? ""}`, {
      cause: err,
    });
  }
  if (opts.passwords)
    await writeFile(
      join(data, "pg_hba.conf"),
      [
        "local all all trust",
        `host all ${superuser} 127.0.0.0/8 trust`,
        "host all all 127.0.0.0/8 scram-sha-256",
        "host replication all 127.0.0.0/8 scram-sha-256",
        "",
      ].join("\n"),
    );
  const host = opts.host ?? "127.0.0.1";
  const port = opts.port ?? (await freePort());
  const [cmd, args] = drop(join(PG_BIN, "postgres"), [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    sock,
    "-c",
    `listen_addresses=${host}`,
    "-c",
    "wal_level=logical",
    "-c",
    "max_wal_senders=8",
    "-c",
    "max_replication_slots=8",
    "-c",
    "shared_buffers=32MB",
    "-c",
    "fsync=off",
    "-c",
    "synchronous_commit=off",
    "-c",
    "full_page_writes=off",
  ]);
  const proc = await startProcess(opts.name ?? "postgres", cmd, args, { logDir: base });
  // SIGINT is PostgreSQL's fast shutdown: it does not wait for Debezium's replication session.
  const stop = async () => {
    await proc.stop("SIGINT");
    await rm(base, { recursive: true, force: true }).catch(() => undefined);
  };
  const sql = async (db: string, text: string): Promise<string> => {
    try {
      const { stdout } = await run(
        "psql",
        [
          "-h",
          host,
          "-p",
          String(port),
          "-U",
          superuser,
          "-d",
          db,
          "-X",
          "-q",
          "-At",
          "-v",
          "ON_ERROR_STOP=1",
          "-c",
          text,
        ],
        { env: { ...process.env, PGCONNECT_TIMEOUT: "10" } },
      );
      return stdout.trim();
    } catch (err) {
      const e = err as { stderr?: string };
      throw new Error(`psql (${db}): ${e.stderr ?? String(err)}\n${text}`, { cause: err });
    }
  };
  try {
    await waitFor(`PostgreSQL on ${host}:${port}`, async () => (await sql("postgres", "select 1")) === "1", {
      service: proc,
      timeoutMs: 60_000,
      intervalMs: 300,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    host,
    port,
    superuser,
    sql,
    jdbcUrl: (db) => `jdbc:postgresql://${host}:${port}/${db}`,
    process: proc,
    logs: (lines) => proc.tail(lines),
    stop,
  };
}
