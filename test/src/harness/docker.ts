import type Docker from "dockerode";

/** The text of a non-TTY container log stream (Docker's 8-byte frame headers removed). */
export function demux(buf: Buffer): string {
  let out = "";
  for (let i = 0; i + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + len).toString("utf8");
    i += 8 + len;
  }
  return out;
}

/** Waits for a pull/push/build progress stream to end; rejects on its error. */
export async function follow(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  await new Promise<void>((res, rej) =>
    docker.modem.followProgress(stream, (e: Error | null) => (e ? rej(e) : res())),
  );
}
