import { join, resolve } from "node:path";
import { BlobStore, dockerConfigCredentials, RegistryClient } from "@kiln/builder";
import { defaultCacheDir } from "@kiln/catalog/cache";
import { readTextFile } from "@kiln/catalog/files";
import { OptionError } from "@kiln/schemas/core";
import type { RunContext } from "./context.js";

/** How to reach registries, as flags give it; the environment adds to it. */
export interface RegistryOptions {
  /** Registries spoken to over plain http (`--insecure-registry`; plus `KILN_INSECURE_REGISTRIES`). */
  insecureRegistry?: string[];
  /** A PEM bundle of extra CAs (`--registry-ca`; else `KILN_REGISTRY_CA`). */
  registryCa?: string;
}

/** The CA bundle: a PEM file of certificates, checked so a wrong file is named as such. */
async function readRegistryCa(file: string, cwd: string): Promise<string> {
  const text = await readTextFile(resolve(cwd, file), { display: file });
  if (!/-----BEGIN CERTIFICATE-----/.test(text))
    throw new OptionError(
      `--registry-ca ${file} is not a PEM certificate file (it holds no -----BEGIN CERTIFICATE----- block)`,
    );
  return text;
}

/**
 * The one way every step gets a registry client: the insecure list and CA bundle from the
 * options and the environment, Docker's credential config, the caller's deadline. Close it.
 */
export async function registryClient(opts: RegistryOptions, ctx: RunContext): Promise<RegistryClient> {
  const insecure = [
    ...(opts.insecureRegistry ?? []),
    ...(ctx.env.KILN_INSECURE_REGISTRIES?.split(",").filter(Boolean) ?? []),
  ];
  const caFile = opts.registryCa ?? ctx.env.KILN_REGISTRY_CA;
  return new RegistryClient({
    insecure,
    ...(caFile ? { ca: await readRegistryCa(caFile, ctx.cwd) } : {}),
    credentials: dockerConfigCredentials(ctx.env),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
}

/** Where baked layers and pulled blobs are kept between runs: `images/` in kiln's cache. */
export function imageStore(env: NodeJS.ProcessEnv): BlobStore {
  return new BlobStore(join(defaultCacheDir(env), "images"));
}
